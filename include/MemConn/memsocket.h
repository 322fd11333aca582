// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memconn_global.h"

#include <QtCore/qdeadlinetimer.h>
#include <QtCore/qiodevice.h>
#include <QtNetwork/qabstractsocket.h>

#include <memory>
#include <utility>

class MemServer;
class MemSocketPrivate;

/*!
    MemSocket is one end of a named, in-memory, full-duplex byte stream: the
    in-process counterpart of QLocalSocket/QTcpSocket. It connects to a
    MemServer by name ("chat", "memu:chat" or "memb:chat"); the bytes never
    leave the process.

    Behaviour, where it follows Qt's sockets and where it chooses:
    - States and signals are QAbstractSocket's. With room in the server's
      backlog the socket is Connected before connectToServer() returns (as
      QLocalSocket on Unix); otherwise it stays in ConnectingState until the
      server takes a pending connection.
    - write() hands the bytes to the peer at once, never partially, and returns
      their count or -1 (not connected, not writable, peer gone, write deadline
      passed); errorString() then names the address. The peer is told through
      its own event loop with at most one pending notification (readyRead()
      coalesced over a burst of writes), never inside the writer's call stack.
      When the writer is itself handling a MemConn notification and the peer
      lives in the same thread, the peer is told in that same event-loop turn,
      after the writer's slot returns, instead of in a later turn (at most 256
      such hops per turn, so the event loop is never starved).
    - bytesWritten() is only posted when something is connected to it; the
      bytes read still count (bytesToWrite(), waitForBytesWritten()) and a
      later bytesWritten(n) reports everything read since the last one.
    - Network memu (unbuffered, the default): bytesToWrite() counts the bytes
      handed over that the peer's application has not read yet (bytes the
      peer's QIODevice buffers for peek() or a transaction count as read
      when its application takes them: when that buffer drains, or at its
      next bytesAvailable() or event-loop turn); bytesWritten(n) is emitted through this socket's event loop after
      the peer read n bytes. Network memb (buffered): bytesWritten(n) follows
      every write through the event loop and bytesToWrite() is 0.
    - close(), disconnectFromServer() and abort() are equivalent (nothing waits
      to be flushed): aboutToClose(), stateChanged(ClosingState),
      stateChanged(UnconnectedState), disconnected(), all before the call
      returns; unread input is discarded. On a socket that is not connected
      they emit nothing. Closing a socket still in ConnectingState abandons the
      attempt with stateChanged(UnconnectedState) only.
    - When the peer closes, aborts or is deleted, this socket gets
      errorOccurred(RemoteHostClosedError), stateChanged(UnconnectedState) and
      disconnected() through its event loop, but stays open for reading: every
      byte sent before the close can still be read, then read() returns -1.
    - Destroying an open socket closes it first, as QLocalSocket's destructor
      does: aboutToClose(), then for a connected socket stateChanged() and
      disconnected(), emitted from the destructor (receivers see a complete
      MemSocket). The peer is told as above.
    - The device is opened with QIODevice::Unbuffered added to the mode, as
      QAbstractSocket does: reads go straight to the shared stream.
    - Each socket belongs to its thread (QObject rules). The two ends may live
      in different threads; either may be moved with moveToThread() while
      connected. The deadline setters are the only members that may be called
      from any thread.
    - Blocking waits (waitFor*) block the calling thread and never run its
      event loop; in one thread a wait that needs the peer to run returns false
      at its timeout.
*/
class MEMCONN_EXPORT MemSocket : public QIODevice
{
    Q_OBJECT
    Q_PROPERTY(QString serverName READ serverName WRITE setServerName)
    Q_PROPERTY(QAbstractSocket::SocketState state READ state NOTIFY stateChanged)

public:
    explicit MemSocket(QObject *parent = nullptr);
    ~MemSocket() override;

    /*!
        Returns two sockets already connected to each other, with no server
        and no name (Go's net.Pipe): both live in the caller's thread and are
        children of \a parent (the caller owns them when \a parent is null).
        Either may be moved to another thread. Both ends use memu.
    */
    static std::pair<MemSocket *, MemSocket *> createPair(QObject *parent = nullptr);

    /*!
        Connects to serverName(). Emits stateChanged(ConnectingState); with room
        in the server's backlog the socket is Connected (stateChanged, connected())
        before this returns, otherwise when the server takes a connection. No
        server by that name: errorOccurred(HostNotFoundError), then
        UnconnectedState. Called while connecting or connected: OperationError,
        the existing connection is untouched. Never blocks.
    */
    void connectToServer(OpenMode mode = ReadWrite);
    void connectToServer(const QString &name, OpenMode mode = ReadWrite);

    void setServerName(const QString &name);
    QString serverName() const;       // as given: "chat", "memu:chat" or "memb:chat"
    QString fullServerName() const;   // always with this end's network: "memu:chat"
    QString localName() const;        // this end's generated, process-unique name
    QString peerName() const;         // the other end's localName(); empty when unconnected
    bool isBuffered() const;          // true when this end uses the memb network

    void disconnectFromServer();
    void abort();

    QAbstractSocket::SocketState state() const;
    QAbstractSocket::SocketError error() const;
    bool isValid() const;             // connected

    qint64 readBufferSize() const;    // 0 = unlimited (default)
    /*!
        With \a size > 0, bytesAvailable() never reports more than \a size; the
        rest waits in the stream (nothing is dropped) and readyRead() comes
        again once the application has read.
    */
    void setReadBufferSize(qint64 size);

    /*! Returns false: nothing is ever waiting to be flushed. */
    bool flush();

    /*!
        Deadlines (Go's net.Conn semantics; default Forever). Past the read
        deadline read() and readAll() return nothing (-1 with
        SocketTimeoutError), bytesAvailable() is 0 and waitForReadyRead()
        returns false at once, even for bytes a peek() left in QIODevice's
        buffer (QIODevice's own non-virtual peek(), getChar() and readLine()
        can still serve those); past the write deadline
        write() returns -1 the same way. No byte is dropped; a later deadline or
        Forever makes the socket usable again. On a connected socket each setter
        call emits errorOccurred(SocketTimeoutError) once, through this socket's
        event loop, when its deadline passes. These three setters are
        thread-safe and wake a blocking wait in the socket's thread at once.
    */
    void setDeadline(QDeadlineTimer deadline);
    void setReadDeadline(QDeadlineTimer deadline);
    void setWriteDeadline(QDeadlineTimer deadline);
    QDeadlineTimer readDeadline() const;
    QDeadlineTimer writeDeadline() const;

    // Blocking waits: each ends at the earlier of its timeout and the deadline
    // that governs it. They emit the signals they wait for before returning.
    bool waitForConnected(int msecs = 30000);
    bool waitForConnected(QDeadlineTimer deadline);
    bool waitForDisconnected(int msecs = 30000);
    bool waitForDisconnected(QDeadlineTimer deadline);
    bool waitForReadyRead(int msecs = 30000) override;
    bool waitForReadyRead(QDeadlineTimer deadline);
    bool waitForBytesWritten(int msecs = 30000) override;
    bool waitForBytesWritten(QDeadlineTimer deadline);

    // QIODevice
    bool isSequential() const override;
    bool open(OpenMode mode) override;   // connects to serverName()
    void close() override;
    qint64 bytesAvailable() const override;
    qint64 bytesToWrite() const override;
    bool canReadLine() const override;

    // These hide QIODevice's non-virtual overloads so that errors name the
    // address, and so that a QByteArray is shared with the peer, not copied.
    // Called through a QIODevice pointer they behave the same, with one copy.
    using QIODevice::read;
    using QIODevice::write;
    qint64 read(char *data, qint64 maxSize);
    QByteArray read(qint64 maxSize);
    QByteArray readAll();
    qint64 write(const char *data, qint64 size);
    qint64 write(const char *data);
    qint64 write(const QByteArray &data);

Q_SIGNALS:
    void connected();
    void disconnected();
    void errorOccurred(QAbstractSocket::SocketError socketError);
    void stateChanged(QAbstractSocket::SocketState socketState);

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 readLineData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;
    bool event(QEvent *event) override;
    void timerEvent(QTimerEvent *event) override;
    void connectNotify(const QMetaMethod &signal) override;
    void disconnectNotify(const QMetaMethod &signal) override;

    // Internal, like QObject::d_ptr.
    std::unique_ptr<MemSocketPrivate> d;

private:
    Q_DISABLE_COPY_MOVE(MemSocket)
};
