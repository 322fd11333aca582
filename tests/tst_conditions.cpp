// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Network conditions (MemConn::Conditions): chunking, latency, jitter,
// throughput, reset and refusal, each over memu and memb, with blocking
// waits and deadlines across threads and the environment variable in a
// child process.
#include "testutil.h"

#include <MemConn/MemConn>
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/QDataStream>
#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QtTest>

using namespace std::chrono_literals;

class tst_Conditions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();
    void maxChunkOneByteAtATime_data() { networks(); }
    void maxChunkOneByteAtATime();
    void maxChunkSizesRepeatForASeed_data() { networks(); }
    void maxChunkSizesRepeatForASeed();
    void blockingReaderGetsOneByteAtATime_data() { networks(); }
    void blockingReaderGetsOneByteAtATime();
    void transactionReaderRollsBackAndCompletes_data() { networks(); }
    void transactionReaderRollsBackAndCompletes();
    void latencyHoldsBytesBack_data() { networks(); }
    void latencyHoldsBytesBack();
    void latencyWithDeadlinesAndWaitsAcrossThreads_data() { networks(); }
    void latencyWithDeadlinesAndWaitsAcrossThreads();
    void jitterKeepsOrderAndRepeats_data() { networks(); }
    void jitterKeepsOrderAndRepeats();
    void bandwidthCap_data() { networks(); }
    void bandwidthCap();
    void resetInTheMiddleOfATransfer_data() { networks(); }
    void resetInTheMiddleOfATransfer();
    void refuse_data() { networks(); }
    void refuse();
    void perSocketConditions_data() { networks(); }
    void perSocketConditions();
    void wildcardAndClear();
    void environmentVariable();
    void malformedEnvironmentVariable();

private:
    static void networks()
    {
        QTest::addColumn<QString>("network");
        QTest::newRow("memu") << QStringLiteral("memu:");
        QTest::newRow("memb") << QStringLiteral("memb:");
    }
};

namespace {

// A connected pair over the row's network whose connection has `c`.
struct Shaped
{
    explicit Shaped(const MemConn::Conditions &c)
    {
        QFETCH(QString, network);
        MemConn::setConditions(QStringLiteral("*"), c);   // taken when the connection is made
        pair = std::make_unique<ConnectedPair>(network, network);
        MemConn::clearConditions(QStringLiteral("*"));
        server = &pair->server;
        client = pair->client.get();
        peer = pair->peer.get();
    }
    std::unique_ptr<ConnectedPair> pair;
    MemServer *server;
    MemSocket *client;
    MemSocket *peer;
};

// `size` bytes of a-z, repeated: a reordered or lost byte shows.
QByteArray pattern(qint64 size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (qint64 i = 0; i < size; ++i)
        bytes[i] = char('a' + i % 26);
    return bytes;
}

MemConn::Conditions chunked(qint64 maxChunk, quint64 seed = 1)
{
    MemConn::Conditions c;
    c.maxChunk = maxChunk;
    c.seed = seed;
    return c;
}

// The sizes of the chunks a reader that reads everything at each readyRead()
// is handed for a `total`-byte write.
QList<qint64> chunkSizes(qint64 maxChunk, quint64 seed, qint64 total)
{
    Shaped s(chunked(maxChunk, seed));
    QList<qint64> sizes;
    QByteArray got;
    QObject::connect(s.peer, &MemSocket::readyRead, s.peer, [&] {
        const QByteArray part = s.peer->readAll();
        sizes.append(part.size());
        got += part;
    });
    const QByteArray sent = pattern(total);
    s.client->write(sent);
    spinUntil([&] { return got.size() >= sent.size(); }, 10000);
    if (got != sent)
        return {};
    return sizes;
}

// A fresh server `name` and a client that writes `size` bytes to it: how many
// readyRead()s the server side took to receive them (-1: they did not all
// come right), and in `elapsedMs` how long that took.
int readyReadsFor(const QString &name, qint64 size, qint64 *elapsedMs = nullptr)
{
    MemServer server;
    server.listen(name);
    MemSocket client;
    client.connectToServer(name);
    std::unique_ptr<MemSocket> peer(server.nextPendingConnection());
    if (!peer)
        return -1;
    int n = 0;
    QByteArray got;
    QObject::connect(peer.get(), &MemSocket::readyRead, peer.get(), [&] { ++n; got += peer->readAll(); });
    const QByteArray sent = pattern(size);
    QElapsedTimer timer;
    timer.start();
    client.write(sent);
    spinUntil([&] { return got.size() >= size; }, 10000);
    if (elapsedMs)
        *elapsedMs = timer.elapsed();
    return got == sent ? n : -1;
}

} // namespace

void tst_Conditions::cleanup()
{
    MemConn::clearConditions(QStringLiteral("*"));
}

void tst_Conditions::maxChunkOneByteAtATime()
{
    Shaped s(chunked(1));
    QVERIFY(s.peer);
    int readyReads = 0;
    qint64 most = 0;
    QByteArray got;
    connect(s.peer, &MemSocket::readyRead, this, [&] {
        ++readyReads;
        most = qMax(most, s.peer->bytesAvailable());
        got += s.peer->readAll();
    });
    QCOMPARE(s.client->write("hello"), 5);
    QTRY_COMPARE(got, QByteArray("hello"));
    QCOMPARE(readyReads, 5);
    QCOMPARE(most, 1);
}

void tst_Conditions::maxChunkSizesRepeatForASeed()
{
    const QList<qint64> first = chunkSizes(7, 42, 500);
    QVERIFY(!first.isEmpty());
    for (qint64 size : first)
        QVERIFY2(size >= 1 && size <= 7, qPrintable(QString::number(size)));
    QSet<qint64> distinct(first.begin(), first.end());
    QVERIFY2(distinct.size() >= 5, "chunk sizes do not vary");
    QCOMPARE(chunkSizes(7, 42, 500), first);          // same seed, same sizes
    QVERIFY(chunkSizes(7, 43, 500) != first);         // another seed, others
    qInfo("maxChunk=7 seed=42: %lld chunks for 500 bytes, %lld distinct sizes, first ten %s",
          qint64(first.size()), qint64(distinct.size()),
          qPrintable([&] {
              QStringList l;
              for (qint64 v : first.mid(0, 10))
                  l << QString::number(v);
              return l.join(QLatin1Char(' '));
          }()));
}

void tst_Conditions::blockingReaderGetsOneByteAtATime()
{
    Shaped s(chunked(1));
    QCOMPARE(s.client->write("abc"), 3);
    QByteArray got;
    for (int i = 0; i < 3; ++i) {
        QVERIFY(s.peer->waitForReadyRead(2000));
        QCOMPARE(s.peer->bytesAvailable(), 1);
        got += s.peer->readAll();
    }
    QCOMPARE(got, QByteArray("abc"));
}

void tst_Conditions::transactionReaderRollsBackAndCompletes()
{
    Shaped s(chunked(1));
    QDataStream in(s.peer);
    int rollbacks = 0;
    QStringList messages;
    connect(s.peer, &MemSocket::readyRead, this, [&] {
        for (;;) {
            in.startTransaction();
            QString text;
            qint32 number = 0;
            in >> text >> number;
            if (!in.commitTransaction()) {
                ++rollbacks;
                return;
            }
            messages << text + QLatin1Char('/') + QString::number(number);
        }
    });
    QByteArray frame;
    QDataStream out(&frame, QIODevice::WriteOnly);
    out << QStringLiteral("first") << qint32(1) << QStringLiteral("second message") << qint32(2);
    QCOMPARE(s.client->write(frame), frame.size());
    QTRY_COMPARE(messages, QStringList({QStringLiteral("first/1"), QStringLiteral("second message/2")}));
    QVERIFY2(rollbacks >= frame.size() - 2, qPrintable(QString::number(rollbacks)));
}

void tst_Conditions::latencyHoldsBytesBack()
{
    MemConn::Conditions c;
    c.latency = 100ms;
    Shaped s(c);
    QSignalSpy readyRead(s.peer, &MemSocket::readyRead);
    QSignalSpy written(s.client, &MemSocket::bytesWritten);
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(s.client->write("late"), 4);
    QCOMPARE(s.peer->bytesAvailable(), 0);
    QTest::qWait(40);
    QCOMPARE(readyRead.count(), 0);
    QCOMPARE(s.peer->bytesAvailable(), 0);
    QTRY_COMPARE(readyRead.count(), 1);
    QVERIFY2(timer.elapsed() >= 95, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(s.peer->readAll(), QByteArray("late"));
    QFETCH(QString, network);
    if (network == QLatin1StringView("memu:")) {
        // memu's bytesWritten() follows the reads, which the latency delayed.
        QTRY_COMPARE(written.count(), 1);
        QVERIFY(timer.elapsed() >= 95);
    }
}

void tst_Conditions::latencyWithDeadlinesAndWaitsAcrossThreads()
{
    MemConn::Conditions c;
    c.latency = 300ms;
    Shaped s(c);
    PeerThread writer(s.client);
    writer.run([&] { s.client->write("x"); });
    QElapsedTimer timer;
    timer.start();
    // A wait shorter than the latency times out on time.
    QVERIFY(!s.peer->waitForReadyRead(50));
    QCOMPARE(s.peer->error(), QAbstractSocket::SocketTimeoutError);
    QVERIFY2(timer.elapsed() < 250, qPrintable(QString::number(timer.elapsed())));
    // So does the read deadline.
    s.peer->setReadDeadline(QDeadlineTimer(50));
    QVERIFY(!s.peer->waitForReadyRead(5000));
    QVERIFY2(timer.elapsed() < 280, qPrintable(QString::number(timer.elapsed())));
    s.peer->setReadDeadline(QDeadlineTimer::Forever);
    // A long wait ends when the byte arrives, not before.
    QVERIFY(s.peer->waitForReadyRead(5000));
    QVERIFY2(timer.elapsed() >= 290, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(s.peer->readAll(), QByteArray("x"));
    // The same in a thread of its own with the writer here: the reader's
    // timer releases the bytes with no blocking wait.
    writer.run([&] { s.client->write("y"); });
    QTRY_COMPARE_WITH_TIMEOUT(s.peer->bytesAvailable(), 1, 5000);
    QCOMPARE(s.peer->readAll(), QByteArray("y"));
}

void tst_Conditions::jitterKeepsOrderAndRepeats()
{
    auto arrivals = [](quint64 seed) {
        MemConn::Conditions c;
        c.latency = 5ms;
        c.jitter = 40ms;
        c.seed = seed;
        Shaped s(c);
        QByteArray got;
        QElapsedTimer timer;
        timer.start();
        QList<qint64> times;
        QObject::connect(s.peer, &MemSocket::readyRead, s.peer, [&] {
            got += s.peer->readAll();
            times.append(timer.elapsed());
        });
        for (int i = 0; i < 20; ++i)
            s.client->write(QByteArray(1, char('A' + i)));
        spinUntil([&] { return got.size() >= 20; }, 10000);
        return std::make_pair(got, times);
    };
    const auto [first, times] = arrivals(7);
    QCOMPARE(first, QByteArray("ABCDEFGHIJKLMNOPQRST"));   // never reordered
    QVERIFY2(times.last() >= 4 && times.last() <= 2000, qPrintable(QString::number(times.last())));
    QCOMPARE(arrivals(7).first, first);
    // The schedule itself (without the event loop's timing) repeats exactly
    // for a seed: tst_leaves::shaperJitterRepeats.
}

void tst_Conditions::bandwidthCap()
{
    MemConn::Conditions c;
    c.bytesPerSecond = 1'000'000;
    Shaped s(c);
    const QByteArray payload(1'000'000, 'b');
    qint64 got = 0;
    qint64 atHalf = -1;
    QElapsedTimer timer;
    connect(s.peer, &MemSocket::readyRead, this, [&] {
        got += s.peer->readAll().size();
        if (atHalf < 0 && timer.elapsed() >= 500)
            atHalf = got;
    });
    timer.start();
    QCOMPARE(s.client->write(payload), payload.size());
    QTRY_COMPARE_WITH_TIMEOUT(got, payload.size(), 10000);
    const qint64 ms = timer.elapsed();
    qInfo("1 MB at 1 MB/s: %lld ms (%.0f KB/s); %lld bytes by 500 ms", ms, 1e6 / ms, atHalf);
    QVERIFY2(ms >= 900 && ms <= 4000, qPrintable(QString::number(ms)));
    // Spread evenly: about half by half-time, not all at the end.
    QVERIFY2(atHalf >= 200'000 && atHalf <= 700'000, qPrintable(QString::number(atHalf)));
}

void tst_Conditions::resetInTheMiddleOfATransfer()
{
    MemConn::Conditions c;
    c.resetAfterBytes = 1000;
    Shaped s(c);
    SignalLog clientLog(s.client);
    SignalLog peerLog(s.peer);
    const QByteArray block(600, 'r');
    QCOMPARE(s.client->write(block), 600);
    QCOMPARE(s.client->write(block), 600);    // crosses the limit: 400 kept, 200 discarded
    QTRY_COMPARE(s.peer->state(), QAbstractSocket::UnconnectedState);
    QTRY_COMPARE(s.client->state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(s.peer->readAll().size(), 1000);   // exactly that many
    QCOMPARE(s.client->write(block), -1);
    for (SignalLog *log : {&clientLog, &peerLog}) {
        QVERIFY2(log->entries().contains(QStringLiteral("errorOccurred RemoteHostClosedError")),
                 qPrintable(log->entries().join(QLatin1String(", "))));
        QVERIFY(log->entries().contains(QStringLiteral("stateChanged UnconnectedState")));
        QCOMPARE(log->entries().count(QStringLiteral("disconnected")), 1);
    }
}

// Asks Qt: the error a QTcpSocket gets connecting to a loopback port that
// was just freed (ConnectionRefusedError on Linux).
static QAbstractSocket::SocketError tcpErrorWhenNothingListens()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return QAbstractSocket::UnknownSocketError;
    const quint16 port = probe.serverPort();
    probe.close();
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    socket.waitForConnected(5000);
    return socket.error();
}

void tst_Conditions::refuse()
{
    QFETCH(QString, network);
    const QString name = uniqueName("refuse");
    MemServer server;
    QVERIFY(server.listen(network + name));
    MemConn::Conditions c;
    c.refuse = true;
    MemConn::setConditions(name, c);
    MemSocket client;
    QSignalSpy errors(&client, &MemSocket::errorOccurred);
    client.connectToServer(network + name);
    QCOMPARE(client.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(errors.count(), 1);
    // What QTcpSocket reports for a port nobody listens on.
    QCOMPARE(errors.at(0).at(0).value<QAbstractSocket::SocketError>(), tcpErrorWhenNothingListens());
    QVERIFY2(client.errorString().contains(name), qPrintable(client.errorString()));
    QVERIFY(server.isListening());
    QVERIFY(!server.hasPendingConnections());
    MemConn::clearConditions(network + name);   // "memu:NAME" names the same server
    client.connectToServer(network + name);
    QCOMPARE(client.state(), QAbstractSocket::ConnectedState);
}

void tst_Conditions::perSocketConditions()
{
    Shaped s(MemConn::Conditions{});
    s.client->setConditions(chunked(1));     // what the client writes
    int peerReadyReads = 0;
    int clientReadyReads = 0;
    connect(s.peer, &MemSocket::readyRead, this, [&] { ++peerReadyReads; s.peer->readAll(); });
    connect(s.client, &MemSocket::readyRead, this, [&] { ++clientReadyReads; s.client->readAll(); });
    s.client->write("four");
    s.peer->write("four");
    QTRY_COMPARE(peerReadyReads, 4);
    QTRY_COMPARE(clientReadyReads, 1);   // the other direction is as written
    // Set before connecting, they apply to the next connection.
    MemSocket late;
    late.setConditions(chunked(1));
    late.connectToServer(s.server->fullServerName());
    std::unique_ptr<MemSocket> latePeer(s.server->nextPendingConnection());
    QVERIFY(latePeer);
    int lateReadyReads = 0;
    connect(latePeer.get(), &MemSocket::readyRead, this, [&] { ++lateReadyReads; latePeer->readAll(); });
    late.write("xyz");
    QTRY_COMPARE(lateReadyReads, 3);
}

void tst_Conditions::wildcardAndClear()
{
    MemConn::setConditions(QStringLiteral("*"), chunked(1));
    const QString named = uniqueName("named");
    MemConn::setConditions(named, chunked(2, 9));   // a name's own conditions win over "*"
    QCOMPARE(readyReadsFor(uniqueName("any"), 6), 6);
    const int namedCount = readyReadsFor(named, 6);
    QVERIFY2(namedCount >= 3 && namedCount <= 6, qPrintable(QString::number(namedCount)));
    MemConn::clearConditions(named);
    QCOMPARE(readyReadsFor(named, 6), 6);          // back to "*"
    MemConn::clearConditions(QStringLiteral("*"));
    QCOMPARE(readyReadsFor(named, 6), 1);          // no conditions at all
}

// Runs this binary's --env-child with MEMCONN_CONDITIONS=`spec`: its
// standard output and error.
static std::pair<QByteArray, QByteArray> runChild(const QString &spec)
{
    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("MEMCONN_CONDITIONS"), spec);
    child.setProcessEnvironment(env);
    child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--env-child")});
    if (!child.waitForFinished(30000))
        return {};
    return {child.readAllStandardOutput().trimmed(), child.readAllStandardError()};
}

void tst_Conditions::environmentVariable()
{
#if defined(__SANITIZE_THREAD__)
    QSKIP("ThreadSanitizer does not support a multi-threaded process forking (QProcess)");
#endif
    const auto [out, err] = runChild(QStringLiteral("envchat:maxChunk=1,latency=20;*:maxChunk=2,seed=42"));
    QCOMPARE(out, QByteArray("envchat 5 5 other 3"));
    QCOMPARE(err, QByteArray());
}

void tst_Conditions::malformedEnvironmentVariable()
{
#if defined(__SANITIZE_THREAD__)
    QSKIP("ThreadSanitizer does not support a multi-threaded process forking (QProcess)");
#endif
    const auto [out, err] = runChild(QStringLiteral("envchat:maxChunk=one;nocolon;*:maxChunk=2,seed=42"));
    QVERIFY2(err.contains("MEMCONN_CONDITIONS") && err.contains("envchat:maxChunk=one") && err.contains("maxChunk=one")
                 && err.contains("nocolon"),
             err.constData());
    // The good entry still applies; the bad one is skipped ("envchat" falls to "*").
    QCOMPARE(out, QByteArray("envchat 3 0 other 3"));
}

// In the child: counts the readyRead()s for a 5-byte and a 6-byte write.
static int envChild()
{
    qint64 elapsed = 0;
    const int chat = readyReadsFor(QStringLiteral("envchat"), 5, &elapsed);
    const qint64 waited = elapsed >= 18 ? 5 : 0;   // the latency of 20 ms
    const int other = readyReadsFor(QStringLiteral("other"), 6);
    // With maxChunk=2 the count depends on the seed's draws: 3 stands for any
    // count from ceil(size / 2) to size.
    auto shown = [](int n, qint64 size) { return n == size ? n : (n >= (size + 1) / 2 && n <= size ? 3 : n); };
    printf("envchat %d %lld other %d\n", shown(chat, 5), waited, shown(other, 6));
    return 0;
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (app.arguments().contains(QStringLiteral("--env-child")))
        return envChild();
    tst_Conditions test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_conditions.moc"
