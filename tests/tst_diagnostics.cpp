// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Diagnostics: the memconn.* logging categories (silent by default),
// QDebug for MemSocket and MemServer, and MemConn::connections().
#include "testutil.h"

#include <MemConn/MemConn>

#include <QtCore/qdebug.h>
#include <QtCore/qloggingcategory.h>

#include <thread>

namespace {
struct Logged
{
    QString category;
    QString text;
};
std::mutex logMutex;
QList<Logged> logged;

void collect(QtMsgType, const QMessageLogContext &context, const QString &text)
{
    std::lock_guard lock(logMutex);
    logged.append({QString::fromUtf8(context.category ? context.category : ""), text});
}

// Messages of the memconn.* categories collected so far, as "category: text".
QStringList memconnMessages()
{
    std::lock_guard lock(logMutex);
    QStringList out;
    for (const Logged &l : std::as_const(logged)) {
        if (l.category.startsWith(QLatin1StringView("memconn.")))
            out.append(l.category + QStringLiteral(": ") + l.text);
    }
    return out;
}

// Everything qDebug() writes for `value`.
template <typename T>
QString debugText(const T &value)
{
    QString s;
    QDebug(&s) << value;
    return s;
}

// The first of `parts` that `text` lacks; empty when it has them all.
QString missingPart(const QString &text, const QStringList &parts)
{
    for (const QString &p : parts) {
        if (!text.contains(p))
            return p;
    }
    return QString();
}

// The message for `category` that contains every one of `parts`.
bool hasMessage(const QStringList &messages, const char *category, const QStringList &parts)
{
    for (const QString &m : messages) {
        if (!m.startsWith(QLatin1StringView(category) + QLatin1Char(':')))
            continue;
        if (missingPart(m, parts).isEmpty())
            return true;
    }
    return false;
}

// The snapshot entry of the connection whose client is `client`.
std::optional<MemConn::ConnectionInfo> infoOf(const MemSocket *client)
{
    for (const MemConn::ConnectionInfo &info : MemConn::connections()) {
        if (info.client.name == client->localName())
            return info;
    }
    return std::nullopt;
}
} // namespace

class tst_Diagnostics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void silentByDefault();
    void categoriesNameWhatHappens();
    void deadlineExpiryIsLogged();
    void debugOperatorForSocket();
    void debugOperatorForServer();
    void connectionsListsBothEnds();
    void connectionsShowsBacklogAndThreads();
    void connectionsShowsPairsAndClosedEnds();
    void connectionsPrintAsOneLineEach();

private:
    QtMessageHandler m_previous = nullptr;
};

void tst_Diagnostics::init()
{
    {
        std::lock_guard lock(logMutex);
        logged.clear();
    }
    m_previous = qInstallMessageHandler(collect);
}

// The example the documentation of MemConn::connections() gives: what is
// still connected when a test fails, printed next to the failure.
void tst_Diagnostics::cleanup()
{
    qInstallMessageHandler(m_previous);
    QLoggingCategory::setFilterRules(QString());
    if (QTest::currentTestFailed())
        qDebug().noquote() << "live connections:" << MemConn::connections();
}

void tst_Diagnostics::silentByDefault()
{
    MemServer server;
    const QString name = uniqueName("quiet");
    QVERIFY(server.listen(name));
    QIODevice *client = MemConn::dial(QStringLiteral("memu:") + name, this);
    QVERIFY(spinUntil([&] { return server.hasPendingConnections(); }));
    std::unique_ptr<MemSocket> side(server.nextPendingConnection());
    client->write("x");
    client->close();
    delete client;
    MemSocket refused;
    refused.connectToServer(uniqueName("nobody"));
    drainEvents();
    QVERIFY2(memconnMessages().isEmpty(), qPrintable(memconnMessages().join(QLatin1Char('\n'))));
}

void tst_Diagnostics::categoriesNameWhatHappens()
{
    QLoggingCategory::setFilterRules(QStringLiteral("memconn.*.debug=true"));
    const QString name = uniqueName("logged");
    MemServer server;
    QVERIFY(server.listen(QStringLiteral("memb:") + name));
    QIODevice *dialed = MemConn::dial(QStringLiteral("memu:") + name, this);
    auto *client = qobject_cast<MemSocket *>(dialed);
    QVERIFY(client);
    QVERIFY(spinUntil([&] { return server.hasPendingConnections(); }));
    std::unique_ptr<MemSocket> side(server.nextPendingConnection());
    client->close();
    delete client;

    MemSocket nobody;
    const QString missing = uniqueName("missing");
    nobody.connectToServer(missing);

    // A client waiting in the backlog is refused when the server closes.
    MemServer busy;
    const QString busyName = uniqueName("busy");
    QVERIFY(busy.listen(busyName));
    busy.pauseAccepting();
    MemSocket waiting;
    waiting.connectToServer(busyName);
    QCOMPARE(waiting.state(), QAbstractSocket::ConnectingState);
    const QString waitingName = waiting.localName();
    busy.close();
    QVERIFY(spinUntil([&] { return waiting.state() == QAbstractSocket::UnconnectedState; }));
    QCOMPARE(waiting.error(), QAbstractSocket::ConnectionRefusedError);

    const QStringList m = memconnMessages();
    const QString why = m.join(QLatin1Char('\n'));
    QVERIFY2(hasMessage(m, "memconn.endpoint", {QStringLiteral("memu:") + name, QStringLiteral("->")}), qPrintable(why));
    QVERIFY2(hasMessage(m, "memconn.server", {QStringLiteral("memb:") + name, QStringLiteral("listens")}), qPrintable(why));
    QVERIFY2(hasMessage(m, "memconn.socket", {QStringLiteral("memu:") + name + QLatin1Char('#'),
                                             QStringLiteral("connected to"), QStringLiteral("memb:") + name}),
             qPrintable(why));
    QVERIFY2(hasMessage(m, "memconn.server", {QStringLiteral("accepted"), QStringLiteral("memu:") + name + QLatin1Char('#')}), qPrintable(why));
    QVERIFY2(hasMessage(m, "memconn.socket", {QStringLiteral("memu:") + name + QLatin1Char('#'), QStringLiteral("closes")}), qPrintable(why));
    QVERIFY2(hasMessage(m, "memconn.socket", {QStringLiteral("RemoteHostClosedError")}), qPrintable(why));
    QVERIFY2(hasMessage(m, "memconn.socket", {missing, QStringLiteral("HostNotFoundError")}), qPrintable(why));
    QVERIFY2(hasMessage(m, "memconn.socket", {waitingName, QStringLiteral("waits in the backlog")}), qPrintable(why));
    QVERIFY2(hasMessage(m, "memconn.server", {busyName, QStringLiteral("refuses 1 waiting")}), qPrintable(why));
    QVERIFY2(hasMessage(m, "memconn.socket", {waitingName, QStringLiteral("ConnectionRefusedError")}), qPrintable(why));

    // An address dial() cannot use is named in memconn.endpoint.
    delete MemConn::dial(QStringLiteral("carrier-pigeon:coop"));
    QVERIFY(hasMessage(memconnMessages(), "memconn.endpoint", {QStringLiteral("carrier-pigeon:coop"), QStringLiteral("unknown network")}));
}

void tst_Diagnostics::deadlineExpiryIsLogged()
{
    QLoggingCategory::setFilterRules(QStringLiteral("memconn.socket.debug=true"));
    const auto [a, b] = MemSocket::createPair(this);
    std::unique_ptr<MemSocket> ga(a), gb(b);
    QSignalSpy errors(a, &MemSocket::errorOccurred);
    a->setReadDeadline(QDeadlineTimer(10));
    QVERIFY(errors.wait(2000));
    QVERIFY2(hasMessage(memconnMessages(), "memconn.socket", {a->localName(), QStringLiteral("SocketTimeoutError")}),
             qPrintable(memconnMessages().join(QLatin1Char('\n'))));
}

void tst_Diagnostics::debugOperatorForSocket()
{
    QCOMPARE(debugText(static_cast<MemSocket *>(nullptr)), QStringLiteral("MemSocket(0x0) "));
    MemSocket unconnected;
    unconnected.setObjectName(QStringLiteral("chatClient"));
    QString text = debugText(&unconnected);
    QVERIFY2(text.contains(QStringLiteral("chatClient")) && text.contains(QStringLiteral("UnconnectedState")), qPrintable(text));

    ConnectedPair pair(QStringLiteral("memb:"));
    QVERIFY(pair.peer);
    MemSocket &client = *pair.client;
    MemSocket *side = pair.peer.get();
    QCOMPARE(client.write("hello"), 5);
    text = debugText(&client);
    QString missing = missingPart(text, {client.localName(), client.peerName(), QStringLiteral("ConnectedState"),
                                         QStringLiteral("available 0"), QStringLiteral("unread by peer 5")});
    QVERIFY2(missing.isEmpty(), qPrintable(text + QStringLiteral(" lacks ") + missing));
    QVERIFY(spinUntil([&] { return side->bytesAvailable() == 5; }));
    text = debugText(side);
    missing = missingPart(text, {side->localName(), client.localName(), QStringLiteral("available 5"),
                                 QStringLiteral("unread by peer 0")});
    QVERIFY2(missing.isEmpty(), qPrintable(text + QStringLiteral(" lacks ") + missing));
    QVERIFY(text.startsWith(QStringLiteral("MemSocket(0x")));
    client.close();
    text = debugText(&client);
    QVERIFY2(text.contains(QStringLiteral("UnconnectedState")) && !text.contains(QStringLiteral("unread by peer")), qPrintable(text));
}

void tst_Diagnostics::debugOperatorForServer()
{
    QCOMPARE(debugText(static_cast<MemServer *>(nullptr)), QStringLiteral("MemServer(0x0) "));
    MemServer server;
    QString text = debugText(&server);
    QVERIFY2(text.contains(QStringLiteral("not listening")), qPrintable(text));
    const QString name = uniqueName("srv");
    QVERIFY(server.listen(name));
    server.setMaxPendingConnections(7);
    MemSocket a, b;
    a.connectToServer(name);
    b.connectToServer(name);
    QVERIFY(spinUntil([&] { return server.hasPendingConnections(); }));
    drainEvents();
    text = debugText(&server);
    const QString missing = missingPart(text, {QStringLiteral("memu:") + name, QStringLiteral("listening"),
                                               QStringLiteral("pending 2 of 7")});
    QVERIFY2(missing.isEmpty(), qPrintable(text + QStringLiteral(" lacks ") + missing));
}

void tst_Diagnostics::connectionsListsBothEnds()
{
    ConnectedPair pair(QStringLiteral("memb:"), QStringLiteral("memu:"));
    QVERIFY(pair.peer);
    const QString &name = pair.name;
    MemSocket &client = *pair.client;
    std::unique_ptr<MemSocket> &side = pair.peer;

    std::optional<MemConn::ConnectionInfo> info = infoOf(&client);
    QVERIFY(info);
    QCOMPARE(info->serverName, name);
    QVERIFY(info->connected);
    QCOMPARE(info->client.name, client.localName());
    QCOMPARE(info->server.name, side->localName());
    QCOMPARE(info->client.network, QStringLiteral("memu"));
    QCOMPARE(info->server.network, QStringLiteral("memb"));
    QCOMPARE(info->client.thread, QThread::currentThread());
    QCOMPARE(info->server.thread, QThread::currentThread());
    QVERIFY(info->client.open && info->server.open);
    QCOMPARE(info->client.bytesQueued, 0);
    QVERIFY(info->client.readDeadline.isForever());

    // Bytes queued each way, and deadlines.
    QCOMPARE(client.write("12345"), 5);
    QCOMPARE(side->write("ab"), 2);
    const QDeadlineTimer readBy(60000);
    client.setReadDeadline(readBy);
    side->setWriteDeadline(QDeadlineTimer(30000));
    info = infoOf(&client);
    QVERIFY(info);
    QCOMPARE(info->client.bytesQueued, 5);
    QCOMPARE(info->server.bytesQueued, 2);
    QCOMPARE(info->client.readDeadline.deadlineNSecs(), readBy.deadlineNSecs());
    QVERIFY(info->client.writeDeadline.isForever());
    QVERIFY(!info->server.writeDeadline.isForever());
    QVERIFY(info->server.readDeadline.isForever());
    QVERIFY(spinUntil([&] { return side->bytesAvailable() == 5; }));
    QCOMPARE(side->readAll(), QByteArray("12345"));
    info = infoOf(&client);
    QVERIFY(info);
    QCOMPARE(info->client.bytesQueued, 0);
    QCOMPARE(info->server.bytesQueued, 2);

    // Gone once both ends have let it go.
    const QString clientName = client.localName();
    client.close();
    side.reset();
    const auto listed = [&] {
        const QList<MemConn::ConnectionInfo> all = MemConn::connections();
        return std::any_of(all.cbegin(), all.cend(), [&](const MemConn::ConnectionInfo &i) { return i.client.name == clientName; });
    };
    QVERIFY(spinUntil([&] { return !listed(); }));
}

void tst_Diagnostics::connectionsShowsBacklogAndThreads()
{
    MemServer server;
    const QString name = uniqueName("backlog");
    QVERIFY(server.listen(name));
    server.pauseAccepting();
    MemSocket waiting;
    waiting.connectToServer(name);
    std::optional<MemConn::ConnectionInfo> info = infoOf(&waiting);
    QVERIFY(info);
    QVERIFY(!info->connected);
    QVERIFY(info->server.open);
    QCOMPARE(info->server.thread, server.thread());

    // A client in another thread: its thread is named. (PeerThread hands
    // work over through a std::mutex, which ThreadSanitizer sees.)
    MemSocket remote;
    QString remoteName;
    QThread *remoteThread = nullptr;
    {
        PeerThread peer(&remote);
        peer.run([&] {
            QThread::currentThread()->setObjectName(QStringLiteral("diagnostics-worker"));
            remoteThread = QThread::currentThread();
            remote.connectToServer(name);
            remoteName = remote.localName();
        });
        bool found = false;
        for (const MemConn::ConnectionInfo &i : MemConn::connections()) {
            if (i.client.name == remoteName) {
                found = true;
                QCOMPARE(i.client.thread, remoteThread);
                QVERIFY(debugText(i).contains(QStringLiteral("diagnostics-worker")));
            }
        }
        QVERIFY(found);
        peer.run([&] { remote.abort(); });
    }
}

void tst_Diagnostics::connectionsShowsPairsAndClosedEnds()
{
    const auto [a, b] = MemSocket::createPair();
    std::unique_ptr<MemSocket> ga(a);
    std::optional<MemConn::ConnectionInfo> info = infoOf(a);
    QVERIFY(info);
    QVERIFY(info->serverName.isEmpty());
    QVERIFY(info->connected);
    QCOMPARE(info->server.name, b->localName());
    QCOMPARE(b->write("xyz"), 3);
    delete b;   // its end closes; a keeps the connection (and nothing unread by b)
    info = infoOf(a);
    QVERIFY(info);
    QVERIFY(info->client.open);
    QVERIFY(!info->server.open);
    QCOMPARE(info->server.thread, nullptr);
}

void tst_Diagnostics::connectionsPrintAsOneLineEach()
{
    const auto [a, b] = MemSocket::createPair();
    std::unique_ptr<MemSocket> ga(a), gb(b);
    a->write("four");
    a->setDeadline(QDeadlineTimer(60000));
    std::optional<MemConn::ConnectionInfo> info = infoOf(a);
    QVERIFY(info);
    const QString line = debugText(*info);
    const QString missing = missingPart(line, {QStringLiteral("MemConn::ConnectionInfo(pair"), QStringLiteral("connected"),
                                               a->localName(), b->localName(), QStringLiteral("unread by peer 4"),
                                               QStringLiteral("read deadline in"), QStringLiteral("write deadline in")});
    QVERIFY2(missing.isEmpty(), qPrintable(line + QStringLiteral(" lacks ") + missing));
    QVERIFY(!line.contains(QLatin1Char('\n')));
    // A list prints as Qt prints lists: every entry.
    const QString all = debugText(MemConn::connections());
    QVERIFY2(all.contains(a->localName()), qPrintable(all));
}

QTEST_GUILESS_MAIN(tst_Diagnostics)
#include "tst_diagnostics.moc"
