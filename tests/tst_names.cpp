// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Names, networks and the process-wide registry (memserver.h: listen(); memsocket.h: connectToServer(), localName()).
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtTest/qsignalspy.h>
#include <QtTest/qtest.h>

#include "testutil.h"

class tst_Names : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void emptyNameIsRefused_data();
    void emptyNameIsRefused();
    void heldNameIsRefusedAndHolderUndisturbed();
    void listenWhileListeningChangesNothing();
    void closeFreesNameAtOnce();
    void destructionFreesName();
    void networksReachTheSameServer_data();
    void networksReachTheSameServer();
    void prefixIsStrippedOnce();
    void serverNamesListsListeners();
    void connectToNobodyNamesTheAddress_data();
    void connectToNobodyNamesTheAddress();
    void localAndPeerNamesMatchAndAreUnique();
};

void tst_Names::emptyNameIsRefused_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("empty") << QString();
    QTest::newRow("memu only") << QStringLiteral("memu:");
    QTest::newRow("memb only") << QStringLiteral("memb:");
}

void tst_Names::emptyNameIsRefused()
{
    QFETCH(QString, name);
    MemServer server;
    QVERIFY(!server.listen(name));
    QCOMPARE(server.serverError(), QAbstractSocket::HostNotFoundError);
    QVERIFY2(server.errorString().startsWith(QStringLiteral("mem")), qPrintable(server.errorString()));
    QVERIFY(server.errorString().contains(QStringLiteral("empty")));
    QVERIFY(!server.isListening());
}

void tst_Names::heldNameIsRefusedAndHolderUndisturbed()
{
    const QString name = uniqueName("held");
    MemServer holder;
    QVERIFY(holder.listen(name));
    MemServer second;
    QVERIFY(!second.listen(QStringLiteral("memb:") + name));
    QCOMPARE(second.serverError(), QAbstractSocket::AddressInUseError);
    QVERIFY2(second.errorString().contains(name), qPrintable(second.errorString()));
    QVERIFY(!second.isListening());

    QVERIFY(holder.isListening());
    MemSocket client;
    client.connectToServer(name);
    QCOMPARE(client.state(), QAbstractSocket::ConnectedState);
    QVERIFY(holder.hasPendingConnections());
    QVERIFY(!second.hasPendingConnections());
}

void tst_Names::listenWhileListeningChangesNothing()
{
    const QString a = uniqueName("a"), b = uniqueName("b");
    MemServer server;
    QVERIFY(server.listen(a));
    QTest::ignoreMessage(QtWarningMsg, "MemServer::listen() called when already listening");
    QVERIFY(!server.listen(b));
    QCOMPARE(server.serverName(), a);
    QVERIFY(server.isListening());
    QVERIFY(MemServer::serverNames().contains(a));
    QVERIFY(!MemServer::serverNames().contains(b));
}

void tst_Names::closeFreesNameAtOnce()
{
    const QString name = uniqueName("free");
    MemServer first;
    QVERIFY(first.listen(name));
    first.close();
    QVERIFY(!first.isListening());
    MemServer second;
    QVERIFY(second.listen(name));
    // And the first may listen again elsewhere, or on the name once it is free.
    QVERIFY(!first.listen(name));
    QCOMPARE(first.serverError(), QAbstractSocket::AddressInUseError);
}

void tst_Names::destructionFreesName()
{
    const QString name = uniqueName("gone");
    {
        MemServer server;
        QVERIFY(server.listen(name));
    }
    QVERIFY(!MemServer::serverNames().contains(name));
    MemServer again;
    QVERIFY(again.listen(name));
}

void tst_Names::networksReachTheSameServer_data()
{
    QTest::addColumn<QString>("serverPrefix");
    QTest::addColumn<QString>("clientPrefix");
    QTest::addColumn<bool>("clientBuffered");
    QTest::newRow("plain/plain") << QString() << QString() << false;
    QTest::newRow("memu/memb") << QStringLiteral("memu:") << QStringLiteral("memb:") << true;
    QTest::newRow("memb/memu") << QStringLiteral("memb:") << QStringLiteral("memu:") << false;
    QTest::newRow("memb/plain") << QStringLiteral("memb:") << QString() << false;
}

void tst_Names::networksReachTheSameServer()
{
    QFETCH(QString, serverPrefix);
    QFETCH(QString, clientPrefix);
    QFETCH(bool, clientBuffered);
    const QString name = uniqueName("net");
    MemServer server;
    QVERIFY(server.listen(serverPrefix + name));
    QCOMPARE(server.serverName(), serverPrefix + name);
    QCOMPARE(server.fullServerName(),
             (serverPrefix.isEmpty() ? QStringLiteral("memu:") : serverPrefix) + name);

    MemSocket client;
    client.connectToServer(clientPrefix + name);
    QCOMPARE(client.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(client.serverName(), clientPrefix + name);
    QCOMPARE(client.fullServerName(),
             (clientBuffered ? QStringLiteral("memb:") : QStringLiteral("memu:")) + name);
    QCOMPARE(client.isBuffered(), clientBuffered);
    MemSocket *peer = server.nextPendingConnection();
    QVERIFY(peer);
    QCOMPARE(peer->isBuffered(), serverPrefix == QStringLiteral("memb:"));
    QCOMPARE(peer->fullServerName(), server.fullServerName());
}

void tst_Names::prefixIsStrippedOnce()
{
    const QString name = QStringLiteral("memb:") + uniqueName("x:y");
    MemServer server;
    QVERIFY(server.listen(QStringLiteral("memu:") + name));   // the name is "memb:x:y-N"
    QVERIFY(MemServer::serverNames().contains(name));
    MemSocket client;
    client.connectToServer(QStringLiteral("memu:") + name);
    QCOMPARE(client.state(), QAbstractSocket::ConnectedState);
    QVERIFY(!client.isBuffered());

    MemSocket other;
    other.connectToServer(name);   // network memb, name "x:y-N": nobody
    QCOMPARE(other.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(other.error(), QAbstractSocket::HostNotFoundError);
}

void tst_Names::serverNamesListsListeners()
{
    const QString a = uniqueName("list"), b = uniqueName("list");
    MemServer sa, sb;
    QVERIFY(sa.listen(a));
    QVERIFY(sb.listen(QStringLiteral("memb:") + b));
    QStringList names = MemServer::serverNames();
    QVERIFY(names.contains(a));
    QVERIFY(names.contains(b));
    sb.close();
    names = MemServer::serverNames();
    QVERIFY(names.contains(a));
    QVERIFY(!names.contains(b));
}

void tst_Names::connectToNobodyNamesTheAddress_data()
{
    QTest::addColumn<QString>("given");
    QTest::addColumn<QString>("address");
    const QString n = uniqueName("nobody");
    QTest::newRow("plain") << n << QStringLiteral("memu:") + n;
    QTest::newRow("memb") << QStringLiteral("memb:") + n << QStringLiteral("memb:") + n;
    QTest::newRow("empty") << QString() << QStringLiteral("memu:(unnamed)");   // never "memu::"
}

void tst_Names::connectToNobodyNamesTheAddress()
{
    QFETCH(QString, given);
    QFETCH(QString, address);
    MemSocket socket;
    QSignalSpy states(&socket, &MemSocket::stateChanged);
    QSignalSpy errors(&socket, &MemSocket::errorOccurred);
    socket.connectToServer(given);
    QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(socket.error(), QAbstractSocket::HostNotFoundError);
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<QAbstractSocket::SocketError>(), QAbstractSocket::HostNotFoundError);
    QCOMPARE(states.size(), 2);
    QCOMPARE(states.at(0).at(0).value<QAbstractSocket::SocketState>(), QAbstractSocket::ConnectingState);
    QCOMPARE(states.at(1).at(0).value<QAbstractSocket::SocketState>(), QAbstractSocket::UnconnectedState);
    QVERIFY2(socket.errorString().startsWith(address + QLatin1Char(':')), qPrintable(socket.errorString()));
    QVERIFY(!socket.isOpen());
}

void tst_Names::localAndPeerNamesMatchAndAreUnique()
{
    const QString name = uniqueName("names");
    MemServer server;
    QVERIFY(server.listen(QStringLiteral("memb:") + name));
    MemSocket c1, c2;
    QVERIFY(c1.localName().isEmpty());
    QVERIFY(c1.peerName().isEmpty());
    c1.connectToServer(name);
    c2.connectToServer(name);
    MemSocket *s1 = server.nextPendingConnection();
    MemSocket *s2 = server.nextPendingConnection();
    QVERIFY(s1 && s2);
    // As TCP's peer address: a client's peer is the server's address; the
    // server side's peer is the client's own name.
    QCOMPARE(c1.peerName(), server.fullServerName());
    QCOMPARE(c2.peerName(), server.fullServerName());
    QCOMPARE(s1->peerName(), c1.localName());
    QCOMPARE(s2->peerName(), c2.localName());
    QCOMPARE(s1->peerName().isEmpty(), false);
    QVERIFY(c1.localName().startsWith(QStringLiteral("memu:") + name));
    QVERIFY(s1->localName().startsWith(QStringLiteral("memb:") + name));
    const QStringList all{c1.localName(), c2.localName(), s1->localName(), s2->localName()};
    for (int i = 0; i < all.size(); ++i)
        for (int j = i + 1; j < all.size(); ++j)
            QVERIFY2(all.at(i) != all.at(j), qPrintable(all.at(i)));

    auto [a, b] = MemSocket::createPair();
    QScopedPointer<MemSocket> ga(a), gb(b);
    QCOMPARE(a->peerName(), b->localName());
    QCOMPARE(b->peerName(), a->localName());
    QVERIFY(a->localName() != b->localName());
}

QTEST_GUILESS_MAIN(tst_Names)
#include "tst_names.moc"
