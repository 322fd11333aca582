// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// The QML types under hostile use from the C++ side, where QML cannot reach:
// bytes a C++ server broadcasts to several QML sockets, QML objects deleted
// directly from C++ slots, creation spread over many event-loop turns by an
// incubation controller, a C++ server in another thread, and two engines.
// The QML-only attacks are in tst_hostile.qml.
#include "../testutil.h"

#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/QElapsedTimer>
#include <QtCore/QPointer>
#include <QtQml/QQmlComponent>
#include <QtQml/QQmlEngine>
#include <QtQml/QQmlIncubator>
#include <QtQml/QQmlIncubationController>
#include <QtTest/QtTest>

#include <memory>

class tst_QmlHostile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void broadcastFromCppIsPrivatePerReader();
    void deleteServerInClientConnectedFromCpp();
    void deleteSocketInOwnSignalFromCpp_data();
    void deleteSocketInOwnSignalFromCpp();
    void incubatedOneObjectPerTurn_data();
    void incubatedOneObjectPerTurn();
    void cppServerInAnotherThread();
    void twoEngines();
    void readAllLoop();
};

namespace {

std::unique_ptr<QQmlEngine> makeEngine()
{
    auto engine = std::make_unique<QQmlEngine>();
    engine->addImportPath(QStringLiteral(MEMCONN_QML_IMPORT_DIR));
    return engine;
}

// Creates `qml` (which must `import MemConn`) in `engine`, or fails the test.
std::unique_ptr<QObject> create(QQmlEngine &engine, const QByteArray &qml)
{
    QQmlComponent component(&engine);
    component.setData(qml, QUrl(QStringLiteral("file:///hostile.qml")));
    if (!component.isReady()) {
        qWarning("%s", qPrintable(component.errorString()));
        return nullptr;
    }
    return std::unique_ptr<QObject>(component.create());
}

QByteArray clientsOf(const QString &name, int count)
{
    QByteArray qml = "import QtQml\nimport MemConn\nQtObject {\n";
    for (int i = 0; i < count; ++i) {
        qml += QStringLiteral("  property MemSocket c%1: MemSocket { serverName: \"%2\"; active: true }\n")
                   .arg(i)
                   .arg(name)
                   .toUtf8();
    }
    return qml + "}\n";
}

// The i-th client of clientsOf().
QObject *clientAt(QObject &root, int i)
{
    const QByteArray property = QByteArray("c").append(QByteArray::number(i));
    return root.property(property.constData()).value<QObject *>();
}

// Calls readAll() on a QML MemSocket and mutates the ArrayBuffer it returned,
// the way a JS handler would, returning what it read before mutating.
QByteArray readAndScribble(QQmlEngine &engine, QObject *socket)
{
    QJSValue fn = engine.evaluate(QStringLiteral(
        "(function(s) { const b = s.readAll(); const copy = b.slice(0);"
        " new Uint8Array(b).fill(88); return copy; })"));
    const QJSValue result = fn.call({ engine.newQObject(socket) });
    return result.toVariant().toByteArray();
}

} // namespace

// Deletes its target directly inside whichever signal it is connected to.
class Deleter : public QObject
{
    Q_OBJECT
public:
    QPointer<QObject> target;
    int calls = 0;
public Q_SLOTS:
    void run()
    {
        ++calls;
        delete target.data();
    }
};

// Defect 1: one QByteArray written by C++ to several QML sockets reaches each
// reader as bytes nobody else sees; JS writing into one reader's ArrayBuffer
// changes neither the other readers' bytes nor the writer's array.
void tst_QmlHostile::broadcastFromCppIsPrivatePerReader()
{
    const QString name = QStringLiteral("qmlhostile-broadcast");
    MemServer server;
    QVERIFY(server.listen(name));
    auto engine = makeEngine();
    engine->setObjectOwnership(&server, QQmlEngine::CppOwnership);
    auto root = create(*engine, clientsOf(name, 3));
    QVERIFY(root);
    QList<MemSocket *> peers;
    QTRY_COMPARE((peers = [&] {
                     while (MemSocket *s = server.nextPendingConnection())
                         peers.append(s);
                     return peers;
                 }()).size(),
                 3);

    const QByteArray message("BROADCAST MESSAGE");
    for (MemSocket *peer : peers)
        QCOMPARE(peer->write(message), message.size());   // shared, not copied
    QList<QObject *> readers;
    for (int i = 0; i < 3; ++i)
        readers.append(clientAt(*root, i));
    for (QObject *reader : readers)
        QTRY_COMPARE(reader->property("bytesAvailable").toLongLong(), message.size());

    QCOMPARE(readAndScribble(*engine, readers[0]), message);
    QCOMPARE(message, QByteArray("BROADCAST MESSAGE"));   // the writer's array
    QCOMPARE(readAndScribble(*engine, readers[1]), message);
    QCOMPARE(readAndScribble(*engine, readers[2]), message);
    QCOMPARE(message, QByteArray("BROADCAST MESSAGE"));
    qDeleteAll(peers);
}

// Defect 2: a C++ slot deletes the QML server while it hands out connections,
// with more clients still waiting.
void tst_QmlHostile::deleteServerInClientConnectedFromCpp()
{
    const QString name = QStringLiteral("qmlhostile-delete-server");
    auto engine = makeEngine();
    auto root = create(*engine, "import MemConn\nMemServer { name: \"" + name.toUtf8()
                                    + "\"; listening: false }");
    QVERIFY(root);
    QPointer<QObject> server = root.release();
    Deleter deleter;
    deleter.target = server;
    QVERIFY(connect(server, SIGNAL(clientConnected(QmlMemSocket*)), &deleter, SLOT(run())));

    MemSocket a, b, c;
    QVERIFY(server->setProperty("listening", true));
    a.connectToServer(name);
    b.connectToServer(name);
    c.connectToServer(name);
    QTRY_VERIFY(!server);
    QCOMPARE(deleter.calls, 1);
    QTRY_COMPARE(a.state(), QAbstractSocket::UnconnectedState);
    QTRY_COMPARE(b.state(), QAbstractSocket::UnconnectedState);
    QTRY_COMPARE(c.state(), QAbstractSocket::UnconnectedState);
}

// Defect 3: a C++ slot deletes a QML socket inside each of its own signals.
void tst_QmlHostile::deleteSocketInOwnSignalFromCpp_data()
{
    QTest::addColumn<QByteArray>("signal");
    for (const char *s : { "disconnected()", "stateChanged(QmlMemSocket::SocketState)",
                           "activeChanged()", "errorOccurred(QmlMemSocket::SocketError)",
                           "errorStringChanged()", "readyRead()", "bytesAvailableChanged()" })
        QTest::newRow(s) << QByteArray(s);
}

void tst_QmlHostile::deleteSocketInOwnSignalFromCpp()
{
    QFETCH(QByteArray, signal);
    const QString name = QStringLiteral("qmlhostile-delete-socket");
    MemServer server;
    QVERIFY(server.listen(name));
    auto engine = makeEngine();
    auto root = create(*engine, "import MemConn\nMemSocket { serverName: \"" + name.toUtf8() + "\" }");
    QVERIFY(root);
    QPointer<QObject> socket = root.release();
    QVERIFY(socket->setProperty("active", true));
    QTRY_VERIFY(server.hasPendingConnections());
    std::unique_ptr<MemSocket> peer(server.nextPendingConnection());

    Deleter deleter;
    deleter.target = socket;
    const QByteArray signature = "2" + signal;   // what SIGNAL() makes of it
    QVERIFY2(connect(socket, signature.constData(), &deleter, SLOT(run())), signal.constData());
    if (signal.startsWith("readyRead") || signal.startsWith("bytesAvailable"))
        peer->write("ping");
    else
        peer->disconnectFromServer();
    QTRY_VERIFY(!socket);
    QCOMPARE(deleter.calls, 1);
}

// Defect 6: creation spread over many event-loop turns (1 ms per turn, as a
// Loader { asynchronous: true } gets on a busy frame): the client connects
// only once the whole creation is complete, so it finds its server listening
// whichever of the two is declared first.
void tst_QmlHostile::incubatedOneObjectPerTurn_data()
{
    QTest::addColumn<bool>("serverFirst");
    QTest::newRow("server declared first") << true;
    QTest::newRow("client declared first") << false;
}

void tst_QmlHostile::incubatedOneObjectPerTurn()
{
    QFETCH(bool, serverFirst);
    const QByteArray name = "qmlhostile-incubated";
    // Between the two, objects whose componentComplete() takes long enough
    // (each Repeater creates its delegates there) for the incubator to stop
    // among them: enough of them that the 1 ms slices number well over ten
    // even when another process takes the CPU (10 gave 8 turns under load).
    QByteArray filler;
    for (int i = 0; i < 40; ++i)
        filler += "  Repeater { model: 200; Item {} }\n";
    const QByteArray server = "  MemServer { id: server; name: \"" + name + "\"; listening: true }\n";
    const QByteArray client = "  MemSocket { id: client; serverName: \"" + name + "\"; active: true }\n";
    const QByteArray qml = "import QtQuick\nimport MemConn\nItem {\n"
        "  property QtObject server: server\n  property QtObject client: client\n"
        + (serverFirst ? server + filler + client : client + filler + server) + "}\n";

    struct StepController : QQmlIncubationController
    {
        void step() { incubateFor(1); }
    } controller;
    auto engine = makeEngine();
    engine->setIncubationController(&controller);
    QQmlComponent component(engine.get());
    component.setData(qml, QUrl(QStringLiteral("file:///incubated.qml")));
    QVERIFY2(component.isReady(), qPrintable(component.errorString()));
    QQmlIncubator incubator(QQmlIncubator::Asynchronous);
    component.create(incubator);
    int turns = 0;
    while (!incubator.isReady() && !incubator.isError()) {
        controller.step();
        QCoreApplication::processEvents();   // a turn between two objects
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        ++turns;
    }
    QVERIFY2(incubator.isReady(), qPrintable(incubator.errors().isEmpty() ? QString()
                                                 : incubator.errors().first().toString()));
    QVERIFY2(turns > 10, qPrintable(QStringLiteral("creation took %1 turns").arg(turns)));
    std::unique_ptr<QObject> root(incubator.object());
    QObject *socket = root->property("client").value<QObject *>();
    QTRY_COMPARE(socket->property("state").toInt(), int(QAbstractSocket::ConnectedState));
    QCOMPARE(socket->property("errorString").toString(), QString());
    engine->setIncubationController(nullptr);
}

// A C++ server in another thread, QML clients in this one: bytes both ways,
// then the thread ends while the QML sockets are still connected.
void tst_QmlHostile::cppServerInAnotherThread()
{
    const QString name = QStringLiteral("qmlhostile-thread");
    MemServer serverObject;
    MemServer *server = &serverObject;
    auto worker = std::make_unique<PeerThread>(server);
    bool listening = false;
    worker->run([&] {
        listening = server->listen(name);
        QObject::connect(server, &MemServer::newConnection, server, [server] {
            while (MemSocket *s = server->nextPendingConnection()) {
                s->setParent(server);
                QObject::connect(s, &MemSocket::readyRead, s, [s] { s->write(s->readAll().toUpper()); });
            }
        });
    });
    QVERIFY(listening);
    auto engine = makeEngine();
    auto root = create(*engine, clientsOf(name, 4));
    QVERIFY(root);
    for (int i = 0; i < 4; ++i) {
        QObject *c = clientAt(*root, i);
        QTRY_COMPARE(c->property("state").toInt(), int(QAbstractSocket::ConnectedState));
        qint64 written = -1;
        QMetaObject::invokeMethod(c, "write", Q_RETURN_ARG(qint64, written), Q_ARG(QVariant, QStringLiteral("abc")));
        QCOMPARE(written, 3);
        QTRY_COMPARE(c->property("bytesAvailable").toLongLong(), 3);
        QString text;
        QMetaObject::invokeMethod(c, "readAllText", Q_RETURN_ARG(QString, text));
        QCOMPARE(text, QStringLiteral("ABC"));
    }
    // The server's sockets go in its thread, then the thread ends.
    worker->run([&] {
        qDeleteAll(server->findChildren<MemSocket *>());
        server->close();
    });
    worker.reset();
    for (int i = 0; i < 4; ++i) {
        QObject *c = clientAt(*root, i);
        QTRY_COMPARE(c->property("state").toInt(), int(QAbstractSocket::UnconnectedState));
        QVERIFY(!c->property("active").toBool());
    }
}

// Two engines: a server in one, clients in the other; the server's engine goes
// first, then the clients' engine goes with its sockets disconnected.
void tst_QmlHostile::twoEngines()
{
    const QByteArray name = "qmlhostile-engines";
    auto serverEngine = makeEngine();
    auto server = create(*serverEngine, "import MemConn\nMemServer { name: \"" + name
                                           + "\"; listening: true; onClientConnected: (s) => s.write(\"hi\") }");
    QVERIFY(server);
    auto clientEngine = makeEngine();
    auto clients = create(*clientEngine, clientsOf(QString::fromUtf8(name), 3));
    QVERIFY(clients);
    QObject *first = clients->property("c0").value<QObject *>();
    QTRY_COMPARE(first->property("bytesAvailable").toLongLong(), 2);
    server.reset();
    serverEngine.reset();
    QTRY_COMPARE(first->property("state").toInt(), int(QAbstractSocket::UnconnectedState));
    clients.reset();
    clientEngine.reset();
}

// What a QML reader pays for private bytes: 10,000 messages written by C++,
// each read by a JS handler with readAll().
void tst_QmlHostile::readAllLoop()
{
    const QString name = QStringLiteral("qmlhostile-loop");
    constexpr int kMessages = 10000;
    MemServer server;
    QVERIFY(server.listen(name));
    auto engine = makeEngine();
    auto root = create(*engine, "import MemConn\nMemSocket { serverName: \"" + name.toUtf8()
                                    + "\"; active: true; property int total: 0;"
                                      " onReadyRead: total += readAll().byteLength }");
    QVERIFY(root);
    QTRY_VERIFY(server.hasPendingConnections());
    std::unique_ptr<MemSocket> peer(server.nextPendingConnection());
    const QByteArray message(64, 'm');
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < kMessages; ++i) {
        peer->write(message);
        QCoreApplication::processEvents();   // one readyRead() per message
    }
    QTRY_COMPARE(root->property("total").toInt(), kMessages * message.size());
    qInfo("readAll() loop: %d messages of %lld B read by a QML handler in %lld ms", kMessages,
          qint64(message.size()), qint64(timer.elapsed()));
}

QTEST_MAIN(tst_QmlHostile)
#include "tst_qmlhostile.moc"
