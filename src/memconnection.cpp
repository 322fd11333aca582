// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memconnection_p.h"

#include "memsocket.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qthread.h>

#include <atomic>
#include <chrono>
#include <cstring>

namespace MemConnPrivate {

namespace {
struct Chain
{
    QVarLengthArray<std::pair<std::shared_ptr<Connection>, int>, 16> queue;
    int budget = 256;
};
thread_local Chain chainStorage;
thread_local Chain *currentChain = nullptr;
} // namespace

DeliveryScope::DeliveryScope() : m_outermost(currentChain == nullptr)
{
    if (m_outermost)
        currentChain = &chainStorage;
}

DeliveryScope::~DeliveryScope()
{
    if (!m_outermost)
        return;
    Chain *chain = currentChain;
    for (qsizetype i = 0; i < chain->queue.size(); ++i) {
        auto [conn, which] = std::move(chain->queue[i]);
        MemSocket *socket;
        {
            std::lock_guard lock(conn->mutex);
            End &e = conn->end[which];
            socket = e.socket;
            if (!socket || !e.eventPosted)
                continue;
            if (socket->thread() != QThread::currentThread()) {   // moved meanwhile
                QCoreApplication::postEvent(socket, new QEvent(notifyEventType()));
                continue;
            }
        }
        deliver(socket);
    }
    chain->queue.clear();
    chain->budget = 256;
    currentChain = nullptr;
}

QEvent::Type notifyEventType()
{
    static const auto type = QEvent::Type(QEvent::registerEventType());
    return type;
}

quint64 nextEndId()
{
    static std::atomic<quint64> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

QString fullName(bool buffered, const QString &name)
{
    return (buffered ? QStringLiteral("memb:") : QStringLiteral("memu:")) + name;
}

void Stream::append(QByteArray &&bytes)
{
    if (head == chunks.size()) {
        chunks.clear();
        head = 0;
    } else if (head > 16 && head * 2 > chunks.size()) {
        // The reader keeps up but never drains completely: drop what it read.
        chunks.erase(chunks.begin(), chunks.begin() + head);
        head = 0;
    }
    queued += bytes.size();
    unread += bytes.size();
    chunks.append(std::move(bytes));
}

void Stream::append(const char *data, qint64 size)
{
    // A chunk only this stream holds (not one shared with a writer's
    // QByteArray) takes small writes in place: no allocation per write.
    constexpr qint64 kSmall = 1024, kChunkLimit = 64 * 1024;
    if (size <= kSmall && head < chunks.size()) {
        QByteArray &tail = chunks.last();
        if (tail.isDetached() && tail.size() + size <= kChunkLimit) {
            tail.append(data, qsizetype(size));
            queued += size;
            unread += size;
            return;
        }
    }
    append(QByteArray(data, qsizetype(size)));
}

qint64 Stream::take(char *out, qint64 max)
{
    qint64 done = 0;
    while (done < max && head < chunks.size()) {
        QByteArray &chunk = chunks[head];
        const qint64 n = qMin<qint64>(chunk.size() - headOffset, max - done);
        std::memcpy(out + done, chunk.constData() + headOffset, size_t(n));
        done += n;
        headOffset += n;
        if (headOffset == chunk.size()) {
            chunk = QByteArray();
            ++head;
            headOffset = 0;
        }
    }
    queued -= done;
    return done;
}

QByteArray Stream::takeAll()
{
    QByteArray result;
    if (head == chunks.size())
        return result;
    if (head + 1 == chunks.size()) {
        // One chunk: hand the writer's array itself over, shared, not copied.
        result = std::move(chunks[head]);
        if (headOffset)
            result.remove(0, headOffset);
    } else {
        result.reserve(qsizetype(queued));
        result.append(chunks[head].constData() + headOffset, chunks[head].size() - headOffset);
        for (qsizetype i = head + 1; i < chunks.size(); ++i)
            result.append(chunks[i]);
    }
    chunks.clear();
    head = 0;
    headOffset = 0;
    queued = 0;
    return result;
}

qint64 Stream::indexOf(char c, qint64 limit) const
{
    qint64 offset = 0;
    qsizetype skip = headOffset;
    for (qsizetype i = head; i < chunks.size() && offset < limit; ++i) {
        const QByteArray &chunk = chunks[i];
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
    chunks.clear();
    head = 0;
    headOffset = 0;
    queued = 0;
    unread = 0;
}

void Connection::notify(int which, unsigned reasons)
{
    End &e = end[which];
    e.pending |= reasons;
    if (e.eventPosted || !e.socket)
        return;
    if (!e.wantsWritten && (e.pending & ~unsigned(NotifyWritten)) == 0)
        return;   // only bytesWritten() to tell, and nothing listens: the count waits in credit
    e.eventPosted = true;
    Chain *chain = currentChain;
    if (chain && chain->budget > 0 && e.socket->thread() == QThread::currentThread()) {
        --chain->budget;
        chain->queue.append({shared_from_this(), which});
        return;
    }
    QCoreApplication::postEvent(e.socket, new QEvent(notifyEventType()));
}

bool waitOn(std::condition_variable &cond, int &waiters, std::unique_lock<std::mutex> &lock,
            QDeadlineTimer deadline)
{
    if (deadline.hasExpired())
        return false;
    ++waiters;
    if (deadline.isForever()) {
        cond.wait(lock);
    } else {
        cond.wait_for(lock, std::chrono::nanoseconds(deadline.remainingTimeNSecs()));
    }
    --waiters;
    return true;
}

bool Connection::waitUntil(std::unique_lock<std::mutex> &lock, QDeadlineTimer deadline)
{
    return waitOn(changed, waiters, lock, deadline);
}

} // namespace MemConnPrivate
