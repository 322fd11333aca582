// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memstream_p.h"

#include <cstring>

namespace MemConnPrivate {

void Stream::append(QByteArray &&bytes)
{
    if (m_head == m_chunks.size()) {
        m_chunks.clear();
        m_head = 0;
    } else if (m_head > 16 && m_head * 2 > m_chunks.size()) {
        // The reader keeps up but never drains completely: drop what it took.
        m_chunks.erase(m_chunks.begin(), m_chunks.begin() + m_head);
        m_head = 0;
    }
    m_queued += bytes.size();
    m_unread += bytes.size();
    m_chunks.append(std::move(bytes));
}

void Stream::append(const char *data, qint64 size)
{
    // A chunk only this stream holds (not one shared with a writer's
    // QByteArray) takes small writes in place: no allocation per write.
    constexpr qint64 kSmall = 1024, kChunkLimit = 64 * 1024;
    if (size <= kSmall && m_head < m_chunks.size()) {
        QByteArray &tail = m_chunks.last();
        if (tail.isDetached() && tail.size() + size <= kChunkLimit) {
            tail.append(data, qsizetype(size));
            m_queued += size;
            m_unread += size;
            return;
        }
    }
    append(QByteArray(data, qsizetype(size)));
}

qint64 Stream::take(char *out, qint64 max)
{
    qint64 done = 0;
    while (done < max && m_head < m_chunks.size()) {
        QByteArray &chunk = m_chunks[m_head];
        const qint64 n = qMin<qint64>(chunk.size() - m_headOffset, max - done);
        std::memcpy(out + done, chunk.constData() + m_headOffset, size_t(n));
        done += n;
        m_headOffset += n;
        if (m_headOffset == chunk.size()) {
            chunk = QByteArray();
            ++m_head;
            m_headOffset = 0;
        }
    }
    m_queued -= done;
    return done;
}

QByteArray Stream::takeAll()
{
    QByteArray result;
    if (m_head == m_chunks.size())
        return result;
    if (m_head + 1 == m_chunks.size()) {
        result = std::move(m_chunks[m_head]);
        if (m_headOffset)
            result.remove(0, m_headOffset);
    } else {
        result.reserve(qsizetype(m_queued));
        result.append(m_chunks[m_head].constData() + m_headOffset, m_chunks[m_head].size() - m_headOffset);
        for (qsizetype i = m_head + 1; i < m_chunks.size(); ++i)
            result.append(m_chunks[i]);
    }
    m_chunks.clear();
    m_head = 0;
    m_headOffset = 0;
    m_queued = 0;
    return result;
}

void Stream::acknowledge(qint64 n)
{
    m_unread = qMax<qint64>(0, m_unread - n);
}

qint64 Stream::indexOf(char c, qint64 limit) const
{
    qint64 offset = 0;
    qsizetype skip = m_headOffset;
    for (qsizetype i = m_head; i < m_chunks.size() && offset < limit; ++i) {
        const QByteArray &chunk = m_chunks[i];
        const qsizetype span = qsizetype(qMin<qint64>(chunk.size() - skip, limit - offset));
        if (const void *hit = std::memchr(chunk.constData() + skip, c, size_t(span)))
            return offset + (static_cast<const char *>(hit) - (chunk.constData() + skip));
        offset += span;
        skip = 0;
    }
    return -1;
}

void Stream::discard()
{
    m_chunks.clear();
    m_head = 0;
    m_headOffset = 0;
    m_queued = 0;
    m_unread = 0;
}

} // namespace MemConnPrivate
