// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// MemSocket: every public member, and the byte path (write, handle a
// notification, readyRead, read, bytesWritten). Every locked operation is in
// memconnection.cpp; the state machine behind connecting, closing, the
// blocking waits and the deadlines (MemSocketPrivate's) is the second part,
// memsocket_lifecycle.cpp.
#include "memsocket.h"

#include "memserver_p.h"
#include "memsocket_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qcoreevent.h>
#include <QtCore/qmetaobject.h>

#include <cstring>

using namespace MemConnPrivate;
using WaitFor = Connection::WaitFor;
using WaitResult = Connection::WaitResult;

namespace {
QEvent::Type resumeEventType()
{
    static const auto type = QEvent::Type(QEvent::registerEventType());
    return type;
}

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
// Notifications: at most one pending per end; the reasons accumulate.

void MemSocketPrivate::deliverNotification()
{
    if (resume.due)
        resumeAfterMove();   // what a move left to do comes first
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
    // Each reason leaves `due` as it is handled: should a slot move the
    // socket, the new thread handles the rest.
    frame.due = reasons & ~unsigned(NotifyAccepted | NotifyRefused | NotifyWritten);
    if ((reasons & NotifyAccepted) && state == QAbstractSocket::ConnectingState) {
        frame.written = written;
        becomeConnected();
        if (!still(frame, current))
            return;
        frame.written = 0;
    }
    if ((reasons & NotifyRefused) && state == QAbstractSocket::ConnectingState) {
        listener.reset();
        detach();
        fail(Failure::Refused);
        return;
    }
    if (reasons & NotifyShaped) {
        frame.due &= ~unsigned(NotifyShaped);
        armShaping();
    }
    if (written > 0) {
        emitBytesWritten(written);
        if (!still(frame, current))
            return;
    }
    if ((reasons & NotifyData) && conn) {
        frame.due &= ~unsigned(NotifyData);
        // A slot of what was emitted before may have read the bytes: count again.
        const bool emittedBefore = written > 0 || (reasons & NotifyAccepted);
        emitReadyRead(emittedBefore ? -1 : notification.readable);
        if (!still(frame, current))
            return;
    }
    if (reasons & NotifyPeerClosed) {
        frame.due &= ~unsigned(NotifyPeerClosed);
        peerClosed();
        if (!still(frame, current))
            return;
    }
    if (reasons & NotifyDeadline) {
        frame.due &= ~unsigned(NotifyDeadline);
        checkDeadlines();
    }
}

// In the old thread, inside moveToThread(): the frames on this thread's stack
// stop touching the socket (their emits have returned into a thread that no
// longer owns it), and what they had still to do goes to the new thread in a
// posted event, which Qt moves with the object.
void MemSocketPrivate::retireFrames()
{
    Resume r{epoch, 0, 0, 0};
    for (Alive *f = aliveFrames; f; f = f->prev) {
        f->alive = false;
        r.due |= f->due;
        r.written += f->written;
        r.deadlineSignals += f->deadlineSignals;
    }
    aliveFrames = nullptr;
    if (std::exchange(readyReadAgain, false))
        r.due |= NotifyData;
    r.written += std::exchange(writtenLater, 0);
    emittingReadyRead = false;   // the slot that was emitting runs on in the old thread
    emittingBytesWritten = false;
    if (r.written > 0)
        r.due |= NotifyWritten;
    if (r.deadlineSignals > 0)
        r.due |= NotifyDeadline;
    if (!r.due)
        return;
    resume = r;
    QCoreApplication::postEvent(q, new QEvent(resumeEventType()));
}

// In the new thread: the retired frames' steps in the order they would have
// run (the innermost sequence, a close or a failure, before the notification
// reasons around it). Nothing if the socket closed or reconnected since.
void MemSocketPrivate::resumeAfterMove()
{
    const Resume r = std::exchange(resume, Resume{});
    if (!r.due || r.epoch != epoch)
        return;
    Alive frame(this);
    const quint64 current = epoch;
    frame.due = r.due;
    const auto take = [&](unsigned step) {
        const bool was = frame.due & step;
        frame.due &= ~step;
        return was;
    };
    if (take(StepFailed) && state != QAbstractSocket::UnconnectedState) {
        setState(QAbstractSocket::UnconnectedState);
        if (!still(frame, current))
            return;
    }
    if (take(StepConnectedSignal) && state == QAbstractSocket::ConnectedState) {
        Q_EMIT q->connected();
        if (!still(frame, current))
            return;
    }
    if (take(StepClosing)) {
        if (state != QAbstractSocket::ConnectedState)
            return;   // a slot closed it meanwhile
        connectionEnded();
        frame.due |= StepUnconnected;
        setState(QAbstractSocket::ClosingState);
        if (!frame.alive || state != QAbstractSocket::ClosingState)
            return;
    }
    const unsigned closeSteps = StepUnconnected | StepReadChannelFinished | StepDisconnected;
    if (const unsigned from = frame.due & closeSteps) {
        frame.due &= ~closeSteps;
        finishClose(frame, from);
        if (!still(frame, current))
            return;
    }
    frame.deadlineSignals = r.deadlineSignals;
    while (frame.deadlineSignals > 0 && state == QAbstractSocket::ConnectedState) {
        --frame.deadlineSignals;
        setErrorAndEmit(Failure::DeadlinePassed);
        if (!still(frame, current))
            return;
    }
    frame.deadlineSignals = 0;
    // NotifyDeadline too: checkDeadlines() arms the timer in this thread.
    const unsigned reasons = std::exchange(frame.due, 0) & ~unsigned(NotifyAccepted | NotifyRefused);
    if (reasons)
        handle({reasons, r.written, -1});
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
    return conn->read(me, data, maxSize, line);
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
    lastFailure = failure;
    (q->*Access::errorStringSetter())(describe(failure, address()));
}

void MemSocketPrivate::setErrorAndEmit(Failure failure)
{
    setError(failure);
    qCDebug(lcSocket).noquote().nospace() << logName() << ": " << error << ": " << q->errorString();
    Q_EMIT q->errorOccurred(error);
}

QString MemSocketPrivate::address() const
{
    if (pair)
        return endName(localId, false);
    // The name being connected to, or that of the last connection.
    return serverName.isEmpty() ? addr.describe() : Address::parse(serverName).describe();
}

QString MemSocketPrivate::logName() const
{
    const QString local = q->localName();
    return local.isEmpty() ? address() : local;
}

QString MemSocketPrivate::endName(quint64 id, bool buffered) const
{
    if (!id)
        return QString();
    return Address::endName(buffered, pair ? QString() : addr.name, id);
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
    auto c = Connection::create(QString(), false);
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
    // Share the caller's array; copy raw or static data the caller may free
    // (an array with no allocation of its own has no capacity).
    return d->written(d->conn->write(d->me, data.capacity() > 0
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
    if (event->type() == resumeEventType()) {
        MemConnPrivate::DeliveryScope scope;
        d->resumeAfterMove();
        return true;
    }
    if (event->type() == QEvent::ThreadChange)
        d->retireFrames();
    if (event->type() == QEvent::ThreadChange && d->shapeTimerId) {
        killTimer(d->shapeTimerId);   // re-armed in the new thread, as the deadline timer is
        d->shapeTimerId = 0;
        if (d->conn)
            d->conn->raise(d->me, NotifyShaped);
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
    if (event->timerId() == d->shapeTimerId) {
        MemConnPrivate::DeliveryScope scope;
        d->armShaping();
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

// ---------------------------------------------------------------------------
// MemSocket: conditions, deadlines and blocking waits (the state machine
// behind them is MemSocketPrivate's, in memsocket_lifecycle.cpp)

void MemSocket::setConditions(const MemConn::Conditions &conditions)
{
    if (d->conn && d->state == QAbstractSocket::ConnectedState)
        d->conn->setConditions(d->me, conditions);
    else
        d->conditions = std::make_unique<MemConn::Conditions>(conditions);
}

// ---------------------------------------------------------------------------
// MemSocket: waits and deadlines

void MemSocket::setDeadline(QDeadlineTimer deadline)
{
    d->setDeadlines({Deadlines::Kind::Read, Deadlines::Kind::Write}, deadline);
}

void MemSocket::setReadDeadline(QDeadlineTimer deadline)
{
    d->setDeadlines({Deadlines::Kind::Read}, deadline);
}

void MemSocket::setWriteDeadline(QDeadlineTimer deadline)
{
    d->setDeadlines({Deadlines::Kind::Write}, deadline);
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
