// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memconn_global.h"

#include <QtCore/qiodevice.h>
#include <QtCore/qstring.h>

/*!
    One address string for every transport, Go memconn's Provider in Qt form:
    "memu:NAME" and "memb:NAME" (MemSocket), "tcp:HOST:PORT" with "[v6]:PORT"
    (QTcpSocket), "local:NAME" or Go's "unix:NAME" (QLocalSocket). The same
    code, given a tcp: address, runs across machines on Qt Network.
*/
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

} // namespace MemConn
