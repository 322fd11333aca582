// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Diagnostics, the second part of memconn.cpp's MemConn:: functions: the
// logging categories, MemConn::connections() (made here from the core's
// private Connection::Snapshot) and the QDebug operators for MemSocket,
// MemServer and ConnectionInfo.
#include "memconn.h"

#include "memaddress_p.h"
#include "memconnection_p.h"
#include "memlogging_p.h"
#include "memserver_p.h"
#include "memsocket_p.h"

#include <QtCore/qdebug.h>
#include <QtCore/qmetaobject.h>
#include <QtCore/qthread.h>

namespace MemConnPrivate {
// QtInfoMsg: debug messages are off until a rule enables them.
Q_LOGGING_CATEGORY(lcSocket, "memconn.socket", QtInfoMsg)
Q_LOGGING_CATEGORY(lcServer, "memconn.server", QtInfoMsg)
Q_LOGGING_CATEGORY(lcEndpoint, "memconn.endpoint", QtInfoMsg)
} // namespace MemConnPrivate

QList<MemConn::ConnectionInfo> MemConn::connections()
{
    using MemConnPrivate::Address;
    using Snapshot = MemConnPrivate::Connection::Snapshot;
    QList<ConnectionInfo> result;
    for (const Snapshot &c : MemConnPrivate::Connection::snapshot()) {
        ConnectionInfo info;
        info.serverName = c.name;
        info.connected = c.connected;
        for (int e = 0; e < 2; ++e) {
            const Snapshot::End &in = c.ends[e];
            ConnectionInfo::End &out = e == 0 ? info.client : info.server;
            out.network = in.buffered ? QStringLiteral("memb") : QStringLiteral("memu");
            out.name = Address::endName(in.buffered, c.name, in.id);
            out.open = in.open;
            out.thread = in.thread;
            out.bytesQueued = in.unread;
            out.readDeadline = in.readDeadline;
            out.writeDeadline = in.writeDeadline;
        }
        result.append(std::move(info));
    }
    return result;
}

#ifndef QT_NO_DEBUG_STREAM
namespace {
void writeDeadline(QDebug &debug, const char *what, QDeadlineTimer deadline)
{
    if (deadline.isForever())
        return;
    const qint64 ms = deadline.remainingTime();
    debug << ", " << what << ' ';
    if (ms == 0)
        debug << "passed";
    else
        debug << "in " << ms << " ms";
}

void writeEnd(QDebug &debug, const MemConn::ConnectionInfo::End &end)
{
    debug << end.name;
    if (!end.open) {
        debug << " (closed)";
    } else {
        debug << " (thread ";
        if (end.thread && !end.thread->objectName().isEmpty())
            debug << end.thread->objectName();
        else
            debug << static_cast<const void *>(end.thread);
        debug << ", unread by peer " << end.bytesQueued;
        writeDeadline(debug, "read deadline", end.readDeadline);
        writeDeadline(debug, "write deadline", end.writeDeadline);
        debug << ')';
    }
}
} // namespace

QDebug MemConn::operator<<(QDebug debug, const ConnectionInfo &info)
{
    const QDebugStateSaver saver(debug);
    debug.nospace().noquote() << "MemConn::ConnectionInfo(";
    debug << (info.serverName.isEmpty() ? QStringLiteral("pair") : info.serverName) << ", "
          << (info.connected ? "connected" : "in the backlog") << ", client ";
    writeEnd(debug, info.client);
    debug << ", server side ";
    writeEnd(debug, info.server);
    debug << ')';
    return debug;
}

QDebug operator<<(QDebug debug, const MemSocket *socket)
{
    const QDebugStateSaver saver(debug);
    debug.nospace() << "MemSocket(" << static_cast<const void *>(socket);
    if (!socket)
        return debug << ')';
    if (!socket->objectName().isEmpty())
        debug << ", " << socket->objectName();
    const QString local = socket->localName();
    if (!local.isEmpty())
        debug << ", " << local;
    if (socket->state() == QAbstractSocket::ConnectedState)
        debug << " -> " << socket->peerName();
    else if (!socket->fullServerName().isEmpty())
        debug << ", to " << socket->fullServerName();
    // The enum's name alone, as QAbstractSocket's operator<< prints it.
    debug << ", " << QMetaEnum::fromType<QAbstractSocket::SocketState>().valueToKey(socket->state());
    auto *d = MemSocketPrivate::get(const_cast<MemSocket *>(socket));
    debug << ", available " << socket->bytesAvailable();
    if (d->conn)
        debug << ", unread by peer " << d->conn->unreadTotal(d->me);
    if (socket->error() != QAbstractSocket::UnknownSocketError)
        debug << ", error " << QMetaEnum::fromType<QAbstractSocket::SocketError>().valueToKey(socket->error());
    return debug << ')';
}

QDebug operator<<(QDebug debug, const MemServer *server)
{
    const QDebugStateSaver saver(debug);
    debug.nospace() << "MemServer(" << static_cast<const void *>(server);
    if (!server)
        return debug << ')';
    if (!server->objectName().isEmpty())
        debug << ", " << server->objectName();
    if (server->isListening()) {
        const MemServerPrivate *d = MemServerPrivate::get(const_cast<MemServer *>(server));
        debug << ", " << server->fullServerName() << ", listening, pending " << d->pending.size()
              << " of " << server->maxPendingConnections();
    } else {
        debug << ", not listening";
    }
    return debug << ')';
}
#endif
