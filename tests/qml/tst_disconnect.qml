// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
import QtQuick
import QtTest
import MemConn
import "Util.js" as Util

TestCase {
    id: testCase
    name: "Disconnect"

    Component {
        id: serverComponent
        MemServer {
            property var sockets: []
            property MemSocket lastSocket   // a typed reference turns null when its object goes
            onClientConnected: (socket) => { sockets = sockets.concat([socket]); lastSocket = socket; }
        }
    }
    Component { id: socketComponent; MemSocket {} }
    Component { id: spyComponent; SignalSpy {} }

    function spy(target, signalName) {
        return createTemporaryObject(spyComponent, testCase, { target: target, signalName: signalName });
    }

    function test_clientDisconnects() {
        const name = Util.uniqueName("bye");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        const client = createTemporaryObject(socketComponent, testCase, { serverName: name, active: true });
        tryVerify(() => server.sockets.length === 1);
        const peer = server.sockets[0];
        verify(server.lastSocket !== null);
        const peerDisconnected = spy(peer, "disconnected");
        const peerErrors = spy(peer, "errorOccurred");
        const clientDisconnected = spy(client, "disconnected");
        const clientActive = spy(client, "activeChanged");

        compare(client.write("last words"), 10);
        client.active = false;
        // Closing is immediate on this side, as in C++: all before the setter returns.
        compare(client.state, MemSocket.UnconnectedState);
        compare(clientDisconnected.count, 1);
        compare(clientActive.count, 1);
        verify(!client.active);
        // The peer hears of it through its event loop, with QAbstractSocket's error.
        tryCompare(peerDisconnected, "count", 1);
        compare(peerErrors.count, 1);
        compare(peerErrors.signalArguments[0][0], MemSocket.RemoteHostClosedError);
        // Server-side sockets are deleted once their disconnected() handlers ran.
        tryVerify(() => server.lastSocket === null, 5000, "the server-side socket is deleted");
    }

    function test_peerDisconnectsLeavesBytesReadable() {
        const name = Util.uniqueName("peerbye");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        const client = createTemporaryObject(socketComponent, testCase, { serverName: name, active: true });
        tryVerify(() => server.sockets.length === 1);
        const peer = server.sockets[0];
        const disconnected = spy(client, "disconnected");
        const errors = spy(client, "errorOccurred");
        let readInHandler = "";
        client.disconnected.connect(function() { readInHandler = client.readAllText(); });

        compare(peer.write("sent before the close"), 21);
        peer.active = false;
        tryCompare(disconnected, "count", 1);
        compare(errors.count, 1);
        compare(errors.signalArguments[0][0], MemSocket.RemoteHostClosedError);
        verify(client.errorString.indexOf(name) >= 0, client.errorString);
        compare(readInHandler, "sent before the close", "nothing is lost");
        verify(!client.active);
        compare(client.state, MemSocket.UnconnectedState);
        compare(client.write("too late"), -1);
        verify(client.errorString.length > 0);
    }

    function test_destroyingTheServerClosesItsSockets() {
        const name = Util.uniqueName("gone");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        const client = createTemporaryObject(socketComponent, testCase, { serverName: name, active: true });
        tryVerify(() => server.sockets.length === 1);
        const disconnected = spy(client, "disconnected");
        server.destroy();
        tryCompare(disconnected, "count", 1);
        verify(!client.active);
    }

    function test_reconnectAfterThePeerClosed() {
        const name = Util.uniqueName("again");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        const client = createTemporaryObject(socketComponent, testCase, { serverName: name, active: true });
        tryVerify(() => server.sockets.length === 1);
        server.sockets[0].active = false;
        tryCompare(client, "active", false);
        client.active = true;
        compare(client.state, MemSocket.ConnectedState);
        tryVerify(() => server.sockets.length === 2);
        compare(client.errorString, "", "a new attempt clears the last error");
        compare(client.write("x"), 1);
        tryCompare(server.sockets[1], "bytesAvailable", 1);
    }

    function test_serverSideSocketCannotReconnect() {
        const name = Util.uniqueName("noredial");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        const client = createTemporaryObject(socketComponent, testCase, { serverName: name, active: true });
        tryVerify(() => server.sockets.length === 1);
        const peer = server.sockets[0];
        // Setting active to false on the server side closes that one connection.
        let reconnectError = "";
        peer.disconnected.connect(function() {
            peer.active = true;                 // still inside the handler: not yet deleted
            reconnectError = peer.errorString;
            verify(!peer.active);
        });
        peer.active = false;
        verify(reconnectError.indexOf("cannot reconnect") >= 0, reconnectError);
        tryCompare(client, "active", false);
    }
}
