// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// MemSocket: the public face and the byte path (write, handle a
// notification, readyRead, read, bytesWritten). Every locked operation is in
// memconnection.cpp; connecting, closing, the blocking waits and the
// deadlines are in memsocket_lifecycle.cpp.
#include "memsocket.h"

#include "memserver_p.h"
#include "memsocket_p.h"

#include <QtCore/qcoreevent.h>
#include <QtCore/qmetaobject.h>

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
    if (reasons & NotifyShaped)
        armShaping();
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
