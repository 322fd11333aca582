// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// MemConn side by side with QTcpSocket and QLocalSocket: every shape runs the
// same code for each transport (transport.h), in one process, so that each
// figure reads as a ratio. The runner (main() below) prints the comparison
// table and writes CSV and SVG.
#include "alloccount.h"
#include "report.h"
#include "transport.h"

#include <MemConn/MemConn>
#include <MemConn/MemServer>
#include <MemConn/MemSocket>
#include <MemConn/MemTcpServer>
#include <MemConn/MemTcpSocket>

#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

#include <QtCore/qbuffer.h>
#include <QtCore/qcoreapplication.h>
#include <QtCore/qdir.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qfile.h>
#include <QtCore/qsemaphore.h>
#include <QtCore/qtemporarydir.h>
#include <QtCore/qthread.h>
#include <QtTest/qtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

namespace {
const QString kFloor = QStringLiteral("0 floor: 2 QIODevice + 1 event");
const QString kDial = QStringLiteral("1 dial + write 8 B + close");
const QString kDialParallel = QStringLiteral("2 same, 2 client threads");
const QString kPing = QStringLiteral("3a ping-pong 8 B, one thread");
const QString kPingThreads = QStringLiteral("3b ping-pong 8 B, two threads");
const QString kPingBusy = QStringLiteral("3c ping-pong 8 B, two threads, all cores busy");
const QString kBulkBuffer = QStringLiteral("4a bulk 64 KiB, read(buf)");
const QString kBulkReadAll = QStringLiteral("4b bulk 64 KiB, readAll()");
const QString kMillion = QStringLiteral("6 1,000,000 open: connect");   // heap reused
// The swap example's shape: a line request, a line reply, one thread, the
// event loop driving both ends. Columns memu and memb are MemTcpSocket (9a)
// and MemSocket (9b); QTcpSocket is itself.
const QString kRequestTcp = QStringLiteral("9a request/response, QTcpSocket-typed code");
const QString kRequestMem = QStringLiteral("9b request/response, MemSocket");

// CPU time of the whole process (every thread), in ns.
qint64 processCpuNs()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return qint64(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// Snapshots time, CPU time and allocations around a measured loop.
struct Meter
{
    AllocSnapshot before = AllocSnapshot::now();
    QElapsedTimer timer;
    qint64 cpuBefore = processCpuNs();
    qint64 ops = 0;
    Meter() { timer.start(); }
    Figure figure(const QString &shape, Kind kind, const QString &note = QString()) const
    {
        const AllocSnapshot after = AllocSnapshot::now();
        const double n = double(qMax<qint64>(ops, 1));
        return {shape, kind, double(timer.nsecsElapsed()) / n, double(after.count - before.count) / n,
                double(after.bytes - before.bytes) / n, note, double(processCpuNs() - cpuBefore) / n};
    }
};

// Child processes that keep every CPU busy while they live: the threaded
// ping-pong's "all cores busy" rows.
class CpuBurners
{
public:
    CpuBurners()
    {
        for (int i = 0; i < QThread::idealThreadCount(); ++i) {
            const pid_t pid = fork();
            if (pid == 0) {
                for (volatile unsigned long n = 0;; n = n + 1) {
                }
            }
            if (pid > 0)
                m_pids.push_back(pid);
        }
    }
    ~CpuBurners()
    {
        for (pid_t pid : m_pids) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    }
    Q_DISABLE_COPY_MOVE(CpuBurners)

private:
    std::vector<pid_t> m_pids;
};

void addKinds(bool sockets = true)
{
    QTest::addColumn<int>("kind");
    QTest::newRow("memu") << int(Kind::Memu);
    QTest::newRow("memb") << int(Kind::Memb);
    if (sockets) {
        QTest::newRow("QTcpSocket") << int(Kind::Tcp);
        QTest::newRow("QLocalSocket") << int(Kind::Local);
    }
}

// Spins the event loop until `cond` holds (at most 30 s).
template <typename Cond>
bool spin(Cond cond)
{
    QDeadlineTimer deadline(30000);
    while (!cond()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents();
    }
    return true;
}

void settle()
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 20)
        QCoreApplication::processEvents();
}

// Reads everything available into a caller buffer; returns the count.
qint64 drainInto(QIODevice *s, char *buf, qint64 size)
{
    qint64 total = 0, n;
    while ((n = s->read(buf, size)) > 0)
        total += n;
    return total;
}

// A transport listening in its own thread with its own event loop.
class ServerThread : public QThread
{
public:
    ServerThread(Kind kind, std::function<void(QIODevice *)> onAccepted)
        : kind(kind), onAccepted(std::move(onAccepted))
    {
        start();
        ready.acquire();
    }
    ~ServerThread() override
    {
        quit();
        wait();
    }
    const Transport *transport = nullptr;

protected:
    void run() override
    {
        Transport t(kind);
        t.listen(onAccepted);
        transport = &t;
        ready.release();
        exec();
    }

private:
    Kind kind;
    std::function<void(QIODevice *)> onAccepted;
    QSemaphore ready;
};

qint64 residentBytes()
{
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = f.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() * sysconf(_SC_PAGESIZE) : 0;
}
} // namespace

class Bench : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void eventLoopFloor();
    void dialWriteClose_data() { addKinds(); }
    void dialWriteClose();
    void dialParallel_data() { addKinds(); }
    void dialParallel();
    void pingPong_data() { addKinds(); }
    void pingPong();
    void pingPongThreaded_data();
    void pingPongThreaded();
    void bulk_data();
    void bulk();
    void messageSizes_data();
    void messageSizes();
    void connectWithOpen_data();
    void connectWithOpen();
    void millionConnections_data()
    {
        QTest::addColumn<int>("kind");
        QTest::newRow("memu") << int(Kind::Memu);   // memb connects the same way
    }
    void millionConnections();
    void pingPongDeadlines_data();
    void pingPongDeadlines();
    void pingPongCapture_data();
    void pingPongCapture();
    void requestResponse_data();
    void requestResponse();
};

void Bench::initTestCase()
{
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
    // The rows the summary names, with what it compares them to.
    Report::instance().setHighlights({{kDial, Kind::Tcp}, {kDial, Kind::Local}, {kPingThreads, Kind::Local},
                                      {kPingBusy, Kind::Local}, {kBulkBuffer, Kind::Tcp}, {kBulkReadAll, Kind::Tcp},
                                      {QStringLiteral("5b one way 1 B"), Kind::Local},
                                      {QStringLiteral("5b one way 1024 KiB"), Kind::Local}});
    Report::instance().setFloor(kFloor, kDial);
}

// Progress, one line per measured row, while the run goes (about a minute
// and a half in all).
void Bench::init()
{
    QTextStream err(stderr);
    err << "  " << QTest::currentTestFunction();
    if (const char *tag = QTest::currentDataTag())
        err << ": " << tag;
    err << Qt::endl;
}

// Not MemConn: the least an event-driven shape 1 can cost on this machine
// (create and open two QIODevices, post one event and deliver it, copy 8
// bytes, delete both). QTcpSocket's time over this is the best ratio any
// design with one posted event per operation can reach here.
void Bench::eventLoopFloor()
{
    struct Receiver : QObject
    {
        int hits = 0;
        bool event(QEvent *e) override
        {
            if (e->type() != QEvent::User)
                return QObject::event(e);
            ++hits;
            return true;
        }
    } receiver;
    char dst[8];
    Meter m;
    QBENCHMARK {
        QBuffer a, b;
        a.open(QIODevice::ReadWrite);
        b.open(QIODevice::ReadWrite);
        const int want = receiver.hits + 1;
        QCoreApplication::postEvent(&receiver, new QEvent(QEvent::User));
        while (receiver.hits < want)
            QCoreApplication::processEvents();
        std::memcpy(dst, "01234567", 8);
        ++m.ops;
    }
    Figure f = m.figure(kFloor, Kind::Memu, QStringLiteral("not MemConn: the event-loop floor of shape 1 on this machine"));
    Report::instance().add(f);
}

// Shape 1, the seed's: dial, write 8 bytes, the server reads them, close.
void Bench::dialWriteClose()
{
    QFETCH(int, kind);
    Transport t{Kind(kind)};
    qint64 received = 0;
    QVERIFY(t.listen([&received](QIODevice *s) {
        QObject::connect(s, &QIODevice::readyRead, s, [s, &received] {
            char buf[64];
            received += drainInto(s, buf, sizeof buf);
        });
    }));
    qint64 target = 0;
    Meter m;
    QBENCHMARK {
        QIODevice *c = t.dial();
        c->write("01234567", 8);
        target += 8;
        while (received < target)
            QCoreApplication::processEvents();
        t.disconnect(c);
        delete c;
        ++m.ops;
    }
    Report::instance().add(m.figure(kDial, Kind(kind)));
    settle();
}

// Shape 2: the same with two client threads dialling at once (RunParallel).
void Bench::dialParallel()
{
    QFETCH(int, kind);
    const bool mem = Kind(kind) == Kind::Memu || Kind(kind) == Kind::Memb;
    const int perThread = mem ? 10000 : 800;
    std::atomic<qint64> received{0};
    ServerThread server(Kind(kind), [&received](QIODevice *s) {
        QObject::connect(s, &QIODevice::readyRead, s, [s, &received] {
            char buf[64];
            received += drainInto(s, buf, sizeof buf);
        });
    });
    const Transport *t = server.transport;
    std::atomic<int> failures{0};
    auto client = [&] {
        for (int i = 0; i < perThread; ++i) {
            std::unique_ptr<QIODevice> c(t->dial());
            if (!t->waitConnected(c.get(), 10000) || c->write("01234567", 8) != 8) {
                ++failures;
                continue;
            }
            c->waitForBytesWritten(10000);
            t->disconnect(c.get());
        }
    };
    Meter m;
    QBENCHMARK_ONCE {
        std::unique_ptr<QThread> a(QThread::create(client)), b(QThread::create(client));
        a->start();
        b->start();
        a->wait();
        b->wait();
        const qint64 want = 2LL * (perThread - failures / 2) * 8;
        QDeadlineTimer limit(30000);
        while (received < want && failures == 0 && !limit.hasExpired())
            QThread::yieldCurrentThread();
    }
    m.ops = 2LL * perThread;
    QCOMPARE(failures.load(), 0);
    QCOMPARE(received.load(), 2LL * perThread * 8);
    const Figure f = m.figure(kDialParallel, Kind(kind));
    QTest::setBenchmarkResult(f.nsPerOp, QTest::WalltimeNanoseconds);
    Report::instance().add(f);
}

// Shape 3a: ping-pong of 8 bytes in one thread, driven by the event loop.
void Bench::pingPong()
{
    QFETCH(int, kind);
    Transport t{Kind(kind)};
    QVERIFY(t.listen([](QIODevice *s) {
        QObject::connect(s, &QIODevice::readyRead, s, [s] {
            char buf[64];
            const qint64 n = s->read(buf, sizeof buf);
            if (n > 0)
                s->write(buf, n);
        });
    }));
    std::unique_ptr<QIODevice> c(t.dial());
    QVERIFY(spin([&] { return Transport::isConnected(c.get()); }));
    qint64 got = 0, target = 0;
    QObject::connect(c.get(), &QIODevice::readyRead, c.get(), [&] {
        char buf[64];
        got += drainInto(c.get(), buf, sizeof buf);
    });
    Meter m;
    QBENCHMARK {
        c->write("01234567", 8);
        target += 8;
        while (got < target)
            QCoreApplication::processEvents();
        ++m.ops;
    }
    Report::instance().add(m.figure(kPing, Kind(kind)));
    t.disconnect(c.get());
    settle();
}

void Bench::pingPongThreaded_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<bool>("busy");
    for (bool busy : {false, true})
        for (Kind k : {Kind::Memu, Kind::Memb, Kind::Tcp, Kind::Local})
            QTest::addRow("%s%s", kindName(k), busy ? " cores busy" : "") << int(k) << busy;
}

// Shape 3b: ping-pong with the server in another thread; the client blocks.
// 3c: the same while other processes keep every CPU busy. The note gives the
// CPU time per round trip (both threads), which any spinning would raise.
void Bench::pingPongThreaded()
{
    QFETCH(int, kind);
    QFETCH(bool, busy);
    ServerThread server(Kind(kind), [](QIODevice *s) {
        QObject::connect(s, &QIODevice::readyRead, s, [s] {
            char buf[64];
            const qint64 n = s->read(buf, sizeof buf);
            if (n > 0)
                s->write(buf, n);
        });
    });
    std::unique_ptr<QIODevice> c(server.transport->dial());
    QVERIFY(server.transport->waitConnected(c.get(), 5000));
    char buf[64];
    std::unique_ptr<CpuBurners> burners(busy ? new CpuBurners : nullptr);
    Meter m;
    QBENCHMARK {
        c->write("01234567", 8);
        qint64 got = 0;
        while (got < 8) {
            const qint64 n = c->read(buf, sizeof buf);
            if (n > 0)
                got += n;
            else if (!c->waitForReadyRead(5000))
                QFAIL("no echo");
        }
        ++m.ops;
    }
    Figure f = m.figure(busy ? kPingBusy : kPingThreads, Kind(kind));
    burners.reset();
    f.note = QStringLiteral("CPU %1 us per round trip (all threads of the process)").arg(f.cpuNsPerOp / 1000, 0, 'f', 1);
    Report::instance().add(f);
    server.transport->disconnect(c.get());
}

void Bench::bulk_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<bool>("readAll");
    for (Kind k : {Kind::Memu, Kind::Memb, Kind::Tcp, Kind::Local}) {
        QTest::addRow("%s read(buf)", kindName(k)) << int(k) << false;
        QTest::addRow("%s readAll", kindName(k)) << int(k) << true;
    }
}

// Shape 4: 64 MiB in 64 KiB chunks, one thread, read into a caller buffer or
// with readAll(). One op is one 64 KiB chunk.
void Bench::bulk()
{
    QFETCH(int, kind);
    QFETCH(bool, readAll);
    constexpr qint64 chunkSize = 64 << 10, total = 64 << 20;
    Transport t{Kind(kind)};
    qint64 received = 0;
    QByteArray sink(chunkSize, Qt::Uninitialized);
    QVERIFY(t.listen([&](QIODevice *s) {
        QObject::connect(s, &QIODevice::readyRead, s, [&, s] {
            if (readAll) {
                while (s->bytesAvailable() > 0)
                    received += s->readAll().size();
            } else {
                received += drainInto(s, sink.data(), sink.size());
            }
        });
    }));
    std::unique_ptr<QIODevice> c(t.dial());
    QVERIFY(spin([&] { return Transport::isConnected(c.get()); }));
    const QByteArray chunk(chunkSize, 'b');
    Meter m;
    QBENCHMARK_ONCE {
        for (int round = 0; round < 3; ++round) {
            received = 0;
            qint64 written = 0;
            while (received < total) {
                while (written < total && c->bytesToWrite() < 4 * chunkSize) {
                    c->write(chunk);
                    written += chunkSize;
                }
                QCoreApplication::processEvents();
            }
        }
    }
    m.ops = 3 * total / chunkSize;
    Figure f = m.figure(readAll ? kBulkReadAll : kBulkBuffer, Kind(kind));
    f.note = QStringLiteral("%1 MB/s").arg(qRound(chunkSize / f.nsPerOp * 1e9 / 1e6));
    QTest::setBenchmarkResult(f.nsPerOp, QTest::WalltimeNanoseconds);
    Report::instance().add(f);
    t.disconnect(c.get());
    settle();
}

void Bench::messageSizes_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("size");
    for (int size : {1, 64, 1024, 16 << 10, 256 << 10, 1 << 20})
        for (Kind k : {Kind::Memu, Kind::Memb, Kind::Tcp, Kind::Local})
            QTest::addRow("%s %d B", kindName(k), size) << int(k) << size;
}

// Shape 5a: latency (ping-pong) and throughput (one way) by message size.
void Bench::messageSizes()
{
    QFETCH(int, kind);
    QFETCH(int, size);
    Transport t{Kind(kind)};
    QByteArray buf(qMax(size, 64 << 10), Qt::Uninitialized);
    qint64 oneWay = 0;
    bool echo = true;
    QVERIFY(t.listen([&](QIODevice *s) {
        QObject::connect(s, &QIODevice::readyRead, s, [&, s] {
            qint64 n;
            while ((n = s->read(buf.data(), buf.size())) > 0) {
                if (echo)
                    s->write(buf.constData(), n);
                else
                    oneWay += n;
            }
        });
    }));
    std::unique_ptr<QIODevice> c(t.dial());
    QVERIFY(spin([&] { return Transport::isConnected(c.get()); }));
    QByteArray back(buf.size(), Qt::Uninitialized);
    qint64 got = 0;
    QObject::connect(c.get(), &QIODevice::readyRead, c.get(), [&] {
        got += drainInto(c.get(), back.data(), back.size());
    });
    const QByteArray message(size, 'm');
    const QString label = size >= 1024 ? QStringLiteral("%1 KiB").arg(size / 1024) : QStringLiteral("%1 B").arg(size);

    // Latency: round trips of `size` bytes.
    const int rounds = qBound(20, (8 << 20) / size, 20000);
    Meter lat;
    for (int i = 0; i < rounds; ++i) {
        c->write(message.constData(), size);
        const qint64 target = got + size;
        while (got < target)
            QCoreApplication::processEvents();
    }
    lat.ops = rounds;
    Report::instance().add(lat.figure(QStringLiteral("5a round trip %1").arg(label), Kind(kind)));

    // Throughput: `size`-byte messages one way, 20,000 of them (1 to 32 MiB).
    echo = false;
    const qint64 total = qBound(qint64(1) << 20, qint64(size) * 20000, qint64(32) << 20) / size * size;
    Meter thr;
    qint64 written = 0;
    while (oneWay < total) {
        while (written < total && c->bytesToWrite() < qMax<qint64>(4 * size, 256 << 10)) {
            c->write(message.constData(), size);
            written += size;
        }
        QCoreApplication::processEvents();
    }
    thr.ops = total / size;
    Figure f = thr.figure(QStringLiteral("5b one way %1").arg(label), Kind(kind));
    f.note = QStringLiteral("%1 MB/s").arg(qRound(size / f.nsPerOp * 1e9 / 1e6));
    Report::instance().add(f);
    QTest::setBenchmarkResult(f.nsPerOp, QTest::WalltimeNanoseconds);
    t.disconnect(c.get());
    settle();
}

void Bench::connectWithOpen_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("open");
    // memb connects exactly as memu does; it is measured with none open.
    for (int open : {0, 10000, 100000})
        QTest::addRow("memu with %d open", open) << int(Kind::Memu) << open;
    QTest::addRow("memb with 0 open") << int(Kind::Memb) << 0;
    for (int open : {0, 1000})
        for (Kind k : {Kind::Tcp, Kind::Local})
            QTest::addRow("%s with %d open", kindName(k), open) << int(k) << open;
}

// Shape 5b: the cost of one connect (dial, accept, close) with many open.
void Bench::connectWithOpen()
{
    QFETCH(int, kind);
    QFETCH(int, open);
    Transport t{Kind(kind)};
    qint64 accepted = 0;
    QVERIFY(t.listen([&accepted](QIODevice *) { ++accepted; }));
    std::vector<std::unique_ptr<QIODevice>> held;
    held.reserve(open);
    for (int i = 0; i < open; ++i) {
        held.emplace_back(t.dial());
        if (i % 32 == 31)   // a kernel's listen backlog is small: keep it fed, not flooded
            QVERIFY(spin([&] { return accepted == i + 1; }));
    }
    QVERIFY(spin([&] { return accepted == open; }));
    Meter m;
    QBENCHMARK {
        std::unique_ptr<QIODevice> c(t.dial());
        const qint64 want = accepted + 1;
        while (accepted < want)
            QCoreApplication::processEvents();
        t.disconnect(c.get());
        ++m.ops;
    }
    Report::instance().add(m.figure(QStringLiteral("5c connect, %1 open").arg(open), Kind(kind)));
    // Let every server-side socket hear of its client's close and go, before
    // the server (their parent) goes.
    held.clear();
    QVERIFY(spin([&] { return t.liveServerSockets() == 0; }));
}

// Shape 6: one million concurrent connections in one process.
void Bench::millionConnections()
{
    QFETCH(int, kind);
    // QTest runs a benchmark function twice (a warm-up, then the measured
    // run). The first run takes all its memory fresh from the kernel (page
    // faults), the second reuses the heap the first one freed: both are shown.
    static int runs[4] = {0, 0, 0, 0};
    static qint64 freshBytes[4] = {0, 0, 0, 0};
    const bool fresh = runs[kind]++ == 0;
    const int count = qEnvironmentVariableIntValue("MEMCONN_BENCH_CONNECTIONS") > 0
        ? qEnvironmentVariableIntValue("MEMCONN_BENCH_CONNECTIONS")
        : 1000000;
    qint64 rssBefore = 0, rssAfter = 0;
    Meter m;
    {
        auto t = std::make_unique<Transport>(Kind(kind));
        qint64 accepted = 0;
        QVERIFY(t->listen([&accepted](QIODevice *) { ++accepted; }));
        std::vector<std::unique_ptr<QIODevice>> clients;
        clients.reserve(count);
        rssBefore = residentBytes();
        m = Meter();
        QBENCHMARK_ONCE {
            for (int i = 0; i < count; ++i) {
                clients.emplace_back(t->dial());
                if (i % 1000 == 999)
                    QCoreApplication::processEvents();
            }
            QVERIFY(spin([&] { return accepted == count; }));
        }
        m.ops = count;
        rssAfter = residentBytes();
        QCOMPARE(t->liveServerSockets(), count);
        Figure f = m.figure(fresh ? kMillion + QStringLiteral(" (fresh memory)") : kMillion, Kind(kind));
        if (fresh)
            freshBytes[kind] = rssAfter - rssBefore;   // the reused heap shows no growth
        const double perConn = double(freshBytes[kind]) / count;
        f.note = QStringLiteral("%1 connections, %2 connects/s, %3 bytes resident each (%4 MiB in all)")
                     .arg(count)
                     .arg(qRound64(1e9 / f.nsPerOp))
                     .arg(qRound(perConn))
                     .arg(freshBytes[kind] >> 20);
        QTest::setBenchmarkResult(f.nsPerOp, QTest::WalltimeNanoseconds);
        Report::instance().add(f);
        if (Kind(kind) == Kind::Memu && !fresh) {
            for (Kind k : {Kind::Tcp, Kind::Local})
                Report::instance().add({kMillion, k, 0, -1, -1,
                                        QStringLiteral("not possible: two file descriptors per connection; "
                                                       "the kernel's descriptor and port limits end it first")});
        }
        clients.clear();
        QVERIFY(spin([&] { return t->liveServerSockets() == 0; }));
        t.reset();
    }
}

void Bench::pingPongDeadlines_data()
{
    QTest::addColumn<int>("variant");
    QTest::newRow("never set") << 0;
    QTest::newRow("set, then cleared") << 1;
    QTest::newRow("far-future deadline") << 2;
}

// Ping-pong of 8 bytes over memu in one thread, after `setup` made the
// client connected to `name`, reported as `label`.
static void memuPingPong(const QString &name, const std::function<void(MemSocket &)> &setup, const QString &label)
{
    MemServer server;
    QVERIFY(server.listen(name));
    QObject::connect(&server, &MemServer::newConnection, &server, [&server] {
        MemSocket *s = server.nextPendingConnection();
        QObject::connect(s, &MemSocket::readyRead, s, [s] {
            char buf[64];
            s->write(buf, s->read(buf, sizeof buf));
        });
    });
    MemSocket c;
    c.connectToServer(name);
    setup(c);
    qint64 got = 0, target = 0;
    QObject::connect(&c, &MemSocket::readyRead, &c, [&] {
        char buf[64];
        got += drainInto(&c, buf, sizeof buf);
    });
    Meter m;
    QBENCHMARK {
        c.write("01234567", 8);
        target += 8;
        while (got < target)
            QCoreApplication::processEvents();
        ++m.ops;
    }
    Report::instance().add(m.figure(label, Kind::Memu));
}

// Issue 3: deadlines cost nothing when unused. Ping-pong, memu, one thread.
void Bench::pingPongDeadlines()
{
    QFETCH(int, variant);
    const char *tags[] = {"never set", "set, then cleared", "far-future deadline"};
    memuPingPong(QStringLiteral("deadline-bench-%1").arg(variant), [variant](MemSocket &c) {
        if (variant >= 1)
            c.setDeadline(QDeadlineTimer(3600 * 1000));
        if (variant == 1)
            c.setDeadline(QDeadlineTimer::Forever);
    }, QStringLiteral("7 ping-pong memu, deadline %1").arg(QLatin1StringView(tags[variant])));
}

void Bench::pingPongCapture_data()
{
    QTest::addColumn<int>("variant");
    QTest::newRow("capture off") << 0;
    QTest::newRow("capture on, other names") << 1;
    QTest::newRow("capture on") << 2;
}

// Capture (MemConn::startCapture()): what a captured write costs, and that
// an uncaptured one costs nothing. Ping-pong, memu, one thread; each round
// trip is two writes, so two packets in the file.
void Bench::pingPongCapture()
{
    QFETCH(int, variant);
    const char *tags[] = {"off", "on, other names", "on"};
    const QString name = QStringLiteral("capture-bench-%1").arg(variant);
    QTemporaryDir dir;
    if (variant > 0)
        QVERIFY(MemConn::startCapture(dir.filePath(QStringLiteral("bench.pcapng")),
                                      variant == 2 ? name : QStringLiteral("nothing-here")));
    memuPingPong(name, [](MemSocket &) {},
                 QStringLiteral("8 ping-pong memu, capture %1").arg(QLatin1StringView(tags[variant])));
    MemConn::stopCapture();
}

void Bench::requestResponse_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<bool>("tcpTyped");
    QTest::newRow("MemTcpSocket memu") << int(Kind::Memu) << true;
    QTest::newRow("MemTcpSocket memb") << int(Kind::Memb) << true;
    QTest::newRow("QTcpSocket") << int(Kind::Tcp) << true;
    QTest::newRow("MemSocket memu") << int(Kind::Memu) << false;
    QTest::newRow("MemSocket memb") << int(Kind::Memb) << false;
}

// Issue 25's shape: what QTcpSocket-typed code pays per request over
// MemTcpSocket, over QTcpSocket, and over MemSocket written for it.
void Bench::requestResponse()
{
    QFETCH(int, kind);
    QFETCH(bool, tcpTyped);
    const bool buffered = Kind(kind) == Kind::Memb;
    std::unique_ptr<QObject> server;
    std::unique_ptr<QIODevice> client;
    const auto serve = [](QIODevice *s) {
        QObject::connect(s, &QIODevice::readyRead, s, [s] {
            while (s->canReadLine())
                s->write("reply: " + s->readLine());
        });
    };
    if (tcpTyped) {
        // As production code does it: the factories, following the network map.
        MemConn::mapNetwork(QStringLiteral("tcp"), Kind(kind) == Kind::Tcp ? QString()
                                                   : buffered ? QStringLiteral("memb") : QStringLiteral("memu"));
        QTcpServer *tcp = MemConn::createTcpServer();
        server.reset(tcp);
        QTcpSocket *socket = MemConn::createTcpSocket();
        client.reset(socket);
        MemConn::mapNetwork(QStringLiteral("tcp"), QString());
        QVERIFY(MemConn::listenTcp(tcp, QHostAddress::LocalHost, 0));
        QObject::connect(tcp, &QTcpServer::newConnection, tcp, [tcp, serve] {
            while (QTcpSocket *s = tcp->nextPendingConnection())
                serve(s);
        });
        auto *mem = qobject_cast<MemTcpServer *>(tcp);
        QCOMPARE(mem != nullptr, Kind(kind) != Kind::Tcp);
        socket->connectToHost(QHostAddress::LocalHost, mem ? mem->serverPort() : tcp->serverPort());
        QVERIFY(spin([&] { return socket->state() == QAbstractSocket::ConnectedState; }));
    } else {
        auto *mem = new MemServer;
        server.reset(mem);
        const QString name = (buffered ? QStringLiteral("memb:") : QStringLiteral("memu:")) + QStringLiteral("rr-bench");
        QVERIFY(mem->listen(name));
        QObject::connect(mem, &MemServer::newConnection, mem, [mem, serve] {
            while (MemSocket *s = mem->nextPendingConnection())
                serve(s);
        });
        auto *socket = new MemSocket;
        client.reset(socket);
        socket->connectToServer(name);
        QVERIFY(socket->state() == QAbstractSocket::ConnectedState);
    }
    QIODevice *c = client.get();
    qint64 replies = 0;
    QObject::connect(c, &QIODevice::readyRead, c, [c, &replies] {
        while (c->canReadLine()) {
            c->readLine();
            ++replies;
        }
    });
    Meter m;
    QBENCHMARK {
        const qint64 want = replies + 1;
        c->write("request 0123456789\n");
        while (replies < want)
            QCoreApplication::processEvents();
        ++m.ops;
    }
    Report::instance().add(m.figure(tcpTyped ? kRequestTcp : kRequestMem, Kind(kind)));
    client.reset();
    server.reset();
    settle();
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // Our own options; the rest goes to QTest (function names, -minimumtotal, ...).
    QString outDir = QStringLiteral("benchmark-results");
    QStringList qtArgs{app.arguments().first()};
    const QStringList args = app.arguments().mid(1);
    // --markdown CSV, --headline CSV: the table of a saved run, in Markdown,
    // for docs/performance.md and the README (ctest compares them).
    if (args.size() == 2 && (args.at(0) == QLatin1String("--markdown") || args.at(0) == QLatin1String("--headline"))) {
        Report report;
        QString error;
        if (!report.readCsv(args.at(1), &error)) {
            QTextStream(stderr) << error << '\n';
            return 1;
        }
        const QStringList headline{QStringLiteral("1 "), QStringLiteral("3a "), QStringLiteral("4a "),
                                   QStringLiteral("5b one way 1 KiB"), QStringLiteral("5c connect, 0 open")};
        QTextStream(stdout) << report.markdown(args.at(0) == QLatin1String("--headline") ? headline : QStringList());
        return 0;
    }
    bool ownLog = true;
    for (qsizetype i = 0; i < args.size(); ++i) {
        if (args.at(i) == QStringLiteral("--out") && i + 1 < args.size()) {
            outDir = args.at(++i);
        } else {
            if (args.at(i) == QStringLiteral("-o"))
                ownLog = false;
            qtArgs << args.at(i);
        }
    }
    QDir().mkpath(outDir);
    if (ownLog)
        qtArgs << QStringLiteral("-o") << outDir + QStringLiteral("/qtest.txt,txt");
    QTextStream err(stderr);
    err << "memconn benchmarks: QTest log in " << outDir << "/qtest.txt\n";
    err.flush();

    Bench bench;
    const int rc = QTest::qExec(&bench, qtArgs);

    Report &report = Report::instance();
    QTextStream out(stdout);
    out << "\nMemConn vs QTcpSocket and QLocalSocket, measured side by side in one process\n\n"
        << report.table();
    report.writeCsv(outDir + QStringLiteral("/results.csv"));
    report.writeSvg(outDir + QStringLiteral("/chart.svg"));
    out << "\nwritten: " << outDir << "/results.csv, " << outDir << "/chart.svg\n";
    return rc;
}

#include "bench_memconn.moc"
