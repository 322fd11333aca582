// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memaddress_p.h"
#include "memregistry_p.h"
#include "memserver.h"

#include <QtCore/qlist.h>
#include <QtCore/qpointer.h>

class MemSocket;

namespace MemConnPrivate {
// Holds up to kHolderSize server-side sockets as QObject children. ~QObject
// searches its parent's child list, so with every socket a direct child of the
// server, closing one would cost O(open connections); holders keep it O(1)
// while sockets stay owned by the server and follow it to another thread.
class SocketHolder : public QObject
{
public:
    using QObject::QObject;
    static constexpr int kHolderSize = 1024;
    bool isFull() const { return children().size() >= kHolderSize; }
    bool hasRoom() const { return children().size() < kHolderSize / 2; }
};
} // namespace MemConnPrivate

class MemServerPrivate
{
public:
    using Connection = MemConnPrivate::Connection;
    struct Pending
    {
        MemSocket *socket = nullptr;
        std::shared_ptr<Connection> connection;   // null for a socket added by a subclass
    };

    explicit MemServerPrivate(MemServer *q) : q(q) {}
    static MemServerPrivate *get(MemServer *server);

    Pending materialize();             // one arrived connection becomes a MemSocket
    void processArrivals();            // the server's event: newConnection() for each
    void syncPending();                // tells the listener how full the pending list is
    void forget(MemSocket *socket);    // a pending socket is being destroyed
    void take(MemSocket *socket);      // a pending socket is handed out
    void setError(MemConnPrivate::Failure failure, const QString &address);
    QObject *holderForNewSocket();

    MemServer *q;
    std::shared_ptr<MemConnPrivate::Listener> listener;
    QString serverName;
    MemConnPrivate::Address addr;
    int maxPending = 30;
    QList<Pending> pending;
    QList<QPointer<MemConnPrivate::SocketHolder>> holders;
    MemConnPrivate::SocketHolder *holder = nullptr;   // where new sockets go
    MemSocket *delivering = nullptr;   // taken inside newConnection(): told inline after it
    QAbstractSocket::SocketError error = QAbstractSocket::UnknownSocketError;
    QString errorString;
};
