// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memconn_global.h"

#include <QtCore/qiodevice.h>
#include <QtCore/qstring.h>
#include <QtNetwork/qhostaddress.h>

/*!
    One address string for every transport, Go memconn's Provider in Qt form:
    "memu:NAME" and "memb:NAME" (MemSocket), "tcp:HOST:PORT" with "[v6]:PORT"
    (QTcpSocket), "local:NAME" or Go's "unix:NAME" (QLocalSocket). The same
    code, given a tcp: address, runs across machines on Qt Network.
*/
class QTcpServer;
class QTcpSocket;

namespace MemConn {

/*!
    Starts connecting to \a address and returns the device, owned by \a parent
    (by the caller when null). Never returns null: for a malformed address or an
    unknown network the device is not open and its errorString() names the
    address and the problem. memu/memb connect before this returns (when the
    server has room); tcp and local connect asynchronously, as QTcpSocket and
    QLocalSocket do. Never blocks.
*/
MEMCONN_EXPORT QIODevice *dial(const QString &address, QObject *parent = nullptr);

/*!
    Go's MapNetwork: from now on, addresses on network \a from use network \a to
    ("tcp" -> "memu" runs production code in memory: "tcp:localhost:8080"
    becomes the in-memory name "localhost:8080"). An empty \a to removes the
    mapping. Thread-safe. The environment variable MEMCONN_NETWORK_MAP
    ("tcp=memu,local=memu") applies mappings when the first address is used.
*/
MEMCONN_EXPORT void mapNetwork(const QString &from, const QString &to);

/*!
    The one line of production code that lets an unchanged binary run its
    TCP code in memory: returns a MemTcpSocket (memu or memb, as mapped) when
    network "tcp" is mapped to memory (mapNetwork() or MEMCONN_NETWORK_MAP),
    and a plain QTcpSocket otherwise. Owned by \a parent (by the caller when
    null).
*/
MEMCONN_EXPORT QTcpSocket *createTcpSocket(QObject *parent = nullptr);
/*!
    A MemTcpServer when "tcp" is mapped to memory, a plain QTcpServer
    otherwise; see createTcpSocket(). Listen on it through MemConn's type
    when it is one: QTcpServer::listen() is not virtual, so call
    MemConn::listenTcp() (or cast with qobject_cast<MemTcpServer *>).
*/
MEMCONN_EXPORT QTcpServer *createTcpServer(QObject *parent = nullptr);
/*!
    Listens on \a address and \a port with whichever server
    createTcpServer() returned: MemTcpServer::listen() for an in-memory one
    (QTcpServer::listen() is not virtual), QTcpServer::listen() otherwise.
*/
MEMCONN_EXPORT bool listenTcp(QTcpServer *server, const QHostAddress &address, quint16 port = 0);

} // namespace MemConn
