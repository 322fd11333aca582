// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// The one parser and formatter of memory addresses ("chat", "memu:chat",
// "memb:chat"), and the one place error text is made: every message names
// the address it is about.

#include <QtCore/qstring.h>
#include <QtNetwork/qabstractsocket.h>

namespace MemConnPrivate {

struct Address
{
    QString name;            // without the network
    bool buffered = false;   // memb

    static Address parse(const QString &given);
    static QString format(bool buffered, const QString &name);   // "memu:" or "memb:" + name
    // An end's process-unique name, "memu:chat#12"; a pair's ends (no
    // server name) are "memu:pipe#12".
    static QString endName(bool buffered, const QString &name, quint64 id);
    QString full() const { return format(buffered, name); }
    // What messages name: the full address, or "memu:(unnamed)".
    QString describe() const;
};

// Every failure MemConn reports. describe() gives its text and code() its
// QAbstractSocket::SocketError, so a path that sets one sets both.
enum class Failure {
    EmptyName,             // HostNotFoundError
    NoServer,              // HostNotFoundError
    NameInUse,             // AddressInUseError
    AlreadyConnecting,     // OperationError
    InvalidOpenMode,       // OperationError
    Refused,               // ConnectionRefusedError: the server closed with us in its backlog
    RefusedByConditions,   // ConnectionRefusedError
    NoListener,            // ConnectionRefusedError: TCP's answer when nothing listens on the port
    RemoteClosed,          // RemoteHostClosedError
    WriteAfterPeerClosed,  // RemoteHostClosedError
    WriteNotConnected,     // OperationError
    WriteNotWritable,      // OperationError
    WriteNegativeSize,     // OperationError
    WriteNullData,         // OperationError
    ReadNotConnected,      // OperationError
    ReadNotReadable,       // OperationError
    ReadDeadline,          // SocketTimeoutError
    WriteDeadline,         // SocketTimeoutError
    DeadlinePassed,        // SocketTimeoutError: the signal of a setter call
    TimedOut,              // SocketTimeoutError
    ConnectTimedOut,       // SocketTimeoutError
    SameThreadPeer,        // SocketTimeoutError: a wait only a peer in this thread could end
};

QString describe(Failure failure, const QString &address);
QAbstractSocket::SocketError code(Failure failure);

} // namespace MemConnPrivate
