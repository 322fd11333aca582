// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// The process-wide name registry and the state a listening MemServer shares
// with the clients that connect to it. The lock order is written in
// memconnection_p.h.

#include "memconnection_p.h"

#include <QtCore/qstringlist.h>

#include <deque>
#include <memory>

namespace MemConnPrivate {

class Listener
{
public:
    Listener(QObject *server, const QString &name, bool buffered, int maxPending)
        : name(name), buffered(buffered), m_server(server), m_maxPending(maxPending)
    {
    }

    const QString name;
    const bool buffered;

    // A client's attempt: connected at once when there is room and nobody
    // waits before it (true), or queued in the backlog. False with *closed
    // when the server has closed.
    bool offer(const std::shared_ptr<Connection> &conn, bool *closed);
    // The server's side.
    std::shared_ptr<Connection> takeArrived(bool *more);   // and counts it as listed
    bool hasArrived();
    void setListed(int listed);        // sockets in the server's pending list
    void setMaxPending(int max);
    void setPaused(bool paused);
    void clearEventPosted();
    // Waits until a connection has arrived or the server closed; false at the deadline.
    bool waitForArrival(QDeadlineTimer deadline, bool *timedOut);
    // Closes: what arrived and what waits are handed back to the server.
    void close(std::deque<std::shared_ptr<Connection>> *arrived,
               std::deque<std::shared_ptr<Connection>> *backlog);

private:
    // All with m_mutex held.
    bool hasRoom() const { return !m_paused && qsizetype(m_arrived.size()) + m_listed < m_maxPending; }
    void admit();          // connects backlog clients while there is room
    void admitNext();      // connects the first backlog client, room or not
    void postToServer();   // one pending event at a time

    std::mutex m_mutex;
    std::condition_variable m_changed;   // a connection arrived, or the server closed
    int m_waiters = 0;
    QObject *m_server;                   // null once the server closed
    bool m_paused = false;
    bool m_eventPosted = false;
    int m_maxPending;
    int m_listed = 0;
    std::deque<std::shared_ptr<Connection>> m_arrived;  // connected, no server-side socket yet
    std::deque<std::shared_ptr<Connection>> m_backlog;  // clients waiting for room, in order
};

namespace Registry {
std::shared_ptr<Listener> find(const QString &name);
bool insert(const std::shared_ptr<Listener> &listener);   // false: the name is held
void remove(const Listener *listener);
QStringList names();
} // namespace Registry

} // namespace MemConnPrivate
