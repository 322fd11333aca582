// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Records in-memory traffic to a pcapng file that Wireshark opens:
//   capture [FILE]            (default: memconn-capture.pcapng)
//   wireshark FILE            or: tshark -r FILE -Y http
// An HTTP exchange on port 80 (in memory: no root, no clash with a real
// server on that port) and a line-based chat on the name "chat". Any program
// does the same with no change at all: MEMCONN_CAPTURE=FILE ./program.
#include <MemConn/MemConn>
#include <MemConn/MemServer>
#include <MemConn/MemSocket>
#include <MemConn/MemTcpServer>
#include <MemConn/MemTcpSocket>

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>
#include <QtCore/QTimer>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const QString path = app.arguments().value(1, QStringLiteral("memconn-capture.pcapng"));
    if (!MemConn::startCapture(path))
        return 1;   // the warning says why

    // HTTP/1.1 on 127.0.0.1:80: Wireshark picks its HTTP dissector by the port.
    MemTcpServer http;
    http.listen(QHostAddress::LocalHost, 80);
    QObject::connect(&http, &QTcpServer::newConnection, &http, [&http] {
        QTcpSocket *s = http.nextPendingConnection();
        QObject::connect(s, &QIODevice::readyRead, s, [s] {
            if (!s->readAll().contains("\r\n\r\n"))
                return;
            const QByteArray body = "hello from memory\n";
            s->write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                     + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
            s->disconnectFromHost();
        });
        QObject::connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
    });

    // A chat on a plain name: Wireshark shows it as TCP data between
    // addresses derived from the name.
    MemServer chat;
    chat.listen(QStringLiteral("chat"));
    QObject::connect(&chat, &MemServer::newConnection, &chat, [&chat] {
        MemSocket *s = chat.nextPendingConnection();
        QObject::connect(s, &QIODevice::readyRead, s, [s] {
            while (s->canReadLine())
                s->write("echo: " + s->readLine());
        });
        QObject::connect(s, &MemSocket::disconnected, s, &QObject::deleteLater);
    });

    MemTcpSocket browser;
    QByteArray page;
    QObject::connect(&browser, &QTcpSocket::connected, &browser,
                     [&] { browser.write("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"); });
    QObject::connect(&browser, &QIODevice::readyRead, &browser, [&] { page += browser.readAll(); });

    MemSocket talker;
    QByteArray echoed;
    QObject::connect(&talker, &QIODevice::readyRead, &talker, [&] {
        echoed += talker.readAll();
        if (echoed.count('\n') == 2)
            talker.disconnectFromServer();
    });

    int finished = 0;
    const auto done = [&] {
        if (++finished < 2)
            return;
        MemConn::stopCapture();   // the file is complete when this returns
        out << "HTTP: " << page.left(page.indexOf('\r')) << "\n"
            << "chat: " << echoed.replace('\n', " | ") << "\n"
            << "captured to " << path << ": open it with wireshark, or tshark -r " << path << " -Y http" << Qt::endl;
        app.quit();
    };
    QObject::connect(&browser, &QTcpSocket::disconnected, &app, done);
    QObject::connect(&talker, &MemSocket::disconnected, &app, done);

    browser.connectToHost(QStringLiteral("localhost"), 80);
    talker.connectToServer(QStringLiteral("chat"));
    talker.write("hello\n");
    talker.write("who is there?\n");
    QTimer::singleShot(10000, &app, [&] {
        out << "timed out" << Qt::endl;
        app.exit(2);
    });
    return app.exec();
}
