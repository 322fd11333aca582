// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memconn_global.h"

#include <QtCore/qdeadlinetimer.h>
#include <QtNetwork/qtcpserver.h>

#include <memory>

class MemTcpSocket;
class MemTcpServerPrivate;

/*!
    \class MemTcpServer
    \brief A QTcpServer that listens in memory: its connections are MemConn
    connections and nextPendingConnection() returns MemTcpSocket objects.

    Ports are in-memory ports, separate from the kernel's: a real QTcpServer
    may listen on the same port at the same time. So that code holding a
    QTcpServer* (QHttpServer::bind() among it) sees a listening server, a
    listening MemTcpServer hands QTcpServer a descriptor of a socketpair that
    never becomes readable: two file descriptors per listening server, none
    per connection, no port. Through a QTcpServer* serverPort(),
    serverAddress(), waitForNewConnection() and serverError() read Qt's
    private engine and cannot be right (0, the socketpair, false, no error);
    this class's own versions are.
*/
class MEMCONN_EXPORT MemTcpServer : public QTcpServer
{
    Q_OBJECT

public:
    /*! A server that does not listen yet, owned by \a parent. */
    explicit MemTcpServer(QObject *parent = nullptr);
    /*! Closes the server; sockets it still owns (children) are deleted with it. */
    ~MemTcpServer() override;

    /*!
        Listens on \a port of \a address in memory (never on a kernel port).
        Port 0 picks a free in-memory port, reported by serverPort().
        QHostAddress::Any, AnyIPv4 and AnyIPv6 are wildcards (see
        MemTcpSocket::connectToHost()). Returns false with serverError() and
        errorString() naming ADDRESS:PORT when the port is taken there
        (AddressInUseError) or the address is null. Already listening:
        warns, returns false. Hides the non-virtual QTcpServer::listen(): do
        not call that one through a QTcpServer*, it opens a kernel socket.
    */
    bool listen(const QHostAddress &address = QHostAddress::Any, quint16 port = 0);
    /*!
        Stops listening and frees the port before it returns; connections
        not yet taken are deleted, clients in the backlog are refused. The
        same happens when QTcpServer::close() is called through a base
        pointer.
    */
    void close();
    /*! True between a successful listen() and close(), also through a QTcpServer*. */
    bool isListening() const;
    /*! The in-memory port listened on (the one picked for port 0); 0 when not listening. */
    quint16 serverPort() const;
    /*! The address given to listen(); QHostAddress::Null when not listening. */
    QHostAddress serverAddress() const;
    /*!
        Why the last listen() failed, or SocketTimeoutError after a
        waitForNewConnection() that timed out (also one called through a
        QTcpServer*), as QTcpServer reports them; UnknownSocketError after a
        successful listen().
    */
    QAbstractSocket::SocketError serverError() const;
    /*! The reason, naming ADDRESS:PORT. */
    QString errorString() const;
    /*!
        Blocks until a client arrives, at most \a msec; see
        MemServer::waitForNewConnection(). A timeout sets serverError() to
        SocketTimeoutError. QTcpServer's own, reached through a QTcpServer*,
        is not virtual and sees no in-memory client: it only times out.
    */
    bool waitForNewConnection(int msec = 0, bool *timedOut = nullptr);
    /*!
        Clients stay in ConnectingState until resumeAccepting(). Through a
        QTcpServer* these toggle a notifier on the socketpair and are
        harmless, but they do not pause.
    */
    void pauseAccepting();
    /*! Clients waiting since pauseAccepting() connect in arrival order as the backlog has room. */
    void resumeAccepting();

    /*! True when nextPendingConnection() has a connection to return. */
    bool hasPendingConnections() const override;
    /*! The next connection, a MemTcpSocket owned by this server; null when none. */
    QTcpSocket *nextPendingConnection() override;

protected:
    /*!
        Called for every new connection before newConnection(); the socket
        is already connected and is a child of this server. The default
        queues it with addPendingConnection(). Override it (instead of
        incomingConnection(qintptr), which is never called) to hand
        connections to other threads: a socket not queued does not count
        against maxPendingConnections().
    */
    virtual void incomingConnection(MemTcpSocket *socket);
    // Kept visible beside the overload above (MemTcpServer never calls it).
    using QTcpServer::incomingConnection;
    /*!
        Queues \a socket for nextPendingConnection() and emits
        pendingConnectionAvailable(). Hides QTcpServer::addPendingConnection().
    */
    void addPendingConnection(MemTcpSocket *socket);

    //! \cond internal
    std::unique_ptr<MemTcpServerPrivate> d;
    //! \endcond
};
