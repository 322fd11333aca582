// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// The bounded, adaptive spin of a blocking wait for data or for the peer to
// read (waitForReadyRead(), waitForBytesWritten()).
//
// A thread blocked in waitForReadyRead() whose peer answers from another
// thread pays a sleep and a wake-up per answer; on a virtual machine a wake-up
// of an idle CPU alone costs tens of microseconds. Spinning a few
// microseconds first catches a quick answer without sleeping. But spinning
// also takes a CPU the peer may need: on a busy machine it makes the answer
// slower, not faster.
//
// So each thread measures. It keeps a moving average of how long its waits
// for data take when it spins first and when it sleeps at once, uses the
// mode that has been faster, and uses the other mode for kExploreLength waits
// in every kExploreEvery so that a change of regime is noticed. It spins while waits that spin
// end within kSpinWorthNs on average and sleeping has not been clearly faster.
// A thread that loses its CPU while it spins (the machine is busy) stops
// spinning at once. A spin lasts at most kMaxSpinNs and never beyond the
// wait's own deadline.
// When waits are long the thread sleeps at once: the cost is kExploreLength
// spins of at most kMaxSpinNs per kExploreEvery long waits. (Measured on a 2-vCPU virtual
// machine: answers that take 16-64 us are common there, which a 20 us bound
// missed.)
// A process that may run on one CPU only never spins.

#include <QtCore/qdeadlinetimer.h>

#include <atomic>
#include <chrono>

namespace MemConnPrivate {

// The monotonic clock, in ns: spins and network conditions time with it.
inline qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

constexpr qint64 kMaxSpinNs = 50'000;
constexpr qint64 kSpinWorthNs = 2 * kMaxSpinNs;
constexpr unsigned kExploreEvery = 256;
constexpr unsigned kExploreLength = 16;

// One blocking wait for data, from its first would-be sleep to its end.
class SpinWait
{
public:
    SpinWait() = default;
    ~SpinWait();   // tells the thread's policy how long the wait took
    Q_DISABLE_COPY_MOVE(SpinWait)

    // Called once, when the wait would first sleep, without holding any lock:
    // spins until `counter` differs from `seen` if this thread's policy says
    // so. Returns at once otherwise.
    void spin(const std::atomic<unsigned> &counter, unsigned seen, QDeadlineTimer deadline);
    bool started() const { return m_start != 0; }

private:
    qint64 m_start = 0;   // 0: not started
};

// For tests: the calling thread's averages (ns) of waits that slept at once
// and of waits that spun first, and how many waits it spun in.
struct SpinStats
{
    qint64 sleepAverageNs;
    qint64 spinAverageNs;
    quint64 spins;
    quint64 waits;
};
SpinStats spinStats();
void resetSpinPolicy();

} // namespace MemConnPrivate
