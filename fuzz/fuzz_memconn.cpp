// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// libFuzzer harness: the input is a sequence of operations on a few connected
// pairs and servers in one thread; every outcome is checked against a simple
// reference model of each stream. Names come from the input as raw UTF-16, so
// empty, huge, control-character and unpaired-surrogate names are all tried.
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/qcoreapplication.h>
#include <QtCore/qpointer.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

namespace {
void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "model mismatch: %s\n", what);
        std::abort();
    }
}

// A one-shot slot on one of an end's signals that deletes or aborts the
// socket, or runs a nested event loop, from inside the handler.
struct Handler
{
    enum Action { Delete, Abort, NestedLoop };
    QMetaObject::Connection connection;
    Action action = NestedLoop;
    bool fired = false;
};

struct Pair
{
    std::unique_ptr<MemSocket> end[2];
    QByteArray inFlight[2];        // written by end i, not yet read by the other end
    bool open[2] = {false, false};
    bool kept[2] = {false, false};  // closed by disconnectFromServer(): unread input still readable
    bool readBlocked[2] = {false, false};
    bool writeBlocked[2] = {false, false};
    Handler handler[2];
    bool used() const { return end[0] || end[1]; }
    bool readable(int e) const { return open[e] || kept[e]; }

    // Brings the model up to date with what a handler did.
    void sync()
    {
        for (int e = 0; e < 2; ++e) {
            Handler &h = handler[e];
            if (!h.fired)
                continue;
            h.fired = false;
            if (h.action == Handler::Delete) {
                (void)end[e].release();   // deleted by the handler
                open[e] = kept[e] = false;
                inFlight[1 - e].clear();
            } else if (h.action == Handler::Abort) {   // in any state: unread input goes
                open[e] = kept[e] = false;
                inFlight[1 - e].clear();
            }
        }
    }
};

QString fuzzedName(FuzzedDataProvider &in)
{
    switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0:
        return QString();
    case 1: {   // huge
        const int n = in.ConsumeIntegralInRange<int>(1000, 70000);
        return QString(n, QChar(u'x' + in.ConsumeIntegralInRange<int>(0, 2)));
    }
    case 2:
        return QStringLiteral("memb:") + QString::number(in.ConsumeIntegralInRange<int>(0, 3));
    case 3:
        return QString::number(in.ConsumeIntegralInRange<int>(0, 3));
    default: {  // raw UTF-16: control characters, unpaired surrogates, colons
        const std::string raw = in.ConsumeBytesAsString(in.ConsumeIntegralInRange<int>(0, 24));
        return QString(reinterpret_cast<const QChar *>(raw.data()), qsizetype(raw.size() / 2));
    }
    }
}

QString bareName(const QString &given)
{
    if (given.startsWith(QLatin1StringView("memu:")) || given.startsWith(QLatin1StringView("memb:")))
        return given.mid(5);
    return given;
}

void run(FuzzedDataProvider &in)
{
    Pair pairs[3];
    std::map<QString, std::unique_ptr<MemServer>> servers;   // bare name -> server
    int steps = 0;
    while (in.remaining_bytes() > 0 && ++steps < 400) {
        Pair &p = pairs[in.ConsumeIntegralInRange<int>(0, 2)];
        const int e = in.ConsumeIntegralInRange<int>(0, 1);
        const int o = 1 - e;
        switch (in.ConsumeIntegralInRange<int>(0, 14)) {
        case 0:   // a fresh pair
            if (!p.used()) {
                auto [a, b] = MemSocket::createPair();
                p.end[0].reset(a);
                p.end[1].reset(b);
                p.open[0] = p.open[1] = true;
            }
            break;
        case 1: { // write, three ways
            if (!p.end[e])
                break;
            const QByteArray bytes = QByteArray::fromStdString(in.ConsumeBytesAsString(in.ConsumeIntegralInRange<int>(0, 300)));
            qint64 n;
            switch (in.ConsumeIntegralInRange<int>(0, 2)) {
            case 0: n = p.end[e]->write(bytes); break;
            case 1: n = p.end[e]->write(bytes.constData(), bytes.size()); break;
            default: n = static_cast<QIODevice *>(p.end[e].get())->write(bytes); break;
            }
            const bool canWrite = p.open[e] && p.open[o] && !p.writeBlocked[e];
            if (bytes.isEmpty()) {
                check(n == 0 || n == -1, "empty write");
            } else if (canWrite) {
                check(n == bytes.size(), "write count");
                p.inFlight[e] += bytes;
            } else {
                check(n == -1, "write refused");
                check(!p.end[e]->errorString().isEmpty(), "write error string");
            }
            break;
        }
        case 2: { // read up to k
            if (!p.end[e])
                break;
            const int k = in.ConsumeIntegralInRange<int>(1, 400);
            QByteArray buf(k, Qt::Uninitialized);
            const qint64 n = p.end[e]->read(buf.data(), k);
            if (!p.readable(e) || p.readBlocked[e]) {
                check(n == -1, "blocked read fails");
            } else if (p.inFlight[o].isEmpty()) {
                check(n == (p.open[o] && p.open[e] ? 0 : -1), "empty read: 0 while open, -1 at end");
            } else {
                const qint64 want = qMin<qint64>(k, p.inFlight[o].size());
                check(n == want, "read count");
                check(QByteArrayView(buf.constData(), n) == QByteArrayView(p.inFlight[o]).first(want), "read bytes");
                p.inFlight[o].remove(0, want);
            }
            break;
        }
        case 3: { // readAll
            if (!p.end[e])
                break;
            const QByteArray got = p.end[e]->readAll();
            if (!p.readable(e) || p.readBlocked[e]) {
                check(got.isEmpty(), "blocked readAll");
            } else {
                check(got == p.inFlight[o], "readAll bytes");
                p.inFlight[o].clear();
            }
            break;
        }
        case 4: { // peek, then bytesAvailable
            if (!p.end[e] || !p.readable(e) || p.readBlocked[e])
                break;
            const int k = in.ConsumeIntegralInRange<int>(1, 200);
            const QByteArray got = p.end[e]->peek(k);
            check(got == p.inFlight[o].left(k), "peek bytes");
            check(p.end[e]->bytesAvailable() == p.inFlight[o].size(), "bytesAvailable");
            // The writer's side of the same bytes: bytes still in the
            // connection beyond the send window count in bytesToWrite()
            // (memu's window is 0). What peek() took into the reader's
            // QIODevice counts as read: at least the k bytes peeked, at
            // most all of them.
            if (p.end[o] && p.open[o] && p.open[e]) {
                const qint64 window = p.end[o]->isBuffered()
                    ? p.end[o]->socketOption(QAbstractSocket::SendBufferSizeSocketOption).toLongLong()
                    : 0;
                const qint64 unread = p.inFlight[o].size();
                const qint64 most = qMax<qint64>(0, unread - qMin<qint64>(k, unread) - window);
                const qint64 pending = p.end[o]->bytesToWrite();
                check(pending >= 0 && pending <= most, "bytesToWrite follows the send window");
            }
            break;
        }
        case 5: { // readLine
            if (!p.end[e] || !p.readable(e) || p.readBlocked[e])
                break;
            const QByteArray got = p.end[e]->readLine();
            const qsizetype nl = p.inFlight[o].indexOf('\n');
            const QByteArray want = nl >= 0 ? p.inFlight[o].left(nl + 1) : p.inFlight[o];
            check(got == want, "readLine bytes");
            p.inFlight[o].remove(0, want.size());
            break;
        }
        case 6:   // close in one of three ways: close() and abort() drop own
        case 7:   // unread bytes, disconnectFromServer() keeps them readable
            if (p.end[e] && p.open[e]) {
                const int how = in.ConsumeIntegralInRange<int>(0, 2);
                QPointer<MemSocket> s = p.end[e].get();
                if (how == 0)
                    s->close();
                else if (how == 1)
                    s->abort();
                else
                    s->disconnectFromServer();
                if (s)
                    check(s->state() == QAbstractSocket::UnconnectedState, "closed state");
                p.open[e] = false;
                p.kept[e] = how == 2 && s;
                if (how != 2)
                    p.inFlight[o].clear();
                p.sync();
            }
            break;
        case 8:   // delete an end
            if (p.end[e]) {
                QObject::disconnect(p.handler[e].connection);
                p.end[e].reset();
                p.open[e] = p.kept[e] = false;
                p.inFlight[o].clear();
            }
            if (!p.used()) {
                p.inFlight[0].clear();
                p.inFlight[1].clear();
                p.readBlocked[0] = p.readBlocked[1] = p.writeBlocked[0] = p.writeBlocked[1] = false;
                p.kept[0] = p.kept[1] = false;
            }
            break;
        case 9:   // the event loop runs until idle: one hop per pass, and a
                  // handler's close or abort reaches the peer in the next one
            for (int pass = 0; pass < 8; ++pass) {
                QCoreApplication::processEvents();
                for (Pair &q : pairs)
                    q.sync();
            }
            if (p.end[e] && p.open[e] && !p.open[o])
                check(p.end[e]->state() == QAbstractSocket::UnconnectedState, "peer close seen");
            break;
        case 10: { // deadlines: past or cleared
            if (!p.end[e])
                break;
            const bool past = in.ConsumeBool();
            const QDeadlineTimer when = past ? QDeadlineTimer(0) : QDeadlineTimer(QDeadlineTimer::Forever);
            if (in.ConsumeBool()) {
                p.end[e]->setReadDeadline(when);
                p.readBlocked[e] = past;
            } else {
                p.end[e]->setWriteDeadline(when);
                p.writeBlocked[e] = past;
            }
            break;
        }
        case 11: { // listen on a fuzzed name
            const QString name = fuzzedName(in);
            auto server = std::make_unique<MemServer>();
            const bool ok = server->listen(name);
            const QString bare = bareName(name);
            if (bare.isEmpty()) {
                check(!ok && server->serverError() == QAbstractSocket::HostNotFoundError, "empty name refused");
            } else if (servers.count(bare)) {
                check(!ok && server->serverError() == QAbstractSocket::AddressInUseError, "held name refused");
            } else {
                check(ok, "free name accepted");
                servers[bare] = std::move(server);
            }
            if (!ok)
                check(!server->errorString().isEmpty(), "listen error string");
            break;
        }
        case 12: { // connect a fresh pair through a fuzzed name
            if (p.used())
                break;
            const QString name = fuzzedName(in);
            auto client = std::make_unique<MemSocket>();
            client->connectToServer(name);
            auto it = servers.find(bareName(name));
            if (it == servers.end() || bareName(name).isEmpty()) {
                check(client->state() == QAbstractSocket::UnconnectedState
                          && client->error() == QAbstractSocket::HostNotFoundError, "nobody there");
                check(client->errorString().contains(QLatin1StringView(": ")), "address in error");
                break;
            }
            check(client->state() == QAbstractSocket::ConnectedState, "connected");
            MemSocket *peer = it->second->nextPendingConnection();
            check(peer && peer->state() == QAbstractSocket::ConnectedState, "accepted");
            check(peer->peerName() == client->localName(), "names match");
            peer->setParent(nullptr);
            p.end[0] = std::move(client);
            p.end[1].reset(peer);
            p.open[0] = p.open[1] = true;
            break;
        }
        case 14: { // arm a handler on one of this end's signals
            if (!p.end[e] || p.handler[e].connection)
                break;
            Handler &h = p.handler[e];
            h.action = Handler::Action(in.ConsumeIntegralInRange<int>(0, 2));
            MemSocket *s = p.end[e].get();
            auto act = [&h, s] {
                QObject::disconnect(h.connection);
                h.connection = {};
                h.fired = true;
                if (h.action == Handler::Delete)
                    delete s;
                else if (h.action == Handler::Abort)
                    s->abort();
                else
                    QCoreApplication::processEvents();
            };
            switch (in.ConsumeIntegralInRange<int>(0, 3)) {
            case 0: h.connection = QObject::connect(s, &QIODevice::readyRead, s, act); break;
            case 1: h.connection = QObject::connect(s, &QIODevice::bytesWritten, s, act); break;
            case 2: h.connection = QObject::connect(s, &MemSocket::errorOccurred, s, act); break;
            default: h.connection = QObject::connect(s, &MemSocket::disconnected, s, act); break;
            }
            break;
        }
        default: { // close a server: its taken sockets stay
            if (servers.empty())
                break;
            auto it = servers.begin();
            std::advance(it, in.ConsumeIntegralInRange<size_t>(0, servers.size() - 1));
            servers.erase(it);
            break;
        }
        }
        for (Pair &q : pairs)   // a nested loop may have run any pair's handler
            q.sync();
    }
    for (Pair &p : pairs) {
        for (int e = 0; e < 2; ++e) {
            QObject::disconnect(p.handler[e].connection);
            p.end[e].reset();
        }
    }
    servers.clear();
    QCoreApplication::processEvents();
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    // Qt's own warnings (a write to a closed QIODevice) are expected here.
    qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) {});
    static QCoreApplication app(*argc, *argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzedDataProvider in(data, size);
    run(in);
    return 0;
}
