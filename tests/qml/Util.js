// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
.pragma library

var counter = 0;

// The server name of the component tst_hostile.qml loads asynchronously.
var asyncName = "";

// A server name no other test of this process uses.
function uniqueName(tag) {
    counter += 1;
    return "qml-" + tag + "-" + Date.now() + "-" + counter;
}

function bytes(buffer) {
    return Array.prototype.slice.call(new Uint8Array(buffer));
}
