// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// A line protocol read two ways, first as written, then with every read cut
// into chunks of 1 to 3 bytes (MemConn::Conditions::maxChunk). The naive
// reader takes each readyRead() for one message, which works over loopback
// and breaks as soon as the network splits a write; the line reader buffers
// until a whole line has come and is right both times.
#include <MemConn/MemConn>
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/QCoreApplication>
#include <QtCore/QDeadlineTimer>

#include <cstdio>

static QStringList receive(bool naive)
{
    MemServer server;
    server.listen(QStringLiteral("lines"));
    QObject::connect(&server, &MemServer::newConnection, &server, [&server] {
        MemSocket *peer = server.nextPendingConnection();
        peer->write("alpha\nbravo\ncharlie\n");   // one write, three messages
    });
    MemSocket client;
    QStringList messages;
    qint64 received = 0;
    QObject::connect(&client, &MemSocket::readyRead, &client, [&] {
        if (naive) {
            const QByteArray message = client.readAll();   // the bug: a read is not a message
            received += message.size();
            messages << QString::fromUtf8(message);
        } else {
            while (client.canReadLine()) {
                const QByteArray line = client.readLine();
                received += line.size();
                messages << QString::fromUtf8(line);
            }
        }
    });
    client.connectToServer(QStringLiteral("lines"));
    for (QDeadlineTimer t(5000); !t.hasExpired() && received < 20;)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return messages;
}

static void run(const char *title)
{
    std::printf("%s\n", title);
    for (bool naive : {true, false}) {
        const QStringList got = receive(naive);
        std::printf("  %s: %lld message%s: %s\n", naive ? "naive reader" : "line reader",
                    qint64(got.size()), got.size() == 1 ? "" : "s",
                    qPrintable(QString(QLatin1Char('[') + got.join(QLatin1String("] [")) + QLatin1Char(']'))
                                   .replace(QLatin1Char('\n'), QLatin1String("\\n"))));
    }
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    run("as written:");
    MemConn::Conditions conditions;
    conditions.maxChunk = 3;   // the one line that exposes the bug
    MemConn::setConditions(QStringLiteral("lines"), conditions);
    run("maxChunk=3:");
    return 0;
}
