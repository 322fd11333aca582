// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
import QtQuick
import QtTest
import MemConn
import "Util.js" as Util

TestCase {
    id: testCase
    name: "Listening"

    Component {
        id: serverComponent
        MemServer {
            property var sockets: []
            onClientConnected: (socket) => { sockets = sockets.concat([socket]); }
        }
    }
    Component { id: socketComponent; MemSocket {} }
    Component { id: spyComponent; SignalSpy {} }

    // Declared in an order where a premature action would use an empty name:
    // nothing may happen before the component is complete.
    Component {
        id: declaredPair
        Item {
            id: root
            property alias server: server
            property alias client: client
            property string name
            property int accepted: 0
            property int clientErrors: 0
            MemSocket { id: client; active: true; serverName: root.name; onErrorOccurred: root.clientErrors++ }
            MemServer { id: server; listening: true; name: root.name; onClientConnected: root.accepted++ }
        }
    }

    function spy(target, signalName) {
        return createTemporaryObject(spyComponent, testCase, { target: target, signalName: signalName });
    }

    function test_toggleOffAndOn() {
        const name = Util.uniqueName("toggle");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        const changes = spy(server, "listeningChanged");
        const kept = createTemporaryObject(socketComponent, testCase, { serverName: name, active: true });
        tryVerify(() => server.sockets.length === 1);

        server.listening = false;
        verify(!server.listening);
        compare(changes.count, 1);
        const refused = createTemporaryObject(socketComponent, testCase, { serverName: name, active: true });
        tryVerify(() => !refused.active, 5000, "nobody listens on the name now");
        verify(refused.errorString.indexOf(name) >= 0, refused.errorString);
        compare(kept.state, MemSocket.ConnectedState, "connections handed out stay connected");
        compare(kept.write("still here"), 10);
        tryCompare(server.sockets[0], "bytesAvailable", 10);

        server.listening = true;
        verify(server.listening);
        compare(changes.count, 2);
        refused.active = true;
        compare(refused.state, MemSocket.ConnectedState);
        tryVerify(() => server.sockets.length === 2);
    }

    function test_renameWhileListening() {
        const first = Util.uniqueName("rename-a");
        const second = Util.uniqueName("rename-b");
        const server = createTemporaryObject(serverComponent, testCase, { name: first, listening: true });
        server.name = second;
        verify(server.listening);
        const toOld = createTemporaryObject(socketComponent, testCase, { serverName: first, active: true });
        tryVerify(() => !toOld.active, 5000, "the old name is free");
        const toNew = createTemporaryObject(socketComponent, testCase, { serverName: second, active: true });
        tryCompare(toNew, "state", MemSocket.ConnectedState);
    }

    function test_nothingBeforeComplete() {
        const name = Util.uniqueName("declared");
        const item = createTemporaryObject(declaredPair, testCase, { name: name });
        verify(item.server.listening, item.server.errorString);
        // The client was declared first and asked to be active first; it still
        // connected, so it waited for both components to be complete.
        tryCompare(item.client, "state", MemSocket.ConnectedState);
        compare(item.client.errorString, "");
        compare(item.clientErrors, 0, "no premature attempt failed on the way");
        tryCompare(item, "accepted", 1);
    }

    function test_inactiveBeforeCompleteDoesNothing() {
        const name = Util.uniqueName("quiet");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: false });
        verify(!server.listening);
        compare(server.errorString, "");
        const client = createTemporaryObject(socketComponent, testCase, { serverName: name });
        verify(!client.active);
        compare(client.state, MemSocket.UnconnectedState);
        compare(client.errorString, "", "nothing was tried");
    }

    function test_maxPendingConnections() {
        const server = createTemporaryObject(serverComponent, testCase, { name: Util.uniqueName("backlog") });
        compare(server.maxPendingConnections, 30);
        const changes = spy(server, "maxPendingConnectionsChanged");
        server.maxPendingConnections = 2;
        compare(server.maxPendingConnections, 2);
        compare(changes.count, 1);
        server.maxPendingConnections = 2;
        compare(changes.count, 1);
    }
}
