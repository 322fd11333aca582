// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memconditions_p.h"

#include "memaddress_p.h"

#include <QtCore/qhash.h>
#include <QtCore/qlogging.h>

#include <atomic>
#include <mutex>

namespace MemConnPrivate {
namespace {

// Step of a throughput cap: bytes are released in pieces of 10 ms worth.
constexpr qint64 kBandwidthStepNs = 10'000'000;

struct ConditionsTable
{
    std::mutex mutex;
    QHash<QString, MemConn::Conditions> byName;   // "*": every other name
    std::atomic<bool> any{false};                 // !byName.isEmpty(), read without the lock

    void changed() { any.store(!byName.isEmpty(), std::memory_order_release); }

    ConditionsTable()
    {
        const QString spec = qEnvironmentVariable("MEMCONN_CONDITIONS");
        QStringList warnings;
        for (const auto &[name, conditions] : parseConditions(spec, &warnings))
            byName.insert(name, conditions);
        changed();
        for (const QString &warning : warnings)
            qWarning("MemConn: MEMCONN_CONDITIONS: %s", qPrintable(warning));
    }
};

ConditionsTable &table()
{
    static ConditionsTable t;   // built on first use, thread-safely
    return t;
}

// "memu:chat" and "memb:chat" are the server "chat".
QString serverKey(const QString &name)
{
    if (name == QLatin1StringView("*"))
        return name;
    return Address::parse(name).name;
}

bool setField(MemConn::Conditions &c, QStringView key, QStringView value)
{
    bool ok = false;
    const qint64 n = value.toLongLong(&ok);
    if (!ok)
        return false;
    if (key == u"latency" && n >= 0)
        c.latency = std::chrono::milliseconds(n);
    else if (key == u"jitter" && n >= 0)
        c.jitter = std::chrono::milliseconds(n);
    else if (key == u"bytesPerSecond" && n >= 0)
        c.bytesPerSecond = n;
    else if (key == u"maxChunk" && n >= 0)
        c.maxChunk = n;
    else if (key == u"resetAfterBytes" && n >= -1)
        c.resetAfterBytes = n;
    else if (key == u"refuse" && (n == 0 || n == 1))
        c.refuse = n == 1;
    else if (key == u"seed" && n >= 0)
        c.seed = quint64(n);
    else
        return false;
    return true;
}

} // namespace

QList<std::pair<QString, MemConn::Conditions>> parseConditions(const QString &spec, QStringList *warnings)
{
    QList<std::pair<QString, MemConn::Conditions>> result;
    for (const QString &entry : spec.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        const QString trimmed = entry.trimmed();
        const qsizetype colon = trimmed.lastIndexOf(QLatin1Char(':'), trimmed.indexOf(QLatin1Char('=')));
        const QString name = colon > 0 ? trimmed.left(colon).trimmed() : QString();
        if (name.isEmpty()) {
            warnings->append(QStringLiteral("\"%1\": expected NAME:field=value,...").arg(trimmed));
            continue;
        }
        MemConn::Conditions c;
        QString bad;
        for (const QString &field : trimmed.mid(colon + 1).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const qsizetype eq = field.indexOf(QLatin1Char('='));
            if (eq <= 0 || !setField(c, QStringView(field).left(eq).trimmed(), QStringView(field).mid(eq + 1).trimmed())) {
                bad = field.trimmed();
                break;
            }
        }
        if (!bad.isEmpty()) {
            warnings->append(QStringLiteral("\"%1\": bad field \"%2\" (fields: latency, jitter, "
                                            "bytesPerSecond, maxChunk, resetAfterBytes, refuse, seed)")
                                 .arg(trimmed, bad));
            continue;
        }
        result.append({serverKey(name), c});
    }
    return result;
}

std::optional<MemConn::Conditions> conditionsFor(const QString &name)
{
    ConditionsTable &t = table();
    if (!t.any.load(std::memory_order_acquire))   // the common case: a connect takes no lock here
        return std::nullopt;
    std::lock_guard lock(t.mutex);
    auto it = t.byName.constFind(serverKey(name));
    if (it == t.byName.cend())
        it = t.byName.constFind(QStringLiteral("*"));
    if (it == t.byName.cend())
        return std::nullopt;
    return *it;
}

// ---------------------------------------------------------------------------
// Shaper

Shaper::Shaper(const MemConn::Conditions &conditions, int direction)
    : m_c(conditions), m_random(conditions.seed * 2 + quint64(direction))
{
}

qint64 Shaper::admit(qint64 n, qint64 nowNs)
{
    if (m_c.resetAfterBytes >= 0 && m_admitted + n >= m_c.resetAfterBytes) {
        n = m_c.resetAfterBytes - m_admitted;
        m_resetPending = true;
    }
    if (n <= 0)
        return 0;
    m_admitted += n;
    qint64 latency = std::chrono::nanoseconds(m_c.latency).count();
    if (m_c.jitter.count() > 0) {
        const qint64 spread = std::chrono::nanoseconds(m_c.jitter).count();
        latency += qint64(m_random() % quint64(spread + 1));
    }
    qint64 at = qMax(nowNs + latency, m_lastReleaseNs);
    if (m_c.bytesPerSecond <= 0) {
        m_schedule.emplace_back(n, at);
        m_lastReleaseNs = at;
        return n;
    }
    // A throughput cap: pieces of 10 ms worth, each released when the link
    // has carried the one before it.
    const qint64 step = qMax<qint64>(1, m_c.bytesPerSecond * kBandwidthStepNs / 1'000'000'000);
    for (qint64 left = n; left > 0;) {
        const qint64 piece = qMin(step, left);
        at += piece * 1'000'000'000 / m_c.bytesPerSecond;
        m_schedule.emplace_back(piece, at);
        left -= piece;
    }
    m_lastReleaseNs = at;
    return n;
}

qint64 Shaper::releaseDue(qint64 nowNs)
{
    qint64 released = 0;
    while (!m_schedule.empty() && m_schedule.front().second <= nowNs) {
        released += m_schedule.front().first;
        m_schedule.pop_front();
    }
    m_released += released;
    return released;
}

qint64 Shaper::readable() const
{
    return m_c.maxChunk > 0 ? m_delivered : m_released;
}

void Shaper::announce()
{
    if (m_c.maxChunk > 0 && m_released > m_delivered)
        m_delivered += qMin(drawChunk(), m_released - m_delivered);
}

qint64 Shaper::drawChunk()
{
    return 1 + qint64(m_random() % quint64(m_c.maxChunk));
}

void Shaper::taken(qint64 n)
{
    m_released -= n;
    m_delivered = qMax<qint64>(0, m_delivered - n);
}

void Shaper::discard()
{
    m_released = 0;
    m_delivered = 0;
    m_schedule.clear();
    m_resetPending = false;
}

void setConditionsFor(const QString &serverName, const MemConn::Conditions &conditions)
{
    ConditionsTable &t = table();
    std::lock_guard lock(t.mutex);
    t.byName.insert(serverKey(serverName), conditions);
    t.changed();
}

void clearConditionsFor(const QString &serverName)
{
    ConditionsTable &t = table();
    std::lock_guard lock(t.mutex);
    t.byName.remove(serverKey(serverName));
    t.changed();
}

} // namespace MemConnPrivate
