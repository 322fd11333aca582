// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memregistry_p.h"

#include "memserver.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qhash.h>

namespace MemConnPrivate {

Address Address::parse(const QString &given)
{
    Address a;
    if (given.startsWith(QLatin1StringView("memb:"))) {
        a.buffered = true;
        a.name = given.mid(5);
    } else if (given.startsWith(QLatin1StringView("memu:"))) {
        a.name = given.mid(5);
    } else {
        a.name = given;
    }
    return a;
}

void Listener::admit()
{
    while (hasRoom() && !backlog.empty()) {
        std::shared_ptr<Connection> conn = std::move(backlog.front());
        backlog.pop_front();
        std::lock_guard lock(conn->mutex);
        if (conn->phase != Phase::Connecting)
            continue;   // abandoned meanwhile
        conn->phase = Phase::Connected;
        conn->notify(0, NotifyAccepted);
        conn->wake();
        arrived.push_back(std::move(conn));
    }
    if (!arrived.empty())
        postToServer();
}

void Listener::postToServer()
{
    if (waiters)
        changed.notify_all();
    if (!eventPosted && server) {
        eventPosted = true;
        QCoreApplication::postEvent(server, new QEvent(notifyEventType()));
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
    static Data d;
    return d;
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
    auto it = d.byName.find(listener->name);
    if (it != d.byName.end())
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
