// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// MemTcpSocket/MemTcpServer promises beyond what tst_tcpsidebyside compares
// with real TCP: which listening address a host name reaches, in-memory ports
// beside the kernel's, the threaded-server hook, pausing, moving a connected
// socket between threads, and the refused engine-only calls.
#include "testutil.h"

#include <MemConn/MemConn>
#include <MemConn/MemTcpServer>
#include <MemConn/MemTcpSocket>

#include <QtCore/qdatastream.h>
#include <QtNetwork/qtcpserver.h>

class tst_MemTcp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void addressFamilies_data();
    void addressFamilies();
    void portsBesideTheKernels();
    void refusalNamesTheAddress();
    void refusalTextsNameTheAddressOnce();
    void threadedServerHook();
    void pauseAndResume();
    void moveToThreadWhileConnected();
    void engineOnlyCallsRefused();
    void memuNetwork();
    void deletedWithPendingConnections();
};

void tst_MemTcp::addressFamilies_data()
{
    QTest::addColumn<int>("listenOn");   // QHostAddress::SpecialAddress
    QTest::addColumn<QString>("host");
    QTest::addColumn<bool>("reached");
    const struct
    {
        QHostAddress::SpecialAddress address;
        const char *label;
        bool v4, v6;   // reached from 127.0.0.1, from ::1 (localhost: always)
    } servers[] = {
        {QHostAddress::Any, "Any", true, true},
        {QHostAddress::AnyIPv4, "AnyIPv4", true, false},
        {QHostAddress::AnyIPv6, "AnyIPv6", false, true},
        {QHostAddress::LocalHost, "LocalHost", true, false},
        {QHostAddress::LocalHostIPv6, "LocalHostIPv6", false, true},
    };
    for (const auto &s : servers) {
        QTest::addRow("%s from localhost", s.label) << int(s.address) << QStringLiteral("localhost") << true;
        QTest::addRow("%s from 127.0.0.1", s.label) << int(s.address) << QStringLiteral("127.0.0.1") << s.v4;
        QTest::addRow("%s from ::1", s.label) << int(s.address) << QStringLiteral("::1") << s.v6;
        QTest::addRow("%s from another host", s.label) << int(s.address) << QStringLiteral("example.test") << false;
    }
}

void tst_MemTcp::addressFamilies()
{
    QFETCH(int, listenOn);
    QFETCH(QString, host);
    QFETCH(bool, reached);
    MemTcpServer server;
    QVERIFY(server.listen(QHostAddress(QHostAddress::SpecialAddress(listenOn)), 0));
    QTcpSocket *socket = new MemTcpSocket(this);
    socket->connectToHost(host, server.serverPort());
    QCOMPARE(socket->waitForConnected(2000), reached);
    if (reached) {
        QCOMPARE(socket->peerPort(), server.serverPort());
        QVERIFY(socket->peerAddress().isLoopback());
        QCOMPARE(socket->localAddress(), socket->peerAddress());
        QVERIFY(server.waitForNewConnection(2000));
        QTcpSocket *peer = server.nextPendingConnection();
        QVERIFY(peer);
        QCOMPARE(peer->peerPort(), socket->localPort());
        QCOMPARE(peer->peerAddress(), socket->localAddress());
        QCOMPARE(peer->localPort(), server.serverPort());
    } else {
        QCOMPARE(socket->error(), QAbstractSocket::ConnectionRefusedError);
    }
    delete socket;
}

void tst_MemTcp::portsBesideTheKernels()
{
    // A real server and an in-memory one on the same port at the same time.
    QTcpServer real;
    QVERIFY(real.listen(QHostAddress::LocalHost, 0));
    MemTcpServer mem;
    QVERIFY2(mem.listen(QHostAddress::LocalHost, real.serverPort()), qPrintable(mem.errorString()));
    QCOMPARE(mem.serverPort(), real.serverPort());
    QCOMPARE(mem.serverAddress(), QHostAddress(QHostAddress::LocalHost));
    QTcpSocket kernelClient;
    kernelClient.connectToHost(QHostAddress::LocalHost, real.serverPort());
    QVERIFY(kernelClient.waitForConnected(5000));
    QVERIFY(real.waitForNewConnection(5000));
    MemTcpSocket memClient;
    memClient.connectToHost(QHostAddress::LocalHost, mem.serverPort());
    QVERIFY(memClient.waitForConnected(5000));
    QCOMPARE(memClient.socketDescriptor(), qintptr(-1));
    // Port 0: a free in-memory port, different for each server.
    MemTcpServer a, b;
    QVERIFY(a.listen(QHostAddress::LocalHost, 0));
    QVERIFY(b.listen(QHostAddress::Any, 0));
    QVERIFY(a.serverPort() != 0 && b.serverPort() != 0 && a.serverPort() != b.serverPort());
    // The same port twice: AddressInUseError naming it.
    MemTcpServer clash;
    QVERIFY(!clash.listen(QHostAddress::LocalHost, a.serverPort()));
    QCOMPARE(clash.serverError(), QAbstractSocket::AddressInUseError);
    QVERIFY2(clash.errorString().contains(QStringLiteral("127.0.0.1:%1").arg(a.serverPort())),
             qPrintable(clash.errorString()));
    // close() frees the port before it returns, through either pointer.
    static_cast<QTcpServer &>(a).close();
    QVERIFY(!a.isListening());
    QVERIFY(clash.listen(QHostAddress::LocalHost, a.serverPort()));
}

void tst_MemTcp::refusalNamesTheAddress()
{
    MemTcpSocket socket;
    QSignalSpy errors(&socket, &QAbstractSocket::errorOccurred);
    socket.connectToHost(QStringLiteral("localhost"), 9);
    QVERIFY(spinUntil([&] { return socket.state() == QAbstractSocket::UnconnectedState; }));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(socket.error(), QAbstractSocket::ConnectionRefusedError);
    QVERIFY2(socket.errorString().contains(QStringLiteral("localhost:9")), qPrintable(socket.errorString()));
}

// Each refusal names HOST:PORT once and says why, from the Failure table:
// nothing listening, network conditions, and a server that closed while the
// client waited in its backlog (the client ends unconnected, not connecting).
void tst_MemTcp::refusalTextsNameTheAddressOnce()
{
    auto once = [](const QString &text, const QString &address) {
        return text.count(address) == 1;
    };
    MemTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    const quint16 port = server.serverPort();
    const QString address = QStringLiteral("127.0.0.1:%1").arg(port);
    {
        MemConn::Conditions c;
        c.refuse = true;
        MemConn::setConditions(address, c);
        MemTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(!socket.waitForConnected(5000));
        QCOMPARE(socket.error(), QAbstractSocket::ConnectionRefusedError);
        QVERIFY2(once(socket.errorString(), address) && socket.errorString().contains(QStringLiteral("network conditions")),
                 qPrintable(socket.errorString()));
        MemConn::clearConditions(address);
    }
    {
        server.pauseAccepting();   // the client waits in the backlog
        MemTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        QCOMPARE(socket.state(), QAbstractSocket::ConnectingState);
        server.close();
        QVERIFY(spinUntil([&] { return socket.state() == QAbstractSocket::UnconnectedState; }, 2000));
        QCOMPARE(socket.error(), QAbstractSocket::ConnectionRefusedError);
        QVERIFY2(once(socket.errorString(), address) && socket.errorString().contains(QStringLiteral("closed")),
                 qPrintable(socket.errorString()));
    }
    {
        MemTcpSocket socket;   // the server is gone: nothing listens
        socket.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(!socket.waitForConnected(5000));
        QCOMPARE(socket.error(), QAbstractSocket::ConnectionRefusedError);
        QVERIFY2(once(socket.errorString(), address) && socket.errorString().contains(QStringLiteral("listens")),
                 qPrintable(socket.errorString()));
    }
}

// A worker thread with an event loop that takes objects handed to it. The
// hand-over goes through a std::mutex (pushed to no thread, pulled in by the
// worker), as PeerThread's does, so that ThreadSanitizer sees the order.
class Worker
{
public:
    Worker()
    {
        m_thread.reset(QThread::create([this] { serve(); }));
        m_thread->start();
    }
    ~Worker()
    {
        {
            std::lock_guard lock(m_mutex);
            m_quit = true;
        }
        m_thread->wait();
    }
    void hand(QObject *object)
    {
        object->moveToThread(nullptr);
        std::lock_guard lock(m_mutex);
        m_incoming.push_back(object);
    }
    Q_DISABLE_COPY_MOVE(Worker)

private:
    void serve()
    {
        QEventLoop loop;
        QTimer poll;
        QObject::connect(&poll, &QTimer::timeout, &poll, [this, &loop] {
            std::vector<QObject *> arrived;
            bool quit;
            {
                std::lock_guard lock(m_mutex);
                arrived.swap(m_incoming);
                quit = m_quit;
            }
            for (QObject *object : arrived)
                object->moveToThread(QThread::currentThread());
            if (quit)
                loop.quit();
        });
        poll.start(1);
        loop.exec();
    }

    std::unique_ptr<QThread> m_thread;
    std::mutex m_mutex;
    std::vector<QObject *> m_incoming;
    bool m_quit = false;
};

// A threaded server: incomingConnection(MemTcpSocket *) hands each
// connection to a worker thread; those never count against the backlog.
class ThreadedServer : public MemTcpServer
{
public:
    Worker *worker = nullptr;
    int handed = 0;
    std::atomic<int> live{0};   // handed sockets not yet deleted (in the worker)

protected:
    void incomingConnection(MemTcpSocket *socket) override
    {
        ++handed;
        ++live;
        socket->setParent(nullptr);
        QObject::connect(socket, &QObject::destroyed, [this] { --live; });
        QObject::connect(socket, &QIODevice::readyRead, socket, [socket] {
            while (socket->canReadLine())
                socket->write(socket->readLine().toUpper());
        });
        QObject::connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
        worker->hand(socket);
    }
};

void tst_MemTcp::threadedServerHook()
{
    Worker worker;
    ThreadedServer server;
    server.worker = &worker;
    server.setMaxPendingConnections(1);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    int newConnections = 0;
    connect(&server, &QTcpServer::newConnection, this, [&] { ++newConnections; });
    std::vector<std::unique_ptr<MemTcpSocket>> clients;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<MemTcpSocket>());
        clients.back()->connectToHost(QHostAddress::LocalHost, server.serverPort());
    }
    for (auto &c : clients)
        QVERIFY(spinUntil([&] { return c->state() == QAbstractSocket::ConnectedState; }));
    QVERIFY(spinUntil([&] { return server.handed == 3; }));
    QCOMPARE(newConnections, 3);
    QVERIFY(!server.hasPendingConnections());
    for (auto &c : clients) {
        c->write("hello from a client\n");
        QVERIFY(c->waitForReadyRead(5000) || c->canReadLine());
        QVERIFY(spinUntil([&] { return c->canReadLine(); }));
        QCOMPARE(c->readLine(), QByteArray("HELLO FROM A CLIENT\n"));
    }
    clients.clear();
    // The worker deletes its sockets once told their clients left: only then
    // may it stop, or they would outlive it.
    QVERIFY(spinUntil([&] { return server.live == 0; }));
}

void tst_MemTcp::pauseAndResume()
{
    MemTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    server.pauseAccepting();
    MemTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, server.serverPort());
    drainEvents();
    QCOMPARE(client.state(), QAbstractSocket::ConnectingState);
    QVERIFY(!server.hasPendingConnections());
    server.resumeAccepting();
    QVERIFY(spinUntil([&] { return client.state() == QAbstractSocket::ConnectedState; }));
    QVERIFY(spinUntil([&] { return server.hasPendingConnections(); }));
    // Through a base pointer they are harmless (Qt's would crash on an
    // engine-less server), and listening continues.
    QTcpServer *base = &server;
    base->pauseAccepting();
    base->resumeAccepting();
    QVERIFY(base->isListening());
}

void tst_MemTcp::moveToThreadWhileConnected()
{
    MemTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    MemTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(client.waitForConnected(5000));
    QVERIFY(server.waitForNewConnection(5000));
    QTcpSocket *peer = server.nextPendingConnection();
    peer->setParent(nullptr);
    std::unique_ptr<QTcpSocket> owner(peer);
    QObject::connect(peer, &QIODevice::readyRead, peer, [peer] {
        while (peer->canReadLine())
            peer->write(peer->readLine());
    });
    QByteArray echoed;
    int lines = 0;
    QObject::connect(&client, &QIODevice::readyRead, &client, [&] { echoed += client.readAll(); });
    for (int round = 0; round < 4; ++round) {
        PeerThread elsewhere(peer);   // moved there while connected, and back after
        QVERIFY(peer->thread() != QThread::currentThread());
        for (int i = 0; i < 50; ++i, ++lines)
            client.write(QByteArray("line ") + QByteArray::number(lines) + '\n');
        QVERIFY(spinUntil([&] { return echoed.count('\n') == lines; }));
        bool valid = false;
        elsewhere.run([&] { valid = peer->isValid() && peer->state() == QAbstractSocket::ConnectedState; });
        QVERIFY(valid);
    }
    QCOMPARE(echoed.count('\n'), 200);
    QVERIFY(echoed.startsWith("line 0\nline 1\n"));
    QVERIFY(echoed.endsWith("line 199\n"));
}

void tst_MemTcp::engineOnlyCallsRefused()
{
    MemTcpSocket socket;
    QVERIFY(!socket.setSocketDescriptor(3));
    QCOMPARE(socket.error(), QAbstractSocket::UnsupportedSocketOperationError);
    QAbstractSocket *base = &socket;
    QVERIFY(!base->bind(QHostAddress::LocalHost, 0));
    QCOMPARE(socket.error(), QAbstractSocket::UnsupportedSocketOperationError);
    QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);
}

void tst_MemTcp::memuNetwork()
{
    // memu: written bytes count as written when the peer reads them.
    MemTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    MemTcpSocket client;
    client.setBuffered(false);
    QVERIFY(!client.isBuffered());
    client.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(client.waitForConnected(5000));
    QVERIFY(server.waitForNewConnection(5000));
    QTcpSocket *peer = server.nextPendingConnection();
    QSignalSpy written(&client, &QIODevice::bytesWritten);
    client.write("12345");
    QVERIFY(client.flush());
    QCOMPARE(client.bytesToWrite(), 5);   // handed over, not read yet
    QCOMPARE(bytesReported(written), 0);
    QVERIFY(spinUntil([&] { return peer->bytesAvailable() == 5; }));
    // The peer's read buffer took all five when it was told of them (as a
    // kernel's would): they count as read.
    QVERIFY(spinUntil([&] { return bytesReported(written) == 5; }));
    QCOMPARE(peer->read(3), QByteArray("123"));
    QCOMPARE(client.bytesToWrite(), 0);
    // memb (the default): the send window counts bytes written at once.
    MemTcpSocket buffered;
    QVERIFY(buffered.isBuffered());
    buffered.connectToHost(QHostAddress::LocalHost, server.serverPort());
    QVERIFY(buffered.waitForConnected(5000));
    QCOMPARE(buffered.socketOption(QAbstractSocket::SendBufferSizeSocketOption).toInt(), 256 * 1024);
    buffered.setSocketOption(QAbstractSocket::SendBufferSizeSocketOption, 4);
    QCOMPARE(buffered.socketOption(QAbstractSocket::SendBufferSizeSocketOption).toInt(), 4);
    QSignalSpy bufferedWritten(&buffered, &QIODevice::bytesWritten);
    buffered.write("abcdefgh");
    QVERIFY(buffered.waitForBytesWritten(1000));
    QCOMPARE(bytesReported(bufferedWritten), 4);
    QCOMPARE(buffered.bytesToWrite(), 4);
}

void tst_MemTcp::deletedWithPendingConnections()
{
    auto server = std::make_unique<MemTcpServer>();
    QVERIFY(server->listen(QHostAddress::LocalHost, 0));
    MemTcpSocket client;
    QSignalSpy disconnected(&client, &QAbstractSocket::disconnected);
    client.connectToHost(QHostAddress::LocalHost, server->serverPort());
    QVERIFY(client.waitForConnected(5000));
    QVERIFY(spinUntil([&] { return server->hasPendingConnections(); }));
    const quint16 port = server->serverPort();
    server.reset();   // the connection not taken goes with it; the client is told
    QVERIFY(spinUntil([&] { return client.state() == QAbstractSocket::UnconnectedState; }));
    QCOMPARE(disconnected.size(), 1);
    QCOMPARE(client.error(), QAbstractSocket::RemoteHostClosedError);
    MemTcpServer again;
    QVERIFY(again.listen(QHostAddress::LocalHost, port));
}

QTEST_MAIN(tst_MemTcp)
#include "tst_memtcp.moc"
