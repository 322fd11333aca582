// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qmetaobject.h>
#include <QtCore/qstring.h>
#include <QtCore/qeventloop.h>
#include <QtCore/qthread.h>
#include <QtCore/qtimer.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <functional>
#include <memory>

// A server name no other test in this process uses.
inline QString uniqueName(const char *stem = "t")
{
    static std::atomic<int> counter{0};
    return QLatin1StringView(stem) + QLatin1Char('-') + QString::number(++counter);
}

// A data column "network" with a row per network, holding the prefix a name
// takes ("memu:", "memb:").
inline void addNetworkRows()
{
    QTest::addColumn<QString>("network");
    QTest::newRow("memu") << QStringLiteral("memu:");
    QTest::newRow("memb") << QStringLiteral("memb:");
}

// Runs the event loop until `cond` holds, at most `ms` milliseconds.
template <typename Cond>
bool spinUntil(Cond cond, int ms = 5000)
{
    QDeadlineTimer deadline(ms);
    while (!cond()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    }
    return true;
}

// Delivers every event posted so far (and those they post), without waiting.
inline void drainEvents()
{
    for (int i = 0; i < 8; ++i)
        QCoreApplication::processEvents();
}

// The byte counts a bytesWritten() spy recorded, added up.
inline qint64 bytesReported(const QSignalSpy &spy)
{
    qint64 total = 0;
    for (const auto &args : spy)
        total += args.at(0).toLongLong();
    return total;
}

// Keeps `object` in a thread of its own that runs an event loop, for as long
// as this lives, so that a blocking wait in the test's thread has a peer that
// can run (a wait whose only possible peer lives in the waiting thread
// returns false at once). The object comes back to the test's thread after.
// Every hand-over goes through a std::mutex, never through Qt's event queue,
// so that ThreadSanitizer sees the order (Debian's Qt is not instrumented):
// the object is pushed to no thread before the thread starts and pulled in
// by it, and run() hands work over through a queue the thread polls.
class PeerThread
{
public:
    explicit PeerThread(QObject *object) : m_object(object), m_home(QThread::currentThread())
    {
        m_object->moveToThread(nullptr);
        m_thread.reset(QThread::create([this] { serve(); }));
        m_thread->start();
        run([] {});   // the object has arrived
    }
    ~PeerThread()
    {
        run([this] { m_object->moveToThread(m_home); });
        {
            std::lock_guard lock(m_mutex);
            m_quit = true;
        }
        m_thread->wait();
    }
    // Runs `f` in the peer's thread and waits for it.
    void run(std::function<void()> f)
    {
        std::unique_lock lock(m_mutex);
        m_task = std::move(f);
        m_done = false;
        m_changed.wait(lock, [this] { return m_done; });
    }
    Q_DISABLE_COPY_MOVE(PeerThread)

private:
    void serve()
    {
        m_object->moveToThread(QThread::currentThread());
        QEventLoop loop;
        QTimer poll;
        QObject::connect(&poll, &QTimer::timeout, &poll, [this, &loop] {
            std::function<void()> task;
            bool quit;
            {
                std::lock_guard lock(m_mutex);
                task = std::exchange(m_task, nullptr);
                quit = m_quit;
            }
            if (task) {
                task();
                std::lock_guard lock(m_mutex);
                m_done = true;
                m_changed.notify_all();
            }
            if (quit)
                loop.quit();
        });
        poll.start(1);
        loop.exec();
    }

    QObject *m_object;
    QThread *m_home;
    std::unique_ptr<QThread> m_thread;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::function<void()> m_task;
    bool m_done = false;
    bool m_quit = false;
};

// A listening server and one connected pair, in this thread: `client`
// connected to `server` on `name`, and `peer`, the server's side of it, taken
// and owned here. The prefixes choose each end's network ("memu:", "memb:").
struct ConnectedPair
{
    explicit ConnectedPair(const QString &serverPrefix = QString(), const QString &clientPrefix = QString())
        : name(uniqueName("pair"))
    {
        server.listen(serverPrefix + name);
        client = std::make_unique<MemSocket>();
        client->connectToServer(clientPrefix + name);
        peer.reset(server.nextPendingConnection());
        if (peer)
            peer->setParent(nullptr);
    }
    QString name;
    MemServer server;
    std::unique_ptr<MemSocket> client;
    std::unique_ptr<MemSocket> peer;
};

// What a socket emits, in order, with enum values by name ("stateChanged
// ClosingState", "errorOccurred RemoteHostClosedError"). Works for any socket
// class whose states and errors share QAbstractSocket's values, as
// QLocalSocket's do, so one log compares MemConn with Qt.
class SignalLog
{
public:
    template <typename Socket>
    explicit SignalLog(Socket *socket, bool withData = false)
    {
        QObject *ctx = &m_context;
        QObject::connect(socket, &Socket::connected, ctx, [this] { m_log << QStringLiteral("connected"); });
        QObject::connect(socket, &Socket::disconnected, ctx, [this] { m_log << QStringLiteral("disconnected"); });
        QObject::connect(socket, &Socket::stateChanged, ctx, [this](auto state) {
            m_log << QStringLiteral("stateChanged ") + key<QAbstractSocket::SocketState>(int(state));
        });
        QObject::connect(socket, &Socket::errorOccurred, ctx, [this](auto error) {
            m_log << QStringLiteral("errorOccurred ") + key<QAbstractSocket::SocketError>(int(error));
        });
        QObject::connect(socket, &QIODevice::aboutToClose, ctx, [this] { m_log << QStringLiteral("aboutToClose"); });
        QObject::connect(socket, &QIODevice::readChannelFinished, ctx,
                         [this] { m_log << QStringLiteral("readChannelFinished"); });
        if (withData) {
            QObject::connect(socket, &QIODevice::readyRead, ctx, [this] { m_log << QStringLiteral("readyRead"); });
        }
    }
    const QStringList &entries() const { return m_log; }
    void clear() { m_log.clear(); }
    template <typename Enum>
    static QString key(int value)
    {
        const char *k = QMetaEnum::fromType<Enum>().valueToKey(value);
        return k ? QString::fromLatin1(k) : QString::number(value);
    }

private:
    QObject m_context;   // cuts the connections when the log goes
    QStringList m_log;
};
