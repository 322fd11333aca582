// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// MemSocket in one thread: connecting, data, memu accounting, closing, errors
// (memsocket.h: connectToServer(), write(), read(), the closes).
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include <memory>

#include "testutil.h"

using State = QAbstractSocket::SocketState;
using Error = QAbstractSocket::SocketError;

namespace {
enum class Writer { NeverConnected, ClosedByItself, PeerClosed, PeerDeleted, ReadOnly, StillConnecting };
enum class Close { Close, DisconnectFromServer, Abort };
enum class Gone { Close, Abort, Delete };

QList<int> states(const QSignalSpy &spy)
{
    QList<int> out;
    for (const auto &args : spy)
        out.append(args.at(0).toInt());
    return out;
}
} // namespace

Q_DECLARE_METATYPE(Writer)
Q_DECLARE_METATYPE(Close)
Q_DECLARE_METATYPE(Gone)

class tst_MemSocket : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void freshSocket();
    void connectSignalOrderAndConnectedOnReturn();
    void destroyingClosesLikeQLocalSocket();
    void openConnectsToServerName();
    void connectWhileConnectedIsAnError();
    void writeHandsOverAtOnceAndReadyReadIsCoalesced();
    void bytesArriveCompleteInOrderOnce();
    void memuAccounting();
    void waitForReadyReadWaitsPastBytesAReadTook_data();
    void waitForReadyReadWaitsPastBytesAReadTook();
    void memuBytesCountAsReadWhenTheReaderTakesThem();
    void membAccounting();
    void zeroLengthWrite();
    void readAllSharesTheWrittenArray();
    void writeErrors_data();
    void writeErrors();
    void readWriteOnlySocket();
    void readBufferSizeLimitsAndReadyReadComesAgain();
    void closeSignalOrder_data();
    void closeSignalOrder();
    void peerSeesCloseThroughEventLoopAndKeepsBytes_data();
    void peerSeesCloseThroughEventLoopAndKeepsBytes();
    void endOfStream();
    void closeDiscardsOwnUnreadInput();
    void abortWhileConnecting();
    void waitForConnectedTimesOutAndAbandons();
    void waitsInOneThreadReturnAtOnce();
    void waitForBytesWrittenWithNothingToWrite();
    void reconnectAfterPeerClosed();
    void createPairIsConnected();
};

void tst_MemSocket::freshSocket()
{
    MemSocket socket;
    QCOMPARE(socket.error(), QAbstractSocket::UnknownSocketError);
    QCOMPARE(socket.errorString(), QStringLiteral("Unknown error"));
    QCOMPARE(socket.state(), State::UnconnectedState);
    QVERIFY(!socket.isValid());
    QVERIFY(socket.isSequential());
    QCOMPARE(socket.readBufferSize(), 0);
    QVERIFY(socket.readDeadline().isForever());
    QVERIFY(socket.writeDeadline().isForever());
    QSignalSpy st(&socket, &MemSocket::stateChanged);
    QSignalSpy dc(&socket, &MemSocket::disconnected);
    QSignalSpy er(&socket, &MemSocket::errorOccurred);
    QSignalSpy ac(&socket, &MemSocket::aboutToClose);
    socket.abort();
    socket.close();
    socket.disconnectFromServer();
    QCOMPARE(st.size() + dc.size() + er.size() + ac.size(), 0);
    QCOMPARE(socket.error(), QAbstractSocket::UnknownSocketError);
}

void tst_MemSocket::connectSignalOrderAndConnectedOnReturn()
{
    const QString name = uniqueName("order");
    MemServer server;
    QVERIFY(server.listen(name));
    QStringList log;   // outlives the socket, whose destructor closes it with signals
    MemSocket socket;
    connect(&socket, &MemSocket::stateChanged, this,
            [&](State s) { log << QStringLiteral("state %1").arg(int(s)); });
    connect(&socket, &MemSocket::connected, this, [&] { log << QStringLiteral("connected"); });
    socket.connectToServer(name);
    QCOMPARE(socket.state(), State::ConnectedState);
    QVERIFY(socket.isValid());
    QVERIFY(socket.isOpen());
    QCOMPARE(socket.openMode(), QIODevice::ReadWrite | QIODevice::Unbuffered);
    QCOMPARE(log, (QStringList{QStringLiteral("state %1").arg(int(State::ConnectingState)),
                               QStringLiteral("state %1").arg(int(State::ConnectedState)),
                               QStringLiteral("connected")}));
}

void tst_MemSocket::destroyingClosesLikeQLocalSocket()
{
    // As ~QLocalSocket: an open socket closes from its destructor, so code
    // that tracks the device (Qt Remote Objects does) hears that it goes.
    ConnectedPair f;
    QStringList log;
    connect(f.client.get(), &QIODevice::aboutToClose, this, [&] { log << QStringLiteral("aboutToClose"); });
    connect(f.client.get(), &MemSocket::stateChanged, this,
            [&](State s) { log << QStringLiteral("state %1").arg(int(s)); });
    connect(f.client.get(), &MemSocket::disconnected, this, [&] { log << QStringLiteral("disconnected"); });
    QSignalSpy peerDisconnected(f.peer.get(), &MemSocket::disconnected);
    QCOMPARE(f.client->write("bye"), 3);
    f.client.reset();
    QCOMPARE(log, (QStringList{QStringLiteral("aboutToClose"),
                               QStringLiteral("state %1").arg(int(State::ClosingState)),
                               QStringLiteral("state %1").arg(int(State::UnconnectedState)),
                               QStringLiteral("disconnected")}));
    QVERIFY(peerDisconnected.wait(1000));
    QCOMPARE(f.peer->readAll(), QByteArray("bye"));

    // A socket that never connected goes without a word.
    int signals = 0;
    {
        MemSocket idle;
        connect(&idle, &QIODevice::aboutToClose, this, [&] { ++signals; });
        connect(&idle, &MemSocket::stateChanged, this, [&] { ++signals; });
    }
    QCOMPARE(signals, 0);
}

void tst_MemSocket::openConnectsToServerName()
{
    const QString name = uniqueName("open");
    MemServer server;
    QVERIFY(server.listen(name));
    MemSocket socket;
    socket.setServerName(name);
    QCOMPARE(socket.serverName(), name);
    QVERIFY(socket.open(QIODevice::ReadOnly));
    QCOMPARE(socket.state(), State::ConnectedState);
    QVERIFY(socket.isReadable());
    QVERIFY(!socket.isWritable());
    MemSocket nobody;
    nobody.setServerName(uniqueName("nobody"));
    QVERIFY(!nobody.open(QIODevice::ReadWrite));
    QCOMPARE(nobody.error(), QAbstractSocket::HostNotFoundError);
}

void tst_MemSocket::connectWhileConnectedIsAnError()
{
    ConnectedPair f;
    QSignalSpy errors(f.client.get(), &MemSocket::errorOccurred);
    f.client->connectToServer(f.name);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(f.client->error(), QAbstractSocket::OperationError);
    QVERIFY(f.client->errorString().contains(f.name));
    QCOMPARE(f.client->state(), State::ConnectedState);
    QCOMPARE(f.client->write("ok"), 2);
    QVERIFY(spinUntil([&] { return f.peer->bytesAvailable() == 2; }));
}

void tst_MemSocket::writeHandsOverAtOnceAndReadyReadIsCoalesced()
{
    ConnectedPair f;
    QVERIFY(f.peer.get());
    drainEvents();
    QSignalSpy ready(f.peer.get(), &MemSocket::readyRead);
    for (int i = 0; i < 100; ++i)
        QCOMPARE(f.client->write("abc"), 3);
    QCOMPARE(ready.size(), 0);                  // nothing re-entrant into the writer
    QCOMPARE(f.peer->bytesAvailable(), 300);    // but the bytes are there at once
    drainEvents();
    QCOMPARE(ready.size(), 1);                  // one signal for the burst
    QCOMPARE(f.peer->readAll().size(), 300);
    drainEvents();
    QCOMPARE(ready.size(), 1);
}

void tst_MemSocket::bytesArriveCompleteInOrderOnce()
{
    ConnectedPair f;
    QByteArray sent;
    for (int i = 0; i < 1000; ++i) {
        const QByteArray chunk = QByteArray::number(i) + ',';
        sent += chunk;
        QCOMPARE(f.client->write(chunk), chunk.size());
    }
    QByteArray got;
    char buf[7];
    for (;;) {
        const qint64 n = f.peer->read(buf, sizeof buf);
        QVERIFY(n >= 0);
        if (n == 0)
            break;
        got.append(buf, n);
    }
    QCOMPARE(got, sent);
    QCOMPARE(f.peer->bytesAvailable(), 0);
}

void tst_MemSocket::memuAccounting()
{
    ConnectedPair f;
    drainEvents();
    QSignalSpy written(f.client.get(), &MemSocket::bytesWritten);
    QCOMPARE(f.client->write(QByteArray(100, 'x')), 100);
    QCOMPARE(f.client->bytesToWrite(), 100);
    drainEvents();
    QCOMPARE(written.size(), 0);                // nobody read yet
    QCOMPARE(f.peer->read(30).size(), 30);
    QCOMPARE(f.client->bytesToWrite(), 70);
    QCOMPARE(written.size(), 0);                // told through the writer's event loop
    QCOMPARE(f.peer->read(70).size(), 70);
    drainEvents();
    QCOMPARE(bytesReported(written), 100);
    QCOMPARE(written.size(), 1);                // both reads, one notification
    QCOMPARE(f.client->bytesToWrite(), 0);
}

// memsocket.h, bytesToWrite(): a byte counts as read when it leaves the
// connection into the reader's QIODevice, peek() and transactions included,
// at once and with no event loop; bytesWritten() follows through the loop.
void tst_MemSocket::memuBytesCountAsReadWhenTheReaderTakesThem()
{
    ConnectedPair f;
    drainEvents();
    QSignalSpy written(f.client.get(), &MemSocket::bytesWritten);
    f.client->write(QByteArray(100, 'p'));
    QCOMPARE(f.peer->peek(10).size(), 10);
    const qint64 held = f.peer->QIODevice::bytesAvailable();   // what peek() pulled into QIODevice
    QVERIFY(held >= 10);
    QCOMPARE(f.client->bytesToWrite(), 100 - held);
    QCOMPARE(written.size(), 0);   // never inside the reader's call
    drainEvents();
    QCOMPARE(bytesReported(written), held);
    char c;
    QVERIFY(f.peer->getChar(&c));
    QCOMPARE(f.peer->bytesAvailable(), 99);
    QCOMPARE(f.client->bytesToWrite(), 100 - held);   // served from QIODevice's buffer
    QCOMPARE(f.peer->read(99).size(), 99);
    QCOMPARE(f.client->bytesToWrite(), 0);
    drainEvents();
    QCOMPARE(bytesReported(written), 100);

    // A transaction takes the bytes from the connection: they count as read,
    // and a rollback keeps them readable on the reader's side.
    f.client->write("tx-bytes");
    QCOMPARE(f.client->bytesToWrite(), 8);
    f.peer->startTransaction();
    QCOMPARE(f.peer->read(8), QByteArray("tx-bytes"));
    QCOMPARE(f.client->bytesToWrite(), 0);
    f.peer->rollbackTransaction();
    QCOMPARE(f.client->bytesToWrite(), 0);
    f.peer->startTransaction();
    QCOMPARE(f.peer->read(8), QByteArray("tx-bytes"));
    f.peer->commitTransaction();
    QCOMPARE(f.peer->bytesAvailable(), 0);
    drainEvents();
    QCOMPARE(bytesReported(written), 108);
}

void tst_MemSocket::membAccounting()
{
    ConnectedPair f(QString(), QStringLiteral("memb:"));
    QVERIFY(f.client->isBuffered());
    drainEvents();
    QSignalSpy written(f.client.get(), &MemSocket::bytesWritten);
    QCOMPARE(f.client->write("12345"), 5);
    QCOMPARE(f.client->write("678"), 3);
    QCOMPARE(f.client->bytesToWrite(), 0);
    QCOMPARE(written.size(), 0);   // through the event loop, not from write()
    drainEvents();
    QCOMPARE(bytesReported(written), 8);            // without the peer reading anything
    QCOMPARE(f.peer->bytesAvailable(), 8);
}

void tst_MemSocket::zeroLengthWrite()
{
    ConnectedPair f;
    drainEvents();
    QSignalSpy ready(f.peer.get(), &MemSocket::readyRead);
    QCOMPARE(f.client->write(QByteArray()), 0);
    QCOMPARE(f.client->write("", 0), 0);
    drainEvents();
    QCOMPARE(ready.size(), 0);
}

void tst_MemSocket::readAllSharesTheWrittenArray()
{
    ConnectedPair f;
    const QByteArray payload(1 << 20, 'z');
    QCOMPARE(f.client->write(payload), payload.size());
    const QByteArray got = f.peer->readAll();
    QCOMPARE(got.size(), payload.size());
    // One QByteArray end to end: the reader holds the writer's very bytes.
    QCOMPARE(got.constData(), payload.constData());

    // Raw data the caller may free is copied, never shared.
    char raw[4] = {'r', 'a', 'w', '!'};
    QCOMPARE(f.client->write(QByteArray::fromRawData(raw, 4)), 4);
    raw[0] = 'X';
    QCOMPARE(f.peer->readAll(), QByteArray("raw!"));
}

void tst_MemSocket::writeErrors_data()
{
    QTest::addColumn<Writer>("writer");
    QTest::newRow("never connected") << Writer::NeverConnected;
    QTest::newRow("closed by itself") << Writer::ClosedByItself;
    QTest::newRow("peer closed") << Writer::PeerClosed;
    QTest::newRow("peer deleted") << Writer::PeerDeleted;
    QTest::newRow("read-only") << Writer::ReadOnly;
    QTest::newRow("still connecting") << Writer::StillConnecting;
}

void tst_MemSocket::writeErrors()
{
    QFETCH(Writer, writer);
    const Writer situation = writer;
    ConnectedPair f;
    MemSocket fresh;
    MemSocket *w = f.client.get();
    MemSocket readOnly;
    MemServer paused;
    MemSocket connecting;
    // Through a QIODevice pointer Qt's own check speaks first.
    if (situation == Writer::ReadOnly)
        QTest::ignoreMessage(QtWarningMsg, "QIODevice::write (MemSocket): ReadOnly device");
    else if (situation == Writer::NeverConnected || situation == Writer::ClosedByItself
             || situation == Writer::StillConnecting)
        QTest::ignoreMessage(QtWarningMsg, "QIODevice::write (MemSocket): device not open");
    switch (situation) {
    case Writer::NeverConnected:
        fresh.setServerName(f.name);
        w = &fresh;
        break;
    case Writer::ClosedByItself:
        f.client->close();
        break;
    case Writer::PeerClosed:
        f.peer->close();
        break;
    case Writer::PeerDeleted:
        f.peer.reset();
        break;
    case Writer::ReadOnly:
        readOnly.connectToServer(f.name, QIODevice::ReadOnly);
        QCOMPARE(readOnly.state(), State::ConnectedState);
        w = &readOnly;
        break;
    case Writer::StillConnecting: {
        const QString name = uniqueName("paused");
        QVERIFY(paused.listen(name));
        paused.pauseAccepting();
        connecting.connectToServer(name);
        QCOMPARE(connecting.state(), State::ConnectingState);
        w = &connecting;
        break;
    }
    }
    QCOMPARE(w->write("data"), -1);
    QVERIFY2(w->errorString().contains(QStringLiteral("memu:")), qPrintable(w->errorString()));
    QVERIFY(w->error() != QAbstractSocket::UnknownSocketError);   // the code is set with the text
    QCOMPARE(w->write(QByteArray("data")), -1);
    QCOMPARE(w->write("data", 4), -1);
    QCOMPARE(static_cast<QIODevice *>(w)->write(QByteArray("data")), -1);
    QCOMPARE(w->bytesToWrite(), 0);
}

void tst_MemSocket::readWriteOnlySocket()
{
    const QString name = uniqueName("wo");
    MemServer server;
    QVERIFY(server.listen(name));
    MemSocket socket;
    socket.connectToServer(name, QIODevice::WriteOnly);
    QCOMPARE(socket.state(), State::ConnectedState);
    MemSocket *peer = server.nextPendingConnection();
    peer->write("hello");
    char buf[8];
    QCOMPARE(socket.read(buf, sizeof buf), -1);
    QVERIFY2(socket.errorString().contains(name), qPrintable(socket.errorString()));
    QVERIFY(socket.readAll().isEmpty());
    QVERIFY(socket.read(4).isEmpty());
    QCOMPARE(socket.write("to peer"), 7);
    QVERIFY(spinUntil([&] { return peer->bytesAvailable() == 7; }));

    MemSocket unconnected;
    unconnected.setServerName(name);
    QCOMPARE(unconnected.read(buf, sizeof buf), -1);
    QVERIFY(unconnected.errorString().contains(name));
}

void tst_MemSocket::readBufferSizeLimitsAndReadyReadComesAgain()
{
    ConnectedPair f;
    f.peer->setReadBufferSize(10);
    QCOMPARE(f.peer->readBufferSize(), 10);
    drainEvents();
    QByteArray sent;
    for (int i = 0; i < 45; ++i)
        sent += char('a' + i % 26);
    f.client->write(sent);
    QCOMPARE(f.peer->bytesAvailable(), 10);
    QByteArray got;
    int signals = 0;
    connect(f.peer.get(), &MemSocket::readyRead, this, [&] {
        ++signals;
        QVERIFY(f.peer->bytesAvailable() <= 10);
        got += f.peer->readAll();
    });
    QVERIFY(spinUntil([&] { return got.size() == sent.size(); }));
    QCOMPARE(got, sent);
    QVERIFY2(signals >= 5, qPrintable(QString::number(signals)));
    QCOMPARE(f.client->bytesToWrite(), 0);
}

void tst_MemSocket::closeSignalOrder_data()
{
    QTest::addColumn<Close>("how");
    QTest::newRow("close") << Close::Close;
    QTest::newRow("disconnectFromServer") << Close::DisconnectFromServer;
    QTest::newRow("abort") << Close::Abort;
}

// The order is QAbstractSocket::disconnectFromHost()'s; the differential
// suite (tst_fidelity) asks QLocalSocket for it as well.
void tst_MemSocket::closeSignalOrder()
{
    QFETCH(Close, how);
    ConnectedPair f;
    MemSocket *c = f.client.get();
    SignalLog log(c);
    if (how == Close::Close)
        c->close();
    else if (how == Close::DisconnectFromServer)
        c->disconnectFromServer();
    else
        c->abort();
    // QLocalSocket's orders (tst_fidelity asks it): close() announces
    // aboutToClose() first, disconnectFromServer() not at all, abort() last
    // and without ClosingState.
    const QString about = QStringLiteral("aboutToClose"), closing = QStringLiteral("stateChanged ClosingState"),
                  unconnected = QStringLiteral("stateChanged UnconnectedState"),
                  finished = QStringLiteral("readChannelFinished"), gone = QStringLiteral("disconnected");
    const QStringList expected = how == Close::Close ? QStringList{about, closing, unconnected, finished, gone}
        : how == Close::DisconnectFromServer         ? QStringList{closing, unconnected, finished, gone}
                                                     : QStringList{unconnected, finished, gone, about};
    QCOMPARE(log.entries(), expected);
    QCOMPARE(c->isOpen(), how == Close::DisconnectFromServer);   // still readable, as QLocalSocket
    drainEvents();
    QCOMPARE(log.entries(), expected);
    // Closing again emits nothing more than closing the device that stayed open.
    c->close();
    c->abort();
    QCOMPARE(log.entries(), how == Close::DisconnectFromServer ? expected + QStringList{about} : expected);
}

void tst_MemSocket::peerSeesCloseThroughEventLoopAndKeepsBytes_data()
{
    QTest::addColumn<Gone>("how");
    QTest::newRow("close") << Gone::Close;
    QTest::newRow("abort") << Gone::Abort;
    QTest::newRow("delete") << Gone::Delete;
}

void tst_MemSocket::peerSeesCloseThroughEventLoopAndKeepsBytes()
{
    QFETCH(Gone, how);
    ConnectedPair f;
    drainEvents();
    SignalLog log(f.peer.get());
    f.client->write("last words");
    if (how == Gone::Close)
        f.client->close();
    else if (how == Gone::Abort)
        f.client->abort();
    else
        f.client.reset();
    QCOMPARE(log.entries().size(), 0);   // told through its own event loop
    QCOMPARE(f.peer->state(), State::ConnectedState);
    QVERIFY(spinUntil([&] { return log.entries().contains(QStringLiteral("disconnected")); }));
    QCOMPARE(log.entries(), (QStringList{QStringLiteral("errorOccurred RemoteHostClosedError"),
                                         QStringLiteral("stateChanged ClosingState"),
                                         QStringLiteral("stateChanged UnconnectedState"),
                                         QStringLiteral("readChannelFinished"),
                                         QStringLiteral("disconnected")}));
    QCOMPARE(f.peer->error(), QAbstractSocket::RemoteHostClosedError);
    QVERIFY(f.peer->errorString().contains(f.name));
    QCOMPARE(f.peer->readAll(), QByteArray("last words"));
}

void tst_MemSocket::endOfStream()
{
    ConnectedPair f;
    f.client->write("line one\nrest");
    f.client->close();
    drainEvents();
    QCOMPARE(f.peer->state(), State::UnconnectedState);
    QVERIFY(f.peer->canReadLine());
    QCOMPARE(f.peer->readLine(), QByteArray("line one\n"));
    QCOMPARE(f.peer->readLine(), QByteArray("rest"));
    char buf[16];
    QCOMPARE(f.peer->read(buf, sizeof buf), -1);
    QCOMPARE(f.peer->readLine(buf, sizeof buf), -1);
    QElapsedTimer t;
    t.start();
    QVERIFY(!f.peer->waitForReadyRead(5000));
    QVERIFY(t.elapsed() < 1000);
    QCOMPARE(f.peer->write("too late"), -1);
    QVERIFY(f.peer->errorString().contains(QStringLiteral("closed")));
}

void tst_MemSocket::closeDiscardsOwnUnreadInput()
{
    ConnectedPair f;
    f.client->write("never read");
    QCOMPARE(f.client->bytesToWrite(), 10);
    f.peer->close();
    QCOMPARE(f.client->bytesToWrite(), 0);
    QCOMPARE(f.peer->bytesAvailable(), 0);
}

void tst_MemSocket::abortWhileConnecting()
{
    const QString name = uniqueName("abort-connecting");
    MemServer server;
    QVERIFY(server.listen(name));
    server.pauseAccepting();
    MemSocket socket;
    socket.connectToServer(name);
    QCOMPARE(socket.state(), State::ConnectingState);
    QSignalSpy st(&socket, &MemSocket::stateChanged);
    QSignalSpy dc(&socket, &MemSocket::disconnected);
    socket.abort();
    QCOMPARE(socket.state(), State::UnconnectedState);
    QCOMPARE(states(st), (QList<int>{int(State::UnconnectedState)}));
    QCOMPARE(dc.size(), 0);
    server.resumeAccepting();
    drainEvents();
    QVERIFY(!server.hasPendingConnections());   // the abandoned attempt is gone
}

void tst_MemSocket::waitForConnectedTimesOutAndAbandons()
{
    const QString name = uniqueName("wfc");
    MemServer server;
    QVERIFY(server.listen(name));
    server.pauseAccepting();
    MemSocket socket;
    socket.connectToServer(name);
    QSignalSpy errors(&socket, &MemSocket::errorOccurred);
    {
        PeerThread serverThread(&server);   // a server that could accept, but does not
        QElapsedTimer t;
        t.start();
        QVERIFY(!socket.waitForConnected(50));
        QVERIFY(t.elapsed() >= 45);
        QCOMPARE(socket.error(), QAbstractSocket::SocketTimeoutError);
        QCOMPARE(socket.state(), State::UnconnectedState);
        QCOMPARE(errors.size(), 1);
    }
    server.resumeAccepting();
    drainEvents();
    QVERIFY(!server.hasPendingConnections());

    MemSocket ok;
    ok.connectToServer(name);
    QVERIFY(ok.waitForConnected(0));   // already connected
}

// A wait that only a peer in the waiting thread could end returns false at
// once (the peer cannot run while this thread blocks), not at its timeout.
void tst_MemSocket::waitsInOneThreadReturnAtOnce()
{
    ConnectedPair f;
    QElapsedTimer t;
    t.start();
    QVERIFY(!f.client->waitForReadyRead(30000));
    QCOMPARE(f.client->error(), QAbstractSocket::SocketTimeoutError);
    QVERIFY2(f.client->errorString().contains(QStringLiteral("same thread")),
             qPrintable(f.client->errorString()));
    QVERIFY(!f.client->waitForDisconnected(30000));
    f.client->write("x");
    QVERIFY(!f.client->waitForBytesWritten(30000));   // memu: the reader is in this thread
    QVERIFY2(t.elapsed() < 1000, qPrintable(QString::number(t.elapsed())));
    QCOMPARE(f.client->error(), QAbstractSocket::SocketTimeoutError);
    QCOMPARE(f.client->state(), State::ConnectedState);
    QCOMPARE(f.client->bytesToWrite(), 1);   // nothing dropped

    // Before the server made its socket, the server is the peer.
    const QString name = uniqueName("wfc-same");
    MemServer server;
    QVERIFY(server.listen(name));
    MemSocket early;
    early.connectToServer(name);
    early.write("y");
    t.restart();
    QVERIFY(!early.waitForBytesWritten(30000));
    QVERIFY(t.elapsed() < 1000);
    server.pauseAccepting();
    server.setMaxPendingConnections(1);
    MemSocket queued;
    queued.connectToServer(name);
    QCOMPARE(queued.state(), State::ConnectingState);
    QVERIFY(!queued.waitForConnected(30000));
    QVERIFY(t.elapsed() < 1000);
    QCOMPARE(queued.error(), QAbstractSocket::SocketTimeoutError);
    QCOMPARE(queued.state(), State::UnconnectedState);
}

void tst_MemSocket::waitForBytesWrittenWithNothingToWrite()
{
    ConnectedPair f;
    QElapsedTimer t;
    t.start();
    QVERIFY(!f.client->waitForBytesWritten(5000));
    QVERIFY(t.elapsed() < 1000);
    f.client->write("abc");
    f.peer->readAll();
    QSignalSpy written(f.client.get(), &MemSocket::bytesWritten);
    QVERIFY(f.client->waitForBytesWritten(0));   // the peer has read: returns at once
    QCOMPARE(written.size(), 1);
    QCOMPARE(written.at(0).at(0).toLongLong(), 3);
    drainEvents();
    QCOMPARE(written.size(), 1);                 // not reported twice
}

void tst_MemSocket::reconnectAfterPeerClosed()
{
    ConnectedPair f;
    f.peer->close();
    drainEvents();
    QCOMPARE(f.client->state(), State::UnconnectedState);
    f.client->connectToServer(f.name);
    QCOMPARE(f.client->state(), State::ConnectedState);
    MemSocket *second = f.server.nextPendingConnection();
    QVERIFY(second);
    f.client->write("again");
    QVERIFY(spinUntil([&] { return second->bytesAvailable() == 5; }));
}

void tst_MemSocket::createPairIsConnected()
{
    const auto [first, second] = MemSocket::createPair(this);
    MemSocket *const a = first;
    MemSocket *const b = second;
    QCOMPARE(a->parent(), this);
    QCOMPARE(a->state(), State::ConnectedState);
    QCOMPARE(b->state(), State::ConnectedState);
    QVERIFY(a->serverName().isEmpty());
    QSignalSpy ready(b, &MemSocket::readyRead);
    QCOMPARE(a->write("pipe"), 4);
    QVERIFY(ready.wait(2000));
    QCOMPARE(b->readAll(), QByteArray("pipe"));
    b->write("back");
    QVERIFY(spinUntil([&] { return a->bytesAvailable() == 4; }));
    QCOMPARE(a->readAll(), QByteArray("back"));
    delete a;
    QVERIFY(spinUntil([&] { return b->state() == State::UnconnectedState; }));
    delete b;
}

QTEST_GUILESS_MAIN(tst_MemSocket)
// memsocket.h, waitForReadyRead(): a read that took bytes before they were
// announced leaves nothing for a wait to announce; the wait waits for bytes
// that come after them (a blocking HTTP client reading a response written in
// two parts hit the stale notice: true, with no readyRead() and nothing new).
void tst_MemSocket::waitForReadyReadWaitsPastBytesAReadTook_data()
{
    QTest::addColumn<QString>("prefix");
    QTest::newRow("memu") << QString();
    QTest::newRow("memb") << QStringLiteral("memb:");
}

void tst_MemSocket::waitForReadyReadWaitsPastBytesAReadTook()
{
    QFETCH(QString, prefix);
    ConnectedPair f(QString(), prefix);
    QVERIFY(f.peer);
    MemSocket *writer = f.peer.get();
    PeerThread peer(writer);
    peer.run([&] { writer->write("one"); });
    QVERIFY(f.client->waitForReadyRead(2000));
    peer.run([&] { writer->write("two"); });   // its notice is raised now
    QCOMPARE(f.client->readAll(), QByteArray("onetwo"));   // and its bytes taken
    QSignalSpy readyRead(f.client.get(), &QIODevice::readyRead);
    QElapsedTimer waited;
    waited.start();
    QVERIFY(!f.client->waitForReadyRead(150));
    QVERIFY2(waited.elapsed() >= 140, qPrintable(QString::number(waited.elapsed())));
    QCOMPARE(f.client->error(), QAbstractSocket::SocketTimeoutError);
    QCOMPARE(readyRead.size(), 0);
    peer.run([&] { writer->write("three"); });
    QVERIFY(f.client->waitForReadyRead(2000));
    QCOMPARE(readyRead.size(), 1);
    QCOMPARE(f.client->readAll(), QByteArray("three"));
}

#include "tst_memsocket.moc"
