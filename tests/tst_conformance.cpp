// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Go's nettest.TestConn, re-expressed for a Qt QIODevice driven by its event
// loop and by blocking waits, for memu and memb, in one thread and across
// threads (memsocket.h: the deadline setters and the waits; memb's send window).
//
// Qt form of nettest's "close timeout": a QObject is closed only from its own
// thread, so the peer closes from another thread and the blocked wait ends;
// the thread-safe way to cut short a wait on the same socket is a deadline.
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/qrandom.h>
#include <QtCore/qthread.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <atomic>
#include <cstring>
#include <string_view>
#include <functional>
#include <memory>

#include "testutil.h"

using State = QAbstractSocket::SocketState;
using Error = QAbstractSocket::SocketError;

namespace {
const QDeadlineTimer past(0);   // expired from the start

// Runs `body` in a new thread that owns `socket` meanwhile; the socket comes
// back to the calling thread when the body returns.
std::unique_ptr<QThread> runWith(MemSocket *socket, std::function<void(MemSocket *)> body)
{
    QThread *home = QThread::currentThread();
    socket->moveToThread(nullptr);
    std::unique_ptr<QThread> t(QThread::create([socket, home, body = std::move(body)] {
        socket->moveToThread(QThread::currentThread());
        body(socket);
        socket->moveToThread(home);
    }));
    t->start();
    return t;
}

std::unique_ptr<QThread> runThread(std::function<void()> body)
{
    std::unique_ptr<QThread> t(QThread::create(std::move(body)));
    t->start();
    return t;
}

// Reads exactly n bytes with blocking waits, or fewer on end of stream.
QByteArray readBlocking(MemSocket *s, qint64 n, int msecs = 10000)
{
    QByteArray out;
    while (out.size() < n) {
        const QByteArray got = s->read(n - out.size());
        if (!got.isEmpty()) {
            out += got;
            continue;
        }
        if (!s->waitForReadyRead(msecs))
            break;
    }
    return out;
}

QByteArray readToEnd(MemSocket *s)
{
    QByteArray out;
    for (;;) {
        out += s->readAll();
        if (s->state() != State::ConnectedState && s->bytesAvailable() == 0)
            break;
        if (!s->waitForReadyRead(10000) && s->state() == State::ConnectedState)
            break;   // a real timeout: the caller's comparison fails
    }
    return out;
}

void addNetworkRows(bool withThreads)
{
    QTest::addColumn<QString>("network");
    QTest::addColumn<bool>("threaded");
    for (const char *net : {"memu:", "memb:"}) {
        QTest::addRow("%s one thread", net) << QString::fromLatin1(net) << false;
        if (withThreads)
            QTest::addRow("%s two threads", net) << QString::fromLatin1(net) << true;
    }
}
} // namespace

class tst_Conformance : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sendWindow();
    void sendWindowWithABlockingReader();
    void basicIO_data() { addNetworkRows(true); }
    void basicIO();
    void pingPong_data() { addNetworkRows(true); }
    void pingPong();
    void racyReads_data() { addNetworkRows(false); }
    void racyReads();
    void racyWrites_data() { addNetworkRows(false); }
    void racyWrites();
    void readTimeout_data() { addNetworkRows(false); }
    void readTimeout();
    void writeTimeout_data() { addNetworkRows(false); }
    void writeTimeout();
    void pastTimeout_data() { addNetworkRows(false); }
    void pastTimeout();
    void presentTimeout_data() { addNetworkRows(false); }
    void presentTimeout();
    void futureTimeout_data() { addNetworkRows(false); }
    void futureTimeout();
    void closeTimeout_data() { addNetworkRows(false); }
    void closeTimeout();
    void concurrentMethods_data() { addNetworkRows(false); }
    void concurrentMethods();

    void timeoutSignalOncePerSetterCall();
    void movedDeadlineNeverFires();
    void deadlinesOnUnconnectedSocket();
    void waitForConnectedEndsAtWriteDeadline();
    void waitForDisconnectedEndsAtReadDeadline();
    void waitForBytesWrittenEndsAtWriteDeadline();
    void ownTimeoutEarlierThanDeadline();
    void setterCutsShortWaitPromptly();
    void membMixedPairs();
    void pairMoves();
};

void tst_Conformance::basicIO()
{
    QFETCH(QString, network);
    QFETCH(bool, threaded);
    ConnectedPair c(network, network);
    QByteArray data(1 << 20, Qt::Uninitialized);
    QRandomGenerator rng(42);
    rng.fillRange(reinterpret_cast<quint32 *>(data.data()), data.size() / 4);

    auto writeAll = [data](MemSocket *s) {
        QRandomGenerator sizes(7);
        for (qsizetype off = 0; off < data.size();) {
            const qsizetype n = qMin<qsizetype>(sizes.bounded(1, 70000), data.size() - off);
            if (s->write(data.mid(off, n)) != n)
                return;
            off += n;
        }
        s->close();
    };
    QByteArray got;
    if (threaded) {
        auto t = runWith(c.client.get(), writeAll);
        got = readToEnd(c.peer.get());
        QVERIFY(t->wait(10000));
    } else {
        writeAll(c.client.get());
        drainEvents();
        got = readToEnd(c.peer.get());
    }
    QCOMPARE(got.size(), data.size());
    QVERIFY(got == data);
    QCOMPARE(c.peer->state(), State::UnconnectedState);
    char x;
    QCOMPARE(c.peer->read(&x, 1), -1);
}

void tst_Conformance::pingPong()
{
    QFETCH(QString, network);
    QFETCH(bool, threaded);
    ConnectedPair c(network, network);
    constexpr quint64 rounds = 1000;
    if (threaded) {
        // Each side reads the counter, increments it, writes it back, blocking.
        auto player = [](MemSocket *s, quint64 start) {
            quint64 n = start;
            if (start == 0)
                s->write(reinterpret_cast<const char *>(&n), sizeof n);
            while (n < rounds) {
                const QByteArray got = readBlocking(s, sizeof n);
                if (got.size() != sizeof n)
                    return n;
                std::memcpy(&n, got.constData(), sizeof n);
                ++n;
                s->write(reinterpret_cast<const char *>(&n), sizeof n);
            }
            return n;
        };
        std::atomic<quint64> otherEnd{0};
        auto t = runWith(c.client.get(), [&](MemSocket *s) { otherEnd = player(s, 1); });
        const quint64 mine = player(c.peer.get(), 0);
        QVERIFY(t->wait(20000));
        QVERIFY2(mine >= rounds && otherEnd >= rounds, qPrintable(QStringLiteral("%1 %2").arg(mine).arg(otherEnd.load())));
    } else {
        // Event-driven: every readyRead() increments and answers.
        quint64 last = 0;
        auto bounce = [&](MemSocket *s) {
            while (s->bytesAvailable() >= qint64(sizeof last)) {
                s->read(reinterpret_cast<char *>(&last), sizeof last);
                if (last < rounds) {
                    ++last;
                    s->write(reinterpret_cast<const char *>(&last), sizeof last);
                }
            }
        };
        connect(c.client.get(), &MemSocket::readyRead, this, [&] { bounce(c.client.get()); });
        connect(c.peer.get(), &MemSocket::readyRead, this, [&] { bounce(c.peer.get()); });
        c.client->write(reinterpret_cast<const char *>(&last), sizeof last);
        QVERIFY(spinUntil([&] { return last == rounds; }, 20000));
    }
}

void tst_Conformance::racyReads()
{
    QFETCH(QString, network);
    ConnectedPair c(network, network);
    std::atomic<bool> stop{false};
    std::atomic<qint64> written{0};
    auto writer = runWith(c.peer.get(), [&](MemSocket *s) {
        quint32 seq = 0;
        QDeadlineTimer until(300);
        while (!until.hasExpired()) {
            QByteArray frame(64, Qt::Uninitialized);
            for (int i = 0; i < 16; ++i, ++seq)
                std::memcpy(frame.data() + 4 * i, &seq, 4);
            if (s->write(frame) != frame.size())
                break;
            written += frame.size();
            QThread::usleep(20);
        }
    });
    MemSocket *reader = c.client.get();
    auto rearm = runThread([&] {
        while (!stop) {
            reader->setReadDeadline(QDeadlineTimer(1));
            QThread::usleep(1000);
        }
    });
    QByteArray got;
    int timeouts = 0, otherErrors = 0;
    QDeadlineTimer until(400);
    char buf[999];
    while (!until.hasExpired()) {
        const qint64 n = reader->read(buf, sizeof buf);
        if (n > 0) {
            got.append(buf, n);
        } else if (n < 0) {
            (reader->error() == QAbstractSocket::SocketTimeoutError ? timeouts : otherErrors)++;
            reader->waitForReadyRead(2);
        } else if (!reader->waitForReadyRead(2)) {
            if (reader->error() != QAbstractSocket::SocketTimeoutError)
                ++otherErrors;
        }
    }
    stop = true;
    QVERIFY(rearm->wait(5000));
    QVERIFY(writer->wait(5000));
    reader->setReadDeadline(QDeadlineTimer::Forever);
    got += readBlocking(reader, written - got.size(), 2000);
    QCOMPARE(otherErrors, 0);
    QVERIFY2(timeouts > 0, "the deadline never won a race");
    QCOMPARE(qint64(got.size()), written.load());
    for (qsizetype i = 0; i + 4 <= got.size(); i += 4) {
        quint32 v;
        std::memcpy(&v, got.constData() + i, 4);
        if (v != quint32(i / 4))
            QFAIL(qPrintable(QStringLiteral("corrupted at offset %1").arg(i)));
    }
    drainEvents();
}

void tst_Conformance::racyWrites()
{
    QFETCH(QString, network);
    ConnectedPair c(network, network);
    std::atomic<bool> stop{false};
    MemSocket *writer = c.client.get();
    auto rearm = runThread([&] {
        while (!stop) {
            writer->setWriteDeadline(QDeadlineTimer(1));
            QThread::usleep(1000);
        }
    });
    // Frames carry their sequence number: what arrives must be exactly the
    // frames whose write() succeeded, in order, each whole.
    QList<quint32> accepted;
    int timeouts = 0, otherErrors = 0;
    QDeadlineTimer until(300);
    for (quint32 seq = 0; !until.hasExpired(); ++seq) {
        QByteArray frame(40, char(seq));
        std::memcpy(frame.data(), &seq, 4);
        const qint64 n = writer->write(frame);
        if (n == frame.size())
            accepted.append(seq);
        else if (n < 0 && writer->error() == QAbstractSocket::SocketTimeoutError)
            ++timeouts;
        else
            ++otherErrors;
        if (seq % 64 == 0)
            c.peer->readAll();   // keep the peer's queue small; checked below
    }
    stop = true;
    QVERIFY(rearm->wait(5000));
    QCOMPARE(otherErrors, 0);
    QVERIFY2(timeouts > 0, "the deadline never won a race");
    QVERIFY(!accepted.isEmpty());
    writer->setWriteDeadline(QDeadlineTimer::Forever);
    // Re-run with checking: a fresh pair, every frame verified.
    ConnectedPair d(QStringLiteral("memu:"), QStringLiteral("memu:"));
    stop = false;
    MemSocket *w2 = d.client.get();
    auto rearm2 = runThread([&] {
        while (!stop) {
            w2->setWriteDeadline(QDeadlineTimer(1));
            QThread::usleep(1000);
        }
    });
    QList<quint32> ok;
    for (quint32 seq = 0; seq < 20000; ++seq) {
        QByteArray frame(40, char(seq));
        std::memcpy(frame.data(), &seq, 4);
        if (w2->write(frame) == frame.size())
            ok.append(seq);
    }
    stop = true;
    QVERIFY(rearm2->wait(5000));
    const QByteArray got = d.peer->readAll();
    QCOMPARE(got.size(), ok.size() * 40);
    for (qsizetype i = 0; i < ok.size(); ++i) {
        quint32 v;
        std::memcpy(&v, got.constData() + i * 40, 4);
        QCOMPARE(v, ok.at(i));
        QCOMPARE(got.at(i * 40 + 39), char(ok.at(i)));
    }
    drainEvents();
}

void tst_Conformance::readTimeout()
{
    QFETCH(QString, network);
    ConnectedPair c(network, network);
    drainEvents();
    c.peer->write("kept");
    QSignalSpy errors(c.client.get(), &MemSocket::errorOccurred);
    c.client->setReadDeadline(past);
    QCOMPARE(errors.size(), 0);   // through the event loop
    char buf[8];
    QCOMPARE(c.client->read(buf, sizeof buf), -1);
    QCOMPARE(c.client->error(), QAbstractSocket::SocketTimeoutError);
    QVERIFY(c.client->errorString().contains(QStringLiteral("deadline")));
    QCOMPARE(c.client->bytesAvailable(), 0);
    QVERIFY(c.client->readAll().isEmpty());
    QVERIFY(!c.client->canReadLine());
    QElapsedTimer t;
    t.start();
    QVERIFY(!c.client->waitForReadyRead(5000));
    QVERIFY(t.elapsed() < 1000);
    // Writes still work.
    QCOMPARE(c.client->write("out"), 3);
    QVERIFY(spinUntil([&] { return c.peer->bytesAvailable() == 3; }));
    drainEvents();
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<Error>(), QAbstractSocket::SocketTimeoutError);
    QCOMPARE(c.client->state(), State::ConnectedState);
    // Nothing was dropped.
    c.client->setReadDeadline(QDeadlineTimer::Forever);
    QCOMPARE(c.client->readAll(), QByteArray("kept"));

    // Bytes QIODevice already holds (after peek()) are held back too.
    c.peer->write("peeked");
    QCOMPARE(c.client->peek(6), QByteArray("peeked"));
    c.client->setReadDeadline(past);
    QCOMPARE(c.client->bytesAvailable(), 0);
    QVERIFY(c.client->readAll().isEmpty());
    QCOMPARE(c.client->read(buf, sizeof buf), -1);
    QVERIFY(c.client->read(6).isEmpty());
    c.client->setReadDeadline(QDeadlineTimer::Forever);
    QCOMPARE(c.client->readAll(), QByteArray("peeked"));
}

void tst_Conformance::writeTimeout()
{
    QFETCH(QString, network);
    ConnectedPair c(network, network);
    drainEvents();
    QSignalSpy errors(c.client.get(), &MemSocket::errorOccurred);
    c.client->setWriteDeadline(past);
    QCOMPARE(c.client->write("no"), -1);
    QCOMPARE(c.client->error(), QAbstractSocket::SocketTimeoutError);
    QCOMPARE(static_cast<QIODevice *>(c.client.get())->write("no", 2), -1);
    QElapsedTimer t;
    t.start();
    QVERIFY(!c.client->waitForBytesWritten(5000));
    QVERIFY(t.elapsed() < 1000);
    // Reads still work.
    c.peer->write("in");
    QVERIFY(c.client->bytesAvailable() == 2 || c.client->waitForReadyRead(1000));
    QCOMPARE(c.client->readAll(), QByteArray("in"));
    drainEvents();
    QCOMPARE(errors.size(), 1);
    QCOMPARE(c.peer->bytesAvailable(), 0);   // the refused writes left nothing behind
    c.client->setWriteDeadline(QDeadlineTimer::Forever);
    QCOMPARE(c.client->write("yes"), 3);
    QVERIFY(spinUntil([&] { return c.peer->bytesAvailable() == 3; }));
}

void tst_Conformance::pastTimeout()
{
    QFETCH(QString, network);
    ConnectedPair c(network, network);
    drainEvents();
    QSignalSpy errors(c.client.get(), &MemSocket::errorOccurred);
    c.peer->write("waiting");
    c.client->setDeadline(past);
    QCOMPARE(c.client->readDeadline(), c.client->writeDeadline());
    QCOMPARE(c.client->write("x"), -1);
    QCOMPARE(c.client->read(1), QByteArray());
    QCOMPARE(c.client->error(), QAbstractSocket::SocketTimeoutError);
    drainEvents();
    QCOMPARE(errors.size(), 1);   // one setter call, one signal
    c.client->setDeadline(QDeadlineTimer::Forever);
    QVERIFY(c.client->readDeadline().isForever());
    QCOMPARE(c.client->readAll(), QByteArray("waiting"));
    QCOMPARE(c.client->write("round"), 5);
    QVERIFY(spinUntil([&] { return c.peer->bytesAvailable() == 5; }));
    c.peer->write(c.peer->readAll() + " trip");
    QVERIFY(spinUntil([&] { return c.client->bytesAvailable() == 10; }));
    QCOMPARE(c.client->readAll(), QByteArray("round trip"));
}

void tst_Conformance::presentTimeout()
{
    QFETCH(QString, network);
    ConnectedPair c(network, network);
    MemSocket *s = c.client.get();
    QElapsedTimer t;
    std::atomic<qint64> setAt{0};
    t.start();
    auto setter = runThread([&] {
        QThread::msleep(50);
        setAt = t.elapsed();
        s->setReadDeadline(QDeadlineTimer(0));   // now
    });
    QVERIFY(!s->waitForReadyRead(10000));
    const qint64 latency = t.elapsed() - setAt;
    QVERIFY(setter->wait(5000));
    QVERIFY2(latency < 100, qPrintable(QString::number(latency)));
    QCOMPARE(s->error(), QAbstractSocket::SocketTimeoutError);

    // The same for a writer blocked until the peer reads (memu).
    s->setReadDeadline(QDeadlineTimer::Forever);
    if (network == QStringLiteral("memu:")) {
        s->write("unread");
        t.restart();
        auto setter2 = runThread([&] {
            QThread::msleep(50);
            setAt = t.elapsed();
            s->setWriteDeadline(QDeadlineTimer(0));
        });
        QVERIFY(!s->waitForBytesWritten(10000));
        const qint64 latency2 = t.elapsed() - setAt;
        QVERIFY(setter2->wait(5000));
        QVERIFY2(latency2 < 100, qPrintable(QString::number(latency2)));
    }
    drainEvents();
}

void tst_Conformance::futureTimeout()
{
    QFETCH(QString, network);
    ConnectedPair c(network, network);
    QSignalSpy errors(c.client.get(), &MemSocket::errorOccurred);
    {
        PeerThread peer(c.peer.get());   // a peer that could write, but does not
        c.client->setReadDeadline(QDeadlineTimer(100));
        QElapsedTimer t;
        t.start();
        QVERIFY(!c.client->waitForReadyRead(10000));
        QVERIFY2(t.elapsed() >= 90 && t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
        QCOMPARE(c.client->error(), QAbstractSocket::SocketTimeoutError);
    }
    QVERIFY(spinUntil([&] { return errors.size() == 1; }));
    c.client->setReadDeadline(QDeadlineTimer::Forever);
    c.client->write("ping");
    QVERIFY(spinUntil([&] { return c.peer->bytesAvailable() == 4; }));
    c.peer->write("pong");
    QVERIFY(c.client->bytesAvailable() == 4 || c.client->waitForReadyRead(1000));
    QCOMPARE(c.client->readAll(), QByteArray("pong"));
    drainEvents();
    QCOMPARE(errors.size(), 1);
}

void tst_Conformance::closeTimeout()
{
    QFETCH(QString, network);
    ConnectedPair c(network, network);
    QElapsedTimer t;
    std::atomic<qint64> closedAt{0};
    t.start();
    c.client->setDeadline(QDeadlineTimer::Forever);
    auto closer = runWith(c.peer.get(), [&](MemSocket *s) {
        QThread::msleep(50);
        closedAt = t.elapsed();
        s->close();
    });
    QVERIFY(!c.client->waitForReadyRead(10000));
    QVERIFY2(t.elapsed() - closedAt < 100, qPrintable(QString::number(t.elapsed() - closedAt)));
    QVERIFY(closer->wait(5000));
    QCOMPARE(c.client->state(), State::UnconnectedState);
    QCOMPARE(c.client->error(), QAbstractSocket::RemoteHostClosedError);

    // A writer blocked until its peer reads is released by the peer's close too.
    ConnectedPair d(network, network);
    if (network == QStringLiteral("memu:")) {
        d.client->write("never read");
        t.restart();
        auto closer2 = runWith(d.peer.get(), [&](MemSocket *s) {
            QThread::msleep(50);
            closedAt = t.elapsed();
            s->close();
        });
        QVERIFY(!d.client->waitForBytesWritten(10000));
        QVERIFY2(t.elapsed() - closedAt < 100, qPrintable(QString::number(t.elapsed() - closedAt)));
        QVERIFY(closer2->wait(5000));
    }
}

void tst_Conformance::concurrentMethods()
{
    QFETCH(QString, network);
    ConnectedPair c(network, network);
    MemSocket *a = c.client.get();
    MemSocket *b = c.peer.get();
    std::atomic<bool> stop{false};
    std::atomic<int> names{0};
    auto io = [&stop](MemSocket *s) {
        quint64 rounds = 0;
        while (!stop) {
            s->write(QByteArray(1 + int(rounds % 300), 'c'));
            s->readAll();
            char buf[64];
            s->read(buf, sizeof buf);
            s->waitForReadyRead(1);
            s->bytesToWrite();
            ++rounds;
        }
        s->setDeadline(QDeadlineTimer::Forever);
    };
    auto ta = runWith(a, io);
    auto tb = runWith(b, io);
    auto setters = runThread([&] {
        QRandomGenerator rng(3);
        while (!stop) {
            MemSocket *s = rng.bounded(2) ? a : b;
            switch (rng.bounded(4)) {
            case 0: s->setDeadline(QDeadlineTimer(rng.bounded(3))); break;
            case 1: s->setReadDeadline(QDeadlineTimer::Forever); break;
            case 2: s->setWriteDeadline(QDeadlineTimer(rng.bounded(2))); break;
            default: s->setDeadline(QDeadlineTimer::Forever); break;
            }
            QThread::usleep(200);
        }
    });
    auto getters = runThread([&] {
        while (!stop) {
            if (!a->localName().isEmpty() && b->peerName() == a->localName())
                ++names;
            (void)a->readDeadline();
            (void)b->writeDeadline();
            QThread::usleep(100);
        }
    });
    QThread::msleep(300);
    stop = true;
    for (auto *t : {ta.get(), tb.get(), setters.get(), getters.get()})
        QVERIFY(t->wait(10000));
    QVERIFY(names > 0);
    a->setDeadline(QDeadlineTimer::Forever);
    b->setDeadline(QDeadlineTimer::Forever);
    drainEvents();
    b->readAll();
    a->readAll();
    QCOMPARE(a->state(), State::ConnectedState);
    a->write("after");
    QVERIFY(spinUntil([&] { return b->bytesAvailable() == 5; }));
    QCOMPARE(b->readAll(), QByteArray("after"));
}

void tst_Conformance::timeoutSignalOncePerSetterCall()
{
    ConnectedPair c(QStringLiteral("memu:"), QStringLiteral("memu:"));
    QSignalSpy errors(c.client.get(), &MemSocket::errorOccurred);
    c.client->setReadDeadline(QDeadlineTimer(30));
    QTest::qWait(150);
    QCOMPARE(errors.size(), 1);
    c.client->setWriteDeadline(past);
    c.client->setReadDeadline(past);
    QVERIFY(spinUntil([&] { return errors.size() == 3; }));
    c.client->setDeadline(QDeadlineTimer(20));
    QTest::qWait(100);
    QCOMPARE(errors.size(), 4);   // one call, one signal, though both deadlines passed
    for (const auto &e : errors)
        QCOMPARE(e.at(0).value<Error>(), QAbstractSocket::SocketTimeoutError);
    QCOMPARE(c.client->state(), State::ConnectedState);
    QTest::qWait(50);
    QCOMPARE(errors.size(), 4);
}

void tst_Conformance::movedDeadlineNeverFires()
{
    ConnectedPair c(QStringLiteral("memu:"), QStringLiteral("memu:"));
    QSignalSpy errors(c.client.get(), &MemSocket::errorOccurred);
    c.client->setReadDeadline(QDeadlineTimer(40));
    c.client->setReadDeadline(QDeadlineTimer::Forever);
    c.client->setWriteDeadline(QDeadlineTimer(40));
    c.client->setWriteDeadline(QDeadlineTimer(10000));
    QTest::qWait(120);
    QCOMPARE(errors.size(), 0);
    QCOMPARE(c.client->write("fine"), 4);
}

void tst_Conformance::deadlinesOnUnconnectedSocket()
{
    MemSocket s;
    QSignalSpy errors(&s, &MemSocket::errorOccurred);
    s.setDeadline(past);
    QVERIFY(s.readDeadline().hasExpired());
    drainEvents();
    QCOMPARE(errors.size(), 0);   // only a connected socket is told
    s.setDeadline(QDeadlineTimer::Forever);
    QVERIFY(s.writeDeadline().isForever());
}

void tst_Conformance::waitForConnectedEndsAtWriteDeadline()
{
    const QString name = uniqueName("wfc-deadline");
    MemServer server;
    QVERIFY(server.listen(name));
    server.pauseAccepting();
    MemSocket s;
    s.connectToServer(name);
    PeerThread serverThread(&server);
    s.setWriteDeadline(QDeadlineTimer(50));
    QElapsedTimer t;
    t.start();
    QVERIFY(!s.waitForConnected(10000));
    QVERIFY2(t.elapsed() >= 45 && t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(s.error(), QAbstractSocket::SocketTimeoutError);
    QCOMPARE(s.state(), State::UnconnectedState);
}

void tst_Conformance::waitForDisconnectedEndsAtReadDeadline()
{
    ConnectedPair c(QStringLiteral("memu:"), QStringLiteral("memu:"));
    PeerThread peer(c.peer.get());
    c.client->setReadDeadline(QDeadlineTimer(50));
    QElapsedTimer t;
    t.start();
    QVERIFY(!c.client->waitForDisconnected(10000));
    QVERIFY2(t.elapsed() >= 45 && t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(c.client->state(), State::ConnectedState);
    c.client->setReadDeadline(QDeadlineTimer::Forever);
    peer.run([&] { c.peer->close(); });
    QVERIFY(c.client->waitForDisconnected(1000));
    QCOMPARE(c.client->state(), State::UnconnectedState);
}

void tst_Conformance::waitForBytesWrittenEndsAtWriteDeadline()
{
    ConnectedPair c(QStringLiteral("memu:"), QStringLiteral("memu:"));
    c.client->write("pending");
    PeerThread peer(c.peer.get());
    c.client->setWriteDeadline(QDeadlineTimer(50));
    QElapsedTimer t;
    t.start();
    QVERIFY(!c.client->waitForBytesWritten(10000));
    QVERIFY2(t.elapsed() >= 45 && t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(c.client->bytesToWrite(), 7);   // nothing dropped
    c.client->setWriteDeadline(QDeadlineTimer::Forever);
    peer.run([&] { c.peer->readAll(); });
    QVERIFY(c.client->waitForBytesWritten(1000));
}

void tst_Conformance::ownTimeoutEarlierThanDeadline()
{
    ConnectedPair c(QStringLiteral("memu:"), QStringLiteral("memu:"));
    c.client->setReadDeadline(QDeadlineTimer(5000));
    QElapsedTimer t;
    t.start();
    QVERIFY(!c.client->waitForReadyRead(40));
    QVERIFY(t.elapsed() < 1000);
    QCOMPARE(c.client->error(), QAbstractSocket::SocketTimeoutError);
    c.peer->write("ok");
    QCOMPARE(c.client->readAll(), QByteArray("ok"));   // the deadline has not passed
}

void tst_Conformance::setterCutsShortWaitPromptly()
{
    // Twenty measurements of the cross-thread setter's latency.
    ConnectedPair c(QStringLiteral("memu:"), QStringLiteral("memu:"));
    MemSocket *s = c.client.get();
    qint64 worst = 0;
    for (int i = 0; i < 20; ++i) {
        s->setReadDeadline(QDeadlineTimer::Forever);
        QElapsedTimer t;
        std::atomic<qint64> setAt{0};
        t.start();
        auto setter = runThread([&] {
            QThread::msleep(5);
            setAt = t.nsecsElapsed();
            s->setReadDeadline(QDeadlineTimer(0));
        });
        QVERIFY(!s->waitForReadyRead(10000));
        worst = qMax(worst, t.nsecsElapsed() - setAt);
        QVERIFY(setter->wait(5000));
    }
    qInfo("worst setter-to-return latency: %lld us", worst / 1000);
    QVERIFY2(worst < 100'000'000, qPrintable(QString::number(worst)));
    drainEvents();
}

void tst_Conformance::membMixedPairs()
{
    for (const auto &[serverNet, clientNet] : {std::pair{"memb:", "memu:"}, std::pair{"memu:", "memb:"}}) {
        const QString name = uniqueName("mixed");
        MemServer server;
        QVERIFY(server.listen(QLatin1StringView(serverNet) + name));
        MemSocket client;
        client.connectToServer(QLatin1StringView(clientNet) + name);
        MemSocket *peer = server.nextPendingConnection();
        QVERIFY(peer);
        QCOMPARE(client.isBuffered(), clientNet == std::string_view("memb:"));
        QCOMPARE(peer->isBuffered(), serverNet == std::string_view("memb:"));
        QCOMPARE(peer->fullServerName(), QLatin1StringView(serverNet) + name);
        QCOMPARE(client.fullServerName(), QLatin1StringView(clientNet) + name);
        drainEvents();
        QSignalSpy cw(&client, &MemSocket::bytesWritten), pw(peer, &MemSocket::bytesWritten);
        client.write("from client");
        peer->write("from peer");
        drainEvents();
        // A buffered end hears of its write at once; an unbuffered end when read.
        QCOMPARE(bytesReported(cw), client.isBuffered() ? 11 : 0);
        QCOMPARE(bytesReported(pw), peer->isBuffered() ? 9 : 0);
        QCOMPARE(client.bytesToWrite(), client.isBuffered() ? 0 : 11);
        QCOMPARE(peer->bytesToWrite(), peer->isBuffered() ? 0 : 9);
        QCOMPARE(peer->readAll(), QByteArray("from client"));
        QCOMPARE(client.readAll(), QByteArray("from peer"));
        drainEvents();
        QCOMPARE(bytesReported(cw), 11);
        QCOMPARE(bytesReported(pw), 9);
        QCOMPARE(client.bytesToWrite(), 0);
    }
}

void tst_Conformance::pairMoves()
{
    auto [a, b] = MemSocket::createPair();
    std::unique_ptr<MemSocket> ga(a), gb(b);
    QVERIFY(!a->isBuffered());
    auto t = runWith(b, [](MemSocket *s) {
        const QByteArray got = readBlocking(s, 5);
        s->write(got.toUpper());
    });
    a->write("hello");
    QCOMPARE(readBlocking(a, 5), QByteArray("HELLO"));
    QVERIFY(t->wait(5000));
}

// memsocket.h, bytesToWrite(): bytes up to memb's send window count as
// written at once, bytes beyond it when the reader takes them; memu is the
// same rule with a window of 0.
void tst_Conformance::sendWindow()
{
    ConnectedPair b(QStringLiteral("memb:"), QStringLiteral("memb:"));
    MemSocket *w = b.client.get();
    QCOMPARE(w->socketOption(QAbstractSocket::SendBufferSizeSocketOption).toLongLong(), 256 * 1024);
    QSignalSpy written(w, &QIODevice::bytesWritten);
    w->write(QByteArray(100, 'a'));
    QCOMPARE(w->bytesToWrite(), 0);
    QCOMPARE(written.size(), 0);                   // through the event loop
    QVERIFY(spinUntil([&] { return bytesReported(written) == 100; }));
    const QByteArray big(300 * 1024, 'b');
    QCOMPARE(w->write(big), big.size());           // never refused for size
    drainEvents();
    QCOMPARE(w->bytesToWrite(), 100 + big.size() - 256 * 1024);
    QCOMPARE(bytesReported(written), 256 * 1024);  // the window, not more
    QByteArray got(20 * 1024, Qt::Uninitialized);   // less than the 44 KiB beyond the window
    QCOMPARE(b.peer->read(got.data(), got.size()), got.size());
    QCOMPARE(w->bytesToWrite(), 100 + big.size() - 256 * 1024 - got.size());
    got += b.peer->readAll();
    QCOMPARE(w->bytesToWrite(), 0);
    QVERIFY(spinUntil([&] { return bytesReported(written) == 100 + big.size(); }));
    QCOMPARE(got.size(), 100 + big.size());

    // A window of 0 is memu's rule; widening it counts waiting bytes at once.
    w->setSocketOption(QAbstractSocket::SendBufferSizeSocketOption, 0);
    QCOMPARE(w->socketOption(QAbstractSocket::SendBufferSizeSocketOption).toLongLong(), 0);
    w->write("12345");
    QCOMPARE(w->bytesToWrite(), 5);
    w->setSocketOption(QAbstractSocket::SendBufferSizeSocketOption, 4);
    QCOMPARE(w->bytesToWrite(), 1);
    QVERIFY(spinUntil([&] { return bytesReported(written) == 100 + big.size() + 4; }));

    // memu: 0, and it stays 0.
    ConnectedPair u;
    QCOMPARE(u.client->socketOption(QAbstractSocket::SendBufferSizeSocketOption).toLongLong(), 0);
    u.client->setSocketOption(QAbstractSocket::SendBufferSizeSocketOption, 1000);
    QCOMPARE(u.client->socketOption(QAbstractSocket::SendBufferSizeSocketOption).toLongLong(), 0);
    u.client->write("x");
    QCOMPARE(u.client->bytesToWrite(), 1);
    QVERIFY(!u.client->socketOption(QAbstractSocket::LowDelayOption).isValid());

    // Set before connecting, it applies to the connection.
    MemSocket early;
    early.setServerName(QStringLiteral("memb:") + b.name);
    early.setSocketOption(QAbstractSocket::SendBufferSizeSocketOption, 10);
    early.connectToServer();
    early.write(QByteArray(15, 'e'));
    QCOMPARE(early.bytesToWrite(), 5);
}

// waitForBytesWritten() on memb: at once within the window, then as a reader
// in another thread takes the bytes.
void tst_Conformance::sendWindowWithABlockingReader()
{
    ConnectedPair b(QStringLiteral("memb:"), QStringLiteral("memb:"));
    MemSocket *w = b.client.get();
    w->setSocketOption(QAbstractSocket::SendBufferSizeSocketOption, 1024);
    w->write(QByteArray(1000, 'x'));
    QVERIFY(w->waitForBytesWritten(1000));          // within the window
    w->write(QByteArray(4000, 'y'));                // 3,976 bytes beyond it
    QVERIFY(w->waitForBytesWritten(1000));          // the 24 that still fit
    QCOMPARE(w->bytesToWrite(), 3976);
    std::atomic<qint64> read{0};
    auto reader = runWith(b.peer.get(), [&](MemSocket *s) {
        while (read < 5000) {
            read += s->readAll().size();
            if (read < 5000)
                s->waitForReadyRead(1000);
        }
    });
    QVERIFY(w->waitForBytesWritten(5000));
    QVERIFY(reader->wait(5000));
    QCOMPARE(read.load(), 5000);
    QCOMPARE(w->bytesToWrite(), 0);
}

QTEST_GUILESS_MAIN(tst_Conformance)
#include "tst_conformance.moc"
