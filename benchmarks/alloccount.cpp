// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Go's -benchmem for this binary: every heap allocation in the process (Qt's
// included) is counted by replacing glibc's malloc family with counting
// wrappers around glibc's own allocator. operator new calls malloc, so it is
// counted too.
#include "alloccount.h"

#include <atomic>
#include <cerrno>
#include <cstddef>

extern "C" {
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);
void __libc_free(void *);
}

namespace {
std::atomic<unsigned long long> allocations{0};
std::atomic<unsigned long long> allocatedBytes{0};

inline void count(size_t n)
{
    allocations.fetch_add(1, std::memory_order_relaxed);
    allocatedBytes.fetch_add(n, std::memory_order_relaxed);
}
} // namespace

AllocSnapshot AllocSnapshot::now()
{
    return {allocations.load(std::memory_order_relaxed), allocatedBytes.load(std::memory_order_relaxed)};
}

extern "C" {
void *malloc(size_t n)
{
    count(n);
    return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    count(a * b);
    return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    count(n);
    return __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}

void *memalign(size_t align, size_t n)
{
    count(n);
    return __libc_memalign(align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    count(n);
    return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    count(n);
    *out = __libc_memalign(align, n);
    return *out ? 0 : ENOMEM;
}
}
