// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// MemListener: one listener for every address MemConn::dial() takes.
#include "memlistener.h"

#include "memaddress_p.h"
#include "memendpoint_p.h"
#include "memserver.h"
#include "memsocket.h"
#include "memtcpserver_p.h"
#include "memtcpserver.h"

#include <QtNetwork/qhostaddress.h>
#include <QtNetwork/qlocalserver.h>
#include <QtNetwork/qlocalsocket.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

using MemConnPrivate::Endpoint;

// The inner server is a QObject child of the listener, so it follows the
// listener to another thread; taken connections are reparented to the
// listener, so closing the inner server leaves them alone.
class MemListenerPrivate
{
public:
    MemServer *mem = nullptr;
    QTcpServer *tcp = nullptr;
    QLocalServer *local = nullptr;
    QString address;
    QString error;

    QObject *server() const
    {
        return mem ? static_cast<QObject *>(mem) : tcp ? static_cast<QObject *>(tcp) : local;
    }
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
    case Endpoint::Memb: {
        if (e.fromTcp) {
            // TCP code in memory: a QTcpServer handing out QTcpSockets, as
            // without the mapping, on the in-memory name "HOST:PORT".
            auto *server = new MemTcpServer(this);
            MemConnPrivate::setServerBuffered(server, e.network == Endpoint::Memb);
            if (!MemConnPrivate::listenOnHost(server, e.host, e.port)) {
                d->error = address + QStringLiteral(": ") + server->errorString();
                delete server;
                return false;
            }
            connect(server, &QTcpServer::newConnection, this, &MemListener::newConnection);
            d->tcp = server;
            d->address = MemConnPrivate::Address::format(
                e.network == Endpoint::Memb,
                e.host.isEmpty() ? MemConnPrivate::tcpName(server->serverAddress(), server->serverPort())
                                 : MemConnPrivate::tcpName(e.host, server->serverPort()));
            break;
        }
        auto *server = new MemServer(this);
        if (!server->listen(MemConnPrivate::Address::format(e.network == Endpoint::Memb, e.name))) {
            d->error = server->errorString();
            delete server;
            return false;
        }
        connect(server, &MemServer::newConnection, this, &MemListener::newConnection);
        d->mem = server;
        d->address = server->fullServerName();
        break;
    }
    case Endpoint::Tcp: {
        QHostAddress host(QHostAddress::Any);
        if (e.name == QLatin1StringView("localhost"))
            host = QHostAddress::LocalHost;
        else if (!e.name.isEmpty() && !host.setAddress(e.name)) {
            d->error = address + QStringLiteral(": cannot listen on \"%1\": give an IP address").arg(e.name);
            return false;
        }
        auto *server = new QTcpServer(this);
        if (!server->listen(host, e.port)) {
            d->error = address + QStringLiteral(": ") + server->errorString();
            delete server;
            return false;
        }
        connect(server, &QTcpServer::newConnection, this, &MemListener::newConnection);
        d->tcp = server;
        const QHostAddress bound = server->serverAddress();
        const QString ip = bound.protocol() == QAbstractSocket::IPv6Protocol
            ? QLatin1Char('[') + bound.toString() + QLatin1Char(']')
            : bound.toString();
        d->address = QStringLiteral("tcp:") + ip + QLatin1Char(':') + QString::number(server->serverPort());
        break;
    }
    case Endpoint::Local: {
        auto *server = new QLocalServer(this);
        if (!server->listen(e.name)) {
            d->error = address + QStringLiteral(": ") + server->errorString();
            delete server;
            return false;
        }
        connect(server, &QLocalServer::newConnection, this, &MemListener::newConnection);
        d->local = server;
        d->address = QStringLiteral("local:") + e.name;
        break;
    }
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
    return d->server() != nullptr;
}

void MemListener::close()
{
    QObject *server = d->server();
    if (!server)
        return;
    // Each server frees its name or port at once and deletes what was not
    // taken; taken devices belong to the listener now and stay connected.
    if (d->mem)
        d->mem->close();
    else if (auto *mem = qobject_cast<MemTcpServer *>(d->tcp))
        mem->close();
    else if (d->tcp)
        d->tcp->close();
    else
        d->local->close();
    server->disconnect(this);
    server->deleteLater();   // close() may run inside the server's own signal
    d->mem = nullptr;
    d->tcp = nullptr;
    d->local = nullptr;
    d->address.clear();
}

bool MemListener::hasPendingConnections() const
{
    return (d->mem && d->mem->hasPendingConnections()) || (d->tcp && d->tcp->hasPendingConnections())
        || (d->local && d->local->hasPendingConnections());
}

QIODevice *MemListener::nextPendingConnection()
{
    QIODevice *device = nullptr;
    if (d->mem)
        device = d->mem->nextPendingConnection();
    else if (d->tcp)
        device = d->tcp->nextPendingConnection();
    else if (d->local)
        device = d->local->nextPendingConnection();
    if (device)
        device->setParent(this);
    return device;
}

QString MemListener::errorString() const
{
    return d->error;
}
