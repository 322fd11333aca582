// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// MemSocket: the public face and its state machine (connect, close, peer
// closed, handle a notification). Every locked operation on the connection,
// and the rule for telling the peer, is in memconnection.cpp.
#include "memsocket.h"

#include "memserver_p.h"
#include "memsocket_p.h"

#include <QtCore/qabstracteventdispatcher.h>
#include <QtCore/qcoreevent.h>
#include <QtCore/qmetaobject.h>
#include <QtCore/qthread.h>

#include <chrono>
#include <cstring>

using namespace MemConnPrivate;
using WaitFor = Connection::WaitFor;
using WaitResult = Connection::WaitResult;

namespace {
// The d-pointer and QIODevice::setErrorString() are protected, as QObject's
// d_ptr is: reached through pointers to members formed in a derived scope.
struct Access : MemSocket
{
    static auto dPointer() { return &Access::d; }
    static auto errorStringSetter() { return &Access::setErrorString; }
};
} // namespace

MemSocketPrivate *MemSocketPrivate::get(MemSocket *socket)
{
    return (socket->*Access::dPointer()).get();
}

// ---------------------------------------------------------------------------
// Connecting and closing

void MemSocketPrivate::connectToServer(QIODevice::OpenMode mode)
{
    if (state != QAbstractSocket::UnconnectedState) {
        setErrorAndEmit(Failure::AlreadyConnecting);
        return;
    }
    if (q->isOpen() || conn) {
        // Leftovers of a connection that ended: a new connection replaces them.
        q->QIODevice::close();
        detach();
    }
    leftover.clear();
    addr = Address::parse(serverName);
    pair = false;
    peerId = 0;
    if (!(mode & QIODevice::ReadWrite)) {
        setErrorAndEmit(Failure::InvalidOpenMode);
        return;
    }
    openMode = mode;
    Alive frame(this);
    const quint64 started = ++epoch;
    setState(QAbstractSocket::ConnectingState);
    if (!still(frame, started) || state != QAbstractSocket::ConnectingState)
        return;   // a slot gave up, or went away
    if (addr.name.isEmpty()) {
        fail(Failure::EmptyName);
        return;
    }
    std::shared_ptr<Listener> l = Registry::find(addr.name);
    if (!l) {
        fail(Failure::NoServer);
        return;
    }
    auto c = std::make_shared<Connection>(addr.name, addr.buffered);
    c->clientTag = dialTag;
    c->attach(Client, this, writtenReceivers.load() > 0);
    if (readBufferSize > 0)
        c->setReadLimit(Client, readBufferSize);
    if (addr.buffered && sendWindow >= 0)
        c->setSendWindow(Client, sendWindow);
    bool closed = false;
    const bool connectedNow = l->offer(c, &closed);
    if (closed) {   // closed between the look-up and now
        c->closeEnd(Client);
        fail(Failure::NoServer);
        return;
    }
    localId = c->id(Client);
    peerId = c->id(Server);
    peerBuffered = c->buffered(Server);
    me = Client;
    {
        std::lock_guard lock(connMutex);
        conn = std::move(c);
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
    Alive frame(this);
    const quint64 current = epoch;
    setState(QAbstractSocket::ConnectedState);
    if (!still(frame, current) || state != QAbstractSocket::ConnectedState)
        return;
    Q_EMIT q->connected();
    if (still(frame, current) && deadlines() && deadlines()->anySet())
        checkDeadlines();
}

void MemSocketPrivate::attach(std::shared_ptr<Connection> connection, EndIndex which)
{
    me = which;
    localId = connection->id(which);
    peerId = connection->id(peerOf(which));
    peerBuffered = connection->buffered(peerOf(which));
    connection->attach(which, this, writtenReceivers.load() > 0);
    if (readBufferSize > 0)
        connection->setReadLimit(which, readBufferSize);
    if (connection->buffered(which) && sendWindow >= 0)
        connection->setSendWindow(which, sendWindow);
    {
        std::lock_guard lock(connMutex);
        conn = std::move(connection);
    }
    ++epoch;
    openMode = QIODevice::ReadWrite;
    q->QIODevice::open(openMode | QIODevice::Unbuffered);
    state = QAbstractSocket::ConnectedState;   // born connected, as a server's sockets are
}

void MemSocketPrivate::abandon()
{
    if (!listener)
        return;
    listener.reset();
    if (conn)
        conn->abandon();   // the server skips it when it makes room
}

void MemSocketPrivate::detach()
{
    if (!conn)
        return;
    conn->closeEnd(me);
    std::lock_guard lock(connMutex);
    conn.reset();
    ++epoch;
}

void MemSocketPrivate::connectionEnded()
{
    serverName.clear();
    peerId = 0;
}

// The orders are QLocalSocket's: close() announces aboutToClose() first;
// disconnectFromServer() leaves the device open with its unread input still
// readable; abort() skips ClosingState and closes the device last.
void MemSocketPrivate::closeConnection(CloseHow how)
{
    Alive frame(this);
    const quint64 current = epoch;
    const auto gaveUp = [&](QAbstractSocket::SocketState expected) {
        return !still(frame, current) || state != expected;
    };
    switch (state) {
    case QAbstractSocket::ConnectingState:
        abandon();
        detach();
        connectionEnded();
        setState(QAbstractSocket::UnconnectedState);
        break;
    case QAbstractSocket::ConnectedState:
        if (how == CloseHow::Close) {
            q->QIODevice::close();   // aboutToClose()
            if (gaveUp(QAbstractSocket::ConnectedState))
                return;   // a slot closed, reconnected or deleted it
        }
        if (how == CloseHow::Disconnect && conn)
            leftover += conn->takeAll(me);
        detach();
        connectionEnded();
        if (how != CloseHow::Abort) {
            setState(QAbstractSocket::ClosingState);
            if (!frame.alive || state != QAbstractSocket::ClosingState)
                return;   // a slot finished the close, or deleted the socket
        }
        finishClose(frame);
        if (how == CloseHow::Abort && frame.alive && state == QAbstractSocket::UnconnectedState && q->isOpen())
            q->QIODevice::close();
        break;
    case QAbstractSocket::ClosingState:
        // From a slot of stateChanged(ClosingState): finish the close here;
        // the frame that announced ClosingState then has nothing left to do.
        if (how != CloseHow::Disconnect && q->isOpen()) {
            q->QIODevice::close();
            if (!frame.alive)
                return;
        }
        finishClose(frame);
        break;
    default:
        if (how == CloseHow::Disconnect) {
            // After the peer closed: the unread input stays readable.
            if (conn)
                leftover += conn->takeAll(me);
        } else {
            if (q->isOpen()) {
                q->QIODevice::close();
                if (!frame.alive)
                    return;
            }
            leftover.clear();
        }
        detach();
        break;
    }
}

// The end of a connection already left: UnconnectedState,
// readChannelFinished(), disconnected(). A slot may close or abort the socket
// meanwhile (the signals still come, as QLocalSocket's do), but once it has
// deleted the socket or connected it again, nothing more is emitted: the rest
// belongs to the connection that ended.
void MemSocketPrivate::finishClose(const Alive &frame)
{
    const auto ended = [&] { return frame.alive && state == QAbstractSocket::UnconnectedState; };
    setState(QAbstractSocket::UnconnectedState);
    if (!ended())
        return;
    Q_EMIT q->readChannelFinished();
    if (!ended())
        return;
    Q_EMIT q->disconnected();
}

void MemSocketPrivate::peerClosed()
{
    if (state != QAbstractSocket::ConnectedState)
        return;
    Alive frame(this);
    const quint64 current = epoch;
    setErrorAndEmit(Failure::RemoteClosed);
    if (!still(frame, current) || state != QAbstractSocket::ConnectedState)
        return;   // a slot closed, reconnected or deleted the socket
    connectionEnded();
    setState(QAbstractSocket::ClosingState);   // as QLocalSocket passes through it
    if (!frame.alive || state != QAbstractSocket::ClosingState)
        return;
    finishClose(frame);
}

void MemSocketPrivate::setWantsWritten(bool wanted)
{
    std::shared_ptr<Connection> c;
    {
        std::lock_guard lock(connMutex);
        c = conn;
    }
    if (c)
        c->setWantsWritten(me, wanted);
}

void MemSocketPrivate::fail(Failure failure)
{
    Alive frame(this);
    connectionEnded();
    setErrorAndEmit(failure);
    if (frame.alive)
        setState(QAbstractSocket::UnconnectedState);
}

// ---------------------------------------------------------------------------
// Notifications: at most one pending per end; the reasons accumulate.

void MemSocketPrivate::deliverNotification()
{
    if (!conn)
        return;
    const Connection::Pending p = conn->takePending(me);
    handle(p);
}

void MemSocketPrivate::handle(const Connection::Pending &notification)
{
    const unsigned reasons = notification.reasons;
    const qint64 written = notification.written;
    Alive frame(this);
    const quint64 current = epoch;
    if ((reasons & NotifyAccepted) && state == QAbstractSocket::ConnectingState) {
        becomeConnected();
        if (!still(frame, current))
            return;
    }
    if ((reasons & NotifyRefused) && state == QAbstractSocket::ConnectingState) {
        listener.reset();
        detach();
        fail(Failure::Refused);
        return;
    }
    if (reasons & NotifyReconcile)
        reconcile();
    if (written > 0) {
        emitBytesWritten(written);
        if (!still(frame, current))
            return;
    }
    if ((reasons & NotifyData) && conn) {
        // A slot of what was emitted before may have read the bytes: count again.
        const bool emittedBefore = written > 0 || (reasons & NotifyAccepted);
        emitReadyRead(emittedBefore ? -1 : notification.readable);
        if (!still(frame, current))
            return;
    }
    if (reasons & NotifyPeerClosed) {
        peerClosed();
        if (!still(frame, current))
            return;
    }
    if (reasons & NotifyDeadline)
        checkDeadlines();
}

// `readable`: what the connection holds for the application, counted with
// the notice of new bytes (no second lock on the hot path); -1: count now.
void MemSocketPrivate::emitReadyRead(qint64 readable)
{
    if (emittingReadyRead) {
        readyReadAgain = true;   // announced once the outer slot returns
        return;
    }
    if (readBufferSize > 0 && conn)
        conn->refillReadWindow(me);   // like QAbstractSocket's buffer: refilled per readyRead()
    if (readable < 0)
        readable = conn ? conn->available(me) : 0;
    // Nothing to read (a blocking read took it already): no signal.
    if (readable == 0 && q->QIODevice::bytesAvailable() == 0)
        return;
    Alive frame(this);
    emittingReadyRead = true;
    Q_EMIT q->readyRead();
    if (!frame.alive)
        return;
    emittingReadyRead = false;
    if (std::exchange(readyReadAgain, false) && conn)
        conn->raise(me, NotifyData);
}

void MemSocketPrivate::emitBytesWritten(qint64 written)
{
    if (emittingBytesWritten) {
        writtenLater += written;   // reported once the outer slot returns
        return;
    }
    Alive frame(this);
    emittingBytesWritten = true;
    Q_EMIT q->bytesWritten(written);
    if (!frame.alive)
        return;
    emittingBytesWritten = false;
    if (const qint64 later = std::exchange(writtenLater, 0)) {
        emitBytesWritten(later);
    }
}

// Bytes QIODevice pulled into its own buffer (peek(), transactions) count as
// read once the application has taken them from that buffer.
void MemSocketPrivate::reconcile()
{
    if (conn && !q->isTransactionStarted())
        conn->acknowledgeHeld(me, q->QIODevice::bytesAvailable());
}

// ---------------------------------------------------------------------------
// Data

bool MemSocketPrivate::canWrite()
{
    if (state != QAbstractSocket::ConnectedState || !conn) {
        setError(conn ? Failure::WriteAfterPeerClosed : Failure::WriteNotConnected);
        return false;
    }
    if (!(q->openMode() & QIODevice::WriteOnly)) {
        setError(Failure::WriteNotWritable);
        return false;
    }
    if (expired(Deadlines::Kind::Write)) {
        setError(Failure::WriteDeadline);
        return false;
    }
    return true;
}

qint64 MemSocketPrivate::written(qint64 result)
{
    if (result < 0)
        setError(Failure::WriteAfterPeerClosed);
    return result;
}

bool MemSocketPrivate::canRead()
{
    if (!q->isOpen()) {
        setError(Failure::ReadNotConnected);
        return false;
    }
    if (!(q->openMode() & QIODevice::ReadOnly)) {
        setError(Failure::ReadNotReadable);
        return false;
    }
    // Checked here too: QIODevice serves bytes it holds (after peek()) without
    // asking readData().
    if (readDeadlinePassed()) {
        setError(Failure::ReadDeadline);
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
    if (!conn) {
        if (maxSize <= 0)
            return 0;
        if (leftover.isEmpty())
            return -1;
        qint64 n = qMin<qint64>(maxSize, leftover.size());
        if (line) {
            const qsizetype newline = leftover.indexOf('\n');
            if (newline >= 0 && newline < n)
                n = newline + 1;
        }
        std::memcpy(data, leftover.constData(), size_t(n));
        leftover.remove(0, qsizetype(n));
        return n;
    }
    if (maxSize > 0 && readDeadlinePassed()) {
        setError(Failure::ReadDeadline);
        return -1;
    }
    return conn->read(me, data, maxSize, line, direct);
}

// ---------------------------------------------------------------------------
// Blocking waits: they block the calling thread and never run its event loop.

bool MemSocketPrivate::waitFor(WaitFor what, QDeadlineTimer timeout)
{
    if (what == WaitFor::Connected) {
        if (state == QAbstractSocket::ConnectedState)
            return true;
        if (state != QAbstractSocket::ConnectingState || !conn)
            return false;
    } else {
        if (state == QAbstractSocket::ConnectingState && !waitFor(WaitFor::Connected, timeout))
            return false;
        if (!conn)
            return false;
        reconcile();   // a thread with no event loop settles what it read through a transaction
    }
    std::shared_ptr<Connection> c = conn;
    const Connection::WaitOutcome outcome = c->wait(me, what, timeout, deadlines());
    switch (outcome.result) {
    case WaitResult::Ready:
        switch (what) {
        case WaitFor::Connected: {
            Alive frame(this);
            becomeConnected();
            return frame.alive && state == QAbstractSocket::ConnectedState;
        }
        case WaitFor::NewData:
            emitReadyRead(outcome.readable);
            return true;
        case WaitFor::BytesWritten:
            emitBytesWritten(outcome.written);
            return true;
        case WaitFor::PeerClosed:
            peerClosed();
            return true;
        }
        return true;
    case WaitResult::PeerClosed:
        if (what == WaitFor::NewData)
            peerClosed();
        return false;
    case WaitResult::Refused:
        handle({NotifyRefused});
        return false;
    case WaitResult::Nothing:
        return false;
    case WaitResult::TimedOut:
    case WaitResult::Deadline:
    case WaitResult::SameThread:
        break;
    }
    const Failure failure = outcome.result == WaitResult::SameThread ? Failure::SameThreadPeer
        : what == WaitFor::Connected                                 ? Failure::ConnectTimedOut
        : outcome.result == WaitResult::TimedOut                      ? Failure::TimedOut
        : what == WaitFor::BytesWritten                               ? Failure::WriteDeadline
                                                                      : Failure::ReadDeadline;
    if (what == WaitFor::Connected) {   // a wait for a connection that ends abandons it
        abandon();
        detach();
        fail(failure);
    } else if (outcome.result == WaitResult::Deadline) {
        setError(failure);   // the deadline's own signal comes once per setter call
    } else {
        setErrorAndEmit(failure);   // as QAbstractSocket's waits do at their timeout
    }
    return false;
}

// ---------------------------------------------------------------------------
// Deadlines

void MemSocketPrivate::setDeadlines(unsigned kinds, QDeadlineTimer when)
{
    Deadlines *dl = deadlineState.load(std::memory_order_acquire);
    if (!dl) {
        auto made = std::make_unique<Deadlines>();
        if (deadlineState.compare_exchange_strong(dl, made.get(), std::memory_order_acq_rel))
            dl = made.release();   // else another thread's setter made it: use that one
    }
    dl->set(kinds, when);
    std::shared_ptr<Connection> c;
    {
        std::lock_guard lock(connMutex);
        c = conn;
    }
    // Wake a blocking wait so that it re-reads its deadline, and let the
    // socket's thread arm its timer.
    if (c)
        c->raise(me, NotifyDeadline);
}

void MemSocketPrivate::checkDeadlines()
{
    if (timerId) {
        q->killTimer(timerId);
        timerId = 0;
    }
    if (state != QAbstractSocket::ConnectedState)
        return;
    Deadlines *dl = deadlineState.load(std::memory_order_acquire);
    if (!dl)
        return;
    qint64 nextMs = -1;
    const int fired = dl->takeFired(&nextMs);
    // A thread with no event dispatcher (a std::thread) cannot run a timer:
    // blocking waits and reads still see the deadline.
    if (nextMs >= 0 && QAbstractEventDispatcher::instance(q->thread())) {
        // Qt's timers take an int of milliseconds: a far deadline re-arms.
        constexpr qint64 kLongest = 24 * 60 * 60 * 1000;
        timerId = q->startTimer(std::chrono::milliseconds(qMin(nextMs, kLongest)), Qt::PreciseTimer);
    }
    Alive frame(this);
    const quint64 current = epoch;
    for (int i = 0; i < fired && still(frame, current) && state == QAbstractSocket::ConnectedState; ++i)
        setErrorAndEmit(Failure::DeadlinePassed);
}

// ---------------------------------------------------------------------------
// Signals, errors and names

void MemSocketPrivate::setState(QAbstractSocket::SocketState s)
{
    if (state == s)
        return;
    state = s;
    Q_EMIT q->stateChanged(s);
}

void MemSocketPrivate::setError(Failure failure)
{
    error = MemConnPrivate::code(failure);
    (q->*Access::errorStringSetter())(describe(failure, address()));
}

void MemSocketPrivate::setErrorAndEmit(Failure failure)
{
    setError(failure);
    Q_EMIT q->errorOccurred(error);
}

QString MemSocketPrivate::address() const
{
    if (pair)
        return endName(localId, false);
    // The name being connected to, or that of the last connection.
    return serverName.isEmpty() ? addr.describe() : Address::parse(serverName).describe();
}

QString MemSocketPrivate::endName(quint64 id, bool buffered) const
{
    if (!id)
        return QString();
    return Address::format(buffered, pair ? QStringLiteral("pipe") : addr.name) + QLatin1Char('#')
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
    // Frames still emitting further up this thread's stack must not touch us.
    for (MemSocketPrivate::Alive *f = d->aliveFrames; f; f = f->prev)
        f->alive = false;
    d->aliveFrames = nullptr;
    if (d->pendingIn)
        d->pendingIn->forget(this);
    // As QLocalSocket's and QAbstractSocket's destructors do: an open socket
    // closes with aboutToClose(), stateChanged() and disconnected(), so code
    // that keeps a pointer to the device (Qt Remote Objects does) hears that
    // it is going. The peer is told through its own event loop, as ever.
    d->closeConnection(MemSocketPrivate::CloseHow::Close);
    // No-ops after closeConnection(), unless a slot reconnected this socket
    // while it closed: nothing may stay attached to a destroyed socket.
    d->abandon();
    d->detach();
}

std::pair<MemSocket *, MemSocket *> MemSocket::createPair(QObject *parent)
{
    auto c = std::make_shared<Connection>(QString(), false);
    c->accept(false);
    auto *a = new MemSocket(parent);
    auto *b = new MemSocket(parent);
    a->d->pair = b->d->pair = true;
    a->d->attach(c, Client);
    b->d->attach(std::move(c), Server);
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
    if (d->pair || d->serverName.isEmpty())
        return QString();
    return Address::parse(d->serverName).full();
}

QString MemSocket::localName() const
{
    return d->endName(d->localId, d->addr.buffered);
}

QString MemSocket::peerName() const
{
    if (d->state != QAbstractSocket::ConnectedState)
        return QString();
    if (d->me == Client && !d->pair)   // as TCP's peer address: the server's
        return Address::format(d->peerBuffered, d->addr.name);
    return d->endName(d->peerId, d->peerBuffered);
}

bool MemSocket::isBuffered() const
{
    if (d->pair)
        return false;
    return d->conn ? d->conn->buffered(d->me) : Address::parse(d->serverName).buffered;
}

void MemSocket::disconnectFromServer()
{
    d->closeConnection(MemSocketPrivate::CloseHow::Disconnect);
}

void MemSocket::abort()
{
    d->closeConnection(MemSocketPrivate::CloseHow::Abort);
}

void MemSocket::close()
{
    d->closeConnection(MemSocketPrivate::CloseHow::Close);
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
    if (d->conn)
        d->conn->setReadLimit(d->me, d->readBufferSize);
}

bool MemSocket::flush()
{
    return false;
}

void MemSocket::setSocketOption(QAbstractSocket::SocketOption option, const QVariant &value)
{
    if (option != QAbstractSocket::SendBufferSizeSocketOption || !isBuffered())
        return;
    d->sendWindow = qMax<qint64>(0, value.toLongLong());
    if (d->conn)
        d->conn->setSendWindow(d->me, d->sendWindow);
}

QVariant MemSocket::socketOption(QAbstractSocket::SocketOption option) const
{
    if (option != QAbstractSocket::SendBufferSizeSocketOption)
        return QVariant();
    if (!isBuffered())
        return qint64(0);
    if (d->conn)
        return d->conn->sendWindow(d->me);
    return d->sendWindow >= 0 ? d->sendWindow : Connection::kDefaultSendWindow;
}

void MemSocket::setDeadline(QDeadlineTimer deadline)
{
    d->setDeadlines(Deadlines::BothKinds, deadline);
}

void MemSocket::setReadDeadline(QDeadlineTimer deadline)
{
    d->setDeadlines(Deadlines::ReadKind, deadline);
}

void MemSocket::setWriteDeadline(QDeadlineTimer deadline)
{
    d->setDeadlines(Deadlines::WriteKind, deadline);
}

QDeadlineTimer MemSocket::readDeadline() const
{
    return d->deadline(Deadlines::Kind::Read);
}

QDeadlineTimer MemSocket::writeDeadline() const
{
    return d->deadline(Deadlines::Kind::Write);
}

bool MemSocket::waitForConnected(int msecs)
{
    return waitForConnected(QDeadlineTimer(msecs));
}

bool MemSocket::waitForConnected(QDeadlineTimer deadline)
{
    return d->waitFor(WaitFor::Connected, deadline);
}

bool MemSocket::waitForDisconnected(int msecs)
{
    return waitForDisconnected(QDeadlineTimer(msecs));
}

bool MemSocket::waitForDisconnected(QDeadlineTimer deadline)
{
    if (d->state == QAbstractSocket::UnconnectedState) {
        qWarning("MemSocket::waitForDisconnected() is not allowed in UnconnectedState");
        return false;
    }
    return d->waitFor(WaitFor::PeerClosed, deadline);
}

bool MemSocket::waitForReadyRead(int msecs)
{
    return waitForReadyRead(QDeadlineTimer(msecs));
}

bool MemSocket::waitForReadyRead(QDeadlineTimer deadline)
{
    return d->waitFor(WaitFor::NewData, deadline);
}

bool MemSocket::waitForBytesWritten(int msecs)
{
    return waitForBytesWritten(QDeadlineTimer(msecs));
}

bool MemSocket::waitForBytesWritten(QDeadlineTimer deadline)
{
    return d->waitFor(WaitFor::BytesWritten, deadline);
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
    if (d->readDeadlinePassed())
        return 0;
    qint64 available = QIODevice::bytesAvailable() + d->leftover.size();
    if (!d->conn)
        return available;
    d->reconcile();
    available += d->conn->available(d->me);
    return d->readBufferSize > 0 ? qMin(available, d->readBufferSize) : available;
}

qint64 MemSocket::bytesToWrite() const
{
    return d->conn ? d->conn->unreadByPeer(d->me) : 0;
}

bool MemSocket::canReadLine() const
{
    if (QIODevice::canReadLine() || d->leftover.contains('\n'))
        return true;
    if (!d->conn || !(openMode() & ReadOnly) || d->readDeadlinePassed())
        return false;
    return d->conn->hasLine(d->me);
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
    if (d->conn && d->readBufferSize == 0 && !isTransactionStarted() && QIODevice::bytesAvailable() == 0
        && !(openMode() & Text))
        return d->conn->takeAll(d->me);
    return QIODevice::readAll();
}

qint64 MemSocket::write(const char *data, qint64 size)
{
    if (size < 0 || (!data && size > 0)) {
        d->setError(size < 0 ? Failure::WriteNegativeSize : Failure::WriteNullData);
        return -1;
    }
    if (!d->canWrite())
        return -1;
    return d->written(d->conn->write(d->me, data, size));
}

qint64 MemSocket::write(const char *data)
{
    return write(data, data ? qint64(qstrlen(data)) : 0);
}

qint64 MemSocket::write(const QByteArray &data)
{
    if (!d->canWrite())
        return -1;
    // Share the caller's array; copy only raw or static data the caller may
    // free (an array with no header; checked with Qt 6.4).
    return d->written(d->conn->write(d->me, const_cast<QByteArray &>(data).data_ptr().d_ptr()
                                                ? QByteArray(data)
                                                : QByteArray(data.constData(), data.size())));
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
    if (!data && size > 0) {
        d->setError(Failure::WriteNullData);
        return -1;
    }
    if (!d->canWrite())
        return -1;
    return d->written(d->conn->write(d->me, data, size));
}

bool MemSocket::event(QEvent *event)
{
    if (MemConnPrivate::isNotification(event)) {
        MemConnPrivate::DeliveryScope scope;
        d->deliverNotification();
        return true;
    }
    if (event->type() == QEvent::ThreadChange && d->timerId) {
        // Qt would carry an active timer over and re-register it later, even
        // if we kill it in the new thread first; it would then outlive this
        // object. So the deadline timer stops here and is re-armed there.
        killTimer(d->timerId);
        d->timerId = 0;
        if (d->conn)
            d->conn->raise(d->me, NotifyDeadline);
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
    if (signal == QMetaMethod::fromSignal(&QIODevice::bytesWritten) && d->writtenReceivers.fetch_add(1) == 0)
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
