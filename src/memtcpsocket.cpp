// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// MemTcpSocket: a QTcpSocket with no socket engine whose connection is a
// MemSocket (a child). QAbstractSocket's non-virtual members read plain
// fields (state, error, addresses, ports), which this class keeps right with
// QAbstractSocket's protected setters; every member that would touch the
// missing engine is overridden. Facts: Qt 6.4.2 qabstractsocket.cpp, and
// QSslSocket, which lives in the same engine-less state.
#include "memtcpsocket.h"

#include "memconnection_p.h"
#include "memregistry_p.h"
#include "memsocket.h"
#include "memsocket_p.h"
#include "memtcpsocket_p.h"

#include <QtCore/qdeadlinetimer.h>
#include <QtCore/qhash.h>
#include <QtCore/qpointer.h>

#include <utility>

using namespace MemConnPrivate;

namespace {
// QAbstractSocket's protected setters, reached from the private class.
struct Access : MemTcpSocket
{
    static void setState(QAbstractSocket *s, SocketState v) { (s->*(&Access::setSocketState))(v); }
    static void setError(QAbstractSocket *s, SocketError e, const QString &text)
    {
        (s->*(&Access::setSocketError))(e);
        (s->*(&Access::setErrorString))(text);
    }
    static void setLocal(QAbstractSocket *s, const QHostAddress &a, quint16 port)
    {
        (s->*(&Access::setLocalAddress))(a);
        (s->*(&Access::setLocalPort))(port);
    }
    static void setPeer(QAbstractSocket *s, const QHostAddress &a, quint16 port, const QString &name)
    {
        (s->*(&Access::setPeerAddress))(a);
        (s->*(&Access::setPeerPort))(port);
        (s->*(&Access::setPeerName))(name);
    }
    static auto dPointer() { return &Access::d; }
};
} // namespace

class MemTcpSocketPrivate
{
public:
    explicit MemTcpSocketPrivate(MemTcpSocket *q) : q(q) {}

    using S = QAbstractSocket;

    void setState(S::SocketState s) { Access::setState(q, s); }
    void setError(S::SocketError e, const QString &text) { Access::setError(q, e, text); }
    QString where() const { return tcpName(hostName, port); }

    void startConnecting(quint64 forAttempt);
    void attachInner(MemSocket *socket);
    void dropInner();
    void announce(quint64 forAttempt);
    void refuse(quint64 forAttempt, MemConnPrivate::Failure failure);
    bool handOff();
    void postHandOff();
    bool syncWritten();
    void pull();
    qint64 held() const { return incoming.size() - incomingAt; }
    qint64 fromConnection() const;
    qint64 readable() const;
    qint64 take(char *data, qint64 maxSize, bool line);   // from `incoming`
    bool emitReadyRead();
    void innerDisconnected();
    void finish(bool abort);
    bool waitConnected(QDeadlineTimer deadline);
    void timedOut(const char *what);

    MemTcpSocket *q;
    QPointer<MemSocket> inner;    // a child; kept after a close for unread input
    QByteArray outgoing;          // written while connecting, handed over once connected
    QByteArray incoming;          // taken from the connection; read from incomingAt on
    qsizetype incomingAt = 0;
    qint64 handed = 0;            // bytes handed to `inner` on this connection
    qint64 unsettled = 0;         // of those, handed since the last event-loop turn
    qint64 reported = 0;          // of those, reported in bytesWritten()
    MemConnPrivate::Failure refusal = MemConnPrivate::Failure::NoListener;   // why this attempt would be refused
    quint64 attempt = 0;          // connectToHost() calls; stale queued work checks it
    bool buffered = true;
    bool announced = false;       // connected() emitted (or born connected)
    bool pendingClose = false;    // disconnectFromHost() while connecting
    bool handOffPosted = false;
    bool emittingReadyRead = false;
    bool emittingBytesWritten = false;
    quint64 readyReads = 0;       // readyRead() emissions, for waitForReadyRead()
    QString hostName;
    quint16 port = 0;
    QAbstractSocket::NetworkLayerProtocol protocol = QAbstractSocket::AnyIPProtocol;
    QHostAddress chosen;          // the address the connection was made to
    qint64 readBufferSize = 0;
    QHash<int, QVariant> options;
};

MemTcpSocketPrivate *tcpSocketPrivate(MemTcpSocket *socket)
{
    return (socket->*Access::dPointer()).get();
}

// ---------------------------------------------------------------------------
// Connecting

void MemTcpSocketPrivate::startConnecting(quint64 forAttempt)
{
    if (forAttempt != attempt || q->state() != S::HostLookupState)
        return;
    const QList<TcpCandidate> candidates = tcpCandidates(hostName, port, protocol);
    refusal = MemConnPrivate::Failure::NoListener;
    QPointer<MemTcpSocket> guard(q);
    if (candidates.isEmpty()) {
        setState(S::UnconnectedState);
        setError(S::HostNotFoundError, where() + QStringLiteral(": host not found"));
        Q_EMIT q->stateChanged(S::UnconnectedState);
        if (guard)
            Q_EMIT q->errorOccurred(S::HostNotFoundError);
        return;
    }
    setState(S::ConnectingState);
    Q_EMIT q->stateChanged(S::ConnectingState);
    if (!guard || forAttempt != attempt)
        return;
    Q_EMIT q->hostFound();
    if (!guard || forAttempt != attempt || q->state() != S::ConnectingState)
        return;
    for (const TcpCandidate &c : candidates) {
        if (!Registry::find(c.name))
            continue;
        auto *socket = new MemSocket(q);
        MemSocketPrivate::get(socket)->dialTag = c.address.protocol() == S::IPv6Protocol ? TagIPv6 : TagIPv4;
        socket->setReadBufferSize(readBufferSize);
        if (buffered && options.contains(S::SendBufferSizeSocketOption))
            socket->setSocketOption(S::SendBufferSizeSocketOption, options.value(S::SendBufferSizeSocketOption));
        socket->connectToServer(Address::format(buffered, c.name));
        if (socket->state() == S::UnconnectedState) {   // closed since the look-up, or refused by conditions
            refusal = MemSocketPrivate::get(socket)->lastFailure;
            delete socket;
            continue;
        }
        chosen = c.address;
        attachInner(socket);
        if (socket->state() == S::ConnectedState) {
            // QTcpSocket learns of the connection from its socket notifier:
            // connected() comes through the event loop.
            QMetaObject::invokeMethod(q, [this, forAttempt] { announce(forAttempt); }, Qt::QueuedConnection);
        }
        return;   // else in the server's backlog: `connected` comes from the inner socket
    }
    // QTcpSocket learns of a refusal through the event loop, too.
    QMetaObject::invokeMethod(q, [this, forAttempt] { refuse(forAttempt, refusal); }, Qt::QueuedConnection);
}

void MemTcpSocketPrivate::attachInner(MemSocket *socket)
{
    inner = socket;
    handed = reported = 0;
    auto *q = this->q;
    QObject::connect(socket, &QIODevice::readyRead, q, [this] {
        if (!announced)
            return;
        if ((this->q->openMode() & QIODevice::ReadOnly) == 0) {
            this->inner->skip(this->inner->bytesAvailable());   // discarded, as QAbstractSocket does
            return;
        }
        pull();
        emitReadyRead();
    });
    QObject::connect(socket, &QIODevice::bytesWritten, q, [this] { syncWritten(); });
    QObject::connect(socket, &MemSocket::connected, q, [this] {
        const quint64 a = attempt;
        QMetaObject::invokeMethod(this->q, [this, a] { announce(a); }, Qt::QueuedConnection);
    });
    QObject::connect(socket, &MemSocket::disconnected, q, [this] { innerDisconnected(); });
    // Refused from the backlog (the server closed before taking us): the
    // inner socket reports the error, then becomes unconnected.
    QObject::connect(socket, &MemSocket::stateChanged, q, [this](S::SocketState state) {
        if (state == S::UnconnectedState && !announced && inner && this->q->state() == S::ConnectingState
            && inner->error() == S::ConnectionRefusedError)
            refuse(attempt, MemSocketPrivate::get(inner)->lastFailure);
    });
}

void MemTcpSocketPrivate::dropInner()
{
    if (!inner)
        return;
    MemSocket *old = inner.data();
    inner = nullptr;
    QObject::disconnect(old, nullptr, q, nullptr);
    old->abort();
    old->deleteLater();   // it may be emitting the signal we are in
}

void MemTcpSocketPrivate::announce(quint64 forAttempt)
{
    if (forAttempt != attempt || announced || !inner || q->state() != S::ConnectingState)
        return;
    announced = true;
    const quint64 clientEnd = MemSocketPrivate::get(inner)->localId;
    Access::setLocal(q, chosen, ephemeralPort(clientEnd));
    Access::setPeer(q, chosen, port, hostName);
    QPointer<MemTcpSocket> guard(q);
    setState(S::ConnectedState);
    Q_EMIT q->stateChanged(S::ConnectedState);
    if (!guard || forAttempt != attempt || q->state() != S::ConnectedState)
        return;
    Q_EMIT q->connected();
    if (!guard || forAttempt != attempt || q->state() != S::ConnectedState)
        return;
    if (!outgoing.isEmpty())
        postHandOff();
    if (std::exchange(pendingClose, false)) {
        q->disconnectFromHost();
        return;
    }
    pull();
    if (readable() > 0 && !emitReadyRead())
        return;
    if (guard && forAttempt == attempt && inner && inner->state() == S::UnconnectedState)
        innerDisconnected();   // the peer left before we were told we connected
}

void MemTcpSocketPrivate::refuse(quint64 forAttempt, MemConnPrivate::Failure failure)
{
    if (forAttempt != attempt || announced || q->state() == S::UnconnectedState)
        return;
    ++attempt;
    dropInner();
    outgoing.clear();
    QPointer<MemTcpSocket> guard(q);
    setState(S::UnconnectedState);
    const S::SocketError error = MemConnPrivate::code(failure);
    setError(error, MemConnPrivate::describe(failure, where()));
    Q_EMIT q->stateChanged(S::UnconnectedState);
    if (guard)
        Q_EMIT q->errorOccurred(error);
}

bool MemTcpSocketPrivate::waitConnected(QDeadlineTimer deadline)
{
    if (q->state() == S::HostLookupState)
        startConnecting(attempt);
    if (q->state() != S::ConnectingState)
        return q->state() == S::ConnectedState;
    if (!inner) {   // refused: the queued refusal is reported now
        refuse(attempt, refusal);
        return false;
    }
    if (inner->state() != S::ConnectedState) {
        const quint64 a = attempt;
        QPointer<MemTcpSocket> guard(q);
        const bool ok = inner->waitForConnected(QDeadlineTimer(deadline).remainingTime());
        if (!guard || a != attempt)
            return false;
        if (!ok) {
            if (inner && inner->state() == S::UnconnectedState)
                refuse(a, MemSocketPrivate::get(inner)->lastFailure);
            else
                timedOut("waitForConnected");
            return false;
        }
    }
    announce(attempt);
    return q->state() == S::ConnectedState;
}

void MemTcpSocketPrivate::timedOut(const char *what)
{
    setError(S::SocketTimeoutError, where() + QStringLiteral(": %1() timed out").arg(QLatin1StringView(what)));
    Q_EMIT q->errorOccurred(S::SocketTimeoutError);
}

// ---------------------------------------------------------------------------
// Data

bool MemTcpSocketPrivate::emitReadyRead()
{
    QPointer<MemTcpSocket> guard(q);
    if (!emittingReadyRead) {
        emittingReadyRead = true;
        ++readyReads;
        Q_EMIT q->readyRead();
        if (!guard)
            return false;
        emittingReadyRead = false;
    }
    Q_EMIT q->channelReadyRead(0);
    return bool(guard);
}

// Reports what the connection now counts as written: bytes within memb's send
// window at once, the rest (and every memu byte) as the peer reads them.
bool MemTcpSocketPrivate::syncWritten()
{
    if (!inner || !announced)
        return true;
    // Bytes handed since the last turn count as written on the next one, as
    // QAbstractSocket writes its buffer to the kernel from the event loop.
    const qint64 written = handed - qMax(unsettled, inner->bytesToWrite());
    if (written <= reported)
        return true;
    const qint64 delta = written - reported;
    reported = written;
    QPointer<MemTcpSocket> guard(q);
    if (!emittingBytesWritten) {
        emittingBytesWritten = true;
        Q_EMIT q->bytesWritten(delta);
        if (!guard)
            return false;
        emittingBytesWritten = false;
    }
    Q_EMIT q->channelBytesWritten(0, delta);
    return bool(guard);
}

void MemTcpSocketPrivate::postHandOff()
{
    if (handOffPosted)
        return;
    handOffPosted = true;
    QMetaObject::invokeMethod(
        q,
        [this] {
            handOffPosted = false;
            handOff();
        },
        Qt::QueuedConnection);
}

// QAbstractSocketPrivate::writeToSocket() on the event loop's turn: what
// was written while connecting goes to the connection, what was written
// since the last turn counts as written, bytesWritten() follows, and a
// pending close completes. True when there was anything to settle.
bool MemTcpSocketPrivate::handOff()
{
    const S::SocketState s = q->state();
    if (!inner || !announced || (s != S::ConnectedState && s != S::ClosingState))
        return false;
    if (!outgoing.isEmpty()) {
        const QByteArray bytes = std::exchange(outgoing, QByteArray());
        handed += bytes.size();
        unsettled += bytes.size();
        inner->write(bytes);   // never refused for size; a gone peer drops them, as a reset TCP peer does
    }
    if (std::exchange(unsettled, 0) == 0)
        return false;
    if (!syncWritten())
        return true;
    if (q->state() == S::ClosingState && outgoing.isEmpty() && unsettled == 0)
        finish(false);
    return true;
}

// QAbstractSocket reads what the kernel has into its read buffer before it
// emits readyRead() (up to readBufferSize()): so do we, and the bytes count
// as read for the writer (memu), as a kernel's socket counts them.
void MemTcpSocketPrivate::pull()
{
    const qint64 room = fromConnection();   // 0 when closed or write-only
    if (room <= 0)
        return;
    if (incomingAt == incoming.size()) {
        incoming = inner->read(room);   // no copy
        incomingAt = 0;
    } else {
        incoming += inner->read(room);
    }
}

// What may still come from the connection: readBufferSize() bounds the
// read buffer, QIODevice's and ours together.
qint64 MemTcpSocketPrivate::fromConnection() const
{
    if (!inner || (q->openMode() & QIODevice::ReadOnly) == 0)
        return 0;   // closed or write-only: nothing to read, as QAbstractSocket
    const qint64 available = inner->bytesAvailable();
    if (readBufferSize <= 0)
        return available;
    return qBound<qint64>(0, readBufferSize - q->QIODevice::bytesAvailable() - held(), available);
}

qint64 MemTcpSocketPrivate::readable() const
{
    return held() + fromConnection();   // close() and connectToHost() empty `incoming`
}

qint64 MemTcpSocketPrivate::take(char *data, qint64 maxSize, bool line)
{
    qint64 n = qMin<qint64>(maxSize, held());
    if (line) {
        const qsizetype newline = incoming.indexOf('\n', incomingAt);
        if (newline >= 0)
            n = qMin<qint64>(n, newline + 1 - incomingAt);
    }
    if (data)
        memcpy(data, incoming.constData() + incomingAt, size_t(n));
    incomingAt += n;
    if (incomingAt == incoming.size()) {
        incoming.clear();
        incomingAt = 0;
    }
    return n;
}

// The peer closed (or a network condition reset the connection).
void MemTcpSocketPrivate::innerDisconnected()
{
    if (!announced) {
        // Not connected yet as far as the application knows: announce() sees it.
        return;
    }
    const S::SocketState s = q->state();
    if (s != S::ConnectedState && s != S::ClosingState)
        return;
    QPointer<MemTcpSocket> guard(q);
    const quint64 a = attempt;
    const S::SocketError e = inner && inner->error() != S::UnknownSocketError ? inner->error()
                                                                             : S::RemoteHostClosedError;
    setError(e, e == S::RemoteHostClosedError ? QStringLiteral("The remote host closed the connection")
                                              : inner->errorString());
    Q_EMIT q->errorOccurred(e);
    if (!guard || a != attempt)
        return;
    // QAbstractSocket then runs disconnectFromHost() with no engine left.
    outgoing.clear();
    if (q->state() == S::ConnectedState) {
        setState(S::ClosingState);
        Q_EMIT q->stateChanged(S::ClosingState);
        if (!guard || a != attempt || q->state() != S::ClosingState)
            return;
    }
    finish(false);
}

// The last part of QAbstractSocket::disconnectFromHost(): Unconnected,
// readChannelFinished(), disconnected() if it was connected, names cleared.
void MemTcpSocketPrivate::finish(bool abort)
{
    const S::SocketState previous = q->state();
    ++attempt;
    pendingClose = false;
    outgoing.clear();
    handed = reported = unsettled = 0;   // nothing is left to write (bytesToWrite() 0)
    if (inner) {
        QObject::disconnect(inner, nullptr, q, nullptr);
        if (abort || !announced)
            inner->abort();
        else
            inner->disconnectFromServer();   // the peer keeps every byte; unread input stays here
    }
    QPointer<MemTcpSocket> guard(q);
    setState(S::UnconnectedState);
    Q_EMIT q->stateChanged(S::UnconnectedState);
    if (!guard)
        return;
    Q_EMIT q->readChannelFinished();
    if (!guard)
        return;
    if (previous == S::ConnectedState || previous == S::ClosingState) {
        Q_EMIT q->disconnected();
        if (!guard)
            return;
    }
    if (q->state() == S::UnconnectedState) {
        Access::setLocal(q, QHostAddress(), 0);
        Access::setPeer(q, QHostAddress(), 0, QString());
    }
}

// ---------------------------------------------------------------------------
// Server side

MemTcpSocket *MemConnPrivate::adoptAccepted(MemSocket *accepted, const QHostAddress &serverAddress,
                                            quint16 serverPort, QObject *parent)
{
    auto *socket = new MemTcpSocket(parent);
    MemTcpSocketPrivate *d = tcpSocketPrivate(socket);
    MemSocketPrivate *sd = MemSocketPrivate::get(accepted);
    accepted->setParent(socket);
    d->buffered = accepted->isBuffered();
    d->announced = true;
    d->attachInner(accepted);
    // The address the client connected to is both ends' address on loopback.
    QHostAddress address = serverAddress;
    if (address.isNull() || address == QHostAddress(QHostAddress::AnyIPv4)
        || address == QHostAddress(QHostAddress::AnyIPv6) || address.protocol() == QAbstractSocket::AnyIPProtocol) {
        const int tag = sd->conn ? sd->conn->clientTag : TagIPv4;
        address = QHostAddress(tag == TagIPv6 ? QHostAddress::LocalHostIPv6 : QHostAddress::LocalHost);
    }
    d->chosen = address;
    socket->QIODevice::open(QIODevice::ReadWrite);
    Access::setState(socket, QAbstractSocket::ConnectedState);
    Access::setLocal(socket, address, serverPort);
    Access::setPeer(socket, address, ephemeralPort(sd->peerId), QString());
    return socket;
}

MemSocket *MemConnPrivate::innerSocket(MemTcpSocket *socket)
{
    return tcpSocketPrivate(socket)->inner;
}

// ---------------------------------------------------------------------------
// MemTcpSocket

MemTcpSocket::MemTcpSocket(QObject *parent)
    : QTcpSocket(parent), d(std::make_unique<MemTcpSocketPrivate>(this))
{
}

MemTcpSocket::~MemTcpSocket()
{
    if (state() != UnconnectedState)
        abort();
    if (d->inner) {
        QObject::disconnect(d->inner, nullptr, this, nullptr);
        delete d->inner.data();
    }
}

void MemTcpSocket::setBuffered(bool buffered)
{
    d->buffered = buffered;
}

bool MemTcpSocket::isBuffered() const
{
    return d->buffered;
}

void MemTcpSocket::connectToHost(const QString &hostName, quint16 port, OpenMode mode,
                                 NetworkLayerProtocol protocol)
{
    const SocketState s = state();
    if (s == ConnectedState || s == ConnectingState || s == ClosingState || s == HostLookupState) {
        qWarning("QAbstractSocket::connectToHost() called when already looking up or connecting/connected to \"%s\"",
                 qPrintable(hostName));
        d->setError(OperationError, QStringLiteral("Trying to connect while connection is in progress"));
        Q_EMIT errorOccurred(OperationError);
        return;
    }
    const quint64 a = ++d->attempt;
    if (d->inner) {
        QObject::disconnect(d->inner, nullptr, this, nullptr);
        delete d->inner.data();
        d->inner = nullptr;
    }
    d->hostName = hostName;
    d->port = port;
    d->protocol = protocol;
    d->announced = false;
    d->pendingClose = false;
    d->outgoing.clear();
    d->incoming.clear();
    d->incomingAt = 0;
    Access::setLocal(this, QHostAddress(), 0);
    Access::setPeer(this, QHostAddress(), 0, hostName);
    d->setError(UnknownSocketError, QString());
    QIODevice::open(mode & ~Unbuffered);   // buffered, as QTcpSocket opens
    d->setState(HostLookupState);
    QPointer<MemTcpSocket> guard(this);
    Q_EMIT stateChanged(HostLookupState);
    if (!guard || a != d->attempt)
        return;
    if (QHostAddress().setAddress(hostName)) {
        d->startConnecting(a);   // an address needs no look-up
    } else {
        // A name: QHostInfo answers through the event loop.
        QMetaObject::invokeMethod(this, [this, a] { d->startConnecting(a); }, Qt::QueuedConnection);
    }
}

void MemTcpSocket::disconnectFromHost()
{
    const SocketState s = state();
    if (s == UnconnectedState)
        return;
    if (s == HostLookupState || s == ConnectingState) {
        d->pendingClose = true;   // closes once connected, as QAbstractSocket does
        return;
    }
    if (s != ClosingState) {
        d->setState(ClosingState);
        QPointer<MemTcpSocket> guard(this);
        const quint64 a = d->attempt;
        Q_EMIT stateChanged(ClosingState);
        if (!guard || a != d->attempt || state() != ClosingState)
            return;
    }
    if (!d->outgoing.isEmpty() || d->unsettled > 0) {
        d->postHandOff();   // Closing until the bytes count as written, on the next turn
        return;
    }
    d->finish(false);
}

void MemTcpSocket::close()
{
    // abort() zeroes the write channel count, then calls close(): the one
    // sign of an abort a subclass can see (QAbstractSocket's abortCalled is private).
    const bool aborting = writeChannelCount() == 0 && openMode() != NotOpen;
    QIODevice::close();
    d->incoming.clear();   // close() drops unread input, as QAbstractSocket::close() does
    d->incomingAt = 0;
    if (state() == UnconnectedState)
        return;
    if (aborting)
        d->finish(true);
    else
        disconnectFromHost();
}

bool MemTcpSocket::flush()
{
    return d->handOff();
}

qint64 MemTcpSocket::bytesAvailable() const
{
    return QIODevice::bytesAvailable() + d->readable();
}

qint64 MemTcpSocket::bytesToWrite() const
{
    return d->outgoing.size() + (d->inner && d->announced ? d->handed - d->reported : 0);
}

bool MemTcpSocket::canReadLine() const
{
    return QIODevice::canReadLine() || d->incoming.indexOf('\n', d->incomingAt) >= 0
        || (d->fromConnection() > 0 && d->inner->canReadLine());
}

void MemTcpSocket::setReadBufferSize(qint64 size)
{
    QAbstractSocket::setReadBufferSize(size);   // keeps readBufferSize() (not virtual) right
    d->readBufferSize = size;
    if (d->inner)
        d->inner->setReadBufferSize(size);
}

void MemTcpSocket::setSocketOption(SocketOption option, const QVariant &value)
{
    if (!d->inner || !d->announced || state() != ConnectedState)
        return;
    d->options.insert(option, value);
    if (option == SendBufferSizeSocketOption)
        d->inner->setSocketOption(option, value);
}

QVariant MemTcpSocket::socketOption(SocketOption option)
{
    if (!d->inner || !d->announced || state() != ConnectedState)
        return QVariant();
    if (option == SendBufferSizeSocketOption)
        return d->inner->socketOption(option);
    return d->options.value(option, QVariant(0));
}

qintptr MemTcpSocket::socketDescriptor() const
{
    return -1;
}

bool MemTcpSocket::setSocketDescriptor(qintptr, SocketState, OpenMode)
{
    d->setError(UnsupportedSocketOperationError,
                QStringLiteral("MemTcpSocket: an in-memory socket cannot adopt a descriptor"));
    return false;
}

bool MemTcpSocket::bind(const QHostAddress &address, quint16 port, BindMode)
{
    d->setError(UnsupportedSocketOperationError,
                tcpName(address, port) + QStringLiteral(": an in-memory socket binds nothing"));
    return false;
}

bool MemTcpSocket::waitForConnected(int msecs)
{
    if (state() == ConnectedState)
        return true;
    if (state() == UnconnectedState)
        return false;
    return d->waitConnected(QDeadlineTimer(msecs));
}

bool MemTcpSocket::waitForReadyRead(int msecs)
{
    if (state() == UnconnectedState)
        return false;
    const QDeadlineTimer deadline(msecs);
    if ((state() == HostLookupState || state() == ConnectingState) && !d->waitConnected(deadline))
        return false;
    if (state() != ConnectedState)
        return false;
    QPointer<MemTcpSocket> guard(this);
    d->handOff();
    if (!guard || state() != ConnectedState || !d->inner)
        return false;
    const quint64 before = d->readyReads;
    const bool ok = d->inner->waitForReadyRead(int(deadline.remainingTime()));
    if (!guard)
        return false;
    if (!ok && state() == ConnectedState && d->inner && d->inner->error() == SocketTimeoutError)
        d->timedOut("waitForReadyRead");
    return ok && d->readyReads != before;
}

bool MemTcpSocket::waitForBytesWritten(int msecs)
{
    if (state() == UnconnectedState) {
        qWarning("QAbstractSocket::waitForBytesWritten() is not allowed in UnconnectedState");
        return false;
    }
    if (bytesToWrite() == 0)
        return false;
    const QDeadlineTimer deadline(msecs);
    if ((state() == HostLookupState || state() == ConnectingState) && !d->waitConnected(deadline))
        return false;
    QPointer<MemTcpSocket> guard(this);
    const qint64 before = d->reported;
    d->handOff();
    if (!guard)
        return false;
    while (d->reported == before) {
        if (!d->inner || (state() != ConnectedState && state() != ClosingState))
            return false;
        const bool ok = d->inner->waitForBytesWritten(int(deadline.remainingTime()));
        if (!guard)
            return false;
        d->syncWritten();
        if (!guard)
            return false;
        if (!ok && d->reported == before) {
            if (d->inner && d->inner->error() == SocketTimeoutError)
                d->timedOut("waitForBytesWritten");
            return false;
        }
    }
    return true;
}

bool MemTcpSocket::waitForDisconnected(int msecs)
{
    if (state() == UnconnectedState) {
        qWarning("QAbstractSocket::waitForDisconnected() is not allowed in UnconnectedState");
        return false;
    }
    const QDeadlineTimer deadline(msecs);
    if ((state() == HostLookupState || state() == ConnectingState) && !d->waitConnected(deadline))
        return false;
    QPointer<MemTcpSocket> guard(this);
    d->handOff();   // completes a pending close
    while (guard && state() != UnconnectedState) {
        if (!d->inner)
            return false;
        const bool ok = d->inner->waitForDisconnected(int(deadline.remainingTime()));
        if (!guard)
            return false;
        if (!ok && state() != UnconnectedState) {
            d->timedOut("waitForDisconnected");
            return false;
        }
    }
    return true;
}

qint64 MemTcpSocket::readData(char *data, qint64 maxSize)
{
    if (d->held() > 0)
        return d->take(data, maxSize, false);
    if (d->inner) {
        const qint64 n = d->inner->read(data, qMin(maxSize, d->fromConnection()));
        if (n > 0)
            return n;
    }
    return state() == ConnectedState ? 0 : (maxSize ? -1 : 0);
}

qint64 MemTcpSocket::readLineData(char *data, qint64 maxlen)
{
    if (d->held() > 0)
        return d->take(data, maxlen, true);
    if (d->inner) {
        const QByteArray ahead = d->inner->peek(qMin(maxlen, d->fromConnection()));
        const qsizetype newline = ahead.indexOf('\n');
        const qint64 n = newline < 0 ? ahead.size() : newline + 1;
        if (n > 0)
            return d->inner->read(data, n);
    }
    return state() == ConnectedState ? 0 : -1;
}

qint64 MemTcpSocket::skipData(qint64 maxSize)
{
    if (d->held() > 0)
        return d->take(nullptr, maxSize, false);
    if (d->inner) {
        const qint64 n = d->inner->skip(qMin(maxSize, d->fromConnection()));
        if (n > 0)
            return n;
    }
    return state() == ConnectedState ? 0 : -1;
}

qint64 MemTcpSocket::writeData(const char *data, qint64 size)
{
    if (state() == UnconnectedState) {
        d->setError(UnknownSocketError, QStringLiteral("Socket is not connected"));
        return -1;
    }
    if (!d->inner || !d->announced || (state() != ConnectedState && state() != ClosingState)) {
        d->outgoing.append(data, size);   // connecting: handed over once connected
        return size;
    }
    // Handed to the connection now, so that nothing waits for a turn of an
    // event loop that may never come (a flush() through a base pointer, a
    // thread with no event loop, a delete); it counts as written on the next
    // turn, as QTcpSocket's kernel write does.
    d->inner->write(data, size);
    d->handed += size;
    d->unsettled += size;
    d->postHandOff();
    return size;
}
