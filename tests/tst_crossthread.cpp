// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Blocking waits across threads (memsocket.h: setDeadline(), bytesToWrite(),
// the waitFor*() functions):
// - the deadline matrix: a blocking wait in one thread, a deadline setter in
//   another, for every wait, setter, deadline history, moment and network;
// - a blocking QDataStream transaction reader releases its writer with no
//   further call (and with 1-byte chunks);
// - waits inside waits: a waitFor*() from a slot that runs inside another
//   socket's blocking wait, in two threads that wait on each other.
// Every hand-over between threads goes through a std::mutex or a thread's
// start and join, so that ThreadSanitizer sees the order.
#include "testutil.h"

#include <MemConn/MemConn>

#include <QtCore/qdatastream.h>
#include <QtCore/qelapsedtimer.h>
#include <QtCore/qscopeguard.h>

#include <thread>

using State = QAbstractSocket::SocketState;
using Error = QAbstractSocket::SocketError;

namespace {

enum class Wait { ReadyRead, BytesWritten, Disconnected, Connected };
enum class Setter { Both, Governing, Other };
enum class History { Never, ReplacedFar, ClearedToForever };
enum class When { Before, During };

// How long a wait may take to end after the setter that ends it (the
// contract says "well under 100 ms"; the bound leaves room for sanitizers).
constexpr qint64 kPromptMs = 400;
// How long a wait that must go on is watched before the peer acts.
constexpr int kHoldMs = 150;
constexpr int kWaitMs = 8000;

// What the waiting thread saw.
struct Outcome
{
    bool result = false;
    qint64 endedAtMs = -1;   // on the test's clock
    Error error = Error::UnknownSocketError;
    State state = State::UnconnectedState;
    int timeoutSignals = 0;  // errorOccurred(SocketTimeoutError) in the waiting thread
};

// A thread with no event loop that takes a socket, runs steps on it when
// told to, and gives it back to the test's thread. Each step is handed over
// through a std::mutex.
class Waiter
{
public:
    explicit Waiter(MemSocket *socket) : m_socket(socket), m_home(QThread::currentThread())
    {
        m_socket->moveToThread(nullptr);
        m_thread = std::thread([this] { serve(); });
        run([this] { m_socket->moveToThread(QThread::currentThread()); });
    }
    ~Waiter()
    {
        run([this] { m_socket->moveToThread(m_home); });
        {
            std::lock_guard lock(m_mutex);
            m_quit = true;
            m_changed.notify_all();
        }
        m_thread.join();
    }
    // Runs `f` in the waiter's thread and waits until it returns.
    void run(std::function<void()> f)
    {
        start(std::move(f));
        finish();
    }
    // Starts `f` there; finish() waits for it.
    void start(std::function<void()> f)
    {
        std::lock_guard lock(m_mutex);
        m_task = std::move(f);
        m_done = false;
        m_changed.notify_all();
    }
    void finish()
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return m_done; });
    }
    bool finished()
    {
        std::lock_guard lock(m_mutex);
        return m_done;
    }
    Q_DISABLE_COPY_MOVE(Waiter)

private:
    void serve()
    {
        for (;;) {
            std::function<void()> task;
            {
                std::unique_lock lock(m_mutex);
                m_changed.wait(lock, [this] { return m_task || m_quit; });
                if (!m_task)
                    return;
                task = std::exchange(m_task, nullptr);
            }
            task();
            std::lock_guard lock(m_mutex);
            m_done = true;
            m_changed.notify_all();
        }
    }

    MemSocket *m_socket;
    QThread *m_home;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::function<void()> m_task;
    bool m_done = true;
    bool m_quit = false;
};

void setDeadlineBy(MemSocket *socket, Setter setter, Wait wait, QDeadlineTimer when)
{
    // waitForReadyRead() and waitForDisconnected() are governed by the read
    // deadline, waitForBytesWritten() and waitForConnected() by the write one.
    const bool readGoverns = wait == Wait::ReadyRead || wait == Wait::Disconnected;
    switch (setter) {
    case Setter::Both:
        socket->setDeadline(when);
        break;
    case Setter::Governing:
        readGoverns ? socket->setReadDeadline(when) : socket->setWriteDeadline(when);
        break;
    case Setter::Other:
        readGoverns ? socket->setWriteDeadline(when) : socket->setReadDeadline(when);
        break;
    }
}

bool waitBy(MemSocket *socket, Wait wait)
{
    switch (wait) {
    case Wait::ReadyRead:
        return socket->waitForReadyRead(kWaitMs);
    case Wait::BytesWritten:
        return socket->waitForBytesWritten(kWaitMs);
    case Wait::Disconnected:
        return socket->waitForDisconnected(kWaitMs);
    case Wait::Connected:
        return socket->waitForConnected(kWaitMs);
    }
    return false;
}

template <typename Enum>
const char *nameOf(Enum value)
{
    static const char *const names[][4] = {
        {"waitForReadyRead", "waitForBytesWritten", "waitForDisconnected", "waitForConnected"},
        {"setDeadline", "governing setter", "other setter", ""},
        {"no deadline before", "far deadline replaced", "cleared to Forever", ""},
        {"set before the wait", "set during the wait", "", ""},
    };
    if constexpr (std::is_same_v<Enum, Wait>)
        return names[0][int(value)];
    else if constexpr (std::is_same_v<Enum, Setter>)
        return names[1][int(value)];
    else if constexpr (std::is_same_v<Enum, History>)
        return names[2][int(value)];
    else
        return names[3][int(value)];
}

// The cells' timings, printed once at the end (the closing note quotes them).
struct Timings
{
    std::mutex mutex;
    QStringList lines;
    static Timings &instance()
    {
        static Timings t;
        return t;
    }
};

} // namespace

class tst_CrossThread : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void deadlineMatrix_data();
    void deadlineMatrix();
    void blockingTransactionReader_data();
    void blockingTransactionReader();
    void waitsInsideWaits_data() { addNetworkRows(); }
    void waitsInsideWaits();
    void cleanupTestCase();
};

void tst_CrossThread::deadlineMatrix_data()
{
    QTest::addColumn<QString>("network");
    QTest::addColumn<Wait>("wait");
    QTest::addColumn<Setter>("setter");
    QTest::addColumn<History>("history");
    QTest::addColumn<When>("when");
    for (const char *network : {"memu:", "memb:"}) {
        for (Wait wait : {Wait::ReadyRead, Wait::BytesWritten, Wait::Disconnected, Wait::Connected}) {
            for (Setter setter : {Setter::Both, Setter::Governing, Setter::Other}) {
                for (History history : {History::Never, History::ReplacedFar, History::ClearedToForever}) {
                    for (When when : {When::Before, When::During}) {
                        QTest::addRow("%s %s, %s, %s, %s", network, nameOf(wait), nameOf(setter), nameOf(history),
                                      nameOf(when))
                            << QString::fromLatin1(network) << wait << setter << history << when;
                    }
                }
            }
        }
    }
}

// One cell: the client waits in its own thread; the test's thread calls the
// setter, then (when the setter must not end the wait) makes the peer act.
void tst_CrossThread::deadlineMatrix()
{
    QFETCH(QString, network);
    QFETCH(Wait, wait);
    QFETCH(Setter, setter);
    QFETCH(History, history);
    QFETCH(When, when);
    const bool ends = setter != Setter::Other;

    const QString name = uniqueName("matrix");
    MemServer server;
    QVERIFY(server.listen(name));
    std::unique_ptr<MemSocket> filler;   // fills the backlog for waitForConnected()
    if (wait == Wait::Connected) {
        server.setMaxPendingConnections(1);
        filler = std::make_unique<MemSocket>();
        filler->connectToServer(network + name);
        QCOMPARE(filler->state(), State::ConnectedState);
    }
    auto client = std::make_unique<MemSocket>();
    client->connectToServer(network + name);
    std::unique_ptr<MemSocket> peer;
    if (wait == Wait::Connected) {
        QCOMPARE(client->state(), State::ConnectingState);
    } else {
        QCOMPARE(client->state(), State::ConnectedState);
        peer.reset(server.nextPendingConnection());
        QVERIFY(peer);
    }
    // Past a memb send window, so that the wait has bytes to wait for.
    const QByteArray payload(wait == Wait::BytesWritten && network == QLatin1String("memb:") ? 300 * 1024 : 64, 'x');

    switch (history) {
    case History::Never:
        break;
    case History::ReplacedFar:
        client->setDeadline(QDeadlineTimer(std::chrono::hours(1)));
        break;
    case History::ClearedToForever:
        client->setDeadline(QDeadlineTimer(std::chrono::hours(1)));
        client->setDeadline(QDeadlineTimer(QDeadlineTimer::Forever));
        break;
    }

    QElapsedTimer clock;
    clock.start();
    Outcome out;
    MemSocket *c = client.get();
    {
        Waiter waiter(c);
        waiter.run([&] {
            QObject::connect(c, &MemSocket::errorOccurred, c, [&out](Error e) { out.timeoutSignals += e == Error::SocketTimeoutError; },
                             Qt::DirectConnection);
            if (wait == Wait::BytesWritten) {
                QCOMPARE(c->write(payload), qint64(payload.size()));
                // memb: what fits the send window counts at once.
                if (network == QLatin1String("memb:"))
                    QVERIFY(c->waitForBytesWritten(0));
                QVERIFY(c->bytesToWrite() > 0);
            }
        });
        if (when == When::Before)
            setDeadlineBy(c, setter, wait, QDeadlineTimer(0));
        waiter.start([&] {
            out.result = waitBy(c, wait);
            out.endedAtMs = clock.elapsed();
            out.error = c->error();
            out.state = c->state();
        });
        qint64 setAt = clock.elapsed();
        if (when == When::During) {
            QThread::msleep(50);   // the waiter is blocked by now (or, rarely, just about to be)
            setAt = clock.elapsed();
            setDeadlineBy(c, setter, wait, QDeadlineTimer(0));
        }
        if (ends) {
            waiter.finish();
            QVERIFY2(out.endedAtMs - setAt < kPromptMs,
                     qPrintable(QStringLiteral("the wait ended %1 ms after the setter").arg(out.endedAtMs - setAt)));
        } else {
            QThread::msleep(kHoldMs);
            QVERIFY2(!waiter.finished(), "a setter that does not govern the wait ended it");
            const qint64 actAt = clock.elapsed();
            switch (wait) {
            case Wait::ReadyRead:
                QCOMPARE(peer->write("news"), qint64(4));
                break;
            case Wait::BytesWritten:
                QCOMPARE(peer->read(payload.size()).size(), payload.size());
                break;
            case Wait::Disconnected:
                peer->close();
                break;
            case Wait::Connected: {
                std::unique_ptr<MemSocket> first(server.nextPendingConnection());   // room for the client
                QVERIFY(first);
                break;
            }
            }
            waiter.finish();
            setAt = actAt;
        }
        Timings &t = Timings::instance();
        std::lock_guard lock(t.mutex);
        t.lines << QStringLiteral("%1: %2 after the %3, %4 ms")
                       .arg(QString::fromLatin1(QTest::currentDataTag()),
                            QLatin1String(out.result ? "true" : "false"),
                            QLatin1String(ends ? "setter" : "peer's act"))
                       .arg(out.endedAtMs - setAt);
    }   // the socket is back in this thread

    if (ends) {
        QVERIFY2(!out.result, "a deadline that governs the wait did not end it");
        QCOMPARE(out.error, Error::SocketTimeoutError);
        if (wait == Wait::Connected) {
            QCOMPARE(out.state, State::UnconnectedState);   // the attempt is abandoned
            QCOMPARE(out.timeoutSignals, 1);
        } else {
            QCOMPARE(out.state, State::ConnectedState);     // the connection stays open
            QCOMPARE(out.timeoutSignals, 0);                // the deadline's signal comes
            QSignalSpy errors(c, &MemSocket::errorOccurred);   // through the event loop
            QVERIFY(errors.wait(2000));
            QCOMPARE(errors.size(), 1);
            QCOMPARE(errors.at(0).at(0).value<Error>(), Error::SocketTimeoutError);
            // No byte is dropped: a later deadline makes the socket usable again.
            client->setDeadline(QDeadlineTimer(QDeadlineTimer::Forever));
            QCOMPARE(client->error(), Error::SocketTimeoutError);
            if (wait == Wait::BytesWritten) {
                QCOMPARE(peer->read(payload.size()).size(), payload.size());
            } else {
                QCOMPARE(peer->write("late"), qint64(4));
                QVERIFY(client->waitForReadyRead(2000) || client->bytesAvailable() > 0);
                QCOMPARE(client->readAll(), QByteArray("late"));
            }
        }
    } else {
        QVERIFY2(out.result, qPrintable(QStringLiteral("the peer acted but the wait returned false: ") + client->errorString()));
        switch (wait) {
        case Wait::ReadyRead:
            QCOMPARE(client->readAll(), QByteArray("news"));
            break;
        case Wait::BytesWritten:
            QCOMPARE(client->bytesToWrite(), 0);
            break;
        case Wait::Disconnected:
            QCOMPARE(out.state, State::UnconnectedState);
            break;
        case Wait::Connected:
            QCOMPARE(out.state, State::ConnectedState);
            break;
        }
        // The other deadline passed too: its one signal, through the event loop
        // (waitForConnected()'s socket checks it as it connects).
        if (out.timeoutSignals == 0 && client->state() == State::ConnectedState) {
            QSignalSpy errors(c, &MemSocket::errorOccurred);
            QVERIFY(errors.wait(2000));
            QCOMPARE(errors.at(0).at(0).value<Error>(), Error::SocketTimeoutError);
        }
    }
}

void tst_CrossThread::blockingTransactionReader_data()
{
    QTest::addColumn<QString>("network");
    QTest::addColumn<bool>("oneByteChunks");
    for (const char *network : {"memu:", "memb:"}) {
        QTest::addRow("%s", network) << QString::fromLatin1(network) << false;
        QTest::addRow("%s maxChunk=1", network) << QString::fromLatin1(network) << true;
    }
}

// Qt's blocking fortune client: QDataStream transactions and
// waitForReadyRead() in a thread with no event loop. The writer is released
// by the reads alone: the reader makes no call after its last commit.
void tst_CrossThread::blockingTransactionReader()
{
    QFETCH(QString, network);
    QFETCH(bool, oneByteChunks);
    const QString name = uniqueName("fortune");
    if (oneByteChunks) {
        MemConn::Conditions chunks;
        chunks.maxChunk = 1;
        MemConn::setConditions(name, chunks);
    }
    const auto clearChunks = qScopeGuard([&] { MemConn::clearConditions(name); });
    MemServer server;
    QVERIFY(server.listen(network + name));   // the writer's network
    auto *reader = new MemSocket;
    reader->connectToServer(network + name);
    std::unique_ptr<MemSocket> writer(server.nextPendingConnection());
    QVERIFY(writer);
    constexpr int kRecords = 5;
    QStringList records;
    std::atomic<bool> writerDone{false};
    reader->moveToThread(nullptr);
    std::thread t([&] {
        reader->moveToThread(QThread::currentThread());
        QDataStream in(reader);
        while (records.size() < kRecords) {
            in.startTransaction();
            QString s;
            in >> s;
            if (in.commitTransaction()) {
                records.append(s);
                continue;
            }
            if (!reader->waitForReadyRead(5000))
                break;
        }
        // No further call: the socket waits, untouched, until the writer is done.
        while (!writerDone.load())
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        delete reader;
    });
    {
        const auto joinReader = qScopeGuard([&] {
            writerDone = true;
            t.join();
        });
        QByteArray record;
        {
            QDataStream out(&record, QIODevice::WriteOnly);
            out << QStringLiteral("a fortune that is long enough to be split in two writes");
        }
        for (int i = 0; i < kRecords; ++i) {
            writer->write(record.left(5));
            writer->write(record.mid(5));
            // memu: every byte waits for the reader; memb: none, within the window.
            while (writer->bytesToWrite() > 0)
                QVERIFY2(writer->waitForBytesWritten(3000), qPrintable(writer->errorString()));
        }
        QCOMPARE(writer->bytesToWrite(), 0);
    }
    QCOMPARE(records.size(), kRecords);
}

// Two threads with no event loop, each with two sockets whose peers live in
// the other thread. Each thread blocks in waitForReadyRead() on its first
// socket; the readyRead() slot that wait emits writes on the second socket
// and blocks again, in waitForReadyRead() on it, for the other thread's
// answer, which that thread writes from a slot inside its own wait.
void tst_CrossThread::waitsInsideWaits()
{
    QFETCH(QString, network);
    constexpr int kRounds = 200;
    std::unique_ptr<MemSocket> x1, x2, y1, y2;
    {
        MemServer server;
        QVERIFY(server.listen(network + uniqueName("nested")));
        x1 = std::make_unique<MemSocket>();
        x1->connectToServer(server.fullServerName());
        x2.reset(server.nextPendingConnection());
        y1 = std::make_unique<MemSocket>();
        y1->connectToServer(server.fullServerName());
        y2.reset(server.nextPendingConnection());
        QVERIFY(x2 && y2);
        x2->setParent(nullptr);   // taken sockets are the server's children
        y2->setParent(nullptr);
    }
    for (MemSocket *s : {x1.get(), x2.get(), y1.get(), y2.get()})
        s->moveToThread(nullptr);

    std::atomic<int> failures{0};
    QElapsedTimer clock;
    clock.start();
    // Thread A: x1 and y1. Writes "a" on x1, waits for x2's answer; inside
    // that readyRead(), pings on y1 and waits (nested) for the pong.
    std::thread a([&] {
        x1->moveToThread(QThread::currentThread());
        y1->moveToThread(QThread::currentThread());
        int pongs = 0;
        QObject::connect(x1.get(), &QIODevice::readyRead, x1.get(), [&] {
            if (x1->readAll() != "b")
                ++failures;
            y1->write("ping");
            if (!y1->waitForReadyRead(5000) || y1->readAll() != "pong")
                ++failures;
            else
                ++pongs;
        }, Qt::DirectConnection);
        for (int i = 0; i < kRounds && failures == 0; ++i) {
            x1->write("a");
            if (!x1->waitForReadyRead(5000))
                ++failures;
        }
        if (pongs != kRounds)
            ++failures;
        x1->moveToThread(nullptr);
        y1->moveToThread(nullptr);
    });
    // Thread B: x2 and y2. Waits on x2; inside that readyRead(), answers "b"
    // and waits (nested) on y2 for the ping, which it answers with "pong".
    std::thread b([&] {
        x2->moveToThread(QThread::currentThread());
        y2->moveToThread(QThread::currentThread());
        QObject::connect(x2.get(), &QIODevice::readyRead, x2.get(), [&] {
            if (x2->readAll() != "a")
                ++failures;
            x2->write("b");
            if (!y2->waitForReadyRead(5000) || y2->readAll() != "ping")
                ++failures;
            y2->write("pong");
        }, Qt::DirectConnection);
        for (int i = 0; i < kRounds && failures == 0; ++i) {
            if (!x2->waitForReadyRead(5000))
                ++failures;
        }
        x2->moveToThread(nullptr);
        y2->moveToThread(nullptr);
    });
    a.join();
    b.join();
    for (MemSocket *s : {x1.get(), x2.get(), y1.get(), y2.get()})
        s->moveToThread(QThread::currentThread());
    QCOMPARE(failures.load(), 0);
    qInfo("%d nested rounds in %lld ms", kRounds, qint64(clock.elapsed()));
}

void tst_CrossThread::cleanupTestCase()
{
    Timings &t = Timings::instance();
    std::lock_guard lock(t.mutex);
    for (const QString &line : std::as_const(t.lines))
        qInfo("%s", qPrintable(line));
}

QTEST_MAIN(tst_CrossThread)
#include "tst_crossthread.moc"
