// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Qt Remote Objects' public transport registry (qconnectionfactories.h, "if
// you need a custom transport protocol") given MemConn's schemes. Each device
// is Qt's TCP backend in shape: a client that asks to be reconnected while
// its server is not there yet, and server devices that own their socket.
#include "memremoteobjects.h"

#include <MemConn/MemConn>
#include <MemConn/MemServer>
#include <MemConn/MemSocket>
#include <MemConn/MemTcpServer>
#include <MemConn/MemTcpSocket>

#include <QtCore/qurl.h>
#include <QtRemoteObjects/qconnectionfactories.h>

#include <mutex>

namespace {

// Closes a device politely, whichever socket type it is: the peer keeps what
// was sent. (MemSocket is not a QAbstractSocket.)
void disconnectDevice(QIODevice *device)
{
    if (auto *mem = qobject_cast<MemSocket *>(device))
        mem->disconnectFromServer();
    else if (auto *tcp = qobject_cast<QAbstractSocket *>(device))
        tcp->disconnectFromHost();
}

// The connection a client device dials: "memu:NAME", or a tcp URL's host and port.
class ClientDevice : public QtROClientIoDevice
{
public:
    explicit ClientDevice(QObject *parent) : QtROClientIoDevice(parent) {}
    ~ClientDevice() override { close(); }

    QIODevice *connection() const override { return m_socket; }
    bool isOpen() const override
    {
        return !isClosing() && m_socket && m_socket->isOpen()
            && (state() == QAbstractSocket::ConnectedState || state() == QAbstractSocket::ConnectingState
                || state() == QAbstractSocket::HostLookupState);
    }

    void connectToServer() override
    {
        if (isOpen())
            return;
        delete m_socket;
        const QUrl u = url();
        if (u.scheme() == QLatin1StringView("tcp")) {
            auto *s = MemConn::createTcpSocket(this);
            watch(s);
            s->connectToHost(u.host(), quint16(u.port()));
            m_socket = s;
        } else {
            auto *s = new MemSocket(this);
            watch(s);
            m_socket = s;
            s->connectToServer(u.scheme() + QLatin1Char(':') + u.path());
        }
    }

protected:
    void doClose() override
    {
        if (m_socket && isOpen()) {
            connect(m_socket, &QObject::destroyed, this, &QObject::deleteLater);
            disconnectDevice(m_socket);
            m_socket->deleteLater();
            m_socket = nullptr;
        } else {
            deleteLater();
        }
    }
    void doDisconnectFromServer() override { disconnectDevice(m_socket); }

private:
    QAbstractSocket::SocketState state() const
    {
        if (auto *mem = qobject_cast<MemSocket *>(m_socket))
            return mem->state();
        if (auto *tcp = qobject_cast<QAbstractSocket *>(m_socket))
            return tcp->state();
        return QAbstractSocket::UnconnectedState;
    }
    template <typename Socket>
    void watch(Socket *s)
    {
        connect(s, &QIODevice::readyRead, this, &QtROIoDeviceBase::readyRead);
        connect(s, &Socket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
            switch (e) {
            case QAbstractSocket::RemoteHostClosedError:
                Q_EMIT disconnected();
                break;
            case QAbstractSocket::HostNotFoundError:       // MemSocket: no server yet
            case QAbstractSocket::ConnectionRefusedError:  // MemTcpSocket: no server yet
            case QAbstractSocket::SocketTimeoutError:
                Q_EMIT shouldReconnect(this);
                break;
            default:
                break;
            }
        });
        connect(s, &Socket::stateChanged, this, [this](QAbstractSocket::SocketState st) {
            if (st == QAbstractSocket::ConnectedState)
                initializeDataStream();
        });
    }

    QIODevice *m_socket = nullptr;
};

class ServerDevice : public QtROServerIoDevice
{
public:
    ServerDevice(QIODevice *socket, QObject *parent) : QtROServerIoDevice(parent), m_socket(socket)
    {
        socket->setParent(this);
        connect(socket, &QIODevice::readyRead, this, &QtROIoDeviceBase::readyRead);
        if (auto *mem = qobject_cast<MemSocket *>(socket))
            connect(mem, &MemSocket::disconnected, this, &QtROIoDeviceBase::disconnected);
        else if (auto *tcp = qobject_cast<QAbstractSocket *>(socket))
            connect(tcp, &QAbstractSocket::disconnected, this, &QtROIoDeviceBase::disconnected);
    }
    QIODevice *connection() const override { return m_socket; }

protected:
    void doClose() override { disconnectDevice(m_socket); }

private:
    QIODevice *m_socket;
};

// A host's listener: a MemServer on "memu:NAME"/"memb:NAME", or for a tcp
// URL the server MemConn::createTcpServer() makes.
class Server : public QConnectionAbstractServer
{
public:
    explicit Server(QObject *parent) : QConnectionAbstractServer(parent) {}
    ~Server() override { close(); }

    bool hasPendingConnections() const override
    {
        return m_mem ? m_mem->hasPendingConnections() : m_tcp && m_tcp->hasPendingConnections();
    }
    QUrl address() const override { return m_url; }
    bool listen(const QUrl &url) override
    {
        close();
        m_url = url;
        if (url.scheme() == QLatin1StringView("tcp")) {
            m_tcp = MemConn::createTcpServer(this);
            connect(m_tcp, &QTcpServer::newConnection, this, &QConnectionAbstractServer::newConnection);
            QHostAddress address;
            if (url.host().isEmpty() || url.host() == QLatin1StringView("localhost"))
                address = QHostAddress::LocalHost;
            else
                address.setAddress(url.host());
            return MemConn::listenTcp(m_tcp, address, quint16(url.port()));
        }
        m_mem = new MemServer(this);
        connect(m_mem, &MemServer::newConnection, this, &QConnectionAbstractServer::newConnection);
        return m_mem->listen(url.scheme() + QLatin1Char(':') + url.path());
    }
    QAbstractSocket::SocketError serverError() const override
    {
        if (m_mem)
            return m_mem->serverError();
        if (auto *mem = qobject_cast<MemTcpServer *>(m_tcp))
            return mem->serverError();
        return m_tcp ? m_tcp->serverError() : QAbstractSocket::UnknownSocketError;
    }
    void close() override
    {
        if (m_mem)
            m_mem->close();
        else if (auto *mem = qobject_cast<MemTcpServer *>(m_tcp))
            mem->close();
        else if (m_tcp)
            m_tcp->close();
    }

protected:
    QtROServerIoDevice *configureNewConnection() override
    {
        QIODevice *next = m_mem ? static_cast<QIODevice *>(m_mem->nextPendingConnection())
                                : m_tcp ? m_tcp->nextPendingConnection() : nullptr;
        return next ? new ServerDevice(next, this) : nullptr;
    }

private:
    QUrl m_url;
    MemServer *m_mem = nullptr;
    QTcpServer *m_tcp = nullptr;
};

} // namespace

void MemConn::registerRemoteObjectsTransport()
{
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    for (const QString &scheme : {QStringLiteral("memu"), QStringLiteral("memb")}) {
        qRegisterRemoteObjectsServer<Server>(scheme);
        qRegisterRemoteObjectsClient<ClientDevice>(scheme);
    }
    QTcpSocket *probe = MemConn::createTcpSocket();
    const bool tcpInMemory = qobject_cast<MemTcpSocket *>(probe) != nullptr;
    delete probe;
    if (tcpInMemory) {
        qRegisterRemoteObjectsServer<Server>(QStringLiteral("tcp"));
        qRegisterRemoteObjectsClient<ClientDevice>(QStringLiteral("tcp"));
    }
}
