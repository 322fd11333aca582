// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Fault injection and resource checks: a peer deleted under a blocked writer,
// threads that finish with connected sockets, application shutdown with live
// connections in several threads (in a child process: a crash or, under
// LeakSanitizer, a leak fails it), and no file descriptor ever opened.
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/qdir.h>
#include <QtCore/qprocess.h>
#include <QtCore/qthread.h>
#include <QtCore/qtimer.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <vector>

#include "testutil.h"

namespace {
int openDescriptors()
{
    return int(QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files | QDir::System | QDir::NoDotAndDotDot).size());
}

// The child process of applicationShutdownWithLiveConnections().
int shutdownChild(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QString name = QStringLiteral("shutdown-%1").arg(QCoreApplication::applicationPid());
    MemServer server;
    server.listen(name);
    QObject::connect(&server, &MemServer::newConnection, &server, [&server] {
        while (MemSocket *s = server.nextPendingConnection())
            QObject::connect(s, &MemSocket::readyRead, s, [s] { s->write(s->readAll()); });
    });
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < 3; ++t) {
        threads.push_back(std::make_unique<QThread>());
        QThread *thread = threads.back().get();
        auto *holder = new QObject;   // owns this thread's sockets; deleted when it finishes
        holder->moveToThread(thread);
        QObject::connect(thread, &QThread::finished, holder, &QObject::deleteLater);
        QObject::connect(thread, &QThread::started, holder, [holder, name] {
            for (int i = 0; i < 20; ++i) {
                auto *s = new MemSocket(holder);
                s->connectToServer(name);
                QObject::connect(s, &MemSocket::readyRead, s, [s] { s->write(s->readAll()); });
                s->write("echo me forever");
            }
        });
        thread->start();
    }
    QTimer::singleShot(150, &app, &QCoreApplication::quit);   // mid-traffic
    app.exec();
    for (auto &t : threads) {
        t->quit();
        t->wait();
    }
    std::printf("clean exit\n");
    return 0;   // the server and its sockets go as main() returns
}
} // namespace

class tst_Faults : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void peerDeletedWhileWriterBlocked();
    void workerThreadFinishesWithConnectedSockets();
    void applicationShutdownWithLiveConnections();
    void noDescriptorsAndNoGrowthOver10000Cycles();
};

void tst_Faults::peerDeletedWhileWriterBlocked()
{
    auto [a, b] = MemSocket::createPair();
    a->moveToThread(nullptr);
    std::atomic<bool> result{true};
    std::atomic<qint64> returnedAt{0};
    QElapsedTimer t;
    t.start();
    std::unique_ptr<QThread> writer(QThread::create([&, a = a] {
        a->moveToThread(QThread::currentThread());
        a->write(QByteArray(100000, 'w'));
        result = a->waitForBytesWritten(10000);   // the peer never reads: blocked
        returnedAt = t.elapsed();
        delete a;
    }));
    writer->start();
    QTest::qWait(50);
    const qint64 deletedAt = t.elapsed();
    delete b;
    QVERIFY(writer->wait(5000));
    QVERIFY(!result.load());
    QVERIFY2(returnedAt - deletedAt < 500, qPrintable(QString::number(returnedAt - deletedAt)));
}

void tst_Faults::workerThreadFinishesWithConnectedSockets()
{
    const QString name = uniqueName("finish");
    MemServer server;
    QVERIFY(server.listen(name));
    QList<MemSocket *> orphans;
    std::unique_ptr<QThread> t(QThread::create([&] {
        for (int i = 0; i < 10; ++i) {
            auto *s = new MemSocket;
            s->connectToServer(name);
            s->write(QByteArray::number(i));
            orphans.append(s);
        }
    }));
    t->start();
    QVERIFY(t->wait(5000));   // finished: its ten sockets are still connected
    QList<MemSocket *> peers;
    QVERIFY(spinUntil([&] {
        while (MemSocket *p = server.nextPendingConnection())
            peers.append(p);
        return peers.size() == 10;
    }));
    for (int i = 0; i < 10; ++i) {
        QCOMPARE(orphans[i]->state(), QAbstractSocket::ConnectedState);
        QVERIFY(spinUntil([&] { return peers[i]->bytesAvailable() > 0; }));
        QCOMPARE(peers[i]->readAll(), QByteArray::number(i));
        QCOMPARE(peers[i]->write("to a finished thread"), 20);
    }
    qDeleteAll(orphans);
    QVERIFY(spinUntil([&] {
        for (MemSocket *p : std::as_const(peers))
            if (p->state() != QAbstractSocket::UnconnectedState)
                return false;
        return true;
    }));
}

void tst_Faults::applicationShutdownWithLiveConnections()
{
    QProcess child;
    child.setProcessChannelMode(QProcess::MergedChannels);
    child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--shutdown-child")});
    QVERIFY(child.waitForFinished(60000));
    const QByteArray out = child.readAll();
    QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0, out.constData());
    QVERIFY2(out.contains("clean exit"), out.constData());
}

void tst_Faults::noDescriptorsAndNoGrowthOver10000Cycles()
{
    const QString name = uniqueName("fd");
    MemServer server;
    QVERIFY(server.listen(name));
    qint64 received = 0;
    QObject::connect(&server, &MemServer::newConnection, &server, [&] {
        while (MemSocket *s = server.nextPendingConnection()) {
            QObject::connect(s, &MemSocket::readyRead, s, [s, &received] { received += s->readAll().size(); });
            QObject::connect(s, &MemSocket::disconnected, s, &QObject::deleteLater);
        }
    });
    const int before = openDescriptors();
    int most = before;
    for (int i = 0; i < 10000; ++i) {
        MemSocket c;
        c.connectToServer(name);
        c.write("cycle payload");
        QCoreApplication::processEvents();
        c.close();
        if (i % 1000 == 0)
            most = qMax(most, openDescriptors());
    }
    QVERIFY(spinUntil([&] { return received == 10000 * 13; }));
    drainEvents();
    QCOMPARE(openDescriptors(), before);
    QCOMPARE(most, before);   // not one descriptor, even in passing
}

int main(int argc, char **argv)
{
    if (argc > 1 && qstrcmp(argv[1], "--shutdown-child") == 0)
        return shutdownChild(argc, argv);
    QCoreApplication app(argc, argv);
    tst_Faults tc;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&tc, argc, argv);
}

#include "tst_faults.moc"
