// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QtCore/qglobal.h>

#if defined(MEMCONN_STATIC)
#  define MEMCONN_EXPORT
#elif defined(MEMCONN_BUILDING)
#  define MEMCONN_EXPORT Q_DECL_EXPORT
#else
#  define MEMCONN_EXPORT Q_DECL_IMPORT
#endif
