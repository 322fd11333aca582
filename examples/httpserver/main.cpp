// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// A QHttpServer app with an HTTP route and a WebSocket route, written once
// against QTcpServer/QTcpSocket. MemConn::createTcpServer() and
// createTcpSocket() follow the network map, so the same binary runs
//   httpserver                                  over a real loopback port
//   MEMCONN_NETWORK_MAP=tcp=memb httpserver     in memory (no port, no packets)
//   httpserver --serve 8080                     serves a real port until stopped
// Without --serve it checks itself with a QTcpSocket-typed client: one GET,
// then a WebSocket upgrade and one message, and prints what it saw.
#include <MemConn/MemConn>
#include <MemConn/MemTcpServer>

#include <QtCore/QCoreApplication>
#include <QtCore/QCryptographicHash>
#include <QtCore/QTextStream>
#include <QtCore/QTimer>
#include <QtHttpServer/QHttpServer>
#include <QtHttpServer/QHttpServerResponder>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtWebSockets/QWebSocket>

#include <memory>

// Route handlers take the responder as QHttpServerResponder && up to Qt 6.4
// and as QHttpServerResponder & from Qt 6.5 on (built here with 6.4 and 6.8).
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
using Responder = QHttpServerResponder &;
#else
using Responder = QHttpServerResponder &&;
#endif
// From Qt 6.8 on, QHttpServer upgrades a request to a WebSocket only when a
// verifier accepts it; before, when a route handles it without answering.
#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
#include <QtHttpServer/qhttpserverwebsocketupgraderesponse.h>
#define MEMCONN_HTTP_UPGRADE_VERIFIER 1
#endif

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const bool serve = app.arguments().contains(QStringLiteral("--serve"));
    const quint16 wanted = serve ? quint16(app.arguments().constLast().toUInt()) : 0;

    // The application: one HTTP route, one WebSocket route that shouts back.
    QHttpServer http;
    http.route(QStringLiteral("/hello"), [] { return QStringLiteral("hello from QHttpServer"); });
    // QHttpServer up to 6.7 upgrades a request that a route handles without
    // answering; from 6.8 on, one that a verifier accepts.
    http.route(QStringLiteral("/ws"), [](const QHttpServerRequest &, Responder) {});
#ifdef MEMCONN_HTTP_UPGRADE_VERIFIER
    http.addWebSocketUpgradeVerifier(&http, [](const QHttpServerRequest &request) {
        return request.url().path() == QLatin1String("/ws")
            ? QHttpServerWebSocketUpgradeResponse::accept()
            : QHttpServerWebSocketUpgradeResponse::passToNext();
    });
#endif
    std::vector<std::unique_ptr<QWebSocket>> sockets;
    QObject::connect(&http, &QAbstractHttpServer::newWebSocketConnection, &http, [&] {
        while (http.hasPendingWebSocketConnections()) {
            QWebSocket *ws = sockets.emplace_back(http.nextPendingWebSocketConnection()).get();
            QObject::connect(ws, &QWebSocket::textMessageReceived, ws,
                             [ws](const QString &m) { ws->sendTextMessage(m.toUpper()); });
        }
    });
    QTcpServer *tcp = MemConn::createTcpServer();   // a MemTcpServer when tcp is mapped to memory
    if (!MemConn::listenTcp(tcp, QHostAddress::LocalHost, wanted)) {
        out << "listen failed: " << tcp->errorString() << Qt::endl;
        return 1;
    }
    http.bind(tcp);
    // QTcpServer::serverPort() is not virtual: ask an in-memory server itself.
    auto *memory = qobject_cast<MemTcpServer *>(tcp);
    const bool inMemory = memory != nullptr;
    const quint16 serverPort = memory ? memory->serverPort() : tcp->serverPort();
    out << (inMemory ? "in memory" : "over TCP") << ": listening on 127.0.0.1:" << serverPort << Qt::endl;
    if (serve)
        return app.exec();

    // The client, typed on QTcpSocket as any Qt client is.
    std::unique_ptr<QTcpSocket> client(MemConn::createTcpSocket());
    QByteArray got;
    int step = 0;
    const QByteArray key = "dGhlIHNhbXBsZSBub25jZQ==";
    QString summary;
    QObject::connect(client.get(), &QTcpSocket::connected, client.get(), [&] {
        client->write("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
    });
    QObject::connect(client.get(), &QIODevice::readyRead, client.get(), [&] {
        got += client->readAll();
        if (step == 0 && got.contains("hello from QHttpServer")) {
            summary = QStringLiteral("GET /hello -> %1 \"hello from QHttpServer\"")
                          .arg(QString::fromLatin1(got.mid(9, 3)));
            got.clear();
            step = 1;
            client->write("GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + "\r\n\r\n");
        } else if (step == 1 && got.contains("\r\n\r\n")) {
            const QByteArray accept = QCryptographicHash::hash(key + QByteArray("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
                                                               QCryptographicHash::Sha1).toBase64();
            if (!got.startsWith("HTTP/1.1 101") || !got.contains(accept)) {
                out << "no upgrade: " << got << Qt::endl;
                app.exit(1);
                return;
            }
            got.clear();
            step = 2;
            // One masked text frame (RFC 6455), mask 0: the payload as is.
            const QByteArray text = "hello over websocket";
            client->write(QByteArray("\x81") + char(0x80 | text.size()) + QByteArray(4, '\0') + text);
        } else if (step == 2 && got.size() >= 2 && got.size() >= 2 + (got.at(1) & 0x7f)) {
            out << (inMemory ? "in memory" : "over TCP") << ": " << summary << "; WebSocket /ws echoed \""
                << got.mid(2, got.at(1) & 0x7f) << "\"" << Qt::endl;
            app.quit();
        }
    });
    client->connectToHost(QStringLiteral("localhost"), serverPort);
    QTimer::singleShot(10000, &app, [&] {
        out << "timed out at step " << step << ": " << client->errorString() << Qt::endl;
        app.exit(2);
    });
    return app.exec();
}
