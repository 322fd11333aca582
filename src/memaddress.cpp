// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memaddress_p.h"

namespace MemConnPrivate {

Address Address::parse(const QString &given)
{
    Address a;
    if (given.startsWith(QLatin1StringView("memb:"))) {
        a.buffered = true;
        a.name = given.mid(5);
    } else if (given.startsWith(QLatin1StringView("memu:"))) {
        a.name = given.mid(5);
    } else {
        a.name = given;
    }
    return a;
}

QString Address::format(bool buffered, const QString &name)
{
    return (buffered ? QStringLiteral("memb:") : QStringLiteral("memu:")) + name;
}

QString Address::endName(bool buffered, const QString &name, quint64 id)
{
    return format(buffered, name.isEmpty() ? QStringLiteral("pipe") : name) + QLatin1Char('#') + QString::number(id);
}

QString Address::describe() const
{
    return name.isEmpty() ? format(buffered, QStringLiteral("(unnamed)")) : full();
}

namespace {
struct Entry
{
    QAbstractSocket::SocketError code;
    const char *text;
};

Entry entry(Failure failure)
{
    using S = QAbstractSocket;
    switch (failure) {
    case Failure::EmptyName: return {S::HostNotFoundError, "the server name is empty"};
    case Failure::NoServer: return {S::HostNotFoundError, "no server is listening on this name"};
    case Failure::NameInUse: return {S::AddressInUseError, "the name is already held by another server"};
    case Failure::AlreadyConnecting:
        return {S::OperationError, "connectToServer() called while connecting or connected"};
    case Failure::InvalidOpenMode: return {S::OperationError, "invalid open mode"};
    case Failure::Refused:
        return {S::ConnectionRefusedError, "the server closed before accepting the connection"};
    case Failure::RefusedByConditions:
        return {S::ConnectionRefusedError, "the connection was refused (network conditions)"};
    case Failure::NoListener:
        return {S::ConnectionRefusedError, "connection refused (no in-memory server listens there)"};
    case Failure::RemoteClosed: return {S::RemoteHostClosedError, "the remote end closed the connection"};
    case Failure::WriteAfterPeerClosed:
        return {S::RemoteHostClosedError, "cannot write, the remote end closed the connection"};
    case Failure::WriteNotConnected: return {S::OperationError, "cannot write, the socket is not connected"};
    case Failure::WriteNotWritable:
        return {S::OperationError, "cannot write, the socket is not open for writing"};
    case Failure::WriteNegativeSize:
        return {S::OperationError, "cannot write a negative number of bytes"};
    case Failure::WriteNullData: return {S::OperationError, "cannot write from a null pointer"};
    case Failure::ReadNotConnected: return {S::OperationError, "cannot read, the socket is not connected"};
    case Failure::ReadNotReadable:
        return {S::OperationError, "cannot read, the socket is not open for reading"};
    case Failure::ReadDeadline: return {S::SocketTimeoutError, "read deadline exceeded"};
    case Failure::WriteDeadline: return {S::SocketTimeoutError, "write deadline exceeded"};
    case Failure::DeadlinePassed: return {S::SocketTimeoutError, "deadline exceeded"};
    case Failure::TimedOut: return {S::SocketTimeoutError, "operation timed out"};
    case Failure::ConnectTimedOut:
        return {S::SocketTimeoutError, "timed out waiting for the server to accept the connection"};
    case Failure::SameThreadPeer:
        return {S::SocketTimeoutError,
                "the wait can only end through a peer in this same thread, which cannot run while "
                "this thread blocks"};
    }
    return {S::UnknownSocketError, "unknown error"};
}
} // namespace

QString describe(Failure failure, const QString &address)
{
    return address + QLatin1StringView(": ") + QLatin1StringView(entry(failure).text);
}

QAbstractSocket::SocketError code(Failure failure)
{
    return entry(failure).code;
}

} // namespace MemConnPrivate
