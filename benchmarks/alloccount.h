// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// Heap allocations counted process-wide by alloccount.cpp.
struct AllocSnapshot
{
    unsigned long long count = 0;
    unsigned long long bytes = 0;
    static AllocSnapshot now();
};
