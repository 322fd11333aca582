// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "memconn_global.h"
#include "memconditions.h"
#include <MemConn/memconn_version.h>

#include <QtCore/qdeadlinetimer.h>
#include <QtCore/qiodevice.h>
#include <QtCore/qlist.h>
#include <QtCore/qstring.h>
#include <QtNetwork/qhostaddress.h>

QT_BEGIN_NAMESPACE
class QDebug;
class QTcpServer;
class QTcpSocket;
class QThread;
QT_END_NAMESPACE

/*!
    \brief Addresses, network mapping, network conditions and diagnostics.

    One address string for every transport, Go memconn's Provider in Qt form:
    "memu:NAME" and "memb:NAME" (MemSocket), "tcp:HOST:PORT" with "[v6]:PORT"
    (QTcpSocket), "local:NAME" or Go's "unix:NAME" (QLocalSocket). The same
    code, given a tcp: address, runs across machines on Qt Network.
*/
namespace MemConn {

/*!
    Starts connecting to \a address and returns the device, owned by \a parent
    (by the caller when null). Never returns null: for a malformed address or an
    unknown network the device is not open and its errorString() names the
    address and the problem. memu/memb connect before this returns (when the
    server has room); tcp and local connect asynchronously, as QTcpSocket and
    QLocalSocket do. Never blocks.
*/
MEMCONN_EXPORT QIODevice *dial(const QString &address, QObject *parent = nullptr);

/*!
    Go's MapNetwork: from now on, addresses on network \a from use network \a to
    ("tcp" -> "memu" runs production code in memory: "tcp:localhost:8080"
    becomes the in-memory name "localhost:8080"). An empty \a to removes the
    mapping. Thread-safe. The environment variable MEMCONN_NETWORK_MAP
    ("tcp=memu,local=memu") applies mappings when the first address is used.
*/
MEMCONN_EXPORT void mapNetwork(const QString &from, const QString &to);

/*!
    The one line of production code that lets an unchanged binary run its
    TCP code in memory: returns a MemTcpSocket (memu or memb, as mapped) when
    network "tcp" is mapped to memory (mapNetwork() or MEMCONN_NETWORK_MAP),
    and a plain QTcpSocket otherwise. Owned by \a parent (by the caller when
    null).
*/
MEMCONN_EXPORT QTcpSocket *createTcpSocket(QObject *parent = nullptr);
/*!
    A MemTcpServer when "tcp" is mapped to memory, a plain QTcpServer
    otherwise; see createTcpSocket(). Listen on it through MemConn's type
    when it is one: QTcpServer::listen() is not virtual, so call
    MemConn::listenTcp() (or cast with qobject_cast<MemTcpServer *>).
*/
MEMCONN_EXPORT QTcpServer *createTcpServer(QObject *parent = nullptr);
/*!
    Listens on \a address and \a port with whichever server
    createTcpServer() returned: MemTcpServer::listen() for an in-memory one
    (QTcpServer::listen() is not virtual), QTcpServer::listen() otherwise.
*/
MEMCONN_EXPORT bool listenTcp(QTcpServer *server, const QHostAddress &address, quint16 port = 0);

/*!
    \brief A snapshot of one live in-memory connection, for debugging: see
    MemConn::connections().

    The values were true when connections() took them; the connection goes on
    changing afterwards. Print it with qDebug() (one line per connection).
*/
struct ConnectionInfo
{
    //! One end of a connection: the client (the end that connected) or the
    //! server side (the socket the server made for it).
    struct End
    {
        //! The end's MemSocket::localName(), for example "memu:chat#12".
        QString name;
        //! The network this end writes on: "memu" or "memb".
        QString network;
        //! The thread of the end's object (for the server side of a connection
        //! still in the backlog, the server's thread); null once the end has
        //! closed. For printing only: the thread may finish after the snapshot.
        QThread *thread = nullptr;
        //! False once this end has closed, aborted or been deleted.
        bool open = false;
        //! Bytes this end wrote that the other end has not read yet.
        qint64 bytesQueued = 0;
        //! The end's read deadline (MemSocket::readDeadline()); forever when none is set.
        QDeadlineTimer readDeadline{QDeadlineTimer::Forever};
        //! The end's write deadline (MemSocket::writeDeadline()); forever when none is set.
        QDeadlineTimer writeDeadline{QDeadlineTimer::Forever};
    };
    //! The server's name without network ("chat"); empty for a
    //! MemSocket::createPair() pair.
    QString serverName;
    //! False while the client waits in the server's backlog (ConnectingState).
    bool connected = false;
    //! The end that connected.
    End client;
    //! The end the server made for it.
    End server;
};

/*!
    A snapshot of every in-memory connection that exists now in this process
    (MemSocket, MemTcpSocket and the QML types alike), oldest first: for
    finding out why a test hangs. Thread-safe; never blocks beyond locking
    each connection briefly. A connection is listed from the moment a client
    connects (or createPair() makes it) until both ends have let it go.

    Print it where a test fails, for example from a Qt Test cleanup():
    \code
    void tst_Chat::cleanup()
    {
        if (QTest::currentTestFailed())
            qDebug().noquote() << MemConn::connections();
    }
    \endcode
*/
MEMCONN_EXPORT QList<ConnectionInfo> connections();

/*!
    Starts writing in-memory traffic to the pcapng file \a path, which
    Wireshark, tshark and tcpdump open. Every connection opened from now on
    (MemSocket, MemTcpSocket and the QML types, memu and memb) whose server
    name matches \a nameFilter (a glob: '*' any run of characters, '?' one;
    empty: every connection, createPair() pairs included) is recorded as one
    TCP stream over IPv4, until stopCapture():
    - the handshake (SYN, SYN-ACK, ACK) when the server side takes the
      connection into its backlog; a client refused from the backlog shows SYN
      and the server's RST;
    - one segment per write, in the order of the writes, split at 65495 bytes
      (an IPv4 packet's limit); under network conditions, a segment per
      delivery to the reader instead (maxChunk = 1 shows 1-byte segments, and
      latency shows in the timestamps);
    - FIN for a close from either side, RST for abort() or a reset by network
      conditions.
    Addresses and ports come from the server name: a "HOST:PORT" name
    (MemTcpServer, a tcp: address mapped to memory) keeps its port and its IPv4
    host (127.0.0.1 for localhost, "*" and IPv6 loopback), so that Wireshark
    recognises HTTP or WebSocket by port; other names get a 10.x.y.z address
    and a port derived from the name. The client's port comes from its end.
    The names of both ends ("memu:chat#1 -> memu:chat#2") are the comment of
    the stream's first packet. One capture interface per network: "memu" and
    "memb". Timestamps are the monotonic clock in nanoseconds, shifted to the
    wall clock once when the capture starts.

    Never blocks on the disk: packets go through a bounded queue (64 MiB,
    MEMCONN_CAPTURE_QUEUE=bytes changes it) to a background thread that writes
    the file. Should the queue be full, packets are dropped, never the
    application's bytes: the file says how many in a comment on the next packet
    and in its interface statistics, and a warning names the file. Without a
    capture running, opening a connection costs one relaxed atomic load and a
    write one null-pointer test.

    A capture that runs stops first, its file complete. Returns false, with a
    warning that names \a path, when the file cannot be written; the program
    runs on without capture. Thread-safe. The environment variables
    MEMCONN_CAPTURE=path.pcapng and MEMCONN_CAPTURE_FILTER=glob start a capture
    at the first connection, listen or capture call; a normal exit completes
    its file.
*/
MEMCONN_EXPORT bool startCapture(const QString &path, const QString &nameFilter = {});
/*!
    Stops the capture, if one runs: waits until every packet recorded so far
    is in the file, completes and closes it. Connections stay as they are;
    they are not recorded any more. Thread-safe; blocks for the disk writes.
*/
MEMCONN_EXPORT void stopCapture();

#ifndef QT_NO_DEBUG_STREAM
//! Writes \a info as one line: server name, state, and for each end its name,
//! thread, bytes queued and deadlines.
MEMCONN_EXPORT QDebug operator<<(QDebug debug, const ConnectionInfo &info);
#endif

} // namespace MemConn
