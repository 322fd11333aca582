// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memregistry_p.h"

#include <QtCore/qhash.h>

namespace MemConnPrivate {

bool Listener::offer(const std::shared_ptr<Connection> &conn, bool *closed)
{
    std::lock_guard lock(m_mutex);
    *closed = !m_server;
    if (!m_server)
        return false;
    conn->setServerBuffered(buffered);
    conn->setAcceptor(m_server);
    if (hasRoom() && m_backlog.empty() && conn->accept(false)) {
        m_arrived.push_back(conn);
        postToServer();
        return true;
    }
    m_backlog.push_back(conn);
    return false;
}

std::shared_ptr<Connection> Listener::takeArrived(bool *more)
{
    std::lock_guard lock(m_mutex);
    if (m_arrived.empty()) {
        *more = false;
        return nullptr;
    }
    std::shared_ptr<Connection> c = std::move(m_arrived.front());
    m_arrived.pop_front();
    ++m_listed;   // keeps the backlog's count until setListed()
    *more = !m_arrived.empty();
    return c;
}

bool Listener::hasArrived()
{
    std::lock_guard lock(m_mutex);
    return !m_arrived.empty();
}

void Listener::setListed(int listed)
{
    std::lock_guard lock(m_mutex);
    m_listed = listed;
    admit();
}

void Listener::setMaxPending(int max)
{
    std::lock_guard lock(m_mutex);
    m_maxPending = max;
    admit();
}

void Listener::setPaused(bool paused)
{
    std::lock_guard lock(m_mutex);
    m_paused = paused;
    admit();
}

void Listener::clearEventPosted()
{
    std::lock_guard lock(m_mutex);
    m_eventPosted = false;
}

bool Listener::waitForArrival(QDeadlineTimer deadline, bool *timedOut)
{
    std::unique_lock lock(m_mutex);
    while (m_arrived.empty()) {
        if (!m_server)
            return false;
        // As QLocalServer::waitForNewConnection(): one client is accepted
        // even when the pending list is full (maxPendingConnections(0) too);
        // a paused server accepts none.
        if (!m_paused && !m_backlog.empty()) {
            admitNext();
            continue;
        }
        if (!waitOn(m_changed, m_waiters, lock, deadline)) {
            *timedOut = true;
            return false;
        }
    }
    return true;
}

void Listener::close(std::deque<std::shared_ptr<Connection>> *arrived,
                     std::deque<std::shared_ptr<Connection>> *backlog)
{
    std::lock_guard lock(m_mutex);
    m_server = nullptr;
    arrived->swap(m_arrived);
    backlog->swap(m_backlog);
    m_listed = 0;
    if (m_waiters)
        m_changed.notify_all();
}

void Listener::admit()
{
    while (hasRoom() && !m_backlog.empty())
        admitNext();
    if (!m_arrived.empty())
        postToServer();
}

void Listener::admitNext()
{
    std::shared_ptr<Connection> conn = std::move(m_backlog.front());
    m_backlog.pop_front();
    if (conn->accept())   // false: the client abandoned the attempt meanwhile
        m_arrived.push_back(std::move(conn));
}

void Listener::postToServer()
{
    if (m_waiters)
        m_changed.notify_all();
    if (!m_eventPosted && m_server) {
        m_eventPosted = true;
        postNotification(m_server);
    }
}

namespace Registry {
namespace {
struct Data
{
    std::mutex mutex;
    QHash<QString, std::shared_ptr<Listener>> byName;
};
Data &data()
{
    // Never destroyed: a static MemServer still listening at exit is
    // destroyed after any function-local static built later than it, and
    // must still find the registry.
    static Data *d = new Data;
    return *d;
}
} // namespace

std::shared_ptr<Listener> find(const QString &name)
{
    Data &d = data();
    std::lock_guard lock(d.mutex);
    return d.byName.value(name);
}

bool insert(const std::shared_ptr<Listener> &listener)
{
    Data &d = data();
    std::lock_guard lock(d.mutex);
    if (d.byName.contains(listener->name))
        return false;
    d.byName.insert(listener->name, listener);
    return true;
}

void remove(const Listener *listener)
{
    Data &d = data();
    std::lock_guard lock(d.mutex);
    auto it = d.byName.find(listener->name);
    if (it != d.byName.end() && it->get() == listener)
        d.byName.erase(it);
}

QStringList names()
{
    Data &d = data();
    std::lock_guard lock(d.mutex);
    return d.byName.keys();
}
} // namespace Registry

} // namespace MemConnPrivate
