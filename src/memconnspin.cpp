// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memconnspin_p.h"

#include <QtCore/qthread.h>

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#  include <immintrin.h>
#endif
#if defined(Q_OS_LINUX)
#  include <sched.h>
#endif

namespace MemConnPrivate {

namespace {
constexpr qint64 kLongWaitNs = 1'000'000;   // waits count as at most this long

struct SpinPolicy
{
    // Until measured, sleeping is assumed slow, so that a thread tries
    // spinning first and then both modes are measured.
    qint64 average[2] = {kLongWaitNs, 0};
    quint64 waits = 0;
    quint64 spins = 0;

    int choose()
    {
        const int mode = preferred();
        return ++waits % kExploreEvery == 0 ? 1 - mode : mode;
    }
    // Spin while waits that spin end within kSpinWorthNs on average, unless
    // sleeping at once has been clearly (25%) faster: on a busy machine the
    // spinning thread takes the CPU its peer needs.
    int preferred() const
    {
        return average[1] <= kSpinWorthNs && average[0] * 4 >= average[1] * 3 ? 1 : 0;
    }
    void record(int mode, qint64 ns, bool explored)
    {
        ns = qMin(ns, kLongWaitNs);
        // A sample of the mode in use moves its average by 1/8; a rare
        // exploring sample by 1/2, so that it counts.
        average[mode] += (ns - average[mode]) / (explored ? 2 : 8);
    }
};
thread_local SpinPolicy policy;

bool mayRunOnTwoCpus()
{
    static const bool many = [] {
#if defined(Q_OS_LINUX)
        cpu_set_t set;
        CPU_ZERO(&set);
        if (sched_getaffinity(0, sizeof set, &set) == 0)
            return CPU_COUNT(&set) > 1;
#endif
        return QThread::idealThreadCount() > 1;
    }();
    return many;
}

inline void cpuRelax()
{
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
} // namespace

void SpinWait::spin(const std::atomic<unsigned> &counter, unsigned seen, QDeadlineTimer deadline)
{
    m_start = nowNs();
    if (!mayRunOnTwoCpus())
        return;
    m_mode = policy.choose();
    if (m_mode == 0)
        return;
    ++policy.spins;
    const qint64 budget = deadline.isForever() ? kMaxSpinNs : qMin(kMaxSpinNs, deadline.remainingTimeNSecs());
    for (unsigned i = 1; counter.load(std::memory_order_acquire) == seen; ++i) {
        cpuRelax();
        if (i % 16 == 0 && nowNs() - m_start >= budget)
            return;
    }
}

SpinWait::~SpinWait()
{
    if (!m_start || !mayRunOnTwoCpus())
        return;
    policy.record(m_mode, nowNs() - m_start, m_mode != policy.preferred());
}

SpinStats spinStats()
{
    return {policy.average[0], policy.average[1], policy.spins, policy.waits};
}

void resetSpinPolicy()
{
    policy = SpinPolicy();
}

} // namespace MemConnPrivate
