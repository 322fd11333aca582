// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// The leaves of a connection, on their own: Stream (the bytes one end wrote
// and the other has not taken), the QByteArray representation it writes into
// (membytes_p.h), Deadlines (read/write deadlines and one signal per setter
// call) and Shaper (network conditions). Built from their sources: no socket,
// no QObject, no event loop.
#include "memconditions_p.h"
#include "memdeadlines_p.h"
#include "memstream_p.h"

#include <QtTest/qtest.h>

#include <cstring>
#include <thread>
#include <vector>

using namespace MemConnPrivate;

using MemConnPrivate::Deadlines;
using MemConnPrivate::Stream;

class tst_Leaves : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void byteArrayGrowsInPlace();
    void streamKeepsOrderAcrossChunks();
    void streamSharesWhatItCanAndCopiesSmallWrites();
    void streamTakeAllOfOneChunkIsTheWritersArray();
    void streamUnreadFollowsAcknowledge();
    void streamVisibleAndLinesRespectTheLimit();
    void streamDiscard();
    void poolReusesWhatAReaderConsumed();
    void poolStaysWithinItsBound();
    void poolNeverTakesAnArrayAWriterStillHolds();
    void poolFeedsSmallWritesAndLeavesIdleStreamsEmpty();
    void deadlinesStartForeverAndCostNothing();
    void deadlinesExpireAndComeBack();
    void deadlinesFireOncePerSetterCall();
    void deadlinesNextFiring();
    void deadlinesEarlierCutsATimeout();
    void deadlineSettersFromManyThreads();
    void shaperLatencyAndOrder();
    void shaperJitterRepeats();
    void shaperBandwidthSpreadsEvenly();
    void shaperChunks();
    void shaperReset();
    void conditionsParse();
};

// membytes_p.h's assumptions about QByteArray's representation, on the Qt
// this runs on: the room at the end is what append() can use without
// reallocating, and growing into it is what append() would have made.
void tst_Leaves::byteArrayGrowsInPlace()
{
    QByteArray a;
    a.reserve(64);
    a.append("abc");
    const char *before = a.constData();
    const qsizetype room = Bytes::roomAtEnd(a);
    QVERIFY(room >= 5);
    QVERIFY(room <= a.capacity() - a.size());
    std::memcpy(Bytes::end(a), "defg", 5);   // with the terminating '\0'
    Bytes::grow(a, 4);
    QCOMPARE(a, QByteArray("abcdefg"));
    QCOMPARE(a.size(), 7);
    QCOMPARE(a.constData()[a.size()], '\0');
    QCOMPARE(a.constData(), before);           // no reallocation
    QCOMPARE(Bytes::roomAtEnd(a), room - 4);
    // The array stays an ordinary QByteArray: appends, copies and
    // comparisons see the grown size.
    const QByteArray copy = a;
    a.append('h');
    QCOMPARE(copy, QByteArray("abcdefg"));
    QCOMPARE(a, QByteArray("abcdefgh"));
    // After a removal from the front the room at the end is what is left
    // behind the data, not the capacity minus the size.
    QByteArray b(100, 'x');
    b.reserve(200);
    b.remove(0, 50);
    const qsizetype left = Bytes::roomAtEnd(b) - 1;   // one byte for the '\0'
    QVERIFY(left >= 0);
    QVERIFY(left < b.capacity() - b.size());
    std::memset(Bytes::end(b), 'y', size_t(left));
    Bytes::end(b)[left] = '\0';
    Bytes::grow(b, left);
    QCOMPARE(b.size(), 50 + left);
    QCOMPARE(b.count('y'), left);
}

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

// Drains a pool left by earlier tests, so that each test starts from empty.
static void emptyPool()
{
    while (!ChunkPool::acquire(0, ChunkPool::kPoolBytes).isNull()) {
    }
    QCOMPARE(ChunkPool::pooledChunks(), 0);
    QCOMPARE(ChunkPool::pooledBytes(), 0);
}

void tst_Leaves::poolReusesWhatAReaderConsumed()
{
    emptyPool();
    const QByteArray payload(256 * 1024, 'p');
    Stream s;
    s.append(payload.constData(), payload.size());   // copied into a fresh chunk
    QByteArray out(payload.size(), Qt::Uninitialized);
    QCOMPARE(s.take(out.data(), out.size()), payload.size());
    QCOMPARE(out, payload);
    QCOMPARE(ChunkPool::pooledChunks(), 1);           // the consumed chunk came back
    const qint64 capacity = ChunkPool::pooledBytes();
    QVERIFY(capacity >= payload.size());

    // The next write of that size copies into it: same memory, no allocation.
    const QByteArray second(payload.size(), 'q');
    s.append(second.constData(), second.size());
    QCOMPARE(ChunkPool::pooledChunks(), 0);
    QCOMPARE(s.take(out.data(), out.size()), second.size());
    QCOMPARE(out, second);                             // no byte of the first write survives
    QCOMPARE(ChunkPool::pooledBytes(), capacity);

    // A chunk far bigger than asked for stays in the pool: a 16 KiB write
    // does not pin 256 KiB.
    QVERIFY(ChunkPool::acquire(16 * 1024, 32 * 1024).isNull());
    const QByteArray got = ChunkPool::acquire(payload.size(), 2 * payload.size());
    QVERIFY(!got.isNull());
    QCOMPARE(got.size(), 0);
    QVERIFY(got.isDetached());
}

void tst_Leaves::poolStaysWithinItsBound()
{
    emptyPool();
    // 40 streams of 2 MiB each, all consumed at once: far more than the
    // pool keeps.
    std::vector<Stream> streams(40);
    const QByteArray data(1 << 20, 'd');
    for (Stream &s : streams) {
        s.append(data.constData(), data.size());
        s.append(data.constData(), data.size());
    }
    for (Stream &s : streams) {
        QCOMPARE(s.takeAll().size(), 2 * data.size());   // copied out; both chunks come back
        QVERIFY(ChunkPool::pooledBytes() <= ChunkPool::kPoolBytes);
        QVERIFY(ChunkPool::pooledChunks() <= ChunkPool::kPoolEntries);
    }
    QVERIFY(ChunkPool::pooledBytes() >= ChunkPool::kPoolBytes - 2 * data.size());
    // One chunk alone is handed to the reader, not pooled.
    emptyPool();
    Stream one;
    one.append(data.constData(), data.size());
    QCOMPARE(one.takeAll().size(), data.size());
    QCOMPARE(ChunkPool::pooledChunks(), 0);
    // Many small chunks: the entry bound holds too.
    emptyPool();
    for (int i = 0; i < 100; ++i) {
        QByteArray chunk(16 * 1024 + i, 'x');
        ChunkPool::release(chunk);
        QVERIFY(chunk.isNull());
    }
    QCOMPARE(ChunkPool::pooledChunks(), ChunkPool::kPoolEntries);
    // The most recently released are the ones kept.
    QVERIFY(!ChunkPool::acquire(16 * 1024 + 99, 16 * 1024 + 99 + 64).isNull());
    QVERIFY(ChunkPool::acquire(16 * 1024, 16 * 1024 + 8).isNull());
    // Too small to be worth keeping.
    emptyPool();
    QByteArray small(4096, 's');
    ChunkPool::release(small);
    QCOMPARE(ChunkPool::pooledChunks(), 0);
}

void tst_Leaves::poolNeverTakesAnArrayAWriterStillHolds()
{
    emptyPool();
    const QByteArray writers(64 * 1024, 'w');
    Stream s;
    s.append(QByteArray(writers));   // shared with the writer
    s.append(QByteArray(writers));
    char buf[4096];
    while (s.take(buf, sizeof buf) > 0) {
    }
    QCOMPARE(ChunkPool::pooledChunks(), 0);
    QCOMPARE(writers, QByteArray(64 * 1024, 'w'));
    s.append(QByteArray(writers));
    s.append(QByteArray(writers));
    QCOMPARE(s.takeAll().size(), 2 * writers.size());
    QCOMPARE(ChunkPool::pooledChunks(), 0);
    s.append(QByteArray(writers));
    s.discard();
    QCOMPARE(ChunkPool::pooledChunks(), 0);
    QCOMPARE(writers.count('w'), writers.size());
}

void tst_Leaves::poolFeedsSmallWritesAndLeavesIdleStreamsEmpty()
{
    emptyPool();
    Stream s;
    QByteArray expected;
    for (int i = 0; i < 200; ++i) {   // 200 KiB in 1 KiB writes: 64 KiB chunks
        const QByteArray part(1024, char('A' + i % 26));
        s.append(part.constData(), part.size());
        expected += part;
    }
    QByteArray out(expected.size(), Qt::Uninitialized);
    QCOMPARE(s.take(out.data(), out.size()), expected.size());
    QCOMPARE(out, expected);
    const qsizetype pooled = ChunkPool::pooledChunks();
    QVERIFY(pooled >= 3);                 // the full chunks came back
    s.append("x", 1);                     // a small write starts in a pooled chunk
    QCOMPARE(ChunkPool::pooledChunks(), pooled - 1);
    s.append("yz", 2);
    char three[3];
    QCOMPARE(s.take(three, 3), 3);
    QCOMPARE(QByteArray(three, 3), QByteArray("xyz"));
    // Read to the end, the stream holds nothing: the chunk is back.
    QCOMPARE(ChunkPool::pooledChunks(), pooled);
    QCOMPARE(s.queued(), 0);
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
    d.set({Deadlines::Kind::Read}, QDeadlineTimer(0));
    QVERIFY(d.anySet());
    QVERIFY(d.expired(Deadlines::Kind::Read));
    QVERIFY(!d.expired(Deadlines::Kind::Write));
    d.set({Deadlines::Kind::Read}, QDeadlineTimer::Forever);
    QVERIFY(!d.anySet());
    QVERIFY(!d.expired(Deadlines::Kind::Read));
}

void tst_Leaves::deadlinesFireOncePerSetterCall()
{
    Deadlines d;
    qint64 next = 0;
    d.set({Deadlines::Kind::Read, Deadlines::Kind::Write}, QDeadlineTimer(0));   // one call, both kinds
    QCOMPARE(d.takeFired(&next), 1);
    QCOMPARE(d.takeFired(&next), 0);                  // once only
    d.set({Deadlines::Kind::Read}, QDeadlineTimer(0));
    d.set({Deadlines::Kind::Write}, QDeadlineTimer(0));   // two calls
    QCOMPARE(d.takeFired(&next), 2);
    d.set({Deadlines::Kind::Read}, QDeadlineTimer(0));
    d.set({Deadlines::Kind::Read}, QDeadlineTimer::Forever);   // moved away before it fired
    QCOMPARE(d.takeFired(&next), 0);
}

void tst_Leaves::deadlinesNextFiring()
{
    Deadlines d;
    qint64 next = 0;
    d.set({Deadlines::Kind::Read}, QDeadlineTimer(5000));
    d.set({Deadlines::Kind::Write}, QDeadlineTimer(2000));
    QCOMPARE(d.takeFired(&next), 0);
    QVERIFY2(next > 1000 && next <= 2000, qPrintable(QString::number(next)));
    d.set({Deadlines::Kind::Read, Deadlines::Kind::Write}, QDeadlineTimer(std::chrono::hours(24 * 40)));   // beyond an int of ms
    QCOMPARE(d.takeFired(&next), 0);
    QVERIFY(next > qint64(std::numeric_limits<int>::max()));
}

void tst_Leaves::deadlinesEarlierCutsATimeout()
{
    Deadlines d;
    const QDeadlineTimer timeout(10000);
    QCOMPARE(d.earlier(Deadlines::Kind::Read, timeout), timeout);
    d.set({Deadlines::Kind::Read}, QDeadlineTimer(100));
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
                const QDeadlineTimer when = i % 3 ? QDeadlineTimer(i % 5) : QDeadlineTimer(QDeadlineTimer::Forever);
                if (t % 2)
                    d.set({Deadlines::Kind::Read}, when);
                else
                    d.set({Deadlines::Kind::Read, Deadlines::Kind::Write}, when);
                (void)d.expired(Deadlines::Kind::Write);
            }
        });
    }
    qint64 next = 0;
    for (int i = 0; i < 2000; ++i)
        d.takeFired(&next);
    for (std::thread &t : threads)
        t.join();
    d.set({Deadlines::Kind::Read, Deadlines::Kind::Write}, QDeadlineTimer::Forever);
    QVERIFY(!d.anySet());
}

// ---------------------------------------------------------------------------
// Shaper: the schedule of one shaped direction, driven by a fake clock (ns).

using namespace std::chrono_literals;
constexpr qint64 kMs = 1'000'000;

void tst_Leaves::shaperLatencyAndOrder()
{
    MemConn::Conditions c;
    c.latency = 10ms;
    Shaper s(c, 0);
    QCOMPARE(s.admit(3, 0), 3);
    QCOMPARE(s.admit(2, 5 * kMs), 2);
    QCOMPARE(s.nextReleaseNs(), 10 * kMs);
    QCOMPARE(s.releaseDue(9 * kMs), 0);
    QCOMPARE(s.readable(), 0);
    QCOMPARE(s.releaseDue(10 * kMs), 3);
    QCOMPARE(s.nextReleaseNs(), 15 * kMs);
    QCOMPARE(s.releaseDue(100 * kMs), 2);
    QCOMPARE(s.readable(), 5);
    s.taken(5);
    QCOMPARE(s.readable(), 0);
    QCOMPARE(s.nextReleaseNs(), -1);
}

void tst_Leaves::shaperJitterRepeats()
{
    auto schedule = [](quint64 seed) {
        MemConn::Conditions c;
        c.latency = 5ms;
        c.jitter = 40ms;
        c.seed = seed;
        Shaper s(c, 0);
        QList<qint64> times;
        qint64 last = 0;
        for (int i = 0; i < 50; ++i) {
            s.admit(1, i * kMs);
            for (qint64 t = last; ; t += kMs / 10) {   // when did this byte come out?
                if (s.releaseDue(t) > 0) {
                    times.append(t);
                    last = t;
                    break;
                }
            }
        }
        return times;
    };
    const QList<qint64> a = schedule(5);
    QCOMPARE(schedule(5), a);              // same seed, same schedule
    QVERIFY(schedule(6) != a);
    for (qsizetype i = 0; i < a.size(); ++i) {
        QVERIFY(a[i] >= i * kMs + 5 * kMs);   // at least the latency
        if (i)
            QVERIFY(a[i] >= a[i - 1]);          // never reordered
    }
}

void tst_Leaves::shaperBandwidthSpreadsEvenly()
{
    MemConn::Conditions c;
    c.bytesPerSecond = 1'000'000;
    Shaper s(c, 0);
    s.admit(1'000'000, 0);
    QCOMPARE(s.releaseDue(0), 0);
    const qint64 half = s.releaseDue(500 * kMs);
    QVERIFY2(half >= 490'000 && half <= 510'000, qPrintable(QString::number(half)));
    QCOMPARE(half + s.releaseDue(1000 * kMs), 1'000'000);
    QCOMPARE(s.nextReleaseNs(), -1);
}

void tst_Leaves::shaperChunks()
{
    MemConn::Conditions c;
    c.maxChunk = 4;
    c.seed = 3;
    Shaper s(c, 1);
    s.admit(100, 0);
    s.releaseDue(0);
    QCOMPARE(s.readable(), 0);   // nothing announced yet
    QCOMPARE(s.undelivered(), 100);
    // Each announcement delivers one more chunk of 1 to 4 bytes; what the
    // reader leaves unread stays readable, as in a socket's buffer.
    s.announce();
    const qint64 first = s.readable();
    QVERIFY(first >= 1 && first <= 4);
    s.announce();
    const qint64 second = s.readable() - first;
    QVERIFY(second >= 1 && second <= 4);
    s.taken(s.readable());
    qint64 total = first + second;
    while (s.undelivered() > 0) {
        s.announce();
        const qint64 chunk = s.readable();
        QVERIFY(chunk >= 1 && chunk <= 4);
        s.taken(chunk);
        total += chunk;
    }
    QCOMPARE(total, 100);
    QCOMPARE(s.released(), 0);
}

void tst_Leaves::shaperReset()
{
    MemConn::Conditions c;
    c.resetAfterBytes = 10;
    c.latency = 1ms;
    Shaper s(c, 0);
    QCOMPARE(s.admit(6, 0), 6);
    QVERIFY(!s.resetDue());
    QCOMPARE(s.admit(6, 0), 4);    // the rest is discarded
    QVERIFY(!s.resetDue());         // not before the kept bytes are out
    QCOMPARE(s.releaseDue(kMs), 10);
    QVERIFY(s.resetDue());
    s.resetDone();
    QCOMPARE(s.admit(5, 2 * kMs), 0);
}

void tst_Leaves::conditionsParse()
{
    QStringList warnings;
    const auto parsed = parseConditions(
        QStringLiteral("chat:maxChunk=1,latency=20; memb:other:refuse=1 ;localhost:8080:seed=42,jitter=3;"
                       "*:bytesPerSecond=1000,resetAfterBytes=5;bad;x:maxChunk=-1;y:colour=red"),
        &warnings);
    QCOMPARE(parsed.size(), 4);
    QCOMPARE(parsed[0].first, QStringLiteral("chat"));
    QCOMPARE(parsed[0].second.maxChunk, 1);
    QCOMPARE(parsed[0].second.latency, 20ms);
    QCOMPARE(parsed[1].first, QStringLiteral("other"));   // the network is not part of the name
    QVERIFY(parsed[1].second.refuse);
    QCOMPARE(parsed[2].first, QStringLiteral("localhost:8080"));
    QCOMPARE(parsed[2].second.seed, 42u);
    QCOMPARE(parsed[2].second.jitter, 3ms);
    QCOMPARE(parsed[3].first, QStringLiteral("*"));
    QCOMPARE(parsed[3].second.bytesPerSecond, 1000);
    QCOMPARE(parsed[3].second.resetAfterBytes, 5);
    QCOMPARE(warnings.size(), 3);
    QVERIFY(warnings[0].contains(QStringLiteral("\"bad\"")));
    QVERIFY(warnings[1].contains(QStringLiteral("maxChunk=-1")));
    QVERIFY(warnings[2].contains(QStringLiteral("colour=red")));
}

QTEST_APPLESS_MAIN(tst_Leaves)
#include "tst_leaves.moc"
