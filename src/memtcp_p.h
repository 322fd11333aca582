// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// In-memory TCP addressing shared by MemTcpSocket and MemTcpServer: which
// MemConn name a (host, port) listens on, and which names a client tries.

#include <QtCore/qlist.h>
#include <QtCore/qstring.h>
#include <QtNetwork/qabstractsocket.h>
#include <QtNetwork/qhostaddress.h>

class MemSocket;
class MemTcpServer;
class MemTcpSocket;

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

// A server-side MemTcpSocket around an accepted MemSocket (which it adopts as
// a child), connected, with its addresses and ports set.
MemTcpSocket *adoptAccepted(MemSocket *accepted, const QHostAddress &serverAddress, quint16 serverPort,
                            QObject *parent);
// MemListener's and createTcpServer()'s knobs: which network the server's
// sockets use, and listening on a host given as text ("localhost", an
// in-memory host name, an IP address, or "" for Any).
void setServerBuffered(MemTcpServer *server, bool buffered);
bool listenOnHost(MemTcpServer *server, const QString &host, quint16 port);
// The MemSocket carrying a MemTcpSocket's connection; null when unconnected.
MemSocket *innerSocket(MemTcpSocket *socket);

} // namespace MemConnPrivate
