// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Capture: connections as TCP streams in a pcapng file (memcapture_p.h).
//
// The file (pcapng, https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html):
// a Section Header Block, one Interface Description Block per network (0 memu,
// 1 memb; link type RAW, raw IPv4 packets; nanosecond timestamps), an Enhanced
// Packet Block per packet, and at the end an Interface Statistics Block per
// network with the packets the capture dropped. Blocks are in this machine's
// byte order, which the Section Header's magic tells readers; packets are in
// network byte order with correct IPv4 and TCP checksums.
#include "memcapture_p.h"

#include "memaddress_p.h"
#include "memconnspin_p.h"

#include <QtCore/qfile.h>
#include <QtCore/qglobal.h>
#include <QtCore/qlist.h>
#include <QtCore/qlogging.h>
#include <QtNetwork/qhostaddress.h>
#include <QtCore/qregularexpression.h>

#include <MemConn/memconn_version.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace MemConnPrivate {

namespace {

enum TcpFlag : quint8 { Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10 };

// What the queue holds by default before it drops packets;
// MEMCONN_CAPTURE_QUEUE (bytes) changes it.
constexpr qint64 kDefaultQueueBytes = 64 << 20;
constexpr qint64 kPacketOverhead = 64;   // what a queued packet costs beyond its payload
// The writer thread writes what is queued every kWriterPeriod, or as soon
// as kWakeBytes are queued.
constexpr std::chrono::milliseconds kWriterPeriod{10};
constexpr qint64 kWakeBytes = 1 << 20;

struct Packet
{
    qint64 ns;
    quint32 source, destination;
    quint32 seq, ack;
    quint16 sourcePort, destinationPort;
    quint8 flags;
    quint8 interface;
    QByteArray payload;
    QString comment;
    quint64 lostBefore = 0;   // packets dropped just before this one
};

quint32 fnv1a(const QByteArray &bytes)
{
    quint32 h = 2166136261u;
    for (char c : bytes) {
        h ^= quint8(c);
        h *= 16777619u;
    }
    return h;
}

constexpr quint32 kLoopback = 0x7f000001;   // 127.0.0.1

// 10.x.y.z from a hash, never a network or broadcast address.
quint32 derivedAddress(quint32 hash)
{
    return (10u << 24) | (((hash >> 16) & 0xff) << 16) | (((hash >> 8) & 0xff) << 8) | (1 + (hash & 0xff) % 254);
}

quint32 hostAddress(const QString &host)
{
    if (host == QLatin1String("*") || host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return kLoopback;
    QString literal = host;
    if (literal.startsWith(QLatin1Char('[')) && literal.endsWith(QLatin1Char(']')))
        literal = literal.mid(1, literal.size() - 2);
    QHostAddress address;
    if (address.setAddress(literal)) {
        if (address.isLoopback() || address.isNull() || address == QHostAddress(QHostAddress::AnyIPv4)
            || address == QHostAddress(QHostAddress::AnyIPv6))
            return kLoopback;
        bool v4 = false;
        const quint32 ip = address.toIPv4Address(&v4);
        if (v4)
            return ip;
    }
    return derivedAddress(fnv1a(host.toLower().toUtf8()));
}

// ---------------------------------------------------------------------------
// pcapng blocks

void put16(QByteArray &out, quint16 v)
{
    out.append(reinterpret_cast<const char *>(&v), 2);
}
void put32(QByteArray &out, quint32 v)
{
    out.append(reinterpret_cast<const char *>(&v), 4);
}
void put64(QByteArray &out, quint64 v)
{
    out.append(reinterpret_cast<const char *>(&v), 8);
}
void pad4(QByteArray &out)
{
    while (out.size() % 4)
        out.append('\0');
}
void option(QByteArray &out, quint16 code, const QByteArray &value)
{
    put16(out, code);
    put16(out, quint16(value.size()));
    out.append(value);
    pad4(out);
}
void endOfOptions(QByteArray &out)
{
    put32(out, 0);
}
// Wraps `body` as a block of `type`: type, total length, body, total length.
QByteArray block(quint32 type, const QByteArray &body)
{
    QByteArray out;
    const quint32 total = quint32(12 + body.size());
    put32(out, type);
    put32(out, total);
    out.append(body);
    put32(out, total);
    return out;
}

QByteArray sectionHeader()
{
    QByteArray body;
    put32(body, 0x1A2B3C4D);   // byte-order magic
    put16(body, 1);
    put16(body, 0);
    put64(body, ~quint64(0));   // section length: not given
    option(body, 4, QByteArrayLiteral("MemConn " MEMCONN_VERSION_STR));   // shb_userappl
    endOfOptions(body);
    return block(0x0A0D0D0A, body);
}

QByteArray interfaceDescription(const char *name, const char *description)
{
    QByteArray body;
    put16(body, 101);   // LINKTYPE_RAW: raw IPv4
    put16(body, 0);
    put32(body, 0);     // no snapshot limit
    option(body, 2, name);          // if_name
    option(body, 3, description);   // if_description
    option(body, 9, QByteArray(1, char(9)));   // if_tsresol: nanoseconds
    endOfOptions(body);
    return block(1, body);
}

quint16 checksum(const uchar *data, qsizetype n, quint32 sum = 0)
{
    for (qsizetype i = 0; i + 1 < n; i += 2)
        sum += quint32(data[i]) << 8 | data[i + 1];
    if (n % 2)
        sum += quint32(data[n - 1]) << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return quint16(~sum);
}

void putBe16(uchar *p, quint16 v)
{
    p[0] = uchar(v >> 8);
    p[1] = uchar(v);
}
void putBe32(uchar *p, quint32 v)
{
    putBe16(p, quint16(v >> 16));
    putBe16(p + 2, quint16(v));
}

// The packet as it would cross the wire: IPv4, TCP, payload. SYNs carry
// MSS (kMaxSegment) and window scale 14, so that the window (65535 << 14)
// never fills in a capture whose reader acknowledges only when it writes.
QByteArray ipPacket(const Packet &p)
{
    const bool syn = p.flags & Syn;
    const int tcpHeader = syn ? 28 : 20;
    const int total = 20 + tcpHeader + int(p.payload.size());
    QByteArray packet(total, '\0');
    auto *ip = reinterpret_cast<uchar *>(packet.data());
    ip[0] = 0x45;
    putBe16(ip + 2, quint16(total));
    putBe16(ip + 6, 0x4000);   // don't fragment
    ip[8] = 64;
    ip[9] = 6;                 // TCP
    putBe32(ip + 12, p.source);
    putBe32(ip + 16, p.destination);
    putBe16(ip + 10, checksum(ip, 20));
    uchar *tcp = ip + 20;
    putBe16(tcp, p.sourcePort);
    putBe16(tcp + 2, p.destinationPort);
    putBe32(tcp + 4, p.seq);
    putBe32(tcp + 8, (p.flags & Ack) ? p.ack : 0);
    tcp[12] = uchar((tcpHeader / 4) << 4);
    tcp[13] = p.flags;
    putBe16(tcp + 14, 0xffff);
    if (syn) {
        const uchar options[8] = {2, 4, uchar(CaptureFlow::kMaxSegment >> 8), uchar(CaptureFlow::kMaxSegment & 0xff),
                                  1, 3, 3, 14};   // MSS, NOP, window scale
        std::memcpy(tcp + 20, options, sizeof options);
    }
    if (!p.payload.isEmpty())
        std::memcpy(tcp + tcpHeader, p.payload.constData(), size_t(p.payload.size()));
    const int tcpLength = total - 20;
    quint32 pseudo = (p.source >> 16) + (p.source & 0xffff) + (p.destination >> 16) + (p.destination & 0xffff) + 6
                   + quint32(tcpLength);
    putBe16(tcp + 16, checksum(tcp, tcpLength, pseudo));
    return packet;
}

} // namespace

// ---------------------------------------------------------------------------
// The session: one file, its queue and its writer thread.

class CaptureSession
{
public:
    CaptureSession(const QString &path, std::FILE *file, const QString &nameFilter, qint64 queueLimit)
        : m_path(path), m_file(file), m_queueLimit(queueLimit)
    {
        if (!nameFilter.isEmpty()) {
            // A glob over the whole name: '*' any run of characters, '?' one.
            QString pattern = QStringLiteral("\\A");
            for (QChar ch : nameFilter) {
                if (ch == QLatin1Char('*'))
                    pattern += QLatin1String(".*");
                else if (ch == QLatin1Char('?'))
                    pattern += QLatin1Char('.');
                else
                    pattern += QRegularExpression::escape(QString(ch));
            }
            m_filter = QRegularExpression(pattern + QLatin1String("\\z"),
                                          QRegularExpression::DotMatchesEverythingOption);
        }
        // Timestamps: the monotonic clock, shifted once to the wall clock
        // so that a reader shows the capture's date.
        const qint64 wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch()).count();
        m_offsetNs = wall - nowNs();
        m_writer = std::thread([this] { run(); });
    }
    ~CaptureSession() { stop(); }
    Q_DISABLE_COPY_MOVE(CaptureSession)

    bool matches(const QString &serverName) const
    {
        return m_filter.pattern().isEmpty() || m_filter.match(serverName).hasMatch();
    }

    void push(Packet &&packet)
    {
        const qint64 cost = packet.payload.size() + kPacketOverhead;
        std::unique_lock lock(m_mutex);
        if (m_stopping)
            return;
        if (m_queuedBytes + cost > m_queueLimit) {
            ++m_lost[packet.interface];
            ++m_lostSinceLast;
            return;
        }
        packet.lostBefore = std::exchange(m_lostSinceLast, 0);
        m_queuedBytes += cost;
        m_queue.push_back(std::move(packet));
        // The writer looks every kWriterPeriod by itself: a writer thread
        // is woken (a system call) only once a batch is worth it.
        const bool wake = m_writerWaiting && m_queuedBytes >= kWakeBytes;
        if (wake)
            m_writerWaiting = false;
        lock.unlock();
        if (wake)
            m_cond.notify_one();
    }

    // Writes what is queued, the statistics, and closes the file.
    void stop()
    {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping)
                return;
            m_stopping = true;
        }
        m_cond.notify_one();
        if (m_writer.joinable())
            m_writer.join();
        const quint64 lost[2] = {m_lost[0], m_lost[1]};
        const qint64 now = nowNs();
        for (quint32 i = 0; i < 2; ++i) {
            QByteArray body;
            put32(body, i);
            const quint64 ts = quint64(now + m_offsetNs);
            put32(body, quint32(ts >> 32));
            put32(body, quint32(ts));
            QByteArray drops;
            put64(drops, lost[i]);
            option(body, 5, drops);   // isb_ifdrop
            if (lost[i] > 0 || m_lostSinceLast > 0)
                option(body, 1, QStringLiteral("MemConn dropped %1 packets: the capture queue was full")
                                    .arg(lost[i]).toUtf8());
            endOfOptions(body);
            write(block(5, body));
        }
        if (m_lostSinceLast > 0) {
            qWarning().noquote() << QStringLiteral("MemConn capture %1: dropped %2 packets at the end: the capture "
                                                   "queue was full")
                                        .arg(m_path).arg(m_lostSinceLast);
        }
        if (std::fclose(m_file) != 0 && !m_failed)
            warnWriteFailed();
        m_file = nullptr;
    }

    void writeHeader()
    {
        write(sectionHeader() + interfaceDescription("memu", "MemConn memu (unbuffered, in memory)")
              + interfaceDescription("memb", "MemConn memb (buffered, in memory)"));
        std::fflush(m_file);
    }

    const QString &path() const { return m_path; }

private:
    void run()
    {
        std::vector<Packet> batch;
        for (;;) {
            bool stopping;
            {
                std::unique_lock lock(m_mutex);
                while (m_queue.empty() && !m_stopping) {
                    m_writerWaiting = true;
                    m_cond.wait_for(lock, kWriterPeriod);
                }
                m_writerWaiting = false;
                batch.swap(m_queue);
                m_queuedBytes = 0;
                stopping = m_stopping;
            }
            for (const Packet &p : batch)
                writePacket(p);
            batch.clear();
            if (!m_failed)
                std::fflush(m_file);
            if (stopping) {
                std::lock_guard lock(m_mutex);
                if (m_queue.empty())
                    return;
            }
        }
    }

    void writePacket(const Packet &p)
    {
        const QByteArray packet = ipPacket(p);
        QByteArray body;
        body.reserve(packet.size() + 64 + p.comment.size() * 3);
        put32(body, p.interface);
        const quint64 ts = quint64(p.ns + m_offsetNs);
        put32(body, quint32(ts >> 32));
        put32(body, quint32(ts));
        put32(body, quint32(packet.size()));
        put32(body, quint32(packet.size()));
        body.append(packet);
        pad4(body);
        QString comment = p.comment;
        if (p.lostBefore > 0) {
            const QString loss = QStringLiteral("MemConn dropped %1 packets before this one: the capture queue "
                                                "was full").arg(p.lostBefore);
            comment = comment.isEmpty() ? loss : comment + QLatin1Char('\n') + loss;
            qWarning().noquote() << QStringLiteral("MemConn capture %1: dropped %2 packets: the capture queue was "
                                                   "full (MEMCONN_CAPTURE_QUEUE)").arg(m_path).arg(p.lostBefore);
        }
        if (!comment.isEmpty()) {
            option(body, 1, comment.toUtf8());
            endOfOptions(body);
        }
        write(block(6, body));
    }

    void write(const QByteArray &bytes)
    {
        if (m_failed)
            return;
        if (std::fwrite(bytes.constData(), 1, size_t(bytes.size()), m_file) != size_t(bytes.size())) {
            m_failed = true;
            warnWriteFailed();
        }
    }

    void warnWriteFailed()
    {
        qWarning().noquote() << QStringLiteral("MemConn capture %1: cannot write: %2; the capture stops here, the "
                                               "program runs on")
                                    .arg(m_path, QString::fromLocal8Bit(std::strerror(errno)));
    }

    const QString m_path;
    std::FILE *m_file;
    QRegularExpression m_filter;
    qint64 m_offsetNs = 0;
    const qint64 m_queueLimit;
    std::mutex m_mutex;   // a leaf: held only to queue or swap
    std::condition_variable m_cond;
    std::vector<Packet> m_queue;
    qint64 m_queuedBytes = 0;
    bool m_writerWaiting = false;
    bool m_stopping = false;
    quint64 m_lost[2] = {0, 0};     // per interface, for the statistics
    quint64 m_lostSinceLast = 0;    // not told yet by a packet's comment
    bool m_failed = false;          // the writer thread's (and stop()'s after the join)
    std::thread m_writer;
};

namespace {
struct Capture
{
    std::mutex mutex;
    std::shared_ptr<CaptureSession> session;
    std::atomic<bool> running{false};
    std::once_flag environment;

    ~Capture() { stop(); }   // a normal exit completes the file

    // Ends the session that runs, if any: its file complete, once it returns.
    void stop()
    {
        std::shared_ptr<CaptureSession> s;
        {
            std::lock_guard lock(mutex);
            s = std::move(session);
            running.store(false, std::memory_order_relaxed);
        }
        if (s)
            s->stop();   // connections that still hold it record nothing more
    }
};
Capture &capture()
{
    static Capture c;
    return c;
}

bool start(const QString &path, const QString &nameFilter);

void readEnvironment()
{
    std::call_once(capture().environment, [] {
        const QString path = qEnvironmentVariable("MEMCONN_CAPTURE");
        if (!path.isEmpty())
            start(path, qEnvironmentVariable("MEMCONN_CAPTURE_FILTER"));
    });
}

bool start(const QString &path, const QString &nameFilter)
{
    Capture &c = capture();
    c.stop();
    if (path.isEmpty()) {
        qWarning("MemConn: startCapture() needs a file path; nothing is captured");
        return false;
    }
    std::FILE *file = std::fopen(QFile::encodeName(path).constData(), "wb");
    if (!file) {
        qWarning().noquote() << QStringLiteral("MemConn: cannot capture to %1: %2; the program runs on without capture")
                                    .arg(path, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    bool ok = false;
    qint64 limit = qEnvironmentVariable("MEMCONN_CAPTURE_QUEUE").toLongLong(&ok);
    if (!ok || limit < 0)
        limit = kDefaultQueueBytes;
    auto session = std::make_shared<CaptureSession>(path, file, nameFilter, limit);
    session->writeHeader();
    std::lock_guard lock(c.mutex);
    c.session = std::move(session);
    c.running.store(true, std::memory_order_relaxed);
    return true;
}
} // namespace

bool startCapture(const QString &path, const QString &nameFilter)
{
    readEnvironment();   // first: the environment never overrides an explicit capture
    return start(path, nameFilter);
}

void stopCapture()
{
    readEnvironment();
    capture().stop();
}

// ---------------------------------------------------------------------------
// Addresses

CaptureAddresses captureAddresses(const QString &serverName, quint64 clientId)
{
    CaptureAddresses a{};
    const qsizetype colon = serverName.lastIndexOf(QLatin1Char(':'));
    bool numeric = false;
    const uint port = colon > 0 ? serverName.mid(colon + 1).toUInt(&numeric) : 0;
    const QString host = serverName.left(colon);
    // "::1" alone is not HOST:PORT: an IPv6 name has its host in brackets.
    if (numeric && port <= 0xffff && (!host.contains(QLatin1Char(':')) || host.startsWith(QLatin1Char('[')))) {
        a.serverAddress = hostAddress(host);
        a.serverPort = quint16(port);
    } else {
        const quint32 h = fnv1a(serverName.toUtf8());
        a.serverAddress = derivedAddress(h);
        a.serverPort = quint16(1024 + (h >> 8) % (49152 - 1024));
    }
    // Clients: ports 49152-65535 (the ephemeral range), then the next address.
    const quint64 n = clientId;
    a.clientPort = quint16(49152 + n % 16384);
    const quint32 base = (a.serverAddress >> 24) == 127 ? kLoopback : (10u << 24) | 1;
    a.clientAddress = base + quint32(n / 16384) % 0xfffe;
    if (a.clientAddress == a.serverAddress && a.clientPort == a.serverPort)
        a.clientPort = quint16(a.clientPort ^ 1);
    return a;
}

// ---------------------------------------------------------------------------
// Flows

std::unique_ptr<CaptureFlow> CaptureFlow::open(const QString &serverName, bool clientBuffered, quint64 clientId,
                                               quint64 serverId)
{
    readEnvironment();
    Capture &c = capture();
    if (!c.running.load(std::memory_order_relaxed))
        return nullptr;
    std::shared_ptr<CaptureSession> session;
    {
        std::lock_guard lock(c.mutex);
        session = c.session;
    }
    if (!session || !session->matches(serverName))
        return nullptr;
    std::unique_ptr<CaptureFlow> flow(new CaptureFlow);
    flow->m_session = std::move(session);
    flow->m_interface = clientBuffered ? 1 : 0;
    const CaptureAddresses a = captureAddresses(serverName, clientId);
    flow->m_address[0] = a.clientAddress;
    flow->m_address[1] = a.serverAddress;
    flow->m_port[0] = a.clientPort;
    flow->m_port[1] = a.serverPort;
    // Initial sequence numbers from the ends' ids: deterministic, and not 0
    // (tshark shows relative numbers from the SYN anyway).
    flow->m_next[0] = fnv1a(QByteArray::number(clientId) + "c");
    flow->m_next[1] = fnv1a(QByteArray::number(serverId) + "s");
    flow->m_names = Address::endName(clientBuffered, serverName, clientId) + QStringLiteral(" -> ")
                  + Address::endName(clientBuffered, serverName, serverId);
    return flow;
}

CaptureFlow::~CaptureFlow() = default;

void CaptureFlow::packet(int from, quint8 flags, const char *bytes, qint64 n, qint64 ns, QString comment)
{
    const int to = 1 - from;
    Packet p;
    p.ns = ns;
    p.source = m_address[from];
    p.destination = m_address[to];
    p.sourcePort = m_port[from];
    p.destinationPort = m_port[to];
    p.seq = m_next[from];
    p.ack = m_next[to];
    p.flags = flags;
    p.interface = quint8(m_interface);
    if (n > 0)
        p.payload = QByteArray(bytes, n);
    p.comment = std::move(comment);
    m_session->push(std::move(p));
}

void CaptureFlow::handshake(qint64 ns)
{
    if (m_state != State::Opening)
        return;
    m_state = State::Open;
    packet(0, Syn, nullptr, 0, ns, m_names);
    ++m_next[0];
    packet(1, Syn | Ack, nullptr, 0, ns);
    ++m_next[1];
    packet(0, Ack, nullptr, 0, ns);
}

void CaptureFlow::refused(qint64 ns)
{
    if (m_state != State::Opening)
        return;
    m_state = State::Done;
    packet(0, Syn, nullptr, 0, ns, m_names + QStringLiteral(" (refused: the server closed)"));
    ++m_next[0];
    packet(1, Rst | Ack, nullptr, 0, ns);
}

void CaptureFlow::data(int from, const char *bytes, qint64 n, qint64 ns)
{
    if (m_state != State::Open || m_finished[from])
        return;
    for (qint64 done = 0; done < n;) {
        const qint64 segment = qMin(n - done, kMaxSegment);
        packet(from, Psh | Ack, bytes + done, segment, ns);
        m_next[from] += quint32(segment);
        done += segment;
    }
}

void CaptureFlow::finish(int from, qint64 ns)
{
    if (m_state != State::Open || m_finished[from])
        return;
    packet(from, Fin | Ack, nullptr, 0, ns);
    ++m_next[from];
    m_finished[from] = true;
    if (m_finished[1 - from]) {
        packet(1 - from, Ack, nullptr, 0, ns);   // the first to close acknowledges the second FIN
        m_state = State::Done;
    }
}

void CaptureFlow::reset(int from, qint64 ns)
{
    if (m_state != State::Open)
        return;
    packet(from, Rst | Ack, nullptr, 0, ns);
    m_state = State::Done;
}

} // namespace MemConnPrivate
