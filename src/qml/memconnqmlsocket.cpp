// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memconnqml_p.h"

#include <QtQml/qjsvalue.h>
#include <QtQml/qqmlinfo.h>

#include <optional>

static_assert(int(QmlMemSocket::ConnectedState) == int(QAbstractSocket::ConnectedState));
static_assert(int(QmlMemSocket::SocketTimeoutError) == int(QAbstractSocket::SocketTimeoutError));

QmlMemSocket::QmlMemSocket(QObject *parent)
    : QObject(parent), m_socket(new MemSocket(this))
{
    attach();
}

QmlMemSocket::QmlMemSocket(MemSocket *socket, QObject *parent)
    : QObject(parent), m_socket(socket), m_serverName(socket->serverName()), m_complete(true),
      m_serverSide(true)
{
    socket->setParent(this);
    attach();
    m_lastActive = isActive();
    m_lastAvailable = socket->bytesAvailable();
}

QmlMemSocket::~QmlMemSocket()
{
    // Nothing the socket does while it goes may reach this half-destroyed wrapper.
    QObject::disconnect(m_socket, nullptr, this, nullptr);
    delete m_socket;
}

void QmlMemSocket::attach()
{
    connect(m_socket, &MemSocket::stateChanged, this, [this](QAbstractSocket::SocketState s) {
        Q_EMIT stateChanged(SocketState(s));
        syncActive();
    });
    connect(m_socket, &MemSocket::connected, this, &QmlMemSocket::connected);
    connect(m_socket, &MemSocket::disconnected, this, [this] {
        syncActive();
        Q_EMIT disconnected();
        syncAvailable();
        // A server-side socket has served its purpose once its handlers have run.
        if (m_serverSide)
            deleteLater();
    });
    connect(m_socket, &MemSocket::readyRead, this, [this] {
        syncAvailable();
        Q_EMIT readyRead();
    });
    connect(m_socket, &MemSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
        setErrorString(m_socket->errorString());
        Q_EMIT errorOccurred(SocketError(e));
    });
}

void QmlMemSocket::componentComplete()
{
    m_complete = true;
    if (!m_requested)
        return;
    // Connect once every object created with this one is complete too, so a
    // MemServer declared beside it listens already, whatever the order.
    m_openPending = true;
    QMetaObject::invokeMethod(this, [this] {
        if (!m_openPending)
            return;
        m_openPending = false;
        open();
        syncActive();
    }, Qt::QueuedConnection);
}

QString QmlMemSocket::serverName() const
{
    return m_serverName;
}

void QmlMemSocket::setServerName(const QString &name)
{
    if (name == m_serverName)
        return;
    if (m_serverSide) {
        qmlWarning(this) << "serverName is read-only on a server-side MemSocket";
        return;
    }
    m_serverName = name;   // a connection still pending uses the new name
    Q_EMIT serverNameChanged();
    if (m_complete && m_socket->state() != QAbstractSocket::UnconnectedState) {
        m_socket->disconnectFromServer();
        open();
    }
    syncActive();
}

bool QmlMemSocket::isActive() const
{
    if (!m_complete)
        return m_requested;
    return m_openPending || m_socket->state() != QAbstractSocket::UnconnectedState;
}

void QmlMemSocket::setActive(bool active)
{
    if (!m_complete) {
        m_requested = active;
    } else if (active) {
        m_openPending = false;
        open();
    } else {
        m_openPending = false;
        m_socket->disconnectFromServer();
    }
    syncActive();
}

void QmlMemSocket::open()
{
    if (m_socket->state() != QAbstractSocket::UnconnectedState)
        return;
    if (m_serverSide) {
        setErrorString(QStringLiteral("%1: a server-side MemSocket cannot reconnect")
                           .arg(m_socket->fullServerName()));
        return;
    }
    setErrorString(QString());
    m_socket->connectToServer(m_serverName);
}

QmlMemSocket::SocketState QmlMemSocket::state() const
{
    return SocketState(m_socket->state());
}

qint64 QmlMemSocket::bytesAvailable() const
{
    return m_socket->bytesAvailable();
}

// The bytes QML code means by `data`, or nothing for a type write() refuses.
static std::optional<QByteArray> bytesOf(const QVariant &data)
{
    switch (data.metaType().id()) {
    case QMetaType::QString:
        return data.toString().toUtf8();
    case QMetaType::QByteArray:   // what QML makes of an ArrayBuffer
        return data.toByteArray();
    default:
        break;
    }
    if (data.metaType() != QMetaType::fromType<QJSValue>())
        return std::nullopt;
    // A typed array or a DataView: the bytes it views in its buffer.
    const QJSValue view = data.value<QJSValue>();
    const QVariant buffer = view.property(QStringLiteral("buffer")).toVariant();
    const QJSValue offset = view.property(QStringLiteral("byteOffset"));
    const QJSValue length = view.property(QStringLiteral("byteLength"));
    if (buffer.metaType().id() != QMetaType::QByteArray || !offset.isNumber() || !length.isNumber())
        return std::nullopt;
    return buffer.toByteArray().mid(offset.toInt(), length.toInt());
}

qint64 QmlMemSocket::write(const QVariant &data)
{
    const std::optional<QByteArray> bytes = bytesOf(data);
    if (!bytes) {
        const QString type = !data.isValid() ? QStringLiteral("undefined")
                             : data.metaType() == QMetaType::fromType<QJSValue>()
                                 ? QStringLiteral("an object")
                                 : QString::fromLatin1(data.typeName());
        setErrorString(
            QStringLiteral("%1: write() takes a string, an ArrayBuffer or a typed array, not %2")
                .arg(m_socket->fullServerName(), type));
        qmlWarning(this) << m_errorString;
        return -1;
    }
    const qint64 written = m_socket->write(*bytes);
    if (written < 0)
        setErrorString(m_socket->errorString());
    return written;
}

QByteArray QmlMemSocket::readAll()
{
    // QML turns a null QByteArray into a detached ArrayBuffer, whose
    // byteLength throws: nothing to read is an empty, non-null array.
    static const QByteArray empty("", 0);
    if (!m_socket->isOpen())   // never connected: and no QIODevice warning
        return empty;
    const QByteArray data = m_socket->readAll();
    syncAvailable();
    return data.isNull() ? empty : data;
}

QString QmlMemSocket::readAllText()
{
    return QString::fromUtf8(readAll());
}

QString QmlMemSocket::readLine()
{
    if (!m_socket->isOpen())
        return QString();
    if (!m_socket->canReadLine() && m_socket->state() != QAbstractSocket::UnconnectedState)
        return QString();
    const QByteArray line = m_socket->readLine();
    syncAvailable();
    return QString::fromUtf8(line);
}

bool QmlMemSocket::canReadLine() const
{
    return m_socket->canReadLine();
}

void QmlMemSocket::syncActive()
{
    const bool active = isActive();
    if (active != m_lastActive) {
        m_lastActive = active;
        Q_EMIT activeChanged();
    }
}

void QmlMemSocket::syncAvailable()
{
    const qint64 available = m_socket->bytesAvailable();
    if (available != m_lastAvailable) {
        m_lastAvailable = available;
        Q_EMIT bytesAvailableChanged();
    }
}

void QmlMemSocket::setErrorString(const QString &text)
{
    if (text == m_errorString)
        return;
    m_errorString = text;
    Q_EMIT errorStringChanged();
}
