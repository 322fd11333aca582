// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// An echo service and its client, written once against an address string:
//   endpoints memu:echo          in memory
//   endpoints tcp:127.0.0.1:0    over TCP (port 0: any free port)
// With MEMCONN_NETWORK_MAP=tcp=memu the tcp: run stays in memory, unchanged.
#include <MemConn/MemConn>
#include <MemConn/MemListener>

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>
#include <QtCore/QTimer>

#include <memory>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const QString address = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("memu:echo");

    // The service: echoes every line back.
    MemListener listener;
    if (!listener.listen(address)) {
        out << listener.errorString() << Qt::endl;
        return 1;
    }
    QObject::connect(&listener, &MemListener::newConnection, &listener, [&listener] {
        while (QIODevice *peer = listener.nextPendingConnection()) {
            QObject::connect(peer, &QIODevice::readyRead, peer, [peer] {
                while (peer->canReadLine())
                    peer->write(peer->readLine());
            });
        }
    });

    // The client: dials the address the service resolved to.
    std::unique_ptr<QIODevice> client(MemConn::dial(listener.address()));
    const QList<QByteArray> lines{"one\n", "two\n", "three\n"};
    for (const QByteArray &line : lines)
        client->write(line);
    int echoed = 0;
    QObject::connect(client.get(), &QIODevice::readyRead, client.get(), [&] {
        while (client->canReadLine()) {
            out << "echo: " << client->readLine();
            if (++echoed == lines.size()) {
                out << "echoed " << echoed << " lines over " << listener.address() << Qt::endl;
                app.quit();
            }
        }
    });
    QTimer::singleShot(10000, &app, [&] {
        out << "timed out: " << client->errorString() << Qt::endl;
        app.exit(2);
    });
    return app.exec();
}
