// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// The classic Qt fortune server and client, in one process over MemConn.
// The server sends each fortune as a QDataStream-serialised QString, in two
// pieces a few milliseconds apart, as a slow network would; the client reads
// with a QDataStream transaction, which rolls back until the whole string has
// arrived. Run: fortune [count]
#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtCore/QCoreApplication>
#include <QtCore/QDataStream>
#include <QtCore/QRandomGenerator>
#include <QtCore/QTextStream>
#include <QtCore/QTimer>

static const QStringList fortunes = {
    QStringLiteral("A byte written in memory is a byte that never met the kernel."),
    QStringLiteral("Your next connection will be refused politely, with the address named."),
    QStringLiteral("Every message arrives whole, until someone sets maxChunk."),
    QStringLiteral("Patience: the event loop will get to you."),
    QStringLiteral("A deadline missed today is a SocketTimeoutError tomorrow."),
    QStringLiteral("You will read what was written, in the order it was written."),
    QStringLiteral("The peer you are waiting for lives in your own thread."),
};

// Serves one fortune per connection, then closes it.
class FortuneServer : public QObject
{
public:
    FortuneServer()
    {
        connect(&m_server, &MemServer::newConnection, this, &FortuneServer::sendFortune);
    }
    bool listen(const QString &name) { return m_server.listen(name); }
    QString errorString() const { return m_server.errorString(); }

private:
    void sendFortune()
    {
        while (MemSocket *socket = m_server.nextPendingConnection()) {
            QByteArray block;
            QDataStream out(&block, QIODevice::WriteOnly);
            out.setVersion(QDataStream::Qt_6_0);
            out << fortunes.at(QRandomGenerator::global()->bounded(fortunes.size()));

            // Half now, half later: the client sees an incomplete string first.
            const qsizetype half = block.size() / 2;
            socket->write(block.left(half));
            QTimer::singleShot(5, socket, [socket, rest = block.mid(half)] {
                socket->write(rest);
                socket->disconnectFromServer();   // every byte stays readable
                socket->deleteLater();
            });
        }
    }

    MemServer m_server;
};

// Asks for one fortune at a time.
class FortuneClient : public QObject
{
public:
    explicit FortuneClient(const QString &name, int count) : m_name(name), m_wanted(count)
    {
        m_in.setVersion(QDataStream::Qt_6_0);
        connect(&m_socket, &MemSocket::readyRead, this, &FortuneClient::readFortune);
        connect(&m_socket, &MemSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
            if (e != QAbstractSocket::RemoteHostClosedError) {
                m_out << "error: " << m_socket.errorString() << Qt::endl;
                QCoreApplication::exit(1);
            }
        });
    }

    void requestNewFortune()
    {
        m_in.setDevice(&m_socket);
        m_socket.connectToServer(m_name);
    }

private:
    void readFortune()
    {
        m_in.startTransaction();
        QString fortune;
        m_in >> fortune;
        if (!m_in.commitTransaction()) {
            ++m_rollbacks;              // not all there yet: wait for more
            return;
        }
        m_out << "fortune: " << fortune << Qt::endl;
        m_socket.disconnectFromServer();
        if (++m_received == m_wanted) {
            m_out << "received " << m_received << " fortunes, " << m_rollbacks
                  << " of them in pieces" << Qt::endl;
            QCoreApplication::quit();
            return;
        }
        QTimer::singleShot(0, this, &FortuneClient::requestNewFortune);
    }

    QString m_name;
    int m_wanted;
    int m_received = 0;
    int m_rollbacks = 0;
    MemSocket m_socket;
    QDataStream m_in;
    QTextStream m_out{stdout};
};

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const int count = argc > 1 ? QByteArray(argv[1]).toInt() : 3;
    const QString name = QStringLiteral("fortune");

    FortuneServer server;
    if (!server.listen(name)) {
        QTextStream(stderr) << server.errorString() << Qt::endl;
        return 1;
    }
    FortuneClient client(name, count);
    client.requestNewFortune();
    return app.exec();
}
