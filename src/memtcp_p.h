// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// In-memory TCP addressing shared by MemTcpSocket and MemTcpServer: which
// MemConn name a (host, port) listens on, and which names a client tries
// (memtcp.cpp). The doors into each class are in memtcpsocket_p.h and
// memtcpserver_p.h.

#include <QtCore/qlist.h>
#include <QtCore/qstring.h>
#include <QtNetwork/qabstractsocket.h>
#include <QtNetwork/qhostaddress.h>

namespace MemConnPrivate {

// "127.0.0.1:80", "[::1]:80", wildcards "*:80" (Any), "0.0.0.0:80" (AnyIPv4),
// "[::]:80" (AnyIPv6); a host name as given, lower-cased ("localhost:80").
QString tcpName(const QHostAddress &address, quint16 port);
QString tcpName(const QString &host, quint16 port);

struct TcpCandidate
{
    QString name;           // the MemConn name to try
    QHostAddress address;   // the peer address the client sees when it is reached
};
// In the order a client tries them: the host itself, its loopback
// equivalents, then the wildcards that accept it.
QList<TcpCandidate> tcpCandidates(const QString &host, quint16 port,
                                  QAbstractSocket::NetworkLayerProtocol protocol);

// An in-memory ephemeral port for a client end, the same on both sides.
quint16 ephemeralPort(quint64 clientEndId);

// Connection::clientTag values: the family of the address the client used.
enum TcpTag { TagNone = 0, TagIPv4 = 4, TagIPv6 = 6 };

} // namespace MemConnPrivate
