// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memconnqml_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qpointer.h>
#include <QtQml/qjsengine.h>
#include <QtQml/qjsvalue.h>
#include <QtQml/qqml.h>
#include <QtQml/qqmlcomponent.h>
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

// Every forwarding slot below re-checks `alive` after each emit: a QML
// handler may destroy this wrapper (destroy() and then wait() or anything
// else that runs deferred deletions) or a C++ slot may delete it directly.
void QmlMemSocket::attach()
{
    connect(m_socket, &MemSocket::stateChanged, this, [this](QAbstractSocket::SocketState s) {
        const QPointer<QmlMemSocket> alive(this);
        Q_EMIT stateChanged(SocketState(s));
        if (alive)
            syncActive();
    });
    connect(m_socket, &MemSocket::connected, this, &QmlMemSocket::connected);
    connect(m_socket, &MemSocket::disconnected, this, [this] {
        const QPointer<QmlMemSocket> alive(this);
        syncActive();
        if (!alive)
            return;
        Q_EMIT disconnected();
        if (!alive)
            return;
        syncAvailable();
        // A server-side socket has served its purpose once its handlers have run.
        if (alive && m_serverSide)
            deleteLater();
    });
    connect(m_socket, &MemSocket::readyRead, this, [this] {
        const QPointer<QmlMemSocket> alive(this);
        syncAvailable();
        // Bytes a handler already took (in clientConnected, say) are not
        // announced again: readyRead() means there is something to read.
        if (alive && m_socket->bytesAvailable() > 0)
            Q_EMIT readyRead();
    });
    connect(m_socket, &MemSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
        const QPointer<QmlMemSocket> alive(this);
        setErrorString(m_socket->errorString());
        if (alive)
            Q_EMIT errorOccurred(SocketError(e));
    });
}

namespace {
// Opens its parent's pending connection through deferred deletion, so that
// the open follows Qt's rules for it (not inside a nested loop that a
// deferred delete must wait out) and comes behind a destroy() of the socket
// in the same turn: the first Opener's deletion makes a second one, whose
// deletion opens; a destroy() posted meanwhile is ahead of it, and deletes
// the socket with the second Opener and its pending event. (Qt 6.4 let us
// post one QDeferredDeleteEvent with a low priority instead; Qt 6.8 made that
// class private.)
class Opener : public QObject
{
public:
    Opener(QmlMemSocket *socket, bool last) : QObject(socket), m_socket(socket), m_last(last) {}
    bool event(QEvent *event) override
    {
        if (event->type() == QEvent::DeferredDelete) {
            if (!m_last) {
                (new Opener(m_socket, true))->deleteLater();
            } else {
                const QPointer<QObject> alive(this);
                m_socket->openPending();
                if (!alive)   // a handler destroyed the socket, and this with it
                    return true;
            }
        }
        return QObject::event(event);
    }

private:
    QmlMemSocket *m_socket;
    bool m_last;
};
} // namespace

// A socket declared with active: true connects once the whole creation it
// belongs to is complete (Component.completed, which QML emits after every
// object of the creation ran componentComplete(), also under Loader {
// asynchronous: true }, where creation spans several event-loop turns), and
// then when control returns to the event loop, as a deleteLater() would: a
// destroy() in the same turn runs first, so a socket destroyed at once never
// connects.
void QmlMemSocket::componentComplete()
{
    m_complete = true;
    if (!m_requested)
        return;
    m_openPending = true;
    QObject *attached = qmlEngine(this) ? qmlAttachedPropertiesObject<QQmlComponent>(this) : nullptr;
    if (!attached || !connect(attached, SIGNAL(completed()), this, SLOT(postOpen())))
        postOpen();
}

void QmlMemSocket::postOpen()
{
    if (m_openPending)
        (new Opener(this, false))->deleteLater();
}

void QmlMemSocket::openPending()
{
    if (!m_openPending)
        return;
    m_openPending = false;
    const QPointer<QmlMemSocket> alive(this);
    open();
    if (alive)
        syncActive();
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
    const QPointer<QmlMemSocket> alive(this);
    Q_EMIT serverNameChanged();
    if (alive && m_complete && m_socket->state() != QAbstractSocket::UnconnectedState) {
        m_socket->disconnectFromServer();
        if (alive)
            open();
    }
    if (alive)
        syncActive();
}

bool QmlMemSocket::isActive() const
{
    if (!m_complete)
        return m_requested;
    return m_openPending || m_socket->state() != QAbstractSocket::UnconnectedState;
}

// Closing and connecting emit signals whose handlers may destroy this object.
void QmlMemSocket::setActive(bool active)
{
    const QPointer<QmlMemSocket> alive(this);
    if (!m_complete) {
        m_requested = active;
    } else if (active) {
        m_openPending = false;
        open();
    } else {
        m_openPending = false;
        m_socket->disconnectFromServer();
    }
    if (alive)
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
    const QPointer<QmlMemSocket> alive(this);
    m_socket->connectToServer(m_serverName);   // a new connection starts with no unread input
    if (alive)
        syncAvailable();
}

QmlMemSocket::SocketState QmlMemSocket::state() const
{
    return SocketState(m_socket->state());
}

qint64 QmlMemSocket::bytesAvailable() const
{
    return m_socket->bytesAvailable();
}

// A copy nobody else shares. QML's ArrayBuffers use a QByteArray's storage
// as it is and JS writes into it without detaching, so bytes going to or
// coming from JS are never shared with anyone.
static QByteArray ownBytes(const QByteArray &bytes)
{
    return QByteArray(bytes.constData(), bytes.size());
}

// The bytes QML code means by `data`, or nothing for a type write() refuses.
std::optional<QByteArray> QmlMemSocket::bytesOf(const QVariant &data) const
{
    switch (data.metaType().id()) {
    case QMetaType::QString:
        return data.toString().toUtf8();
    case QMetaType::QByteArray:   // what QML makes of an ArrayBuffer
        return ownBytes(data.toByteArray());
    default:
        break;
    }
    if (data.metaType() != QMetaType::fromType<QJSValue>())
        return std::nullopt;
    // A typed array or a DataView (ArrayBuffer.isView() says so; an object
    // that merely has buffer/byteOffset/byteLength is refused): the bytes it
    // views in its buffer.
    const QJSValue view = data.value<QJSValue>();
    QJSEngine *engine = qjsEngine(this);
    if (!engine || !view.isObject())
        return std::nullopt;
    const QJSValue isView = engine->globalObject()
                                .property(QStringLiteral("ArrayBuffer"))
                                .property(QStringLiteral("isView"));
    if (!isView.call({ view }).toBool())
        return std::nullopt;
    const QByteArray buffer = view.property(QStringLiteral("buffer")).toVariant().toByteArray();
    const qint64 offset = view.property(QStringLiteral("byteOffset")).toInt();
    const qint64 length = view.property(QStringLiteral("byteLength")).toInt();
    if (offset < 0 || length < 0 || offset + length > buffer.size())
        return std::nullopt;
    return QByteArray(buffer.constData() + offset, length);
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
    QByteArray data = m_socket->readAll();
    syncAvailable();
    if (data.isNull())
        return empty;
    // The array may share its storage with the writer's QByteArray (MemConn
    // hands a written QByteArray over without copying) or with what other
    // readers got from the same write; JS would write into it in place.
    return data.isDetached() ? data : ownBytes(data);
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
