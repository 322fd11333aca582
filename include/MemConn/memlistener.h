// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memconn_global.h"

#include <QtCore/qiodevice.h>
#include <QtCore/qobject.h>

#include <memory>

class MemListenerPrivate;

/*!
    Listens on any address MemConn::dial() takes (memu:, memb:, tcp:, local:,
    unix:), after network mapping. Connections arrive as QIODevice objects
    (MemSocket, QTcpSocket or QLocalSocket); take them with
    nextPendingConnection(). Use from the listener's thread; a listener moved
    with moveToThread() keeps accepting in its new thread.
*/
class MEMCONN_EXPORT MemListener : public QObject
{
    Q_OBJECT
public:
    /*! A listener that does not listen yet, owned by \a parent. */
    explicit MemListener(QObject *parent = nullptr);
    /*! Closes the listener (see close()); connections it still owns are deleted with it. */
    ~MemListener() override;

    /*! False, with errorString() naming the address, for a malformed address,
        an unknown network, or when the underlying server cannot listen. */
    bool listen(const QString &address);
    /*! The address listened on, resolved: "tcp:127.0.0.1:0" comes back with
        its real port; a mapped address shows the network actually used. */
    QString address() const;
    /*! True between a successful listen() and close(). */
    bool isListening() const;
    /*! Stops listening and frees the address at once. Connections not yet
        taken are closed and deleted; taken ones are left alone, as
        QTcpServer::close() leaves them. */
    void close();
    /*! True when nextPendingConnection() has a connection to return. */
    bool hasPendingConnections() const;
    /*! The next connection, or nullptr. The device is a child of the
        listener: deleted with it unless the caller reparents or deletes it. */
    QIODevice *nextPendingConnection();
    /*! Why the last listen() failed, naming the address; empty after success. */
    QString errorString() const;

Q_SIGNALS:
    /*! Emitted through the listener's event loop when a connection is ready for nextPendingConnection(). */
    void newConnection();

private:
    std::unique_ptr<MemListenerPrivate> d;
    Q_DISABLE_COPY_MOVE(MemListener)
};
