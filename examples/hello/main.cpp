// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// A server and a client exchanging data in memory: the smallest MemConn program.
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QTextStream>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);

    // The server: upper-cases every line it receives.
    MemServer server;
    if (!server.listen(QStringLiteral("hello"))) {
        out << server.errorString() << Qt::endl;
        return 1;
    }
    QObject::connect(&server, &MemServer::newConnection, &server, [&server] {
        MemSocket *s = server.nextPendingConnection();
        QObject::connect(s, &MemSocket::readyRead, s, [s] {
            while (s->canReadLine())
                s->write(s->readLine().toUpper());
        });
        QObject::connect(s, &MemSocket::disconnected, s, &QObject::deleteLater);
    });

    // The client: sends lines and prints the answers, then times round trips.
    MemSocket client;
    const QList<QByteArray> lines{"hello, memconn\n", "bytes that never leave the process\n"};
    int answered = 0;
    constexpr int rounds = 100000;
    QElapsedTimer timer;
    QObject::connect(&client, &MemSocket::readyRead, &client, [&] {
        while (client.canReadLine()) {
            const QByteArray answer = client.readLine();
            if (answered < lines.size())
                out << "client got: " << answer;
            if (++answered == lines.size())
                timer.start();
            if (answered < lines.size() + rounds) {
                client.write("ping\n");
            } else {
                const double ns = double(timer.nsecsElapsed()) / rounds;
                out << rounds << " round trips, " << qRound(ns) << " ns each (one thread, event loop)"
                    << Qt::endl;
                client.disconnectFromServer();
                app.quit();
            }
        }
    });
    client.connectToServer(QStringLiteral("hello"));
    out << "connected to " << client.fullServerName() << " as " << client.localName() << Qt::endl;
    for (const QByteArray &line : lines)
        client.write(line);
    return app.exec();
}
