// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// The QML types under hostile use: objects destroyed inside their own
// handlers, properties toggled inside handlers, buffers mutated after a write
// and after a read, reconnects from inside handlers, asynchronous loading,
// Loader and Repeater teardown, gc(), and every kind of write() argument.
// Destruction from C++ slots, C++ servers in other threads, broadcasts from
// C++ and two engines are in tst_qmlhostile.cpp.
import QtQuick
import QtTest
import MemConn
import "Util.js" as Util

TestCase {
    id: testCase
    name: "Hostile"

    Component {
        id: serverComponent
        MemServer {
            property var sockets: []
            onClientConnected: (socket) => { sockets = sockets.concat([socket]); }
        }
    }
    Component { id: socketComponent; MemSocket {} }
    Component { id: spyComponent; SignalSpy {} }
    Component { id: holderComponent; QtObject { property MemServer held } }

    function spy(target, signalName) {
        return createTemporaryObject(spyComponent, testCase, { target: target, signalName: signalName });
    }

    // Objects a test may destroy itself (createTemporaryObject's would warn
    // when the test destroyed them first).
    property var created: []
    function cleanup() {
        for (const o of created) {
            if (o && typeof o.destroy === "function")   // a deleted object's wrapper has no methods
                o.destroy();
        }
        created = [];
        wait(0);
    }

    // A listening server and a client connected to it, with the server side taken.
    function pair(tag) {
        const name = Util.uniqueName(tag);
        const server = serverComponent.createObject(testCase, { name: name, listening: true });
        const client = socketComponent.createObject(testCase, { serverName: name, active: true });
        tryVerify(() => server.sockets.length === 1, 5000, "the server takes the client");
        created = created.concat([server, client]);
        return { name: name, server: server, client: client, peer: server.sockets[0] };
    }

    // -- Buffers: what QML reads and writes belongs to nobody else (defect 1)

    function test_writtenBufferIsCopied() {
        const p = pair("wbuf");
        const buffer = new ArrayBuffer(5);
        const view = new Uint8Array(buffer);
        view.set([104, 101, 108, 108, 111]);   // "hello"
        compare(p.client.write(buffer), 5);
        view.set([88, 88, 88, 88, 88]);        // mutated after write(): the peer must not see it
        const typed = new Uint8Array([119, 111, 114, 108, 100]);   // "world"
        compare(p.client.write(typed), 5);
        typed.fill(89);
        tryCompare(p.peer, "bytesAvailable", 10);
        compare(p.peer.readAllText(), "helloworld");
    }

    function test_readBufferIsPrivate() {
        const p = pair("rbuf");
        const sent = new Uint8Array([1, 2, 3, 4]).buffer;
        compare(p.client.write(sent), 4);
        tryCompare(p.peer, "bytesAvailable", 4);
        const first = p.peer.readAll();
        new Uint8Array(first).fill(0);          // mutate what was read
        compare(Util.bytes(sent), [1, 2, 3, 4]); // the writer's buffer is untouched
        // The same bytes written again reach the reader intact.
        compare(p.client.write(sent), 4);
        tryCompare(p.peer, "bytesAvailable", 4);
        compare(Util.bytes(p.peer.readAll()), [1, 2, 3, 4]);
    }

    function test_broadcastFromQmlServer() {
        const name = Util.uniqueName("bcast");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        const a = createTemporaryObject(socketComponent, testCase, { serverName: name, active: true });
        const b = createTemporaryObject(socketComponent, testCase, { serverName: name, active: true });
        tryVerify(() => server.sockets.length === 2);
        const message = new Uint8Array([66, 67, 68]).buffer;
        for (const s of server.sockets)
            compare(s.write(message), 3);
        tryCompare(a, "bytesAvailable", 3);
        tryCompare(b, "bytesAvailable", 3);
        new Uint8Array(a.readAll()).fill(0);
        compare(b.readAllText(), "BCD");
    }

    // -- Every write() argument type (defect 10)

    function test_writeArguments_data() {
        return [
            { tag: "string", arg: "abc", result: 3 },
            { tag: "empty string", arg: "", result: 0 },
            { tag: "ArrayBuffer", arg: new ArrayBuffer(4), result: 4 },
            { tag: "Uint8Array", arg: new Uint8Array(3), result: 3 },
            { tag: "Int32Array", arg: new Int32Array(2), result: 8 },
            { tag: "Float64Array", arg: new Float64Array(1), result: 8 },
            { tag: "subarray", arg: new Uint8Array(10).subarray(2, 5), result: 3 },
            { tag: "DataView", arg: new DataView(new ArrayBuffer(6), 1, 4), result: 4 },
            { tag: "fake view", arg: { buffer: new ArrayBuffer(4), byteOffset: 0, byteLength: 4 }, result: -1 },
            { tag: "fake view, bad offset", arg: { buffer: new ArrayBuffer(4), byteOffset: 9, byteLength: 4 }, result: -1 },
            { tag: "plain object", arg: { a: 1 }, result: -1 },
            { tag: "array", arg: [1, 2, 3], result: -1 },
            { tag: "number", arg: 42, result: -1 },
            { tag: "boolean", arg: true, result: -1 },
            { tag: "null", arg: null, result: -1 },
            { tag: "undefined", arg: undefined, result: -1 },
            { tag: "function", arg: function() {}, result: -1 },
            { tag: "QtObject", arg: testCase, result: -1 },
        ];
    }

    function test_writeArguments(data) {
        const p = pair("warg");
        if (data.result < 0)
            ignoreWarning(/write\(\) takes a string/);
        compare(p.client.write(data.arg), data.result);
        if (data.result < 0) {
            verify(p.client.errorString.indexOf(p.name) >= 0, p.client.errorString);
            compare(p.client.state, MemSocket.ConnectedState);   // a refused argument breaks nothing
        } else {
            tryCompare(p.peer, "bytesAvailable", data.result);
        }
    }

    // -- Destruction inside handlers (defects 2 and 3)

    function test_serverDestroyedInClientConnected() {
        const name = Util.uniqueName("srvdel");
        const holder = createTemporaryObject(holderComponent, testCase);
        const server = serverComponent.createObject(testCase, { name: name });
        holder.held = server;
        let calls = 0;
        server.clientConnected.connect(() => { calls += 1; server.destroy(); testCase.wait(0); });
        // Two clients wait in the backlog, so the server is destroyed with more to hand out.
        const a = createTemporaryObject(socketComponent, testCase, { serverName: name });
        const b = createTemporaryObject(socketComponent, testCase, { serverName: name });
        server.listening = true;
        a.active = true;
        b.active = true;
        tryVerify(() => calls >= 1);
        tryVerify(() => holder.held === null, 5000, "the server is gone");
        // The clients hear that the server went.
        tryCompare(a, "state", MemSocket.UnconnectedState);
        tryCompare(b, "state", MemSocket.UnconnectedState);
    }

    function test_socketDestroyedInOwnHandler_data() {
        const rows = [];
        for (const signalName of ["disconnected", "stateChanged", "activeChanged", "errorOccurred",
                                  "errorStringChanged", "readyRead", "bytesAvailableChanged", "connected"]) {
            for (const side of ["client", "server side"]) {
                if (signalName === "connected" && side === "server side")
                    continue;   // a server-side socket is connected before QML sees it
                rows.push({ tag: signalName + ", " + side, signalName: signalName, side: side });
            }
        }
        return rows;
    }

    function test_socketDestroyedInOwnHandler(data) {
        const p = pair("sockdel");
        const target = data.side === "client" ? p.client : p.peer;
        const other = data.side === "client" ? p.peer : p.client;
        let calls = 0;
        // QML may not destroy a server-side socket (its server owns it):
        // those rows destroy the server, and the socket with it.
        const victim = data.side === "client" ? p.client : p.server;
        target[data.signalName].connect(() => {
            calls += 1;
            if (calls === 1) { victim.destroy(); testCase.wait(0); }
        });
        if (data.signalName === "connected") {
            p.client.active = false;
            p.client.active = true;
        } else if (data.signalName === "readyRead" || data.signalName === "bytesAvailableChanged") {
            other.write("ping");
        } else {
            other.active = false;    // the peer leaves: error, state, active, disconnected
        }
        tryVerify(() => calls >= 1, 5000, "the handler ran");
        wait(10);
        compare(calls, 1);
    }

    function test_serverDestroyedInOwnHandler_data() {
        return [
            { tag: "listeningChanged", signalName: "listeningChanged" },
            { tag: "nameChanged", signalName: "nameChanged" },
            { tag: "errorStringChanged", signalName: "errorStringChanged" },
            { tag: "maxPendingConnectionsChanged", signalName: "maxPendingConnectionsChanged" },
        ];
    }

    function test_serverDestroyedInOwnHandler(data) {
        const name = Util.uniqueName("srvown");
        const blocker = createTemporaryObject(serverComponent, testCase, { name: name + "-held", listening: true });
        const server = serverComponent.createObject(testCase, { name: name, listening: true });
        let calls = 0;
        server[data.signalName].connect(() => { calls += 1; server.destroy(); testCase.wait(0); });
        if (data.signalName === "listeningChanged")
            server.listening = false;
        else if (data.signalName === "nameChanged")
            server.name = name + "-2";
        else if (data.signalName === "errorStringChanged")
            server.name = name + "-held";      // already held: listen() fails
        else
            server.maxPendingConnections = 3;
        tryVerify(() => calls === 1);
    }

    // -- Signal order and counts (defects 4, 5, 7, 8)

    function test_disconnectedOnceWhenDeactivatedInOnError_data() {
        return [ { tag: "client" }, { tag: "server side" } ];
    }

    function test_disconnectedOnceWhenDeactivatedInOnError(data) {
        const p = pair("once");
        const target = data.tag === "client" ? p.client : p.peer;
        const other = data.tag === "client" ? p.peer : p.client;
        const disconnected = spy(target, "disconnected");
        target.errorOccurred.connect(() => { target.active = false; });
        other.active = false;
        tryCompare(disconnected, "count", 1);
        wait(20);
        compare(disconnected.count, 1);
    }

    function test_reconnectFromHandlerEndsConnected_data() {
        return [ { tag: "onActiveChanged", signalName: "activeChanged" },
                 { tag: "onStateChanged", signalName: "stateChanged" },
                 { tag: "onDisconnected", signalName: "disconnected" },
                 { tag: "onErrorOccurred", signalName: "errorOccurred" } ];
    }

    function test_reconnectFromHandlerEndsConnected(data) {
        const p = pair("reconn");
        const log = [];
        let reconnected = false;
        p.client.connected.connect(() => log.push("connected"));
        p.client.disconnected.connect(() => log.push("disconnected"));
        p.client[data.signalName].connect(() => {
            if (!reconnected && !p.client.active) {
                reconnected = true;
                p.client.active = true;
            } else if (!reconnected && data.signalName === "errorOccurred") {
                reconnected = true;
                p.client.active = false;
                p.client.active = true;
            }
        });
        p.peer.active = false;
        tryVerify(() => reconnected);
        tryVerify(() => p.server.sockets.length === 2);
        wait(20);
        compare(p.client.state, MemSocket.ConnectedState);
        verify(p.client.active);
        verify(log.length > 0);
        compare(log[log.length - 1], "connected", log.join(","));
    }

    function test_noReadyReadWithNothingToRead() {
        const name = Util.uniqueName("empty");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        let emptyReadyRead = 0;
        let readInConnected = "";
        server.clientConnected.connect((socket) => {
            readInConnected = socket.readAllText();   // takes what arrived before anyone looked
            socket.readyRead.connect(() => { if (socket.bytesAvailable === 0) emptyReadyRead += 1; });
        });
        const client = createTemporaryObject(socketComponent, testCase, { serverName: name });
        client.active = true;
        compare(client.state, MemSocket.ConnectedState);
        compare(client.write("{\"a\":1}"), 7);
        tryVerify(() => server.sockets.length === 1);
        wait(20);
        compare(readInConnected, "{\"a\":1}");
        compare(emptyReadyRead, 0);
        // The same on a client that read everything inside stateChanged.
        let clientEmpty = 0;
        client.readyRead.connect(() => { if (client.bytesAvailable === 0) clientEmpty += 1; });
        server.sockets[0].write("x");
        client.bytesAvailableChanged.connect(() => client.readAll());
        wait(20);
        compare(clientEmpty, 0);
    }

    function test_bytesAvailableChangedWhenReconnectDiscards_data() {
        return [ { tag: "closed here" }, { tag: "closed by the peer" } ];
    }

    function test_bytesAvailableChangedWhenReconnectDiscards(data) {
        const p = pair("discard");
        const announced = spy(p.client, "readyRead");
        p.peer.write("unread");
        tryCompare(announced, "count", 1);
        compare(p.client.bytesAvailable, 6);
        const changes = spy(p.client, "bytesAvailableChanged");
        if (data.tag === "closed here") {
            p.client.active = false;          // unread input stays readable, as in C++
        } else {
            p.peer.active = false;
            tryCompare(p.client, "active", false);
        }
        compare(p.client.bytesAvailable, 6);
        p.client.active = true;               // a new connection starts empty
        compare(p.client.state, MemSocket.ConnectedState);
        compare(p.client.bytesAvailable, 0);
        compare(changes.count, 1);
    }

    // -- Lifetime at creation (defects 6 and 9)

    function test_createdActiveAndDestroyedInTheSameTurn() {
        const name = Util.uniqueName("phantom");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        for (let i = 0; i < 5; ++i) {
            const s = socketComponent.createObject(testCase, { serverName: name, active: true });
            s.destroy();
        }
        wait(50);
        compare(server.sockets.length, 0);
    }

    Component {
        id: asyncContent
        Item {
            property alias server: server
            property alias client: client
            Repeater { model: 30; Item { } }   // enough objects for incubation to pause
            MemServer { id: server; name: Util.asyncName; listening: true }
            Repeater { model: 30; Item { } }
            MemSocket { id: client; serverName: Util.asyncName; active: true }
        }
    }
    Component {
        id: asyncContentClientFirst
        Item {
            property alias server: server
            property alias client: client
            MemSocket { id: client; serverName: Util.asyncName; active: true }
            Repeater { model: 30; Item { } }
            MemServer { id: server; name: Util.asyncName; listening: true }
        }
    }
    Component { id: loaderComponent; Loader { asynchronous: true } }

    function test_asynchronousLoader_data() {
        return [ { tag: "server first", content: asyncContent },
                 { tag: "client first", content: asyncContentClientFirst } ];
    }

    function test_asynchronousLoader(data) {
        for (let run = 0; run < 5; ++run) {
            Util.asyncName = Util.uniqueName("async");
            const loader = createTemporaryObject(loaderComponent, testCase, { sourceComponent: data.content });
            tryCompare(loader, "status", Loader.Ready);
            const client = loader.item.client;
            tryCompare(client, "state", MemSocket.ConnectedState);
            compare(client.errorString, "");
            loader.sourceComponent = undefined;   // teardown with a live connection
            wait(0);
            loader.destroy();
        }
    }

    // -- Teardown (Loader, Repeater), toggles, gc()

    Component {
        id: repeaterContent
        Item {
            id: content
            property alias repeater: repeater
            property string serverName
            MemServer { name: content.serverName; listening: true }
            Repeater {
                id: repeater
                model: Array(10).fill(content.serverName)
                Item {
                    id: delegate
                    required property int index
                    required property string modelData
                    MemSocket {
                        id: socket
                        serverName: delegate.modelData
                        active: true
                        onConnected: socket.write("hello " + delegate.index)
                        onReadyRead: socket.readAll()
                    }
                }
            }
        }
    }

    function test_repeaterTeardown() {
        const name = Util.uniqueName("rep");
        const item = createTemporaryObject(repeaterContent, testCase, { serverName: name });
        wait(20);
        item.repeater.model = Array(3).fill(name);    // seven connected delegates go
        wait(20);
        item.repeater.model = [];
        wait(20);
        item.repeater.model = Array(10).fill(name);
        wait(20);
        item.destroy();
        wait(20);
    }

    function test_togglesInsideHandlers() {
        const p = pair("toggle");
        let toggles = 0;
        p.client.stateChanged.connect(() => {
            if (toggles < 20) { toggles += 1; p.client.active = !p.client.active; }
        });
        p.server.clientConnected.connect(() => { p.server.listening = !p.server.listening; p.server.listening = true; });
        p.client.active = false;
        tryVerify(() => toggles >= 20, 5000);
        wait(20);
        // Whatever the toggles left, the socket still works.
        p.client.active = false;
        p.client.active = true;
        compare(p.client.state, MemSocket.ConnectedState);
    }

    function test_gcWithSocketsOnlyInJs() {
        const name = Util.uniqueName("gc");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        for (let i = 0; i < 20; ++i) {
            const s = socketComponent.createObject(null, { serverName: name, active: true });
            s.write("bye");
        }
        tryVerify(() => server.sockets.length === 20);
        gc();
        wait(20);
        gc();
        wait(20);
        // Whatever the engine collected, the server and its sockets still work.
        const late = createTemporaryObject(socketComponent, testCase, { serverName: name, active: true });
        tryVerify(() => server.sockets.length === 21);
        compare(late.write("still here"), 10);
        tryCompare(server.sockets[20], "bytesAvailable", 10);
    }

    // -- Tooling (defects 11 and 12)

    function test_maxPendingChangedOnlyOnChange() {
        const server = createTemporaryObject(serverComponent, testCase, { name: Util.uniqueName("max") });
        const changes = spy(server, "maxPendingConnectionsChanged");
        let expected = 0;
        for (const n of [-5, -5, 4, 4, 0, 0, -1]) {
            const before = server.maxPendingConnections;
            server.maxPendingConnections = n;
            if (server.maxPendingConnections !== before)
                expected += 1;
            compare(changes.count, expected, "after " + n);
        }
    }

    function test_stateHandlerWithoutInjectionWarning() {
        failOnWarning(/Injection of parameters/);
        const obj = Qt.createQmlObject(
            'import MemConn; MemSocket { property var seen: []; onStateChanged: seen.push(state) }',
            testCase, "stateHandler");
        const name = Util.uniqueName("inj");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        obj.serverName = name;
        obj.active = true;
        compare(obj.seen[obj.seen.length - 1], MemSocket.ConnectedState);
        obj.destroy();
    }
}
