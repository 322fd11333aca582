// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// The QML module MemConn: the types MemServer and MemSocket, declarative
// wrappers over the C++ classes of the same names, in the style of
// QtWebSockets' WebSocketServer/WebSocket.

#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/qbytearray.h>
#include <QtCore/qobject.h>
#include <QtCore/qvariant.h>
#include <QtQml/qqmlparserstatus.h>
#include <QtQml/qqmlregistration.h>

#include <optional>

/*!
    QML type MemSocket: one end of a MemConn connection.

    - serverName: the address to connect to ("chat", "memu:chat", "memb:chat").
      Changing it while active closes the connection and connects to the new
      name.
    - active: true connects, false disconnects. Nothing happens before the
      component is complete; a socket declared with active: true then
      connects once the whole creation is complete (Component.completed,
      also under an asynchronous Loader) and control is back in the event
      loop, so a MemServer declared in the same file (before or after it) is
      already listening, and a socket destroyed in the turn that created it
      never connects. Set later, active: true connects at once, and
      with room in the server's backlog the socket is connected when the
      setter returns, as in C++. It reads true while the socket is about to
      connect, connecting or connected, and turns false by itself when the
      connection fails or ends, so setting it to true again retries (after a
      failure, or after the peer closed).
    - state (read-only): the QAbstractSocket::SocketState value, also
      available as MemSocket.UnconnectedState ... MemSocket.ClosingState.
    - errorString (read-only): empty until an error; then the library's text,
      which names the address. A write() refused for its argument's type sets
      it too. Setting active to true clears it.
    - bytesAvailable (read-only): bytes ready to read.
    - write(data): a string is sent as UTF-8, an ArrayBuffer as its bytes, a
      typed array or DataView (ArrayBuffer.isView() is true) as the bytes it
      views; returns the number of bytes written, or -1 (not connected, peer
      gone, any other argument type, an object merely shaped like a view)
      with errorString set. Never writes partially. The bytes are copied:
      the caller may reuse its buffer at once.
    - readAll() returns an ArrayBuffer that is the caller's alone (copied
      when its bytes are shared with the writer or other readers: JS writes
      into an ArrayBuffer in place); readAllText() the same bytes decoded as
      UTF-8. readLine() returns the next whole line including its '\n', or ""
      while no whole line has arrived; once the peer has gone it also returns
      a last line that has no '\n'. canReadLine() tells whether a whole line
      is waiting.
    - Signals: connected(), disconnected(), readyRead(), errorOccurred(error)
      with a MemSocket.SocketError (QAbstractSocket's values),
      stateChanged(socketState). As in C++, they arrive through the event
      loop of the socket's thread, never inside the writer's write() call.
      readyRead() comes only with bytes to read. A handler may destroy the
      socket, or reconnect it; nothing of the old connection follows the
      new connection's connected(). Reconnecting discards unread input and
      emits bytesAvailableChanged.

    Server-side sockets (the argument of MemServer.clientConnected) are owned
    by their MemServer: they are deleted (references to them become null)
    after their disconnected() handlers have run, or when the server is
    destroyed, whichever comes first. Setting listening to false leaves them
    connected, as MemServer::close() does in C++. They cannot reconnect:
    setting active to true on one that has disconnected leaves it false with
    an errorString, and serverName is read-only on them. A MemSocket declared
    in QML is owned by its QML context like any other item.
*/
class QmlMemSocket : public QObject, public QQmlParserStatus
{
    Q_OBJECT
    QML_NAMED_ELEMENT(MemSocket)
    Q_INTERFACES(QQmlParserStatus)
    Q_PROPERTY(QString serverName READ serverName WRITE setServerName NOTIFY serverNameChanged)
    Q_PROPERTY(bool active READ isActive WRITE setActive NOTIFY activeChanged)
    Q_PROPERTY(SocketState state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)
    Q_PROPERTY(qint64 bytesAvailable READ bytesAvailable NOTIFY bytesAvailableChanged)
    Q_PROPERTY(bool serverSide READ isServerSide CONSTANT)

public:
    // QAbstractSocket's enums, visible to QML as MemSocket.<value>.
    enum SocketState {
        UnconnectedState = QAbstractSocket::UnconnectedState,
        HostLookupState = QAbstractSocket::HostLookupState,
        ConnectingState = QAbstractSocket::ConnectingState,
        ConnectedState = QAbstractSocket::ConnectedState,
        BoundState = QAbstractSocket::BoundState,
        ListeningState = QAbstractSocket::ListeningState,
        ClosingState = QAbstractSocket::ClosingState
    };
    Q_ENUM(SocketState)
    enum SocketError {
        ConnectionRefusedError = QAbstractSocket::ConnectionRefusedError,
        RemoteHostClosedError = QAbstractSocket::RemoteHostClosedError,
        HostNotFoundError = QAbstractSocket::HostNotFoundError,
        SocketAccessError = QAbstractSocket::SocketAccessError,
        SocketResourceError = QAbstractSocket::SocketResourceError,
        SocketTimeoutError = QAbstractSocket::SocketTimeoutError,
        AddressInUseError = QAbstractSocket::AddressInUseError,
        OperationError = QAbstractSocket::OperationError,
        UnknownSocketError = QAbstractSocket::UnknownSocketError
    };
    Q_ENUM(SocketError)

    explicit QmlMemSocket(QObject *parent = nullptr);
    // A server-side socket: takes ownership of socket, is complete at once.
    QmlMemSocket(MemSocket *socket, QObject *parent);
    ~QmlMemSocket() override;

    QString serverName() const;
    void setServerName(const QString &name);
    bool isActive() const;
    void setActive(bool active);
    SocketState state() const;
    QString errorString() const { return m_errorString; }
    qint64 bytesAvailable() const;
    bool isServerSide() const { return m_serverSide; }
    MemSocket *socket() const { return m_socket; }

    Q_INVOKABLE qint64 write(const QVariant &data);
    Q_INVOKABLE QByteArray readAll();
    Q_INVOKABLE QString readAllText();
    Q_INVOKABLE QString readLine();
    Q_INVOKABLE bool canReadLine() const;

    void classBegin() override {}
    void componentComplete() override;
    void openPending();   // the connection active: true asked for before completion

Q_SIGNALS:
    void serverNameChanged();
    void activeChanged();
    // Not named `state`: a handler reading the property (onStateChanged:
    // console.log(state)) would get the injected parameter and QML's
    // deprecation warning.
    void stateChanged(QmlMemSocket::SocketState socketState);
    void errorStringChanged();
    void bytesAvailableChanged();
    void connected();
    void disconnected();
    void readyRead();
    void errorOccurred(QmlMemSocket::SocketError error);

private Q_SLOTS:
    void postOpen();

private:
    std::optional<QByteArray> bytesOf(const QVariant &data) const;
    void attach();
    void open();
    void syncActive();
    void syncAvailable();
    void setErrorString(const QString &text);

    MemSocket *m_socket;
    QString m_serverName;
    QString m_errorString;
    bool m_complete = false;
    bool m_serverSide = false;
    bool m_requested = false;     // active as set before the component is complete
    bool m_openPending = false;   // complete, about to connect in the next event-loop turn
    bool m_lastActive = false;    // what activeChanged last announced
    qint64 m_lastAvailable = 0;
};

/*!
    QML type MemServer: listens on a name and hands each connection to QML.

    - name: "chat", "memu:chat" or "memb:chat". Changing it while listening
      closes the server and listens on the new name.
    - listening: true listens, false closes (connections already handed out
      stay connected). Nothing happens before the component is complete. It
      reads the server's real state: when listen() fails (empty name, name
      already held) it stays false and errorString says why, so setting it to
      true again retries.
    - maxPendingConnections: MemServer's backlog (default 30). The QML server
      takes every connection as soon as it is announced, so the backlog only
      fills while its thread is busy.
    - errorString (read-only): empty until listen() fails; then the
      library's text, naming the address.
    - clientConnected(MemSocket socket): once per connection, through the
      server's event loop. The socket is connected and owned by this server
      (see MemSocket above for its lifetime).
*/
class QmlMemServer : public QObject, public QQmlParserStatus
{
    Q_OBJECT
    QML_NAMED_ELEMENT(MemServer)
    Q_INTERFACES(QQmlParserStatus)
    Q_PROPERTY(QString name READ name WRITE setName NOTIFY nameChanged)
    Q_PROPERTY(bool listening READ isListening WRITE setListening NOTIFY listeningChanged)
    Q_PROPERTY(int maxPendingConnections READ maxPendingConnections
               WRITE setMaxPendingConnections NOTIFY maxPendingConnectionsChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorStringChanged)

public:
    explicit QmlMemServer(QObject *parent = nullptr);
    ~QmlMemServer() override;

    QString name() const { return m_name; }
    void setName(const QString &name);
    bool isListening() const;
    void setListening(bool listening);
    int maxPendingConnections() const { return m_server->maxPendingConnections(); }
    void setMaxPendingConnections(int n);
    QString errorString() const { return m_errorString; }

    void classBegin() override {}
    void componentComplete() override;

Q_SIGNALS:
    void nameChanged();
    void listeningChanged();
    void maxPendingConnectionsChanged();
    void errorStringChanged();
    void clientConnected(QmlMemSocket *socket);

private:
    void update();
    void takeConnections();
    void syncListening();

    MemServer *m_server;          // a child, so it follows this object's thread
    QString m_name;
    QString m_errorString;
    bool m_complete = false;
    bool m_wanted = false;        // what QML asked listening to be
    bool m_lastListening = false; // what listeningChanged last announced
};
