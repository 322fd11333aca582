// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// MemConn's logging categories, silent by default (debug messages are off
// unless enabled, for example with QT_LOGGING_RULES="memconn.*.debug=true"):
//   memconn.socket    a socket connects, is refused, closes, sees its peer
//                     close, or a deadline passes
//   memconn.server    a server listens, accepts, closes, refuses its backlog
//   memconn.endpoint  dial() and MemListener resolve an address
// qCDebug() formats its arguments only when the category is enabled, so the
// hot paths pay one flag test.

#include <QtCore/qloggingcategory.h>

namespace MemConnPrivate {
Q_DECLARE_LOGGING_CATEGORY(lcSocket)
Q_DECLARE_LOGGING_CATEGORY(lcServer)
Q_DECLARE_LOGGING_CATEGORY(lcEndpoint)
} // namespace MemConnPrivate
