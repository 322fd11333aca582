// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memstream_p.h"

#include <QtCore/qvarlengtharray.h>

#include <cstring>
#include <mutex>

namespace MemConnPrivate {

namespace ChunkPool {
namespace {
struct Pool
{
    std::mutex mutex;                                    // a leaf: taken with a Connection's held
    QVarLengthArray<QByteArray, kPoolEntries> chunks;    // oldest first
    qint64 bytes = 0;
};
Pool &pool()
{
    static Pool *p = new Pool;   // never destroyed: streams may release during static destruction
    return *p;
}
} // namespace

QByteArray acquire(qint64 minCapacity, qint64 maxCapacity)
{
    Pool &p = pool();
    std::lock_guard lock(p.mutex);
    for (qsizetype i = p.chunks.size() - 1; i >= 0; --i) {
        const qint64 capacity = p.chunks[i].capacity();
        if (capacity >= minCapacity && capacity <= maxCapacity) {
            QByteArray chunk = std::move(p.chunks[i]);
            p.chunks.remove(i);
            p.bytes -= capacity;
            return chunk;
        }
    }
    return QByteArray();
}

void release(QByteArray &chunk)
{
    const qint64 capacity = chunk.capacity();
    if (capacity < kMinChunk || capacity > kPoolBytes || !chunk.isDetached()) {
        chunk = QByteArray();
        return;
    }
    chunk.resize(0);   // keeps the capacity (Qt 6 never shrinks on resize)
    QVarLengthArray<QByteArray, kPoolEntries> evicted;   // freed after the lock is released
    {
        Pool &p = pool();
        std::lock_guard lock(p.mutex);
        qsizetype n = 0;   // the oldest n make room
        while (n < p.chunks.size() && (p.bytes + capacity > kPoolBytes || p.chunks.size() - n == kPoolEntries)) {
            p.bytes -= p.chunks[n].capacity();
            evicted.append(std::move(p.chunks[n++]));
        }
        p.chunks.erase(p.chunks.begin(), p.chunks.begin() + n);
        p.bytes += capacity;
        p.chunks.append(std::move(chunk));
    }
    chunk = QByteArray();
}

qint64 pooledBytes()
{
    Pool &p = pool();
    std::lock_guard lock(p.mutex);
    return p.bytes;
}

qsizetype pooledChunks()
{
    Pool &p = pool();
    std::lock_guard lock(p.mutex);
    return p.chunks.size();
}
} // namespace ChunkPool

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
    m_tailRoom = -1;   // the writer's array: never written into
}

void Stream::setOwnedTail()
{
    QByteArray &tail = m_chunks.last();
    m_tail = &tail;
    // One byte stays free for the terminating '\0'.
    m_tailRoom = qMax<qint64>(0, qMin<qint64>(Bytes::roomAtEnd(tail) - 1, kChunkLimit - tail.size()));
}

void Stream::appendSlow(const char *data, qint64 size)
{
    if (size <= 0)
        return;
    if (size <= kSmall && tailOwned()) {
        // The tail is ours but has too little room: grow it (QByteArray's
        // growth is geometric), up to kChunkLimit.
        QByteArray &tail = m_chunks.last();
        if (tail.size() + size <= kChunkLimit) {
            tail.append(data, qsizetype(size));
            m_queued += size;
            m_unread += size;
            setOwnedTail();
            return;
        }
    }
    // A new chunk: a pooled one when one fits. Small writes take any pooled
    // chunk up to a few kChunkLimit (QByteArray's growth leaves a filled
    // 64 KiB chunk with about 128 KiB of capacity).
    QByteArray chunk = size <= kSmall ? ChunkPool::acquire(ChunkPool::kMinChunk, 4 * kChunkLimit)
                                      : size >= ChunkPool::kMinChunk ? ChunkPool::acquire(size, 2 * size)
                                                                     : QByteArray();
    if (chunk.isNull()) {
        chunk = QByteArray(data, qsizetype(size));
    } else {
        chunk.resize(qsizetype(size));
        std::memcpy(chunk.data(), data, size_t(size));
    }
    append(std::move(chunk));
    // A copy is ours: later small writes may join it.
    if (size <= kSmall)
        setOwnedTail();
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
            ChunkPool::release(chunk);
            ++m_head;
            m_headOffset = 0;
            if (m_head == m_chunks.size())
                m_tailRoom = -1;   // the tail itself was taken
        }
    }
    m_queued -= done;
    m_consumed += done;
    return done;
}

void Stream::copy(qint64 offset, char *out, qint64 n) const
{
    qint64 skip = m_headOffset + offset;
    for (qsizetype i = m_head; i < m_chunks.size() && n > 0; ++i) {
        const QByteArray &chunk = m_chunks[i];
        if (skip >= chunk.size()) {
            skip -= chunk.size();
            continue;
        }
        const qint64 span = qMin<qint64>(chunk.size() - skip, n);
        std::memcpy(out, chunk.constData() + skip, size_t(span));
        out += span;
        n -= span;
        skip = 0;
    }
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
    dropChunks();
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
    dropChunks();
    m_unread = 0;
}

void Stream::dropChunks()
{
    for (qsizetype i = m_head; i < m_chunks.size(); ++i)
        ChunkPool::release(m_chunks[i]);   // a chunk handed to the reader is null by now: a no-op
    m_chunks.clear();
    m_head = 0;
    m_headOffset = 0;
    m_consumed += m_queued;
    m_queued = 0;
    m_tailRoom = -1;
}

} // namespace MemConnPrivate
