// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// The two leaves of a connection, on their own: Stream (the bytes one end
// wrote and the other has not taken) and Deadlines (read/write deadlines and
// one signal per setter call). Built from their sources: no socket, no
// QObject, no event loop.
#include "memdeadlines_p.h"
#include "memstream_p.h"

#include <QtTest/qtest.h>

#include <thread>

using MemConnPrivate::Deadlines;
using MemConnPrivate::Stream;

class tst_Leaves : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void streamKeepsOrderAcrossChunks();
    void streamSharesWhatItCanAndCopiesSmallWrites();
    void streamTakeAllOfOneChunkIsTheWritersArray();
    void streamUnreadFollowsAcknowledge();
    void streamVisibleAndLinesRespectTheLimit();
    void streamDiscard();
    void deadlinesStartForeverAndCostNothing();
    void deadlinesExpireAndComeBack();
    void deadlinesFireOncePerSetterCall();
    void deadlinesNextFiring();
    void deadlinesEarlierCutsATimeout();
    void deadlineSettersFromManyThreads();
};

void tst_Leaves::streamKeepsOrderAcrossChunks()
{
    Stream s;
    QByteArray expected;
    for (int i = 0; i < 100; ++i) {
        const QByteArray part = QByteArray::number(i) + (i % 7 ? QByteArray(2000, char('a' + i % 26)) : "|");
        expected += part;
        if (i % 2)
            s.append(QByteArray(part));
        else
            s.append(part.constData(), part.size());
    }
    QCOMPARE(s.queued(), expected.size());
    QByteArray out;
    char buf[333];
    while (const qint64 n = s.take(buf, sizeof buf))
        out.append(buf, n);
    QCOMPARE(out, expected);
    QCOMPARE(s.queued(), 0);
}

void tst_Leaves::streamSharesWhatItCanAndCopiesSmallWrites()
{
    Stream s;
    QByteArray big(100000, 'b');
    s.append(QByteArray(big));   // shared, not copied
    s.append("tail", 4);         // a new, unshared chunk
    s.append("more", 4);         // joins it in place
    QCOMPARE(s.queued(), 100008);
    big[0] = 'X';                // the writer's later change is its own
    char first;
    QCOMPARE(s.take(&first, 1), 1);
    QCOMPARE(first, 'b');
    QByteArray rest = s.takeAll();
    QCOMPARE(rest.size(), 100007);
    QVERIFY(rest.endsWith("tailmore"));
}

void tst_Leaves::streamTakeAllOfOneChunkIsTheWritersArray()
{
    Stream s;
    const QByteArray sent(4096, 'z');
    s.append(QByteArray(sent));
    const QByteArray got = s.takeAll();
    QCOMPARE(got.constData(), sent.constData());   // zero copy
    QVERIFY(s.takeAll().isEmpty());
}

void tst_Leaves::streamUnreadFollowsAcknowledge()
{
    Stream s;
    s.append("0123456789", 10);
    char buf[4];
    QCOMPARE(s.take(buf, 4), 4);
    QCOMPARE(s.queued(), 6);
    QCOMPARE(s.unread(), 10);   // taken is not yet read by the application
    s.acknowledge(4);
    QCOMPARE(s.unread(), 6);
    s.acknowledge(100);
    QCOMPARE(s.unread(), 0);    // never negative
}

void tst_Leaves::streamVisibleAndLinesRespectTheLimit()
{
    Stream s;
    s.append("abc", 3);
    s.append(QByteArray("de\nfg"));
    QCOMPARE(s.visible(-1), 8);
    QCOMPARE(s.visible(4), 4);
    QCOMPARE(s.indexOf('\n', 8), 5);
    QCOMPARE(s.indexOf('\n', 5), -1);
    QVERIFY(s.hasLine(-1));
    QVERIFY(s.hasLine(6));
    QVERIFY(!s.hasLine(5));
    QVERIFY(!s.hasLine(0));
}

void tst_Leaves::streamDiscard()
{
    Stream s;
    s.append("lost", 4);
    s.discard();
    QCOMPARE(s.queued(), 0);
    QCOMPARE(s.unread(), 0);
    char c;
    QCOMPARE(s.take(&c, 1), 0);
}

void tst_Leaves::deadlinesStartForeverAndCostNothing()
{
    Deadlines d;
    QVERIFY(!d.anySet());
    QVERIFY(d.get(Deadlines::Kind::Read).isForever());
    QVERIFY(d.get(Deadlines::Kind::Write).isForever());
    QVERIFY(!d.expired(Deadlines::Kind::Read));
    qint64 next = 0;
    QCOMPARE(d.takeFired(&next), 0);
    QCOMPARE(next, -1);
}

void tst_Leaves::deadlinesExpireAndComeBack()
{
    Deadlines d;
    d.set(Deadlines::ReadKind, QDeadlineTimer(0));
    QVERIFY(d.anySet());
    QVERIFY(d.expired(Deadlines::Kind::Read));
    QVERIFY(!d.expired(Deadlines::Kind::Write));
    d.set(Deadlines::ReadKind, QDeadlineTimer::Forever);
    QVERIFY(!d.anySet());
    QVERIFY(!d.expired(Deadlines::Kind::Read));
}

void tst_Leaves::deadlinesFireOncePerSetterCall()
{
    Deadlines d;
    qint64 next = 0;
    d.set(Deadlines::BothKinds, QDeadlineTimer(0));   // one call, both kinds
    QCOMPARE(d.takeFired(&next), 1);
    QCOMPARE(d.takeFired(&next), 0);                  // once only
    d.set(Deadlines::ReadKind, QDeadlineTimer(0));
    d.set(Deadlines::WriteKind, QDeadlineTimer(0));   // two calls
    QCOMPARE(d.takeFired(&next), 2);
    d.set(Deadlines::ReadKind, QDeadlineTimer(0));
    d.set(Deadlines::ReadKind, QDeadlineTimer::Forever);   // moved away before it fired
    QCOMPARE(d.takeFired(&next), 0);
}

void tst_Leaves::deadlinesNextFiring()
{
    Deadlines d;
    qint64 next = 0;
    d.set(Deadlines::ReadKind, QDeadlineTimer(5000));
    d.set(Deadlines::WriteKind, QDeadlineTimer(2000));
    QCOMPARE(d.takeFired(&next), 0);
    QVERIFY2(next > 1000 && next <= 2000, qPrintable(QString::number(next)));
    d.set(Deadlines::BothKinds, QDeadlineTimer(std::chrono::hours(24 * 40)));   // beyond an int of ms
    QCOMPARE(d.takeFired(&next), 0);
    QVERIFY(next > qint64(std::numeric_limits<int>::max()));
}

void tst_Leaves::deadlinesEarlierCutsATimeout()
{
    Deadlines d;
    const QDeadlineTimer timeout(10000);
    QCOMPARE(d.earlier(Deadlines::Kind::Read, timeout), timeout);
    d.set(Deadlines::ReadKind, QDeadlineTimer(100));
    QVERIFY(d.earlier(Deadlines::Kind::Read, timeout).remainingTime() <= 100);
    QCOMPARE(d.earlier(Deadlines::Kind::Write, timeout), timeout);
}

// The setters are thread-safe (TSan runs this suite).
void tst_Leaves::deadlineSettersFromManyThreads()
{
    Deadlines d;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&d, t] {
            for (int i = 0; i < 2000; ++i) {
                d.set(t % 2 ? Deadlines::ReadKind : Deadlines::BothKinds,
                      i % 3 ? QDeadlineTimer(i % 5) : QDeadlineTimer(QDeadlineTimer::Forever));
                (void)d.expired(Deadlines::Kind::Write);
            }
        });
    }
    qint64 next = 0;
    for (int i = 0; i < 2000; ++i)
        d.takeFired(&next);
    for (std::thread &t : threads)
        t.join();
    d.set(Deadlines::BothKinds, QDeadlineTimer::Forever);
    QVERIFY(!d.anySet());
}

QTEST_APPLESS_MAIN(tst_Leaves)
#include "tst_leaves.moc"
