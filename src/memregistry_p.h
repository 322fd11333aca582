// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// The process-wide name registry and the state a listening MemServer shares
// with the clients that connect to it. Lock order: registry, then a Listener,
// then a Connection.

#include "memconnection_p.h"

#include <QtCore/qstringlist.h>

#include <deque>
#include <memory>

class MemServer;

namespace MemConnPrivate {

// A name as given ("chat", "memu:chat", "memb:chat") split into network and name.
struct Address
{
    QString name;          // without the network
    bool buffered = false; // memb
    static Address parse(const QString &given);
    QString full() const { return fullName(buffered, name); }
};

class Listener
{
public:
    std::mutex mutex;
    std::condition_variable changed;   // a connection arrived, or the server closed
    int waiters = 0;
    MemServer *server = nullptr;       // null once the server closed
    QString name;
    bool buffered = false;
    bool paused = false;
    bool eventPosted = false;
    int maxPending = 30;
    int listed = 0;                    // sockets in the server's pending list
    std::deque<std::shared_ptr<Connection>> arrived;  // connected, no server-side socket yet
    std::deque<std::shared_ptr<Connection>> backlog;  // clients waiting for room, in order

    // All with `mutex` held.
    bool hasRoom() const { return !paused && qsizetype(arrived.size()) + listed < maxPending; }
    void admit();          // connects backlog clients while there is room
    void postToServer();   // one pending event at a time
};

namespace Registry {
std::shared_ptr<Listener> find(const QString &name);
bool insert(const std::shared_ptr<Listener> &listener);   // false: the name is held
void remove(const Listener *listener);
QStringList names();
} // namespace Registry

} // namespace MemConnPrivate
