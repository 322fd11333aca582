// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// The doors into MemTcpServer for the rest of the library (memtcpserver.cpp).

#include "memtcp_p.h"

class MemTcpServer;

namespace MemConnPrivate {

// MemListener's and createTcpServer()'s knobs: which network the server's
// sockets use, and listening on a host given as text ("localhost", an
// in-memory host name, an IP address, or "" for Any).
void setServerBuffered(MemTcpServer *server, bool buffered);
bool listenOnHost(MemTcpServer *server, const QString &host, quint16 port);

} // namespace MemConnPrivate
