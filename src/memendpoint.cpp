// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Endpoints: one address string for memory, TCP and local sockets, and Go
// memconn's network mapping.
#include "memconn.h"
#include "memendpoint_p.h"
#include "memlistener.h"
#include "memserver.h"
#include "memsocket.h"

#include <QtCore/qhash.h>
#include <QtNetwork/qhostaddress.h>
#include <QtNetwork/qlocalserver.h>
#include <QtNetwork/qlocalsocket.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

#include <memory>
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
    QString network = canonicalNetwork(address.left(colon));
    const QString rest = address.mid(colon + 1);
    {
        NetworkMap &map = networkMap();
        std::lock_guard lock(map.mutex);
        network = map.to.value(network, network);
    }
    if (network == QLatin1StringView("memu") || network == QLatin1StringView("memb")
        || network == QLatin1StringView("local")) {
        if (rest.isEmpty())
            return fail(QStringLiteral("empty name"));
        e.network = network == QLatin1StringView("memu") ? Memu
            : network == QLatin1StringView("memb")       ? Memb
                                                          : Local;
        e.name = rest;
        return e;
    }
    if (network != QLatin1StringView("tcp"))
        return fail(QStringLiteral("unknown network \"%1\"").arg(network));
    QString portText;
    if (rest.startsWith(QLatin1Char('['))) {
        const qsizetype close = rest.indexOf(QLatin1Char(']'));
        if (close < 0)
            return fail(QStringLiteral("no ']' after an IPv6 host"));
        e.name = rest.mid(1, close - 1);
        if (rest.mid(close + 1, 1) != QLatin1StringView(":"))
            return fail(QStringLiteral("no port (tcp:HOST:PORT)"));
        portText = rest.mid(close + 2);
    } else {
        const qsizetype last = rest.lastIndexOf(QLatin1Char(':'));
        if (last < 0)
            return fail(QStringLiteral("no port (tcp:HOST:PORT)"));
        e.name = rest.left(last);
        portText = rest.mid(last + 1);
    }
    bool ok = false;
    const uint port = portText.toUInt(&ok);
    if (portText.isEmpty())
        return fail(QStringLiteral("no port (tcp:HOST:PORT)"));
    if (!ok || port > 65535)
        return fail(QStringLiteral("bad port \"%1\"").arg(portText));
    e.network = Tcp;
    e.port = quint16(port);
    return e;
}

QString Endpoint::memAddress() const
{
    return (network == Memb ? QStringLiteral("memb:") : QStringLiteral("memu:")) + name;
}

namespace {
// What dial() returns for an address it cannot use: closed, with the reason.
class FailedDevice : public QIODevice
{
public:
    FailedDevice(const QString &error, QObject *parent) : QIODevice(parent) { setErrorString(error); }

protected:
    qint64 readData(char *, qint64) override { return -1; }
    qint64 writeData(const char *, qint64) override { return -1; }
};
} // namespace

} // namespace MemConnPrivate

using MemConnPrivate::Endpoint;

QIODevice *MemConn::dial(const QString &address, QObject *parent)
{
    const Endpoint e = Endpoint::resolve(address);
    switch (e.network) {
    case Endpoint::Memu:
    case Endpoint::Memb: {
        auto *s = new MemSocket(parent);
        s->connectToServer(e.memAddress());
        return s;
    }
    case Endpoint::Tcp: {
        if (e.name.isEmpty())
            return new MemConnPrivate::FailedDevice(address + QStringLiteral(": no host to dial"), parent);
        auto *s = new QTcpSocket(parent);
        s->connectToHost(e.name, e.port);
        return s;
    }
    case Endpoint::Local: {
        auto *s = new QLocalSocket(parent);
        s->connectToServer(e.name);
        return s;
    }
    case Endpoint::Invalid:
        break;
    }
    return new MemConnPrivate::FailedDevice(e.error, parent);
}

void MemConn::mapNetwork(const QString &from, const QString &to)
{
    MemConnPrivate::NetworkMap &map = MemConnPrivate::networkMap();
    std::lock_guard lock(map.mutex);
    map.set(from, to);
}

class MemListenerPrivate
{
public:
    std::unique_ptr<MemServer> mem;
    std::unique_ptr<QTcpServer> tcp;
    std::unique_ptr<QLocalServer> local;
    QString address;
    QString error;
};

MemListener::MemListener(QObject *parent) : QObject(parent), d(std::make_unique<MemListenerPrivate>()) {}

MemListener::~MemListener() = default;

bool MemListener::listen(const QString &address)
{
    if (isListening()) {
        d->error = address + QStringLiteral(": already listening on ") + d->address;
        return false;
    }
    const Endpoint e = Endpoint::resolve(address);
    switch (e.network) {
    case Endpoint::Invalid:
        d->error = e.error;
        return false;
    case Endpoint::Memu:
    case Endpoint::Memb:
        d->mem = std::make_unique<MemServer>();
        if (!d->mem->listen(e.memAddress())) {
            d->error = d->mem->errorString();
            d->mem.reset();
            return false;
        }
        connect(d->mem.get(), &MemServer::newConnection, this, &MemListener::newConnection);
        d->address = d->mem->fullServerName();
        break;
    case Endpoint::Tcp: {
        QHostAddress host(QHostAddress::Any);
        if (e.name == QLatin1StringView("localhost"))
            host = QHostAddress::LocalHost;
        else if (!e.name.isEmpty() && !host.setAddress(e.name)) {
            d->error = address + QStringLiteral(": cannot listen on \"%1\": give an IP address").arg(e.name);
            return false;
        }
        d->tcp = std::make_unique<QTcpServer>();
        if (!d->tcp->listen(host, e.port)) {
            d->error = address + QStringLiteral(": ") + d->tcp->errorString();
            d->tcp.reset();
            return false;
        }
        connect(d->tcp.get(), &QTcpServer::newConnection, this, &MemListener::newConnection);
        const QHostAddress bound = d->tcp->serverAddress();
        const QString ip = bound.protocol() == QAbstractSocket::IPv6Protocol
            ? QLatin1Char('[') + bound.toString() + QLatin1Char(']')
            : bound.toString();
        d->address = QStringLiteral("tcp:") + ip + QLatin1Char(':') + QString::number(d->tcp->serverPort());
        break;
    }
    case Endpoint::Local:
        d->local = std::make_unique<QLocalServer>();
        if (!d->local->listen(e.name)) {
            d->error = address + QStringLiteral(": ") + d->local->errorString();
            d->local.reset();
            return false;
        }
        connect(d->local.get(), &QLocalServer::newConnection, this, &MemListener::newConnection);
        d->address = QStringLiteral("local:") + e.name;
        break;
    }
    d->error.clear();
    return true;
}

QString MemListener::address() const
{
    return d->address;
}

bool MemListener::isListening() const
{
    return d->mem || d->tcp || d->local;
}

void MemListener::close()
{
    d->mem.reset();
    d->tcp.reset();
    d->local.reset();
    d->address.clear();
}

bool MemListener::hasPendingConnections() const
{
    return (d->mem && d->mem->hasPendingConnections()) || (d->tcp && d->tcp->hasPendingConnections())
        || (d->local && d->local->hasPendingConnections());
}

QIODevice *MemListener::nextPendingConnection()
{
    if (d->mem)
        return d->mem->nextPendingConnection();
    if (d->tcp)
        return d->tcp->nextPendingConnection();
    if (d->local)
        return d->local->nextPendingConnection();
    return nullptr;
}

QString MemListener::errorString() const
{
    return d->error;
}
