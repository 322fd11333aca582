// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memserver.h"

#include "memserver_p.h"
#include "memsocket_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qpointer.h>
#include <QtCore/qthread.h>

using namespace MemConnPrivate;

MemServerPrivate::Arrival MemServerPrivate::materialize()
{
    if (!listener)
        return {};
    Arrival a;
    {
        std::lock_guard lock(listener->mutex);
        if (listener->arrived.empty())
            return {};
        a.connection = std::move(listener->arrived.front());
        listener->arrived.pop_front();
        ++listener->listed;   // keeps the backlog's count until syncPending()
    }
    a.socket = new MemSocket(holderForNewSocket());
    a.socket->d->serverName = serverName;
    a.socket->d->addr = addr;
    a.socket->d->attach(a.connection, 1);
    q->incomingConnection(a.socket);
    syncPending();
    return a;
}

void MemServerPrivate::processArrivals()
{
    if (listener) {
        std::lock_guard lock(listener->mutex);
        listener->eventPosted = false;
    }
    QPointer<MemServer> guard(q);
    while (listener) {
        Arrival a = materialize();
        if (!a.socket)
            break;
        delivering = a.socket;
        Q_EMIT q->newConnection();
        if (!guard)
            return;
        delivering = nullptr;
        // Taken inside newConnection() (or by incomingConnection()): tell the
        // socket what arrived with it now, without another event-loop turn.
        if (!pending.contains(a.socket))
            release(a.connection, a.socket, true);
    }
}

void MemServerPrivate::syncPending()
{
    if (!listener)
        return;
    std::lock_guard lock(listener->mutex);
    listener->listed = int(pending.size());
    listener->admit();
}

void MemServerPrivate::release(const std::shared_ptr<Connection> &connection, MemSocket *socket,
                               bool inlineOk)
{
    {
        std::lock_guard lock(connection->mutex);
        End &e = connection->end[1];
        if (e.socket != socket || !e.pending || e.eventPosted)
            return;
        if (!inlineOk || socket->thread() != QThread::currentThread()) {
            e.eventPosted = true;
            QCoreApplication::postEvent(socket, new QEvent(notifyEventType()));
            return;
        }
    }
    socket->d->processNotification();
}

QObject *MemServerPrivate::holderForNewSocket()
{
    constexpr int kHolderSize = 1024;
    if (!holder || holder->children >= kHolderSize) {
        holder = nullptr;
        for (SocketHolder *h : std::as_const(holders)) {
            if (h->children < kHolderSize / 2) {
                holder = h;
                break;
            }
        }
        if (!holder) {
            holder = new SocketHolder(q);
            QObject::connect(holder, &QObject::destroyed, q, [this, h = holder] { holders.removeOne(h); });
            holders.append(holder);
        }
    }
    return holder;
}

void MemServerPrivate::setError(QAbstractSocket::SocketError e, const QString &text)
{
    error = e;
    errorString = text;
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
        d->setError(QAbstractSocket::HostNotFoundError, a.full() + QStringLiteral(": the server name is empty"));
        return false;
    }
    auto l = std::make_shared<Listener>();
    l->server = this;
    l->name = a.name;
    l->buffered = a.buffered;
    l->maxPending = d->maxPending;
    if (!Registry::insert(l)) {
        d->setError(QAbstractSocket::AddressInUseError,
                    a.full() + QStringLiteral(": the name is already held by another server"));
        return false;
    }
    d->listener = std::move(l);
    d->serverName = name;
    d->addr = a;
    d->setError(QAbstractSocket::UnknownSocketError, QString());
    return true;
}

void MemServer::close()
{
    if (!d->listener)
        return;
    std::shared_ptr<Listener> l = std::move(d->listener);
    Registry::remove(l.get());
    std::deque<std::shared_ptr<MemConnPrivate::Connection>> arrived, backlog;
    {
        std::lock_guard lock(l->mutex);
        l->server = nullptr;
        arrived.swap(l->arrived);
        backlog.swap(l->backlog);
        l->listed = 0;
        if (l->waiters)
            l->changed.notify_all();
    }
    for (const auto &c : arrived) {
        std::lock_guard lock(c->mutex);
        c->end[1].closed = true;
        c->stream[0].discard();
        c->notify(0, NotifyPeerClosed);
        c->wake();
    }
    for (const auto &c : backlog) {
        std::lock_guard lock(c->mutex);
        if (c->phase == Phase::Connecting) {
            c->phase = Phase::Refused;
            c->notify(0, NotifyRefused);
            c->wake();
        }
    }
    const QList<MemSocket *> untaken = std::exchange(d->pending, {});
    for (MemSocket *socket : untaken) {
        socket->d->pendingIn = nullptr;
        delete socket;
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
    d->maxPending = qMax(0, numConnections);
    if (d->listener) {
        std::lock_guard lock(d->listener->mutex);
        d->listener->maxPending = d->maxPending;
        d->listener->admit();
    }
}

int MemServer::maxPendingConnections() const
{
    return d->maxPending;
}

bool MemServer::hasPendingConnections() const
{
    if (!d->pending.isEmpty())
        return true;
    if (!d->listener)
        return false;
    std::lock_guard lock(d->listener->mutex);
    return !d->listener->arrived.empty();
}

MemSocket *MemServer::nextPendingConnection()
{
    while (d->pending.isEmpty()) {
        if (!d->materialize().socket)
            return nullptr;
    }
    MemSocket *socket = d->pending.takeFirst();
    socket->d->pendingIn = nullptr;
    d->syncPending();
    if (socket != d->delivering)
        MemServerPrivate::release(socket->d->conn, socket, false);
    return socket;
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
    {
        std::shared_ptr<Listener> l = d->listener;
        std::unique_lock lock(l->mutex);
        while (l->arrived.empty()) {
            if (!l->server)
                return false;
            if (!waitOn(l->changed, l->waiters, lock, deadline)) {
                if (timedOut)
                    *timedOut = true;
                return false;
            }
        }
    }
    // Connected but not announced yet (even if that happened before the
    // call): newConnection() is emitted from here, as QLocalServer does.
    MemConnPrivate::DeliveryScope scope;
    d->processArrivals();
    return true;
}

void MemServer::pauseAccepting()
{
    if (!d->listener)
        return;
    std::lock_guard lock(d->listener->mutex);
    d->listener->paused = true;
}

void MemServer::resumeAccepting()
{
    if (!d->listener)
        return;
    std::lock_guard lock(d->listener->mutex);
    d->listener->paused = false;
    d->listener->admit();
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
    d->pending.append(socket);
    socket->d->pendingIn = this;
}

bool MemServer::event(QEvent *event)
{
    if (event->type() == MemConnPrivate::notifyEventType()) {
        MemConnPrivate::DeliveryScope scope;
        d->processArrivals();
        return true;
    }
    return QObject::event(event);
}
