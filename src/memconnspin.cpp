// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memconnspin_p.h"

#include <QtCore/qthread.h>


#if defined(__x86_64__) || defined(__i386__)
#  include <immintrin.h>
#endif
#if defined(Q_OS_LINUX)
#  include <sched.h>
#endif

namespace MemConnPrivate {

namespace {
constexpr qint64 kLongWaitNs = 1'000'000;   // waits count as at most this long
constexpr qint64 kPreemptedNs = 500'000;    // a gap this long in a spin: the thread lost its CPU to another

struct SpinPolicy
{
    // Until measured, sleeping is assumed slow, so that a thread tries
    // spinning first and then both modes are measured.
    qint64 average[2] = {kLongWaitNs, 0};
    quint64 waits = 0;
    quint64 spins = 0;
    int mode = 1;          // of the current wait
    bool sample = false;   // whether the current wait counts

    // Exploring: the first kExploreLength waits of every kExploreEvery use the
    // other mode. A single wait in the other mode says little (the peer's
    // thread and the CPUs are still in the state the preferred mode left them
    // in), so only the second half of the run is measured.
    void choose()
    {
        const quint64 phase = waits++ % kExploreEvery;
        const int preferred = preferredMode();
        const bool exploring = waits > kExploreEvery && phase < kExploreLength;
        mode = exploring ? 1 - preferred : preferred;
        sample = !exploring || phase >= kExploreLength / 2;
    }
    // Spin while waits that spin end within kSpinWorthNs on average, unless
    // sleeping at once has been clearly (25%) faster: on a busy machine the
    // spinning thread takes the CPU its peer needs.
    int preferredMode() const
    {
        return average[1] <= kSpinWorthNs && average[0] * 4 >= average[1] * 3 ? 1 : 0;
    }
    void record(qint64 ns)
    {
        if (sample)
            average[mode] += (qMin(ns, kLongWaitNs) - average[mode]) / 8;
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
} // namespace

void SpinWait::spin(const std::atomic<unsigned> &counter, unsigned seen, QDeadlineTimer deadline)
{
    m_start = nowNs();
    if (!mayRunOnTwoCpus())
        return;
    policy.choose();
    if (policy.mode == 0)
        return;
    const qint64 budget = deadline.isForever() ? kMaxSpinNs : qMin(kMaxSpinNs, deadline.remainingTimeNSecs());
    if (budget <= 0) {
        policy.sample = false;   // the wait ends at once: it says nothing about the peer
        return;
    }
    ++policy.spins;
    qint64 last = m_start;
    for (unsigned i = 1; counter.load(std::memory_order_acquire) == seen; ++i) {
        cpuRelax();
        if (i % 16 == 0) {
            const qint64 now = nowNs();
            if (now - last > kPreemptedNs) {
                // This thread lost its CPU while spinning: others want the
                // CPUs, and spinning only takes one from them. Sleep from
                // now on, until exploring shows that spinning pays again
                // (one exploring run of quick waits is enough, since a
                // virtual machine's host can take a CPU now and then too).
                policy.average[1] = qMax(policy.average[1], 2 * kSpinWorthNs);
                policy.sample = false;
                return;
            }
            if (now - m_start >= budget)
                return;
            last = now;
        }
    }
}

SpinWait::~SpinWait()
{
    if (!m_start || !mayRunOnTwoCpus())
        return;
    policy.record(nowNs() - m_start);
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
