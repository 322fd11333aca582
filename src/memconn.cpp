// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// The MemConn:: functions of <MemConn/MemConn>: dial() and mapNetwork() (one
// address string for every transport), the TCP factories, network conditions
// and capture. The diagnostics, connections() and its QDebug output, are the
// second part, memdiagnostics.cpp.
#include "memconn.h"

#include "memaddress_p.h"
#include "memcapture_p.h"
#include "memconditions_p.h"
#include "memendpoint_p.h"
#include "memsocket.h"
#include "memtcpserver_p.h"
#include "memtcpserver.h"
#include "memtcpsocket.h"

#include <QtNetwork/qlocalsocket.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

namespace MemConnPrivate {
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
        if (e.fromTcp) {   // TCP code in memory: a QTcpSocket, as without the mapping
            auto *s = new MemTcpSocket(parent);
            s->setBuffered(e.network == Endpoint::Memb);
            s->connectToHost(e.host, e.port);
            return s;
        }
        auto *s = new MemSocket(parent);
        s->connectToServer(MemConnPrivate::Address::format(e.network == Endpoint::Memb, e.name));
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
    Endpoint::setMapping(from, to);
}

QTcpSocket *MemConn::createTcpSocket(QObject *parent)
{
    const Endpoint::Network n = Endpoint::mapped(QStringLiteral("tcp"));
    if (n != Endpoint::Memu && n != Endpoint::Memb)
        return new QTcpSocket(parent);
    auto *s = new MemTcpSocket(parent);
    s->setBuffered(n == Endpoint::Memb);
    return s;
}

QTcpServer *MemConn::createTcpServer(QObject *parent)
{
    const Endpoint::Network n = Endpoint::mapped(QStringLiteral("tcp"));
    if (n != Endpoint::Memu && n != Endpoint::Memb)
        return new QTcpServer(parent);
    auto *s = new MemTcpServer(parent);
    MemConnPrivate::setServerBuffered(s, n == Endpoint::Memb);
    return s;
}

void MemConn::setConditions(const QString &serverName, const Conditions &conditions)
{
    MemConnPrivate::setConditionsFor(serverName, conditions);
}

void MemConn::clearConditions(const QString &serverName)
{
    MemConnPrivate::clearConditionsFor(serverName);
}

bool MemConn::startCapture(const QString &path, const QString &nameFilter)
{
    return MemConnPrivate::startCapture(path, nameFilter);
}

void MemConn::stopCapture()
{
    MemConnPrivate::stopCapture();
}

bool MemConn::listenTcp(QTcpServer *server, const QHostAddress &address, quint16 port)
{
    if (!server)
        return false;
    if (auto *mem = qobject_cast<MemTcpServer *>(server))
        return mem->listen(address, port);
    return server->listen(address, port);
}
