// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// The QML snippet of docs/qml.md, as written there, runs and echoes.
import QtQuick
import QtTest
import MemConn

TestCase {
    id: testCase
    name: "ReadmeSnippet"
    property var lines: []

    // --- as in docs/qml.md, but for the lines pushed to testCase.lines ---
    MemServer {
        name: "chat"                 // "memu:chat", "memb:chat" too
        listening: true              // false closes; reads false (with errorString) if listen() failed
        onClientConnected: (socket) => socket.readyRead.connect(() => socket.write(socket.readAll()))
    }
    MemSocket {
        serverName: "chat"
        active: true                 // false disconnects; turns false by itself on failure, so true retries
        onConnected: write("hello\n")                          // a string goes as UTF-8; also ArrayBuffer, typed arrays
        onReadyRead: { while (canReadLine()) testCase.lines = testCase.lines.concat([readLine()]) }
        onErrorOccurred: (error) => console.log(error === MemSocket.HostNotFoundError, errorString)
    }
    // ---

    function test_echo() {
        tryVerify(() => lines.length === 1);
        compare(lines[0], "hello\n");
    }
}
