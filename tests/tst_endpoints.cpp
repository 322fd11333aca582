// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// One address string for memory, TCP and local sockets; network mapping.
#include <MemConn/MemConn>
#include <MemConn/MemListener>
#include <MemConn/MemTcpServer>
#include <MemConn/MemTcpSocket>
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/qpointer.h>
#include <QtCore/qprocess.h>
#include <QtCore/qregularexpression.h>
#include <QtCore/qthread.h>
#include <QtNetwork/qlocalsocket.h>
#include <QtNetwork/qtcpsocket.h>
#include <QtTest/qtest.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "testutil.h"

namespace {
// Listens on `address`, dials what it resolved to, and echoes one message.
QString roundTrip(const QString &address, QString *resolved = nullptr)
{
    MemListener listener;
    if (!listener.listen(address))
        return QStringLiteral("listen failed: ") + listener.errorString();
    if (resolved)
        *resolved = listener.address();
    std::unique_ptr<QIODevice> client(MemConn::dial(listener.address()));
    if (!spinUntil([&] { return listener.hasPendingConnections(); }))
        return QStringLiteral("no connection: ") + client->errorString();
    QIODevice *server = listener.nextPendingConnection();
    client->write("ping over " + address.toUtf8());
    QByteArray got;
    if (!spinUntil([&] {
            got += server->readAll();
            return got.endsWith(address.toUtf8());
        }))
        return QStringLiteral("nothing arrived");
    server->write(got.replace("ping", "pong"));
    QByteArray back;
    if (!spinUntil([&] {
            back += client->readAll();
            return back.endsWith(address.toUtf8());
        }))
        return QStringLiteral("no echo");
    return QString::fromUtf8(back);
}

int envChild(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    MemListener tcp, local;
    const bool ok = tcp.listen(QStringLiteral("tcp:envhost:1")) && local.listen(QStringLiteral("unix:envsock"));
    std::unique_ptr<QIODevice> c(MemConn::dial(QStringLiteral("tcp:envhost:1")));
    auto *tcpSocket = qobject_cast<MemTcpSocket *>(c.get());
    const bool mem = tcpSocket && tcpSocket->waitForConnected(5000);
    std::printf("%s %s %s %s\n", ok ? "listened" : "failed", qPrintable(tcp.address()),
                qPrintable(local.address()), mem ? "dialled-in-memory" : "not-in-memory");
    return 0;
}
} // namespace

class tst_Endpoints : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrips_data();
    void roundTrips();
    void ephemeralTcpPort();
    void mappingOnAndOff();
    void environmentVariable();
    void malformedAddresses_data();
    void malformedAddresses();
    void heldAddressFails();
    void mappingFromSeveralThreads();
    void closeLeavesTakenConnections_data();
    void closeLeavesTakenConnections();
    void listenerFollowsMoveToThread();
};

void tst_Endpoints::roundTrips_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("resolvedPrefix");
    const QString n = uniqueName("ep");
    QTest::newRow("memu") << QStringLiteral("memu:") + n << QStringLiteral("memu:") + n;
    QTest::newRow("memb") << QStringLiteral("memb:") + n + QStringLiteral("b") << QStringLiteral("memb:");
    QTest::newRow("tcp v4") << QStringLiteral("tcp:127.0.0.1:0") << QStringLiteral("tcp:127.0.0.1:");
    QTest::newRow("tcp localhost") << QStringLiteral("tcp:localhost:0") << QStringLiteral("tcp:127.0.0.1:");
    QTest::newRow("local") << QStringLiteral("local:") + n + QStringLiteral("-l") << QStringLiteral("local:");
    QTest::newRow("unix") << QStringLiteral("unix:") + n + QStringLiteral("-u") << QStringLiteral("local:");
}

void tst_Endpoints::roundTrips()
{
    QFETCH(QString, address);
    QFETCH(QString, resolvedPrefix);
    QString resolved;
    const QString back = roundTrip(address, &resolved);
    QVERIFY2(back == QStringLiteral("pong over ") + address, qPrintable(back));
    QVERIFY2(resolved.startsWith(resolvedPrefix), qPrintable(resolved));
}

void tst_Endpoints::ephemeralTcpPort()
{
    MemListener listener;
    QVERIFY(listener.listen(QStringLiteral("tcp:127.0.0.1:0")));
    const QString a = listener.address();
    QVERIFY(a.startsWith(QStringLiteral("tcp:127.0.0.1:")));
    const int port = a.mid(a.lastIndexOf(QLatin1Char(':')) + 1).toInt();
    QVERIFY2(port > 0, qPrintable(a));
    std::unique_ptr<QIODevice> c(MemConn::dial(a));
    QVERIFY(qobject_cast<QTcpSocket *>(c.get()));
    QVERIFY(spinUntil([&] { return listener.hasPendingConnections(); }));

    MemListener v6;
    if (v6.listen(QStringLiteral("tcp:[::1]:0"))) {
        QVERIFY2(v6.address().startsWith(QStringLiteral("tcp:[::1]:")), qPrintable(v6.address()));
        QCOMPARE(roundTrip(QStringLiteral("tcp:[::1]:0")), QStringLiteral("pong over tcp:[::1]:0"));
    } else {
        qInfo("no IPv6 loopback here: %s", qPrintable(v6.errorString()));
    }
}

void tst_Endpoints::mappingOnAndOff()
{
    MemConn::mapNetwork(QStringLiteral("tcp"), QStringLiteral("memu"));
    {
        MemListener listener;
        QVERIFY2(listener.listen(QStringLiteral("tcp:localhost:8080")), qPrintable(listener.errorString()));
        QCOMPARE(listener.address(), QStringLiteral("memu:localhost:8080"));
        QVERIFY(MemServer::serverNames().contains(QStringLiteral("localhost:8080")));
        std::unique_ptr<QIODevice> c(MemConn::dial(QStringLiteral("tcp:localhost:8080")));
        // TCP code keeps its types: a QTcpSocket (MemTcpSocket, memu as mapped).
        auto *mem = qobject_cast<MemTcpSocket *>(c.get());
        QVERIFY(mem);
        QVERIFY(!mem->isBuffered());
        QVERIFY(spinUntil([&] { return mem->state() == QAbstractSocket::ConnectedState; }));
        QVERIFY(spinUntil([&] { return listener.hasPendingConnections(); }));
        std::unique_ptr<QIODevice> accepted(listener.nextPendingConnection());
        QVERIFY(qobject_cast<QTcpSocket *>(accepted.get()));
        QCOMPARE(static_cast<QTcpSocket *>(accepted.get())->localPort(), quint16(8080));
        // The factories follow the same map.
        std::unique_ptr<QTcpSocket> made(MemConn::createTcpSocket());
        QVERIFY(qobject_cast<MemTcpSocket *>(made.get()));
        std::unique_ptr<QTcpServer> madeServer(MemConn::createTcpServer());
        QVERIFY(qobject_cast<MemTcpServer *>(madeServer.get()));
        QVERIFY(MemConn::listenTcp(madeServer.get(), QHostAddress::LocalHost, 0));
        QVERIFY(madeServer->isListening());   // through QTcpServer*
        made->connectToHost(QHostAddress::LocalHost, static_cast<MemTcpServer *>(madeServer.get())->serverPort());
        QVERIFY(made->waitForConnected(5000));
        QCOMPARE(roundTrip(QStringLiteral("tcp:mapped:1")), QStringLiteral("pong over tcp:mapped:1"));
    }
    MemConn::mapNetwork(QStringLiteral("unix"), QStringLiteral("memb"));   // unix is local's other name
    {
        MemListener listener;
        QVERIFY(listener.listen(QStringLiteral("local:") + uniqueName("mapped-local")));
        QVERIFY2(listener.address().startsWith(QStringLiteral("memb:")), qPrintable(listener.address()));
    }
    MemConn::mapNetwork(QStringLiteral("tcp"), QString());
    MemConn::mapNetwork(QStringLiteral("local"), QString());
    std::unique_ptr<QIODevice> c(MemConn::dial(QStringLiteral("tcp:127.0.0.1:1")));
    QVERIFY(qobject_cast<QTcpSocket *>(c.get()));
    QVERIFY(!qobject_cast<MemTcpSocket *>(c.get()));
    std::unique_ptr<QTcpSocket> plain(MemConn::createTcpSocket());
    QVERIFY(plain && !qobject_cast<MemTcpSocket *>(plain.get()));
    std::unique_ptr<QTcpServer> plainServer(MemConn::createTcpServer());
    QVERIFY(plainServer && !qobject_cast<MemTcpServer *>(plainServer.get()));
    std::unique_ptr<QIODevice> l(MemConn::dial(QStringLiteral("local:") + uniqueName("nobody")));
    QVERIFY(qobject_cast<QLocalSocket *>(l.get()));
}

void tst_Endpoints::environmentVariable()
{
#if defined(__SANITIZE_THREAD__)
    QSKIP("ThreadSanitizer does not support a multi-threaded process forking (QProcess) and "
          "then starting threads; this runs in the normal and ASan builds");
#endif
    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("MEMCONN_NETWORK_MAP"), QStringLiteral("tcp=memu, local=memu"));
    child.setProcessEnvironment(env);
    child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--env-child")});
    QVERIFY(child.waitForFinished(30000));
    const QByteArray out = child.readAllStandardOutput().trimmed();
    QCOMPARE(out, QByteArray("listened memu:envhost:1 memu:envsock dialled-in-memory"));
}

void tst_Endpoints::malformedAddresses_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("problem");
    QTest::newRow("empty") << QString() << QStringLiteral("empty address");
    QTest::newRow("no network") << QStringLiteral("chat") << QStringLiteral("no network");
    QTest::newRow("leading colon") << QStringLiteral(":chat") << QStringLiteral("no network");
    QTest::newRow("unknown network") << QStringLiteral("http:chat") << QStringLiteral("unknown network \"http\"");
    QTest::newRow("tcp without port") << QStringLiteral("tcp:") << QStringLiteral("no port");
    QTest::newRow("tcp host, no port") << QStringLiteral("tcp:example") << QStringLiteral("no port");
    QTest::newRow("tcp empty port") << QStringLiteral("tcp:example:") << QStringLiteral("no port");
    QTest::newRow("port too big") << QStringLiteral("tcp:example:65536") << QStringLiteral("bad port \"65536\"");
    QTest::newRow("port not a number") << QStringLiteral("tcp:example:http") << QStringLiteral("bad port \"http\"");
    QTest::newRow("negative port") << QStringLiteral("tcp:example:-1") << QStringLiteral("bad port \"-1\"");
    QTest::newRow("v6 unclosed") << QStringLiteral("tcp:[::1:80") << QStringLiteral("no ']'");
    QTest::newRow("v6 no port") << QStringLiteral("tcp:[::1]") << QStringLiteral("no port");
    QTest::newRow("memu empty name") << QStringLiteral("memu:") << QStringLiteral("empty name");
    QTest::newRow("memb empty name") << QStringLiteral("memb:") << QStringLiteral("empty name");
    QTest::newRow("local empty name") << QStringLiteral("local:") << QStringLiteral("empty name");
    QTest::newRow("unix empty name") << QStringLiteral("unix:") << QStringLiteral("empty name");
}

void tst_Endpoints::malformedAddresses()
{
    QFETCH(QString, address);
    QFETCH(QString, problem);
    std::unique_ptr<QIODevice> device(MemConn::dial(address));
    QVERIFY(device);
    QVERIFY(!device->isOpen());
    const QString shown = address.isEmpty() ? QStringLiteral("\"\"") : address;
    QVERIFY2(device->errorString().startsWith(shown + QLatin1Char(':')), qPrintable(device->errorString()));
    QVERIFY2(device->errorString().contains(problem), qPrintable(device->errorString()));
    QTest::ignoreMessage(QtWarningMsg, "QIODevice::write (QIODevice): device not open");
    QCOMPARE(device->write("x"), -1);

    MemListener listener;
    QVERIFY(!listener.listen(address));
    QVERIFY(!listener.isListening());
    QVERIFY2(listener.errorString().contains(problem), qPrintable(listener.errorString()));
    QVERIFY(listener.errorString().startsWith(shown + QLatin1Char(':')));
}

void tst_Endpoints::heldAddressFails()
{
    const QString address = QStringLiteral("memu:") + uniqueName("held");
    MemListener a, b;
    QVERIFY(a.listen(address));
    QVERIFY(!b.listen(address));
    QVERIFY2(b.errorString().contains(address), qPrintable(b.errorString()));
    QVERIFY(!a.listen(QStringLiteral("memu:other")));
    QVERIFY(a.errorString().contains(QStringLiteral("already listening")));
    a.close();
    QVERIFY(!a.isListening());
    QVERIFY(b.listen(address));
    std::unique_ptr<QIODevice> nobody(MemConn::dial(QStringLiteral("memu:") + uniqueName("nobody")));
    QVERIFY(!nobody->isOpen());
    QVERIFY(nobody->errorString().contains(QStringLiteral("no server is listening")));
}

void tst_Endpoints::mappingFromSeveralThreads()
{
    const QString name = uniqueName("threads-map");
    MemServer server;
    QVERIFY(server.listen(name));
    std::atomic<int> inMemory{0}, elsewhere{0};
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back(QThread::create([&, t] {
            for (int i = 0; i < 500; ++i) {
                MemConn::mapNetwork(QStringLiteral("zz%1").arg(t), i % 2 ? QStringLiteral("memu") : QString());
                MemConn::mapNetwork(QStringLiteral("shared"), i % 2 ? QStringLiteral("memu") : QString());
                std::unique_ptr<QIODevice> d(MemConn::dial(QStringLiteral("shared:") + name));
                (qobject_cast<MemSocket *>(d.get()) ? inMemory : elsewhere)++;
            }
        }));
        threads.back()->start();
    }
    for (auto &t : threads)
        QVERIFY(t->wait(30000));
    QCOMPARE(inMemory + elsewhere, 2000);
    QVERIFY(inMemory > 0);   // the mapping took effect while others changed it
    MemConn::mapNetwork(QStringLiteral("shared"), QString());
    for (int t = 0; t < 4; ++t)
        MemConn::mapNetwork(QStringLiteral("zz%1").arg(t), QString());
    std::unique_ptr<QIODevice> d(MemConn::dial(QStringLiteral("shared:") + name));
    QVERIFY(!d->isOpen());
    QVERIFY(d->errorString().contains(QStringLiteral("unknown network")));
    drainEvents();
}

int main(int argc, char **argv)
{
    if (argc > 1 && qstrcmp(argv[1], "--env-child") == 0)
        return envChild(argc, argv);
    QCoreApplication app(argc, argv);
    tst_Endpoints tc;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&tc, argc, argv);
}

#include "tst_endpoints.moc"

void tst_Endpoints::closeLeavesTakenConnections_data()
{
    QTest::addColumn<QString>("address");
    const QString n = uniqueName("close-taken");
    QTest::newRow("memu") << QStringLiteral("memu:") + n;
    QTest::newRow("tcp") << QStringLiteral("tcp:127.0.0.1:0");
    QTest::newRow("local") << QStringLiteral("local:") + n;
}

// As MemServer::close() and QTcpServer::close() do: what was taken stays.
void tst_Endpoints::closeLeavesTakenConnections()
{
    QFETCH(QString, address);
    MemListener listener;
    QVERIFY2(listener.listen(address), qPrintable(listener.errorString()));
    std::unique_ptr<QIODevice> client(MemConn::dial(listener.address()));
    QVERIFY(spinUntil([&] { return listener.hasPendingConnections(); }));
    QPointer<QIODevice> taken = listener.nextPendingConnection();
    QCOMPARE(taken->parent(), &listener);
    listener.close();
    QVERIFY(!listener.isListening());
    drainEvents();
    QVERIFY(taken);
    QVERIFY(taken->isOpen());
    client->write("after close");
    QByteArray got;
    QVERIFY(spinUntil([&] {
        got += taken->readAll();
        return got == "after close";
    }));
    QVERIFY(listener.listen(address));   // the address is free again at once
}

void tst_Endpoints::listenerFollowsMoveToThread()
{
    const QString address = QStringLiteral("memu:") + uniqueName("moved-listener");
    MemListener listener;
    QVERIFY(listener.listen(address));
    std::atomic<bool> ownedByListener{false}, inListenerThread{false};
    QTest::failOnWarning(QRegularExpression(QStringLiteral("Cannot create children")));
    {
        PeerThread thread(&listener);
        thread.run([&] {
            connect(&listener, &MemListener::newConnection, &listener, [&] {
                QIODevice *d = listener.nextPendingConnection();
                ownedByListener = d && d->parent() == &listener;
                inListenerThread = d && d->thread() == QThread::currentThread();
                if (d)
                    connect(d, &QIODevice::readyRead, d, [d] { d->write(d->readAll().toUpper()); });
            });
        });
        std::unique_ptr<QIODevice> client(MemConn::dial(address));
        client->write("moved");
        QByteArray got;
        QVERIFY(spinUntil([&] {
            got += client->readAll();
            return got == "MOVED";
        }));
        thread.run([&] { listener.close(); });
    }
    QVERIFY(ownedByListener);
    QVERIFY(inListenerThread);
}
