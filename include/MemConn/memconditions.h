// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// Network conditions (MemConn::Conditions), on their own so that code that
// needs only them does not take in the rest of <MemConn/MemConn>, which
// includes this header.

#include "memconn_global.h"

#include <QtCore/qglobal.h>
#include <QtCore/qstring.h>

#include <chrono>

namespace MemConn {

/*!
    Network conditions for tests: what a real network does to a connection,
    simulated in memory, deterministically (no ports, no root, no proxy).
    Each field applies per direction, to the bytes one end writes. Timing is
    kept with the reader's event loop and timers, and blocking waits and
    deadlines still end on time. A default-constructed Conditions changes
    nothing.
*/
struct Conditions
{
    //! Each byte becomes readable this long after its write.
    std::chrono::milliseconds latency{0};
    //! The latency of each write varies by up to this much more, drawn from
    //! `seed`; bytes never reorder.
    std::chrono::milliseconds jitter{0};
    //! Throughput cap per direction, spread evenly (10 ms steps); 0: none.
    qint64 bytesPerSecond = 0;
    //! A reader is handed at most this many bytes per readyRead() (and per
    //! waitForReadyRead()): each chunk's size is drawn from `seed` in
    //! [1, maxChunk]. 0: as written.
    qint64 maxChunk = 0;
    //! After this many bytes in one direction the connection is reset: the
    //! reader gets exactly that many bytes, then both ends see
    //! errorOccurred(RemoteHostClosedError), UnconnectedState and
    //! disconnected(). What was written beyond is discarded, as a real reset
    //! discards it: this is the one deliberate loss of bytes in MemConn.
    //! -1: never.
    qint64 resetAfterBytes = -1;
    //! New connections fail with ConnectionRefusedError, as TCP's do when
    //! nothing listens, while the server keeps listening.
    bool refuse = false;
    //! Same seed, same behaviour: chunk sizes and jitter repeat exactly.
    quint64 seed = 1;
};

/*!
    Applies \a conditions to connections made from now on to the server
    \a serverName ("chat", "memu:chat" and "memb:chat" name the same server;
    "*" every server without conditions of its own), in both directions.
    Connections already made keep theirs. MemSocket, MemTcpSocket (its
    in-memory name, for example "localhost:8080") and the QML types alike.
    Thread-safe. The environment variable MEMCONN_CONDITIONS sets them at
    start-up: "chat:maxChunk=1,latency=20;*:maxChunk=7,seed=42" (fields as
    above; latency and jitter in ms; refuse=1); a malformed entry is skipped
    with a warning that names it. See also MemSocket::setConditions().
*/
MEMCONN_EXPORT void setConditions(const QString &serverName, const Conditions &conditions);
//! Removes the conditions of \a serverName ("*": the default for every name).
MEMCONN_EXPORT void clearConditions(const QString &serverName);

} // namespace MemConn
