// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memconn_global.h"

#include <QtCore/qdeadlinetimer.h>
#include <QtCore/qiodevice.h>
#include <QtCore/qvariant.h>
#include <QtNetwork/qabstractsocket.h>

#include <memory>
#include <utility>

QT_BEGIN_NAMESPACE
class QDebug;
QT_END_NAMESPACE

class MemServer;
class MemSocketPrivate;
namespace MemConn {
struct Conditions;
}

/*!
    \class MemSocket
    \brief One end of a named, in-memory, full-duplex byte stream: the
    in-process counterpart of QLocalSocket and QTcpSocket.

    A MemSocket connects to a MemServer by name ("chat", "memu:chat",
    "memb:chat"); the bytes never leave the process. States, signals and
    errors are QAbstractSocket's, so code written for QTcpSocket needs little
    more than a type swap. Each socket belongs to its thread (QObject rules);
    the two ends may live in different threads and either may be moved while
    connected, also from inside one of its own slots, as Qt allows: what the
    socket had still to emit for the event that slot serves (the rest of a
    close, a bytesWritten() count, readyRead() for newer bytes) is emitted in
    the new thread, and nothing more in the old one. Either end may be
    deleted, closed or reconnected at any moment, inside any of its own
    signal handlers included. Where MemSocket differs from QLocalSocket, the
    member says so.
*/
class MEMCONN_EXPORT MemSocket : public QIODevice
{
    Q_OBJECT
    //! The name to connect to: serverName() and setServerName().
    Q_PROPERTY(QString serverName READ serverName WRITE setServerName)
    //! The connection's state: state(), announced by stateChanged().
    Q_PROPERTY(QAbstractSocket::SocketState state READ state NOTIFY stateChanged)

public:
    /*! An unconnected socket owned by \a parent. */
    explicit MemSocket(QObject *parent = nullptr);
    /*!
        Destroying an open socket closes it first, as ~QLocalSocket does:
        aboutToClose(), then, if it was connected, stateChanged(),
        readChannelFinished() and disconnected(), emitted from the destructor.
        The peer is told through its own event loop.
    */
    ~MemSocket() override;

    /*!
        Returns two sockets already connected to each other, with no server and
        no name (Go's net.Pipe). Both live in the calling thread and are
        children of \a parent; the caller owns them when \a parent is null.
        Both ends use memu.
    */
    static std::pair<MemSocket *, MemSocket *> createPair(QObject *parent = nullptr);

    /*!
        Connects to serverName(). Emits stateChanged(ConnectingState); when the
        server's backlog has room the socket is connected (stateChanged(),
        connected()) before this returns, otherwise when the server takes a
        connection. Never blocks. No server by that name: errorOccurred(
        HostNotFoundError), then UnconnectedState; errorString() names the
        address. Called while connecting or connected: OperationError, and the
        existing connection is untouched. \a mode must include ReadOnly or
        WriteOnly (otherwise OperationError). Called from a slot of the old
        connection's end (after abort()), the new connection hears nothing
        more of the old one; QLocalSocket would still deliver the old
        disconnected(), and may end the new connection with it.
    */
    void connectToServer(OpenMode mode = ReadWrite);
    /*! Sets the server name (when unconnected), then connects to it. */
    void connectToServer(const QString &name, OpenMode mode = ReadWrite);

    /*! Sets the name to connect to; ignored with a warning unless unconnected. */
    void setServerName(const QString &name);
    /*!
        The name as given ("chat", "memu:chat" or "memb:chat"). Cleared, with
        fullServerName(), when the connection ends or a connection attempt
        fails, as QLocalSocket clears its names.
    */
    QString serverName() const;
    /*! The name with this end's network ("memu:chat"); empty when serverName() is. */
    QString fullServerName() const;
    /*! This end's generated, process-unique name ("memu:chat#12"). */
    QString localName() const;
    /*!
        The other end, while connected: for a client the server's address
        (the server's fullServerName(), as TCP's peer address is the server's);
        for a server-side socket the client's localName(). Empty otherwise.
    */
    QString peerName() const;
    /*! True when this end writes on the buffered network (memb). */
    bool isBuffered() const;

    /*!
        Closes the connection: close(), disconnectFromServer() and abort() are
        the same for MemSocket, since nothing waits to be flushed. A connected
        socket emits aboutToClose(), stateChanged(ClosingState),
        stateChanged(UnconnectedState), readChannelFinished() and
        disconnected() (QAbstractSocket's order), all before the call returns;
        its unread input is discarded. A connecting socket abandons the attempt
        with stateChanged(UnconnectedState) only; an unconnected one emits
        nothing. The peer keeps every byte sent before the close.
    */
    void disconnectFromServer();
    /*! See disconnectFromServer(). */
    void abort();

    /*!
        The connection's state, with QAbstractSocket's values: Unconnected,
        Connecting (waiting in a server's backlog), Connected, and Closing
        (only while a close emits its signals). stateChanged() announces each.
    */
    QAbstractSocket::SocketState state() const;
    /*!
        The last error. Every failing call sets it together with errorString(),
        which names the address ("memu:chat: no server is listening on this
        name"). UnknownSocketError on a fresh socket.
    */
    QAbstractSocket::SocketError error() const;
    /*! True while connected. */
    bool isValid() const;

    /*! 0 (the default) means no limit. */
    qint64 readBufferSize() const;
    /*!
        With \a size > 0, bytesAvailable() never reports more than \a size;
        the rest waits in the connection (nothing is dropped) and readyRead()
        comes again once the application has read. Raising the limit (or
        lifting it with 0) announces the bytes it lets through with
        readyRead() from the event loop, as QLocalSocket does. read() still reports the
        end of the stream (-1) once the peer has gone and everything is read.
    */
    void setReadBufferSize(qint64 size);

    /*! Returns false: nothing is ever waiting to be flushed. */
    bool flush();

    /*!
        QAbstractSocket::SendBufferSizeSocketOption sets this end's send
        window, a TCP send buffer in memory: written bytes up to it count as
        written at once (bytesWritten() through the event loop), bytes beyond
        it count in bytesToWrite() until the peer reads enough. memb ends
        default to 256 KiB; a memu end's window is 0 and cannot be changed
        (its writes count as written when the peer reads them). Writes are
        never refused for size. Other options are accepted and ignored, as
        nothing in memory needs them.
    */
    void setSocketOption(QAbstractSocket::SocketOption option, const QVariant &value);
    /*! The send window for SendBufferSizeSocketOption; an invalid QVariant for other options. */
    QVariant socketOption(QAbstractSocket::SocketOption option) const;

    /*!
        Sets the read and the write deadline (Go's net.Conn semantics; default
        QDeadlineTimer::Forever). Past the read deadline read() and readAll()
        fail (-1 with SocketTimeoutError), bytesAvailable() is 0 and
        waitForReadyRead() returns false at once; past the write deadline
        write() fails the same way. No byte is dropped: a later deadline, or
        Forever, makes the socket usable again. On a connected socket each
        setter call emits errorOccurred(SocketTimeoutError) once, through this
        socket's event loop, when its deadline passes. (QIODevice's non-virtual
        peek(), getChar() and readLine() may still serve bytes a peek() left in
        QIODevice's own buffer.)

        The three setters may be called from any thread, to end a blocking
        wait in the socket's thread: a setter that governs the wait (the read
        deadline for waitForReadyRead() and waitForDisconnected(), the write
        deadline for waitForBytesWritten() and waitForConnected()) ends it
        promptly when the new deadline has passed, also when it is the
        socket's first deadline; a setter that does not govern it leaves it
        alone. (Go's net.Conn: "a deadline can be set from another goroutine
        to unblock a Read or Write".)
    */
    void setDeadline(QDeadlineTimer deadline);
    /*! Sets the read deadline only; see setDeadline(). */
    void setReadDeadline(QDeadlineTimer deadline);
    /*! Sets the write deadline only; see setDeadline(). */
    void setWriteDeadline(QDeadlineTimer deadline);
    /*! The read deadline; QDeadlineTimer::Forever when none is set. Thread-safe. */
    QDeadlineTimer readDeadline() const;
    /*! The write deadline; QDeadlineTimer::Forever when none is set. Thread-safe. */
    QDeadlineTimer writeDeadline() const;

    /*!
        Network conditions (latency, jitter, throughput, chunking, reset; see
        MemConn::Conditions) for what this end writes on its current
        connection, or, when it is not connected, on the next one it makes.
        They replace what MemConn::setConditions() gave this direction. Bytes
        already written keep their schedule. `refuse` has no meaning here.
        Call it in the socket's thread.
    */
    void setConditions(const MemConn::Conditions &conditions);

    /*!
        Blocks until the socket is connected, at most \a msecs or until the
        write deadline. Returns true at once when connected. When the time
        runs out the attempt is abandoned: SocketTimeoutError, UnconnectedState.
        If the server lives in the calling thread it cannot accept while this
        thread blocks, so a socket waiting in its backlog gives up at once.
        Blocking waits never run the event loop.
    */
    bool waitForConnected(int msecs = 30000);
    /*!
        \overload
        Waits until \a deadline (or the write deadline, if earlier).
    */
    bool waitForConnected(QDeadlineTimer deadline);
    /*!
        Blocks until the peer closes (then stateChanged(), disconnected() are
        emitted and it returns true), at most until \a msecs or the read
        deadline. On an unconnected socket it warns, as Qt does, and returns
        false.
    */
    bool waitForDisconnected(int msecs = 30000);
    /*!
        \overload
        Waits until \a deadline (or the read deadline, if earlier).
    */
    bool waitForDisconnected(QDeadlineTimer deadline);
    /*!
        Blocks until new bytes arrive, bytes not yet announced by readyRead()
        (Qt's rule), and returns true; readyRead() is emitted first unless
        this is called from inside a readyRead() slot (QIODevice never emits
        it recursively). Bytes a read took before they were announced count as
        announced: the wait is for bytes that come after them. Returns false
        when the peer has gone (the socket then
        becomes unconnected), at the timeout, or at the read deadline.
        A wait that only a peer living in the calling thread could end returns
        false at once (SocketTimeoutError, the reason in errorString()): that
        peer cannot run while this thread blocks.

        Before it sleeps, the calling thread may spin briefly (never past
        the timeout or deadline) when its recent waits showed that spinning
        answers sooner than sleeping; on one CPU it never spins.
        waitForBytesWritten() does the same.
    */
    bool waitForReadyRead(int msecs = 30000) override;
    /*!
        \overload
        Waits until \a deadline (or the read deadline, if earlier).
    */
    bool waitForReadyRead(QDeadlineTimer deadline);
    /*!
        Blocks until more written bytes count as written (then bytesWritten()
        is emitted, unless from inside a bytesWritten() slot, and it returns
        true): on memu when the peer's application reads them; on memb at
        once for bytes within the send window, otherwise when the peer reads.
        Returns false when nothing is waiting to count, when the peer has
        gone, at the timeout or at the write deadline; the same-thread rule of
        waitForReadyRead() applies.
    */
    bool waitForBytesWritten(int msecs = 30000) override;
    /*!
        \overload
        Waits until \a deadline (or the write deadline, if earlier).
    */
    bool waitForBytesWritten(QDeadlineTimer deadline);

    // QIODevice
    /*! True: a connection is a stream, with no position and no size. */
    bool isSequential() const override;
    /*! Connects to serverName() with \a mode, as connectToServer() does; true when open. */
    bool open(OpenMode mode = ReadWrite) override;
    /*! See disconnectFromServer(). */
    void close() override;
    /*!
        Bytes read() returns now without waiting: what QIODevice's buffer
        holds plus what the peer wrote, up to readBufferSize() when one is
        set; 0 past the read deadline.
    */
    qint64 bytesAvailable() const override;
    /*!
        The bytes written that do not count as written yet: those beyond the
        send window (see setSocketOption()) that the peer has not read. memu:
        every byte the peer has not read. memb: 0 until the peer falls a send
        window behind.

        A byte counts as read when it leaves the connection into the peer's
        QIODevice: through read(), readAll(), readLine(), getChar(), and also
        peek() and a transaction (QDataStream::startTransaction()), which keep
        it in QIODevice's own buffer. So a reader in a thread with no event
        loop releases the writer by reading alone, with no further call, as
        a kernel socket's writer sees its bytes go once the reader's side has
        them. bytesWritten() follows through the writer's event loop.
    */
    qint64 bytesToWrite() const override;
    /*! True when a whole line (up to and including '\\n') can be read now. */
    bool canReadLine() const override;

    // These hide QIODevice's non-virtual overloads so that a QByteArray is
    // handed to the peer, and read back, without a copy. Zero-copy therefore
    // needs the static type MemSocket: called through a QIODevice pointer
    // (QDataStream, QTextStream, Qt Remote Objects, generic code) they behave
    // the same, with one copy.
    using QIODevice::read;
    using QIODevice::write;
    /*!
        Copies up to \a maxSize readable bytes into \a data and returns how
        many; never blocks. Returns 0 when nothing is readable yet, and -1
        once the peer has gone and every byte has been read, or past the read
        deadline (SocketTimeoutError). Reading makes the writer's bytes count
        as written (bytesWritten() on the peer).
    */
    qint64 read(char *data, qint64 maxSize);
    /*!
        \overload
        Returns up to \a maxSize bytes; empty when nothing is readable.
    */
    QByteArray read(qint64 maxSize);
    /*!
        Returns every readable byte; never blocks. A QByteArray the peer wrote
        whole comes back shared with the writer, not copied (Qt's implicit
        sharing keeps the writer's copy unchanged).
    */
    QByteArray readAll();
    /*!
        Hands \a size bytes to the peer at once, whole, and returns \a size;
        the peer hears of them through its own event loop (one readyRead() for
        a burst), in a later pass of that loop, never inside the pass that
        runs this call, also when both ends live in one thread: as over
        QLocalSocket, a reply written in a readyRead() slot is announced
        after that slot's event-loop pass, so QSignalSpy::wait() for it
        works. Returns -1, with error() and errorString() set, when not
        connected, not open for writing, the peer has gone, the write deadline
        has passed, or \a data is null.
    */
    qint64 write(const char *data, qint64 size);
    /*!
        \overload
        Writes the zero-terminated string \a data, without its terminator.
    */
    qint64 write(const char *data);
    /*! As write(const char *, qint64); the array is shared with the peer, not copied. */
    qint64 write(const QByteArray &data);

Q_SIGNALS:
    /*! The socket is connected: before connectToServer() returns when the server has room. */
    void connected();
    /*! The connection ended: this end closed it, or the peer did (after errorOccurred(RemoteHostClosedError)). */
    void disconnected();
    /*! An error occurred; error() and errorString() say which. */
    void errorOccurred(QAbstractSocket::SocketError socketError);
    /*! The state changed to \a socketState. */
    void stateChanged(QAbstractSocket::SocketState socketState);

protected:
    //! \cond internal
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 readLineData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;
    bool event(QEvent *event) override;
    void timerEvent(QTimerEvent *event) override;
    void connectNotify(const QMetaMethod &signal) override;
    void disconnectNotify(const QMetaMethod &signal) override;

    // Internal, like QObject::d_ptr.
    std::unique_ptr<MemSocketPrivate> d;
    //! \endcond

private:
    Q_DISABLE_COPY_MOVE(MemSocket)
};

#ifndef QT_NO_DEBUG_STREAM
/*!
    \relates MemSocket
    Writes \a socket for debugging: its object name (when set), localName(),
    peerName(), network, state, bytes available to read, and bytes written
    that the peer has not read yet, for example
    `MemSocket(0x5581d0, "memu:chat#3" -> "memu:chat", ConnectedState, available 0, unread by peer 5)`.
    Call it in the socket's thread.
*/
MEMCONN_EXPORT QDebug operator<<(QDebug debug, const MemSocket *socket);
#endif
