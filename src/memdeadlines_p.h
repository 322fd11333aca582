// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// A socket's read and write deadlines (Go's net.Conn semantics). The setters
// may run in any thread; the socket's thread asks which setter calls have
// fired, to emit one errorOccurred(SocketTimeoutError) per call. The mutex is
// a leaf of the lock order: taken alone or inside a Connection's, and nothing
// is locked while it is held.

#include <QtCore/qdeadlinetimer.h>

#include <atomic>
#include <initializer_list>
#include <mutex>

namespace MemConnPrivate {

class Deadlines
{
public:
    enum class Kind { Read, Write };

    // Thread-safe. One setter call, for one kind or both (setDeadline()).
    void set(std::initializer_list<Kind> kinds, QDeadlineTimer when);
    QDeadlineTimer get(Kind kind) const;
    // False at once while no deadline is set: the hot path takes no lock.
    bool expired(Kind kind) const;
    bool anySet() const { return m_anySet.load(std::memory_order_acquire); }
    // `timeout` cut short by the deadline of `kind`.
    QDeadlineTimer earlier(Kind kind, QDeadlineTimer timeout) const;

    // Socket's thread: the number of distinct setter calls whose deadline has
    // passed since the last call (each fires once), and in *nextMs the time to
    // the next armed deadline (-1: none).
    int takeFired(qint64 *nextMs);

private:
    struct Slot
    {
        QDeadlineTimer when{QDeadlineTimer::Forever};
        quint64 call = 0;    // which setter call set it
        bool armed = false;  // its signal is still to come
    };
    mutable std::mutex m_mutex;
    std::atomic<bool> m_anySet{false};
    Slot m_slots[2];
    quint64 m_calls = 0;
};

} // namespace MemConnPrivate
