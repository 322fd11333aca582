// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// One chat client: a MemSocket, the messages it received and a line to type in.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import MemConn

Frame {
    id: pane
    required property string nick
    property alias serverName: socket.serverName
    readonly property bool connected: socket.state === MemSocket.ConnectedState
    property alias messages: messages

    function send(text) {
        if (text.length > 0)
            socket.write(JSON.stringify({ from: nick, text: text }) + "\n");
    }

    MemSocket {
        id: socket
        active: true
        onReadyRead: {
            while (canReadLine()) {
                const message = JSON.parse(readLine());
                messages.append({ from: message.from, body: message.text });
            }
        }
    }
    ListModel { id: messages }

    ColumnLayout {
        anchors.fill: parent
        Label {
            font.bold: true
            text: pane.nick + (pane.connected ? " (connected to " + socket.serverName + ")"
                                             : " (" + (socket.errorString || "not connected") + ")")
        }
        ListView {
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: messages
            spacing: 4
            delegate: Label {
                required property string from
                required property string body
                width: ListView.view.width
                wrapMode: Text.Wrap
                textFormat: Text.StyledText
                text: "<b>" + from + ":</b> " + body
            }
        }
        RowLayout {
            TextField {
                id: input
                Layout.fillWidth: true
                placeholderText: "Say something"
                onAccepted: { pane.send(text); clear(); }
            }
            Button {
                text: "Send"
                enabled: pane.connected
                onClicked: { pane.send(input.text); input.clear(); }
            }
            Button {
                text: socket.active ? "Leave" : "Join"
                onClicked: socket.active = !socket.active
            }
        }
    }
}
