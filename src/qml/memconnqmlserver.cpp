// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memconnqml_p.h"

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
    Q_EMIT nameChanged();
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
    if (n == m_server->maxPendingConnections())
        return;
    m_server->setMaxPendingConnections(n);
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
                Q_EMIT errorStringChanged();
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

void QmlMemServer::takeConnections()
{
    while (MemSocket *socket = m_server->nextPendingConnection()) {
        auto *wrapper = new QmlMemSocket(socket, this);
        QQmlEngine::setObjectOwnership(wrapper, QQmlEngine::CppOwnership);
        Q_EMIT clientConnected(wrapper);
        // Its peer left before it was taken, or a handler closed it: the
        // disconnected() that deletes it may have come already.
        if (socket->state() == QAbstractSocket::UnconnectedState)
            wrapper->deleteLater();
    }
}
