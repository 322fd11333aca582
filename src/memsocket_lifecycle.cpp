// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// MemSocket's lifecycle, the second part of memsocket.cpp: MemSocketPrivate's
// state machine that connects and closes a socket (QLocalSocket's three close
// orders, a peer that closes, a connection that is refused or abandoned), the
// blocking waits and the read and write deadlines. MemSocket's public members
// that call it are in memsocket.cpp, as is the byte path (write, notify,
// readyRead, read, acknowledge, bytesWritten) with memconnection.cpp.
#include "memsocket.h"

#include "memserver_p.h"
#include "memsocket_p.h"

#include <QtCore/qabstracteventdispatcher.h>
#include <QtCore/qthread.h>

#include <chrono>

using namespace MemConnPrivate;
using WaitFor = Connection::WaitFor;
using WaitResult = Connection::WaitResult;

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
    const std::optional<MemConn::Conditions> shaped = conditionsFor(addr.name);
    if (shaped && shaped->refuse) {   // as TCP when nothing listens; the server keeps listening
        fail(Failure::RefusedByConditions);
        return;
    }
    auto c = Connection::create(addr.name, addr.buffered);
    c->clientTag = dialTag;
    if (shaped) {
        c->setConditions(Client, *shaped);
        c->setConditions(Server, *shaped);
    }
    if (conditions)
        c->setConditions(Client, *std::exchange(conditions, nullptr));
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
    if (connectedNow) {
        becomeConnected();
    } else {
        qCDebug(lcSocket).noquote() << q->localName() << "waits in the backlog of" << addr.full();
        listener = std::move(l);
    }
}

void MemSocketPrivate::becomeConnected()
{
    listener.reset();
    q->QIODevice::open(openMode | QIODevice::Unbuffered);
    Alive frame(this);
    const quint64 current = epoch;
    qCDebug(lcSocket).noquote() << q->localName() << "connected to" << Address::format(peerBuffered, addr.name);
    frame.due = StepConnectedSignal;
    setState(QAbstractSocket::ConnectedState);
    if (!still(frame, current) || state != QAbstractSocket::ConnectedState)
        return;
    frame.due = NotifyDeadline;   // the check below, should connected()'s slot move the socket
    Q_EMIT q->connected();
    if (still(frame, current) && deadlines() && deadlines()->anySet())
        checkDeadlines();
}

void MemSocketPrivate::attach(std::shared_ptr<Connection> connection, EndIndex which)
{
    me = which;
    if (conditions)
        connection->setConditions(which, *std::exchange(conditions, nullptr));
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

void MemSocketPrivate::detach(bool abort)
{
    if (!conn)
        return;
    conn->closeEnd(me, abort);
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
    if (lcSocket().isDebugEnabled() && (state == QAbstractSocket::ConnectingState || state == QAbstractSocket::ConnectedState)) {
        static const char *const verbs[] = {"closes", "disconnects", "aborts"};
        const char *const when = state == QAbstractSocket::ConnectingState ? " while connecting" : "";
        qCDebug(lcSocket).noquote().nospace() << logName() << ' ' << verbs[int(how)] << when;
    }
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
        detach(how == CloseHow::Abort);
        connectionEnded();
        if (how != CloseHow::Abort) {
            frame.due = StepUnconnected;
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
void MemSocketPrivate::finishClose(Alive &frame, unsigned from)
{
    const auto ended = [&] { return frame.alive && state == QAbstractSocket::UnconnectedState; };
    if (from & StepUnconnected) {
        frame.due |= StepReadChannelFinished;
        setState(QAbstractSocket::UnconnectedState);
        if (!ended())
            return;
    }
    if (from & (StepUnconnected | StepReadChannelFinished)) {
        frame.due = (frame.due & ~unsigned(StepReadChannelFinished)) | StepDisconnected;
        Q_EMIT q->readChannelFinished();
        if (!ended())
            return;
    }
    frame.due &= ~unsigned(StepDisconnected);
    Q_EMIT q->disconnected();
}

void MemSocketPrivate::peerClosed()
{
    if (state != QAbstractSocket::ConnectedState)
        return;
    Alive frame(this);
    const quint64 current = epoch;
    frame.due = StepClosing;
    setErrorAndEmit(Failure::RemoteClosed);
    if (!still(frame, current) || state != QAbstractSocket::ConnectedState)
        return;   // a slot closed, reconnected, moved or deleted the socket
    connectionEnded();
    frame.due = StepUnconnected;
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
    frame.due = StepFailed;
    setErrorAndEmit(failure);
    if (frame.alive)
        setState(QAbstractSocket::UnconnectedState);
}

// ---------------------------------------------------------------------------
// Blocking waits: they block the calling thread and never run its event loop.

bool MemSocketPrivate::waitFor(WaitFor what, QDeadlineTimer timeout)
{
    if (resume.due)
        resumeAfterMove();   // what a move left to do, for a thread that runs no event loop
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
    }
    std::shared_ptr<Connection> c = conn;
    const Connection::WaitOutcome outcome = c->wait(me, what, timeout, deadlineState);
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

void MemSocketPrivate::setDeadlines(std::initializer_list<Deadlines::Kind> kinds, QDeadlineTimer when)
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
    frame.deadlineSignals = fired;
    while (frame.deadlineSignals > 0 && state == QAbstractSocket::ConnectedState) {
        --frame.deadlineSignals;
        setErrorAndEmit(Failure::DeadlinePassed);
        if (!still(frame, current))
            return;
    }
}

// ---------------------------------------------------------------------------
// Network conditions: input they hold back is released by time, with a timer
// in this socket's thread (no thread per connection, no sleeping).

void MemSocketPrivate::armShaping()
{
    if (shapeTimerId) {
        q->killTimer(shapeTimerId);
        shapeTimerId = 0;
    }
    if (!conn)
        return;
    const qint64 ms = conn->releaseDue(me);
    if (ms >= 0 && QAbstractEventDispatcher::instance(q->thread()))
        shapeTimerId = q->startTimer(std::chrono::milliseconds(ms), Qt::PreciseTimer);
}
