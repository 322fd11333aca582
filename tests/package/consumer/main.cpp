// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Builds against the installed package only.
#include <MemConn/MemConn>
#include <MemConn/MemListener>
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/QCoreApplication>
#include <cstdio>
#include <cstring>

// The version header comes with <MemConn/MemConn>.
static_assert(MEMCONN_VERSION >= MEMCONN_VERSION_CHECK(0, 1, 0), "MemConn 0.1 or later");
static_assert(MEMCONN_VERSION == MEMCONN_VERSION_CHECK(MEMCONN_VERSION_MAJOR, MEMCONN_VERSION_MINOR,
                                                       MEMCONN_VERSION_PATCH), "one version");

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc > 1 && std::strcmp(argv[1], MEMCONN_VERSION_STR) != 0) {
        std::printf("consumer: version %s, expected %s\n", MEMCONN_VERSION_STR, argv[1]);
        return 6;
    }
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
