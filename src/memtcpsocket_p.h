// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// The doors into MemTcpSocket for the rest of the library (memtcpsocket.cpp).

#include "memtcp_p.h"

#include <QtNetwork/qhostaddress.h>

QT_BEGIN_NAMESPACE
class QObject;
QT_END_NAMESPACE
class MemSocket;
class MemTcpSocket;

namespace MemConnPrivate {

// A server-side MemTcpSocket around an accepted MemSocket (which it adopts as
// a child), connected, with its addresses and ports set.
MemTcpSocket *adoptAccepted(MemSocket *accepted, const QHostAddress &serverAddress, quint16 serverPort,
                            QObject *parent);
// The MemSocket carrying a MemTcpSocket's connection; null when unconnected.
MemSocket *innerSocket(MemTcpSocket *socket);

} // namespace MemConnPrivate
