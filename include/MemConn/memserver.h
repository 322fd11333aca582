// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memconn_global.h"

#include <QtCore/qdeadlinetimer.h>
#include <QtCore/qobject.h>
#include <QtCore/qstringlist.h>
#include <QtNetwork/qabstractsocket.h>

#include <memory>

QT_BEGIN_NAMESPACE
class QDebug;
QT_END_NAMESPACE

class MemSocket;
class MemServerPrivate;

/*!
    \class MemServer
    \brief Listens on a process-wide name and accepts MemSocket connections:
    the in-process counterpart of QLocalServer and QTcpServer.

    listen("chat"), listen("memu:chat") and listen("memb:chat") all hold the
    name "chat"; the prefix only chooses the network of this server's sockets,
    and clients of either network reach it. Incoming connections become
    MemSocket objects owned by the server, as QTcpServer's are.
*/
class MEMCONN_EXPORT MemServer : public QObject
{
    Q_OBJECT

public:
    /*! A server that does not listen yet, owned by \a parent. */
    explicit MemServer(QObject *parent = nullptr);
    /*! Closes the server (see close()); sockets it still owns are deleted with it. */
    ~MemServer() override;

    /*!
        Listens on \a name. Returns false and sets serverError() and
        errorString() when the name is empty (HostNotFoundError) or already
        held by another server (AddressInUseError; the holder is not
        disturbed). Already listening: warns, returns false, changes nothing.
    */
    bool listen(const QString &name);
    /*!
        Stops listening and frees the name at once: another server may listen
        on it immediately. Connections not yet taken with
        nextPendingConnection() are deleted (their clients see
        RemoteHostClosedError); clients still waiting in the backlog fail with
        ConnectionRefusedError; taken sockets are untouched.
    */
    void close();
    /*! True between a successful listen() and close(). */
    bool isListening() const;
    /*! The name as given to listen(); empty when not listening. */
    QString serverName() const;
    /*! "memu:chat" or "memb:chat"; empty when not listening. */
    QString fullServerName() const;

    /*!
        At most \a numConnections connections wait to be taken (default 30).
        Further clients, and all clients while accepting is paused, stay in
        ConnectingState in arrival order and connect as room frees. As with
        QLocalServer, the value is kept as given; 0 or less leaves no room, so
        only waitForNewConnection() accepts (one client per call).
    */
    void setMaxPendingConnections(int numConnections);
    /*! The backlog's size, as given to setMaxPendingConnections(). */
    int maxPendingConnections() const;

    /*! True as soon as a client is connected and not yet taken. */
    virtual bool hasPendingConnections() const;
    /*!
        Returns the next connected socket, or nullptr. The socket is owned by
        the server (deleted with it) until the caller reparents or deletes it.
        It may be taken before newConnection() is emitted for it; the signal is
        then not emitted for it.
    */
    virtual MemSocket *nextPendingConnection();

    /*!
        Blocks until a connection is pending or the time runs out (then
        *timedOut is true), and emits newConnection() for it before returning.
        Accepts one waiting client even when the pending list is full, as
        QLocalServer does. Not listening: returns false at once with *timedOut
        false. Blocking waits never run the event loop.
    */
    bool waitForNewConnection(int msec = 0, bool *timedOut = nullptr);
    /*!
        \overload
        Waits until \a deadline.
    */
    bool waitForNewConnection(QDeadlineTimer deadline, bool *timedOut = nullptr);

    /*! New clients wait in ConnectingState until resumeAccepting(). */
    void pauseAccepting();
    /*! Clients waiting since pauseAccepting() connect in arrival order as the backlog has room. */
    void resumeAccepting();

    /*! Why the last listen() failed; UnknownSocketError after a success. */
    QAbstractSocket::SocketError serverError() const;
    /*! The reason, naming the address ("memu:chat: the name is already held by another server"). */
    QString errorString() const;

    /*! The names (without network) listening now in this process. Thread-safe. */
    static QStringList serverNames();

Q_SIGNALS:
    /*! Emitted through the server's event loop, once per connection, after incomingConnection(). */
    void newConnection();

protected:
    /*!
        Called in the server's thread for each new connection with a connected
        socket owned by the server. The default calls addPendingConnection();
        an override may instead hand the socket on, for example to a worker
        thread (setParent(nullptr), then moveToThread()), which then owns it.
    */
    virtual void incomingConnection(MemSocket *socket);
    /*! Appends \a socket to the pending connections nextPendingConnection() returns. */
    void addPendingConnection(MemSocket *socket);
    //! \cond internal
    bool event(QEvent *event) override;

    // Internal, like QObject::d_ptr.
    std::unique_ptr<MemServerPrivate> d;
    //! \endcond

private:
    Q_DISABLE_COPY_MOVE(MemServer)
};

#ifndef QT_NO_DEBUG_STREAM
/*!
    \relates MemServer
    Writes \a server for debugging: its object name (when set),
    fullServerName(), whether it listens, and how many connections wait to
    be taken, for example
    `MemServer(0x5581d0, "memu:chat", listening, pending 2 of 30)`.
    Call it in the server's thread.
*/
MEMCONN_EXPORT QDebug operator<<(QDebug debug, const MemServer *server);
#endif
