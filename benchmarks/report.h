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
};

// A goal: memu must be at least `ratio` times faster than `peer` on `shape`.
struct Goal
{
    QString shape;
    Kind peer;
    double ratio;
};

class Report
{
public:
    static Report &instance();
    void add(const Figure &f);
    void setGoals(QList<Goal> goals) { m_goals = std::move(goals); }
    void addCheck(const QString &what, bool met, const QString &figures);
    const Figure *find(const QString &shape, Kind kind) const;

    QString table() const;
    bool writeCsv(const QString &path) const;
    bool writeSvg(const QString &path) const;

private:
    QList<Figure> m_figures;
    QList<Goal> m_goals;
    struct Check
    {
        QString what;
        bool met;
        QString figures;
    };
    QList<Check> m_checks;
};
