// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// The swap from QTcpSocket to MemSocket is a type change. The key-value
// client and server below are written once, as templates over the socket and
// server types; main() runs them over QTcpSocket/QTcpServer, over
// MemTcpSocket/MemTcpServer (a QTcpSocket/QTcpServer in memory: the TCP code
// path itself, unchanged) and over MemSocket/MemServer, and compares the
// answers and the time taken.
// Only listen() and connect differ between the two (an address and port, or
// a name): the two overloads of listenOn() and dial() hold that difference.
// Run: swap [requests]
#include <MemConn/MemServer>
#include <MemConn/MemSocket>
#include <MemConn/MemTcpServer>
#include <MemConn/MemTcpSocket>

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QTextStream>
#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>

// --- The only lines that know which transport is in use -------------------
bool listenOn(QTcpServer &server) { return server.listen(QHostAddress::LocalHost); }
bool listenOn(MemTcpServer &server) { return server.listen(QHostAddress::LocalHost); }
bool listenOn(MemServer &server) { return server.listen(QStringLiteral("swap-kv")); }
void dial(MemTcpSocket &socket, const MemTcpServer &server)
{
    socket.connectToHost(QHostAddress::LocalHost, server.serverPort());
}
void dial(QTcpSocket &socket, const QTcpServer &server)
{
    socket.connectToHost(QHostAddress::LocalHost, server.serverPort());
}
void dial(MemSocket &socket, const MemServer &server) { socket.connectToServer(server.serverName()); }

// --- Written once ----------------------------------------------------------
// A line protocol: "SET key value" answers "OK", "GET key" answers the value.
template <typename Server, typename Socket>
class KeyValueServer
{
public:
    explicit KeyValueServer(Server &server) : m_server(server)
    {
        QObject::connect(&server, &Server::newConnection, &server, [this] {
            while (Socket *peer = m_server.nextPendingConnection()) {
                QObject::connect(peer, &Socket::readyRead, peer, [this, peer] { serve(peer); });
                QObject::connect(peer, &Socket::disconnected, peer, &QObject::deleteLater);
            }
        });
    }

private:
    void serve(Socket *peer)
    {
        while (peer->canReadLine()) {
            const QList<QByteArray> words = peer->readLine().trimmed().split(' ');
            if (words.size() == 3 && words[0] == "SET") {
                m_store.insert(words[1], words[2]);
                peer->write("OK\n");
            } else if (words.size() == 2 && words[0] == "GET") {
                peer->write(m_store.value(words[1], "(none)") + '\n');
            } else {
                peer->write("ERR\n");
            }
        }
    }

    Server &m_server;
    QHash<QByteArray, QByteArray> m_store;
};

// Sends `requests` SET/GET pairs one at a time, driven by readyRead(), and
// collects the answers.
template <typename Socket>
class KeyValueClient
{
public:
    template <typename Server>
    KeyValueClient(const Server &server, int requests) : m_requests(requests)
    {
        QObject::connect(&m_socket, &Socket::connected, &m_socket, [this] { sendNext(); });
        QObject::connect(&m_socket, &Socket::readyRead, &m_socket, [this] {
            while (m_socket.canReadLine()) {
                m_answers << m_socket.readLine().trimmed();
                sendNext();
            }
        });
        QObject::connect(&m_socket, &Socket::errorOccurred, &m_socket, [this] {
            QTextStream(stderr) << "error: " << m_socket.errorString() << Qt::endl;
            m_loop.exit(1);
        });
        dial(m_socket, server);
    }

    QList<QByteArray> run()
    {
        m_loop.exec();   // the answers come back through the event loop
        return m_answers;
    }

private:
    void sendNext()
    {
        const int i = m_sent / 2;
        if (m_sent == 2 * m_requests) {
            m_loop.quit();
            return;
        }
        const QByteArray key = "key" + QByteArray::number(i);
        m_socket.write(m_sent % 2 == 0 ? "SET " + key + ' ' + QByteArray::number(i * i) + '\n'
                                       : "GET " + key + '\n');
        ++m_sent;
    }

    Socket m_socket;
    QEventLoop m_loop;
    int m_requests;
    int m_sent = 0;
    QList<QByteArray> m_answers;
};

template <typename Server, typename Socket, typename ClientSocket = Socket>
QList<QByteArray> runOver(const char *label, int requests, QTextStream &out)
{
    Server server;
    if (!listenOn(server)) {
        out << label << ": cannot listen: " << server.errorString() << Qt::endl;
        return {};
    }
    KeyValueServer<Server, Socket> service(server);
    QElapsedTimer timer;
    timer.start();
    KeyValueClient<ClientSocket> client(server, requests);
    const QList<QByteArray> answers = client.run();
    const double ms = timer.nsecsElapsed() / 1e6;
    out << label << ": " << answers.size() / 2 << " answers in " << QString::number(ms, 'f', 2)
        << " ms (" << QString::number(ms * 1000 / answers.size(), 'f', 1) << " µs per request)"
        << Qt::endl;
    return answers;
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int requests = argc > 1 ? QByteArray(argv[1]).toInt() : 1000;
    QTextStream out(stdout);
    const auto overTcp = runOver<QTcpServer, QTcpSocket>("QTcpSocket", requests, out);
    const auto overMemTcp = runOver<MemTcpServer, QTcpSocket, MemTcpSocket>("MemTcpSocket", requests, out);
    const auto overMem = runOver<MemServer, MemSocket>("MemSocket", requests, out);
    const bool same = !overTcp.isEmpty() && overTcp == overMem && overTcp == overMemTcp;
    out << (same ? "same answers over all three" : "the answers differ") << Qt::endl;
    return same ? 0 : 1;
}
