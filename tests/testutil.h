// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QtCore/qcoreapplication.h>
#include <QtCore/qstring.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <atomic>

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
