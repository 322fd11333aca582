// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QtCore/qcoreapplication.h>
#include <QtCore/qstring.h>
#include <QtCore/qthread.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <atomic>
#include <functional>

// A server name no other test in this process uses.
inline QString uniqueName(const char *stem = "t")
{
    static std::atomic<int> counter{0};
    return QLatin1StringView(stem) + QLatin1Char('-') + QString::number(++counter);
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
class PeerThread
{
public:
    explicit PeerThread(QObject *object) : m_object(object), m_home(QThread::currentThread())
    {
        m_thread.start();
        m_object->moveToThread(&m_thread);
    }
    ~PeerThread()
    {
        run([o = m_object, home = m_home] { o->moveToThread(home); });
        m_thread.quit();
        m_thread.wait();
    }
    // Runs `f` in the peer's thread and waits for it.
    void run(std::function<void()> f)
    {
        QMetaObject::invokeMethod(m_object, std::move(f), Qt::BlockingQueuedConnection);
    }
    Q_DISABLE_COPY_MOVE(PeerThread)

private:
    QObject *m_object;
    QThread *m_home;
    QThread m_thread;
};
