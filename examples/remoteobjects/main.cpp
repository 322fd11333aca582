// Qt Remote Objects over a MemSocket pair: a host node sharing a Thermostat
// and a replica node using it, in one process, joined by
// addHostSideConnection()/addClientSideConnection(). A property set on the
// source reaches the replica; a slot called on the replica runs on the source.
#include <MemConn/MemSocket>

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

    // The two ends of one in-memory connection. Qt Remote Objects writes to
    // its devices while a node is destroyed, so they are declared first and
    // outlive both nodes.
    auto [hostEnd, replicaEnd] = MemSocket::createPair();
    std::unique_ptr<MemSocket> hostDevice(hostEnd), replicaDevice(replicaEnd);

    // Host side. A host node with no built-in server takes a URL of a schema
    // Qt does not know, registered as external; devices are then added by hand.
    Thermostat thermostat;
    QRemoteObjectHost host;
    host.setHostUrl(QUrl(QStringLiteral("memu:thermostat")),
                    QRemoteObjectHost::AllowExternalRegistration);
    host.enableRemoting(&thermostat);
    host.addHostSideConnection(hostEnd);

    // Replica side.
    QRemoteObjectNode node;
    node.addClientSideConnection(replicaEnd);
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
