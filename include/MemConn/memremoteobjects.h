// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QtCore/qglobal.h>

#if defined(MEMCONN_STATIC)
#  define MEMCONN_REMOTEOBJECTS_EXPORT
#elif defined(MEMCONN_BUILDING_REMOTEOBJECTS)
#  define MEMCONN_REMOTEOBJECTS_EXPORT Q_DECL_EXPORT
#else
#  define MEMCONN_REMOTEOBJECTS_EXPORT Q_DECL_IMPORT
#endif

// Qt Remote Objects over MemConn, with no external devices: link
// MemConn::RemoteObjects (built when Qt Remote Objects is found; the core
// library does not depend on it).
namespace MemConn {
/*!
    Registers the URL schemes "memu" and "memb" with Qt Remote Objects'
    transport registry (qRegisterRemoteObjectsServer/Client), so that
    QRemoteObjectHost(QUrl("memu:NAME")) listens in memory on NAME and
    QRemoteObjectNode::connectToNode(QUrl("memu:NAME")) reaches it; a node
    started before its host keeps retrying, as over TCP. When network "tcp" is
    mapped to memory at the time of the call (MemConn::mapNetwork() or
    MEMCONN_NETWORK_MAP), "tcp" is registered too: tcp://HOST:PORT hosts and
    nodes then run over MemTcpServer/MemTcpSocket and the kernel port stays
    free. Call it once, before the first host or node is created; calling it
    again is harmless. Thread-safe.
*/
MEMCONN_REMOTEOBJECTS_EXPORT void registerRemoteObjectsTransport();
} // namespace MemConn
