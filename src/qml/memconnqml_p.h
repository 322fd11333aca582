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

// QML type MemSocket. What it promises is documented for users on
// docs/reference/qml.md (ctest docs_qml_types checks that every property,
// method, signal and enum value here is there).
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

// QML type MemServer: documented on docs/reference/qml.md, as above.
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
