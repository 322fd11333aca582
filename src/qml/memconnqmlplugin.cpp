// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memconnqml_p.h"

#include <QtQml/qqml.h>
#include <QtQml/qqmlextensionplugin.h>

// The plugin named by the top-level qmldir: registers MemServer and MemSocket.
class MemConnQmlPlugin : public QQmlExtensionPlugin
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID QQmlExtensionInterface_iid)

public:
    void registerTypes(const char *uri) override
    {
        qmlRegisterType<QmlMemServer>(uri, 1, 0, "MemServer");
        qmlRegisterType<QmlMemSocket>(uri, 1, 0, "MemSocket");
        qmlRegisterModule(uri, 1, 0);
    }
};

#include "memconnqmlplugin.moc"
