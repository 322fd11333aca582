// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// One scenario, two transports: a real loopback QTcpSocket/QTcpServer and
// MemTcpSocket/MemTcpServer, both driven through QTcpServer*/QTcpSocket*/
// QAbstractSocket*/QIODevice* pointers. What each observes is compared line
// by line; the lines that may differ are the named exceptions below (also in
// docs/tcp.md). This is the guard for a new Qt version changing what
// QAbstractSocket's non-virtual members do with no socket engine.
#include "testutil.h"

#include <MemConn/MemTcpServer>
#include <MemConn/MemTcpSocket>

#include <QtCore/qdatastream.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

#include <functional>

namespace {

// Observations that may differ, and why (kept in step with docs/tcp.md).
const QHash<QString, QString> &exceptions()
{
    static const QHash<QString, QString> list{
        {QStringLiteral("descriptor"), QStringLiteral("no descriptor: socketDescriptor() is -1")},
        {QStringLiteral("base serverPort"),
         QStringLiteral("QTcpServer::serverPort() is not virtual and reads Qt's engine (0); MemTcpServer::serverPort() is right")},
        {QStringLiteral("base serverError"),
         QStringLiteral("QTcpServer::serverError() is not virtual and reads Qt's engine; MemTcpServer::serverError() is right")},
        {QStringLiteral("base flush"),
         QStringLiteral("QAbstractSocket::flush() is not virtual: false through a base pointer; write() handed the bytes over already")},
    };
    return list;
}

// memu's one rule that TCP lacks (MemSocket::setBuffered()): a byte counts as
// written when the peer reads it. Where that shows, memu's answer is given
// here, with the reason, and checked instead of Qt's.
struct MemuRule
{
    QString value;
    QString why;
};
const QHash<QString, MemuRule> &memuRules()
{
    static const QHash<QString, MemuRule> list{
        {QStringLiteral("bytesToWrite after flush"),
         {QStringLiteral("20"), QStringLiteral("memu: the 20 bytes count until the peer reads them")}},
        {QStringLiteral("waitForBytesWritten"),
         {QStringLiteral("false"),
          QStringLiteral("memu: the peer in this thread cannot read while the writer blocks")}},
        {QStringLiteral("bytesToWrite after"),
         {QStringLiteral("4"), QStringLiteral("memu: \"ping\" counts until the peer reads it")}},
    };
    return list;
}

struct Side
{
    QString name;
    std::function<QTcpServer *()> makeServer;
    std::function<bool(QTcpServer *, const QHostAddress &, quint16)> listen;
    std::function<quint16(QTcpServer *)> port;   // through the most derived type
    std::function<QTcpSocket *()> makeSocket;
    std::function<bool(QTcpSocket *)> flush;     // through the most derived type
    std::function<QAbstractSocket::SocketError(QTcpServer *)> serverError;   // the same
    std::function<bool(QTcpServer *, int, bool *)> waitForNewConnection;       // the same
};

Side realSide()
{
    return {QStringLiteral("QTcpSocket"),
            [] { return new QTcpServer; },
            [](QTcpServer *s, const QHostAddress &a, quint16 p) { return s->listen(a, p); },
            [](QTcpServer *s) { return s->serverPort(); },
            [] { return new QTcpSocket; },
            [](QTcpSocket *s) { return s->flush(); },
            [](QTcpServer *s) { return s->serverError(); },
            [](QTcpServer *s, int ms, bool *timedOut) { return s->waitForNewConnection(ms, timedOut); }};
}

// MemTcpSocket on memb (buffered, the default) or on memu.
Side memSide(bool buffered)
{
    return {buffered ? QStringLiteral("MemTcpSocket memb") : QStringLiteral("MemTcpSocket memu"),
            [] { return new MemTcpServer; },
            [](QTcpServer *s, const QHostAddress &a, quint16 p) { return static_cast<MemTcpServer *>(s)->listen(a, p); },
            [](QTcpServer *s) { return static_cast<MemTcpServer *>(s)->serverPort(); },
            [buffered] {
                auto *socket = new MemTcpSocket;
                socket->setBuffered(buffered);
                return socket;
            },
            [](QTcpSocket *s) { return static_cast<MemTcpSocket *>(s)->flush(); },
            [](QTcpServer *s) { return static_cast<MemTcpServer *>(s)->serverError(); },
            [](QTcpServer *s, int ms, bool *timedOut) {
                return static_cast<MemTcpServer *>(s)->waitForNewConnection(ms, timedOut);
            }};
}

// What one run observed, in order: "key = value".
struct Observations
{
    QList<QPair<QString, QString>> lines;
    void note(const QString &key, const QVariant &value)
    {
        lines.append({key, value.toString().replace(QLatin1Char('\n'), QStringLiteral("\\n"))});
    }
    void note(const QString &key, const QStringList &values) { lines.append({key, values.join(QLatin1Char(' '))}); }
};

// The signals of one QAbstractSocket, by name, in order.
class Log : public QObject
{
public:
    QStringList seen;
    bool withReadyRead = true;
    explicit Log(QAbstractSocket *s)
    {
        const QMetaEnum state = QMetaEnum::fromType<QAbstractSocket::SocketState>();
        const QMetaEnum error = QMetaEnum::fromType<QAbstractSocket::SocketError>();
        connect(s, &QAbstractSocket::stateChanged, this,
                [this, state](QAbstractSocket::SocketState v) { seen << QLatin1StringView(state.valueToKey(v)); });
        connect(s, &QAbstractSocket::errorOccurred, this, [this, error](QAbstractSocket::SocketError e) {
            seen << QStringLiteral("error:") + QLatin1StringView(error.valueToKey(e));
        });
        connect(s, &QAbstractSocket::hostFound, this, [this] { seen << QStringLiteral("hostFound"); });
        connect(s, &QAbstractSocket::connected, this, [this] { seen << QStringLiteral("connected"); });
        connect(s, &QAbstractSocket::disconnected, this, [this] { seen << QStringLiteral("disconnected"); });
        connect(s, &QIODevice::readChannelFinished, this, [this] { seen << QStringLiteral("readChannelFinished"); });
        connect(s, &QIODevice::aboutToClose, this, [this] { seen << QStringLiteral("aboutToClose"); });
        connect(s, &QIODevice::readyRead, this, [this] {
            if (withReadyRead)
                seen << QStringLiteral("readyRead");
        });
        connect(s, &QIODevice::bytesWritten, this,
                [this](qint64 n) { seen << QStringLiteral("bytesWritten(%1)").arg(n); });
    }
    QStringList take() { return std::exchange(seen, {}); }
};

QString stateName(QAbstractSocket::SocketState s)
{
    return QLatin1StringView(QMetaEnum::fromType<QAbstractSocket::SocketState>().valueToKey(s));
}
QString errorName(QAbstractSocket::SocketError e)
{
    return QLatin1StringView(QMetaEnum::fromType<QAbstractSocket::SocketError>().valueToKey(e));
}

// A connected pair through base pointers: client and the server's socket.
struct Pair
{
    std::unique_ptr<QTcpServer> server;
    std::unique_ptr<QTcpSocket> client;
    QTcpSocket *peer = nullptr;   // owned by the server
    quint16 port = 0;
    bool ok = false;
};

Pair connectPair(const Side &side)
{
    Pair p;
    p.server.reset(side.makeServer());
    if (!side.listen(p.server.get(), QHostAddress::LocalHost, 0))
        return p;
    p.port = side.port(p.server.get());
    p.client.reset(side.makeSocket());
    p.client->connectToHost(QHostAddress::LocalHost, p.port);
    if (!spinUntil([&] { return p.client->state() == QAbstractSocket::ConnectedState && p.server->hasPendingConnections(); }))
        return p;
    p.peer = p.server->nextPendingConnection();
    p.ok = p.peer != nullptr;
    return p;
}

using Scenario = std::function<void(const Side &, Observations &)>;

} // namespace

class tst_TcpSideBySide : public QObject
{
    Q_OBJECT

private:
    void compare(const Scenario &scenario);

private Q_SLOTS:
    void connectToAddress();
    void connectToName();
    void refused();
    void writeAccounting();
    void disconnectWithPendingBytes();
    void remoteClose();
    void abortAndClose();
    void readingApis();
    void readBufferSize();
    void blockingInOneThread();
    void blockingClientIdiom();
    void raisingReadBufferSize();
    void writeOnlyDiscardsInput();
    void serverErrors();
    void serverThroughBasePointer();
    void maxPendingConnections();
    void misuse();
    void destructorSignals();
};

// Runs the scenario over QTcpSocket, then over MemTcpSocket on memb and on
// memu, and compares each in-memory run with Qt's line by line.
void tst_TcpSideBySide::compare(const Scenario &scenario)
{
    Observations real;
    scenario(realSide(), real);
    if (QTest::currentTestFailed())
        return;
    for (const bool buffered : {true, false}) {
        const Side side = memSide(buffered);
        Observations mem;
        scenario(side, mem);
        if (QTest::currentTestFailed())
            return;
        qInfo("%s:", qPrintable(side.name));
        QCOMPARE(mem.lines.size(), real.lines.size());
        int same = 0;
        for (qsizetype i = 0; i < real.lines.size(); ++i) {
            const auto &[key, realValue] = real.lines.at(i);
            QCOMPARE(mem.lines.at(i).first, key);
            const QString &memValue = mem.lines.at(i).second;
            if (exceptions().contains(key)) {
                qInfo("  %-28s | %-40s | %-40s | exception: %s", qPrintable(key), qPrintable(realValue),
                      qPrintable(memValue), qPrintable(exceptions().value(key)));
                continue;
            }
            if (!buffered && memuRules().contains(key)) {
                const MemuRule &rule = memuRules().value(key);
                qInfo("  %-28s | %-40s | %-40s | memu rule: %s", qPrintable(key), qPrintable(realValue),
                      qPrintable(memValue), qPrintable(rule.why));
                QVERIFY2(memValue == rule.value, qPrintable(QStringLiteral("%1: memu expects %2, got %3")
                                                                .arg(key, rule.value, memValue)));
                continue;
            }
            qInfo("  %-28s | %-40s | %-40s | %s", qPrintable(key), qPrintable(realValue), qPrintable(memValue),
                  realValue == memValue ? "same" : "DIFFERENT");
            QVERIFY2(realValue == memValue, qPrintable(QStringLiteral("%1: QTcpSocket %2, %3 %4")
                                                           .arg(key, realValue, side.name, memValue)));
            ++same;
        }
        qInfo("%d observations identical", same);
    }
}

void tst_TcpSideBySide::connectToAddress()
{
    compare([](const Side &side, Observations &o) {
        std::unique_ptr<QTcpServer> server(side.makeServer());
        QVERIFY(side.listen(server.get(), QHostAddress::LocalHost, 0));
        const quint16 port = side.port(server.get());
        o.note(QStringLiteral("listening"), server->isListening());
        o.note(QStringLiteral("base serverPort"), server->serverPort());
        QSignalSpy pending(server.get(), &QTcpServer::pendingConnectionAvailable);
        QStringList serverSignals;
        QObject::connect(server.get(), &QTcpServer::pendingConnectionAvailable, server.get(),
                         [&] { serverSignals << QStringLiteral("pendingConnectionAvailable"); });
        QObject::connect(server.get(), &QTcpServer::newConnection, server.get(),
                         [&] { serverSignals << QStringLiteral("newConnection"); });
        std::unique_ptr<QTcpSocket> client(side.makeSocket());
        QAbstractSocket *as = client.get();
        Log log(as);
        as->connectToHost(QHostAddress(QHostAddress::LocalHost), port);
        o.note(QStringLiteral("state after connectToHost"), stateName(as->state()));
        o.note(QStringLiteral("signals in connectToHost"), log.take());
        o.note(QStringLiteral("openMode"), int(as->openMode()));
        o.note(QStringLiteral("isValid while connecting"), as->isValid());
        QVERIFY(spinUntil([&] { return as->state() == QAbstractSocket::ConnectedState; }));
        o.note(QStringLiteral("signals until connected"), log.take());
        QVERIFY(spinUntil([&] { return server->hasPendingConnections(); }));
        drainEvents();
        o.note(QStringLiteral("server signals"), serverSignals);
        QTcpSocket *peer = server->nextPendingConnection();
        QVERIFY(peer);
        o.note(QStringLiteral("next is a QTcpSocket"), qobject_cast<QTcpSocket *>(peer) != nullptr);
        o.note(QStringLiteral("peer owned by server"), peer->parent() == server.get());
        o.note(QStringLiteral("peer state"), stateName(peer->state()));
        o.note(QStringLiteral("peer openMode"), int(peer->openMode()));
        o.note(QStringLiteral("peerAddress"), as->peerAddress().toString());
        o.note(QStringLiteral("peerPort is server's"), as->peerPort() == port);
        o.note(QStringLiteral("localAddress"), as->localAddress().toString());
        o.note(QStringLiteral("localPort is peer's peerPort"), as->localPort() == peer->peerPort() && as->localPort() != 0);
        o.note(QStringLiteral("peer localPort is server's"), peer->localPort() == port);
        o.note(QStringLiteral("peer peerAddress"), peer->peerAddress().toString());
        o.note(QStringLiteral("peerName"), as->peerName());
        o.note(QStringLiteral("descriptor"), as->socketDescriptor());
        o.note(QStringLiteral("isValid"), as->isValid());
        o.note(QStringLiteral("socketType"), int(as->socketType()));
        o.note(QStringLiteral("error"), errorName(as->error()));
        o.note(QStringLiteral("isSequential"), as->isSequential());
        o.note(QStringLiteral("option unset LowDelay"), as->socketOption(QAbstractSocket::LowDelayOption).toInt());
        as->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        as->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
        o.note(QStringLiteral("option LowDelay"), as->socketOption(QAbstractSocket::LowDelayOption).toInt());
        o.note(QStringLiteral("option KeepAlive"), as->socketOption(QAbstractSocket::KeepAliveOption).toInt());
        std::unique_ptr<QTcpSocket> unconnected(side.makeSocket());
        o.note(QStringLiteral("option when unconnected"), unconnected->socketOption(QAbstractSocket::LowDelayOption).isValid());
    });
}

void tst_TcpSideBySide::connectToName()
{
    compare([](const Side &side, Observations &o) {
        std::unique_ptr<QTcpServer> server(side.makeServer());
        QVERIFY(side.listen(server.get(), QHostAddress::LocalHost, 0));
        std::unique_ptr<QTcpSocket> client(side.makeSocket());
        Log log(client.get());
        client->connectToHost(QStringLiteral("localhost"), side.port(server.get()), QIODevice::ReadWrite,
                              QAbstractSocket::IPv4Protocol);
        o.note(QStringLiteral("state after connectToHost"), stateName(client->state()));
        o.note(QStringLiteral("signals in connectToHost"), log.take());
        QVERIFY(spinUntil([&] { return client->state() == QAbstractSocket::ConnectedState; }));
        o.note(QStringLiteral("signals until connected"), log.take());
        o.note(QStringLiteral("peerName"), client->peerName());
        o.note(QStringLiteral("peerAddress"), client->peerAddress().toString());
        // waitForConnected() completes a name look-up at once.
        std::unique_ptr<QTcpSocket> blocking(side.makeSocket());
        blocking->connectToHost(QStringLiteral("localhost"), side.port(server.get()), QIODevice::ReadWrite,
                                QAbstractSocket::IPv4Protocol);
        o.note(QStringLiteral("waitForConnected"), blocking->waitForConnected(5000));
        o.note(QStringLiteral("state after wait"), stateName(blocking->state()));
    });
}

void tst_TcpSideBySide::refused()
{
    compare([](const Side &side, Observations &o) {
        // A port nobody listens on: listen, note the port, close.
        std::unique_ptr<QTcpServer> server(side.makeServer());
        QVERIFY(side.listen(server.get(), QHostAddress::LocalHost, 0));
        const quint16 port = side.port(server.get());
        server->close();   // through QTcpServer*: frees the port at once
        o.note(QStringLiteral("listening after base close"), server->isListening());
        std::unique_ptr<QTcpSocket> client(side.makeSocket());
        Log log(client.get());
        client->connectToHost(QHostAddress::LocalHost, port);
        o.note(QStringLiteral("state after connectToHost"), stateName(client->state()));
        QVERIFY(spinUntil([&] { return client->state() == QAbstractSocket::UnconnectedState; }));
        o.note(QStringLiteral("signals"), log.take());
        o.note(QStringLiteral("error"), errorName(client->error()));
        o.note(QStringLiteral("open after refusal"), client->isOpen());
        o.note(QStringLiteral("write after refusal"), client->write("x"));
        client->connectToHost(QHostAddress::LocalHost, port);
        o.note(QStringLiteral("waitForConnected refused"), client->waitForConnected(5000));
        o.note(QStringLiteral("error after wait"), errorName(client->error()));
        // The same port again, after the close: free.
        std::unique_ptr<QTcpServer> again(side.makeServer());
        o.note(QStringLiteral("port free again"), side.listen(again.get(), QHostAddress::LocalHost, port));
    });
}

void tst_TcpSideBySide::writeAccounting()
{
    compare([](const Side &side, Observations &o) {
        Pair p = connectPair(side);
        QVERIFY(p.ok);
        QIODevice *dev = p.client.get();
        Log log(p.client.get());
        o.note(QStringLiteral("write"), dev->write(QByteArray(100, 'a')));
        o.note(QStringLiteral("bytesToWrite after write"), dev->bytesToWrite());
        o.note(QStringLiteral("signals in write"), log.take());
        QVERIFY(spinUntil([&] { return dev->bytesToWrite() == 0; }));
        drainEvents();
        o.note(QStringLiteral("signals after a turn"), log.take());
        QVERIFY(spinUntil([&] { return p.peer->bytesAvailable() == 100; }));
        o.note(QStringLiteral("peer got"), p.peer->readAll().size());
        dev->write(QByteArray(10, 'b'));
        o.note(QStringLiteral("base flush"), p.client->flush());
        dev->write(QByteArray(10, 'c'));
        o.note(QStringLiteral("derived flush"), side.flush(p.client.get()));
        o.note(QStringLiteral("bytesToWrite after flush"), dev->bytesToWrite());
        drainEvents();
        QVERIFY(spinUntil([&] { return p.peer->bytesAvailable() == 20; }));
        o.note(QStringLiteral("peer got after flushes"), QString::fromLatin1(p.peer->readAll()));
        log.take();
        // Writing in ConnectingState: buffered, sent once connected.
        std::unique_ptr<QTcpSocket> early(side.makeSocket());
        early->connectToHost(QHostAddress::LocalHost, p.port);
        o.note(QStringLiteral("write while connecting"), early->write("early"));
        o.note(QStringLiteral("bytesToWrite while connecting"), early->bytesToWrite());
        QVERIFY(spinUntil([&] { return p.server->hasPendingConnections(); }));
        QTcpSocket *second = p.server->nextPendingConnection();
        QVERIFY(spinUntil([&] { return second->bytesAvailable() == 5; }));
        o.note(QStringLiteral("early bytes"), QString::fromLatin1(second->readAll()));
    });
}

void tst_TcpSideBySide::disconnectWithPendingBytes()
{
    compare([](const Side &side, Observations &o) {
        Pair p = connectPair(side);
        QVERIFY(p.ok);
        Log log(p.client.get());
        Log peerLog(p.peer);
        peerLog.withReadyRead = false;
        p.client->write("bye bye");
        p.client->disconnectFromHost();
        o.note(QStringLiteral("state after disconnectFromHost"), stateName(p.client->state()));
        o.note(QStringLiteral("signals in disconnectFromHost"), log.take());
        o.note(QStringLiteral("bytesToWrite while closing"), p.client->bytesToWrite());
        QVERIFY(spinUntil([&] { return p.client->state() == QAbstractSocket::UnconnectedState; }));
        o.note(QStringLiteral("signals until unconnected"), log.take());
        o.note(QStringLiteral("open after disconnect"), p.client->isOpen());
        QVERIFY(spinUntil([&] { return p.peer->state() == QAbstractSocket::UnconnectedState; }));
        o.note(QStringLiteral("peer signals"), peerLog.take());
        o.note(QStringLiteral("peer got"), QString::fromLatin1(p.peer->readAll()));
        o.note(QStringLiteral("peer error"), errorName(p.peer->error()));
    });
}

void tst_TcpSideBySide::remoteClose()
{
    compare([](const Side &side, Observations &o) {
        Pair p = connectPair(side);
        QVERIFY(p.ok);
        Log log(p.client.get());
        log.withReadyRead = false;
        p.peer->write("last words\nmore");
        p.peer->disconnectFromHost();
        QVERIFY(spinUntil([&] { return p.client->state() == QAbstractSocket::UnconnectedState; }));
        o.note(QStringLiteral("signals"), log.take());
        o.note(QStringLiteral("error"), errorName(p.client->error()));
        o.note(QStringLiteral("isOpen"), p.client->isOpen());
        o.note(QStringLiteral("isValid"), p.client->isValid());
        o.note(QStringLiteral("bytesAvailable"), p.client->bytesAvailable());
        o.note(QStringLiteral("canReadLine"), p.client->canReadLine());
        o.note(QStringLiteral("readLine"), QString::fromLatin1(p.client->readLine()));
        o.note(QStringLiteral("readAll"), QString::fromLatin1(p.client->readAll()));
        char c;
        o.note(QStringLiteral("read at end"), p.client->read(&c, 1));
        o.note(QStringLiteral("peerPort after"), p.client->peerPort());
        o.note(QStringLiteral("waitForReadyRead after"), p.client->waitForReadyRead(10));
    });
}

void tst_TcpSideBySide::abortAndClose()
{
    compare([](const Side &side, Observations &o) {
        {
            Pair p = connectPair(side);
            QVERIFY(p.ok);
            Log log(p.client.get());
            p.client->write("dropped?");
            p.client->abort();
            o.note(QStringLiteral("abort signals"), log.take());
            o.note(QStringLiteral("abort state"), stateName(p.client->state()));
            o.note(QStringLiteral("abort isOpen"), p.client->isOpen());
            o.note(QStringLiteral("abort bytesToWrite"), p.client->bytesToWrite());
            Log peerLog(p.peer);
            peerLog.withReadyRead = false;
            QVERIFY(spinUntil([&] { return p.peer->state() == QAbstractSocket::UnconnectedState; }));
            o.note(QStringLiteral("peer after abort"), peerLog.take());
        }
        {
            Pair p = connectPair(side);
            QVERIFY(p.ok);
            Log log(p.client.get());
            p.client->close();
            o.note(QStringLiteral("close signals"), log.take());
            o.note(QStringLiteral("close state"), stateName(p.client->state()));
        }
        {
            Pair p = connectPair(side);
            QVERIFY(p.ok);
            Log log(p.client.get());
            p.client->write("flushed by close");
            p.client->close();
            o.note(QStringLiteral("close with bytes: signals"), log.take());
            o.note(QStringLiteral("close with bytes: state"), stateName(p.client->state()));
            QVERIFY(spinUntil([&] { return p.client->state() == QAbstractSocket::UnconnectedState; }));
            o.note(QStringLiteral("close with bytes: later"), log.take());
            QVERIFY(spinUntil([&] { return p.peer->bytesAvailable() == 16; }));
            o.note(QStringLiteral("close with bytes: peer got"), QString::fromLatin1(p.peer->readAll()));
        }
        {   // abort while connecting
            std::unique_ptr<QTcpServer> server(side.makeServer());
            QVERIFY(side.listen(server.get(), QHostAddress::LocalHost, 0));
            std::unique_ptr<QTcpSocket> client(side.makeSocket());
            client->connectToHost(QStringLiteral("localhost"), side.port(server.get()));
            Log log(client.get());
            client->abort();
            o.note(QStringLiteral("abort while looking up"), log.take());
            drainEvents();
            o.note(QStringLiteral("after a turn"), log.take());
        }
    });
}

void tst_TcpSideBySide::readingApis()
{
    compare([](const Side &side, Observations &o) {
        Pair p = connectPair(side);
        QVERIFY(p.ok);
        QByteArray frame;
        {
            QDataStream out(&frame, QIODevice::WriteOnly);
            out << QStringLiteral("hello") << qint32(42);
        }
        p.peer->write("line one\nline two\n");
        p.peer->write(frame.left(5));
        QIODevice *dev = p.client.get();
        QVERIFY(spinUntil([&] { return dev->bytesAvailable() == 18 + 5; }));
        o.note(QStringLiteral("canReadLine"), dev->canReadLine());
        o.note(QStringLiteral("peek"), QString::fromLatin1(dev->peek(4)));
        char c = 0;
        o.note(QStringLiteral("getChar"), dev->getChar(&c));
        o.note(QStringLiteral("char"), QString(QLatin1Char(c)));
        dev->ungetChar(c);
        o.note(QStringLiteral("readLine 1"), QString::fromLatin1(dev->readLine()));
        o.note(QStringLiteral("bytesAvailable"), dev->bytesAvailable());
        o.note(QStringLiteral("skip"), dev->skip(5));
        o.note(QStringLiteral("readLine 2"), QString::fromLatin1(dev->readLine()));
        QDataStream in(dev);
        QString s;
        qint32 n = 0;
        in.startTransaction();
        in >> s >> n;
        o.note(QStringLiteral("transaction with half a frame"), in.commitTransaction());
        o.note(QStringLiteral("bytesAvailable after rollback"), dev->bytesAvailable());
        p.peer->write(frame.mid(5));
        QVERIFY(spinUntil([&] { return dev->bytesAvailable() == frame.size(); }));
        in.startTransaction();
        in >> s >> n;
        o.note(QStringLiteral("transaction complete"), in.commitTransaction());
        o.note(QStringLiteral("frame"), QStringLiteral("%1 %2").arg(s).arg(n));
        o.note(QStringLiteral("atEnd"), dev->atEnd());
    });
}

void tst_TcpSideBySide::readBufferSize()
{
    compare([](const Side &side, Observations &o) {
        Pair p = connectPair(side);
        QVERIFY(p.ok);
        p.client->setReadBufferSize(10);
        o.note(QStringLiteral("readBufferSize"), p.client->readBufferSize());
        p.peer->write(QByteArray(25, 'x'));
        QByteArray got;
        QVERIFY(spinUntil([&] {
            if (p.client->bytesAvailable() > 10)
                got += "!";   // never more than the limit at once
            got += p.client->readAll();
            return got.size() >= 25;
        }));
        o.note(QStringLiteral("received"), got.size());
    });
}

// Raising the limit, from outside and from inside a readyRead() slot, lets an
// event-driven reader go on: readyRead() comes for the bytes it made readable.
void tst_TcpSideBySide::raisingReadBufferSize()
{
    compare([](const Side &side, Observations &o) {
        Pair p = connectPair(side);
        QVERIFY(p.ok);
        p.client->setReadBufferSize(128);
        int readyReads = 0;
        qint64 mostAvailable = 0;
        QObject::connect(p.client.get(), &QIODevice::readyRead, p.server.get(), [&] {
            ++readyReads;
            mostAvailable = qMax(mostAvailable, p.client->bytesAvailable());
        });
        p.peer->write(QByteArray(1000, 'x'));
        QVERIFY(spinUntil([&] { return readyReads > 0; }));
        drainEvents();   // no readyRead() of the first batch may count as one for raising
        o.note(QStringLiteral("available under 128"), p.client->bytesAvailable());
        readyReads = 0;
        p.client->setReadBufferSize(384);
        o.note(QStringLiteral("readyRead after raising"), spinUntil([&] { return readyReads > 0; }, 2000));
        o.note(QStringLiteral("most available under 384"), mostAvailable <= 384);
        // From inside the slot: read what is there and lift the limit.
        QObject::disconnect(p.client.get(), &QIODevice::readyRead, p.server.get(), nullptr);
        QByteArray got;
        QObject::connect(p.client.get(), &QIODevice::readyRead, p.server.get(), [&] {
            got += p.client->readAll();
            p.client->setReadBufferSize(0);
        });
        got += p.client->readAll();
        o.note(QStringLiteral("reader got everything"), spinUntil([&] { return got.size() == 1000; }, 5000));
    });
}

// A write-only socket reads nothing: QTcpSocket discards what arrives.
void tst_TcpSideBySide::writeOnlyDiscardsInput()
{
    compare([](const Side &side, Observations &o) {
        std::unique_ptr<QTcpServer> server(side.makeServer());
        QVERIFY(side.listen(server.get(), QHostAddress::LocalHost, 0));
        std::unique_ptr<QTcpSocket> client(side.makeSocket());
        client->connectToHost(QHostAddress::LocalHost, side.port(server.get()), QIODevice::WriteOnly);
        QVERIFY(client->waitForConnected(5000));
        QVERIFY(server->hasPendingConnections() || side.waitForNewConnection(server.get(), 5000, nullptr));
        std::unique_ptr<QTcpSocket> peer(server->nextPendingConnection());
        QVERIFY(peer);
        int readyReads = 0;
        QObject::connect(client.get(), &QIODevice::readyRead, server.get(), [&] { ++readyReads; });
        peer->write("unwanted");
        client->write("wanted");
        QVERIFY(spinUntil([&] { return peer->bytesAvailable() == 6; }));
        drainEvents();
        o.note(QStringLiteral("peer got"), QString::fromLatin1(peer->readAll()));
        o.note(QStringLiteral("bytesAvailable"), client->bytesAvailable());
        o.note(QStringLiteral("atEnd"), client->atEnd());
        o.note(QStringLiteral("readyRead"), readyReads);
    });
}

// QTcpServer's errors: a wait that times out, and misuse of a closed server.
void tst_TcpSideBySide::serverErrors()
{
    compare([](const Side &side, Observations &o) {
        std::unique_ptr<QTcpServer> server(side.makeServer());
        QVERIFY(side.listen(server.get(), QHostAddress::LocalHost, 0));
        bool timedOut = false;
        o.note(QStringLiteral("waitForNewConnection"), side.waitForNewConnection(server.get(), 20, &timedOut));
        o.note(QStringLiteral("timedOut"), timedOut);
        o.note(QStringLiteral("serverError after the timeout"), errorName(side.serverError(server.get())));
        std::unique_ptr<QTcpServer> other(side.makeServer());   // the same through QTcpServer *
        QVERIFY(side.listen(other.get(), QHostAddress::LocalHost, 0));
        timedOut = false;
        o.note(QStringLiteral("base waitForNewConnection"), other->waitForNewConnection(20, &timedOut));
        o.note(QStringLiteral("base timedOut"), timedOut);
        o.note(QStringLiteral("serverError after the base timeout"), errorName(side.serverError(other.get())));
        server->close();
        o.note(QStringLiteral("closed: next"), server->nextPendingConnection() == nullptr);
        o.note(QStringLiteral("closed: waitForNewConnection"), server->waitForNewConnection(10, &timedOut));
        o.note(QStringLiteral("closed: timedOut"), timedOut);
    });
}

void tst_TcpSideBySide::blockingInOneThread()
{
    compare([](const Side &side, Observations &o) {
        Pair p = connectPair(side);
        QVERIFY(p.ok);
        p.client->write("ping");
        o.note(QStringLiteral("waitForBytesWritten"), p.client->waitForBytesWritten(5000));
        o.note(QStringLiteral("bytesToWrite after"), p.client->bytesToWrite());
        o.note(QStringLiteral("waitForBytesWritten with nothing"), p.client->waitForBytesWritten(10));
        QVERIFY(spinUntil([&] { return p.peer->bytesAvailable() == 4; }));
        p.peer->write("pong");
        QVERIFY(p.peer->waitForBytesWritten(5000));
        o.note(QStringLiteral("waitForReadyRead"), p.client->waitForReadyRead(5000));
        o.note(QStringLiteral("read"), QString::fromLatin1(p.client->readAll()));
        p.peer->disconnectFromHost();
        o.note(QStringLiteral("waitForDisconnected"), p.client->waitForDisconnected(5000));
        o.note(QStringLiteral("state"), stateName(p.client->state()));
    });
}

// Qt's blocking-client idiom through base pointers: write(), flush(), and a
// peer's blocking read or a delete with no event loop turn in between.
void tst_TcpSideBySide::blockingClientIdiom()
{
    compare([](const Side &side, Observations &o) {
        Pair p = connectPair(side);
        QVERIFY(p.ok);
        QAbstractSocket *base = p.client.get();
        base->write("ping");
        base->flush();
        o.note(QStringLiteral("peer's blocking read"), p.peer->waitForReadyRead(5000));
        o.note(QStringLiteral("peer read"), QString::fromLatin1(p.peer->readAll()));

        // A client in a thread with no event loop writes, flushes, and is deleted.
        const quint16 port = side.port(p.server.get());
        bool connected = false;
        std::unique_ptr<QThread> worker(QThread::create([&] {
            std::unique_ptr<QTcpSocket> client(side.makeSocket());
            client->connectToHost(QHostAddress::LocalHost, port);
            connected = client->waitForConnected(5000);
            static_cast<QAbstractSocket *>(client.get())->write("hello");
            static_cast<QAbstractSocket *>(client.get())->flush();
        }));
        worker->start();
        QVERIFY(worker->wait(10000));
        o.note(QStringLiteral("worker connected"), connected);
        QVERIFY(p.server->hasPendingConnections() || side.waitForNewConnection(p.server.get(), 5000, nullptr));
        std::unique_ptr<QTcpSocket> accepted(p.server->nextPendingConnection());
        QVERIFY(accepted);
        QByteArray got;
        QVERIFY(spinUntil([&] {
            got += accepted->readAll();
            return accepted->state() == QAbstractSocket::UnconnectedState;
        }));
        got += accepted->readAll();
        o.note(QStringLiteral("server got from the deleted client"), QString::fromLatin1(got));
    });
}

void tst_TcpSideBySide::serverThroughBasePointer()
{
    compare([](const Side &side, Observations &o) {
        std::unique_ptr<QTcpServer> server(side.makeServer());
        QVERIFY(side.listen(server.get(), QHostAddress::LocalHost, 0));
        QTcpServer *base = server.get();
        o.note(QStringLiteral("isListening"), base->isListening());
        base->pauseAccepting();   // harmless (Qt's own would crash on an engine-less server)
        base->resumeAccepting();
        o.note(QStringLiteral("hasPending"), base->hasPendingConnections());
        o.note(QStringLiteral("next when none"), base->nextPendingConnection() == nullptr);
        const quint16 port = side.port(base);
        base->close();
        o.note(QStringLiteral("isListening after close"), base->isListening());
        std::unique_ptr<QTcpServer> other(side.makeServer());
        o.note(QStringLiteral("relisten on the port"), side.listen(other.get(), QHostAddress::LocalHost, port));
        std::unique_ptr<QTcpServer> clash(side.makeServer());
        o.note(QStringLiteral("second listen on a held port"), side.listen(clash.get(), QHostAddress::LocalHost, port));
        o.note(QStringLiteral("base serverError"), errorName(clash->serverError()));
        o.note(QStringLiteral("serverError"), errorName(side.serverError(clash.get())));
    });
}

void tst_TcpSideBySide::maxPendingConnections()
{
    compare([](const Side &side, Observations &o) {
        std::unique_ptr<QTcpServer> server(side.makeServer());
        server->setMaxPendingConnections(1);
        QVERIFY(side.listen(server.get(), QHostAddress::LocalHost, 0));
        int newConnections = 0;
        QObject::connect(server.get(), &QTcpServer::newConnection, server.get(), [&] { ++newConnections; });
        std::unique_ptr<QTcpSocket> a(side.makeSocket()), b(side.makeSocket());
        a->connectToHost(QHostAddress::LocalHost, side.port(server.get()));
        b->connectToHost(QHostAddress::LocalHost, side.port(server.get()));
        QVERIFY(spinUntil([&] { return newConnections == 1; }));
        drainEvents();
        o.note(QStringLiteral("announced with room for 1"), newConnections);
        QTcpSocket *first = server->nextPendingConnection();
        o.note(QStringLiteral("first"), first != nullptr);
        QVERIFY(spinUntil([&] { return newConnections == 2; }));
        o.note(QStringLiteral("announced after taking"), newConnections);
        o.note(QStringLiteral("second"), server->nextPendingConnection() != nullptr);
        o.note(QStringLiteral("none left"), server->nextPendingConnection() == nullptr);
    });
}

void tst_TcpSideBySide::misuse()
{
    compare([](const Side &side, Observations &o) {
        std::unique_ptr<QTcpSocket> s(side.makeSocket());
        o.note(QStringLiteral("fresh state"), stateName(s->state()));
        o.note(QStringLiteral("fresh error"), errorName(s->error()));
        o.note(QStringLiteral("fresh isValid"), s->isValid());
        o.note(QStringLiteral("fresh descriptor"), s->socketDescriptor());
        QTest::ignoreMessage(QtWarningMsg, qPrintable(QStringLiteral("QIODevice::write (%1): device not open")
                                                          .arg(QLatin1StringView(s->metaObject()->className()))));
        o.note(QStringLiteral("write unconnected"), s->write("x"));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("waitForBytesWritten")));
        o.note(QStringLiteral("waitForBytesWritten unconnected"), s->waitForBytesWritten(10));
        o.note(QStringLiteral("waitForReadyRead unconnected"), s->waitForReadyRead(10));
        o.note(QStringLiteral("waitForConnected unconnected"), s->waitForConnected(10));
        Pair p = connectPair(side);
        QVERIFY(p.ok);
        Log log(p.client.get());
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("connectToHost\\(\\) called when already")));
        p.client->connectToHost(QHostAddress::LocalHost, p.port);
        o.note(QStringLiteral("connect while connected"), log.take());
        o.note(QStringLiteral("error"), errorName(p.client->error()));
        o.note(QStringLiteral("still connected"), stateName(p.client->state()));
    });
}

void tst_TcpSideBySide::destructorSignals()
{
    compare([](const Side &side, Observations &o) {
        Pair p = connectPair(side);
        QVERIFY(p.ok);
        QStringList seen;
        QObject::connect(p.client.get(), &QAbstractSocket::disconnected, p.server.get(),
                         [&] { seen << QStringLiteral("disconnected"); });
        QObject::connect(p.client.get(), &QIODevice::aboutToClose, p.server.get(),
                         [&] { seen << QStringLiteral("aboutToClose"); });
        Log peerLog(p.peer);
        peerLog.withReadyRead = false;
        p.client.reset();
        o.note(QStringLiteral("signals from the destructor"), seen);
        QVERIFY(spinUntil([&] { return p.peer->state() == QAbstractSocket::UnconnectedState; }));
        o.note(QStringLiteral("peer"), peerLog.take());
    });
}

QTEST_MAIN(tst_TcpSideBySide)
#include "tst_tcpsidebyside.moc"
