// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memtcp_p.h"

namespace MemConnPrivate {

namespace {
QString withPort(const QString &host, quint16 port)
{
    return host + QLatin1Char(':') + QString::number(port);
}

bool isLoopbackName(const QString &host)
{
    return host.compare(QLatin1StringView("localhost"), Qt::CaseInsensitive) == 0;
}
} // namespace

QString tcpName(const QHostAddress &address, quint16 port)
{
    switch (address.protocol()) {
    case QAbstractSocket::AnyIPProtocol:
        return withPort(QStringLiteral("*"), port);
    case QAbstractSocket::IPv6Protocol:
        return withPort(QLatin1Char('[') + address.toString() + QLatin1Char(']'), port);
    case QAbstractSocket::IPv4Protocol:
        return withPort(address.toString(), port);
    case QAbstractSocket::UnknownNetworkLayerProtocol:
        break;
    }
    return withPort(QStringLiteral("(null)"), port);
}

QString tcpName(const QString &host, quint16 port)
{
    QHostAddress address;
    if (address.setAddress(host))
        return tcpName(address, port);
    return withPort(host.toLower(), port);
}

QList<TcpCandidate> tcpCandidates(const QString &host, quint16 port, QAbstractSocket::NetworkLayerProtocol protocol)
{
    const QHostAddress v4(QHostAddress::LocalHost);
    const QHostAddress v6(QHostAddress::LocalHostIPv6);
    const bool allowV4 = protocol != QAbstractSocket::IPv6Protocol;
    const bool allowV6 = protocol != QAbstractSocket::IPv4Protocol;
    QList<TcpCandidate> out;
    auto add = [&](const QString &name, const QHostAddress &address) {
        const bool v6Address = address.protocol() == QAbstractSocket::IPv6Protocol;
        if (v6Address ? allowV6 : allowV4)
            out.append({name, address});
    };
    QHostAddress literal;
    if (isLoopbackName(host)) {
        add(withPort(QStringLiteral("localhost"), port), allowV4 ? v4 : v6);
        add(tcpName(v4, port), v4);
        add(tcpName(v6, port), v6);
        add(tcpName(QHostAddress(QHostAddress::Any), port), allowV4 ? v4 : v6);
        add(tcpName(QHostAddress(QHostAddress::AnyIPv4), port), v4);
        add(tcpName(QHostAddress(QHostAddress::AnyIPv6), port), v6);
    } else if (literal.setAddress(host)) {
        add(tcpName(literal, port), literal);
        if (literal.isLoopback()) {
            const bool isV6 = literal.protocol() == QAbstractSocket::IPv6Protocol;
            add(withPort(QStringLiteral("localhost"), port), literal);
            add(tcpName(QHostAddress(QHostAddress::Any), port), literal);
            add(tcpName(QHostAddress(isV6 ? QHostAddress::AnyIPv6 : QHostAddress::AnyIPv4), port), literal);
        }
    } else if (!host.isEmpty()) {
        // An in-memory host name (a MemListener on "tcp:api.test:80"):
        // reached by its name only; the connection looks like loopback.
        add(withPort(host.toLower(), port), allowV4 ? v4 : v6);
    }
    return out;
}

quint16 ephemeralPort(quint64 clientEndId)
{
    // Linux's default ephemeral range is 32768-60999; the in-memory one is
    // IANA's, 49152-65535.
    return quint16(49152 + clientEndId % 16384);
}

} // namespace MemConnPrivate
