// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Runs the Qt Quick Test cases tst_*.qml of this folder against the QML module
// MemConn in the build tree (ctest passes -import and -input).
#include <QtQuickTest/quicktest.h>

QUICK_TEST_MAIN(memconn)
