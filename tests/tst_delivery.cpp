// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// How notifications reach a socket (memsocket.h, write(): "the peer
// hears of them through its own event loop"), including the same-thread delivery chain,
// bytesWritten() accounting with late listeners, server-side socket ownership
// at scale, and byte order across small and shared writes.
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

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
    void notNestedInTheWritersSlot();
    void endlessSameThreadEchoDoesNotStarveTheEventLoop();
    void bytesWrittenWithLateListener();
    void destroyedReceiversOfBytesWritten();
    void serverOwnsThousandsOfSockets();
    void mixedSmallAndSharedWritesKeepOrder();
};

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
