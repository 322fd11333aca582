// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// One small adapter so that every benchmark shape runs the same code over
// MemSocket (memu, memb), QTcpSocket and QLocalSocket.

#include <MemConn/MemServer>
#include <MemConn/MemSocket>

#include <QtNetwork/qlocalserver.h>
#include <QtNetwork/qlocalsocket.h>
#include <QtNetwork/qtcpserver.h>
#include <QtNetwork/qtcpsocket.h>

#include <functional>
#include <memory>

enum class Kind { Memu, Memb, Tcp, Local };

inline const char *kindName(Kind k)
{
    switch (k) {
    case Kind::Memu: return "memu";
    case Kind::Memb: return "memb";
    case Kind::Tcp: return "QTcpSocket";
    case Kind::Local: return "QLocalSocket";
    }
    return "?";
}

class Transport
{
public:
    using Accepted = std::function<void(QIODevice *)>;

    explicit Transport(Kind kind);
    ~Transport();
    Kind kind() const { return m_kind; }

    // Listens in the calling thread; onAccepted runs for each server-side
    // socket, which is deleted (deleteLater) when its client goes away.
    bool listen(Accepted onAccepted);
    // Starts connecting a new client, owned by the caller.
    QIODevice *dial() const;
    bool waitConnected(QIODevice *client, int msecs) const;
    void disconnect(QIODevice *client) const;
    static bool isConnected(QIODevice *socket);
    // Server-side sockets accepted and not yet deleted.
    int liveServerSockets() const { return m_live; }

private:
    template <typename Server>
    void acceptFrom(Server *server);

    Kind m_kind;
    QString m_name;
    quint16 m_port = 0;
    Accepted m_onAccepted;
    int m_live = 0;
    std::unique_ptr<MemServer> m_mem;
    std::unique_ptr<QTcpServer> m_tcp;
    std::unique_ptr<QLocalServer> m_local;
};
