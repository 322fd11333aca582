// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
import QtQuick
import QtTest
import MemConn
import "Util.js" as Util

TestCase {
    id: testCase
    name: "Errors"

    Component { id: serverComponent; MemServer {} }
    Component { id: socketComponent; MemSocket {} }
    Component { id: spyComponent; SignalSpy {} }

    function spy(target, signalName) {
        return createTemporaryObject(spyComponent, testCase, { target: target, signalName: signalName });
    }

    function test_noServerThenRetry() {
        const name = Util.uniqueName("nobody");
        const client = createTemporaryObject(socketComponent, testCase, { serverName: name });
        const errors = spy(client, "errorOccurred");
        const activeChanges = spy(client, "activeChanged");
        compare(client.errorString, "", "no error before anything happened");
        client.active = true;
        compare(errors.count, 1);
        compare(errors.signalArguments[0][0], MemSocket.HostNotFoundError);
        verify(client.errorString.indexOf("memu:" + name) >= 0, "names the address: " + client.errorString);
        verify(!client.active, "active turns false by itself after a failure");
        compare(client.state, MemSocket.UnconnectedState);
        verify(activeChanges.count >= 1);

        // Setting it again retries, and works once a server is there.
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        client.active = true;
        verify(client.active);
        compare(client.state, MemSocket.ConnectedState);
        compare(client.errorString, "");
    }

    function test_emptyName() {
        const client = createTemporaryObject(socketComponent, testCase, { active: true });
        tryVerify(() => !client.active);
        verify(client.errorString.length > 0);
    }

    function test_writeWhenNotConnected() {
        const client = createTemporaryObject(socketComponent, testCase, { serverName: Util.uniqueName("idle") });
        compare(client.write("nobody hears this"), -1);
        verify(client.errorString.length > 0);
        // Reading a socket that never connected gives nothing, quietly.
        failOnWarning("QIODevice::read (MemSocket): device not open");
        const nothing = client.readAll();
        verify(nothing instanceof ArrayBuffer, "readAll() gave " + typeof nothing + " " + nothing);
        compare(nothing.byteLength, 0);
        compare(client.readAllText(), "");
        compare(client.readLine(), "");
        compare(client.bytesAvailable, 0);
    }

    function test_writeRejectsOtherTypes_data() {
        return [ { tag: "number", value: 42 }, { tag: "object", value: { a: 1 } },
                 { tag: "undefined", value: undefined }, { tag: "bool", value: true } ];
    }

    function test_writeRejectsOtherTypes(data) {
        const name = Util.uniqueName("types");
        const server = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        const client = createTemporaryObject(socketComponent, testCase, { serverName: name, active: true });
        tryCompare(client, "state", MemSocket.ConnectedState);
        ignoreWarning(new RegExp("write\\(\\) takes a string, an ArrayBuffer or a typed array"));
        compare(client.write(data.value), -1);
        verify(client.errorString.indexOf("write() takes a string, an ArrayBuffer or a typed array") >= 0, client.errorString);
        verify(client.errorString.indexOf(name) >= 0, client.errorString);
        compare(client.state, MemSocket.ConnectedState, "a refused argument does not close the socket");
        compare(client.write(""), 0);
    }

    function test_nameHeldByAnotherServer() {
        const name = Util.uniqueName("held");
        const first = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        verify(first.listening);
        const second = createTemporaryObject(serverComponent, testCase, { name: name, listening: true });
        verify(!second.listening, "listening reads the real state");
        verify(second.errorString.indexOf(name) >= 0, second.errorString);
        verify(first.listening, "the holder is not disturbed");
        compare(first.errorString, "");

        first.listening = false;
        second.listening = true;                       // retry
        verify(second.listening);
        compare(second.errorString, "");
    }

    function test_serverWithEmptyName() {
        const server = createTemporaryObject(serverComponent, testCase, { listening: true });
        verify(!server.listening);
        verify(server.errorString.length > 0);
        server.name = Util.uniqueName("late");         // the wish to listen stands
        verify(server.listening, server.errorString);
        compare(server.errorString, "");
    }
}
