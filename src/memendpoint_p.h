// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// Address strings ("net:rest") and the network map behind dial() and
// MemListener.

#include <QtCore/qstring.h>

namespace MemConnPrivate {

struct Endpoint
{
    enum Network { Invalid, Memu, Memb, Tcp, Local };
    Network network = Invalid;
    QString name;        // memu/memb/local: the name; tcp: the host
    quint16 port = 0;    // tcp, and a tcp address mapped to memory
    QString host;        // a tcp address mapped to memory: its host ("" for any)
    bool fromTcp = false;   // a tcp address mapped to memu/memb
    QString error;       // why the address is invalid, naming it

    // Parses `address` after applying the network map; logs the outcome
    // (memconn.endpoint).
    static Endpoint resolve(const QString &address);
    // Addresses on network `from` use network `to` from now on (empty: no
    // mapping). Thread-safe.
    static void setMapping(const QString &from, const QString &to);
    // Where addresses on `network` go now: Memu, Memb, or the network itself.
    static Network mapped(const QString &network);

private:
    static Endpoint parse(const QString &address);   // resolve(), unlogged
};

} // namespace MemConnPrivate
