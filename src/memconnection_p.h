// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// The state two MemSocket ends share. A byte written by end i is appended to
// stream[i] under the connection's mutex, and end 1 - i is told through one
// posted event (End::eventPosted coalesces a burst); the reader copies it out
// in MemSocket::readData(). Blocking waits sleep on `changed`.
//
// Lifetime: each end holds a std::shared_ptr<Connection>; End::socket is the
// only pointer to a QObject, and it is cleared under the mutex before that
// object's destructor completes, so an event is never posted to freed memory.

#include <QtCore/qbytearray.h>
#include <QtCore/qcoreevent.h>
#include <QtCore/qdeadlinetimer.h>
#include <QtCore/qstring.h>
#include <QtCore/qvarlengtharray.h>

#include <condition_variable>
#include <memory>
#include <mutex>

class MemSocket;

namespace MemConnPrivate {

// The event type of every MemConn notification (to sockets and servers).
QEvent::Type notifyEventType();

// A process-unique number for end names.
quint64 nextEndId();

// "memu:" or "memb:" followed by the name.
QString fullName(bool buffered, const QString &name);

// Why an end's notification event was posted; OR'ed while one is pending.
enum Notify : unsigned {
    NotifyData = 1u << 0,        // readyRead()
    NotifyWritten = 1u << 1,     // bytesWritten(End::credit)
    NotifyPeerClosed = 1u << 2,  // the other end closed, aborted or was deleted
    NotifyAccepted = 1u << 3,    // the backlog made room for this client
    NotifyRefused = 1u << 4,     // the server closed with this client in its backlog
    NotifyReconcile = 1u << 5,   // recount bytes this end's QIODevice buffer holds
    NotifyDeadline = 1u << 6,    // a deadline setter was called
};

// The bytes one end wrote that the other has not read yet.
struct Stream
{
    QVarLengthArray<QByteArray, 2> chunks;
    qsizetype head = 0;          // first chunk with unread bytes
    qsizetype headOffset = 0;    // bytes of chunks[head] already read
    qint64 queued = 0;           // bytes in chunks not read out yet
    qint64 unread = 0;           // handed over, not yet read by the reader's application

    void append(QByteArray &&bytes);
    void append(const char *data, qint64 size);   // small writes join the last chunk
    qint64 take(char *out, qint64 max);
    QByteArray takeAll();
    qint64 indexOf(char c, qint64 limit) const;  // offset among the queued bytes, or -1
    void discard();
};

struct End
{
    MemSocket *socket = nullptr;  // null before the socket exists and after it went away
    unsigned pending = 0;         // Notify reasons not yet handled
    bool eventPosted = false;
    bool closed = false;          // this end closed, aborted or was deleted
    bool buffered = false;        // this end writes on memb
    qint64 credit = 0;            // bytes for this end's next bytesWritten()
    quint64 id = 0;
    bool wantsWritten = false;    // something is connected to the socket's bytesWritten()
};

enum class Phase { Connecting, Connected, Refused, Abandoned };

class Connection : public std::enable_shared_from_this<Connection>
{
public:
    std::mutex mutex;
    std::condition_variable changed;
    int waiters = 0;
    Phase phase = Phase::Connecting;
    QString name;        // the server's name, without network; empty for a pair
    Stream stream[2];    // stream[i] is written by end i
    End end[2];          // end 0: the client (or first of a pair); end 1: the server side

    // All with `mutex` held.
    void notify(int which, unsigned reasons);
    void wake()
    {
        if (waiters)
            changed.notify_all();
    }
    // Waits until woken or `deadline` passes; false once it has passed.
    bool waitUntil(std::unique_lock<std::mutex> &lock, QDeadlineTimer deadline);
};

// Delivers a socket's pending notification (memsocket.cpp).
void deliver(MemSocket *socket);

// While a thread delivers a MemConn notification, notifications it raises
// for sockets of the same thread join this turn of its event loop instead of
// posting an event each: they are delivered after the current handler
// returns (never inside the writer's call stack), up to a budget of hops per
// turn, after which they are posted as usual so the event loop is never starved.
class DeliveryScope
{
public:
    DeliveryScope();
    ~DeliveryScope();
    Q_DISABLE_COPY_MOVE(DeliveryScope)

private:
    bool m_outermost;
};

// Shared by Connection and the server's Listener.
bool waitOn(std::condition_variable &cond, int &waiters, std::unique_lock<std::mutex> &lock,
            QDeadlineTimer deadline);

} // namespace MemConnPrivate
