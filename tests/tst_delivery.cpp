// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// How notifications reach a socket (memsocket.h, write(): "the peer hears of
// them through its own event loop ... in a later pass of that loop"): QTest's
// spy.wait() idiom asked of QLocalSocket and QTcpSocket, bytesWritten()
// accounting with late listeners, server-side socket ownership at scale, and
// byte order across small and shared writes.
#include <MemConn/MemServer>
#include <MemConn/MemSocket>
#include <MemConn/MemTcpServer>
#include <MemConn/MemTcpSocket>

#include <QtCore/qelapsedtimer.h>
#include <QtNetwork/qlocalserver.h>
#include <QtNetwork/qlocalsocket.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

#include <QtCore/qrandom.h>
#include <QtCore/qtimer.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <memory>
#include <vector>

#include "testutil.h"

class tst_Delivery : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void spyWaitIdiom_data();
    void spyWaitIdiom();
    void notNestedInTheWritersSlot();
    void endlessSameThreadEchoDoesNotStarveTheEventLoop();
    void bytesWrittenWithLateListener();
    void destroyedReceiversOfBytesWritten();
    void serverOwnsThousandsOfSockets();
    void mixedSmallAndSharedWritesKeepOrder();
};


namespace {
enum class Transport { QLocal, QTcp, Memu, Memb, MemTcpMemu, MemTcpMemb };

// A connected client and the server's side of it, in this thread, over
// `transport`; both null when it could not connect.
struct Link
{
    std::unique_ptr<QObject> server;
    std::unique_ptr<QIODevice> client;
    QIODevice *peer = nullptr;   // owned by `server`
};

Link connectOver(Transport t)
{
    Link l;
    const QString name = uniqueName("spy");
    switch (t) {
    case Transport::QLocal: {
        auto *server = new QLocalServer;
        l.server.reset(server);
        QLocalServer::removeServer(name);
        if (!server->listen(name))
            return {};
        auto *client = new QLocalSocket;
        l.client.reset(client);
        client->connectToServer(name);
        if (!client->waitForConnected(5000) || !server->waitForNewConnection(5000))
            return {};
        l.peer = server->nextPendingConnection();
        break;
    }
    case Transport::QTcp:
    case Transport::MemTcpMemu:
    case Transport::MemTcpMemb: {
        QTcpServer *server = t == Transport::QTcp ? new QTcpServer : new MemTcpServer;
        l.server.reset(server);
        QTcpSocket *client = nullptr;
        if (t == Transport::QTcp) {
            if (!server->listen(QHostAddress::LocalHost))
                return {};
            client = new QTcpSocket;
        } else {
            auto *mem = static_cast<MemTcpServer *>(server);
            if (!mem->listen(QHostAddress::LocalHost))
                return {};
            auto *memClient = new MemTcpSocket;
            memClient->setBuffered(t == Transport::MemTcpMemb);
            client = memClient;
        }
        l.client.reset(client);
        const quint16 port = t == Transport::QTcp ? server->serverPort()
                                                  : static_cast<MemTcpServer *>(server)->serverPort();
        client->connectToHost(QHostAddress::LocalHost, port);
        if (!client->waitForConnected(5000))
            return {};
        if (t == Transport::QTcp ? !server->waitForNewConnection(5000)
                                 : !static_cast<MemTcpServer *>(server)->waitForNewConnection(5000))
            return {};
        l.peer = server->nextPendingConnection();
        break;
    }
    case Transport::Memu:
    case Transport::Memb: {
        auto *server = new MemServer;
        l.server.reset(server);
        const QString address = (t == Transport::Memb ? QStringLiteral("memb:") : QStringLiteral("memu:")) + name;
        if (!server->listen(address))
            return {};
        auto *client = new MemSocket;
        l.client.reset(client);
        client->connectToServer(address);
        l.peer = server->nextPendingConnection();
        break;
    }
    }
    if (!l.peer)
        return {};
    return l;
}

// QTest's idiom: the server replies "pong" from its readyRead() slot; the
// test writes "ping", waits with a spy for the server, then with a spy for
// the reply. What each wait returns, and whether the second returned within
// a second (it must not sit out its timeout).
QString spyIdiom(Transport t)
{
    Link l = connectOver(t);
    if (!l.client)
        return QStringLiteral("could not connect");
    QIODevice *peer = l.peer;
    QObject::connect(peer, &QIODevice::readyRead, peer, [peer] {
        if (peer->readAll() == "ping")
            peer->write("pong");
    });
    QSignalSpy peerSpy(peer, &QIODevice::readyRead);
    QSignalSpy clientSpy(l.client.get(), &QIODevice::readyRead);
    l.client->write("ping");
    const bool first = peerSpy.wait(5000);
    QElapsedTimer timer;
    timer.start();
    const bool second = clientSpy.wait(3000);   // as the idiom does: a wait for a new signal
    const bool quick = timer.elapsed() < 1000;
    return QStringLiteral("peer wait %1, reply %2 (%3 wait), reply \"%4\"")
        .arg(first).arg(second).arg(quick ? QStringLiteral("quick") : QStringLiteral("slow"))
        .arg(QString::fromLatin1(l.client->readAll()));
}
} // namespace

void tst_Delivery::spyWaitIdiom_data()
{
    QTest::addColumn<int>("transport");
    QTest::addColumn<int>("reference");
    QTest::newRow("memu vs QLocalSocket") << int(Transport::Memu) << int(Transport::QLocal);
    QTest::newRow("memb vs QLocalSocket") << int(Transport::Memb) << int(Transport::QLocal);
    QTest::newRow("MemTcpSocket memb vs QTcpSocket") << int(Transport::MemTcpMemb) << int(Transport::QTcp);
    QTest::newRow("MemTcpSocket memu vs QTcpSocket") << int(Transport::MemTcpMemu) << int(Transport::QTcp);
}

// The idiom of Qt Remote Objects' own tests: the second spy.wait() returns
// at once over Qt's sockets, so it must over MemConn (the reply is announced
// in a later event-loop pass than the one that ended the first wait).
void tst_Delivery::spyWaitIdiom()
{
    QFETCH(int, transport);
    QFETCH(int, reference);
    const QString qt = spyIdiom(Transport(reference));
    QCOMPARE(qt, QStringLiteral("peer wait 1, reply 1 (quick wait), reply \"pong\""));   // what Qt does
    QCOMPARE(spyIdiom(Transport(transport)), qt);
}

void tst_Delivery::notNestedInTheWritersSlot()
{
    auto [a, b] = MemSocket::createPair();
    std::unique_ptr<MemSocket> ga(a), gb(b);
    int depth = 0;
    bool nested = false;
    int bReads = 0;
    // a's slot writes to b; b's readyRead must come after a's slot returned.
    connect(a, &MemSocket::readyRead, a, [&, a = a] {
        ++depth;
        a->readAll();
        a->write("to b");
        a->write(" again");   // a burst: one signal
        --depth;
    });
    connect(b, &MemSocket::readyRead, b, [&, b = b] {
        nested = nested || depth != 0;
        ++bReads;
        b->readAll();
    });
    b->write("kick");
    QVERIFY(spinUntil([&] { return bReads == 1; }));
    QVERIFY(!nested);
    drainEvents();
    QCOMPARE(bReads, 1);
}

void tst_Delivery::endlessSameThreadEchoDoesNotStarveTheEventLoop()
{
    auto [a, b] = MemSocket::createPair();
    std::unique_ptr<MemSocket> ga(a), gb(b);
    quint64 hops = 0;
    auto echo = [&hops](MemSocket *s) {
        return [&hops, s] {
            ++hops;
            s->write(s->readAll());
        };
    };
    connect(a, &MemSocket::readyRead, a, echo(a));
    connect(b, &MemSocket::readyRead, b, echo(b));
    bool timerFired = false;
    QTimer::singleShot(30, this, [&] { timerFired = true; });
    a->write("forever");
    // The echo never stops; the timer must still get its turn.
    QVERIFY(spinUntil([&] { return timerFired; }, 5000));
    QVERIFY2(hops > 100, qPrintable(QString::number(hops)));
    disconnect(a, nullptr, nullptr, nullptr);
    disconnect(b, nullptr, nullptr, nullptr);
    drainEvents();
}

void tst_Delivery::bytesWrittenWithLateListener()
{
    auto [a, b] = MemSocket::createPair();
    std::unique_ptr<MemSocket> ga(a), gb(b);
    a->write("0123456789");
    QCOMPARE(b->readAll().size(), 10);
    drainEvents();
    QCOMPARE(a->bytesToWrite(), 0);
    QSignalSpy written(a, &MemSocket::bytesWritten);
    a->write("abcde");
    QCOMPARE(a->bytesToWrite(), 5);
    QCOMPARE(b->readAll().size(), 5);
    QVERIFY(spinUntil([&] { return !written.isEmpty(); }));
    QCOMPARE(bytesReported(written), 15);   // everything read since the last report
    QCOMPARE(a->bytesToWrite(), 0);

    // With every receiver disconnected the count goes on, silently.
    bool heard = false;
    const auto probe = connect(a, &MemSocket::bytesWritten, this, [&] { heard = true; });
    disconnect(a, &MemSocket::bytesWritten, nullptr, nullptr);   // the spy's and the probe's
    QVERIFY(!probe);
    a->write("x");
    QCOMPARE(a->bytesToWrite(), 1);
    b->readAll();
    drainEvents();
    QVERIFY(!heard);
    QCOMPARE(a->bytesToWrite(), 0);
}

void tst_Delivery::destroyedReceiversOfBytesWritten()
{
    // Qt tells the socket of a receiver's destruction while holding its
    // signal-slot lock; the socket must not call back into QObject then (it
    // once did, and deadlocked whenever the two locks shared a slot).
    auto [a, b] = MemSocket::createPair();
    std::unique_ptr<MemSocket> ga(a), gb(b);
    std::vector<std::unique_ptr<QObject>> receivers;   // distinct addresses, distinct lock slots
    for (int i = 0; i < 3000; ++i) {
        receivers.push_back(std::make_unique<QObject>());
        connect(a, &MemSocket::bytesWritten, receivers.back().get(), [] {});
    }
    receivers.clear();
    qint64 heard = 0;
    connect(a, &MemSocket::bytesWritten, this, [&heard](qint64 n) { heard += n; });
    a->write("still told");
    b->readAll();
    QVERIFY(spinUntil([&] { return heard == 10; }));
}

void tst_Delivery::serverOwnsThousandsOfSockets()
{
    const QString name = uniqueName("many");
    auto server = std::make_unique<MemServer>();
    server->setMaxPendingConnections(100000);
    QVERIFY(server->listen(name));
    constexpr int n = 3000;   // more than one internal holder
    std::vector<std::unique_ptr<MemSocket>> clients;
    QList<QPointer<MemSocket>> taken;
    for (int i = 0; i < n; ++i) {
        clients.push_back(std::make_unique<MemSocket>());
        clients.back()->connectToServer(name);
    }
    while (MemSocket *s = server->nextPendingConnection())
        taken.append(s);
    QCOMPARE(taken.size(), n);
    for (int i = 0; i < n; i += 500) {
        QVERIFY(taken[i]->parent());
        QCOMPARE(taken[i]->parent()->parent(), server.get());
    }
    // Close a few from the middle: the rest stay.
    for (int i = 100; i < 200; ++i)
        delete taken[i];
    server.reset();
    for (const auto &p : taken)
        QVERIFY(!p);
    QVERIFY(spinUntil([&] {
        for (const auto &c : clients)
            if (c->state() != QAbstractSocket::UnconnectedState)
                return false;
        return true;
    }));
}

void tst_Delivery::mixedSmallAndSharedWritesKeepOrder()
{
    auto [a, b] = MemSocket::createPair();
    std::unique_ptr<MemSocket> ga(a), gb(b);
    QRandomGenerator rng(11);
    QByteArray sent, got;
    QList<QByteArray> keep;   // shared arrays stay alive in the writer, too
    for (int i = 0; i < 3000; ++i) {
        const int size = rng.bounded(1, i % 7 == 0 ? 5000 : 40);
        QByteArray piece(size, Qt::Uninitialized);
        for (int j = 0; j < size; ++j)
            piece[j] = char(rng.generate());
        sent += piece;
        switch (i % 3) {
        case 0:
            a->write(piece.constData(), piece.size());
            break;
        case 1:
            keep.append(piece);
            a->write(piece);   // shared, zero-copy
            break;
        default:
            static_cast<QIODevice *>(a)->write(piece);
            break;
        }
        if (rng.bounded(4) == 0)
            got += b->read(rng.bounded(1, 3000));
        if (rng.bounded(16) == 0)
            got += b->readAll();
        if (rng.bounded(32) == 0) {   // the writer changes its copy: the bytes sent do not change
            if (!keep.isEmpty())
                keep.last().fill('#');
        }
    }
    got += b->readAll();
    QCOMPARE(got.size(), sent.size());
    QVERIFY(got == sent);
}

QTEST_GUILESS_MAIN(tst_Delivery)
#include "tst_delivery.moc"
