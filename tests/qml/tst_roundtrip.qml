// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
import QtQuick
import QtTest
import MemConn
import "Util.js" as Util

TestCase {
    id: testCase
    name: "RoundTrip"

    Component {
        id: serverComponent
        MemServer {
            property var sockets: []
            property bool echo: true
            onClientConnected: (socket) => {
                sockets = sockets.concat([socket]);
                socket.readyRead.connect(function() {
                    if (echo)
                        socket.write(socket.readAll());   // whatever arrives goes back
                });
            }
        }
    }
    Component { id: socketComponent; MemSocket {} }

    function makePair(network) {
        const name = Util.uniqueName("rt");
        const server = createTemporaryObject(serverComponent, testCase,
                                             { name: network + name, listening: true });
        verify(server.listening, server.errorString);
        const client = createTemporaryObject(socketComponent, testCase,
                                             { serverName: network + name, active: true });
        return { server: server, client: client };
    }

    function test_roundTrip_data() {
        return [ { tag: "default", network: "" }, { tag: "memu", network: "memu:" },
                 { tag: "memb", network: "memb:" } ];
    }

    function test_roundTrip(data) {
        const pair = makePair(data.network);
        const client = pair.client;
        // Declared active, it connects once its creation is complete.
        verify(client.active);
        tryCompare(client, "state", MemSocket.ConnectedState);
        verify(client.active);
        compare(client.errorString, "");

        const spy = createTemporaryQmlObject("import QtTest; SignalSpy {}", testCase);
        spy.target = client;
        spy.signalName = "readyRead";
        compare(client.write("héllo\n"), 7);          // UTF-8: é is two bytes
        // The echo is announced a pass after the server's slot wrote it (one
        // hop per event-loop pass), though bytesAvailable counts it at once.
        tryVerify(() => spy.count >= 1);
        compare(client.bytesAvailable, 7);
        compare(client.readAllText(), "héllo\n");
        compare(client.bytesAvailable, 0);

        const sent = new Uint8Array([0, 1, 127, 128, 255]);
        compare(client.write(sent.buffer), 5);
        tryCompare(client, "bytesAvailable", 5);
        const echoed = client.readAll();
        verify(echoed instanceof ArrayBuffer, typeof echoed);
        compare(Util.bytes(echoed), [0, 1, 127, 128, 255]);
        compare(client.readAll().byteLength, 0, "nothing left: an empty ArrayBuffer");

        // A typed array sends the bytes it views, not its whole buffer.
        const view = new Uint8Array([9, 8, 7, 6, 5]).subarray(1, 4);
        compare(client.write(view), 3);
        const words = new DataView(new ArrayBuffer(4));
        words.setUint16(0, 0xBEEF);
        compare(client.write(words), 4);
        tryCompare(client, "bytesAvailable", 7);
        compare(Util.bytes(client.readAll()), [8, 7, 6, 0xBE, 0xEF, 0, 0]);
        compare(pair.server.sockets.length, 1);
        verify(pair.server.sockets[0].serverSide);
        verify(!client.serverSide);
    }

    function test_serverSideSeesBytesWrittenBeforeItWasAnnounced() {
        // The client writes while connecting: before clientConnected reaches QML.
        const name = Util.uniqueName("early");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        const client = createTemporaryQmlObject(
            "import MemConn; MemSocket { onConnected: write('first words') }", testCase);
        client.serverName = name;
        client.active = true;
        tryCompare(client, "bytesAvailable", 11);
        compare(client.readAllText(), "first words");
    }

    function test_readLine() {
        const name = Util.uniqueName("lines");
        const server = createTemporaryObject(serverComponent, testCase,
                                             { name: name, listening: true, echo: false });
        const client = createTemporaryObject(socketComponent, testCase, { serverName: name, active: true });
        tryVerify(() => server.sockets.length === 1);
        const writer = server.sockets[0];

        compare(writer.write("one\ntw"), 6);
        tryCompare(client, "bytesAvailable", 6);
        verify(client.canReadLine());
        compare(client.readLine(), "one\n");
        verify(!client.canReadLine());
        compare(client.readLine(), "", "an unfinished line waits for its newline");
        compare(client.bytesAvailable, 2);
        compare(writer.write("o\nthree"), 7);
        tryVerify(() => client.canReadLine());
        compare(client.readLine(), "two\n");
        compare(client.readLine(), "");
        writer.active = false;                         // the peer goes
        tryCompare(client, "active", false);
        compare(client.readLine(), "three", "after the peer has gone the last line comes out");
        compare(client.readLine(), "");
    }
}
