// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Qt's own servers in memory: QHttpServer bound to a MemTcpServer, and
// QWebSocketServer::handleConnection() over MemTcpSockets. The clients are
// QTcpSocket*-typed code (a QWebSocket client cannot take a device in Qt 6.4),
// speaking HTTP/1.1 and RFC 6455 by hand.
#include "testutil.h"

#include <MemConn/MemTcpServer>
#include <MemConn/MemTcpSocket>

#include <QtCore/qbuffer.h>
#include <QtCore/qcryptographichash.h>
#include <QtCore/qrandom.h>
#include <QtHttpServer/qhttpserver.h>
#include <QtHttpServer/qhttpserverresponder.h>
#include <QtWebSockets/qwebsocket.h>
#include <QtWebSockets/qwebsocketserver.h>


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

namespace {

// Every Qt warning while a test runs; a test that expects none checks it.
QStringList &warnings()
{
    static QStringList list;
    return list;
}
QtMessageHandler previousHandler = nullptr;
void collect(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtWarningMsg)
        warnings() << message;
    previousHandler(type, context, message);
}

struct Response
{
    int status = 0;
    QHash<QByteArray, QByteArray> headers;
    QByteArray body;
};

// Reads one HTTP/1.1 response (Content-Length framed) from `socket`;
// `pending` carries bytes of the next response between calls.
bool readResponse(QTcpSocket *socket, QByteArray &pending, Response &r, int ms = 10000)
{
    r = Response();
    qsizetype headerEnd = -1;
    qint64 length = -1;
    const bool ok = spinUntil(
        [&] {
            pending += socket->readAll();
            if (headerEnd < 0) {
                headerEnd = pending.indexOf("\r\n\r\n");
                if (headerEnd < 0)
                    return false;
                const QList<QByteArray> lines = pending.left(headerEnd).split('\n');
                r.status = lines.value(0).split(' ').value(1).toInt();
                for (qsizetype i = 1; i < lines.size(); ++i) {
                    const qsizetype colon = lines.at(i).indexOf(':');
                    if (colon > 0)
                        r.headers.insert(lines.at(i).left(colon).trimmed().toLower(), lines.at(i).mid(colon + 1).trimmed());
                }
                length = r.headers.value("content-length", "0").toLongLong();
            }
            return pending.size() >= headerEnd + 4 + length;
        },
        ms);
    if (!ok)
        return false;
    r.body = pending.mid(headerEnd + 4, length);
    pending.remove(0, headerEnd + 4 + length);
    return true;
}

QByteArray get(const QByteArray &path, const QByteArray &extra = {})
{
    return "GET " + path + " HTTP/1.1\r\nHost: api.test\r\n" + extra + "\r\n";
}

// RFC 6455 frames, as a client sends them (masked) and reads them.
QByteArray clientFrame(int opcode, const QByteArray &payload)
{
    QByteArray f;
    f.append(char(0x80 | opcode));
    const qsizetype n = payload.size();
    if (n < 126) {
        f.append(char(0x80 | n));
    } else if (n < 65536) {
        f.append(char(0x80 | 126));
        f.append(char(n >> 8));
        f.append(char(n & 0xff));
    } else {
        f.append(char(0x80 | 127));
        for (int i = 7; i >= 0; --i)
            f.append(char((quint64(n) >> (8 * i)) & 0xff));
    }
    const quint32 mask = QRandomGenerator::global()->generate();
    const char key[4] = {char(mask >> 24), char(mask >> 16), char(mask >> 8), char(mask)};
    f.append(key, 4);
    for (qsizetype i = 0; i < n; ++i)
        f.append(char(payload.at(i) ^ key[i % 4]));
    return f;
}

struct Frame
{
    int opcode = -1;
    QByteArray payload;
};

bool readFrame(QTcpSocket *socket, QByteArray &pending, Frame &frame, int ms = 10000)
{
    return spinUntil(
        [&] {
            pending += socket->readAll();
            if (pending.size() < 2)
                return false;
            const auto b = [&](qsizetype i) { return quint8(pending.at(i)); };
            quint64 n = b(1) & 0x7f;
            qsizetype at = 2;
            if (n == 126) {
                if (pending.size() < 4)
                    return false;
                n = (quint64(b(2)) << 8) | b(3);
                at = 4;
            } else if (n == 127) {
                if (pending.size() < 10)
                    return false;
                n = 0;
                for (int i = 0; i < 8; ++i)
                    n = (n << 8) | b(2 + i);
                at = 10;
            }
            if (quint64(pending.size()) < at + n)
                return false;
            frame.opcode = b(0) & 0x0f;
            frame.payload = pending.mid(at, qsizetype(n));
            pending.remove(0, at + qsizetype(n));
            return true;
        },
        ms);
}

QByteArray handshake(const QByteArray &path, const QByteArray &key)
{
    return "GET " + path + " HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

QByteArray acceptFor(const QByteArray &key)
{
    return QCryptographicHash::hash(QByteArray(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"), QCryptographicHash::Sha1).toBase64();
}

// One QHttpServer with the routes the tests use, bound to a MemTcpServer.
struct HttpApp
{
    QHttpServer http;
    MemTcpServer *tcp = new MemTcpServer;   // QHttpServer takes it as a child
    QByteArray big = QByteArray(600 * 1024, 'z');   // more than the 256 KiB send window
    int served = 0;
    bool listen(quint16 port)
    {
        http.route(QStringLiteral("/hello"), [this] {
            ++served;
            return QStringLiteral("hello from QHttpServer in memory");
        });
        http.route(QStringLiteral("/echo"), QHttpServerRequest::Method::Post, [this](const QHttpServerRequest &request) {
            ++served;
            return request.body();
        });
        http.route(QStringLiteral("/stream"), [this](const QHttpServerRequest &, Responder responder) {
            ++served;
            auto *body = new QBuffer;
            body->setData(big);
            body->open(QIODevice::ReadOnly);
            responder.write(body, "application/octet-stream");   // sent piecewise on bytesWritten()
        });
        http.route(QStringLiteral("/peer"), [this](const QHttpServerRequest &request) {
            ++served;
            return request.remoteAddress().toString();
        });
        if (!tcp->listen(QHostAddress::LocalHost, port))
            return false;
        http.bind(tcp);
        return true;
    }
};

} // namespace

class tst_HttpServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { previousHandler = qInstallMessageHandler(collect); }
    void init() { warnings().clear(); }
    void routesKeepAlivePipelining();
    void streamedBodyLargerThanWindow();
    void manySequentialConnections();
    void serverInAnotherThread();
    void webSocketServer();
    void webSocketUpgradeThroughHttpServer();
};

void tst_HttpServer::routesKeepAlivePipelining()
{
    HttpApp app;
    QVERIFY(app.listen(8080));
    QVERIFY2(warnings().isEmpty(), qPrintable(warnings().join(QLatin1Char('\n'))));   // bind(): no "not listening"
    QCOMPARE(app.http.servers().size(), 1);
    QTcpSocket *client = new MemTcpSocket(this);
    client->connectToHost(QStringLiteral("localhost"), 8080);
    QVERIFY(client->waitForConnected(5000));
    QByteArray pending;
    Response r;
    client->write(get("/hello"));
    QVERIFY(readResponse(client, pending, r));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("hello from QHttpServer in memory"));
    // Keep-alive: the same connection serves the next request.
    client->write(get("/hello"));
    QVERIFY(readResponse(client, pending, r));
    QCOMPARE(r.status, 200);
    // Pipelined: three requests in one write, three responses in order.
    client->write(get("/hello") + "POST /echo HTTP/1.1\r\nHost: api.test\r\nContent-Length: 5\r\n\r\nhello"
                  + get("/nope"));
    QVERIFY(readResponse(client, pending, r));
    QCOMPARE(r.status, 200);
    QVERIFY(readResponse(client, pending, r));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("hello"));
    QVERIFY(readResponse(client, pending, r));
    QCOMPARE(r.status, 404);
    // The request sees the adapter's peer address.
    client->write(get("/peer"));
    QVERIFY(readResponse(client, pending, r));
    QCOMPARE(r.body, QByteArray("127.0.0.1"));
    QCOMPARE(client->state(), QAbstractSocket::ConnectedState);
    QCOMPARE(app.served, 5);
    QVERIFY2(warnings().isEmpty(), qPrintable(warnings().join(QLatin1Char('\n'))));
    qInfo("5 requests served on one kept-alive connection, 3 of them pipelined");
    delete client;
}

void tst_HttpServer::streamedBodyLargerThanWindow()
{
    HttpApp app;
    QVERIFY(app.listen(0));
    QTcpSocket *client = new MemTcpSocket(this);
    client->connectToHost(QHostAddress::LocalHost, app.tcp->serverPort());
    QVERIFY(client->waitForConnected(5000));
    QByteArray pending;
    Response r;
    client->write(get("/stream"));
    QVERIFY(readResponse(client, pending, r, 30000));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body.size(), app.big.size());
    QCOMPARE(r.body, app.big);
    qInfo("streamed body: %lld bytes through a 256 KiB send window", qint64(r.body.size()));
    delete client;
}

void tst_HttpServer::manySequentialConnections()
{
    HttpApp app;
    QVERIFY(app.listen(0));
    const int n = 200;
    qint64 bytes = 0;
    for (int i = 0; i < n; ++i) {
        std::unique_ptr<QTcpSocket> client(new MemTcpSocket);
        client->connectToHost(QHostAddress::LocalHost, app.tcp->serverPort());
        QVERIFY(client->waitForConnected(5000));
        QByteArray pending;
        Response r;
        client->write(get("/hello"));
        QVERIFY(readResponse(client.get(), pending, r));
        QCOMPARE(r.status, 200);
        bytes += r.body.size();
        client->disconnectFromHost();
    }
    QCOMPARE(app.served, n);
    drainEvents();
    // QHttpServer deletes its sockets once their clients are gone.
    QVERIFY(spinUntil([&] { return app.tcp->findChildren<QTcpSocket *>().size() <= 1; }));
    qInfo("%d sequential connections, %d requests served, %lld body bytes", n, app.served, bytes);
}

void tst_HttpServer::serverInAnotherThread()
{
    // The server is created, used and destroyed in a thread of its own;
    // work is handed over through PeerThread's std::mutex (which
    // ThreadSanitizer sees), not through Qt's event queue.
    QObject anchor;
    PeerThread serverThread(&anchor);
    std::unique_ptr<HttpApp> app;
    bool listening = false;
    quint16 port = 0;
    serverThread.run([&] {
        app = std::make_unique<HttpApp>();
        listening = app->listen(0);
        port = app->tcp->serverPort();
    });
    QVERIFY(listening);
    // A blocking client in this thread: the server's thread answers.
    MemTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(client.waitForConnected(5000));
    for (int i = 0; i < 20; ++i) {
        client.write(get("/hello"));
        QByteArray got;
        while (!got.endsWith("hello from QHttpServer in memory")) {
            QVERIFY(client.waitForReadyRead(5000));
            got += client.readAll();
        }
        QVERIFY(got.startsWith("HTTP/1.1 200"));
    }
    client.disconnectFromHost();
    int served = 0;
    serverThread.run([&] {
        served = app->served;
        app.reset();
    });
    QCOMPARE(served, 20);
}

void tst_HttpServer::webSocketServer()
{
    QWebSocketServer ws(QStringLiteral("memws"), QWebSocketServer::NonSecureMode);
    MemTcpServer tcp;
    QVERIFY(tcp.listen(QHostAddress::Any, 0));
    connect(&tcp, &QTcpServer::newConnection, &ws, [&] {
        while (QTcpSocket *s = tcp.nextPendingConnection())
            ws.handleConnection(s);
    });
    QList<QWebSocket *> sockets;
    int closedOnServer = 0;
    connect(&ws, &QWebSocketServer::newConnection, &ws, [&] {
        while (QWebSocket *s = ws.nextPendingConnection()) {
            sockets << s;
            connect(s, &QWebSocket::textMessageReceived, s, [s](const QString &m) { s->sendTextMessage(QStringLiteral("echo: ") + m); });
            connect(s, &QWebSocket::binaryMessageReceived, s, [s](const QByteArray &m) { s->sendBinaryMessage(m); });
            connect(s, &QWebSocket::disconnected, s, [&closedOnServer] { ++closedOnServer; });
            s->sendTextMessage(QStringLiteral("welcome"));
        }
    });
    QTcpSocket *client = new MemTcpSocket(this);
    client->connectToHost(QStringLiteral("localhost"), tcp.serverPort());
    QVERIFY(client->waitForConnected(5000));
    const QByteArray key = QByteArray("dGhlIHNhbXBsZSBub25jZQ==");
    client->write(handshake("/chat?room=1", key));
    QByteArray pending;
    Response r;
    QVERIFY(readResponse(client, pending, r));
    QCOMPARE(r.status, 101);
    QCOMPARE(r.headers.value("sec-websocket-accept"), acceptFor(key));
    QVERIFY(spinUntil([&] { return sockets.size() == 1; }));
    QCOMPARE(sockets.at(0)->requestUrl().path(), QStringLiteral("/chat"));
    QCOMPARE(sockets.at(0)->peerAddress(), QHostAddress(QHostAddress::LocalHost));
    Frame f;
    QVERIFY(readFrame(client, pending, f));
    QCOMPARE(f.opcode, 1);
    QCOMPARE(f.payload, QByteArray("welcome"));
    client->write(clientFrame(1, "hello over MemConn"));
    QVERIFY(readFrame(client, pending, f));
    QCOMPARE(f.payload, QByteArray("echo: hello over MemConn"));
    // Binary, larger than the send window, both ways.
    QByteArray big(300 * 1024, '\0');
    for (qsizetype i = 0; i < big.size(); ++i)
        big[i] = char(i * 7);
    client->write(clientFrame(2, big));
    QVERIFY(readFrame(client, pending, f, 30000));
    QCOMPARE(f.opcode, 2);
    QCOMPARE(f.payload, big);
    // Ping, pong with the same payload.
    client->write(clientFrame(9, "are you there"));
    QVERIFY(readFrame(client, pending, f));
    QCOMPARE(f.opcode, 10);
    QCOMPARE(f.payload, QByteArray("are you there"));
    // Client-initiated close: the server answers with a close frame and ends.
    client->write(clientFrame(8, QByteArray("\x03\xe8", 2)));
    QVERIFY(readFrame(client, pending, f));
    QCOMPARE(f.opcode, 8);
    QCOMPARE(quint8(f.payload.at(0)) * 256 + quint8(f.payload.at(1)), 1000);
    QVERIFY(spinUntil([&] { return closedOnServer == 1; }));
    QVERIFY(spinUntil([&] { return client->state() == QAbstractSocket::UnconnectedState; }));

    // Server-initiated close: a close frame, the client answers, the server ends.
    QTcpSocket *second = new MemTcpSocket(this);
    second->connectToHost(QHostAddress::LocalHost, tcp.serverPort());
    QVERIFY(second->waitForConnected(5000));
    second->write(handshake("/", key));
    pending.clear();
    QVERIFY(readResponse(second, pending, r));
    QCOMPARE(r.status, 101);
    QVERIFY(spinUntil([&] { return sockets.size() == 2; }));
    QVERIFY(readFrame(second, pending, f));   // welcome
    sockets.at(1)->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("bye"));
    QVERIFY(readFrame(second, pending, f));
    QCOMPARE(f.opcode, 8);
    QCOMPARE(quint8(f.payload.at(0)) * 256 + quint8(f.payload.at(1)), 1001);
    QCOMPARE(f.payload.mid(2), QByteArray("bye"));
    second->write(clientFrame(8, f.payload.left(2)));
    QVERIFY(spinUntil([&] { return sockets.at(1)->state() == QAbstractSocket::UnconnectedState; }));
    QCOMPARE(closedOnServer, 2);
    QVERIFY2(warnings().isEmpty(), qPrintable(warnings().join(QLatin1Char('\n'))));
    qInfo("WebSocket: handshake, text, %lld-byte binary echoed, ping/pong, both close handshakes",
          qint64(big.size()));
    delete client;
    delete second;
    qDeleteAll(sockets);   // nextPendingConnection() gives them to the caller
}

void tst_HttpServer::webSocketUpgradeThroughHttpServer()
{
    HttpApp app;
    QVERIFY(app.listen(0));
    // QHttpServer up to 6.7 upgrades a request only if a route handles it
    // without writing a response (the responder form, answering nothing);
    // from 6.8 on, only if a verifier accepts it.
    app.http.route(QStringLiteral("/ws"), [](const QHttpServerRequest &, Responder) {});
#ifdef MEMCONN_HTTP_UPGRADE_VERIFIER
    app.http.addWebSocketUpgradeVerifier(&app.http, [](const QHttpServerRequest &request) {
        return request.url().path() == QLatin1String("/ws")
            ? QHttpServerWebSocketUpgradeResponse::accept()
            : QHttpServerWebSocketUpgradeResponse::passToNext();
    });
#endif
    std::unique_ptr<QWebSocket> accepted;
    connect(&app.http, &QAbstractHttpServer::newWebSocketConnection, this,
            [&] { accepted = app.http.nextPendingWebSocketConnection(); });
    QTcpSocket *client = new MemTcpSocket(this);
    client->connectToHost(QHostAddress::LocalHost, app.tcp->serverPort());
    QVERIFY(client->waitForConnected(5000));
    QByteArray pending;
    Response r;
    client->write(get("/hello"));
    QVERIFY(readResponse(client, pending, r));
    QCOMPARE(r.status, 200);
    const QByteArray key = QByteArray("x3JJHMbDL1EzLkh9GBhXDw==");
    client->write(handshake("/ws", key));
    QVERIFY(readResponse(client, pending, r));
    QCOMPARE(r.status, 101);
    QCOMPARE(r.headers.value("sec-websocket-accept"), acceptFor(key));
    QVERIFY(spinUntil([&] { return accepted != nullptr; }));
    connect(accepted.get(), &QWebSocket::textMessageReceived, accepted.get(),
            [&](const QString &m) { accepted->sendTextMessage(m.toUpper()); });
    client->write(clientFrame(1, "shout"));
    Frame f;
    QVERIFY(readFrame(client, pending, f));
    QCOMPARE(f.payload, QByteArray("SHOUT"));
    delete client;
}

QTEST_MAIN(tst_HttpServer)
#include "tst_httpserver.moc"
