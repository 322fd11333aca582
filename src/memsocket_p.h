// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memaddress_p.h"
#include "memdeadlines_p.h"
#include "memlogging_p.h"
#include "memregistry_p.h"
#include "memsocket.h"

#include <atomic>
#include <memory>
#include <mutex>

class MemServerPrivate;

class MemSocketPrivate final : public MemConnPrivate::Receiver
{
public:
    using Connection = MemConnPrivate::Connection;
    using EndIndex = MemConnPrivate::EndIndex;
    using Failure = MemConnPrivate::Failure;

    explicit MemSocketPrivate(MemSocket *q) : q(q) {}
    ~MemSocketPrivate() { delete deadlineState.load(std::memory_order_acquire); }
    Q_DISABLE_COPY_MOVE(MemSocketPrivate)
    static MemSocketPrivate *get(MemSocket *socket);

    // Steps of a signal sequence, beside the Notify reasons in Alive::due.
    enum Step : unsigned {
        StepConnectedSignal = 1u << 16,       // connected() after stateChanged(ConnectedState)
        StepClosing = 1u << 17,               // a peer's close, after its errorOccurred()
        StepUnconnected = 1u << 18,           // finishClose() from its start
        StepReadChannelFinished = 1u << 19,
        StepDisconnected = 1u << 20,
        StepFailed = 1u << 21,                // fail(): UnconnectedState after errorOccurred()
    };

    // Marks a stack frame that emits: after an emit, `alive` is false if a
    // slot deleted the socket or moved it to another thread, and nothing may
    // touch it then. A frame belongs to the stack of the thread the socket
    // lived in when it was made: moveToThread() retires every frame (in the
    // old thread, before the move), and what they had still to do (`due`)
    // is done by the new thread (retireFrames(), resumeAfterMove()). (GCC
    // cannot see that the frame unlinks itself whenever the socket still
    // exists.)
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
    struct Alive
    {
        explicit Alive(MemSocketPrivate *d) : d(d), prev(d->aliveFrames) { d->aliveFrames = this; }
        ~Alive()
        {
            if (alive)
                d->aliveFrames = prev;
        }
        Q_DISABLE_COPY_MOVE(Alive)
        MemSocketPrivate *d;
        Alive *prev;
        bool alive = true;
        unsigned due = 0;          // Notify reasons and Steps not done yet
        qint64 written = 0;        // a bytesWritten() count not emitted yet
        int deadlineSignals = 0;   // errorOccurred(SocketTimeoutError) not emitted yet
    };
    // What retired frames left to do, for the thread the socket moved to.
    struct Resume
    {
        quint64 epoch = 0;
        unsigned due = 0;
        qint64 written = 0;
        int deadlineSignals = 0;
    };
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#  pragma GCC diagnostic pop
#endif
    // True while the socket lives and still serves the connection it served
    // when `epoch` was read: a slot may delete it, or close and reconnect it.
    // Static, so that it never touches a deleted socket (not even its vtable).
    static bool still(const Alive &frame, quint64 epoch) { return frame.alive && frame.d->epoch == epoch; }

    // Connecting and closing (socket's thread).
    void connectToServer(QIODevice::OpenMode mode);
    void becomeConnected();
    void attach(std::shared_ptr<Connection> connection, EndIndex which);  // born connected
    void abandon();                    // leaves a server's backlog
    void detach(bool abort = false);   // leaves the connection; the peer is told
    enum class CloseHow { Close, Disconnect, Abort };
    void closeConnection(CloseHow how);   // close(), disconnectFromServer(), abort()
    void peerClosed();
    void finishClose(Alive &frame, unsigned from = StepUnconnected);
    void connectionEnded();            // names cleared, as QLocalSocket clears them
    void setWantsWritten(bool wanted);

    // Notifications (socket's thread).
    QObject *receiverObject() override { return q; }
    const MemConnPrivate::Deadlines *receiverDeadlines() const override { return deadlines(); }
    void deliverNotification() override;
    void handle(const Connection::Pending &notification);
    void emitReadyRead(qint64 readable);
    void emitBytesWritten(qint64 written);
    void retireFrames();               // QEvent::ThreadChange, in the old thread
    void resumeAfterMove();            // the new thread, first thing

    // Data.
    bool canWrite();
    bool canRead();
    qint64 written(qint64 result);      // maps a Connection::write() result
    qint64 pull(char *data, qint64 maxSize, bool line);
    bool readDeadlinePassed() const { return expired(MemConnPrivate::Deadlines::Kind::Read); }

    // Blocking waits.
    bool waitFor(Connection::WaitFor what, QDeadlineTimer timeout);

    // Deadlines: setters from any thread; the timer in the socket's thread.
    // The state is made by the first setter call, so a socket that never
    // sets a deadline carries none.
    const MemConnPrivate::Deadlines *deadlines() const { return deadlineState.load(std::memory_order_acquire); }
    bool expired(MemConnPrivate::Deadlines::Kind kind) const
    {
        const MemConnPrivate::Deadlines *d = deadlines();
        return d && d->expired(kind);
    }
    QDeadlineTimer deadline(MemConnPrivate::Deadlines::Kind kind) const
    {
        const MemConnPrivate::Deadlines *d = deadlines();
        return d ? d->get(kind) : QDeadlineTimer(QDeadlineTimer::Forever);
    }
    void setDeadlines(std::initializer_list<MemConnPrivate::Deadlines::Kind> kinds, QDeadlineTimer deadline);
    void checkDeadlines();

    // Network conditions: the timer that releases input they hold back.
    void armShaping();

    // Signals, errors and names.
    void setState(QAbstractSocket::SocketState state);
    void setError(Failure failure);
    void setErrorAndEmit(Failure failure);
    void fail(Failure failure);        // errorOccurred, then UnconnectedState
    QString address() const;           // what error strings name
    QString endName(quint64 id, bool buffered) const;
    QString logName() const;           // localName(), else address(): for memconn.socket
    Failure lastFailure = Failure::NoServer;   // what setError() last reported (the TCP face names it its own way)

    MemSocket *q;
    std::shared_ptr<Connection> conn;  // written in the socket's thread under connMutex
    mutable std::mutex connMutex;      // lets a deadline setter in another thread read `conn`; a leaf
    std::shared_ptr<MemConnPrivate::Listener> listener;   // while in a server's backlog
    EndIndex me = MemConnPrivate::Client;
    QString serverName;                // as given; cleared when a connection ends
    MemConnPrivate::Address addr;      // of the last connection, for messages
    QIODevice::OpenMode openMode = QIODevice::NotOpen;
    QByteArray leftover;               // unread input kept readable by disconnectFromServer()
    QAbstractSocket::SocketState state = QAbstractSocket::UnconnectedState;
    QAbstractSocket::SocketError error = QAbstractSocket::UnknownSocketError;
    qint64 readBufferSize = 0;
    int dialTag = 0;                   // copied to Connection::clientTag when dialing
    qint64 sendWindow = -1;            // setSocketOption(SendBufferSizeSocketOption); -1: the default
    quint64 localId = 0;
    quint64 peerId = 0;
    bool peerBuffered = false;
    bool pair = false;
    quint64 epoch = 0;                 // one more for every connection attached or left
    Alive *aliveFrames = nullptr;
    Resume resume;                     // written before a move, read after it
    bool emittingReadyRead = false;    // QIODevice's rule: never emitted recursively
    bool readyReadAgain = false;
    bool emittingBytesWritten = false;
    qint64 writtenLater = 0;
    MemServerPrivate *pendingIn = nullptr;   // the server whose pending list holds this socket
    std::atomic<int> writtenReceivers{0};     // connections to bytesWritten()
    std::atomic<MemConnPrivate::Deadlines *> deadlineState{nullptr};   // published once, owned
    int timerId = 0;
    int shapeTimerId = 0;
    // setConditions() before connecting: the next connection's. Made only
    // when asked for, as an idle connection's two sockets pay for the member.
    std::unique_ptr<MemConn::Conditions> conditions;
};
