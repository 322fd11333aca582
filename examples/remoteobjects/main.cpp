// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Qt Remote Objects in memory, addressed by URL: a host node sharing a
// Thermostat on "memu:thermostat" and a replica node connecting to it, in one
// process, with no devices handled by hand. MemConn::registerRemoteObjectsTransport()
// gives Qt Remote Objects the memu and memb schemes. A property set on the
// source reaches the replica; a slot called on the replica runs on the source.
#include <MemConn/MemRemoteObjects>

#include <QtCore/QCoreApplication>
#include <QtCore/QTextStream>
#include <QtCore/QTimer>
#include <QtRemoteObjects/QRemoteObjectHost>
#include <QtRemoteObjects/QRemoteObjectNode>

#include "rep_thermostat_merged.h"

#include <memory>

class Thermostat : public ThermostatSimpleSource
{
public:
    void raise(double by) override
    {
        setTarget(target() + by);
        if (target() > 23)
            Q_EMIT overheated(target());
    }
};

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    MemConn::registerRemoteObjectsTransport();
    const QUrl url(QStringLiteral("memu:thermostat"));

    // Host side: listens in memory on the URL's name.
    Thermostat thermostat;
    QRemoteObjectHost host(url);
    host.enableRemoting(&thermostat);

    // Replica side: connects by the same URL.
    QRemoteObjectNode node;
    node.connectToNode(url);
    std::unique_ptr<ThermostatReplica> replica(node.acquire<ThermostatReplica>());

    QObject::connect(replica.get(), &ThermostatReplica::initialized, &app, [&] {
        out << "replica: acquired, room " << replica->room() << ", target "
            << replica->target() << Qt::endl;
        thermostat.setRoom(QStringLiteral("study"));   // source -> replica
        replica->raise(3);                             // replica -> source
    });
    // The source's signal comes after the property change it followed there.
    QObject::connect(replica.get(), &ThermostatReplica::overheated, &app, [&](double at) {
        out << "replica: room " << replica->room() << ", target " << replica->target()
            << ", overheated at " << at << Qt::endl;
        out << "source: target " << thermostat.target() << Qt::endl;
        app.quit();
    });
    QTimer::singleShot(10000, &app, [&] {
        out << "timed out: the replica state is " << replica->state() << Qt::endl;
        app.exit(1);
    });
    return app.exec();
}
