// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// The adaptive spin of a blocking wait for data (memconnspin_p.h), on its
// own: a waiter thread and a peer thread that answers quickly or slowly.
#include "memconnspin_p.h"

#include <QtCore/qelapsedtimer.h>
#include <QtCore/qthread.h>
#include <QtTest/qtest.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace MemConnPrivate;

class tst_Spin : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void quickAnswersAreCaughtBySpinning();
    void slowAnswersAreSleptThrough();
    void aSpinIsBounded();
    void anExpiredDeadlineNeverSpins();
};

namespace {
bool twoCpus()
{
    return QThread::idealThreadCount() > 1;
}

// `rounds` waits for data, answered by a peer thread `delay` after each
// request. The waiter spins as its policy says, then sleeps in 100 us steps
// (standing in for the condition variable).
void runWaits(int rounds, std::chrono::microseconds delay)
{
    std::atomic<unsigned> requests{0}, answers{0};
    std::atomic<bool> stop{false};
    std::thread peer([&] {
        unsigned seen = 0;
        while (!stop.load()) {
            if (requests.load() == seen) {
                std::this_thread::yield();
                continue;
            }
            ++seen;
            if (delay.count())
                std::this_thread::sleep_for(delay);
            answers.fetch_add(1);
        }
    });
    for (int i = 0; i < rounds; ++i) {
        const unsigned seen = answers.load();
        requests.fetch_add(1);
        SpinWait wait;
        wait.spin(answers, seen, QDeadlineTimer(5000));
        while (answers.load() == seen)
            std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    stop = true;
    peer.join();
}
} // namespace

void tst_Spin::init()
{
    resetSpinPolicy();
}

void tst_Spin::quickAnswersAreCaughtBySpinning()
{
    if (!twoCpus())
        QSKIP("one CPU: MemConn never spins");
    // On a machine busy with other work sleeping can really be faster, and
    // then the policy rightly sleeps: up to three attempts. A hiccup of the
    // host (several quick answers missed in a row) makes the thread sleep
    // until its next exploring run, up to kExploreEvery waits: 2000 waits
    // leave room for that.
    SpinStats s{};
    for (int attempt = 0; attempt < 3; ++attempt) {
        resetSpinPolicy();
        runWaits(2000, std::chrono::microseconds(0));
        s = spinStats();
        if (s.spins >= s.waits / 2 && s.spinAverageNs < kSpinWorthNs)
            break;
    }
    QCOMPARE(s.waits, 2000u);
    // Spinning wins, so most waits spin (all but the exploring ones, unless
    // the machine is so busy that sleeping really was faster).
    QVERIFY2(s.spins >= s.waits / 2, qPrintable(QStringLiteral("%1 of %2 waits spun; averages: sleep %3 ns, spin %4 ns")
                                                      .arg(s.spins).arg(s.waits).arg(s.sleepAverageNs).arg(s.spinAverageNs)));
    QVERIFY(s.spinAverageNs < kSpinWorthNs);
}

void tst_Spin::slowAnswersAreSleptThrough()
{
    if (!twoCpus())
        QSKIP("one CPU: MemConn never spins");
    runWaits(300, std::chrono::milliseconds(2));
    const SpinStats s = spinStats();
    QCOMPARE(s.waits, 300u);
    // After the first few, only exploring waits spin: kExploreLength in
    // every kExploreEvery, none in the first kExploreEvery.
    QVERIFY2(s.spins <= 10 + kExploreLength * (s.waits / kExploreEvery),
             qPrintable(QStringLiteral("%1 of %2 waits spun").arg(s.spins).arg(s.waits)));
    QVERIFY(s.spinAverageNs > kSpinWorthNs);
}

void tst_Spin::aSpinIsBounded()
{
    if (!twoCpus())
        QSKIP("one CPU: MemConn never spins");
    const std::atomic<unsigned> never{0};
    QElapsedTimer t;
    t.start();
    {
        SpinWait wait;
        wait.spin(never, 0, QDeadlineTimer::Forever);   // the first wait of a thread spins
    }
    const qint64 ns = t.nsecsElapsed();
    QVERIFY2(ns >= kMaxSpinNs, qPrintable(QString::number(ns)));
    QVERIFY2(ns < 50 * kMaxSpinNs, qPrintable(QString::number(ns)));   // bounded (generous for a loaded machine)
    QCOMPARE(spinStats().spins, 1u);
}

void tst_Spin::anExpiredDeadlineNeverSpins()
{
    const std::atomic<unsigned> never{0};
    {
        SpinWait wait;
        wait.spin(never, 0, QDeadlineTimer(0));
    }
    QCOMPARE(spinStats().waits, 1u);
    QCOMPARE(spinStats().spins, 0u);   // not even a few iterations
    QCOMPARE(spinStats().spinAverageNs, 0);   // and nothing recorded as a spin
}

QTEST_GUILESS_MAIN(tst_Spin)
#include "tst_spin.moc"
