// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// The one place MemConn reaches into QByteArray's representation: Qt's
// QArrayDataPointer, public in its header but not promised between Qt
// versions. Stream writes small writes into the room its own unshared tail
// chunk has, without QByteArray::append()'s detach and capacity checks on
// every write (see memstream_p.h). The static checks below stop the build if
// the members change type; tst_leaves' byteArrayGrowsInPlace fails if their
// meaning changes. Both run on every Qt version CI builds (6.4 and 6.8).

#include <QtCore/qbytearray.h>

#include <type_traits>
#include <utility>

namespace MemConnPrivate::Bytes {

using Pointer = QByteArray::DataPointer;
static_assert(std::is_same_v<decltype(std::declval<Pointer &>().size), qsizetype>,
              "QByteArray's size is no longer a qsizetype member: Bytes::grow() needs a look");
static_assert(std::is_same_v<decltype(std::declval<const Pointer &>().freeSpaceAtEnd()), qsizetype>,
              "QArrayDataPointer::freeSpaceAtEnd() changed: Bytes::roomAtEnd() needs a look");

// Bytes `a` may grow by without reallocating. `a` must not be shared.
inline qsizetype roomAtEnd(QByteArray &a) { return a.data_ptr().freeSpaceAtEnd(); }

// Where the next byte goes: a.size() bytes into a's data.
inline char *end(QByteArray &a) { return a.data_ptr().data() + a.size(); }

// Takes in the `n` bytes the caller wrote at end(a), within roomAtEnd(a).
inline void grow(QByteArray &a, qsizetype n) { a.data_ptr().size += n; }

} // namespace MemConnPrivate::Bytes
