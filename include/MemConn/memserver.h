// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memconn_global.h"

#include <QtCore/qdeadlinetimer.h>
#include <QtCore/qobject.h>
#include <QtCore/qstringlist.h>
#include <QtNetwork/qabstractsocket.h>

#include <memory>

class MemSocket;
class MemServerPrivate;

/*!
    MemServer listens on a process-wide name and accepts MemSocket connections:
    the in-process counterpart of QLocalServer/QTcpServer.

    - listen("chat"), listen("memu:chat") and listen("memb:chat") all hold the
      name "chat"; the prefix only chooses the network of this server's
      sockets. A client of either network reaches it.
    - Incoming connections become MemSocket objects created in the server's
      thread and owned by it, as QTcpServer's are: they are deleted with the
      server unless reparented, and follow it to another thread. Their
      parent() is an internal holder object, a child of the server, so that
      closing one costs the same with a million connections open as with one. newConnection() is emitted through the
      server's event loop, once per connection, after incomingConnection().
      hasPendingConnections() is true as soon as a client is connected, and
      nextPendingConnection() may take it before newConnection() is emitted
      (newConnection() is then not emitted for it).
    - Backlog: at most maxPendingConnections() connections wait to be taken.
      Further clients, and all clients while accepting is paused, stay in
      ConnectingState in arrival order and connect as room frees.
    - close() and destruction free the name at once. Connections not yet taken
      are deleted (their clients see RemoteHostClosedError); clients still in
      the backlog fail with ConnectionRefusedError; taken sockets are untouched.
    - A listening server may be moved to another thread; its sockets, being its
      children, follow it.
*/
class MEMCONN_EXPORT MemServer : public QObject
{
    Q_OBJECT

public:
    explicit MemServer(QObject *parent = nullptr);
    ~MemServer() override;

    /*!
        Listens on \a name. Returns false and sets serverError()/errorString()
        when the name is empty (HostNotFoundError) or already held
        (AddressInUseError; the holder is not disturbed). Returns false and
        changes nothing when already listening.
    */
    bool listen(const QString &name);
    void close();
    bool isListening() const;
    QString serverName() const;       // as given to listen()
    QString fullServerName() const;   // "memu:chat" or "memb:chat"

    void setMaxPendingConnections(int numConnections);   // default 30
    int maxPendingConnections() const;

    virtual bool hasPendingConnections() const;
    /*!
        Returns the next connected socket, or nullptr. The socket is a child of
        the server; the caller may reparent or delete it.
    */
    virtual MemSocket *nextPendingConnection();

    /*!
        Blocks until a connection is pending or the time runs out (then
        *timedOut is true). Not listening: returns false at once with *timedOut
        false. Emits newConnection() for the connection before returning.
    */
    bool waitForNewConnection(int msec = 0, bool *timedOut = nullptr);
    bool waitForNewConnection(QDeadlineTimer deadline, bool *timedOut = nullptr);

    void pauseAccepting();
    void resumeAccepting();

    QAbstractSocket::SocketError serverError() const;
    QString errorString() const;

    /*! The names (without network prefix) listening now in this process. Thread-safe. */
    static QStringList serverNames();

Q_SIGNALS:
    void newConnection();

protected:
    /*!
        Called in the server's thread for each new connection with a connected
        socket whose parent is the server. The default calls
        addPendingConnection(); an override may instead move the socket to a
        worker thread (setParent(nullptr) first), which takes it.
    */
    virtual void incomingConnection(MemSocket *socket);
    void addPendingConnection(MemSocket *socket);
    bool event(QEvent *event) override;

    // Internal, like QObject::d_ptr.
    std::unique_ptr<MemServerPrivate> d;

private:
    Q_DISABLE_COPY_MOVE(MemServer)
};
