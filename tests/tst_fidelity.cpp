// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Differential conformance (memsocket.h and memserver.h, which promise
// QLocalSocket's behaviour; docs/semantics.md lists the differences):
// each scenario is written once and run over QLocalSocket/QLocalServer and
// over MemSocket/MemServer on memu and memb; what each observes (return
// values, states, errors, signal order, bytes) is logged and MemConn's log
// must equal Qt's. Scenarios about the server API that QLocalServer lacks run
// over QTcpServer. Where MemConn differs on purpose, the scenario is listed
// under "Documented differences" below, with the header line that promises
// MemConn's behaviour, and checks that behaviour instead.
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/qdatastream.h>
#include <QtCore/qpointer.h>
#include <QtCore/qthread.h>
#include <QtNetwork/qlocalserver.h>
#include <QtNetwork/qlocalsocket.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include "testutil.h"

using State = QAbstractSocket::SocketState;

namespace {
struct LocalKit
{
    using Server = QLocalServer;
    using Socket = QLocalSocket;
    static QString address(const QString &name) { return name; }
};
template <bool Buffered>
struct MemKit
{
    using Server = MemServer;
    using Socket = MemSocket;
    static QString address(const QString &name)
    {
        return (Buffered ? QStringLiteral("memb:") : QStringLiteral("memu:")) + name;
    }
};

template <typename Server>
auto *accept(Server &server)
{
    if (!server.hasPendingConnections())
        server.waitForNewConnection(2000);
    return server.nextPendingConnection();
}

QString stateName(int state)
{
    return SignalLog::key<QAbstractSocket::SocketState>(state);
}
QString errorName(int error)
{
    return SignalLog::key<QAbstractSocket::SocketError>(error);
}

// A connected pair over kit K, the server side taken.
template <typename K>
struct Pair
{
    Pair() : name(uniqueName("fid"))
    {
        server.listen(K::address(name));
        client.connectToServer(K::address(name));
        client.waitForConnected(2000);
        peer = accept(server);
    }
    QString name;
    typename K::Server server;
    typename K::Socket client;
    typename K::Socket *peer = nullptr;
};

template <typename Socket>
QString describe(const Socket &s)
{
    return stateName(int(s.state())) + QLatin1Char('/') + errorName(int(s.error()));
}

// ---------------------------------------------------------------------------
// Scenarios: each returns what it observed.

struct BasicIO
{
    template <typename K>
    static QStringList run()
    {
        Pair<K> p;
        QStringList log;
        SignalLog clientLog(&p.client, true), peerLog(p.peer, true);
        log << QString::number(p.client.write("hello"));
        spinUntil([&] { return peerLog.entries().contains(QStringLiteral("readyRead")); });
        log << QString::fromLatin1(p.peer->readAll());
        log << QString::number(p.peer->write("world!"));
        spinUntil([&] { return clientLog.entries().contains(QStringLiteral("readyRead")); });
        log << QString::number(p.client.bytesAvailable()) << QString::fromLatin1(p.client.readAll());
        log << QString::number(p.client.bytesAvailable()) << describe(p.client);
        drainEvents();
        return log + QStringList{QStringLiteral("--client")} + clientLog.entries()
            + QStringList{QStringLiteral("--peer")} + peerLog.entries();
    }
};

struct ReadLine
{
    template <typename K>
    static QStringList run()
    {
        Pair<K> p;
        QStringList log;
        p.peer->write("line one\nline two\npartial");
        spinUntil([&] { return p.client.bytesAvailable() >= 25; });
        log << QString::number(p.client.canReadLine());
        log << QString::fromLatin1(p.client.readLine());
        log << QString::fromLatin1(p.client.readLine(5));   // at most 4 bytes
        log << QString::fromLatin1(p.client.readLine());
        log << QString::number(p.client.canReadLine());
        log << QString::fromLatin1(p.client.readLine());    // the partial line
        log << QString::number(p.client.bytesAvailable());
        return log;
    }
};

struct SkipPeekGetChar
{
    template <typename K>
    static QStringList run()
    {
        Pair<K> p;
        QStringList log;
        p.peer->write("0123456789");
        spinUntil([&] { return p.client.bytesAvailable() >= 10; });
        log << QString::fromLatin1(p.client.peek(4));
        log << QString::number(p.client.skip(3));
        log << QString::fromLatin1(p.client.read(2));
        log << QString::fromLatin1(p.client.peek(100));
        char c = 0;
        log << QString::number(p.client.getChar(&c)) << QString(QLatin1Char(c));
        log << QString::number(p.client.bytesAvailable()) << QString::fromLatin1(p.client.readAll());
        return log;
    }
};

struct Transactions
{
    template <typename K>
    static QStringList run()
    {
        Pair<K> p;
        QStringList log;
        QByteArray record;
        {
            QDataStream out(&record, QIODevice::WriteOnly);
            out << QStringLiteral("a record long enough to arrive in pieces") << qint32(42);
        }
        QDataStream in(&p.client);
        QString text;
        qint32 number = 0;
        QObject::connect(&p.client, &QIODevice::readyRead, &p.client, [&] {
            in.startTransaction();
            in >> text >> number;
            log << (in.commitTransaction() ? QStringLiteral("commit") : QStringLiteral("rollback"));
        });
        p.peer->write(record.left(7));
        spinUntil([&] { return !log.isEmpty(); });
        p.peer->write(record.mid(7));
        spinUntil([&] { return log.contains(QStringLiteral("commit")); });
        log << text << QString::number(number) << QString::number(p.client.bytesAvailable());
        return log;
    }
};

// A reader thread with blocking waits and no event loop; a writer here.
struct BlockingReaderThread
{
    template <typename K>
    static QStringList run()
    {
        Pair<K> p;
        QStringList log;
        typename K::Socket *reader = &p.client;
        QThread *home = QThread::currentThread();
        reader->moveToThread(nullptr);
        int loops = 0;
        QByteArray line;
        bool finalWait = true;
        QString after;
        std::unique_ptr<QThread> t(QThread::create([&] {
            reader->moveToThread(QThread::currentThread());
            while (!reader->canReadLine() && loops < 1000) {
                ++loops;
                if (!reader->waitForReadyRead(5000))
                    break;
            }
            line = reader->readLine();
            finalWait = reader->waitForReadyRead(5000);   // the peer closes meanwhile
            after = describe(*reader);
            reader->moveToThread(home);
        }));
        t->start();
        QThread::msleep(30);
        p.peer->write("ab");
        QCoreApplication::processEvents();
        QThread::msleep(30);
        p.peer->write("c\n");
        QCoreApplication::processEvents();
        QThread::msleep(30);
        p.peer->disconnectFromServer();
        QCoreApplication::processEvents();
        t->wait(10000);
        log << QString::fromLatin1(line) << QStringLiteral("few loops: %1").arg(loops <= 3)
            << QString::number(finalWait) << after;
        return log;
    }
};

struct WaitForReadyReadTimesOut
{
    template <typename K>
    static QStringList run()
    {
        Pair<K> p;
        std::unique_ptr<typename K::Socket> owned(p.peer);
        owned->setParent(nullptr);
        PeerThread peer(owned.get());   // a peer that could write, but does not
        QStringList log;
        SignalLog signalsSeen(&p.client);
        log << QString::number(p.client.waitForReadyRead(50)) << describe(p.client);
        log += signalsSeen.entries();
        peer.run([&] { owned->write("late"); owned->flush(); });
        log << QString::number(p.client.waitForReadyRead(2000)) << QString::fromLatin1(p.client.readAll());
        return log;
    }
};

struct WaitForDisconnected
{
    template <typename K>
    static QStringList run()
    {
        Pair<K> p;
        std::unique_ptr<typename K::Socket> owned(p.peer);
        owned->setParent(nullptr);
        PeerThread peer(owned.get());
        QStringList log;
        SignalLog signalsSeen(&p.client);
        log << QString::number(p.client.waitForDisconnected(50)) << describe(p.client);
        std::unique_ptr<QThread> closer(QThread::create([&] {
            QThread::msleep(30);
            peer.run([&] { owned->disconnectFromServer(); });
        }));
        closer->start();
        log << QString::number(p.client.waitForDisconnected(5000)) << describe(p.client);
        closer->wait();
        drainEvents();
        return log + signalsSeen.entries();
    }
};

struct PeerClosesWithUnreadData
{
    template <typename K>
    static QStringList run()
    {
        Pair<K> p;
        SignalLog signalsSeen(&p.client);
        QStringList log;
        p.peer->write("unread bytes");
        p.peer->disconnectFromServer();
        spinUntil([&] { return p.client.state() == decltype(p.client.state())(0); });
        drainEvents();
        log << describe(p.client) << QString::number(p.client.bytesAvailable())
            << QString::fromLatin1(p.client.readAll());
        char c;
        log << QString::number(p.client.read(&c, 1));
        return log + signalsSeen.entries();
    }
};

// Found by the fuzzer: disconnectFromServer() after the peer closed.
struct DisconnectAfterPeerClosed
{
    template <typename K>
    static QStringList run()
    {
        Pair<K> p;
        p.peer->write("kept");
        p.peer->disconnectFromServer();
        spinUntil([&] { return int(p.client.state()) == int(QAbstractSocket::UnconnectedState); });
        p.client.disconnectFromServer();
        QStringList log{QString::number(p.client.isOpen()), QString::number(p.client.bytesAvailable())};
        log << QString::fromLatin1(p.client.readAll());
        char c;
        log << QString::number(p.client.read(&c, 1));
        p.client.close();
        log << QString::number(p.client.isOpen()) << QString::number(p.client.bytesAvailable());
        return log;
    }
};

struct CloseFromEitherSide
{
    template <typename K>
    static QStringList run(int how, bool fromClient)
    {
        Pair<K> p;
        typename K::Socket *closer = fromClient ? &p.client : p.peer;
        typename K::Socket *other = fromClient ? p.peer : &p.client;
        other->write("unread by the closer");
        spinUntil([&] { return closer->bytesAvailable() == 20; });
        SignalLog closerLog(closer), otherLog(other);
        if (how == 0)
            closer->close();
        else if (how == 1)
            closer->disconnectFromServer();
        else
            closer->abort();
        const QStringList immediate = closerLog.entries()
            + QStringList{QStringLiteral("open %1, %2 bytes").arg(closer->isOpen()).arg(closer->bytesAvailable())};
        spinUntil([&] { return otherLog.entries().contains(QStringLiteral("disconnected")); });
        drainEvents();
        return QStringList{QStringLiteral("--closer")} + immediate + QStringList{QStringLiteral("--later")}
            + closerLog.entries().mid(immediate.size() - 1) + QStringList{QStringLiteral("--other")}
            + otherLog.entries() + QStringList{describe(*closer), describe(*other)};
    }
};

struct ReadBufferSize
{
    template <typename K>
    static QStringList run()
    {
        Pair<K> p;
        QStringList log;
        p.client.setReadBufferSize(4);
        p.peer->write("0123456789");
        QByteArray got;
        QObject::connect(&p.client, &QIODevice::readyRead, &p.client, [&] {
            log << QStringLiteral("available %1").arg(p.client.bytesAvailable() <= 4);
            got += p.client.readAll();
        });
        spinUntil([&] { return got.size() == 10; });
        log.removeDuplicates();
        log << QString::fromLatin1(got);
        return log;
    }
};

// A reader that does not read until the limit rises: raising it announces
// the bytes it lets through (readyRead() from the event loop).
struct RaisingReadBufferSize
{
    template <typename K>
    static QStringList run()
    {
        Pair<K> p;
        QStringList log;
        p.client.setReadBufferSize(4);
        int readyReads = 0;
        QObject::connect(&p.client, &QIODevice::readyRead, &p.client, [&] { ++readyReads; });
        p.peer->write("0123456789");
        log << QStringLiteral("first readyRead %1").arg(spinUntil([&] { return readyReads > 0; }));
        log << QStringLiteral("available %1").arg(p.client.bytesAvailable() <= 4);
        readyReads = 0;
        p.client.setReadBufferSize(0);
        log << QStringLiteral("readyRead after raising %1").arg(spinUntil([&] { return readyReads > 0; }, 2000));
        log << QString::fromLatin1(p.client.readAll());
        return log;
    }
};

struct ManyClients
{
    template <typename K>
    static QStringList run()
    {
        const QString name = uniqueName("many");
        typename K::Server server;
        server.listen(K::address(name));
        int announced = 0;
        QObject::connect(&server, &K::Server::newConnection, &server, [&] { ++announced; });
        std::vector<std::unique_ptr<typename K::Socket>> clients;
        for (int i = 0; i < 20; ++i) {
            clients.push_back(std::make_unique<typename K::Socket>());
            clients.back()->connectToServer(K::address(name));
            clients.back()->write(QByteArray::number(i).rightJustified(2, '0'));
        }
        spinUntil([&] { return announced == 20; });
        QStringList got;
        while (auto *s = server.nextPendingConnection()) {
            spinUntil([&] { return s->bytesAvailable() >= 2; });
            got << QString::fromLatin1(s->readAll());
        }
        got.sort();
        return QStringList{QString::number(announced)} + got;
    }
};

struct MaxPendingZero
{
    template <typename K>
    static QStringList run()
    {
        const QString name = uniqueName("max0");
        typename K::Server server;
        server.setMaxPendingConnections(0);
        server.listen(K::address(name));
        int announced = 0;
        QObject::connect(&server, &K::Server::newConnection, &server, [&] { ++announced; });
        typename K::Socket client;
        client.connectToServer(K::address(name));
        QTest::qWait(50);
        QStringList log{QString::number(server.hasPendingConnections()), QString::number(announced)};
        bool timedOut = true;
        log << QString::number(server.waitForNewConnection(500, &timedOut)) << QString::number(timedOut);
        log << QString::number(server.hasPendingConnections()) << QString::number(announced);
        auto *s = server.nextPendingConnection();
        log << QString::number(s != nullptr);
        if (s) {
            spinUntil([&] { return int(client.state()) == int(QAbstractSocket::ConnectedState); });
            client.write("through");
            spinUntil([&] { return s->bytesAvailable() == 7; });
            log << QString::fromLatin1(s->readAll());
        }
        server.setMaxPendingConnections(-3);
        log << QString::number(server.maxPendingConnections());
        return log;
    }
};

struct WaitForNewConnection
{
    template <typename K>
    static QStringList run()
    {
        typename K::Server server;
        QStringList log;
        bool timedOut = true;
        log << QString::number(server.waitForNewConnection(50, &timedOut)) << QString::number(timedOut);
        server.listen(K::address(uniqueName("wfnc")));
        timedOut = false;
        log << QString::number(server.waitForNewConnection(50, &timedOut)) << QString::number(timedOut);
        return log;
    }
};

struct Names
{
    template <typename K>
    static QStringList run()
    {
        const QString name = uniqueName("names");
        QStringList log;
        typename K::Socket fresh;
        log << QString::number(fresh.serverName().isEmpty()) << QString::number(fresh.fullServerName().isEmpty());
        typename K::Socket failed;
        failed.connectToServer(K::address(name));   // nobody listens
        drainEvents();
        log << describe(failed) << QString::number(failed.serverName().isEmpty())
            << QString::number(failed.fullServerName().isEmpty());
        typename K::Server server;
        log << QString::number(server.listen(K::address(name)));
        log << QString::number(server.serverName() == K::address(name));
        typename K::Socket client;
        client.connectToServer(K::address(name));
        client.waitForConnected(1000);
        log << QString::number(client.serverName() == K::address(name))
            << QString::number(client.fullServerName().isEmpty());
        auto *peer = accept(server);
        client.disconnectFromServer();
        log << QString::number(client.serverName().isEmpty()) << QString::number(client.fullServerName().isEmpty());
        spinUntil([&] { return int(peer->state()) == 0; });
        log << QString::number(peer->serverName().isEmpty());
        server.close();
        log << QString::number(server.serverName().isEmpty()) << QString::number(server.isListening());
        typename K::Server again;
        log << QString::number(again.listen(K::address(name)));   // reused at once
        return log;
    }
};

struct OpenWithDefaultMode
{
    template <typename K>
    static QStringList run()
    {
        const QString name = uniqueName("open");
        typename K::Server server;
        server.listen(K::address(name));
        typename K::Socket socket;
        socket.setServerName(K::address(name));
        QStringList log{QString::number(socket.open())};
        socket.waitForConnected(1000);
        log << describe(socket) << QString::number(int(socket.openMode() & QIODevice::ReadWrite));
        return log;
    }
};

struct ServerCloseWithPendingClients
{
    template <typename K>
    static QStringList run()
    {
        const QString name = uniqueName("srv-close");
        typename K::Server server;
        server.listen(K::address(name));
        typename K::Socket client;
        SignalLog log(&client);
        client.connectToServer(K::address(name));
        client.waitForConnected(1000);
        server.waitForNewConnection(500);   // pending, not taken
        server.close();
        spinUntil([&] { return log.entries().contains(QStringLiteral("disconnected")); }, 2000);
        drainEvents();
        return log.entries() + QStringList{describe(client)};
    }
};

struct DeleteLaterInsideDisconnected
{
    template <typename K>
    static QStringList run()
    {
        Pair<K> p;
        QPointer<typename K::Socket> peer(p.peer);
        int disconnects = 0;
        QObject::connect(p.peer, &K::Socket::disconnected, p.peer, [&] {
            ++disconnects;
            peer->deleteLater();
        });
        p.client.write("bye");
        p.client.disconnectFromServer();
        spinUntil([&] { return peer.isNull(); });
        return {QString::number(disconnects), QString::number(peer.isNull())};
    }
};

struct FreshSocket
{
    template <typename K>
    static QStringList run()
    {
        typename K::Socket s;
        SignalLog log(&s);
        QStringList out{describe(s), s.errorString()};
        s.abort();
        s.close();
        s.disconnectFromServer();
        drainEvents();
        return out + log.entries();
    }
};

template <typename Scenario, typename... Args>
void compareWithQt(Args... args)
{
    QFETCH(bool, buffered);
    const QStringList qt = Scenario::template run<LocalKit>(args...);
    const QStringList mem = buffered ? Scenario::template run<MemKit<true>>(args...)
                                     : Scenario::template run<MemKit<false>>(args...);
    if (mem != qt)
        qInfo().noquote() << "QLocalSocket:" << qt.join(QLatin1Char('|')) << "\nMemSocket:   "
                          << mem.join(QLatin1Char('|'));
    QCOMPARE(mem, qt);
}

void networkRows()
{
    QTest::addColumn<bool>("buffered");
    QTest::newRow("memu") << false;
    QTest::newRow("memb") << true;
}
} // namespace

class tst_Fidelity : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // Same scenario, Qt's answer expected.
    void basicIO_data() { networkRows(); }
    void basicIO() { compareWithQt<BasicIO>(); }
    void readLine_data() { networkRows(); }
    void readLine() { compareWithQt<ReadLine>(); }
    void skipPeekGetChar_data() { networkRows(); }
    void skipPeekGetChar() { compareWithQt<SkipPeekGetChar>(); }
    void transactions_data() { networkRows(); }
    void transactions() { compareWithQt<Transactions>(); }
    void blockingReaderThread_data() { networkRows(); }
    void blockingReaderThread() { compareWithQt<BlockingReaderThread>(); }
    void waitForReadyReadTimesOut_data() { networkRows(); }
    void waitForReadyReadTimesOut() { compareWithQt<WaitForReadyReadTimesOut>(); }
    void waitForDisconnected_data() { networkRows(); }
    void waitForDisconnected() { compareWithQt<WaitForDisconnected>(); }
    void peerClosesWithUnreadData_data() { networkRows(); }
    void peerClosesWithUnreadData() { compareWithQt<PeerClosesWithUnreadData>(); }
    void disconnectAfterPeerClosed_data() { networkRows(); }
    void disconnectAfterPeerClosed() { compareWithQt<DisconnectAfterPeerClosed>(); }
    void closeFromEitherSide_data();
    void closeFromEitherSide();
    void readBufferSize_data() { networkRows(); }
    void readBufferSize() { compareWithQt<ReadBufferSize>(); }
    void raisingReadBufferSize_data() { networkRows(); }
    void raisingReadBufferSize() { compareWithQt<RaisingReadBufferSize>(); }
    void manyClients_data() { networkRows(); }
    void manyClients() { compareWithQt<ManyClients>(); }
    void maxPendingZero_data() { networkRows(); }
    void maxPendingZero() { compareWithQt<MaxPendingZero>(); }
    void waitForNewConnection_data() { networkRows(); }
    void waitForNewConnection() { compareWithQt<WaitForNewConnection>(); }
    void names_data() { networkRows(); }
    void names() { compareWithQt<Names>(); }
    void openWithDefaultMode_data() { networkRows(); }
    void openWithDefaultMode() { compareWithQt<OpenWithDefaultMode>(); }
    void serverCloseWithPendingClients_data() { networkRows(); }
    void serverCloseWithPendingClients() { compareWithQt<ServerCloseWithPendingClients>(); }
    void deleteLaterInsideDisconnected_data() { networkRows(); }
    void deleteLaterInsideDisconnected() { compareWithQt<DeleteLaterInsideDisconnected>(); }
    void freshSocket_data() { networkRows(); }
    void freshSocket() { compareWithQt<FreshSocket>(); }
    void waitForDisconnectedWhenUnconnectedWarns();

    // The server API QLocalServer lacks, against QTcpServer.
    void addPendingConnectionOfForeignSockets();
    void pauseAccepting();

    // Documented differences (README "Where MemConn differs from Qt", each
    // promised in memsocket.h or memserver.h): each checks MemConn's promise, and that Qt still differs.
    void differenceBytesWrittenFollowsPeerReads();
    void differenceBytesReadableBeforeReadyRead();
    void differenceFlushHasNothingToDo();
    void differenceClientsWaitInConnectingState();
    void differenceFullServerNameIsTheAddress();
};

void tst_Fidelity::closeFromEitherSide_data()
{
    QTest::addColumn<bool>("buffered");
    QTest::addColumn<int>("how");
    QTest::addColumn<bool>("fromClient");
    const char *hows[] = {"close", "disconnectFromServer", "abort"};
    for (bool buffered : {false, true})
        for (int how = 0; how < 3; ++how)
            for (bool fromClient : {true, false})
                QTest::addRow("%s %s by the %s", buffered ? "memb" : "memu", hows[how],
                              fromClient ? "client" : "server side")
                    << buffered << how << fromClient;
}

void tst_Fidelity::closeFromEitherSide()
{
    QFETCH(int, how);
    QFETCH(bool, fromClient);
    compareWithQt<CloseFromEitherSide>(how, fromClient);
}

void tst_Fidelity::waitForDisconnectedWhenUnconnectedWarns()
{
    QLocalSocket qt;
    QTest::ignoreMessage(QtWarningMsg, "QLocalSocket::waitForDisconnected() is not allowed in UnconnectedState");
    QVERIFY(!qt.waitForDisconnected(10));
    MemSocket mem;
    QTest::ignoreMessage(QtWarningMsg, "MemSocket::waitForDisconnected() is not allowed in UnconnectedState");
    QVERIFY(!mem.waitForDisconnected(10));
}

// QTcpServer returns whatever a subclass added, connected or not, without
// crashing; so does MemServer.
class TcpAdder : public QTcpServer
{
public:
    using QTcpServer::addPendingConnection;
};
class MemAdder : public MemServer
{
public:
    using MemServer::addPendingConnection;
    bool abortInIncoming = false;

protected:
    void incomingConnection(MemSocket *socket) override
    {
        addPendingConnection(socket);
        if (abortInIncoming)
            socket->abort();
    }
};

void tst_Fidelity::addPendingConnectionOfForeignSockets()
{
    TcpAdder tcp;
    QVERIFY(tcp.listen(QHostAddress::LocalHost));
    auto *qtForeign = new QTcpSocket;
    tcp.addPendingConnection(qtForeign);
    QTcpSocket *qtGot = tcp.nextPendingConnection();
    const QStringList qt{QString::number(qtGot == qtForeign), stateName(int(qtGot->state())),
                         QString::number(tcp.hasPendingConnections())};
    delete qtGot;

    MemAdder mem;
    QVERIFY(mem.listen(uniqueName("adder")));
    auto *memForeign = new MemSocket;
    mem.addPendingConnection(memForeign);
    MemSocket *memGot = mem.nextPendingConnection();
    const QStringList ours{QString::number(memGot == memForeign), stateName(int(memGot->state())),
                           QString::number(mem.hasPendingConnections())};
    delete memGot;
    QCOMPARE(ours, qt);

    // An incomingConnection() that adds the socket and then aborts it.
    mem.abortInIncoming = true;
    MemSocket client;
    client.connectToServer(mem.serverName());
    MemSocket *aborted = mem.nextPendingConnection();
    QVERIFY(aborted);
    QCOMPARE(aborted->state(), State::UnconnectedState);
    QVERIFY(!mem.nextPendingConnection());
    QVERIFY(spinUntil([&] { return client.state() == State::UnconnectedState; }));
}

// While paused neither server announces or hands out anyone; after resuming
// both do. (A paused QTcpServer's clients are connected by the kernel; a paused
// MemServer's wait in ConnectingState: memserver.h, pauseAccepting().)
void tst_Fidelity::pauseAccepting()
{
    const auto observe = [](auto &server, auto connectClient) {
        int announced = 0;
        QObject::connect(&server, &std::remove_reference_t<decltype(server)>::newConnection, &server,
                         [&] { ++announced; });
        server.pauseAccepting();
        auto client = connectClient();
        QTest::qWait(50);
        QStringList log{QString::number(server.hasPendingConnections()), QString::number(announced)};
        server.resumeAccepting();
        spinUntil([&] { return announced == 1; });
        log << QString::number(server.hasPendingConnections()) << QString::number(announced)
            << QString::number(server.nextPendingConnection() != nullptr);
        return log;
    };
    QTcpServer tcp;
    QVERIFY(tcp.listen(QHostAddress::LocalHost));
    const QStringList qt = observe(tcp, [&] {
        auto s = std::make_unique<QTcpSocket>();
        s->connectToHost(QHostAddress::LocalHost, tcp.serverPort());
        return s;
    });
    MemServer mem;
    QVERIFY(mem.listen(uniqueName("pause")));
    const QStringList ours = observe(mem, [&] {
        auto s = std::make_unique<MemSocket>();
        s->connectToServer(mem.serverName());
        return s;
    });
    QCOMPARE(ours, qt);
}

// memsocket.h, bytesToWrite()/waitForBytesWritten(): on memu a write counts
// as written once the peer's application has read it (Go's memconn).
void tst_Fidelity::differenceBytesWrittenFollowsPeerReads()
{
    Pair<LocalKit> qt;
    QSignalSpy qtWritten(&qt.client, &QIODevice::bytesWritten);
    qt.client.write("12345");
    QVERIFY(spinUntil([&] { return !qtWritten.isEmpty(); }));
    QCOMPARE(qt.client.bytesToWrite(), 0);   // the kernel took it: written, though nobody read it

    Pair<MemKit<false>> mem;
    QSignalSpy memWritten(&mem.client, &QIODevice::bytesWritten);
    mem.client.write("12345");
    drainEvents();
    QCOMPARE(memWritten.size(), 0);             // nobody read it yet
    QCOMPARE(mem.client.bytesToWrite(), 5);
    QCOMPARE(mem.peer->readAll(), QByteArray("12345"));
    QVERIFY(spinUntil([&] { return memWritten.size() == 1; }));
    QCOMPARE(memWritten.at(0).at(0).toLongLong(), 5);
    QCOMPARE(mem.client.bytesToWrite(), 0);
}

// memsocket.h, write(): the bytes are handed to the peer at once, so the peer's
// bytesAvailable() counts them before its readyRead() announces them; the
// kernel makes QLocalSocket's reader wait for its event loop.
void tst_Fidelity::differenceBytesReadableBeforeReadyRead()
{
    Pair<LocalKit> qt;
    qt.client.write("now");
    qt.client.flush();
    QCOMPARE(qt.peer->bytesAvailable(), 0);
    Pair<MemKit<false>> mem;
    QSignalSpy ready(mem.peer, &QIODevice::readyRead);
    mem.client.write("now");
    QCOMPARE(mem.peer->bytesAvailable(), 3);
    QCOMPARE(ready.size(), 0);   // announced through the event loop
    QVERIFY(spinUntil([&] { return ready.size() == 1; }));
}

// memsocket.h, flush(): nothing ever waits to be flushed.
void tst_Fidelity::differenceFlushHasNothingToDo()
{
    Pair<LocalKit> qt;
    qt.client.write("x");
    QVERIFY(qt.client.flush());
    Pair<MemKit<false>> mem;
    mem.client.write("x");
    QVERIFY(!mem.client.flush());
    QCOMPARE(mem.peer->bytesAvailable(), 1);   // already there
}

// memserver.h, setMaxPendingConnections(): beyond the backlog a client waits
// in ConnectingState; the kernel connects QLocalSocket's at once.
void tst_Fidelity::differenceClientsWaitInConnectingState()
{
    const QString name = uniqueName("backlog");
    QLocalServer qtServer;
    qtServer.setMaxPendingConnections(0);
    QVERIFY(qtServer.listen(name));
    QLocalSocket qtClient;
    qtClient.connectToServer(name);
    QCOMPARE(qtClient.state(), QLocalSocket::ConnectedState);
    MemServer memServer;
    memServer.setMaxPendingConnections(0);
    QVERIFY(memServer.listen(name));
    MemSocket memClient;
    memClient.connectToServer(name);
    QCOMPARE(memClient.state(), State::ConnectingState);
    memServer.setMaxPendingConnections(1);
    QVERIFY(spinUntil([&] { return memClient.state() == State::ConnectedState; }));
}

// memsocket.h, fullServerName(): the network and name, not a socket file.
void tst_Fidelity::differenceFullServerNameIsTheAddress()
{
    const QString name = uniqueName("full");
    QLocalSocket qt;
    qt.setServerName(name);
    QLocalServer qtServer;
    QVERIFY(qtServer.listen(name));
    qt.connectToServer();
    QVERIFY(qt.waitForConnected(1000));
    QVERIFY(qt.fullServerName().startsWith(QLatin1Char('/')));   // a path in the file system
    MemServer server;
    QVERIFY(server.listen(name));
    MemSocket mem;
    mem.connectToServer(name);
    QCOMPARE(mem.fullServerName(), QStringLiteral("memu:") + name);
}

QTEST_MAIN(tst_Fidelity)
#include "tst_fidelity.moc"
