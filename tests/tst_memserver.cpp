// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// MemServer: accepting, the backlog, closing, waiting, subclassing (memserver.h).
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/qthread.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <memory>
#include <vector>

#include "testutil.h"

using State = QAbstractSocket::SocketState;

class tst_MemServer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void newConnectionThroughEventLoopOncePerConnection();
    void pendingAsSoonAsConnected();
    void pendingSocketsAreOwnedByTheServer();
    void backlogWaitsInArrivalOrder();
    void pauseAndResumeAccepting();
    void raisingMaxPendingAdmitsWaiters();
    void closeRefusesBacklogAndClosesUntaken();
    void destructionClosesUntaken();
    void waitForNewConnectionNotListening();
    void waitForNewConnectionTimesOut();
    void waitForNewConnectionFromAnotherThread();
    void waitForNewConnectionAnnouncesEarlierArrivals();
    void nextPendingWithNothingPending();
    void subclassHandsSocketsToWorkerThreads();
    void movedServerKeepsAccepting();
    void dataBeforeAcceptIsDelivered();
};

void tst_MemServer::newConnectionThroughEventLoopOncePerConnection()
{
    const QString name = uniqueName("nc");
    MemServer server;
    QVERIFY(server.listen(name));
    QSignalSpy spy(&server, &MemServer::newConnection);
    MemSocket a, b, c;
    a.connectToServer(name);
    b.connectToServer(name);
    c.connectToServer(name);
    QCOMPARE(spy.size(), 0);   // never from inside connectToServer()
    drainEvents();
    QCOMPARE(spy.size(), 3);
    drainEvents();
    QCOMPARE(spy.size(), 3);
    int taken = 0;
    while (server.nextPendingConnection())
        ++taken;
    QCOMPARE(taken, 3);
}

void tst_MemServer::pendingAsSoonAsConnected()
{
    const QString name = uniqueName("pending");
    MemServer server;
    QVERIFY(server.listen(name));
    QVERIFY(!server.hasPendingConnections());
    MemSocket client;
    client.connectToServer(name);
    QVERIFY(server.hasPendingConnections());
    MemSocket *socket = server.nextPendingConnection();
    QVERIFY(socket);
    QCOMPARE(socket->state(), QAbstractSocket::ConnectedState);
    QVERIFY(socket->isOpen());
    QVERIFY(!server.hasPendingConnections());
    QCOMPARE(server.nextPendingConnection(), nullptr);
}

void tst_MemServer::pendingSocketsAreOwnedByTheServer()
{
    const QString name = uniqueName("parent");
    auto server = std::make_unique<MemServer>();
    QVERIFY(server->listen(name));
    MemSocket client;
    client.connectToServer(name);
    QPointer<MemSocket> taken = server->nextPendingConnection();
    QVERIFY(taken);
    QVERIFY(taken->parent());
    QVERIFY(server->findChildren<MemSocket *>().contains(taken));   // a descendant, owned by it
    QCOMPARE(taken->thread(), server->thread());
    QSignalSpy gone(&client, &MemSocket::disconnected);
    server.reset();   // children go with the server, as with QTcpServer
    QVERIFY(!taken);
    QVERIFY(gone.wait(2000));
}

void tst_MemServer::backlogWaitsInArrivalOrder()
{
    const QString name = uniqueName("backlog");
    MemServer server;
    QCOMPARE(server.maxPendingConnections(), 30);
    server.setMaxPendingConnections(2);
    QVERIFY(server.listen(name));
    std::vector<std::unique_ptr<MemSocket>> clients;
    for (int i = 0; i < 5; ++i) {
        clients.push_back(std::make_unique<MemSocket>());
        clients.back()->connectToServer(name);
        clients.back()->write(QByteArray::number(i));
    }
    QCOMPARE(clients[0]->state(), State::ConnectedState);
    QCOMPARE(clients[1]->state(), State::ConnectedState);
    for (int i = 2; i < 5; ++i)
        QCOMPARE(clients[i]->state(), State::ConnectingState);

    QSignalSpy connected2(clients[2].get(), &MemSocket::connected);
    QSignalSpy connected3(clients[3].get(), &MemSocket::connected);
    MemSocket *first = server.nextPendingConnection();
    QVERIFY(first);
    QVERIFY(spinUntil([&] { return connected2.size() == 1; }));
    QCOMPARE(clients[3]->state(), State::ConnectingState);   // still no room for the next one
    QCOMPARE(connected3.size(), 0);

    // Sockets come out in arrival order, and each has its client's bytes.
    QList<MemSocket *> order{first};
    while (order.size() < 5) {
        MemSocket *s = server.nextPendingConnection();
        if (!s) {
            drainEvents();
            continue;
        }
        order.append(s);
    }
    for (int i = 0; i < 5; ++i) {
        QVERIFY(spinUntil([&] { return clients[i]->state() == State::ConnectedState; }));
        QCOMPARE(order[i]->peerName(), clients[i]->localName());
    }
    // The first two were connected when they wrote; the others' writes returned -1.
    QCOMPARE(order[0]->readAll(), QByteArray("0"));
    QCOMPARE(order[1]->readAll(), QByteArray("1"));
}

void tst_MemServer::pauseAndResumeAccepting()
{
    const QString name = uniqueName("pause");
    MemServer server;
    QVERIFY(server.listen(name));
    server.pauseAccepting();
    MemSocket a, b;
    a.connectToServer(name);
    b.connectToServer(name);
    QCOMPARE(a.state(), State::ConnectingState);
    QCOMPARE(b.state(), State::ConnectingState);
    QVERIFY(!server.hasPendingConnections());
    drainEvents();
    QCOMPARE(a.state(), State::ConnectingState);
    QSignalSpy ca(&a, &MemSocket::connected);
    server.resumeAccepting();
    QVERIFY(spinUntil([&] { return a.state() == State::ConnectedState && b.state() == State::ConnectedState; }));
    QCOMPARE(ca.size(), 1);
    MemSocket *first = server.nextPendingConnection();
    QVERIFY(first);
    QCOMPARE(first->peerName(), a.localName());
}

void tst_MemServer::raisingMaxPendingAdmitsWaiters()
{
    const QString name = uniqueName("raise");
    MemServer server;
    server.setMaxPendingConnections(0);
    QVERIFY(server.listen(name));
    MemSocket a;
    a.connectToServer(name);
    QCOMPARE(a.state(), State::ConnectingState);
    server.setMaxPendingConnections(1);
    QVERIFY(spinUntil([&] { return a.state() == State::ConnectedState; }));
}

void tst_MemServer::closeRefusesBacklogAndClosesUntaken()
{
    const QString name = uniqueName("closing");
    MemServer server;
    server.setMaxPendingConnections(2);
    QVERIFY(server.listen(name));
    MemSocket taken, untaken1, untaken2, waiting;
    taken.connectToServer(name);
    MemSocket *takenPeer = server.nextPendingConnection();
    QVERIFY(takenPeer);
    untaken1.connectToServer(name);
    drainEvents();   // one materialised as a pending socket...
    untaken2.connectToServer(name);   // ...and one not yet
    waiting.connectToServer(name);
    QCOMPARE(waiting.state(), State::ConnectingState);

    QSignalSpy refused(&waiting, &MemSocket::errorOccurred);
    QSignalSpy closed1(&untaken1, &MemSocket::errorOccurred);
    QSignalSpy closed2(&untaken2, &MemSocket::errorOccurred);
    QSignalSpy takenErrors(&taken, &MemSocket::errorOccurred);
    server.close();
    QVERIFY(!MemServer::serverNames().contains(name));

    QVERIFY(spinUntil([&] { return refused.size() && closed1.size() && closed2.size(); }));
    QCOMPARE(waiting.error(), QAbstractSocket::ConnectionRefusedError);
    QCOMPARE(waiting.state(), State::UnconnectedState);
    QVERIFY2(waiting.errorString().contains(name), qPrintable(waiting.errorString()));
    QCOMPARE(untaken1.error(), QAbstractSocket::RemoteHostClosedError);
    QCOMPARE(untaken2.error(), QAbstractSocket::RemoteHostClosedError);
    QCOMPARE(untaken1.state(), State::UnconnectedState);
    QCOMPARE(untaken2.state(), State::UnconnectedState);

    // The taken connection is unaffected.
    drainEvents();
    QCOMPARE(takenErrors.size(), 0);
    QCOMPARE(taken.state(), State::ConnectedState);
    QCOMPARE(taken.write("still here"), 10);
    QVERIFY(spinUntil([&] { return takenPeer->bytesAvailable() == 10; }));
    QCOMPARE(takenPeer->readAll(), QByteArray("still here"));
}

void tst_MemServer::destructionClosesUntaken()
{
    const QString name = uniqueName("dtor");
    auto server = std::make_unique<MemServer>();
    QVERIFY(server->listen(name));
    MemSocket client;
    client.connectToServer(name);
    QCOMPARE(client.state(), State::ConnectedState);
    server.reset();
    QVERIFY(spinUntil([&] { return client.state() == State::UnconnectedState; }));
    QCOMPARE(client.error(), QAbstractSocket::RemoteHostClosedError);
}

void tst_MemServer::waitForNewConnectionNotListening()
{
    MemServer server;
    bool timedOut = true;
    QElapsedTimer t;
    t.start();
    QVERIFY(!server.waitForNewConnection(5000, &timedOut));
    QVERIFY(!timedOut);
    QVERIFY(t.elapsed() < 1000);
}

void tst_MemServer::waitForNewConnectionTimesOut()
{
    MemServer server;
    QVERIFY(server.listen(uniqueName("wfnc")));
    bool timedOut = false;
    QElapsedTimer t;
    t.start();
    QVERIFY(!server.waitForNewConnection(50, &timedOut));
    QVERIFY(timedOut);
    QVERIFY(t.elapsed() >= 45);
    timedOut = false;
    QVERIFY(!server.waitForNewConnection(QDeadlineTimer(20), &timedOut));
    QVERIFY(timedOut);
}

void tst_MemServer::waitForNewConnectionFromAnotherThread()
{
    const QString name = uniqueName("wfnc-thread");
    MemServer server;
    QVERIFY(server.listen(name));
    QSignalSpy spy(&server, &MemServer::newConnection);
    std::unique_ptr<QThread> thread(QThread::create([name] {
        MemSocket client;
        client.connectToServer(name);
        client.write("hello");
        client.waitForDisconnected(5000);
    }));
    thread->start();
    bool timedOut = true;
    QVERIFY(server.waitForNewConnection(5000, &timedOut));
    QVERIFY(!timedOut);
    QCOMPARE(spy.size(), 1);   // emitted from inside the wait, as QLocalServer does
    MemSocket *socket = server.nextPendingConnection();
    QVERIFY(socket);
    QVERIFY(socket->bytesAvailable() == 5 || socket->waitForReadyRead(5000));
    QCOMPARE(socket->readAll(), QByteArray("hello"));
    socket->close();
    QVERIFY(thread->wait(5000));
}

void tst_MemServer::waitForNewConnectionAnnouncesEarlierArrivals()
{
    const QString name = uniqueName("wfnc-early");
    MemServer server;
    QVERIFY(server.listen(name));
    QSignalSpy spy(&server, &MemServer::newConnection);
    MemSocket client;
    client.connectToServer(name);   // before the wait, and no event loop turn
    bool timedOut = true;
    QVERIFY(server.waitForNewConnection(0, &timedOut));
    QVERIFY(!timedOut);
    QCOMPARE(spy.size(), 1);
    QVERIFY(server.nextPendingConnection());
    drainEvents();
    QCOMPARE(spy.size(), 1);
}

void tst_MemServer::nextPendingWithNothingPending()
{
    MemServer server;
    QCOMPARE(server.nextPendingConnection(), nullptr);
    QVERIFY(server.listen(uniqueName("none")));
    QCOMPARE(server.nextPendingConnection(), nullptr);
}

// The threaded-server pattern: each connection is handed to a worker thread.
class ThreadedServer : public MemServer
{
public:
    QList<QThread *> threads;
    ~ThreadedServer() override
    {
        for (QThread *t : std::as_const(threads)) {
            t->quit();
            t->wait();
            delete t;
        }
    }

protected:
    void incomingConnection(MemSocket *socket) override
    {
        auto *thread = new QThread;
        threads.append(thread);
        socket->setParent(nullptr);
        socket->moveToThread(thread);
        // An echo in the worker thread; the socket is deleted there when done.
        QObject::connect(socket, &MemSocket::readyRead, socket, [socket] { socket->write(socket->readAll()); });
        QObject::connect(socket, &MemSocket::disconnected, socket, &QObject::deleteLater);
        thread->start();
    }
};

void tst_MemServer::subclassHandsSocketsToWorkerThreads()
{
    const QString name = uniqueName("threaded");
    ThreadedServer server;
    QVERIFY(server.listen(name));
    QSignalSpy spy(&server, &MemServer::newConnection);
    std::vector<std::unique_ptr<MemSocket>> clients;
    for (int i = 0; i < 4; ++i) {
        clients.push_back(std::make_unique<MemSocket>());
        clients.back()->connectToServer(name);
        clients.back()->write(QByteArray("ping ") + QByteArray::number(i));
    }
    QVERIFY(spinUntil([&] { return spy.size() == 4; }));
    QVERIFY(!server.hasPendingConnections());
    for (int i = 0; i < 4; ++i) {
        QByteArray got;
        const QByteArray want = QByteArray("ping ") + QByteArray::number(i);
        QVERIFY(spinUntil([&] {
            got += clients[i]->readAll();
            return got.size() >= want.size();
        }));
        QCOMPARE(got, want);
    }
    QCOMPARE(server.threads.size(), 4);
    clients.clear();
}

void tst_MemServer::movedServerKeepsAccepting()
{
    const QString name = uniqueName("moved");
    QThread thread;
    auto *server = new MemServer;
    QVERIFY(server->listen(name));
    MemSocket early;
    early.connectToServer(name);   // pending when the server moves
    QObject::connect(server, &MemServer::newConnection, server, [server] {
        while (MemSocket *s = server->nextPendingConnection()) {
            QObject::connect(s, &MemSocket::readyRead, s, [s] { s->write(s->readAll().toUpper()); });
            if (s->bytesAvailable())
                s->write(s->readAll().toUpper());
        }
    });
    server->moveToThread(&thread);
    QObject::connect(&thread, &QThread::finished, server, &QObject::deleteLater);
    thread.start();

    MemSocket late;
    late.connectToServer(name);
    early.write("early");
    late.write("late");
    QByteArray e, l;
    QVERIFY(spinUntil([&] {
        e += early.readAll();
        l += late.readAll();
        return e.size() == 5 && l.size() == 4;
    }));
    QCOMPARE(e, QByteArray("EARLY"));
    QCOMPARE(l, QByteArray("LATE"));
    thread.quit();
    QVERIFY(thread.wait(5000));
    QVERIFY(spinUntil([&] { return early.state() == State::UnconnectedState; }));
}

void tst_MemServer::dataBeforeAcceptIsDelivered()
{
    const QString name = uniqueName("early-data");
    MemServer server;
    QVERIFY(server.listen(name));
    QByteArray received;
    bool sawDisconnect = false;
    QObject::connect(&server, &MemServer::newConnection, &server, [&] {
        MemSocket *s = server.nextPendingConnection();
        QObject::connect(s, &MemSocket::readyRead, s, [&received, s] { received += s->readAll(); });
        QObject::connect(s, &MemSocket::disconnected, s, [&sawDisconnect] { sawDisconnect = true; });
    });
    {
        MemSocket client;
        client.connectToServer(name);
        QCOMPARE(client.write("12345678"), 8);
    }   // connect, write and close before the server's event loop ran once
    QVERIFY(spinUntil([&] { return sawDisconnect; }));
    QCOMPARE(received, QByteArray("12345678"));
}

QTEST_GUILESS_MAIN(tst_MemServer)
#include "tst_memserver.moc"
