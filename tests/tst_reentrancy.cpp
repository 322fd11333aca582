// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Re-entrancy and lifetime (memsocket.h, the class comment: an end may be
// deleted, closed or reconnected inside any of its own signal handlers): handlers that delete their socket, nest event loops, reconnect
// or wait. Where Qt defines the outcome, the same scenario runs over
// QLocalSocket and its answer is the expected value.
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/qdatastream.h>
#include <QtCore/qeventloop.h>
#include <QtCore/qpointer.h>
#include <QtCore/qprocess.h>
#include <QtCore/qregularexpression.h>
#include <QtCore/qtimer.h>
#include <QtNetwork/qlocalserver.h>
#include <QtNetwork/qlocalsocket.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <thread>
#include <tuple>

#include "testutil.h"

using State = QAbstractSocket::SocketState;

namespace {
// The signals a handler can sit in, and what it does there.
enum class Signal {
    Connected, ReadyRead, BytesWritten, ErrorOccurred, StateClosing, StateUnconnected, Disconnected,
    AboutToClose, ReadChannelFinished
};
enum class Action {
    Delete, DeleteLater, Abort, Close, Reconnect, WriteToPeer, WaitForReadyRead, ProcessEvents, NestedLoop
};

const char *name(Signal s)
{
    static const char *const names[] = {"connected", "readyRead", "bytesWritten", "errorOccurred",
                                        "stateChanged(Closing)", "stateChanged(Unconnected)",
                                        "disconnected", "aboutToClose", "readChannelFinished"};
    return names[int(s)];
}
const char *name(Action a)
{
    static const char *const names[] = {"delete", "deleteLater", "abort", "close", "reconnect",
                                        "write to peer", "waitForReadyRead", "processEvents",
                                        "nested loop"};
    return names[int(a)];
}
} // namespace
Q_DECLARE_METATYPE(Signal)
Q_DECLARE_METATYPE(Action)

class tst_Reentrancy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void actionInsideEverySignal_data();
    void actionInsideEverySignal();
    void nestedLoopInReadyReadReachesSameThreadPeer();
    void nestedLoopInNewConnectionReachesSameThreadPeer();
    void readyReadIsNotEmittedRecursively_data();
    void readyReadIsNotEmittedRecursively();
    void bytesWrittenIsNotEmittedRecursively();
    void manySmallWritesWithNestedLoopsDoNotOverflow();
    void deletedPendingSocketGivesBackItsRoom();
    void blockingTransactionReaderReleasesWriter();
    void staleCloseDoesNotTearDownNewConnection();
    void lifetimeAcrossTheApplication_data();
    void lifetimeAcrossTheApplication();
    void writeNullIsRefused();
    void farDeadlineArmsWithoutWarning();
    void readBufferSizeStillReportsEndOfStream();
    void abortInsideRemoteCloseErrorEmitsNothingMore();
    void abortAndReconnectInsideRemoteCloseError();
    void peerNameIsEmptyAfterTheConnectionEnds();
    void deadlineInThreadWithoutDispatcher();
};

// For every signal a client emits, each action inside its handler: no crash
// (ASan and UBSan run this), no signal after the socket is gone, at most one
// disconnected() per connection, and the server side always learns the end.
void tst_Reentrancy::actionInsideEverySignal_data()
{
    QTest::addColumn<QString>("network");
    QTest::addColumn<Signal>("signal");
    QTest::addColumn<Action>("action");
    for (const char *net : {"memu:", "memb:"}) {
        for (int s = 0; s <= int(Signal::ReadChannelFinished); ++s) {
            for (int a = 0; a <= int(Action::NestedLoop); ++a) {
                QTest::addRow("%s %s: %s", net, name(Signal(s)), name(Action(a)))
                    << QString::fromLatin1(net) << Signal(s) << Action(a);
            }
        }
    }
}

// What one case ends with, comparable between MemSocket and QLocalSocket.
struct Outcome
{
    int disconnects = 0;
    bool clientAlive = false;
    QString clientState;
    bool signalAfterDeath = false;
    bool serverSidesEnded = true;
    bool reusable = true;
    QString describe() const
    {
        return QStringLiteral("disconnects %1, alive %2, state %3, signal after death %4, "
                              "server sides ended %5, reusable %6")
            .arg(disconnects).arg(clientAlive).arg(clientState).arg(signalAfterDeath)
            .arg(serverSidesEnded).arg(reusable);
    }
    bool operator==(const Outcome &o) const { return describe() == o.describe(); }
};

template <typename Server, typename Socket>
static Outcome runCase(const QString &server, Signal signal, Action action)
{
    Outcome out;
    Server srv;
    srv.listen(server);
    QList<QPointer<Socket>> serverSides;
    QObject::connect(&srv, &Server::newConnection, &srv, [&] {
        while (Socket *s = srv.nextPendingConnection()) {
            serverSides.append(s);
            QObject::connect(s, &QIODevice::readyRead, s, [s] { s->readAll(); });
        }
    });

    QPointer<Socket> client = new Socket;
    bool acted = false;
    QObject context;
    int disconnects = 0;
    QObject::connect(client, &Socket::disconnected, &context, [&] { ++disconnects; });
    const auto act = [&] {
        if (acted)
            return;
        acted = true;
        Socket *c = client;
        switch (action) {
        case Action::Delete: delete c; break;
        case Action::DeleteLater: c->deleteLater(); break;
        case Action::Abort: c->abort(); break;
        case Action::Close: c->close(); break;
        case Action::Reconnect:
            c->abort();
            c->connectToServer(server);
            break;
        case Action::WriteToPeer: c->write("more"); break;
        case Action::WaitForReadyRead: c->waitForReadyRead(20); break;
        case Action::ProcessEvents: QCoreApplication::processEvents(); break;
        case Action::NestedLoop: {
            QEventLoop loop;
            QTimer::singleShot(5, &loop, &QEventLoop::quit);
            loop.exec();
            break;
        }
        }
    };
    const auto watch = [&](auto sig, auto pred) {
        QObject::connect(client, sig, &context, [&, pred](auto... args) {
            if (!client)
                out.signalAfterDeath = true;
            else if (pred(int(args)...))
                act();
        });
    };
    const auto always = [](auto...) { return true; };
    const auto closing = [](int s) { return s == int(QAbstractSocket::ClosingState); };
    const auto unconnected = [](int s) { return s == int(QAbstractSocket::UnconnectedState); };
    switch (signal) {
    case Signal::Connected: watch(&Socket::connected, always); break;
    case Signal::ReadyRead: watch(&QIODevice::readyRead, always); break;
    case Signal::BytesWritten: watch(&QIODevice::bytesWritten, always); break;
    case Signal::ErrorOccurred: watch(&Socket::errorOccurred, always); break;
    case Signal::StateClosing: watch(&Socket::stateChanged, closing); break;
    case Signal::StateUnconnected: watch(&Socket::stateChanged, unconnected); break;
    case Signal::Disconnected: watch(&Socket::disconnected, always); break;
    case Signal::AboutToClose: watch(&QIODevice::aboutToClose, always); break;
    case Signal::ReadChannelFinished: watch(&QIODevice::readChannelFinished, always); break;
    }

    client->connectToServer(server);
    if (client)
        client->write("hello");
    spinUntil([&] { return !serverSides.isEmpty() || !client; }, 2000);
    // The server writes and then closes: readyRead, errorOccurred,
    // stateChanged(Unconnected), readChannelFinished, disconnected; or, for
    // the signals of a socket's own close, the client closes.
    if (!serverSides.isEmpty() && serverSides.first()) {
        serverSides.first()->write("from server");
        drainEvents();
        QTest::qWait(20);
        if (signal == Signal::StateClosing || signal == Signal::AboutToClose) {
            if (client)
                client->close();
        } else if (serverSides.first()) {
            serverSides.first()->close();
        }
    }
    drainEvents();
    QTest::qWait(30);
    drainEvents();
    out.disconnects = disconnects;   // before the reuse below
    out.clientAlive = bool(client);
    out.clientState = client ? SignalLog::key<QAbstractSocket::SocketState>(int(client->state())) : QString();
    if (client)
        client->abort();
    if (client) {
        // Whatever the handler did, the socket is usable: it can connect again.
        client->connectToServer(server);
        client->waitForConnected(1000);
        out.reusable = int(client->state()) == int(QAbstractSocket::ConnectedState)
            && client->write("again") == 5;
        out.reusable = spinUntil([&] { return serverSides.size() >= 2; }, 2000) && out.reusable;
        delete client.data();
    }
    drainEvents();
    spinUntil([&] {
        return std::all_of(serverSides.cbegin(), serverSides.cend(), [](const QPointer<Socket> &s) {
            return !s || int(s->state()) == int(QAbstractSocket::UnconnectedState);
        });
    }, 2000);
    for (const QPointer<Socket> &s : std::as_const(serverSides))
        out.serverSidesEnded = out.serverSidesEnded && (!s || int(s->state()) == int(QAbstractSocket::UnconnectedState));
    return out;
}

// For every signal a client emits, each action inside its handler: no crash
// (ASan and UBSan run this), no signal on a deleted socket, every server side
// learns the end, the socket can connect again; and, wherever Qt defines the
// outcome (all but a direct delete), the same as QLocalSocket's.
void tst_Reentrancy::actionInsideEverySignal()
{
    QFETCH(QString, network);
    QFETCH(Signal, signal);
    QFETCH(Action, action);
    const QString name = uniqueName("matrix");
    const Outcome mem = runCase<MemServer, MemSocket>(network + name, signal, action);
    QVERIFY2(!mem.signalAfterDeath, qPrintable(mem.describe()));
    QVERIFY2(mem.serverSidesEnded, qPrintable(mem.describe()));
    QVERIFY2(mem.reusable, qPrintable(mem.describe()));
    QVERIFY2(mem.disconnects <= (action == Action::Reconnect ? 2 : 1), qPrintable(mem.describe()));
    if (action == Action::Delete) {
        QVERIFY2(!mem.clientAlive || signal == Signal::ReadChannelFinished || signal == Signal::Connected
                     || signal == Signal::BytesWritten || mem.disconnects == 0,
                 qPrintable(mem.describe()));
        return;   // Qt leaves a direct delete inside a slot undefined: deleteLater() is its idiom
    }
    Outcome qt = runCase<QLocalServer, QLocalSocket>(name, signal, action);
    if (action == Action::Reconnect
        && (signal == Signal::ErrorOccurred || signal == Signal::StateClosing || signal == Signal::AboutToClose
            || signal == Signal::StateUnconnected || signal == Signal::ReadChannelFinished)) {
        // Documented difference (memsocket.h, connectToServer()): a socket
        // reconnected inside a slot of its old connection's end hears nothing
        // more of the old connection. QLocalSocket delivers the old
        // disconnected() after the new connection began, and, from inside
        // errorOccurred(), ClosingState or aboutToClose(), ends the new one.
        QCOMPARE(mem.clientState, QStringLiteral("ConnectedState"));
        QCOMPARE(mem.disconnects, qt.disconnects - 1);
        qt.disconnects = mem.disconnects;
        qt.clientState = mem.clientState;
    }
    QCOMPARE(mem.describe(), qt.describe());
}

// Defect 1: a readyRead() handler writes to a peer in the same thread and runs
// an event loop until the peer answers. QLocalSocket is the control.
template <typename Server, typename Socket>
static bool answerThroughNestedLoop(Server &server, const QString &name)
{
    Socket client;
    bool answered = false;
    bool done = false;
    QObject::connect(&server, &Server::newConnection, &server, [&] {
        auto *peer = server.nextPendingConnection();
        QObject::connect(peer, &Socket::readyRead, peer, [peer] {
            if (peer->readAll().contains("question"))
                peer->write("answer");
        });
    });
    QObject::connect(&client, &Socket::readyRead, &client, [&] {
        const QByteArray got = client.readAll();
        if (got.contains("start")) {
            client.write("question");
            QEventLoop loop;
            QObject::connect(&client, &Socket::bytesWritten, &loop, [] {});
            QTimer timeout;
            QObject::connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
            timeout.start(2000);
            // The peer answers; this handler is not re-entered (QIODevice's
            // rule), so the loop polls what arrived.
            QTimer poll;
            QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
                if (client.bytesAvailable() > 0 && client.peek(6) == "answer") {
                    answered = true;
                    loop.quit();
                }
            });
            poll.start(1);
            loop.exec();
            done = true;
        }
    });
    client.connectToServer(name);
    if (!client.waitForConnected(1000))
        return false;
    QCoreApplication::processEvents();
    // Start the exchange from the server side.
    QTest::qWait(10);
    const auto sides = server.template findChildren<Socket *>();
    for (auto *s : sides)
        s->write("start");
    return spinUntil([&] { return done; }, 4000) && answered;
}

void tst_Reentrancy::nestedLoopInReadyReadReachesSameThreadPeer()
{
    const QString name = uniqueName("nested");
    {
        QLocalServer qt;
        QVERIFY(qt.listen(name));
        QVERIFY2((answerThroughNestedLoop<QLocalServer, QLocalSocket>(qt, name)), "QLocalSocket control");
    }
    MemServer mem;
    QVERIFY(mem.listen(name));
    QVERIFY((answerThroughNestedLoop<MemServer, MemSocket>(mem, name)));
}

void tst_Reentrancy::nestedLoopInNewConnectionReachesSameThreadPeer()
{
    const QString name = uniqueName("nested-nc");
    MemServer server;
    QVERIFY(server.listen(name));
    MemSocket client;
    connect(&client, &MemSocket::readyRead, &client, [&] {
        if (client.readAll() == "ping")
            client.write("pong");
    });
    bool answered = false;
    connect(&server, &MemServer::newConnection, &server, [&] {
        MemSocket *peer = server.nextPendingConnection();
        peer->write("ping");
        QEventLoop loop;
        connect(peer, &MemSocket::readyRead, &loop, [&] {
            answered = peer->readAll() == "pong";
            loop.quit();
        });
        QTimer::singleShot(2000, &loop, &QEventLoop::quit);
        loop.exec();
    });
    client.connectToServer(name);
    QVERIFY(spinUntil([&] { return answered; }, 3000));
}

// Defect 2: waits and nested loops inside readyRead() do not re-emit it.
void tst_Reentrancy::readyReadIsNotEmittedRecursively_data()
{
    QTest::addColumn<int>("how");   // 0: waitForReadyRead, 1: processEvents, 2: QEventLoop
    QTest::newRow("waitForReadyRead") << 0;
    QTest::newRow("processEvents") << 1;
    QTest::newRow("nested QEventLoop") << 2;
}

void tst_Reentrancy::readyReadIsNotEmittedRecursively()
{
    QFETCH(int, how);
    ConnectedPair pair;
    MemSocket &client = *pair.client;
    MemSocket *peer = pair.peer.get();
    PeerThread writer(peer);
    int depth = 0, maxDepth = 0, calls = 0;
    QByteArray received;
    connect(&client, &MemSocket::readyRead, &client, [&] {
        ++calls;
        maxDepth = qMax(maxDepth, ++depth);
        received += client.readAll();
        if (calls < 50) {
            if (how == 0) {
                client.waitForReadyRead(20);
            } else if (how == 1) {
                QCoreApplication::processEvents();
            } else {
                QEventLoop loop;
                QTimer::singleShot(2, &loop, &QEventLoop::quit);
                loop.exec();
            }
        }
        received += client.readAll();
        --depth;
    });
    for (int i = 0; i < 100; ++i)
        writer.run([&] { peer->write("x"); });
    QVERIFY(spinUntil([&] { return received.size() >= 100; }));
    QCOMPARE(received, QByteArray(100, 'x'));
    QCOMPARE(maxDepth, 1);
}

void tst_Reentrancy::bytesWrittenIsNotEmittedRecursively()
{
    ConnectedPair pair;
    MemSocket &client = *pair.client;
    MemSocket *peer = pair.peer.get();
    connect(peer, &MemSocket::readyRead, peer, [peer] { peer->readAll(); });
    PeerThread reader(peer);
    int depth = 0, maxDepth = 0;
    qint64 total = 0;
    connect(&client, &MemSocket::bytesWritten, &client, [&](qint64 n) {
        maxDepth = qMax(maxDepth, ++depth);
        total += n;
        if (total < 100) {
            client.write("y");
            client.waitForBytesWritten(1000);
        }
        --depth;
    });
    client.write("y");
    QVERIFY(spinUntil([&] { return total >= 100; }));
    QCOMPARE(maxDepth, 1);
}

void tst_Reentrancy::manySmallWritesWithNestedLoopsDoNotOverflow()
{
    ConnectedPair pair;
    MemSocket &client = *pair.client;
    MemSocket *peer = pair.peer.get();
    qint64 got = 0;
    connect(peer, &MemSocket::readyRead, peer, [&] {
        got += peer->readAll().size();
        QCoreApplication::processEvents();
    });
    for (int i = 0; i < 20000; ++i)
        client.write("z");
    QVERIFY(spinUntil([&] { return got == 20000; }));
}

// Defect 3: the QTcpServer idiom (disconnected -> deleteLater) on a socket
// that is still pending gives its backlog room back.
class DeletingServer : public MemServer
{
protected:
    void incomingConnection(MemSocket *socket) override
    {
        connect(socket, &MemSocket::disconnected, socket, &QObject::deleteLater);
        addPendingConnection(socket);
    }
};

void tst_Reentrancy::deletedPendingSocketGivesBackItsRoom()
{
    const QString name = uniqueName("room");
    DeletingServer server;
    server.setMaxPendingConnections(1);
    QVERIFY(server.listen(name));
    {
        MemSocket first;
        first.connectToServer(name);
        QCOMPARE(first.state(), State::ConnectedState);
        drainEvents();   // the server side exists and is pending
    }   // the first client leaves; its pending socket deletes itself
    QVERIFY(spinUntil([&] { return !server.hasPendingConnections(); }));
    MemSocket second;
    second.connectToServer(name);
    QVERIFY(spinUntil([&] { return second.state() == State::ConnectedState; }, 2000));
    MemSocket *taken = server.nextPendingConnection();
    QVERIFY(taken);
    second.write("hi");
    QVERIFY(spinUntil([&] { return taken->bytesAvailable() == 2; }));
}

// Defect 4: Qt's blocking fortune client: transactions and waitForReadyRead()
// in a thread with no event loop; the writer's waitForBytesWritten() returns.
void tst_Reentrancy::blockingTransactionReaderReleasesWriter()
{
    const QString name = uniqueName("fortune");
    MemServer server;
    QVERIFY(server.listen(name));
    MemSocket *reader = new MemSocket;
    reader->connectToServer(name);
    MemSocket *writer = server.nextPendingConnection();
    QStringList records;
    reader->moveToThread(nullptr);
    std::thread t([&] {
        QThread *self = QThread::currentThread();
        reader->moveToThread(self);
        QDataStream in(reader);
        while (records.size() < 3) {
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
        delete reader;   // no settling call: its reads released the writer
    });
    QByteArray record;
    {
        QDataStream out(&record, QIODevice::WriteOnly);
        out << QStringLiteral("a fortune that is long enough to be split");
    }
    for (int i = 0; i < 3; ++i) {
        writer->write(record.left(5));
        writer->write(record.mid(5));
        while (writer->bytesToWrite() > 0)
            QVERIFY2(writer->waitForBytesWritten(5000), qPrintable(writer->errorString()));
    }
    t.join();
    QCOMPARE(records.size(), 3);
}

// Defect 5: a notification belongs to the connection it was raised for.
void tst_Reentrancy::staleCloseDoesNotTearDownNewConnection()
{
    ConnectedPair pair;
    MemSocket &client = *pair.client;
    MemSocket *first = pair.peer.get();
    first->write("bye");
    first->close();
    bool reconnected = false;
    connect(&client, &MemSocket::readyRead, &client, [&] {
        if (reconnected)
            return;
        reconnected = true;
        client.abort();
        client.connectToServer(pair.name);
    });
    QVERIFY(spinUntil([&] { return reconnected; }));
    drainEvents();
    QCOMPARE(client.state(), State::ConnectedState);
    MemSocket *second = pair.server.nextPendingConnection();
    QVERIFY(second);
    QCOMPARE(second->state(), State::ConnectedState);
    QCOMPARE(client.write("still here"), 10);
    QVERIFY(spinUntil([&] { return second->bytesAvailable() == 10; }));
}

// Defect 6 and the lifetime cases: each runs in a child process, so that a
// crash, a hang or (under ASan) a leak or use-after-free at exit fails it.
void tst_Reentrancy::lifetimeAcrossTheApplication_data()
{
    QTest::addColumn<QString>("mode");
    QTest::newRow("static server and socket at exit") << QStringLiteral("static");
    QTest::newRow("created before QCoreApplication") << QStringLiteral("before-app");
    QTest::newRow("used after QCoreApplication is gone") << QStringLiteral("after-app");
    QTest::newRow("sockets outlive their server") << QStringLiteral("outlive-server");
}

void tst_Reentrancy::lifetimeAcrossTheApplication()
{
#if defined(__SANITIZE_THREAD__)
    QSKIP("ThreadSanitizer does not support a multi-threaded process forking (QProcess) and "
          "then starting threads; this runs in the normal and ASan builds");
#endif
    QFETCH(QString, mode);
    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("MEMCONN_LIFETIME_CHILD"), mode);
    child.setProcessEnvironment(env);
    child.start(QCoreApplication::applicationFilePath(), {});
    QVERIFY(child.waitForFinished(20000));
    const QByteArray err = child.readAllStandardError();
    QVERIFY2(child.exitStatus() == QProcess::NormalExit, err.constData());
    QVERIFY2(child.exitCode() == 0, err.constData());
    QVERIFY2(!err.contains("ERROR"), err.constData());   // a sanitizer report
}

// Defect 8.
void tst_Reentrancy::writeNullIsRefused()
{
    auto [a, b] = MemSocket::createPair();
    std::unique_ptr<MemSocket> ua(a), ub(b);
    QCOMPARE(a->write(nullptr, 5), -1);
    QCOMPARE(a->error(), QAbstractSocket::OperationError);
    QVERIFY(a->errorString().contains(QStringLiteral("null")));
    QCOMPARE(a->write("ab", 2), 2);
    QCOMPARE(a->write(nullptr, 3), -1);
    QIODevice *dev = a;
    QCOMPARE(dev->write(static_cast<const char *>(nullptr), 3), -1);
    drainEvents();
    QCOMPARE(b->readAll(), QByteArray("ab"));
}

// Defect 9: Qt's timers take an int of milliseconds.
void tst_Reentrancy::farDeadlineArmsWithoutWarning()
{
    auto [a, b] = MemSocket::createPair();
    std::unique_ptr<MemSocket> ua(a), ub(b);
    QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
    QSignalSpy errors(a, &MemSocket::errorOccurred);
    a->setReadDeadline(QDeadlineTimer(std::chrono::hours(24 * 30)));
    drainEvents();
    QCOMPARE(errors.size(), 0);
    QVERIFY(!a->readDeadline().hasExpired());
    b->write("ok");
    drainEvents();
    QCOMPARE(a->readAll(), QByteArray("ok"));
}

// Defect 10: QLocalSocket is the reference for read() at end of stream.
void tst_Reentrancy::readBufferSizeStillReportsEndOfStream()
{
    const QString name = uniqueName("rbs-eof");
    QLocalServer qs;
    QVERIFY(qs.listen(name));
    QLocalSocket qc;
    qc.setReadBufferSize(4);
    qc.connectToServer(name);
    QVERIFY(qs.waitForNewConnection(1000));
    QLocalSocket *qpeer = qs.nextPendingConnection();
    qpeer->write("0123456789");
    qpeer->flush();
    qpeer->disconnectFromServer();
    QByteArray qgot;
    char buf[16];
    qint64 qlast = 0;
    QVERIFY(spinUntil([&] {
        qlast = qc.read(buf, sizeof buf);
        if (qlast > 0)
            qgot.append(buf, qlast);
        return qlast < 0;
    }));

    MemServer server;
    QVERIFY(server.listen(name + QLatin1Char('m')));
    MemSocket client;
    client.setReadBufferSize(4);
    client.connectToServer(name + QLatin1Char('m'));
    MemSocket *peer = server.nextPendingConnection();
    peer->write("0123456789");
    peer->close();
    QByteArray got;
    qint64 last = 0;
    QVERIFY(spinUntil([&] {
        last = client.read(buf, sizeof buf);
        if (last > 0)
            got.append(buf, last);
        return last < 0;
    }));
    QCOMPARE(got, qgot);
    QCOMPARE(last, qlast);
}

// Defect 11: QLocalSocket emits nothing after an abort() inside errorOccurred().
template <typename Server, typename Socket>
static QStringList abortInRemoteClose(const QString &name)
{
    Server server;
    server.listen(name);
    Socket client;
    QStringList log;
    QObject::connect(&client, &Socket::errorOccurred, &client, [&](auto) {
        log << QStringLiteral("error");
        client.abort();
    });
    QObject::connect(&client, &Socket::readChannelFinished, &client, [&] { log << QStringLiteral("finished"); });
    QObject::connect(&client, &Socket::disconnected, &client, [&] { log << QStringLiteral("disconnected"); });
    client.connectToServer(name);
    client.waitForConnected(1000);
    server.waitForNewConnection(1000);
    auto *peer = server.nextPendingConnection();
    peer->abort();
    spinUntil([&] { return int(client.state()) == int(QAbstractSocket::UnconnectedState); }, 2000);
    drainEvents();
    return log;
}

void tst_Reentrancy::abortInsideRemoteCloseErrorEmitsNothingMore()
{
    const QString name = uniqueName("abort-in-error");
    const QStringList qt = abortInRemoteClose<QLocalServer, QLocalSocket>(name);
    const QStringList mem = abortInRemoteClose<MemServer, MemSocket>(name);
    QCOMPARE(mem, qt);
}

void tst_Reentrancy::abortAndReconnectInsideRemoteCloseError()
{
    ConnectedPair pair;
    MemSocket &client = *pair.client;
    MemSocket *first = pair.peer.get();
    bool once = false;
    connect(&client, &MemSocket::errorOccurred, &client, [&] {
        if (std::exchange(once, true))
            return;
        client.abort();
        client.connectToServer(pair.name);
    });
    first->close();
    QVERIFY(spinUntil([&] { return once; }));
    drainEvents();
    QCOMPARE(client.state(), State::ConnectedState);
    MemSocket *second = pair.server.nextPendingConnection();
    QVERIFY(second);
    client.abort();
    drainEvents();
    QCOMPARE(second->state(), State::UnconnectedState);   // no zombie on either side
}

// Defect 12.
void tst_Reentrancy::peerNameIsEmptyAfterTheConnectionEnds()
{
    ConnectedPair pair;
    MemSocket &client = *pair.client;
    MemSocket *peer = pair.peer.get();
    QVERIFY(!client.peerName().isEmpty());
    QVERIFY(!peer->peerName().isEmpty());
    client.close();
    drainEvents();
    QVERIFY(client.peerName().isEmpty());
    QVERIFY(peer->peerName().isEmpty());
}

// Defect 13: a socket living in a std::thread, whose deadline is set there.
void tst_Reentrancy::deadlineInThreadWithoutDispatcher()
{
    QTest::failOnWarning(QRegularExpression(QStringLiteral("Timers")));
    bool timedOut = false;
    std::thread t([&] {
        auto [a, b] = MemSocket::createPair();
        a->setReadDeadline(QDeadlineTimer(30));
        timedOut = !a->waitForReadyRead(5000) && a->error() == QAbstractSocket::SocketTimeoutError;
        delete a;
        delete b;
    });
    t.join();
    QVERIFY(timedOut);
}

// Exit codes: 0 fine, anything else names the step that failed.
static int lifetimeChild(const QByteArray &mode, int argc, char **argv)
{
    if (mode == "static") {
        QCoreApplication app(argc, argv);
        static MemServer server;   // built before the registry is first used
        if (!server.listen(QStringLiteral("static-at-exit")))
            return 1;
        static MemSocket client;
        client.connectToServer(QStringLiteral("static-at-exit"));
        return client.state() == QAbstractSocket::ConnectedState ? 0 : 2;
    }
    if (mode == "before-app") {
        MemServer server;
        if (!server.listen(QStringLiteral("before-app")))
            return 1;
        MemSocket client;
        client.connectToServer(QStringLiteral("before-app"));
        MemSocket *a, *b;   // not a structured binding: a lambda captures b
        std::tie(a, b) = MemSocket::createPair();
        std::unique_ptr<MemSocket> ua(a), ub(b);
        a->write("early");
        QCoreApplication app(argc, argv);
        MemSocket *peer = server.nextPendingConnection();
        if (!peer)
            return 2;
        client.write("ping");
        if (!spinUntil([&] { return peer->bytesAvailable() == 4 && b->bytesAvailable() == 5; }, 2000))
            return 3;
        return peer->readAll() == "ping" && b->readAll() == "early" ? 0 : 4;
    }
    if (mode == "after-app") {
        auto app = std::make_unique<QCoreApplication>(argc, argv);
        auto server = std::make_unique<MemServer>();
        server->listen(QStringLiteral("after-app"));
        auto client = std::make_unique<MemSocket>();
        client->connectToServer(QStringLiteral("after-app"));
        std::unique_ptr<MemSocket> peer(server->nextPendingConnection());
        peer->setParent(nullptr);
        app.reset();   // the application goes; the objects stay
        client->write("still");
        if (peer->readAll() != "still")
            return 2;
        peer->close();
        client.reset();
        server.reset();
        return 0;
    }
    if (mode == "outlive-server") {
        QCoreApplication app(argc, argv);
        auto server = std::make_unique<MemServer>();
        server->listen(QStringLiteral("outlive"));
        MemSocket client;
        client.connectToServer(QStringLiteral("outlive"));
        std::unique_ptr<MemSocket> peer(server->nextPendingConnection());
        peer->setParent(nullptr);
        server.reset();   // taken sockets are untouched
        client.write("after the server");
        if (!spinUntil([&] { return peer->bytesAvailable() == 16; }, 2000))
            return 2;
        std::unique_ptr<MemSocket> moved;
        QThread *main = QThread::currentThread();
        std::thread([&] {
            // A socket made in a thread that ends before it is read; its peer
            // is deleted there.
            auto [x, y] = MemSocket::createPair();
            x->write("orphan");
            delete x;
            y->moveToThread(main);
            moved.reset(y);
        }).join();
        return moved->readAll() == "orphan" ? 0 : 3;
    }
    return 99;
}

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsSet("MEMCONN_LIFETIME_CHILD"))
        return lifetimeChild(qgetenv("MEMCONN_LIFETIME_CHILD"), argc, argv);
    QCoreApplication app(argc, argv);
    tst_Reentrancy test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_reentrancy.moc"
