// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memregistry_p.h"
#include "memserver.h"

#include <QtCore/qcoreevent.h>
#include <QtCore/qlist.h>

#include <utility>

// Holds up to kHolderSize server-side sockets as QObject children. ~QObject
// searches its parent's child list, so with every socket a direct child of the
// server, closing one would cost O(open connections); holders keep it O(1)
// while sockets stay owned by the server and follow it to another thread.
class SocketHolder : public QObject
{
public:
    using QObject::QObject;
    int children = 0;

protected:
    void childEvent(QChildEvent *event) override
    {
        if (event->added())
            ++children;
        else if (event->removed())
            --children;
    }
};

class MemServerPrivate
{
public:
    using Connection = MemConnPrivate::Connection;
    struct Arrival
    {
        MemSocket *socket = nullptr;
        std::shared_ptr<Connection> connection;
    };

    explicit MemServerPrivate(MemServer *q) : q(q) {}

    Arrival materialize();             // one arrived connection becomes a MemSocket
    void processArrivals();            // the server's event: newConnection() for each
    void syncPending();                // tells the listener how full the pending list is
    static void release(const std::shared_ptr<Connection> &connection, MemSocket *socket,
                        bool inlineOk);
    void setError(QAbstractSocket::SocketError error, const QString &text);
    QObject *holderForNewSocket();

    MemServer *q;
    std::shared_ptr<MemConnPrivate::Listener> listener;
    QString serverName;
    MemConnPrivate::Address addr;
    int maxPending = 30;
    QList<MemSocket *> pending;
    QList<SocketHolder *> holders;
    SocketHolder *holder = nullptr;   // where new sockets go
    MemSocket *delivering = nullptr;   // taken inside newConnection(): told inline after it
    QAbstractSocket::SocketError error = QAbstractSocket::UnknownSocketError;
    QString errorString;
};
