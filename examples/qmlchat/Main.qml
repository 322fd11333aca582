// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// The chat server and two clients, all in one window and one process.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import MemConn

ApplicationWindow {
    id: window
    width: 760
    height: 320
    visible: true
    title: "MemConn chat"

    required property bool smoke
    property string summary: "no conversation yet"
    signal conversationDone(string summary)

    // Relays every line a client sends to every client.
    MemServer {
        id: server
        name: "memu:chat"
        listening: true
        property var clients: []
        onClientConnected: (socket) => {
            clients = clients.concat([socket]);
            socket.readyRead.connect(() => {
                while (socket.canReadLine()) {
                    const line = socket.readLine();
                    for (const client of clients)
                        client.write(line);
                }
            });
            // Server-side sockets are deleted after their disconnected() handlers.
            socket.disconnected.connect(() => { clients = clients.filter(c => c !== socket); });
        }
    }

    header: Label {
        padding: 8
        text: server.listening ? `Server "${server.name}" is listening, ${server.clients.length} clients`
                               : `Server: ${server.errorString}`
    }

    RowLayout {
        anchors.fill: parent
        anchors.margins: 8
        spacing: 8
        ChatPane { id: ada; nick: "Ada"; serverName: server.name; Layout.fillWidth: true; Layout.fillHeight: true }
        ChatPane { id: linus; nick: "Linus"; serverName: server.name; Layout.fillWidth: true; Layout.fillHeight: true }
    }

    // --smoke: a short scripted conversation, then conversationDone().
    Timer {
        running: window.smoke && ada.connected && linus.connected
        interval: 50
        property int step: 0
        repeat: true
        onTriggered: {
            const script = [ [ada, "Hello from memory!"], [linus, "No kernel between us?"],
                             [ada, "Not a single syscall."], [linus, "Then let's talk faster."] ];
            if (step < script.length) {
                script[step][0].send(script[step][1]);
                step += 1;
            } else if (ada.messages.count === script.length && linus.messages.count === script.length) {
                running = false;
                window.summary = `Ada and Linus both saw ${ada.messages.count} messages`;
                window.conversationDone(window.summary);
            }
        }
    }
}
