// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// The QML types do nothing before their component is complete: created with
// QQmlComponent::beginCreate(), every property is set but no name is held and
// no connection tried until completeCreate(), and a client declared inside
// its server still connects.
#include <MemConn/MemServer>

#include <QtQml/QQmlComponent>
#include <QtQml/QQmlEngine>
#include <QtTest/QtTest>

#include <memory>

class tst_QmlComplete : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nothingHappensBeforeComplete();
    void buildTreeUsesTheTopLevelQmldir();
};

void tst_QmlComplete::nothingHappensBeforeComplete()
{
    QQmlEngine engine;
    engine.addImportPath(QStringLiteral(MEMCONN_QML_IMPORT_DIR));
    QQmlComponent component(&engine);
    component.setData(R"(
        import MemConn
        MemServer {
            name: "qml-complete"; listening: true
            property MemSocket client: MemSocket { serverName: "qml-complete"; active: true }
        }
    )", QUrl());
    QVERIFY2(component.isReady(), qPrintable(component.errorString()));

    std::unique_ptr<QObject> root(component.beginCreate(engine.rootContext()));
    QVERIFY(root);
    QObject *server = root.get();
    QObject *client = root->property("client").value<QObject *>();
    QVERIFY(server && client);
    // Asked to listen and to connect, but not complete: nothing has happened.
    QVERIFY(!MemServer::serverNames().contains(QStringLiteral("qml-complete")));
    QCOMPARE(client->property("state").toInt(), int(QAbstractSocket::UnconnectedState));
    QCOMPARE(client->property("errorString").toString(), QString());
    // They read what was asked, so bindings see a consistent picture.
    QVERIFY(server->property("listening").toBool());
    QVERIFY(client->property("active").toBool());

    component.completeCreate();
    QVERIFY(MemServer::serverNames().contains(QStringLiteral("qml-complete")));
    // The client completes before the server that holds it (inner objects
    // first); it connects in the next event-loop turn, when the server listens.
    QVERIFY(client->property("active").toBool());
    QTRY_COMPARE(client->property("state").toInt(), int(QAbstractSocket::ConnectedState));
    QCOMPARE(client->property("errorString").toString(), QString());
}

// `import MemConn` from the build tree reads the repository's top-level qmldir,
// copied there byte for byte, not a generated one.
void tst_QmlComplete::buildTreeUsesTheTopLevelQmldir()
{
    QFile used(QStringLiteral(MEMCONN_QML_IMPORT_DIR "/MemConn/qmldir"));
    QFile topLevel(QStringLiteral(MEMCONN_TOP_LEVEL_QMLDIR));
    QVERIFY(used.open(QIODevice::ReadOnly) && topLevel.open(QIODevice::ReadOnly));
    QCOMPARE(used.readAll(), topLevel.readAll());
}

QTEST_MAIN(tst_QmlComplete)
#include "tst_qmlcomplete.moc"
