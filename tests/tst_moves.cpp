// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Sockets that move themselves to another thread from inside their own
// slots, which Qt allows (memsocket.h, "Threads"): nothing crashes, nothing
// is lost, and what the socket had still to emit comes in the new thread.
// - a ping-pong across three threads whose ends move every seventh message
//   from readyRead(), then delete themselves (MEMCONN_MOVE_RUNS games per network, 100 by default);
// - a move from bytesWritten(), errorOccurred() and disconnected().
#include "testutil.h"

#include <QtCore/qpointer.h>

#include <array>

using State = QAbstractSocket::SocketState;
using Error = QAbstractSocket::SocketError;

namespace {

// Three threads that run event loops for as long as this lives.
struct Threads
{
    Threads()
    {
        for (auto &t : threads) {
            t = std::make_unique<QThread>();
            t->start();
        }
    }
    ~Threads()
    {
        for (auto &t : threads) {
            t->quit();
            t->wait();
        }
    }
    QThread *at(int i) const { return threads[size_t(i % 3)].get(); }
    std::array<std::unique_ptr<QThread>, 3> threads;
};

// Runs `f` in `object`'s thread and waits for it.
template <typename F>
void runIn(QObject *object, F f)
{
    QMetaObject::invokeMethod(object, f, Qt::BlockingQueuedConnection);
}

// Which thread each signal came from, in order.
struct ThreadLog
{
    std::mutex mutex;
    QStringList entries;
    QList<QThread *> threads;
    void add(const QString &what)
    {
        std::lock_guard lock(mutex);
        entries << what;
        threads << QThread::currentThread();
    }
    void watch(MemSocket *s)
    {
        // Direct: logged in whatever thread emits.
        QObject::connect(s, &MemSocket::errorOccurred, s, [this](Error e) { add(QStringLiteral("errorOccurred ") + SignalLog::key<Error>(e)); }, Qt::DirectConnection);
        QObject::connect(s, &MemSocket::stateChanged, s, [this](State st) { add(QStringLiteral("stateChanged ") + SignalLog::key<State>(st)); }, Qt::DirectConnection);
        QObject::connect(s, &QIODevice::readChannelFinished, s, [this] { add(QStringLiteral("readChannelFinished")); }, Qt::DirectConnection);
        QObject::connect(s, &MemSocket::disconnected, s, [this] { add(QStringLiteral("disconnected")); }, Qt::DirectConnection);
        QObject::connect(s, &QIODevice::readyRead, s, [this] { add(QStringLiteral("readyRead")); }, Qt::DirectConnection);
    }
    QStringList take()
    {
        std::lock_guard lock(mutex);
        return entries;
    }
};

} // namespace

class tst_Moves : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pingPongMovingFromReadyRead_data() { addNetworkRows(); }
    void pingPongMovingFromReadyRead();
    void moveFromBytesWritten();
    void moveFromErrorOccurred_data() { addNetworkRows(); }
    void moveFromErrorOccurred();
    void moveFromDisconnected();
};

// The scenario that crashed under ASan: each end, inside readyRead(), reads
// a number and writes the next; every seventh message it moves itself to the
// next thread and returns. When the game ends each end is deleted in its
// thread, with deleteLater().
void tst_Moves::pingPongMovingFromReadyRead()
{
    QFETCH(QString, network);
    const int games = qEnvironmentVariableIsSet("MEMCONN_MOVE_RUNS") ? qEnvironmentVariableIntValue("MEMCONN_MOVE_RUNS") : 100;
    constexpr int kRounds = 3000;
    Threads threads;
    QElapsedTimer clock;
    clock.start();
    for (int game = 0; game < games; ++game) {
        std::atomic<int> destroyed{0};
        std::atomic<int> highest{0};
        std::atomic<int> wrong{0};
        auto *a = new MemSocket;
        MemSocket *b = nullptr;
        {
            MemServer server;
            QVERIFY(server.listen(network + uniqueName("pingpong")));
            a->connectToServer(server.fullServerName());
            b = server.nextPendingConnection();
            QVERIFY(b);
            b->setParent(nullptr);
        }
        int start = 0;
        for (MemSocket *s : {a, b}) {
            QObject::connect(s, &QObject::destroyed, [&destroyed] { ++destroyed; });
            auto at = std::make_shared<int>(start++);
            QObject::connect(s, &QIODevice::readyRead, s, [s, at, &threads, &highest, &wrong] {
                while (s->canReadLine()) {
                    const QByteArray line = s->readLine();
                    if (s->thread() != QThread::currentThread())
                        ++wrong;
                    const int n = line.trimmed().toInt();
                    highest = qMax(highest.load(), n);
                    if (n >= kRounds) {   // the game is over
                        s->deleteLater();
                        return;
                    }
                    s->write(QByteArray::number(n + 1) + '\n');
                    if ((n + 1) % 7 == 0) {
                        *at += 1;
                        s->moveToThread(threads.at(*at));
                        return;
                    }
                }
            });
            QObject::connect(s, &MemSocket::disconnected, s, [s] { s->deleteLater(); });
            s->moveToThread(threads.at(*at));
        }
        runIn(a, [a] { a->write("0\n"); });
        QVERIFY2(spinUntil([&] { return destroyed == 2; }, 60000),
                 qPrintable(QStringLiteral("game %1 stalled at %2").arg(game).arg(highest.load())));
        QCOMPARE(highest.load(), kRounds);
        QCOMPARE(wrong.load(), 0);
    }
    qInfo("%d games of %d messages in %lld ms", games, kRounds, qint64(clock.elapsed()));
}

// memu: the writer's bytesWritten() slot moves it; what comes next (the
// answer, the peer's close) reaches it in the new thread.
void tst_Moves::moveFromBytesWritten()
{
    Threads threads;
    ConnectedPair p;
    MemSocket *a = p.client.get();
    ThreadLog log;
    log.watch(a);
    QObject::connect(p.peer.get(), &QIODevice::readyRead, p.peer.get(), [&p] { p.peer->readAll(); });
    QObject::connect(a, &QIODevice::bytesWritten, a, [a, &threads] { a->moveToThread(threads.at(0)); });
    QCOMPARE(a->write("question"), qint64(8));
    QVERIFY(spinUntil([&] { return a->thread() == threads.at(0); }));
    QCOMPARE(p.peer->write("answer"), qint64(6));
    QVERIFY(spinUntil([&] { return log.take().contains(QStringLiteral("readyRead")); }));
    QByteArray got;
    runIn(a, [&] { got = a->readAll(); });
    QCOMPARE(got, QByteArray("answer"));
    p.peer->close();
    QVERIFY(spinUntil([&] { return log.take().contains(QStringLiteral("disconnected")); }));
    for (QThread *t : std::as_const(log.threads))
        QCOMPARE(t, threads.at(0));
    runIn(a, [a] { a->moveToThread(QCoreApplication::instance()->thread()); });
}

// The peer closes; the errorOccurred(RemoteHostClosedError) slot moves the
// socket. The rest of the close (ClosingState, UnconnectedState,
// readChannelFinished(), disconnected()) comes in the new thread, in the
// order the same socket emits it without a move, and the unread bytes stay.
void tst_Moves::moveFromErrorOccurred()
{
    QFETCH(QString, network);
    QStringList unmoved;
    {
        ConnectedPair p(QString(), network);
        ThreadLog log;
        log.watch(p.client.get());
        p.peer->write("last words");
        p.peer->close();
        QVERIFY(spinUntil([&] { return log.take().contains(QStringLiteral("disconnected")); }));
        unmoved = log.take();
        QCOMPARE(p.client->readAll(), QByteArray("last words"));
    }
    Threads threads;
    ConnectedPair p(QString(), network);
    MemSocket *a = p.client.get();
    ThreadLog log;
    log.watch(a);
    QObject::connect(a, &MemSocket::errorOccurred, a, [a, &threads] { a->moveToThread(threads.at(1)); });
    p.peer->write("last words");
    p.peer->close();
    QVERIFY(spinUntil([&] { return log.take().contains(QStringLiteral("disconnected")); }));
    QCOMPARE(log.take(), unmoved);
    const qsizetype moveAt = log.take().indexOf(QStringLiteral("errorOccurred RemoteHostClosedError"));
    QVERIFY(moveAt >= 0);
    for (qsizetype i = moveAt + 1; i < log.threads.size(); ++i)
        QCOMPARE(log.threads.at(i), threads.at(1));
    QByteArray got;
    State state = State::ConnectedState;
    runIn(a, [&] {
        got = a->readAll();
        state = a->state();
    });
    QCOMPARE(got, QByteArray("last words"));
    QCOMPARE(state, State::UnconnectedState);
    runIn(a, [a] { a->moveToThread(QCoreApplication::instance()->thread()); });
}

// The disconnected() slot moves the socket; it is then deleted in its new
// thread with deleteLater(): no crash, and it is gone.
void tst_Moves::moveFromDisconnected()
{
    Threads threads;
    const QString name = uniqueName("bye");
    MemServer server;
    QVERIFY(server.listen(name));
    QPointer<MemSocket> a = new MemSocket;
    a->connectToServer(name);
    std::unique_ptr<MemSocket> peer(server.nextPendingConnection());
    QVERIFY(peer);
    MemSocket *raw = a;
    QObject::connect(raw, &MemSocket::disconnected, raw, [raw, &threads] { raw->moveToThread(threads.at(2)); });
    peer->write("bye");
    peer.reset();
    QVERIFY(spinUntil([&] { return raw->thread() == threads.at(2); }));
    QByteArray got;
    runIn(raw, [&] { got = raw->readAll(); });
    QCOMPARE(got, QByteArray("bye"));
    runIn(raw, [raw] { raw->deleteLater(); });
    QVERIFY(spinUntil([&] { return a.isNull(); }));
}

QTEST_MAIN(tst_Moves)
#include "tst_moves.moc"
