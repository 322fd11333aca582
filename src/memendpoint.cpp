// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Address strings ("net:rest") and Go memconn's network map, shared by
// MemConn::dial() (memconn.cpp) and MemListener (memlistener.cpp).
#include "memendpoint_p.h"

#include "memlogging_p.h"

#include <QtCore/qhash.h>

#include <mutex>

namespace MemConnPrivate {
namespace {

QString canonicalNetwork(QString network)
{
    network = network.toLower();
    return network == QLatin1StringView("unix") ? QStringLiteral("local") : network;
}

struct NetworkMap
{
    std::mutex mutex;
    QHash<QString, QString> to;   // from -> to

    NetworkMap()
    {
        // MEMCONN_NETWORK_MAP=tcp=memu,local=memu: an unchanged binary in memory.
        const QString spec = qEnvironmentVariable("MEMCONN_NETWORK_MAP");
        for (const QString &pair : spec.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const qsizetype eq = pair.indexOf(QLatin1Char('='));
            if (eq > 0)
                set(pair.left(eq).trimmed(), pair.mid(eq + 1).trimmed());
        }
    }
    void set(const QString &from, const QString &target)
    {
        const QString key = canonicalNetwork(from);
        if (target.isEmpty())
            to.remove(key);
        else
            to.insert(key, canonicalNetwork(target));
    }
};

NetworkMap &networkMap()
{
    static NetworkMap map;   // built on first use, thread-safely
    return map;
}

} // namespace

Endpoint Endpoint::resolve(const QString &address)
{
    Endpoint e = parse(address);
    if (e.network == Invalid) {
        qCDebug(lcEndpoint).noquote() << "invalid address:" << e.error;
    } else if (lcEndpoint().isDebugEnabled()) {
        static const char *const names[] = {"invalid", "memu", "memb", "tcp", "local"};
        QString to = QLatin1StringView(names[e.network]) + QLatin1Char(':') + e.name;
        if (e.network == Tcp || e.fromTcp)
            to += QStringLiteral(" port %1%2").arg(e.port).arg(e.fromTcp ? QStringLiteral(" (tcp in memory)") : QString());
        qCDebug(lcEndpoint).noquote() << address << "->" << to;
    }
    return e;
}

Endpoint Endpoint::parse(const QString &address)
{
    Endpoint e;
    const QString shown = address.isEmpty() ? QStringLiteral("\"\"") : address;
    auto fail = [&](const QString &why) {
        e.network = Invalid;
        e.error = shown + QStringLiteral(": ") + why;
        return e;
    };
    if (address.isEmpty())
        return fail(QStringLiteral("empty address"));
    const qsizetype colon = address.indexOf(QLatin1Char(':'));
    if (colon <= 0)
        return fail(QStringLiteral("no network (expected memu:, memb:, tcp:, local: or unix:)"));
    const QString given = canonicalNetwork(address.left(colon));
    QString network = given;
    const QString rest = address.mid(colon + 1);
    {
        NetworkMap &map = networkMap();
        std::lock_guard lock(map.mutex);
        network = map.to.value(network, network);
    }
    const bool memory = network == QLatin1StringView("memu") || network == QLatin1StringView("memb");
    if (memory || network == QLatin1StringView("local")) {
        if (rest.isEmpty())
            return fail(QStringLiteral("empty name"));
        e.network = network == QLatin1StringView("memu") ? Memu
            : network == QLatin1StringView("memb")       ? Memb
                                                          : Local;
        e.name = rest;
        if (!memory || given != QLatin1StringView("tcp"))
            return e;
    } else if (network != QLatin1StringView("tcp")) {
        return fail(QStringLiteral("unknown network \"%1\"").arg(network));
    }
    // A tcp address, perhaps mapped to memory (then it keeps its network and
    // name, and gains its host and port for MemTcpSocket/MemTcpServer).
    QString host;
    QString portText;
    if (rest.startsWith(QLatin1Char('['))) {
        const qsizetype close = rest.indexOf(QLatin1Char(']'));
        if (close < 0)
            return fail(QStringLiteral("no ']' after an IPv6 host"));
        host = rest.mid(1, close - 1);
        if (rest.mid(close + 1, 1) != QLatin1StringView(":"))
            return fail(QStringLiteral("no port (tcp:HOST:PORT)"));
        portText = rest.mid(close + 2);
    } else {
        const qsizetype last = rest.lastIndexOf(QLatin1Char(':'));
        if (last < 0)
            return fail(QStringLiteral("no port (tcp:HOST:PORT)"));
        host = rest.left(last);
        portText = rest.mid(last + 1);
    }
    bool ok = false;
    const uint port = portText.toUInt(&ok);
    if (portText.isEmpty())
        return fail(QStringLiteral("no port (tcp:HOST:PORT)"));
    if (!ok || port > 65535)
        return fail(QStringLiteral("bad port \"%1\"").arg(portText));
    e.port = quint16(port);
    if (memory) {
        e.fromTcp = true;
        e.host = host;
        return e;
    }
    e.network = Tcp;
    e.name = host;
    return e;
}

Endpoint::Network Endpoint::mapped(const QString &network)
{
    const QString from = canonicalNetwork(network);
    NetworkMap &map = networkMap();
    std::lock_guard lock(map.mutex);
    const QString to = map.to.value(from, from);
    if (to == QLatin1StringView("memu"))
        return Memu;
    if (to == QLatin1StringView("memb"))
        return Memb;
    if (to == QLatin1StringView("tcp"))
        return Tcp;
    if (to == QLatin1StringView("local"))
        return Local;
    return Invalid;
}

void Endpoint::setMapping(const QString &from, const QString &to)
{
    qCDebug(lcEndpoint).noquote().nospace() << "network " << from << " -> "
                                            << (to.isEmpty() ? QStringLiteral("(itself)") : to);
    NetworkMap &map = networkMap();
    std::lock_guard lock(map.mutex);
    map.set(from, to);
}

} // namespace MemConnPrivate
