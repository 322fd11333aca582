// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// MemConn::startCapture() and MEMCONN_CAPTURE (memconn.h): the pcapng file
// is checked by a real reader, tshark, never by our own parser. Without
// tshark every test is skipped with a message (the setup script installs it).
#include "testutil.h"

#include <MemConn/MemConn>
#include <MemConn/MemTcpServer>
#include <MemConn/MemTcpSocket>

#include <QtCore/qcryptographichash.h>
#include <QtCore/qprocess.h>
#include <QtCore/qrandom.h>
#include <QtCore/qstandardpaths.h>
#include <QtCore/qtemporarydir.h>

using namespace std::chrono_literals;

// A server on `address` and one client connected to it, with the server's
// side of the connection taken.
struct Link
{
    explicit Link(const QString &address)
    {
        server.listen(address);
        client.connectToServer(address);
        peer.reset(server.nextPendingConnection());
    }
    MemServer server;
    MemSocket client;
    std::unique_ptr<MemSocket> peer;
};

class tst_Capture : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void httpExampleInMemory();
    void segmentPerWriteAndCloses_data() { addNetworkRows(); }
    void segmentPerWriteAndCloses();
    void maxChunkShowsWhatTheReaderReceived();
    void latencyShowsInTimestamps();
    void bulkReassemblesExactly();
    void resetsShowAsRst();
    void firstPacketNamesBothEnds();
    void tcpNamesKeepHostAndPort();
    void filterChoosesConnections();
    void pairsAreRecorded();
    void stoppedCaptureRecordsNoMore();
    void unwritablePathWarnsAndRunsOn();
    void fullQueueDropsPacketsAndSaysSo();

private:
    QString file(const char *name) { return m_dir.filePath(QLatin1String(name) + QLatin1String(".pcapng")); }
    // Gives connections to a new server name `stem`-N `conditions` and
    // captures them to file(stem).
    bool captureNew(const char *stem, QString *name, const MemConn::Conditions &conditions)
    {
        *name = uniqueName(stem);
        MemConn::setConditions(*name, conditions);
        return MemConn::startCapture(file(stem), *name);
    }
    // tshark's answer: one line per packet that `filter` shows, with `fields`
    // separated by '|'.
    QStringList tshark(const QString &path, const QString &filter, const QStringList &fields);
    QByteArray tsharkRaw(const QStringList &args);
    // Packets tshark's TCP analysis flags (lost, out of order, window full...).
    QStringList analysisWarnings(const QString &path)
    {
        return tshark(path, QStringLiteral("tcp.analysis.flags"), {QStringLiteral("frame.number"),
                                                                   QStringLiteral("_ws.expert.message")});
    }

    QString m_tshark;
    QTemporaryDir m_dir;
};

#define REQUIRE_TSHARK()                                                                             \
    do {                                                                                             \
        if (m_tshark.isEmpty())                                                                      \
            QSKIP("tshark is not installed (apt-get install tshark; scripts/memconn.sh setup does)"); \
    } while (false)

void tst_Capture::initTestCase()
{
    m_tshark = QStandardPaths::findExecutable(QStringLiteral("tshark"));
    QVERIFY(m_dir.isValid());
}

void tst_Capture::cleanup()
{
    MemConn::stopCapture();
    MemConn::clearConditions(QStringLiteral("*"));
}

QByteArray tst_Capture::tsharkRaw(const QStringList &args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::SeparateChannels);
    p.start(m_tshark, args);
    if (!p.waitForFinished(120000) || p.exitCode() != 0) {
        qWarning().noquote() << "tshark" << args.join(QLatin1Char(' ')) << "failed:" << p.readAllStandardError();
        return QByteArray("tshark failed");
    }
    return p.readAllStandardOutput();
}

QStringList tst_Capture::tshark(const QString &path, const QString &filter, const QStringList &fields)
{
    QStringList args{QStringLiteral("-r"), path, QStringLiteral("-T"), QStringLiteral("fields"),
                     QStringLiteral("-E"), QStringLiteral("separator=|")};
    if (!filter.isEmpty())
        args << QStringLiteral("-Y") << filter;
    for (const QString &f : fields)
        args << QStringLiteral("-e") << f;
    const QString out = QString::fromUtf8(tsharkRaw(args));
    return out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

// Done when: the example, in memory with MEMCONN_CAPTURE, writes a file in
// which tshark finds its HTTP requests and responses and WebSocket frames;
// the environment starts the capture and the normal exit completes the file.
void tst_Capture::httpExampleInMemory()
{
    REQUIRE_TSHARK();
#ifndef MEMCONN_HTTPSERVER_EXAMPLE
    QSKIP("examples/httpserver is not built (qt6-httpserver-dev, qt6-websockets-dev)");
#else
    const QString path = file("httpserver");
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("MEMCONN_CAPTURE"), path);
    env.insert(QStringLiteral("MEMCONN_NETWORK_MAP"), QStringLiteral("tcp=memb"));
    app.setProcessEnvironment(env);
    app.start(QStringLiteral(MEMCONN_HTTPSERVER_EXAMPLE), {});
    QVERIFY(app.waitForFinished(60000));
    QCOMPARE(app.exitCode(), 0);
    QVERIFY2(app.readAllStandardOutput().contains("in memory: GET /hello -> 200"), "the example ran in memory");

    QCOMPARE(tshark(path, QStringLiteral("http.request"), {QStringLiteral("http.request.method"),
                                                           QStringLiteral("http.request.uri")}),
             QStringList({QStringLiteral("GET|/hello"), QStringLiteral("GET|/ws")}));
    QCOMPARE(tshark(path, QStringLiteral("http.response"), {QStringLiteral("http.response.code")}),
             QStringList({QStringLiteral("200"), QStringLiteral("101")}));
    // tshark 4.0 prints the body as text, 4.4 (Debian 13) as hex.
    QStringList body = tshark(path, QStringLiteral("http.response.code == 200"), {QStringLiteral("http.file_data")});
    for (QString &b : body) {
        if (QRegularExpression(QStringLiteral("^([0-9a-f]{2})+$")).match(b).hasMatch())
            b = QString::fromUtf8(QByteArray::fromHex(b.toLatin1()));
    }
    QCOMPARE(body, QStringList({QStringLiteral("hello from QHttpServer")}));
    // tshark 4.0 prints a boolean as 1/0, 4.4 as True/False.
    QStringList frames = tshark(path, QStringLiteral("websocket"),
                                {QStringLiteral("websocket.mask"), QStringLiteral("websocket.payload.text")});
    for (QString &f : frames)
        f.replace(QLatin1String("True|"), QLatin1String("1|")).replace(QLatin1String("False|"), QLatin1String("0|"));
    QCOMPARE(frames, QStringList({QStringLiteral("1|hello over websocket"), QStringLiteral("0|HELLO OVER WEBSOCKET")}));
    QCOMPARE(analysisWarnings(path), QStringList());
    // The client's QTcpSocket is deleted last, connected, which aborts it:
    // its RST is queued as the process ends, and the exit completes the file.
    QCOMPARE(tshark(path, QStringLiteral("tcp.flags.reset == 1"), {QStringLiteral("tcp.dstport")}),
             tshark(path, QStringLiteral("tcp.flags == 0x012"), {QStringLiteral("tcp.srcport")}));
    // On memb, the interface named so; the host and port the example listens on.
    const QStringList syn = tshark(path, QStringLiteral("tcp.flags == 0x002"),
                                   {QStringLiteral("frame.interface_name"), QStringLiteral("ip.dst"),
                                    QStringLiteral("ip.src")});
    QCOMPARE(syn, QStringList({QStringLiteral("memb|127.0.0.1|127.0.0.1")}));
#endif
}

// One segment per write, in order, split at 65495 bytes; FIN from the side
// that closes first, then the other's FIN and the last ACK.
void tst_Capture::segmentPerWriteAndCloses()
{
    REQUIRE_TSHARK();
    QFETCH(QString, network);
    const QString path = file("writes");
    const QString name = uniqueName("cap-writes");
    QVERIFY(MemConn::startCapture(path, name));
    Link link(network + name);
    QVERIFY(link.peer);
    MemSocket &client = link.client;
    std::unique_ptr<MemSocket> &peer = link.peer;
    QByteArray got;
    connect(peer.get(), &QIODevice::readyRead, peer.get(), [&] { got += peer->readAll(); });
    client.write("a");
    client.write("bb");
    client.write("ccc");
    QTRY_COMPARE(got, QByteArray("abbccc"));
    const QByteArray big(70000, 'x');
    QCOMPARE(peer->write(big), qint64(big.size()));
    QTRY_COMPARE(client.bytesAvailable(), qint64(big.size()));
    client.disconnectFromServer();
    QSignalSpy peerGone(peer.get(), &MemSocket::disconnected);
    QVERIFY(peerGone.wait(1000));
    peer->close();
    MemConn::stopCapture();

    const QStringList packets = tshark(path, {}, {QStringLiteral("tcp.srcport"), QStringLiteral("tcp.flags.str"),
                                                  QStringLiteral("tcp.len")});
    QCOMPARE(packets.size(), 3 + 3 + 2 + 3);
    const QString c = packets.at(0).section(QLatin1Char('|'), 0, 0);
    const QString s = packets.at(1).section(QLatin1Char('|'), 0, 0);
    QVERIFY(c != s);
    QStringList shape;
    for (const QString &p : packets) {
        const QStringList f = p.split(QLatin1Char('|'));
        QString flags = f.at(1);
        flags.remove(QChar(0x00b7));   // tshark writes unset flags as middle dots
        shape << (f.at(0) == c ? QStringLiteral("c ") : QStringLiteral("s ")) + flags + QLatin1Char(' ') + f.at(2);
    }
    QCOMPARE(shape, QStringList({QStringLiteral("c S 0"), QStringLiteral("s AS 0"), QStringLiteral("c A 0"),
                                 QStringLiteral("c AP 1"), QStringLiteral("c AP 2"), QStringLiteral("c AP 3"),
                                 QStringLiteral("s AP 65495"), QStringLiteral("s AP 4505"),
                                 QStringLiteral("c AF 0"), QStringLiteral("s AF 0"), QStringLiteral("c A 0")}));
    QCOMPARE(analysisWarnings(path), QStringList());
    QCOMPARE(tshark(path, QStringLiteral("tcp.flags.syn == 1 && tcp.flags.ack == 0"),
                    {QStringLiteral("frame.interface_name")}),
             QStringList(network == QLatin1String("memb:") ? QStringLiteral("memb") : QStringLiteral("memu")));
}

// Under conditions the segments are what the reader received: maxChunk = 1
// hands the reader one byte per readyRead(), and the capture shows 1-byte
// segments.
void tst_Capture::maxChunkShowsWhatTheReaderReceived()
{
    REQUIRE_TSHARK();
    MemConn::Conditions one;
    one.maxChunk = 1;
    QString name;
    QVERIFY(captureNew("cap-chunks", &name, one));
    const QString path = file("cap-chunks");
    Link link(name);
    QVERIFY(link.peer);
    MemSocket &client = link.client;
    std::unique_ptr<MemSocket> &peer = link.peer;
    QByteArray got;
    QList<qint64> deliveries;
    connect(peer.get(), &QIODevice::readyRead, peer.get(), [&] {
        const QByteArray b = peer->readAll();
        deliveries << b.size();
        got += b;
    });
    client.write("hello");
    QTRY_COMPARE(got, QByteArray("hello"));
    MemConn::stopCapture();
    const QStringList segments = tshark(path, QStringLiteral("tcp.len > 0"), {QStringLiteral("tcp.len"),
                                                                              QStringLiteral("data.data")});
    QCOMPARE(segments, QStringList({QStringLiteral("1|68"), QStringLiteral("1|65"), QStringLiteral("1|6c"),
                                    QStringLiteral("1|6c"), QStringLiteral("1|6f")}));
    QCOMPARE(deliveries, QList<qint64>({1, 1, 1, 1, 1}));
    QCOMPARE(analysisWarnings(path), QStringList());
}

void tst_Capture::latencyShowsInTimestamps()
{
    REQUIRE_TSHARK();
    MemConn::Conditions slow;
    slow.latency = 80ms;
    QString name;
    QVERIFY(captureNew("cap-latency", &name, slow));
    const QString path = file("cap-latency");
    Link link(name);
    QVERIFY(link.peer);
    MemSocket &client = link.client;
    std::unique_ptr<MemSocket> &peer = link.peer;
    QElapsedTimer sent;
    client.write("ping");
    sent.start();
    QVERIFY(peer->waitForReadyRead(2000));
    QCOMPARE(peer->readAll(), QByteArray("ping"));
    MemConn::stopCapture();
    // The handshake's last ACK, then the data: at least the latency apart.
    const QStringList times = tshark(path, QStringLiteral("tcp.len > 0 || (tcp.flags == 0x010)"),
                                     {QStringLiteral("frame.time_relative"), QStringLiteral("tcp.len")});
    QCOMPARE(times.size(), 2);
    const double ack = times.at(0).section(QLatin1Char('|'), 0, 0).toDouble();
    const double data = times.at(1).section(QLatin1Char('|'), 0, 0).toDouble();
    QCOMPARE(times.at(1).section(QLatin1Char('|'), 1, 1), QStringLiteral("4"));
    QVERIFY2(data - ack >= 0.079, qPrintable(QStringLiteral("%1 s apart").arg(data - ack)));
    QVERIFY2(data - ack <= 0.08 + sent.elapsed() / 1000.0 + 0.05, qPrintable(QStringLiteral("%1 s apart").arg(data - ack)));
}

// 10 MiB under maxChunk: tshark reassembles exactly the bytes written, with
// no TCP analysis warning.
void tst_Capture::bulkReassemblesExactly()
{
    REQUIRE_TSHARK();
    MemConn::Conditions chunks;
    chunks.maxChunk = 16384;
    chunks.seed = 7;
    QString name;
    QVERIFY(captureNew("cap-bulk", &name, chunks));
    const QString path = file("cap-bulk");
    Link link(QStringLiteral("memb:") + name);
    QVERIFY(link.peer);
    MemSocket &client = link.client;
    std::unique_ptr<MemSocket> &peer = link.peer;
    QByteArray sent(10 << 20, Qt::Uninitialized);
    QRandomGenerator random(42);
    random.fillRange(reinterpret_cast<quint32 *>(sent.data()), sent.size() / 4);
    QCryptographicHash received(QCryptographicHash::Sha256);
    qint64 total = 0;
    connect(peer.get(), &QIODevice::readyRead, peer.get(), [&] {
        const QByteArray b = peer->readAll();
        total += b.size();
        received.addData(b);
    });
    for (qsizetype at = 0; at < sent.size(); at += 100000)
        client.write(sent.constData() + at, qMin<qsizetype>(100000, sent.size() - at));
    QTRY_COMPARE_WITH_TIMEOUT(total, qint64(sent.size()), 30000);
    QCOMPARE(received.result(), QCryptographicHash::hash(sent, QCryptographicHash::Sha256));
    client.disconnectFromServer();
    MemConn::stopCapture();

    QCOMPARE(analysisWarnings(path), QStringList());
    // tshark's own reassembly of the client's direction, as raw hex.
    const QByteArray follow = tsharkRaw({QStringLiteral("-r"), path, QStringLiteral("-q"), QStringLiteral("-z"),
                                         QStringLiteral("follow,tcp,raw,0")});
    QByteArray hex;
    bool inStream = false;
    for (const QByteArray &line : follow.split('\n')) {
        if (line.startsWith("Node 1:")) {
            inStream = true;
            continue;
        }
        if (!inStream || line.startsWith("====") || line.isEmpty())
            continue;
        QVERIFY2(!line.startsWith('\t'), "nothing came back from the server");
        hex += line.trimmed();
    }
    const QByteArray reassembled = QByteArray::fromHex(hex);
    QCOMPARE(reassembled.size(), sent.size());
    QVERIFY(reassembled == sent);
    const QStringList segments = tshark(path, QStringLiteral("tcp.len > 0"), {QStringLiteral("tcp.len")});
    QVERIFY2(segments.size() > 640, "at most 16384 bytes each");   // 10 MiB / 16 KiB
    for (const QString &len : segments)
        QVERIFY(len.toInt() >= 1 && len.toInt() <= 16384);
}

// RST for a reset by network conditions and for abort(); the reader gets
// exactly what was kept, and so does the capture.
void tst_Capture::resetsShowAsRst()
{
    REQUIRE_TSHARK();
    const QString path = file("resets");
    const QString name = uniqueName("cap-reset");
    MemConn::Conditions cut;
    cut.resetAfterBytes = 10;
    MemConn::setConditions(name + QStringLiteral("-cut"), cut);
    QVERIFY(MemConn::startCapture(path, name + QStringLiteral("-*")));

    Link link(name + QStringLiteral("-cut"));
    QVERIFY(link.peer);
    MemSocket &client = link.client;
    std::unique_ptr<MemSocket> &peer = link.peer;
    QSignalSpy gone(peer.get(), &MemSocket::disconnected);
    client.write("0123456789abcdefghij");
    QVERIFY(gone.wait(1000));
    QCOMPARE(peer->readAll(), QByteArray("0123456789"));

    Link link2(name + QStringLiteral("-abort"));
    QVERIFY(link2.peer);
    MemSocket &client2 = link2.client;
    client2.write("xyz");
    client2.abort();
    MemConn::stopCapture();

    const QStringList resets = tshark(path, QStringLiteral("tcp.flags.reset == 1"),
                                      {QStringLiteral("tcp.stream"), QStringLiteral("tcp.srcport"),
                                       QStringLiteral("tcp.seq")});
    QCOMPARE(resets.size(), 2);
    const QStringList clientPorts = tshark(path, QStringLiteral("tcp.flags == 0x002"), {QStringLiteral("tcp.srcport")});
    QCOMPARE(clientPorts.size(), 2);
    // Each from the client, after its bytes (relative sequence: 1 + bytes).
    QCOMPARE(resets.at(0), QStringLiteral("0|%1|11").arg(clientPorts.at(0)));
    QCOMPARE(resets.at(1), QStringLiteral("1|%1|4").arg(clientPorts.at(1)));
    QCOMPARE(tshark(path, QStringLiteral("tcp.stream == 0 && tcp.len > 0"), {QStringLiteral("data.data")}),
             QStringList(QString::fromLatin1(QByteArray("0123456789").toHex())));
    QCOMPARE(tshark(path, QStringLiteral("tcp.flags.fin == 1"), {QStringLiteral("frame.number")}), QStringList());
}

void tst_Capture::firstPacketNamesBothEnds()
{
    REQUIRE_TSHARK();
    const QString path = file("names");
    const QString name = uniqueName("cap-names");
    QVERIFY(MemConn::startCapture(path, name));
    Link link(QStringLiteral("memb:") + name);
    QVERIFY(link.peer);
    MemSocket &client = link.client;
    std::unique_ptr<MemSocket> &peer = link.peer;
    const QString expected = client.localName() + QStringLiteral(" -> ") + peer->localName();
    MemConn::stopCapture();
    const QStringList comments = tshark(path, QStringLiteral("frame.comment"), {QStringLiteral("frame.number"),
                                                                               QStringLiteral("frame.comment")});
    QCOMPARE(comments, QStringList(QStringLiteral("1|") + expected));
    QVERIFY(expected.startsWith(QStringLiteral("memb:") + name + QLatin1Char('#')));
}

// A MemTcpServer's name keeps its host and port, so that Wireshark picks the
// dissector by port (8080: HTTP) without configuration.
void tst_Capture::tcpNamesKeepHostAndPort()
{
    REQUIRE_TSHARK();
    const QString path = file("tcp");
    QVERIFY(MemConn::startCapture(path, QStringLiteral("127.0.0.1:8080")));
    MemTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 8080));
    MemTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, 8080);
    QVERIFY(client.waitForConnected(1000));
    QVERIFY(server.waitForNewConnection(1000));
    QTcpSocket *peer = server.nextPendingConnection();
    QVERIFY(peer);
    client.write("GET /capture HTTP/1.1\r\nHost: localhost\r\n\r\n");
    QVERIFY(peer->waitForReadyRead(1000));
    peer->readAll();
    peer->write("HTTP/1.1 204 No Content\r\n\r\n");
    QVERIFY(client.waitForReadyRead(1000));
    client.readAll();
    client.disconnectFromHost();
    MemConn::stopCapture();
    QCOMPARE(tshark(path, QStringLiteral("http.request"), {QStringLiteral("ip.dst"), QStringLiteral("tcp.dstport"),
                                                           QStringLiteral("http.request.uri")}),
             QStringList(QStringLiteral("127.0.0.1|8080|/capture")));
    QCOMPARE(tshark(path, QStringLiteral("http.response"), {QStringLiteral("http.response.code")}),
             QStringList(QStringLiteral("204")));
    QCOMPARE(analysisWarnings(path), QStringList());
}

void tst_Capture::filterChoosesConnections()
{
    REQUIRE_TSHARK();
    const QString path = file("filter");
    const QString stem = uniqueName("cap-filter");
    QVERIFY(MemConn::startCapture(path, stem + QStringLiteral("-keep?")));
    std::vector<std::unique_ptr<MemServer>> servers;
    std::vector<std::unique_ptr<MemSocket>> clients;
    for (const char *suffix : {"-keep1", "-drop1", "-keep2", "-keep22"}) {
        servers.push_back(std::make_unique<MemServer>());
        QVERIFY(servers.back()->listen(stem + QLatin1String(suffix)));
        clients.push_back(std::make_unique<MemSocket>());
        clients.back()->connectToServer(stem + QLatin1String(suffix));
        QCOMPARE(clients.back()->state(), QAbstractSocket::ConnectedState);
    }
    auto [a, b] = MemSocket::createPair();   // a pair has no name: filtered out
    a->write("pair");
    delete a;
    delete b;
    MemConn::stopCapture();
    const QStringList comments = tshark(path, QStringLiteral("frame.comment"), {QStringLiteral("frame.comment")});
    QCOMPARE(comments.size(), 2);
    QVERIFY(comments.at(0).startsWith(QStringLiteral("memu:") + stem + QStringLiteral("-keep1#")));
    QVERIFY(comments.at(1).startsWith(QStringLiteral("memu:") + stem + QStringLiteral("-keep2#")));
}

void tst_Capture::pairsAreRecorded()
{
    REQUIRE_TSHARK();
    const QString path = file("pairs");
    QVERIFY(MemConn::startCapture(path));
    auto [a, b] = MemSocket::createPair();
    std::unique_ptr<MemSocket> left(a), right(b);
    left->write("over the pipe");
    QVERIFY(right->waitForReadyRead(1000));
    QCOMPARE(right->readAll(), QByteArray("over the pipe"));
    const QString expected = left->localName() + QStringLiteral(" -> ") + right->localName();
    MemConn::stopCapture();
    // Other tests' connections may still close meanwhile: look at this stream only.
    const QStringList first = tshark(path, QStringLiteral("frame.comment"), {QStringLiteral("tcp.stream"),
                                                                            QStringLiteral("frame.comment")});
    QStringList streams;
    for (const QString &line : first) {
        if (line.section(QLatin1Char('|'), 1) == expected)
            streams << line.section(QLatin1Char('|'), 0, 0);
    }
    QCOMPARE(streams.size(), 1);
    QCOMPARE(tshark(path, QStringLiteral("tcp.stream == %1 && tcp.len > 0").arg(streams.at(0)),
                    {QStringLiteral("data.data")}),
             QStringList(QString::fromLatin1(QByteArray("over the pipe").toHex())));
}

// stopCapture() completes the file; connections opened during the capture
// record nothing more, and new ones are not recorded.
void tst_Capture::stoppedCaptureRecordsNoMore()
{
    REQUIRE_TSHARK();
    const QString path = file("stopped");
    const QString name = uniqueName("cap-stop");
    QVERIFY(MemConn::startCapture(path, name));
    Link link(name);
    QVERIFY(link.peer);
    MemSocket &client = link.client;
    std::unique_ptr<MemSocket> &peer = link.peer;
    client.write("during");
    QVERIFY(peer->waitForReadyRead(1000));
    QCOMPARE(peer->readAll(), QByteArray("during"));
    MemConn::stopCapture();
    const QStringList before = tshark(path, {}, {QStringLiteral("frame.number")});
    QCOMPARE(before.size(), 4);   // the handshake and one segment: the file is complete
    client.write("after");
    QVERIFY(peer->waitForReadyRead(1000));
    QCOMPARE(peer->readAll(), QByteArray("after"));   // the bytes still go
    MemSocket second;
    second.connectToServer(name);
    QCOMPARE(second.state(), QAbstractSocket::ConnectedState);
    QCOMPARE(tshark(path, {}, {QStringLiteral("frame.number")}), before);
}

void tst_Capture::unwritablePathWarnsAndRunsOn()
{
    const QString path = m_dir.filePath(QStringLiteral("no/such/dir/x.pcapng"));
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("^MemConn: cannot capture to ")
                                            + QRegularExpression::escape(path)
                                            + QStringLiteral(": .+; the program runs on without capture$")));
    QVERIFY(!MemConn::startCapture(path));
    ConnectedPair pair;
    QVERIFY(pair.peer);
    pair.client->write("still works");
    QVERIFY(pair.peer->waitForReadyRead(1000));
    QCOMPARE(pair.peer->readAll(), QByteArray("still works"));
    QVERIFY(!QFile::exists(path));
}

// A queue too small for a packet: the packet is dropped, never the
// application's bytes; the file says so on the next packet it has, and a
// warning names the file.
void tst_Capture::fullQueueDropsPacketsAndSaysSo()
{
    REQUIRE_TSHARK();
    const QString path = file("overflow");
    const QString name = uniqueName("cap-full");
    // Room for the handshake and a FIN (small packets), not for 1000 bytes.
    qputenv("MEMCONN_CAPTURE_QUEUE", "400");
    const bool started = MemConn::startCapture(path, name);
    qunsetenv("MEMCONN_CAPTURE_QUEUE");
    QVERIFY(started);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^MemConn capture ")
                                                          + QRegularExpression::escape(path)
                                                          + QStringLiteral(": dropped 1 packets: the capture queue was full")));
    Link link(name);
    QVERIFY(link.peer);
    MemSocket &client = link.client;
    std::unique_ptr<MemSocket> &peer = link.peer;
    const QByteArray big(1000, 'b');
    QCOMPARE(client.write(big), qint64(big.size()));
    QVERIFY(peer->waitForReadyRead(1000));
    QCOMPARE(peer->readAll(), big);   // every byte arrives
    client.disconnectFromServer();
    MemConn::stopCapture();
    QCOMPARE(tshark(path, QStringLiteral("frame.comment contains \"dropped\""),
                    {QStringLiteral("tcp.flags.str"), QStringLiteral("frame.comment")}).size(), 1);
    QCOMPARE(tshark(path, QStringLiteral("tcp.len > 0"), {QStringLiteral("frame.number")}), QStringList());
    // tshark sees the gap the drop left.
    QCOMPARE(tshark(path, QStringLiteral("tcp.analysis.lost_segment"), {QStringLiteral("frame.number")}).size(), 1);
}

QTEST_GUILESS_MAIN(tst_Capture)
#include "tst_capture.moc"
