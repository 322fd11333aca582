// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// MemTcpServer: a QTcpServer whose listening is a MemServer (a child) on the
// name tcpName(address, port). QTcpServer's non-virtual isListening(),
// close(), pauseAccepting() and resumeAccepting() read its private engine;
// a socketpair descriptor that never becomes readable gives it one (Qt 6.4.2
// qtcpserver.cpp setSocketDescriptor(), QNativeSocketEngine::initialize()).
#include "memtcpserver.h"

#include "memaddress_p.h"
#include "memserver.h"
#include "memserver_p.h"
#include "memsocket.h"
#include "memtcpserver_p.h"
#include "memtcpsocket_p.h"
#include "memtcpsocket.h"

#include <QtCore/qmetaobject.h>
#include <QtCore/qpointer.h>

#include <algorithm>
#include <atomic>

#include <sys/socket.h>
#include <unistd.h>

using namespace MemConnPrivate;

namespace {
struct Access : MemTcpServer
{
    static auto incoming() { return static_cast<void (MemTcpServer::*)(MemTcpSocket *)>(&Access::incomingConnection); }
    static auto dPointer() { return &Access::d; }
};
// QTcpServer's own protected addPendingConnection(), which MemTcpServer hides.
struct BaseAccess : QTcpServer
{
    static auto addPending() { return &BaseAccess::addPendingConnection; }
};
} // namespace

class MemTcpServerPrivate
{
public:
    // The MemServer that holds the name; its connections become MemTcpSockets.
    class Inner : public MemServer
    {
    public:
        Inner(MemTcpServerPrivate *d, QObject *parent) : MemServer(parent), d(d) {}
        using MemServer::addPendingConnection;

    protected:
        void incomingConnection(MemSocket *socket) override { d->accepted(socket); }

    private:
        MemTcpServerPrivate *d;
    };

    // Sits in QTcpServer's private pending list, which QTcpServer::close()
    // deletes: that is how a close through a QTcpServer* reaches us, before
    // it returns.
    class CloseWatch : public QTcpSocket
    {
    public:
        CloseWatch(MemTcpServerPrivate *d, QObject *parent) : QTcpSocket(parent), d(d) {}
        ~CloseWatch() override
        {
            if (d)
                d->baseClosed(this);
        }
        MemTcpServerPrivate *d;
    };

    explicit MemTcpServerPrivate(MemTcpServer *q) : q(q) {}

    void accepted(MemSocket *socket);
    void baseClosed(CloseWatch *watch);
    void closeMemory();
    void engineBack();
    void syncMaxPending()
    {
        if (inner)
            inner->setMaxPendingConnections(q->QTcpServer::maxPendingConnections());
    }
    // The in-memory name for `port` at `host` (a name) or, without one, `address`.
    static QString nameFor(const QString &host, const QHostAddress &address, quint16 port)
    {
        return host.isEmpty() ? tcpName(address, port) : tcpName(host, port);
    }
    // Forgets queued sockets the application deleted before taking them.
    void pruneQueue()
    {
        queue.removeIf([](const QPointer<MemTcpSocket> &s) { return s.isNull(); });
    }
    bool tryListen(const QString &host, const QHostAddress &address, quint16 port);
    bool listen(const QString &host, const QHostAddress &address, quint16 port);

    MemTcpServer *q;
    Inner *inner = nullptr;
    CloseWatch *watch = nullptr;
    QList<QPointer<MemTcpSocket>> queue;
    QHostAddress address;
    quint16 port = 0;
    int keptFd = -1;   // our end of the socketpair; QTcpServer's engine owns the other
    bool buffered = true;
    QAbstractSocket::SocketError error = QAbstractSocket::UnknownSocketError;
    QString errorString;
};

void MemTcpServerPrivate::accepted(MemSocket *socket)
{
    MemTcpSocket *tcp = adoptAccepted(socket, address, port, q);
    (q->*Access::incoming())(tcp);   // virtual: a subclass's override runs
}

void MemTcpServerPrivate::baseClosed(CloseWatch *closed)
{
    if (watch == closed)
        watch = nullptr;
    closeMemory();
}

void MemTcpServerPrivate::closeMemory()
{
    // As QTcpServer::close(): connections not taken are deleted (first, so
    // that each leaves the inner server's pending list itself).
    const QList<QPointer<MemTcpSocket>> notTaken = std::exchange(queue, {});
    for (const QPointer<MemTcpSocket> &s : notTaken)
        delete s.data();
    if (inner) {
        Inner *old = std::exchange(inner, nullptr);
        old->close();   // frees the name; clients in the backlog are refused
        old->deleteLater();
    }
    if (keptFd >= 0)
        ::close(std::exchange(keptFd, -1));
    port = 0;
    address.clear();
}

void MemTcpServerPrivate::engineBack()
{
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        return;   // QTcpServer* callers then see isListening() false; everything else works
    if (!q->QTcpServer::setSocketDescriptor(fds[0])) {
        ::close(fds[0]);
        ::close(fds[1]);
        return;
    }
    keptFd = fds[1];   // kept open, so the engine's end never becomes readable
    watch = new CloseWatch(this, q);
    (q->*BaseAccess::addPending())(watch);
}

bool MemTcpServerPrivate::tryListen(const QString &host, const QHostAddress &at, quint16 atPort)
{
    auto *server = new Inner(this, q);
    server->setMaxPendingConnections(q->QTcpServer::maxPendingConnections());
    if (!server->listen(Address::format(buffered, nameFor(host, at, atPort)))) {
        delete server;
        return false;
    }
    QObject::connect(server, &MemServer::newConnection, q, &QTcpServer::newConnection);
    inner = server;
    address = at;
    port = atPort;
    return true;
}

// ---------------------------------------------------------------------------

MemTcpServer::MemTcpServer(QObject *parent)
    : QTcpServer(parent), d(std::make_unique<MemTcpServerPrivate>(this))
{
}

MemTcpServer::~MemTcpServer()
{
    close();
    if (d->watch)
        d->watch->d = nullptr;
}

bool MemTcpServer::listen(const QHostAddress &address, quint16 port)
{
    return d->listen(QString(), address, port);
}

bool MemTcpServerPrivate::listen(const QString &host, const QHostAddress &at, quint16 atPort)
{
    if (q->isListening()) {
        qWarning("QTcpServer::listen() called when already listening");
        return false;
    }
    const QString shown = nameFor(host, at, atPort);
    if (host.isEmpty() && at.isNull() && at.protocol() != QAbstractSocket::AnyIPProtocol) {
        error = QAbstractSocket::SocketAddressNotAvailableError;
        errorString = shown + QStringLiteral(": no address to listen on");
        return false;
    }
    bool ok = false;
    if (atPort != 0) {
        ok = tryListen(host, at, atPort);
    } else {
        // A free in-memory port: free at this address and at the wildcards,
        // so any client that would reach it reaches this server.
        // The names held now are read once: one taken meanwhile only makes
        // tryListen() fail, and the search goes on.
        static std::atomic<uint> next{0};
        const QStringList held = MemServer::serverNames();
        for (int tries = 0; tries < 16384 && !ok; ++tries) {
            const quint16 candidate = quint16(49152 + (next.fetch_add(1) % 16384));
            const QString names[] = {nameFor(host, at, candidate),
                                     tcpName(QHostAddress(QHostAddress::Any), candidate),
                                     tcpName(QHostAddress(QHostAddress::AnyIPv4), candidate),
                                     tcpName(QHostAddress(QHostAddress::AnyIPv6), candidate),
                                     QStringLiteral("localhost:") + QString::number(candidate)};
            if (std::any_of(std::begin(names), std::end(names), [&](const QString &n) { return held.contains(n); }))
                continue;
            ok = tryListen(host, at, candidate);
        }
    }
    if (!ok) {
        error = QAbstractSocket::AddressInUseError;
        errorString = shown
            + (atPort ? QStringLiteral(": the address is already in use (by an in-memory server)")
                      : QStringLiteral(": no free in-memory port"));
        return false;
    }
    error = QAbstractSocket::UnknownSocketError;
    errorString.clear();
    engineBack();
    return true;
}

void MemConnPrivate::setServerBuffered(MemTcpServer *server, bool buffered)
{
    (server->*Access::dPointer())->buffered = buffered;
}

bool MemConnPrivate::listenOnHost(MemTcpServer *server, const QString &host, quint16 port)
{
    QHostAddress address;
    if (host.isEmpty())
        return server->listen(QHostAddress::Any, port);
    if (address.setAddress(host))
        return server->listen(address, port);
    // A name: held as "name:port"; its sockets' addresses are loopback's.
    const QHostAddress loopback(QHostAddress::LocalHost);
    return (server->*Access::dPointer())->listen(host, loopback, port);
}

void MemTcpServer::close()
{
    QTcpServer::close();   // deletes the watch, which closes the in-memory side
    d->closeMemory();      // when there was no engine (socketpair refused)
}

bool MemTcpServer::isListening() const
{
    return d->inner && d->inner->isListening();
}

quint16 MemTcpServer::serverPort() const
{
    return d->inner ? d->port : 0;
}

QHostAddress MemTcpServer::serverAddress() const
{
    return d->inner ? d->address : QHostAddress();
}

// QTcpServer::waitForNewConnection() is not virtual: called through a base
// pointer it times out on the placeholder engine, and QTcpServer records
// that; it shows here as it would on a QTcpServer.
QAbstractSocket::SocketError MemTcpServer::serverError() const
{
    if (d->error == QAbstractSocket::UnknownSocketError)
        return QTcpServer::serverError();
    return d->error;
}

QString MemTcpServer::errorString() const
{
    if (d->error == QAbstractSocket::UnknownSocketError)
        return QTcpServer::errorString();
    return d->errorString;
}

bool MemTcpServer::waitForNewConnection(int msec, bool *timedOut)
{
    if (timedOut)
        *timedOut = false;
    if (!d->inner)
        return false;
    if (!d->queue.isEmpty())
        return true;
    d->syncMaxPending();
    bool expired = false;
    if (d->inner->waitForNewConnection(msec, &expired))
        return true;
    if (timedOut)
        *timedOut = expired;
    if (expired) {
        // QTcpServer reports its socket engine's timeout as the server's error.
        using MemConnPrivate::Failure;
        d->error = MemConnPrivate::code(Failure::TimedOut);
        d->errorString = MemConnPrivate::describe(Failure::TimedOut, d->inner->serverName());
    }
    return false;
}

void MemTcpServer::pauseAccepting()
{
    if (d->inner)
        d->inner->pauseAccepting();
}

void MemTcpServer::resumeAccepting()
{
    if (d->inner)
        d->inner->resumeAccepting();
}

bool MemTcpServer::hasPendingConnections() const
{
    d->pruneQueue();
    return !d->queue.isEmpty() || (d->inner && d->inner->hasPendingConnections());
}

QTcpSocket *MemTcpServer::nextPendingConnection()
{
    d->pruneQueue();
    if (d->queue.isEmpty() && d->inner) {
        d->syncMaxPending();
        MemServerPrivate::get(d->inner)->materialize();
        d->pruneQueue();
    }
    if (d->queue.isEmpty())
        return nullptr;
    MemTcpSocket *next = d->queue.takeFirst();
    if (d->inner) {
        // Its MemSocket leaves the inner server's backlog count.
        if (MemSocket *inner = innerSocket(next))
            MemServerPrivate::get(d->inner)->take(inner);
    }
    return next;
}

void MemTcpServer::incomingConnection(MemTcpSocket *socket)
{
    addPendingConnection(socket);
}

void MemTcpServer::addPendingConnection(MemTcpSocket *socket)
{
    if (!socket)
        return;
    d->queue.append(socket);
    // Counted in the inner server's backlog, so maxPendingConnections() holds.
    if (d->inner) {
        d->syncMaxPending();
        if (MemSocket *inner = innerSocket(socket))
            d->inner->addPendingConnection(inner);
    }
    // QTcpServer::addPendingConnection() would queue it in the private list;
    // its signal, the one QHttpServer listens to, is emitted the public way.
    QMetaMethod::fromSignal(&QTcpServer::pendingConnectionAvailable).invoke(this, Qt::DirectConnection);
}
