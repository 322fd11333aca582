// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// Network conditions (MemConn::Conditions): the registry that maps server
// names to conditions (setConditions(), MEMCONN_CONDITIONS), and Shaper, the
// schedule of one direction of a shaped connection. Shaper is a pure data
// structure (no QObject, no lock, no clock of its own: the caller passes the
// time): its Connection locks it.

#include <MemConn/memconditions.h>

#include <QtCore/qstring.h>

#include <deque>
#include <optional>
#include <random>

namespace MemConnPrivate {

// What MemConn::setConditions() and clearConditions() do.
void setConditionsFor(const QString &serverName, const MemConn::Conditions &conditions);
void clearConditionsFor(const QString &serverName);
// The conditions for connections to `name` (exact name first, then "*").
std::optional<MemConn::Conditions> conditionsFor(const QString &name);
// Parses MEMCONN_CONDITIONS-style text; malformed entries go to `warnings`.
QList<std::pair<QString, MemConn::Conditions>> parseConditions(const QString &spec, QStringList *warnings);

class Shaper
{
public:
    Shaper(const MemConn::Conditions &conditions, int direction);
    // New conditions for what is written from now on; bytes already
    // scheduled keep their time.
    void setConditions(const MemConn::Conditions &conditions) { m_c = conditions; }
    // Bytes that were in the stream before conditions applied: readable.
    void preload(qint64 n) { m_released += n; }

    // A write of `n` bytes at `nowNs`: returns how many are kept (fewer once
    // resetAfterBytes is reached; the rest is discarded) and schedules them.
    qint64 admit(qint64 n, qint64 nowNs);
    // Releases what is due at `nowNs`; returns how many bytes became readable.
    qint64 releaseDue(qint64 nowNs);
    // When the next bytes become readable; -1 when nothing waits.
    qint64 nextReleaseNs() const { return m_schedule.empty() ? -1 : m_schedule.front().second; }

    // What the reader may take now: released bytes, or with maxChunk those
    // delivered so far, one chunk per announcement.
    qint64 readable() const;
    qint64 released() const { return m_released; }
    // A readyRead() announces bytes: with maxChunk, one more chunk of the
    // released bytes is delivered (as a TCP segment arrives; what the reader
    // left unread stays readable).
    void announce();
    // Released bytes that wait for later announcements (maxChunk).
    qint64 undelivered() const { return m_c.maxChunk > 0 ? m_released - m_delivered : 0; }
    void taken(qint64 n);      // the reader took n bytes
    void discard();            // the stream was emptied (the reader closed)

    // resetAfterBytes reached and every kept byte released: reset now.
    bool resetDue() const { return m_resetPending && m_schedule.empty(); }
    void resetDone() { m_resetPending = false; }

private:
    qint64 drawChunk();

    MemConn::Conditions m_c;
    std::mt19937_64 m_random;
    std::deque<std::pair<qint64, qint64>> m_schedule;   // (bytes, release time in ns)
    qint64 m_lastReleaseNs = 0;    // bytes never reorder: release times only grow
    qint64 m_admitted = 0;         // bytes kept in this direction, for resetAfterBytes
    qint64 m_released = 0;         // released and not taken yet
    qint64 m_delivered = 0;        // maxChunk: announced and not taken yet
    bool m_resetPending = false;
};

} // namespace MemConnPrivate
