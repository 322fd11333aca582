// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Builds against the installed package only.
#include <MemConn/MemConn>
#include <MemConn/MemListener>
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/QCoreApplication>
#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    MemServer server;
    if (!server.listen(QStringLiteral("consumer")))
        return 1;
    MemSocket client;
    client.connectToServer(QStringLiteral("memb:consumer"));
    MemSocket *peer = server.nextPendingConnection();
    if (!peer || client.write("ping") != 4)
        return 2;
    MemListener listener;   // the endpoint headers are installed and usable too
    if (!listener.listen(QStringLiteral("memu:consumer-endpoint")))
        return 4;
    QIODevice *dialled = MemConn::dial(listener.address(), &app);
    if (!dialled->isOpen())
        return 5;
    QObject::connect(peer, &MemSocket::readyRead, peer, [&] {
        const QByteArray got = peer->readAll();
        std::printf("consumer: %s\n", got == "ping" ? "ok" : "bad bytes");
        app.exit(got == "ping" ? 0 : 3);
    });
    return app.exec();
}
