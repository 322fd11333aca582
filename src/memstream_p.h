// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// The bytes one end wrote that the other has not read yet: a queue of
// QByteArray chunks. A pure data structure (no QObject, no lock of its own):
// the Connection that owns it locks it.
//
// Chunks of 16 KiB and more that a reader consumed go back to a process-wide
// ChunkPool instead of to the heap, and writes copy into them: a stream that
// keeps freeing and refilling its window would otherwise make glibc trim and
// re-fault the same pages on every round (measured: 248 page faults per 1 MiB
// write). The pool holds at most kPoolBytes in kPoolEntries chunks, most
// recently used first; an idle connection holds no pooled chunk.

#include "membytes_p.h"

#include <QtCore/qbytearray.h>
#include <QtCore/qvarlengtharray.h>

#include <cstring>

namespace MemConnPrivate {

namespace ChunkPool {
constexpr qint64 kMinChunk = 16 * 1024;       // smaller chunks go back to the heap
constexpr qint64 kPoolBytes = 8 << 20;        // capacity held in all
constexpr qsizetype kPoolEntries = 32;
// An empty, unshared array with capacity in [minCapacity, maxCapacity] from
// the pool, the most recently released first; a null array when none fits.
QByteArray acquire(qint64 minCapacity, qint64 maxCapacity);
// Keeps `chunk` if only the caller holds it and it is big enough; the oldest
// pooled chunks make room. `chunk` is null afterwards either way.
void release(QByteArray &chunk);
// For tests: what the pool holds now.
qint64 pooledBytes();
qsizetype pooledChunks();
} // namespace ChunkPool

class Stream
{
public:
    Stream() = default;
    Q_DISABLE_COPY_MOVE(Stream)   // m_tail points into m_chunks

    // Bytes written and not yet taken out of the stream.
    qint64 queued() const { return m_queued; }
    // Bytes handed over and not yet read by the reader's application (bytes
    // the reader's QIODevice holds for peek() or a transaction are unread).
    qint64 unread() const { return m_unread; }
    // Bytes ever taken out of the stream (read or discarded): with queued(),
    // a position in everything written (the capture's bookkeeping).
    qint64 consumed() const { return m_consumed; }
    // Copies `n` queued bytes from `offset` (0: the next to take) to `out`;
    // nothing leaves the stream.
    void copy(qint64 offset, char *out, qint64 n) const;

    void append(QByteArray &&bytes);             // shares the array, no copy
    void append(const char *data, qint64 size)   // small writes join an unshared tail chunk
    {
        if (size <= m_tailRoom) {
            // The common small write: a copy into room the tail chunk has.
            char *end = Bytes::end(*m_tail);
            if (size <= 8) {
                for (qint64 i = 0; i < size; ++i)
                    end[i] = data[i];
            } else {
                std::memcpy(end, data, size_t(size));
            }
            end[size] = '\0';
            Bytes::grow(*m_tail, size);
            m_tailRoom -= size;
            m_queued += size;
            m_unread += size;
            return;
        }
        appendSlow(data, size);
    }
    qint64 take(char *out, qint64 max);
    QByteArray takeAll();                        // one chunk: the writer's array itself
    void acknowledge(qint64 n);                  // the application read n more bytes
    void discard();                              // drops everything; unread() becomes 0

    // What a reader limited to `limit` bytes may see (limit < 0: no limit).
    qint64 visible(qint64 limit) const { return limit < 0 ? m_queued : qMin(m_queued, limit); }
    // Offset of `c` among the first `limit` queued bytes, or -1.
    qint64 indexOf(char c, qint64 limit) const;
    bool hasLine(qint64 limit) const
    {
        const qint64 span = visible(limit);
        return span > 0 && indexOf('\n', span) >= 0;
    }

private:
    void appendSlow(const char *data, qint64 size);
    void dropChunks();   // the pool takes what it can; nothing is queued afterwards
    // The tail chunk is this stream's alone (made by a copy, never a writer's
    // array): small writes may join it. m_tailRoom is how many bytes they may
    // copy in without growing it (within its capacity and kChunkLimit).
    void setOwnedTail();
    bool tailOwned() const { return m_tailRoom >= 0; }

    static constexpr qint64 kSmall = 1024, kChunkLimit = 64 * 1024;
    QVarLengthArray<QByteArray, 1> m_chunks;
    qint64 m_tailRoom = -1;       // -1: the tail is not this stream's own (or there is none)
    QByteArray *m_tail = nullptr; // with m_tailRoom >= 0: m_chunks.last()
    qsizetype m_head = 0;         // first chunk with bytes not taken yet
    qsizetype m_headOffset = 0;   // bytes of m_chunks[m_head] already taken
    qint64 m_queued = 0;
    qint64 m_unread = 0;
    qint64 m_consumed = 0;
};

} // namespace MemConnPrivate
