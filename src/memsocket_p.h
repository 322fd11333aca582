// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memregistry_p.h"
#include "memsocket.h"

#include <atomic>
#include <memory>
#include <mutex>

class MemSocketPrivate
{
public:
    using Connection = MemConnPrivate::Connection;

    explicit MemSocketPrivate(MemSocket *q) : q(q) {}
    static MemSocketPrivate *get(MemSocket *socket) { return socket->d.get(); }

    // Connecting and closing (socket's thread).
    void connectToServer(QIODevice::OpenMode mode);
    void becomeConnected();
    void attach(std::shared_ptr<Connection> connection, int which);
    void abandon();                    // leaves the backlog of a server
    void detach();                     // leaves the connection; tells the peer
    void closeConnection();            // close(), abort(), disconnectFromServer()
    void peerClosed();
    void leavePendingList();
    void setWantsWritten(bool wanted);
    void fail(QAbstractSocket::SocketError error, const QString &text);

    // Notifications (socket's thread).
    void processNotification();
    void handle(unsigned reasons, qint64 credit);
    void reconcile();
    void emitReadyRead();
    void credit(qint64 consumed);      // with the connection's mutex held

    // Data.
    bool canWrite();
    qint64 push(QByteArray &&bytes);
    qint64 push(const char *data, qint64 size);
    template <typename Append>
    qint64 pushWith(qint64 size, Append append);
    bool canRead();
    qint64 pull(char *data, qint64 maxSize, bool line);

    // Blocking waits.
    enum class WaitFor { Data, BytesWritten, Disconnected };
    bool waitFor(WaitFor what, QDeadlineTimer deadline);

    // Deadlines (setters from any thread).
    enum DeadlineKind : unsigned { ReadDeadline = 1, WriteDeadline = 2 };
    void setDeadlines(unsigned kinds, QDeadlineTimer deadline);
    bool readExpired() const;
    bool writeExpired() const;
    void checkDeadlines();

    // Signals and errors.
    void setState(QAbstractSocket::SocketState state);
    void setError(QAbstractSocket::SocketError error, const QString &text);
    void setErrorAndEmit(QAbstractSocket::SocketError error, const QString &text);
    QString address() const;           // what error strings name
    QString endName(int which) const;

    MemSocket *q;
    std::shared_ptr<Connection> conn;  // written in the socket's thread under deadlineMutex
    std::shared_ptr<MemConnPrivate::Listener> listener;  // while in a server's backlog
    int me = 0;                        // this end's index in conn
    QString serverName;                // as given
    MemConnPrivate::Address addr;
    QIODevice::OpenMode openMode = QIODevice::NotOpen;
    QAbstractSocket::SocketState state = QAbstractSocket::UnconnectedState;
    QAbstractSocket::SocketError error = QAbstractSocket::UnknownSocketError;
    qint64 readBufferSize = 0;
    qint64 window = 0;                 // with readBufferSize: bytes the app may read before the next readyRead()
    qint64 prefetched = 0;             // bytes in QIODevice's buffer not yet counted as read
    quint64 localId = 0;
    quint64 peerId = 0;
    bool peerBuffered = false;
    bool pair = false;
    MemServer *pendingIn = nullptr;    // the server whose pending list holds this socket
    std::atomic<int> writtenReceivers{0};   // connections to bytesWritten()

    // Deadlines. deadlinesSet keeps the hot path free of locks when unused.
    struct Watch
    {
        QDeadlineTimer when{QDeadlineTimer::Forever};
        quint64 call = 0;              // the setter call; one signal per call
        bool armed = false;
    };
    mutable std::mutex deadlineMutex;
    std::atomic<bool> deadlinesSet{false};
    QDeadlineTimer deadlines[2] = {QDeadlineTimer(QDeadlineTimer::Forever),
                                   QDeadlineTimer(QDeadlineTimer::Forever)};
    Watch watches[2];
    quint64 setterCalls = 0;
    int timerId = 0;
};
