// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// Collects one figure per (shape, transport) and turns them into the
// comparison table, a CSV file and an SVG bar chart.

#include "transport.h"

#include <QtCore/qlist.h>
#include <QtCore/qstring.h>

struct Figure
{
    QString shape;
    Kind kind = Kind::Memu;
    double nsPerOp = 0;        // 0: not measured
    double allocsPerOp = -1;   // -1: not counted
    double bytesPerOp = -1;
    QString note;
    double cpuNsPerOp = -1;    // CPU time of the whole process per op
};

// A row the summary names: MemConn (both networks) against `peer`.
struct Highlight
{
    QString shape;
    Kind peer;
};

class Report
{
public:
    static Report &instance();
    void add(const Figure &f);
    void setHighlights(QList<Highlight> rows) { m_highlights = std::move(rows); }
    // The event-loop floor row and the shape it is the floor of.
    void setFloor(const QString &floorShape, const QString &ofShape)
    {
        m_floor = floorShape;
        m_floorOf = ofShape;
    }
    const Figure *find(const QString &shape, Kind kind) const;

    QString table() const;
    // The same rows as table() in Markdown, for docs/performance.md; with
    // `shapes`, only the rows whose shape starts with one of them (the
    // README's headline table).
    QString markdown(const QStringList &shapes = {}) const;
    bool writeCsv(const QString &path) const;
    // Reads what writeCsv() wrote; false (with `error`) when it cannot.
    bool readCsv(const QString &path, QString *error);
    bool writeSvg(const QString &path) const;

private:
    // One row's cells, as both tables show them.
    struct Row
    {
        QString times[4];          // per kind, as `kinds` orders them
        QString allocs, bytes;     // memu/tcp
        QString ratios[4];         // memu vs TCP, Local; memb vs TCP, Local
    };
    Row row(const QString &shape) const;
    double speedup(const QString &shape, Kind mine, Kind peer) const;

    QList<Figure> m_figures;
    QList<Highlight> m_highlights;
    QString m_floor, m_floorOf;
};
