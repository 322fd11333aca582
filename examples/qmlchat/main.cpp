// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
// Two QML chat clients talking through a MemServer declared in QML.
//   qmlchat                      interactive
//   qmlchat --smoke              the clients chat by themselves, then it quits
//   qmlchat --smoke --screenshot chat.png   ... and saves the window first
#include <QtCore/QCommandLineParser>
#include <QtGui/QGuiApplication>
#include <QtGui/QImage>
#include <QtQml/QQmlApplicationEngine>
#include <QtQuick/QQuickWindow>

#include <cstdio>

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    QCommandLineOption smoke(QStringLiteral("smoke"), QStringLiteral("Chat by itself, then quit."));
    QCommandLineOption shot(QStringLiteral("screenshot"), QStringLiteral("Save the window to <file>."),
                            QStringLiteral("file"));
    parser.addOptions({smoke, shot});
    parser.process(app);

    // The offscreen platform has no GPU context: render in software, which
    // also lets grabWindow() work.
    if (QGuiApplication::platformName() == QLatin1String("offscreen"))
        QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);

    QQmlApplicationEngine engine;
#ifdef MEMCONN_QML_IMPORT_DIR
    engine.addImportPath(QStringLiteral(MEMCONN_QML_IMPORT_DIR));
#endif
    engine.setInitialProperties({{QStringLiteral("smoke"), parser.isSet(smoke)}});
    engine.load(QUrl(QStringLiteral("qrc:/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());

    // The smoke run ends when both clients have seen every message. The signal
    // is declared in QML, so it has no C++ member to point to: a string connect.
    QObject::connect(window, SIGNAL(conversationDone(QString)), &app, SLOT(quit()));
    QObject::connect(&app, &QGuiApplication::aboutToQuit, [&] {
        std::printf("qmlchat: %s\n", qPrintable(window->property("summary").toString()));
        if (parser.isSet(shot)) {
            const QImage image = window->grabWindow();
            const bool saved = !image.isNull() && image.save(parser.value(shot));
            std::printf("qmlchat: screenshot %s %s\n", saved ? "saved to" : "could not be saved to",
                        qPrintable(parser.value(shot)));
        }
    });
    return app.exec();
}
