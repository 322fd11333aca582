// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memdeadlines_p.h"

namespace MemConnPrivate {

void Deadlines::set(std::initializer_list<Kind> kinds, QDeadlineTimer when)
{
    std::lock_guard lock(m_mutex);
    const quint64 call = ++m_calls;
    for (Kind kind : kinds)
        m_slots[int(kind)] = Slot{when, call, !when.isForever()};
    m_anySet.store(!m_slots[0].when.isForever() || !m_slots[1].when.isForever(),
                   std::memory_order_release);
}

QDeadlineTimer Deadlines::get(Kind kind) const
{
    std::lock_guard lock(m_mutex);
    return m_slots[int(kind)].when;
}

bool Deadlines::expired(Kind kind) const
{
    return anySet() && get(kind).hasExpired();
}

QDeadlineTimer Deadlines::earlier(Kind kind, QDeadlineTimer timeout) const
{
    if (!anySet())
        return timeout;
    const QDeadlineTimer d = get(kind);
    return d < timeout ? d : timeout;
}

int Deadlines::takeFired(qint64 *nextMs)
{
    std::lock_guard lock(m_mutex);
    int fired = 0;
    quint64 firedCall = 0;
    *nextMs = -1;
    for (Slot &s : m_slots) {
        if (!s.armed)
            continue;
        if (s.when.hasExpired()) {
            s.armed = false;
            if (fired == 0 || firedCall != s.call)
                ++fired;
            firedCall = s.call;
        } else {
            const qint64 ms = s.when.remainingTime();
            *nextMs = *nextMs < 0 ? ms : qMin(*nextMs, ms);
        }
    }
    return fired;
}

} // namespace MemConnPrivate
