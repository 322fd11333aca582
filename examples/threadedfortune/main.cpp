// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Qt's threaded fortune server over MemConn. A MemServer subclass overrides
// incomingConnection() and hands each new MemSocket to one of a few worker
// threads (moveToThread, as MemSocket allows while connected); the worker
// writes a fortune and closes. Clients in the main thread collect them.
// Run: threadedfortune [count]
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/QCoreApplication>
#include <QtCore/QDataStream>
#include <QtCore/QSet>
#include <QtCore/QTextStream>
#include <QtCore/QThread>

#include <memory>
#include <vector>

// Lives in a worker thread; serves the sockets handed to it there.
class FortuneWorker : public QObject
{
public:
    void serve(MemSocket *socket)
    {
        Q_ASSERT(socket->thread() == QThread::currentThread());
        QByteArray block;
        QDataStream out(&block, QIODevice::WriteOnly);
        out.setVersion(QDataStream::Qt_6_0);
        out << QStringLiteral("Fortune from %1: you will meet a thread in your future.")
                   .arg(QThread::currentThread()->objectName());
        socket->write(block);
        socket->disconnectFromServer();   // the client still reads every byte
        delete socket;
    }
};

class ThreadedFortuneServer : public MemServer
{
public:
    explicit ThreadedFortuneServer(int threads)
    {
        for (int i = 0; i < threads; ++i) {
            auto thread = std::make_unique<QThread>();
            thread->setObjectName(QStringLiteral("worker %1").arg(i + 1));
            auto *worker = new FortuneWorker;
            worker->moveToThread(thread.get());
            connect(thread.get(), &QThread::finished, worker, &QObject::deleteLater);
            thread->start();
            m_workers.push_back(worker);
            m_threads.push_back(std::move(thread));
        }
    }
    ~ThreadedFortuneServer() override
    {
        close();
        for (auto &thread : m_threads) {
            thread->quit();
            thread->wait();
        }
    }

protected:
    // Called in the server's thread for each new connection, instead of
    // queueing it for nextPendingConnection().
    void incomingConnection(MemSocket *socket) override
    {
        FortuneWorker *worker = m_workers.at(m_next++ % m_workers.size());
        socket->setParent(nullptr);               // a QObject moves without its parent
        socket->moveToThread(worker->thread());
        QMetaObject::invokeMethod(worker, [worker, socket] { worker->serve(socket); },
                                  Qt::QueuedConnection);
    }

private:
    std::vector<std::unique_ptr<QThread>> m_threads;
    std::vector<FortuneWorker *> m_workers;
    size_t m_next = 0;
};

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? QByteArray(argv[1]).toInt() : 6;
    QTextStream out(stdout);

    ThreadedFortuneServer server(3);
    if (!server.listen(QStringLiteral("threadedfortune"))) {
        QTextStream(stderr) << server.errorString() << Qt::endl;
        return 1;
    }

    // All clients at once; each reads its fortune with a transaction.
    int received = 0;
    QSet<QString> servedBy;
    std::vector<std::unique_ptr<MemSocket>> clients;
    for (int i = 0; i < count; ++i) {
        auto client = std::make_unique<MemSocket>();
        MemSocket *socket = client.get();
        auto in = std::make_shared<QDataStream>(socket);
        in->setVersion(QDataStream::Qt_6_0);
        QObject::connect(socket, &MemSocket::readyRead, socket, [&, in] {
            in->startTransaction();
            QString fortune;
            *in >> fortune;
            if (!in->commitTransaction())
                return;
            out << fortune << Qt::endl;
            servedBy.insert(fortune.section(QLatin1Char(':'), 0, 0));
            if (++received == count) {
                out << "received " << received << " fortunes served by " << servedBy.size()
                    << " worker threads" << Qt::endl;
                app.quit();
            }
        });
        socket->connectToServer(QStringLiteral("threadedfortune"));
        clients.push_back(std::move(client));
    }
    return app.exec();
}
