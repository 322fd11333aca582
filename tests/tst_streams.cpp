// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Qt's stream helpers over a MemSocket: QDataStream transactions (the fortune
// protocol), QTextStream, readLine(), peek(), getChar() (memsocket.h: read, peek and transactions).
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/qdatastream.h>
#include <QtCore/qtextstream.h>
#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include "testutil.h"

class tst_Streams : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fortuneProtocolWithTransactions_data();
    void fortuneProtocolWithTransactions();
    void textStream();
    void readLineAndCanReadLine();
    void peekAndGetChar();
    void ungetChar();
    void readLineIntoSmallBuffer();
};

void tst_Streams::fortuneProtocolWithTransactions_data()
{
    QTest::addColumn<int>("sliceSize");
    QTest::newRow("whole") << 0;
    QTest::newRow("byte by byte") << 1;
    QTest::newRow("7-byte slices") << 7;
}

void tst_Streams::fortuneProtocolWithTransactions()
{
    QFETCH(int, sliceSize);
    const QString name = uniqueName("fortune");
    MemServer server;
    QVERIFY(server.listen(name));
    const QStringList fortunes{QStringLiteral("A byte written in memory is a byte that never met the kernel."),
                               QStringLiteral("Patience: the event loop will get to you."),
                               QStringLiteral("Every message arrives whole, until someone sets maxChunk.")};
    // The server writes each fortune as a QDataStream-framed QString.
    QObject::connect(&server, &MemServer::newConnection, &server, [&] {
        MemSocket *s = server.nextPendingConnection();
        QByteArray block;
        QDataStream out(&block, QIODevice::WriteOnly);
        out.setVersion(QDataStream::Qt_6_0);
        for (const QString &f : fortunes)
            out << f;
        if (sliceSize == 0) {
            s->write(block);
        } else {
            for (int i = 0; i < block.size(); i += sliceSize)
                s->write(block.mid(i, sliceSize));
        }
        s->disconnectFromServer();
    });

    MemSocket client;
    QDataStream in(&client);
    in.setVersion(QDataStream::Qt_6_0);
    QStringList got;
    int rollbacks = 0;
    QObject::connect(&client, &MemSocket::readyRead, &client, [&] {
        for (;;) {
            in.startTransaction();
            QString fortune;
            in >> fortune;
            if (!in.commitTransaction()) {
                ++rollbacks;
                return;
            }
            got << fortune;
        }
    });
    client.connectToServer(name);
    QVERIFY(spinUntil([&] { return got.size() == fortunes.size(); }));
    QCOMPARE(got, fortunes);
    QVERIFY(rollbacks >= 1);   // the loop ends each burst on an incomplete frame
    QVERIFY(spinUntil([&] { return client.state() == QAbstractSocket::UnconnectedState; }));
    QCOMPARE(client.bytesAvailable(), 0);
}

void tst_Streams::textStream()
{
    auto [a, b] = MemSocket::createPair();
    QScopedPointer<MemSocket> ga(a), gb(b);
    {
        QTextStream out(a);
        out << "π = " << 3.14159 << Qt::endl << QStringLiteral("ünïcödé") << '\n';
    }
    QTextStream in(b);
    QCOMPARE(in.readLine(), QStringLiteral("π = 3.14159"));
    QCOMPARE(in.readLine(), QStringLiteral("ünïcödé"));
}

void tst_Streams::readLineAndCanReadLine()
{
    auto [a, b] = MemSocket::createPair();
    QScopedPointer<MemSocket> ga(a), gb(b);
    a->write("first li");
    QVERIFY(!b->canReadLine());
    a->write("ne\nsecond\nthi");
    QVERIFY(b->canReadLine());
    QCOMPARE(b->readLine(), QByteArray("first line\n"));
    QVERIFY(b->canReadLine());
    QCOMPARE(b->readLine(), QByteArray("second\n"));
    QVERIFY(!b->canReadLine());
    QCOMPARE(b->readLine(), QByteArray("thi"));   // a partial line, as on any sequential device
    QCOMPARE(b->readLine(), QByteArray());
}

void tst_Streams::peekAndGetChar()
{
    auto [a, b] = MemSocket::createPair();
    QScopedPointer<MemSocket> ga(a), gb(b);
    a->write("hello world");
    QCOMPARE(b->peek(5), QByteArray("hello"));
    QCOMPARE(b->bytesAvailable(), 11);
    char c = 0;
    QVERIFY(b->getChar(&c));
    QCOMPARE(c, 'h');
    QCOMPARE(b->peek(4), QByteArray("ello"));
    QCOMPARE(b->read(5), QByteArray("ello "));
    QCOMPARE(b->readAll(), QByteArray("world"));
    QVERIFY(!b->getChar(&c));
}

void tst_Streams::ungetChar()
{
    auto [a, b] = MemSocket::createPair();
    QScopedPointer<MemSocket> ga(a), gb(b);
    a->write("xy");
    char c = 0;
    QVERIFY(b->getChar(&c));
    b->ungetChar(c);
    QCOMPARE(b->readAll(), QByteArray("xy"));
}

void tst_Streams::readLineIntoSmallBuffer()
{
    auto [a, b] = MemSocket::createPair();
    QScopedPointer<MemSocket> ga(a), gb(b);
    a->write("abcdefghij\nk\n");
    char buf[5];
    QCOMPARE(b->readLine(buf, sizeof buf), 4);
    QCOMPARE(QByteArray(buf), QByteArray("abcd"));
    QCOMPARE(b->readLine(buf, sizeof buf), 4);
    QCOMPARE(b->readLine(buf, sizeof buf), 3);
    QCOMPARE(QByteArray(buf), QByteArray("ij\n"));
    QCOMPARE(b->readLine(buf, sizeof buf), 2);
    QCOMPARE(QByteArray(buf), QByteArray("k\n"));
}

QTEST_GUILESS_MAIN(tst_Streams)
#include "tst_streams.moc"
