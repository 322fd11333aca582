// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memconn_global.h"

#include <QtNetwork/qtcpsocket.h>

#include <memory>

class MemSocket;
class MemTcpSocketPrivate;

/*!
    \class MemTcpSocket
    \brief A QTcpSocket whose connection is a MemConn connection: code typed
    on QTcpSocket*, QAbstractSocket* or QIODevice* runs in memory unchanged.

    connectToHost(host, port) reaches the MemTcpServer listening on that port
    at the host, at a loopback equivalent, or at a wildcard (QHostAddress::Any
    from every loopback name, AnyIPv4 from 127.0.0.1 and localhost, AnyIPv6
    from ::1 and localhost). States, signals and write buffering are
    QTcpSocket's; see the member docs for the few things Qt's non-virtual
    members make different (flush() through a base pointer, descriptors).
*/
class MEMCONN_EXPORT MemTcpSocket : public QTcpSocket
{
    Q_OBJECT

public:
    /*! An unconnected socket on memb (see setBuffered()), owned by \a parent. */
    explicit MemTcpSocket(QObject *parent = nullptr);
    /*!
        Aborts an open connection while the object is still complete, so
        aboutToClose(), stateChanged(), readChannelFinished() and
        disconnected() come from a MemTcpSocket (~QAbstractSocket would emit
        them from a half-destroyed object). The peer is told through its
        event loop.
    */
    ~MemTcpSocket() override;

    /*!
        Which MemConn network the next connection uses: memb (true, the
        default: a send window like a TCP send buffer, 256 KiB unless
        SendBufferSizeSocketOption says otherwise) or memu (false: written
        bytes count as written when the peer takes them, into its read
        buffer as a kernel's socket would). Set before
        connectToHost(); MemConn::createTcpSocket() sets it from the network
        map.
    */
    void setBuffered(bool buffered);
    /*! True when the next (or current) connection is on memb; see setBuffered(). */
    bool isBuffered() const;

    /*!
        Starts connecting, as QTcpSocket does: stateChanged(HostLookupState);
        for an IP address at once, for a name on the next event-loop turn,
        stateChanged(ConnectingState) and hostFound(); then, through the
        event loop, stateChanged(ConnectedState) and connected(). No server on
        that port: stateChanged(UnconnectedState) and
        errorOccurred(ConnectionRefusedError), with an errorString() naming
        HOST:PORT. Never blocks; waitForConnected() completes it at once.
        \a protocol narrows the candidates as it narrows a host lookup.
    */
    void connectToHost(const QString &hostName, quint16 port, OpenMode mode = ReadWrite,
                       NetworkLayerProtocol protocol = AnyIPProtocol) override;
    using QAbstractSocket::connectToHost;
    /*!
        Closes after the written bytes are handed over (ClosingState while
        any wait), as QTcpSocket does; unread input stays readable.
    */
    void disconnectFromHost() override;
    /*! QAbstractSocket's order: aboutToClose(), then disconnectFromHost() (or an abort). */
    void close() override;

    /*!
        Settles the accounting of the bytes written since the last
        event-loop turn at once, as QTcpSocket's flush() writes its buffer to
        the kernel: they count as written (memb within its send window) and
        bytesWritten() follows. Returns true if there were any. The bytes
        themselves reached the connection in write(), so
        QAbstractSocket::flush(), which is not virtual and returns false when
        called through a QAbstractSocket* or QTcpSocket*, loses nothing: a
        peer's blocking read sees them, and a delete in a thread with no
        event loop keeps them.
    */
    bool flush();

    /*!
        Bytes readable now without waiting, as QTcpSocket counts them: its
        read buffer (at most readBufferSize()) and what the connection holds.
        Bytes enter the read buffer before readyRead(), as a kernel socket's
        do, so on memu they count as read for the peer's writer then.
    */
    qint64 bytesAvailable() const override;
    /*!
        Bytes written and not yet counted as written: those written since the
        last event-loop turn (or flush()), those written while connecting,
        plus memb's bytes beyond the send window and memu's unread bytes.
    */
    qint64 bytesToWrite() const override;
    /*! True when a whole line (up to and including '\\n') can be read now. */
    bool canReadLine() const override;
    /*!
        Also limits what the connection lets this end see, nothing is dropped.
        Raising the limit (from inside a readyRead() slot too) announces the
        bytes it lets through with readyRead() from the event loop, as
        QTcpSocket does. A socket opened WriteOnly discards what arrives.
    */
    void setReadBufferSize(qint64 size) override;
    /*!
        SendBufferSizeSocketOption sets the memb send window (see
        MemSocket::setSocketOption()); every other option is remembered and
        read back, as nothing in memory acts on it. Unconnected sockets
        ignore options and report an invalid QVariant, as QTcpSocket's do.
    */
    void setSocketOption(SocketOption option, const QVariant &value) override;
    /*! What setSocketOption() stored for \a option (the send window for SendBufferSizeSocketOption). */
    QVariant socketOption(SocketOption option) override;
    /*! -1: there is no descriptor, and none is ever used. */
    qintptr socketDescriptor() const override;
    /*! Refused (false, UnsupportedSocketOperationError): there is no descriptor to adopt. */
    bool setSocketDescriptor(qintptr socketDescriptor, SocketState state = ConnectedState,
                             OpenMode openMode = ReadWrite) override;
    /*! Refused (false, UnsupportedSocketOperationError): in-memory sockets bind nothing. */
    bool bind(const QHostAddress &address, quint16 port = 0, BindMode mode = DefaultForPlatform) override;
    using QAbstractSocket::bind;

    /*! Block the calling thread; see MemSocket for the same-thread rule. */
    bool waitForConnected(int msecs = 30000) override;
    /*! Blocks until new bytes are readable (readyRead() first), at most \a msecs; false when the peer has gone. */
    bool waitForReadyRead(int msecs = 30000) override;
    /*! Hands over the write buffer, then blocks until some of it counts as written (bytesWritten() first), at most \a msecs. */
    bool waitForBytesWritten(int msecs = 30000) override;
    /*! Hands over the write buffer, then blocks until the connection has ended, at most \a msecs. */
    bool waitForDisconnected(int msecs = 30000) override;

protected:
    //! \cond internal
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 readLineData(char *data, qint64 maxlen) override;
    qint64 skipData(qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

    std::unique_ptr<MemTcpSocketPrivate> d;
    //! \endcond
};
