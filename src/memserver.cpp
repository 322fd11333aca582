// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memserver.h"

#include "memserver_p.h"
#include "memsocket_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qpointer.h>
#include <QtCore/qthread.h>

#include <algorithm>

using namespace MemConnPrivate;

namespace {
// MemServer's protected members, reached as MemSocketPrivate::get() explains.
struct Access : MemServer
{
    static auto dPointer() { return &Access::d; }
    static auto incoming() { return &Access::incomingConnection; }
};
} // namespace

MemServerPrivate *MemServerPrivate::get(MemServer *server)
{
    return (server->*Access::dPointer()).get();
}

MemServerPrivate::Pending MemServerPrivate::materialize()
{
    if (!listener)
        return {};
    bool more = false;
    std::shared_ptr<Connection> c = listener->takeArrived(&more);
    if (!c)
        return {};
    auto *socket = new MemSocket(holderForNewSocket());
    MemSocketPrivate *sd = MemSocketPrivate::get(socket);
    sd->serverName = serverName;
    sd->addr = addr;
    sd->attach(c, Server);
    qCDebug(lcServer).noquote() << addr.full() << "accepted" << socket->peerName() << "as" << socket->localName();
    (q->*Access::incoming())(socket);   // virtual: a subclass's override runs
    syncPending();
    return {socket, std::move(c)};
}

void MemServerPrivate::processArrivals()
{
    if (listener)
        listener->clearEventPosted();
    QPointer<MemServer> guard(q);
    while (listener) {
        Pending a = materialize();
        if (!a.socket)
            break;
        delivering = a.socket;
        Q_EMIT q->newConnection();
        if (!guard)
            return;
        delivering = nullptr;
        // Taken inside newConnection() (or by incomingConnection()): tell the
        // socket what arrived with it now, without another event-loop turn.
        // The socket itself is not touched: incomingConnection() may have
        // handed it to another thread, which may have deleted it already; the
        // connection knows under its lock whether it is still there.
        if (std::none_of(pending.cbegin(), pending.cend(), [&](const Pending &p) { return p.socket == a.socket; }))
            Connection::deliverNowOrPost(a.connection, Server);
    }
}

void MemServerPrivate::syncPending()
{
    if (listener)
        listener->setListed(int(pending.size()));
}

void MemServerPrivate::take(MemSocket *socket)
{
    const qsizetype i = std::find_if(pending.cbegin(), pending.cend(),
                                     [socket](const Pending &p) { return p.socket == socket; })
        - pending.cbegin();
    if (i == pending.size())
        return;
    const Pending next = pending.takeAt(i);
    MemSocketPrivate::get(next.socket)->pendingIn = nullptr;
    syncPending();
    // What arrived with it is told through its event loop (or after the
    // current MemConn handler), once the caller has connected its slots.
    if (next.connection && next.socket != delivering)
        next.connection->raise(Server, 0);
}

void MemServerPrivate::forget(MemSocket *socket)
{
    pending.removeIf([socket](const Pending &p) { return p.socket == socket; });
    syncPending();   // its room in the backlog is free again
}

QObject *MemServerPrivate::holderForNewSocket()
{
    if (!holder || holder->isFull()) {
        holder = nullptr;
        holders.removeIf([](const QPointer<SocketHolder> &h) { return h.isNull(); });
        for (const QPointer<SocketHolder> &h : std::as_const(holders)) {
            if (h->hasRoom()) {
                holder = h;
                break;
            }
        }
        if (!holder) {
            holder = new SocketHolder(q);
            holders.append(holder);
        }
    }
    return holder;
}

void MemServerPrivate::setError(Failure failure, const QString &address)
{
    error = MemConnPrivate::code(failure);
    errorString = describe(failure, address);
}

MemServer::MemServer(QObject *parent)
    : QObject(parent), d(std::make_unique<MemServerPrivate>(this))
{
}

MemServer::~MemServer()
{
    close();
}

bool MemServer::listen(const QString &name)
{
    if (d->listener) {
        qWarning("MemServer::listen() called when already listening");
        return false;
    }
    const Address a = Address::parse(name);
    if (a.name.isEmpty()) {
        d->setError(Failure::EmptyName, a.describe());
        qCDebug(lcServer).noquote() << "listen:" << d->errorString;
        return false;
    }
    auto l = std::make_shared<Listener>(this, a.name, a.buffered, d->maxPending);
    if (!Registry::insert(l)) {
        d->setError(Failure::NameInUse, a.full());
        qCDebug(lcServer).noquote() << "listen:" << d->errorString;
        return false;
    }
    qCDebug(lcServer).noquote() << a.full() << "listens";
    d->listener = std::move(l);
    d->serverName = name;
    d->addr = a;
    d->error = QAbstractSocket::UnknownSocketError;
    d->errorString.clear();
    return true;
}

void MemServer::close()
{
    if (!d->listener)
        return;
    std::shared_ptr<Listener> l = std::move(d->listener);
    Registry::remove(l.get());
    std::deque<std::shared_ptr<Connection>> arrived, backlog;
    l->close(&arrived, &backlog);
    for (const auto &c : arrived)
        c->closeEnd(Server);
    qCDebug(lcServer).noquote() << d->addr.full() << "closes: refuses" << backlog.size()
                                 << "waiting clients, drops" << arrived.size() + d->pending.size()
                                 << "connections not taken";
    for (const auto &c : backlog)
        c->refuse();
    const QList<MemServerPrivate::Pending> untaken = std::exchange(d->pending, {});
    for (const MemServerPrivate::Pending &p : untaken) {
        MemSocketPrivate::get(p.socket)->pendingIn = nullptr;
        delete p.socket;
    }
    d->serverName.clear();
    d->addr = Address();
}

bool MemServer::isListening() const
{
    return bool(d->listener);
}

QString MemServer::serverName() const
{
    return d->serverName;
}

QString MemServer::fullServerName() const
{
    return d->listener ? d->addr.full() : QString();
}

void MemServer::setMaxPendingConnections(int numConnections)
{
    d->maxPending = numConnections;   // as QLocalServer: kept as given; 0 or less leaves no room
    if (d->listener)
        d->listener->setMaxPending(d->maxPending);
}

int MemServer::maxPendingConnections() const
{
    return d->maxPending;
}

bool MemServer::hasPendingConnections() const
{
    if (!d->pending.isEmpty())
        return true;
    return d->listener && d->listener->hasArrived();
}

MemSocket *MemServer::nextPendingConnection()
{
    while (d->pending.isEmpty()) {
        if (!d->materialize().socket)
            return nullptr;
    }
    MemSocket *next = d->pending.constFirst().socket;
    d->take(next);
    return next;
}

bool MemServer::waitForNewConnection(int msec, bool *timedOut)
{
    return waitForNewConnection(QDeadlineTimer(msec), timedOut);
}

bool MemServer::waitForNewConnection(QDeadlineTimer deadline, bool *timedOut)
{
    if (timedOut)
        *timedOut = false;
    if (!d->listener)
        return false;
    if (!d->pending.isEmpty())
        return true;   // newConnection() was emitted for these already
    bool expired = false;
    if (!d->listener->waitForArrival(deadline, &expired)) {
        if (timedOut)
            *timedOut = expired;
        return false;
    }
    // Connected but not announced yet (even if that happened before the
    // call): newConnection() is emitted from here, as QLocalServer does.
    MemConnPrivate::DeliveryScope scope;
    d->processArrivals();
    return true;
}

void MemServer::pauseAccepting()
{
    if (d->listener)
        d->listener->setPaused(true);
}

void MemServer::resumeAccepting()
{
    if (d->listener)
        d->listener->setPaused(false);
}

QAbstractSocket::SocketError MemServer::serverError() const
{
    return d->error;
}

QString MemServer::errorString() const
{
    return d->errorString;
}

QStringList MemServer::serverNames()
{
    return Registry::names();
}

void MemServer::incomingConnection(MemSocket *socket)
{
    addPendingConnection(socket);
}

void MemServer::addPendingConnection(MemSocket *socket)
{
    if (!socket)
        return;
    MemSocketPrivate *sd = MemSocketPrivate::get(socket);
    d->pending.append({socket, sd->conn});
    sd->pendingIn = d.get();
}

bool MemServer::event(QEvent *event)
{
    if (MemConnPrivate::isNotification(event)) {
        MemConnPrivate::DeliveryScope scope;
        d->processArrivals();
        return true;
    }
    return QObject::event(event);
}
