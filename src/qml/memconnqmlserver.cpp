// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memconnqml_p.h"

#include <QtCore/qpointer.h>
#include <QtQml/qqmlengine.h>

QmlMemServer::QmlMemServer(QObject *parent)
    : QObject(parent), m_server(new MemServer(this))
{
    connect(m_server, &MemServer::newConnection, this, &QmlMemServer::takeConnections);
}

QmlMemServer::~QmlMemServer()
{
    QObject::disconnect(m_server, nullptr, this, nullptr);
}

void QmlMemServer::componentComplete()
{
    m_complete = true;
    update();
}

void QmlMemServer::setName(const QString &name)
{
    if (name == m_name)
        return;
    m_name = name;
    const QPointer<QmlMemServer> alive(this);
    Q_EMIT nameChanged();
    if (!alive)   // a handler destroyed this server
        return;
    if (m_complete) {
        m_server->close();
        update();
    }
}

bool QmlMemServer::isListening() const
{
    return m_complete ? m_server->isListening() : m_wanted;
}

void QmlMemServer::setListening(bool listening)
{
    m_wanted = listening;
    update();
}

void QmlMemServer::setMaxPendingConnections(int n)
{
    // Announced only when what the property reads changes.
    const int before = m_server->maxPendingConnections();
    m_server->setMaxPendingConnections(n);
    if (m_server->maxPendingConnections() != before)
        Q_EMIT maxPendingConnectionsChanged();
}

void QmlMemServer::update()
{
    if (m_complete) {
        if (m_wanted && !m_server->isListening()) {
            const bool ok = m_server->listen(m_name);
            const QString error = ok ? QString() : m_server->errorString();
            if (error != m_errorString) {
                m_errorString = error;
                const QPointer<QmlMemServer> alive(this);
                Q_EMIT errorStringChanged();
                if (!alive)
                    return;
            }
        } else if (!m_wanted && m_server->isListening()) {
            m_server->close();
        }
    }
    syncListening();
}

void QmlMemServer::syncListening()
{
    const bool listening = isListening();
    if (listening != m_lastListening) {
        m_lastListening = listening;
        Q_EMIT listeningChanged();
    }
}

// A clientConnected() handler may destroy this server (and with it every
// socket it handed out) or the socket it was given: both are checked after
// each emit, and what is still pending stays with the server's backlog.
void QmlMemServer::takeConnections()
{
    const QPointer<QmlMemServer> alive(this);
    while (MemSocket *socket = m_server->nextPendingConnection()) {
        auto *wrapper = new QmlMemSocket(socket, this);
        QQmlEngine::setObjectOwnership(wrapper, QQmlEngine::CppOwnership);
        const QPointer<QmlMemSocket> taken(wrapper);
        Q_EMIT clientConnected(wrapper);
        if (!alive)
            return;
        // Its peer left before it was taken, or a handler closed it: the
        // disconnected() that deletes it may have come already.
        if (taken && socket->state() == QAbstractSocket::UnconnectedState)
            wrapper->deleteLater();
    }
}
