// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// Capture (MemConn::startCapture(), MEMCONN_CAPTURE): every connection opened
// while a capture runs, and whose server name passes its filter, is written
// to a pcapng file as a synthetic TCP stream over IPv4, so that Wireshark and
// tshark open in-memory traffic as they open a real network's.
//
// CaptureFlow is one connection's stream: its Connection owns it and calls it
// with its own mutex held, so the TCP bookkeeping (sequence and
// acknowledgement numbers, who has sent FIN) needs no lock of its own. A flow
// makes packets and pushes them onto the capture's bounded queue (a leaf of
// the lock order: its mutex is held only to append or swap); one background
// thread writes them to the file, so a writer never waits for the disk.
// When the queue is full a packet is dropped and counted: the file says so
// (a comment on the next packet written and the interface statistics at
// the end) and the writer thread warns. The application's bytes never wait
// for the capture and are never dropped.

#include <QtCore/qbytearray.h>
#include <QtCore/qstring.h>

#include <memory>

namespace MemConnPrivate {

class CaptureSession;

class CaptureFlow
{
public:
    // A flow when a capture runs and `serverName` (an empty one: a pair)
    // passes its filter; null otherwise. The first call in the process reads
    // MEMCONN_CAPTURE and MEMCONN_CAPTURE_FILTER.
    static std::unique_ptr<CaptureFlow> open(const QString &serverName, bool clientBuffered,
                                             quint64 clientId, quint64 serverId);
    ~CaptureFlow();
    Q_DISABLE_COPY_MOVE(CaptureFlow)

    // end: 0 the client, 1 the server side (EndIndex). ns: the monotonic clock.
    void handshake(qint64 ns);                          // SYN, SYN-ACK, ACK
    void refused(qint64 ns);                            // SYN, then the server's RST
    void data(int from, const char *bytes, qint64 n, qint64 ns);   // one write or delivery
    void finish(int from, qint64 ns);                   // FIN (the peer's ACK once both have)
    void reset(int from, qint64 ns);                    // RST: abort() or a reset by conditions

    // Stream positions (bytes the end ever wrote) up to which the data of
    // each direction is recorded; kept by the Connection, which knows what
    // its reader received.
    qint64 recorded[2] = {0, 0};

    // Segments carry at most this many bytes: an IPv4 packet's length field
    // holds 65535 with its 40 bytes of headers.
    static constexpr qint64 kMaxSegment = 65535 - 40;

private:
    CaptureFlow() = default;
    enum class State { Opening, Open, Done };
    void packet(int from, quint8 flags, const char *bytes, qint64 n, qint64 ns, QString comment = {});

    std::shared_ptr<CaptureSession> m_session;
    State m_state = State::Opening;
    int m_interface = 0;
    quint32 m_address[2] = {0, 0};
    quint16 m_port[2] = {0, 0};
    quint32 m_next[2] = {0, 0};   // each end's next sequence number
    bool m_finished[2] = {false, false};
    QString m_names;              // "memu:chat#1 -> memu:chat#2", on the first packet
};

// What MemConn::startCapture() and stopCapture() do.
bool startCapture(const QString &path, const QString &nameFilter);
void stopCapture();

// The synthetic addresses of a connection to `serverName`, host byte order:
// a "HOST:PORT" name (MemTcpServer, a tcp: address mapped to memory) keeps
// its IPv4 host (loopback for "localhost", "*", IPv6 loopback; otherwise one
// derived from the host) and its port; any other name gets both derived from
// it. The client's port and address come from its end id. Deterministic.
struct CaptureAddresses
{
    quint32 clientAddress, serverAddress;
    quint16 clientPort, serverPort;
};
CaptureAddresses captureAddresses(const QString &serverName, quint64 clientId);

} // namespace MemConnPrivate
