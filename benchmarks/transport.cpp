// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "transport.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qdir.h>

#include <atomic>

Transport::Transport(Kind kind) : m_kind(kind)
{
    static std::atomic<int> counter{0};
    m_name = QStringLiteral("bench-%1-%2").arg(QCoreApplication::applicationPid()).arg(++counter);
}

Transport::~Transport() = default;

template <typename Server>
void Transport::acceptFrom(Server *server)
{
    QObject::connect(server, &Server::newConnection, server, [this, server] {
        while (auto *s = server->nextPendingConnection()) {
            using Socket = std::remove_pointer_t<decltype(s)>;
            QObject::connect(s, &Socket::disconnected, s, &QObject::deleteLater);
            QObject::connect(s, &QObject::destroyed, server, [this] { --m_live; });
            ++m_live;
            m_onAccepted(s);
        }
    });
}

bool Transport::listen(Accepted onAccepted)
{
    m_onAccepted = std::move(onAccepted);
    switch (m_kind) {
    case Kind::Memu:
    case Kind::Memb:
        m_mem = std::make_unique<MemServer>();
        m_mem->setMaxPendingConnections(1 << 30);
        acceptFrom(m_mem.get());
        return m_mem->listen(m_name);
    case Kind::Tcp:
        m_tcp = std::make_unique<QTcpServer>();
        m_tcp->setMaxPendingConnections(1 << 30);
        acceptFrom(m_tcp.get());
        if (!m_tcp->listen(QHostAddress::LocalHost, 0))
            return false;
        m_port = m_tcp->serverPort();
        return true;
    case Kind::Local:
        m_local = std::make_unique<QLocalServer>();
        m_local->setMaxPendingConnections(1 << 30);
        acceptFrom(m_local.get());
        QLocalServer::removeServer(m_name);
        return m_local->listen(m_name);
    }
    return false;
}

QIODevice *Transport::dial() const
{
    switch (m_kind) {
    case Kind::Memu: {
        auto *s = new MemSocket;
        s->connectToServer(m_name);
        return s;
    }
    case Kind::Memb: {
        auto *s = new MemSocket;
        s->connectToServer(QStringLiteral("memb:") + m_name);
        return s;
    }
    case Kind::Tcp: {
        auto *s = new QTcpSocket;
        s->connectToHost(QHostAddress::LocalHost, m_port);
        return s;
    }
    case Kind::Local: {
        auto *s = new QLocalSocket;
        s->connectToServer(m_name);
        return s;
    }
    }
    return nullptr;
}

bool Transport::waitConnected(QIODevice *client, int msecs) const
{
    if (auto *m = qobject_cast<MemSocket *>(client))
        return m->waitForConnected(msecs);
    if (auto *t = qobject_cast<QAbstractSocket *>(client))
        return t->waitForConnected(msecs);
    if (auto *l = qobject_cast<QLocalSocket *>(client))
        return l->waitForConnected(msecs);
    return false;
}

void Transport::disconnect(QIODevice *client) const
{
    if (auto *m = qobject_cast<MemSocket *>(client))
        m->disconnectFromServer();
    else if (auto *t = qobject_cast<QAbstractSocket *>(client))
        t->disconnectFromHost();
    else if (auto *l = qobject_cast<QLocalSocket *>(client))
        l->disconnectFromServer();
}

bool Transport::isConnected(QIODevice *socket)
{
    if (auto *m = qobject_cast<MemSocket *>(socket))
        return m->state() == QAbstractSocket::ConnectedState;
    if (auto *t = qobject_cast<QAbstractSocket *>(socket))
        return t->state() == QAbstractSocket::ConnectedState;
    if (auto *l = qobject_cast<QLocalSocket *>(socket))
        return l->state() == QLocalSocket::ConnectedState;
    return false;
}
