// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memsocket.h"

#include "memserver_p.h"
#include "memsocket_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qmetaobject.h>
#include <QtCore/qthread.h>

#include <chrono>

using namespace MemConnPrivate;
using Socket = QAbstractSocket;

namespace {
QDeadlineTimer earlier(QDeadlineTimer a, QDeadlineTimer b)
{
    return a < b ? a : b;
}
} // namespace

// ---------------------------------------------------------------------------
// Connecting and closing

void MemSocketPrivate::connectToServer(QIODevice::OpenMode mode)
{
    if (state != Socket::UnconnectedState) {
        setErrorAndEmit(Socket::OperationError,
                        address() + QStringLiteral(": connectToServer() called while connecting or connected"));
        return;
    }
    if (q->isOpen() || conn) {
        // Leftovers of a connection the peer closed: a new connection replaces them.
        q->QIODevice::close();
        detach();
    }
    addr = Address::parse(serverName);
    pair = false;
    if (!(mode & QIODevice::ReadWrite)) {
        setErrorAndEmit(Socket::OperationError, address() + QStringLiteral(": invalid open mode"));
        return;
    }
    openMode = mode;
    setState(Socket::ConnectingState);
    if (state != Socket::ConnectingState)
        return;   // a slot gave up
    if (addr.name.isEmpty()) {
        fail(Socket::HostNotFoundError, address() + QStringLiteral(": the server name is empty"));
        return;
    }
    std::shared_ptr<Listener> l = Registry::find(addr.name);
    if (!l) {
        fail(Socket::HostNotFoundError, address() + QStringLiteral(": no server is listening on this name"));
        return;
    }

    auto c = std::make_shared<Connection>();
    c->name = addr.name;
    c->end[0].socket = q;
    c->end[0].buffered = addr.buffered;
    c->end[0].wantsWritten = writtenReceivers.load() > 0;
    c->end[0].id = nextEndId();
    c->end[1].id = nextEndId();
    bool connectedNow = false;
    {
        std::lock_guard lock(l->mutex);
        if (!l->server) {
            c->end[0].socket = nullptr;
        } else {
            c->end[1].buffered = l->buffered;
            connectedNow = l->hasRoom() && l->backlog.empty();
            if (connectedNow) {
                c->phase = Phase::Connected;
                l->arrived.push_back(c);
                l->postToServer();
            } else {
                l->backlog.push_back(c);
            }
        }
    }
    if (!c->end[0].socket) {   // closed between the look-up and now
        fail(Socket::HostNotFoundError, address() + QStringLiteral(": no server is listening on this name"));
        return;
    }
    localId = c->end[0].id;
    peerId = c->end[1].id;
    peerBuffered = c->end[1].buffered;
    {
        std::lock_guard lock(deadlineMutex);
        conn = std::move(c);
        me = 0;
    }
    if (connectedNow)
        becomeConnected();
    else
        listener = std::move(l);
}

void MemSocketPrivate::becomeConnected()
{
    listener.reset();
    q->QIODevice::open(openMode | QIODevice::Unbuffered);
    setState(Socket::ConnectedState);
    if (state != Socket::ConnectedState)
        return;
    Q_EMIT q->connected();
    if (deadlinesSet.load(std::memory_order_acquire))
        checkDeadlines();
}

void MemSocketPrivate::attach(std::shared_ptr<Connection> connection, int which)
{
    me = which;
    const int other = 1 - which;
    localId = connection->end[which].id;
    peerId = connection->end[other].id;
    peerBuffered = connection->end[other].buffered;
    {
        std::lock_guard lock(connection->mutex);
        End &e = connection->end[which];
        e.socket = q;
        e.wantsWritten = writtenReceivers.load() > 0;
        if (connection->stream[other].queued > 0)
            e.pending |= NotifyData;
        if (connection->end[other].closed)
            e.pending |= NotifyPeerClosed;
    }
    {
        std::lock_guard lock(deadlineMutex);
        conn = std::move(connection);
    }
    openMode = QIODevice::ReadWrite;
    q->QIODevice::open(openMode | QIODevice::Unbuffered);
    state = Socket::ConnectedState;   // born connected, as a server's sockets are
}

void MemSocketPrivate::abandon()
{
    if (!listener)
        return;
    std::shared_ptr<Listener> l = std::move(listener);
    std::lock_guard lockListener(l->mutex);
    std::lock_guard lock(conn->mutex);
    if (conn->phase == Phase::Connecting) {
        conn->phase = Phase::Abandoned;
        auto it = std::find(l->backlog.begin(), l->backlog.end(), conn);
        if (it != l->backlog.end())
            l->backlog.erase(it);
    }
}

void MemSocketPrivate::detach()
{
    if (!conn)
        return;
    {
        std::lock_guard lock(conn->mutex);
        End &e = conn->end[me];
        e.socket = nullptr;
        e.closed = true;
        e.pending = 0;
        e.credit = 0;
        conn->stream[1 - me].discard();   // unread input goes with the reader's own close
        conn->notify(1 - me, NotifyPeerClosed);
        conn->wake();
    }
    std::lock_guard lock(deadlineMutex);
    conn.reset();
    prefetched = 0;
}

void MemSocketPrivate::closeConnection()
{
    switch (state) {
    case Socket::ConnectingState:
        abandon();
        detach();
        setState(Socket::UnconnectedState);
        break;
    case Socket::ConnectedState:
        q->QIODevice::close();
        detach();
        setState(Socket::ClosingState);
        setState(Socket::UnconnectedState);
        Q_EMIT q->disconnected();
        break;
    default:
        if (q->isOpen())
            q->QIODevice::close();
        detach();
        break;
    }
}

void MemSocketPrivate::peerClosed()
{
    if (state != Socket::ConnectedState)
        return;
    setErrorAndEmit(Socket::RemoteHostClosedError,
                    address() + QStringLiteral(": the remote end closed the connection"));
    setState(Socket::UnconnectedState);
    Q_EMIT q->readChannelFinished();
    Q_EMIT q->disconnected();
}

void MemSocketPrivate::setWantsWritten(bool wanted)
{
    std::shared_ptr<Connection> c;
    int which;
    {
        std::lock_guard lock(deadlineMutex);
        c = conn;
        which = me;
    }
    if (!c)
        return;
    std::lock_guard lock(c->mutex);
    c->end[which].wantsWritten = wanted;
}

void MemSocketPrivate::leavePendingList()
{
    if (pendingIn)
        pendingIn->d->pending.removeOne(q);
    pendingIn = nullptr;
}

void MemSocketPrivate::fail(Socket::SocketError e, const QString &text)
{
    setErrorAndEmit(e, text);
    setState(Socket::UnconnectedState);
}

// ---------------------------------------------------------------------------
// Notifications: at most one posted event per end; the reasons accumulate.

void MemSocketPrivate::processNotification()
{
    if (!conn)
        return;
    unsigned reasons;
    qint64 written;
    {
        std::lock_guard lock(conn->mutex);
        End &e = conn->end[me];
        reasons = e.pending;
        written = e.credit;
        e.pending = 0;
        e.credit = 0;
        e.eventPosted = false;
    }
    handle(reasons, written);
}

void MemSocketPrivate::handle(unsigned reasons, qint64 written)
{
    if ((reasons & NotifyAccepted) && state == Socket::ConnectingState)
        becomeConnected();
    if ((reasons & NotifyRefused) && state == Socket::ConnectingState) {
        listener.reset();
        detach();
        fail(Socket::ConnectionRefusedError,
             address() + QStringLiteral(": the server closed before accepting the connection"));
        return;
    }
    if (reasons & NotifyReconcile)
        reconcile();
    if (written > 0)
        Q_EMIT q->bytesWritten(written);
    if ((reasons & NotifyData) && conn)
        emitReadyRead();
    if (reasons & NotifyPeerClosed)
        peerClosed();
    if (reasons & NotifyDeadline)
        checkDeadlines();
}

void MemSocketPrivate::emitReadyRead()
{
    window = readBufferSize;   // like QAbstractSocket's buffer: refilled per notification
    Q_EMIT q->readyRead();
}

// Bytes QIODevice pulled into its own buffer (peek(), transactions) count as
// read once the application has taken them from that buffer.
void MemSocketPrivate::reconcile()
{
    if (!prefetched || !conn || q->isTransactionStarted())
        return;
    const qint64 held = q->QIODevice::bytesAvailable();
    if (held >= prefetched)
        return;
    std::lock_guard lock(conn->mutex);
    credit(prefetched - held);
    prefetched = held;
}

void MemSocketPrivate::credit(qint64 consumed)
{
    const int other = 1 - me;
    conn->stream[other].unread = qMax<qint64>(0, conn->stream[other].unread - consumed);
    End &writer = conn->end[other];
    if (!writer.buffered && !writer.closed) {
        writer.credit += consumed;
        conn->notify(other, NotifyWritten);
    }
    conn->wake();
}

// ---------------------------------------------------------------------------
// Data

bool MemSocketPrivate::canWrite()
{
    if (state != Socket::ConnectedState || !conn) {
        if (conn)
            setError(Socket::RemoteHostClosedError,
                     address() + QStringLiteral(": cannot write, the remote end closed the connection"));
        else
            q->setErrorString(address() + QStringLiteral(": cannot write, the socket is not connected"));
        return false;
    }
    if (!(q->openMode() & QIODevice::WriteOnly)) {
        q->setErrorString(address() + QStringLiteral(": cannot write, the socket is not open for writing"));
        return false;
    }
    if (deadlinesSet.load(std::memory_order_acquire) && writeExpired()) {
        setError(Socket::SocketTimeoutError, address() + QStringLiteral(": write deadline exceeded"));
        return false;
    }
    return true;
}

template <typename Append>
qint64 MemSocketPrivate::pushWith(qint64 n, Append append)
{
    if (n == 0)
        return 0;
    const int other = 1 - me;
    {
        std::lock_guard lock(conn->mutex);
        if (!conn->end[other].closed) {
            append(conn->stream[me]);
            conn->notify(other, NotifyData);
            if (addr.buffered) {
                conn->end[me].credit += n;
                conn->notify(me, NotifyWritten);
            }
            conn->wake();
            return n;
        }
    }
    setError(Socket::RemoteHostClosedError,
             address() + QStringLiteral(": cannot write, the remote end closed the connection"));
    return -1;
}

qint64 MemSocketPrivate::push(QByteArray &&bytes)
{
    return pushWith(bytes.size(), [&bytes](Stream &s) { s.append(std::move(bytes)); });
}

qint64 MemSocketPrivate::push(const char *data, qint64 size)
{
    return pushWith(size, [data, size](Stream &s) { s.append(data, size); });
}

bool MemSocketPrivate::canRead()
{
    if (!q->isOpen()) {
        q->setErrorString(address() + QStringLiteral(": cannot read, the socket is not connected"));
        return false;
    }
    if (!(q->openMode() & QIODevice::ReadOnly)) {
        q->setErrorString(address() + QStringLiteral(": cannot read, the socket is not open for reading"));
        return false;
    }
    // Checked here too: QIODevice serves bytes it holds (after peek()) without
    // asking readData().
    if (deadlinesSet.load(std::memory_order_acquire) && readExpired()) {
        setError(Socket::SocketTimeoutError, address() + QStringLiteral(": read deadline exceeded"));
        return false;
    }
    return true;
}

qint64 MemSocketPrivate::pull(char *data, qint64 maxSize, bool line)
{
    // Qt reads straight into the caller's buffer when its own buffer is empty
    // and no transaction runs; otherwise the bytes land in QIODevice's buffer
    // and count as read only when the application takes them from there.
    const bool direct = !q->isTransactionStarted() && q->QIODevice::bytesAvailable() == 0;
    if (maxSize <= 0) {
        // readData(p, 0): Qt's buffer was drained.
        if (direct && prefetched && conn) {
            std::lock_guard lock(conn->mutex);
            credit(prefetched);
            prefetched = 0;
        }
        return 0;
    }
    if (!conn)
        return -1;
    if (deadlinesSet.load(std::memory_order_acquire) && readExpired()) {
        setError(Socket::SocketTimeoutError, address() + QStringLiteral(": read deadline exceeded"));
        return -1;
    }
    const int other = 1 - me;
    std::lock_guard lock(conn->mutex);
    Stream &in = conn->stream[other];
    qint64 want = readBufferSize > 0 ? qMin(maxSize, window) : maxSize;
    if (want == 0)
        return 0;   // the rest waits for the next readyRead()
    if (line) {
        const qint64 newline = in.indexOf('\n', want);
        if (newline >= 0)
            want = newline + 1;
    }
    const qint64 n = in.take(data, want);
    if (n == 0)
        return conn->end[other].closed ? -1 : 0;
    if (direct) {
        credit(n + prefetched);
        prefetched = 0;
    } else {
        prefetched += n;
        conn->notify(me, NotifyReconcile);
    }
    if (readBufferSize > 0) {
        window -= n;
        if (window == 0 && in.queued > 0)
            conn->notify(me, NotifyData);   // the rest waited for room: readyRead() again
    }
    return n;
}

// ---------------------------------------------------------------------------
// Blocking waits

bool MemSocketPrivate::waitFor(WaitFor what, QDeadlineTimer deadline)
{
    if (!conn)
        return false;
    if (what == WaitFor::Disconnected && state != Socket::ConnectedState)
        return false;
    if (state == Socket::ConnectingState && !q->waitForConnected(deadline))
        return false;
    if (!conn)
        return false;
    const int other = 1 - me;
    const int governing = what == WaitFor::BytesWritten ? 1 : 0;
    const auto deadlineExpired = [this, governing] {
        return governing ? writeExpired() : readExpired();
    };
    std::shared_ptr<Connection> c = conn;
    std::unique_lock lock(c->mutex);
    for (;;) {
        const bool useDeadline = deadlinesSet.load(std::memory_order_acquire);
        if (useDeadline && deadlineExpired()) {
            lock.unlock();
            setError(Socket::SocketTimeoutError,
                     address() + (governing ? QStringLiteral(": write deadline exceeded")
                                            : QStringLiteral(": read deadline exceeded")));
            return false;
        }
        End &mine = c->end[me];
        switch (what) {
        case WaitFor::Data:
            if (c->stream[other].queued > 0) {
                mine.pending &= ~unsigned(NotifyData);
                lock.unlock();
                emitReadyRead();
                return true;
            }
            if (c->end[other].closed) {
                mine.pending &= ~unsigned(NotifyPeerClosed);
                lock.unlock();
                peerClosed();
                return false;
            }
            break;
        case WaitFor::BytesWritten:
            if (mine.credit > 0) {
                const qint64 written = std::exchange(mine.credit, 0);
                mine.pending &= ~unsigned(NotifyWritten);
                lock.unlock();
                Q_EMIT q->bytesWritten(written);
                return true;
            }
            if (addr.buffered || c->stream[me].unread == 0 || c->end[other].closed)
                return false;
            break;
        case WaitFor::Disconnected:
            if (c->end[other].closed) {
                mine.pending &= ~unsigned(NotifyPeerClosed);
                lock.unlock();
                peerClosed();
                return true;
            }
            break;
        }
        QDeadlineTimer until = deadline;
        if (useDeadline) {
            std::lock_guard dl(deadlineMutex);
            until = earlier(until, deadlines[governing]);
        }
        if (!c->waitUntil(lock, until)) {
            lock.unlock();
            setError(Socket::SocketTimeoutError, address() + QStringLiteral(": operation timed out"));
            return false;
        }
    }
}

// ---------------------------------------------------------------------------
// Deadlines

void MemSocketPrivate::setDeadlines(unsigned kinds, QDeadlineTimer when)
{
    std::shared_ptr<Connection> c;
    int which = 0;
    {
        std::lock_guard lock(deadlineMutex);
        const quint64 call = ++setterCalls;
        for (int i = 0; i < 2; ++i) {
            if (kinds & (1u << i)) {
                deadlines[i] = when;
                watches[i] = Watch{when, call, !when.isForever()};
            }
        }
        deadlinesSet.store(!deadlines[0].isForever() || !deadlines[1].isForever(),
                           std::memory_order_release);
        c = conn;
        which = me;
    }
    if (!c)
        return;
    // Wake a blocking wait so that it re-reads its deadline, and let the
    // socket's thread arm its timer.
    std::lock_guard lock(c->mutex);
    if (c->end[which].socket)
        c->notify(which, NotifyDeadline);
    c->wake();
}

bool MemSocketPrivate::readExpired() const
{
    std::lock_guard lock(deadlineMutex);
    return deadlines[0].hasExpired();
}

bool MemSocketPrivate::writeExpired() const
{
    std::lock_guard lock(deadlineMutex);
    return deadlines[1].hasExpired();
}

void MemSocketPrivate::checkDeadlines()
{
    if (timerId) {
        q->killTimer(timerId);
        timerId = 0;
    }
    if (state != Socket::ConnectedState)
        return;
    quint64 fired[2] = {0, 0};
    int firedCount = 0;
    qint64 nextMs = -1;
    {
        std::lock_guard lock(deadlineMutex);
        for (Watch &w : watches) {
            if (!w.armed)
                continue;
            if (w.when.hasExpired()) {
                w.armed = false;
                if (firedCount == 0 || fired[0] != w.call)
                    fired[firedCount++] = w.call;
            } else {
                const qint64 ms = w.when.remainingTime();
                nextMs = nextMs < 0 ? ms : qMin(nextMs, ms);
            }
        }
    }
    if (nextMs >= 0)
        timerId = q->startTimer(std::chrono::milliseconds(nextMs), Qt::PreciseTimer);
    for (int i = 0; i < firedCount && state == Socket::ConnectedState; ++i)
        setErrorAndEmit(Socket::SocketTimeoutError, address() + QStringLiteral(": deadline exceeded"));
}

// ---------------------------------------------------------------------------
// Signals, errors and names

void MemSocketPrivate::setState(Socket::SocketState s)
{
    if (state == s)
        return;
    state = s;
    Q_EMIT q->stateChanged(s);
}

void MemSocketPrivate::setError(Socket::SocketError e, const QString &text)
{
    error = e;
    q->setErrorString(text);
}

void MemSocketPrivate::setErrorAndEmit(Socket::SocketError e, const QString &text)
{
    setError(e, text);
    Q_EMIT q->errorOccurred(e);
}

QString MemSocketPrivate::address() const
{
    return pair ? endName(me) : Address::parse(serverName).full();
}

QString MemSocketPrivate::endName(int which) const
{
    const quint64 id = which == me ? localId : peerId;
    if (!id)
        return QString();
    const bool buffered = which == me ? addr.buffered : peerBuffered;
    return fullName(buffered, pair ? QStringLiteral("pipe") : addr.name) + QLatin1Char('#')
        + QString::number(id);
}

// ---------------------------------------------------------------------------
// MemSocket

MemSocket::MemSocket(QObject *parent)
    : QIODevice(parent), d(std::make_unique<MemSocketPrivate>(this))
{
}

MemSocket::~MemSocket()
{
    d->leavePendingList();
    // As QLocalSocket's and QAbstractSocket's destructors do: an open socket
    // closes with aboutToClose(), stateChanged() and disconnected(), so code
    // that keeps a pointer to the device (Qt Remote Objects does) hears that
    // it is going. The peer is told through its own event loop, as ever.
    d->closeConnection();
    // No-ops after closeConnection(), unless a slot reconnected this socket
    // while it closed: nothing may stay attached to a destroyed socket.
    d->abandon();
    d->detach();
}

std::pair<MemSocket *, MemSocket *> MemSocket::createPair(QObject *parent)
{
    auto c = std::make_shared<MemConnPrivate::Connection>();
    c->phase = Phase::Connected;
    c->end[0].id = nextEndId();
    c->end[1].id = nextEndId();
    auto *a = new MemSocket(parent);
    auto *b = new MemSocket(parent);
    a->d->pair = b->d->pair = true;
    a->d->attach(c, 0);
    b->d->attach(std::move(c), 1);
    return {a, b};
}

void MemSocket::connectToServer(OpenMode mode)
{
    d->connectToServer(mode);
}

void MemSocket::connectToServer(const QString &name, OpenMode mode)
{
    if (d->state == QAbstractSocket::UnconnectedState)
        d->serverName = name;
    d->connectToServer(mode);
}

void MemSocket::setServerName(const QString &name)
{
    if (d->state != QAbstractSocket::UnconnectedState) {
        qWarning("MemSocket::setServerName() called while connecting or connected");
        return;
    }
    d->serverName = name;
}

QString MemSocket::serverName() const
{
    return d->serverName;
}

QString MemSocket::fullServerName() const
{
    return d->pair ? QString() : Address::parse(d->serverName).full();
}

QString MemSocket::localName() const
{
    return d->endName(d->me);
}

QString MemSocket::peerName() const
{
    return d->endName(1 - d->me);
}

bool MemSocket::isBuffered() const
{
    return d->pair ? false : Address::parse(d->serverName).buffered;
}

void MemSocket::disconnectFromServer()
{
    d->closeConnection();
}

void MemSocket::abort()
{
    d->closeConnection();
}

void MemSocket::close()
{
    d->closeConnection();
}

QAbstractSocket::SocketState MemSocket::state() const
{
    return d->state;
}

QAbstractSocket::SocketError MemSocket::error() const
{
    return d->error;
}

bool MemSocket::isValid() const
{
    return d->state == QAbstractSocket::ConnectedState;
}

qint64 MemSocket::readBufferSize() const
{
    return d->readBufferSize;
}

void MemSocket::setReadBufferSize(qint64 size)
{
    d->readBufferSize = qMax<qint64>(0, size);
    d->window = d->readBufferSize;
}

bool MemSocket::flush()
{
    return false;
}

void MemSocket::setDeadline(QDeadlineTimer deadline)
{
    d->setDeadlines(MemSocketPrivate::ReadDeadline | MemSocketPrivate::WriteDeadline, deadline);
}

void MemSocket::setReadDeadline(QDeadlineTimer deadline)
{
    d->setDeadlines(MemSocketPrivate::ReadDeadline, deadline);
}

void MemSocket::setWriteDeadline(QDeadlineTimer deadline)
{
    d->setDeadlines(MemSocketPrivate::WriteDeadline, deadline);
}

QDeadlineTimer MemSocket::readDeadline() const
{
    std::lock_guard lock(d->deadlineMutex);
    return d->deadlines[0];
}

QDeadlineTimer MemSocket::writeDeadline() const
{
    std::lock_guard lock(d->deadlineMutex);
    return d->deadlines[1];
}

bool MemSocket::waitForConnected(int msecs)
{
    return waitForConnected(QDeadlineTimer(msecs));
}

bool MemSocket::waitForConnected(QDeadlineTimer deadline)
{
    if (d->state == QAbstractSocket::ConnectedState)
        return true;
    if (d->state != QAbstractSocket::ConnectingState || !d->conn)
        return false;
    std::shared_ptr<MemConnPrivate::Connection> c = d->conn;
    std::unique_lock lock(c->mutex);
    for (;;) {
        End &mine = c->end[d->me];
        if (c->phase == Phase::Connected) {
            mine.pending &= ~unsigned(NotifyAccepted);
            lock.unlock();
            d->becomeConnected();
            return true;
        }
        if (c->phase == Phase::Refused) {
            mine.pending &= ~unsigned(NotifyRefused);
            lock.unlock();
            d->handle(NotifyRefused, 0);
            return false;
        }
        QDeadlineTimer until = deadline;
        if (d->deadlinesSet.load(std::memory_order_acquire)) {
            std::lock_guard dl(d->deadlineMutex);
            until = earlier(until, d->deadlines[1]);
        }
        if (!c->waitUntil(lock, until))
            break;
    }
    lock.unlock();
    d->abandon();
    d->detach();
    d->fail(QAbstractSocket::SocketTimeoutError,
            d->address() + QStringLiteral(": timed out waiting for the server to accept the connection"));
    return false;
}

bool MemSocket::waitForDisconnected(int msecs)
{
    return waitForDisconnected(QDeadlineTimer(msecs));
}

bool MemSocket::waitForDisconnected(QDeadlineTimer deadline)
{
    return d->waitFor(MemSocketPrivate::WaitFor::Disconnected, deadline);
}

bool MemSocket::waitForReadyRead(int msecs)
{
    return waitForReadyRead(QDeadlineTimer(msecs));
}

bool MemSocket::waitForReadyRead(QDeadlineTimer deadline)
{
    return d->waitFor(MemSocketPrivate::WaitFor::Data, deadline);
}

bool MemSocket::waitForBytesWritten(int msecs)
{
    return waitForBytesWritten(QDeadlineTimer(msecs));
}

bool MemSocket::waitForBytesWritten(QDeadlineTimer deadline)
{
    return d->waitFor(MemSocketPrivate::WaitFor::BytesWritten, deadline);
}

bool MemSocket::isSequential() const
{
    return true;
}

bool MemSocket::open(OpenMode mode)
{
    d->connectToServer(mode);
    return isOpen();
}

qint64 MemSocket::bytesAvailable() const
{
    if (d->deadlinesSet.load(std::memory_order_acquire) && d->readExpired())
        return 0;
    qint64 available = QIODevice::bytesAvailable();
    if (!d->conn)
        return available;
    d->reconcile();
    {
        std::lock_guard lock(d->conn->mutex);
        const qint64 queued = d->conn->stream[1 - d->me].queued;
        available += d->readBufferSize > 0 ? qMin(queued, d->window) : queued;
    }
    return d->readBufferSize > 0 ? qMin(available, d->readBufferSize) : available;
}

qint64 MemSocket::bytesToWrite() const
{
    if (!d->conn || d->addr.buffered)
        return 0;
    std::lock_guard lock(d->conn->mutex);
    return d->conn->stream[d->me].unread;
}

bool MemSocket::canReadLine() const
{
    if (QIODevice::canReadLine())
        return true;
    if (!d->conn || !(openMode() & ReadOnly)
        || (d->deadlinesSet.load(std::memory_order_acquire) && d->readExpired()))
        return false;
    std::lock_guard lock(d->conn->mutex);
    const MemConnPrivate::Stream &in = d->conn->stream[1 - d->me];
    const qint64 window = d->readBufferSize > 0 ? d->window : in.queued;
    return window > 0 && in.indexOf('\n', window) >= 0;
}

qint64 MemSocket::read(char *data, qint64 maxSize)
{
    if (!d->canRead())
        return -1;
    return QIODevice::read(data, maxSize);
}

QByteArray MemSocket::read(qint64 maxSize)
{
    if (!d->canRead())
        return QByteArray();
    return QIODevice::read(maxSize);
}

QByteArray MemSocket::readAll()
{
    if (!d->canRead())
        return QByteArray();
    // The fast path hands the writer's QByteArray over without copying it.
    if (d->conn && d->readBufferSize == 0 && !isTransactionStarted()
        && QIODevice::bytesAvailable() == 0 && !(openMode() & Text)) {
        std::lock_guard lock(d->conn->mutex);
        QByteArray all = d->conn->stream[1 - d->me].takeAll();
        if (!all.isEmpty() || d->prefetched) {
            d->credit(all.size() + d->prefetched);
            d->prefetched = 0;
        }
        return all;
    }
    return QIODevice::readAll();
}

qint64 MemSocket::write(const char *data, qint64 size)
{
    if (size < 0) {
        setErrorString(d->address() + QStringLiteral(": cannot write a negative number of bytes"));
        return -1;
    }
    if (!d->canWrite())
        return -1;
    return d->push(data, size);
}

qint64 MemSocket::write(const char *data)
{
    return write(data, data ? qint64(qstrlen(data)) : 0);
}

qint64 MemSocket::write(const QByteArray &data)
{
    if (!d->canWrite())
        return -1;
    // Share the caller's array; copy only raw or static data the caller may free.
    return d->push(const_cast<QByteArray &>(data).data_ptr().d_ptr() ? QByteArray(data)
                                           : QByteArray(data.constData(), data.size()));
}

qint64 MemSocket::readData(char *data, qint64 maxSize)
{
    return d->pull(data, maxSize, false);
}

qint64 MemSocket::readLineData(char *data, qint64 maxSize)
{
    return d->pull(data, maxSize, true);
}

qint64 MemSocket::writeData(const char *data, qint64 size)
{
    if (!d->canWrite())
        return -1;
    return d->push(data, size);
}

bool MemSocket::event(QEvent *event)
{
    if (event->type() == MemConnPrivate::notifyEventType()) {
        MemConnPrivate::DeliveryScope scope;
        d->processNotification();
        return true;
    }
    if (event->type() == QEvent::ThreadChange && d->timerId) {
        // Qt would carry an active timer over and re-register it later, even
        // if we kill it in the new thread first; it would then outlive this
        // object. So the deadline timer stops here and is re-armed there.
        killTimer(d->timerId);
        d->timerId = 0;
        if (d->conn) {
            std::lock_guard lock(d->conn->mutex);
            d->conn->notify(d->me, MemConnPrivate::NotifyDeadline);
        }
    }
    return QIODevice::event(event);
}

void MemSocket::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == d->timerId) {
        MemConnPrivate::DeliveryScope scope;
        d->checkDeadlines();
        return;
    }
    QIODevice::timerEvent(event);
}

void MemSocket::connectNotify(const QMetaMethod &signal)
{
    if (signal == QMetaMethod::fromSignal(&QIODevice::bytesWritten)
        && d->writtenReceivers.fetch_add(1) == 0)
        d->setWantsWritten(true);
    QIODevice::connectNotify(signal);
}

void MemSocket::disconnectNotify(const QMetaMethod &signal)
{
    // Qt may call this holding its signal-slot lock (a receiver being
    // destroyed), so nothing here may call back into QObject. A disconnection
    // of everything (an invalid signal) leaves notifications on: at worst an
    // event nobody needs, never a bytesWritten() missed.
    if (signal == QMetaMethod::fromSignal(&QIODevice::bytesWritten)) {
        int n = d->writtenReceivers.load();
        while (n > 0 && !d->writtenReceivers.compare_exchange_weak(n, n - 1)) {
        }
        if (n == 1)
            d->setWantsWritten(false);
    }
    QIODevice::disconnectNotify(signal);
}

void MemConnPrivate::deliver(MemSocket *socket)
{
    MemSocketPrivate::get(socket)->processNotification();
}
