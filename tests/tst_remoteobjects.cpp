// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Qt Remote Objects over MemConn: a host node and a replica node joined by
// MemSockets through addHostSideConnection()/addClientSideConnection(), in
// one thread and with the host in a thread of its own. The replica is
// acquired, its properties follow the source, and its slots run on the source.
#include <MemConn/MemConn>
#include <MemConn/MemRemoteObjects>
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtRemoteObjects/QRemoteObjectDynamicReplica>
#include <QtRemoteObjects/QRemoteObjectHost>
#include <QtRemoteObjects/QRemoteObjectNode>
#include <QtNetwork/QTcpServer>
#include <QtTest/QtTest>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "testutil.h"

// The object shared over the connection.
class Thermostat : public QObject
{
    Q_OBJECT
    Q_PROPERTY(double target READ target WRITE setTarget NOTIFY targetChanged)
    Q_PROPERTY(QString room READ room WRITE setRoom NOTIFY roomChanged)

public:
    double target() const { return m_target; }
    QString room() const { return m_room; }
    void setRoom(const QString &room)
    {
        if (room != m_room) {
            m_room = room;
            Q_EMIT roomChanged(room);
        }
    }

public Q_SLOTS:
    void setTarget(double target)
    {
        if (target != m_target) {
            m_target = target;
            Q_EMIT targetChanged(target);
        }
    }
    void raise(double by) { setTarget(m_target + by); }

Q_SIGNALS:
    void targetChanged(double target);
    void roomChanged(const QString &room);

private:
    double m_target = 20.5;
    QString m_room = QStringLiteral("kitchen");
};

// A host node that serves every connection of a MemServer, in whatever thread
// it is created; or, with `url`, one that listens on that URL itself
// (MemConn::registerRemoteObjectsTransport()).
class HostSide : public QObject
{
public:
    explicit HostSide(const QString &name, const QUrl &url = QUrl())
    {
        if (!url.isEmpty()) {
            hostUrlSet = node.setHostUrl(url);
            listening = hostUrlSet;
            node.enableRemoting(&thermostat, QStringLiteral("Thermostat"));
            return;
        }
        hostUrlSet = node.setHostUrl(QUrl(QStringLiteral("memu:") + name),
                                     QRemoteObjectHost::AllowExternalRegistration);
        node.enableRemoting(&thermostat, QStringLiteral("Thermostat"));
        connect(&server, &MemServer::newConnection, this, [this] {
            while (MemSocket *socket = server.nextPendingConnection())
                node.addHostSideConnection(socket);
        });
        listening = server.listen(name);
    }
    // Declared so that the node goes first: Qt Remote Objects writes to its
    // devices while it is destroyed, so they (owned by the server) and the
    // source must outlive it.
    MemServer server;
    Thermostat thermostat;
    QRemoteObjectHost node;
    bool hostUrlSet = false;
    bool listening = false;
};

class tst_RemoteObjects : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Qt Remote Objects lets go of its connection objects with deleteLater();
    // QTest runs no event loop after a test, so deliver those deletions here,
    // or LeakSanitizer reports them at exit.
    void cleanup() { QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete); }
    void pairInOneThread();
    void devicesDeletedBeforeTheirNodes();
    void serverInOneThread();
    void hostInAnotherThread();
    void memuUrls();
    void membUrlNodeBeforeHost();
    void urlHostInAnotherThread();
    void tcpUrlsMappedToMemory();

private:
    template <typename OnHost>
    void exerciseNode(QRemoteObjectNode &node, Thermostat *source, OnHost onHost);
    // Acquires the replica over `socket` and checks it end to end. `host`
    // runs `work` in the host's thread and waits for it.
    template <typename OnHost>
    void exerciseReplica(MemSocket *socket, Thermostat *source, OnHost onHost);
};

template <typename OnHost>
void tst_RemoteObjects::exerciseReplica(MemSocket *socket, Thermostat *source, OnHost onHost)
{
    QRemoteObjectNode node;
    node.addClientSideConnection(socket);
    exerciseNode(node, source, onHost);
}

template <typename OnHost>
void tst_RemoteObjects::exerciseNode(QRemoteObjectNode &node, Thermostat *source, OnHost onHost)
{
    std::unique_ptr<QRemoteObjectDynamicReplica> replica(
        node.acquireDynamic(QStringLiteral("Thermostat")));
    QVERIFY(replica);
    QVERIFY2(replica->waitForSource(5000), "the replica was acquired over MemConn");
    QVERIFY(replica->isInitialized());
    QCOMPARE(replica->property("target").toDouble(), 20.5);
    QCOMPARE(replica->property("room").toString(), QStringLiteral("kitchen"));

    // A property change on the source reaches the replica.
    QSignalSpy roomChanged(replica.get(), SIGNAL(roomChanged(QString)));
    onHost([source] { source->setRoom(QStringLiteral("study")); });
    QVERIFY(roomChanged.wait(5000));
    QCOMPARE(replica->property("room").toString(), QStringLiteral("study"));

    // A slot called on the replica runs on the source; the change comes back.
    QSignalSpy targetChanged(replica.get(), SIGNAL(targetChanged(double)));
    QVERIFY(QMetaObject::invokeMethod(replica.get(), "raise", Q_ARG(double, 1.5)));
    QTRY_COMPARE_WITH_TIMEOUT(replica->property("target").toDouble(), 22.0, 5000);
    double onSource = 0;
    onHost([source, &onSource] { onSource = source->target(); });
    QCOMPARE(onSource, 22.0);
    QCOMPARE(targetChanged.count(), 1);

    // Many changes in a burst arrive complete and in order.
    onHost([source] {
        for (int i = 1; i <= 200; ++i)
            source->setTarget(100 + i);
    });
    QTRY_COMPARE_WITH_TIMEOUT(replica->property("target").toDouble(), 300.0, 5000);
    QCOMPARE(targetChanged.count(), 201);
    for (int i = 1; i <= 200; ++i)
        QCOMPARE(targetChanged.at(i).at(0).toDouble(), double(100 + i));
}

void tst_RemoteObjects::pairInOneThread()
{
    auto [hostEnd, clientEnd] = MemSocket::createPair();
    std::unique_ptr<MemSocket> hostOwner(hostEnd), clientOwner(clientEnd);
    Thermostat source;
    // A host node without a built-in server: a URL of a schema Qt does not
    // know, allowed as external, is how Qt Remote Objects takes other devices.
    QRemoteObjectHost host;
    QVERIFY(host.setHostUrl(QUrl(QStringLiteral("memu:pair")),
                            QRemoteObjectHost::AllowExternalRegistration));
    QVERIFY(host.enableRemoting(&source, QStringLiteral("Thermostat")));
    host.addHostSideConnection(hostEnd);
    exerciseReplica(clientEnd, &source, [](auto work) { work(); });
}

void tst_RemoteObjects::devicesDeletedBeforeTheirNodes()
{
    // The order of the Qt docs' example, where the client socket is a child
    // of its node: a MemSocket closes from its destructor as QLocalSocket does,
    // so the node hears that its device is gone and never writes to it.
    // (On the host side Qt Remote Objects 6.4 writes to every device it was
    // given while the host node is destroyed, whatever their type: those must
    // outlive the host node.)
    auto [hostEnd, clientEnd] = MemSocket::createPair();
    std::unique_ptr<MemSocket> hostOwner(hostEnd);
    Thermostat source;
    auto host = std::make_unique<QRemoteObjectHost>();
    QVERIFY(host->setHostUrl(QUrl(QStringLiteral("memu:first")),
                             QRemoteObjectHost::AllowExternalRegistration));
    QVERIFY(host->enableRemoting(&source, QStringLiteral("Thermostat")));
    host->addHostSideConnection(hostEnd);
    auto node = std::make_unique<QRemoteObjectNode>();
    clientEnd->setParent(node.get());
    node->addClientSideConnection(clientEnd);
    std::unique_ptr<QRemoteObjectDynamicReplica> replica(
        node->acquireDynamic(QStringLiteral("Thermostat")));
    QVERIFY(replica->waitForSource(5000));
    delete clientEnd;
    drainEvents();
    replica.reset();
    node.reset();
    host.reset();
}

void tst_RemoteObjects::serverInOneThread()
{
    const QString name = uniqueName("ro");
    HostSide host(name);
    QVERIFY(host.hostUrlSet && host.listening);
    MemSocket client;
    client.connectToServer(name);
    QVERIFY(client.waitForConnected(1000));
    exerciseReplica(&client, &host.thermostat, [](auto work) { work(); });
}

// Runs a HostSide in a thread of its own. Work for that thread goes through a
// std::mutex-guarded queue that the thread's event loop polls, not through
// Qt's event queue: ThreadSanitizer cannot see into Debian's Qt, so only
// std::mutex orders the hand-offs it checks.
class HostThread : public QThread
{
public:
    explicit HostThread(const QString &name, const QUrl &url = QUrl()) : m_name(name), m_url(url) {}

    // Runs `work` in the host thread and waits for it to finish.
    void runOnHost(std::function<void()> work)
    {
        std::unique_lock lock(m_mutex);
        m_work.push_back(std::move(work));
        const size_t ticket = ++m_queued;
        m_cond.wait(lock, [&] { return m_done >= ticket; });
    }
    HostSide *host()
    {
        std::unique_lock lock(m_mutex);
        m_cond.wait(lock, [&] { return m_started; });
        return m_host.get();
    }
    void stop() { runOnHost([this] { m_host.reset(); quit(); }); }

protected:
    void run() override
    {
        {
            auto host = std::make_unique<HostSide>(m_name, m_url);   // created in this thread
            std::lock_guard lock(m_mutex);
            m_host = std::move(host);
            m_started = true;
        }
        m_cond.notify_all();
        QTimer poll;
        connect(&poll, &QTimer::timeout, &poll, [this] {
            std::vector<std::function<void()>> work;
            {
                std::lock_guard lock(m_mutex);
                work.swap(m_work);
            }
            for (auto &w : work) {
                w();
                std::lock_guard lock(m_mutex);
                ++m_done;
            }
            m_cond.notify_all();
        });
        poll.start(1);
        exec();
    }

private:
    const QString m_name;
    const QUrl m_url;
    std::mutex m_mutex;
    std::condition_variable m_cond;
    std::vector<std::function<void()>> m_work;
    size_t m_queued = 0;
    size_t m_done = 0;
    bool m_started = false;
    std::unique_ptr<HostSide> m_host;
};

void tst_RemoteObjects::hostInAnotherThread()
{
    const QString name = uniqueName("ro-thread");
    HostThread thread(name);
    thread.start();
    // Everything on the host side is created, used and destroyed in `thread`.
    HostSide *host = thread.host();
    QVERIFY(host && host->hostUrlSet && host->listening);
    QVERIFY(host->thread() == &thread);
    {
        MemSocket client;
        client.connectToServer(name);
        QVERIFY(client.waitForConnected(5000));
        exerciseReplica(&client, &host->thermostat,
                        [&thread](auto work) { thread.runOnHost(work); });
    }
    thread.stop();
    QVERIFY(thread.wait(5000));
}

void tst_RemoteObjects::memuUrls()
{
    MemConn::registerRemoteObjectsTransport();
    const QUrl url(QStringLiteral("memu:") + uniqueName("ro-url"));
    HostSide host(QString(), url);
    QVERIFY(host.hostUrlSet);
    QCOMPARE(host.node.hostUrl(), url);
    QVERIFY(MemServer::serverNames().contains(url.path()));   // listening in memory, no devices by hand
    QRemoteObjectNode node;
    QVERIFY(node.connectToNode(url));
    exerciseNode(node, &host.thermostat, [](auto work) { work(); });
}

void tst_RemoteObjects::membUrlNodeBeforeHost()
{
    MemConn::registerRemoteObjectsTransport();
    const QUrl url(QStringLiteral("memb:") + uniqueName("ro-late"));
    QRemoteObjectNode node;
    QVERIFY(node.connectToNode(url));   // nobody listens yet: the node keeps trying
    std::unique_ptr<QRemoteObjectDynamicReplica> early(node.acquireDynamic(QStringLiteral("Thermostat")));
    QTest::qWait(50);
    HostSide host(QString(), url);
    QVERIFY(host.hostUrlSet);
    QVERIFY2(early->waitForSource(10000), "the node reached a host that came later");
    QCOMPARE(early->property("room").toString(), QStringLiteral("kitchen"));
}

void tst_RemoteObjects::urlHostInAnotherThread()
{
    MemConn::registerRemoteObjectsTransport();
    const QUrl url(QStringLiteral("memu:") + uniqueName("ro-url-thread"));
    HostThread thread(QString(), url);
    thread.start();
    HostSide *host = thread.host();
    QVERIFY(host && host->hostUrlSet);
    {
        QRemoteObjectNode node;
        QVERIFY(node.connectToNode(url));
        exerciseNode(node, &host->thermostat, [&thread](auto work) { thread.runOnHost(work); });
    }
    thread.stop();
    QVERIFY(thread.wait(5000));
}

void tst_RemoteObjects::tcpUrlsMappedToMemory()
{
    // A port the kernel gave out and took back: free now.
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    MemConn::mapNetwork(QStringLiteral("tcp"), QStringLiteral("memu"));
    MemConn::registerRemoteObjectsTransport();
    const QUrl url(QStringLiteral("tcp://127.0.0.1:%1").arg(port));
    {
        HostSide host(QString(), url);
        QVERIFY(host.hostUrlSet);
        // The host listens in memory: the kernel port is still free.
        QTcpServer real;
        QVERIFY2(real.listen(QHostAddress::LocalHost, port), qPrintable(real.errorString()));
        real.close();
        QRemoteObjectNode node;
        QVERIFY(node.connectToNode(url));
        exerciseNode(node, &host.thermostat, [](auto work) { work(); });
    }
    MemConn::mapNetwork(QStringLiteral("tcp"), QString());
}

QTEST_MAIN(tst_RemoteObjects)
#include "tst_remoteobjects.moc"
