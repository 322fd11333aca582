// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "report.h"

#include <QtCore/qfile.h>
#include <QtCore/qstringlist.h>
#include <QtCore/qtextstream.h>

#include <algorithm>
#include <cmath>

namespace {
constexpr Kind kinds[] = {Kind::Memu, Kind::Memb, Kind::Tcp, Kind::Local};

QString ns(double v)
{
    if (v <= 0)
        return QStringLiteral("-");
    if (v >= 1e6)
        return QString::number(v / 1e6, 'f', 2) + QStringLiteral(" ms");
    if (v >= 1e4)
        return QString::number(v / 1e3, 'f', 1) + QStringLiteral(" us");
    return QString::number(v, 'f', 0) + QStringLiteral(" ns");
}

QString count(double v)
{
    return v < 0 ? QStringLiteral("-") : QString::number(v, 'f', v < 10 ? 1 : 0);
}

QString pad(const QString &s, int w)
{
    return s.leftJustified(w, QLatin1Char(' '), false);
}

QStringList shapesInOrder(const QList<Figure> &figures)
{
    QStringList shapes;
    for (const Figure &f : figures)
        if (!shapes.contains(f.shape))
            shapes << f.shape;
    return shapes;
}
} // namespace

Report &Report::instance()
{
    static Report r;
    return r;
}

void Report::add(const Figure &f)
{
    for (Figure &old : m_figures) {
        if (old.shape == f.shape && old.kind == f.kind) {
            old = f;
            return;
        }
    }
    m_figures.append(f);
}

const Figure *Report::find(const QString &shape, Kind kind) const
{
    for (const Figure &f : m_figures)
        if (f.shape == shape && f.kind == kind)
            return &f;
    return nullptr;
}

double Report::speedup(const QString &shape, Kind mine, Kind peer) const
{
    // How many times faster `mine` is than `peer` on `shape`; 0 unless both ran.
    const Figure *m = find(shape, mine);
    const Figure *p = find(shape, peer);
    return m && p && m->nsPerOp > 0 && p->nsPerOp > 0 ? p->nsPerOp / m->nsPerOp : 0.0;
}

Report::Row Report::row(const QString &shape) const
{
    Row r;
    for (int i = 0; i < 4; ++i) {
        const Figure *f = find(shape, kinds[i]);
        r.times[i] = f ? (f->nsPerOp > 0 ? ns(f->nsPerOp) : QStringLiteral("n/a")) : QStringLiteral("-");
    }
    const Figure *mu = find(shape, Kind::Memu);
    const Figure *tcp = find(shape, Kind::Tcp);
    r.allocs = (mu ? count(mu->allocsPerOp) : QStringLiteral("-")) + QLatin1Char('/')
             + (tcp ? count(tcp->allocsPerOp) : QStringLiteral("-"));
    r.bytes = (mu ? count(mu->bytesPerOp) : QStringLiteral("-")) + QLatin1Char('/')
            + (tcp ? count(tcp->bytesPerOp) : QStringLiteral("-"));
    const std::pair<Kind, Kind> pairs[] = {{Kind::Memu, Kind::Tcp}, {Kind::Memu, Kind::Local},
                                           {Kind::Memb, Kind::Tcp}, {Kind::Memb, Kind::Local}};
    for (int i = 0; i < 4; ++i) {
        const double x = speedup(shape, pairs[i].first, pairs[i].second);
        r.ratios[i] = x > 0 ? QString(QString::number(x, 'f', 1) + QLatin1Char('x')) : QStringLiteral("-");
    }
    return r;
}

QString Report::table() const
{
    QString out;
    QTextStream s(&out);
    const QStringList shapes = shapesInOrder(m_figures);
    int w0 = 16;
    for (const QString &shape : shapes)
        w0 = qMax(w0, int(shape.size()) + 2);
    const int w = 14, wa = 16, wb = 18, wr = 8;
    auto ratio = [&](const QString &shape, Kind mine, Kind peer) {
        const double r = speedup(shape, mine, peer);
        return r > 0 ? QString(QString::number(r, 'f', 1) + QLatin1Char('x')) : QStringLiteral("-");
    };
    s << pad(QStringLiteral("shape (time per op)"), w0);
    for (Kind k : kinds)
        s << pad(QLatin1StringView(kindName(k)), w);
    s << pad(QStringLiteral("allocs memu/tcp"), wa) << pad(QStringLiteral("B/op memu/tcp"), wb);
    s << "times faster: memu vs TCP, Local | memb vs TCP, Local\n";
    s << QString(w0 + 4 * w + wa + wb + 4 * wr + 2, QLatin1Char('-')) << '\n';
    for (const QString &shape : shapes) {
        const Row r = row(shape);
        s << pad(shape, w0);
        for (const QString &t : r.times)
            s << pad(t, w);
        s << pad(r.allocs, wa) << pad(r.bytes, wb) << pad(r.ratios[0], wr) << pad(r.ratios[1], wr) << "| "
          << pad(r.ratios[2], wr) << r.ratios[3] << '\n';
    }
    QStringList notes;
    for (const Figure &f : m_figures)
        if (!f.note.isEmpty())
            notes << QStringLiteral("  %1, %2: %3").arg(f.shape, QLatin1StringView(kindName(f.kind)), f.note);
    if (!notes.isEmpty())
        s << "\nnotes:\n" << notes.join(QLatin1Char('\n')) << '\n';

    // Where MemConn stands: per network and peer, the rows it is ahead on and
    // its narrowest margin; then the rows people ask about.
    s << "\nsummary (times faster than the peer; below 1.0x the peer is faster):\n";
    for (Kind mine : {Kind::Memu, Kind::Memb}) {
        for (Kind peer : {Kind::Tcp, Kind::Local}) {
            int rows = 0, ahead = 0;
            double least = 0;
            QString leastShape;
            for (const QString &shape : shapes) {
                const double r = speedup(shape, mine, peer);
                if (r <= 0)
                    continue;
                ++rows;
                ahead += r > 1 ? 1 : 0;
                if (leastShape.isEmpty() || r < least) {
                    least = r;
                    leastShape = shape;
                }
            }
            if (rows)
                s << "  " << kindName(mine) << " vs " << kindName(peer) << ": ahead on " << ahead << " of " << rows
                  << " rows; narrowest " << QString::number(least, 'f', 1) << "x (" << leastShape << ")\n";
        }
    }
    for (const Highlight &h : m_highlights) {
        if (!find(h.shape, h.peer))
            continue;
        s << "  " << h.shape << ": memu " << ratio(h.shape, Kind::Memu, h.peer) << ", memb "
          << ratio(h.shape, Kind::Memb, h.peer) << " " << kindName(h.peer) << '\n';
    }
    if (const Figure *floor = find(m_floor, Kind::Memu); floor && floor->nsPerOp > 0) {
        s << "  " << m_floorOf << ", against the event-loop floor (" << m_floor << ", " << ns(floor->nsPerOp) << "):";
        for (Kind k : kinds)
            if (const Figure *f = find(m_floorOf, k); f && f->nsPerOp > 0)
                s << ' ' << kindName(k) << ' ' << QString::number(f->nsPerOp / floor->nsPerOp, 'f', 1) << 'x';
        s << '\n';
    }
    return out;
}

QString Report::markdown(const QStringList &shapes) const
{
    QString out;
    QTextStream s(&out);
    s << "| shape (time per op) | memu | memb | QTcpSocket | QLocalSocket | allocs memu/tcp | B/op memu/tcp"
         " | memu vs TCP / Local | memb vs TCP / Local |\n"
      << "|---|---|---|---|---|---|---|---|---|\n";
    std::pair<double, double> range[2] = {{0, 0}, {0, 0}};   // memu's and memb's speedups over TCP
    for (const QString &shape : shapesInOrder(m_figures)) {
        if (!shapes.isEmpty()
            && std::none_of(shapes.begin(), shapes.end(), [&](const QString &p) { return shape.startsWith(p); }))
            continue;
        const Row r = row(shape);
        s << "| " << shape;
        for (const QString &t : r.times)
            s << " | " << (t == QLatin1String("-") ? QString() : t);
        s << " | " << r.allocs << " | " << r.bytes << " | " << r.ratios[0] << " / " << r.ratios[1] << " | "
          << r.ratios[2] << " / " << r.ratios[3] << " |\n";
        for (Kind k : {Kind::Memu, Kind::Memb}) {
            if (const double x = speedup(shape, k, Kind::Tcp); x > 0) {
                auto &[low, high] = range[k == Kind::Memb];
                low = low > 0 ? qMin(low, x) : x;
                high = qMax(high, x);
            }
        }
    }
    if (!shapes.isEmpty() && range[0].first > 0) {
        s << "\nmemu is " << QString::number(range[0].first, 'f', 1) << "x to "
          << QString::number(range[0].second, 'f', 1) << "x faster than QTcpSocket on these rows, memb "
          << QString::number(range[1].first, 'f', 1) << "x to " << QString::number(range[1].second, 'f', 1)
          << "x.\n";
    }
    return out;
}

bool Report::readCsv(const QString &path, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) {
        *error = path + QStringLiteral(": ") + f.errorString();
        return false;
    }
    // Fields as writeCsv() writes them: shape and note quoted ("" inside),
    // the others bare.
    auto fields = [](const QString &line) {
        QStringList out;
        QString field;
        bool quoted = false;
        for (qsizetype i = 0; i < line.size(); ++i) {
            const QChar c = line.at(i);
            if (quoted && c == QLatin1Char('"') && i + 1 < line.size() && line.at(i + 1) == QLatin1Char('"')) {
                field += c;
                ++i;
            } else if (c == QLatin1Char('"')) {
                quoted = !quoted;
            } else if (c == QLatin1Char(',') && !quoted) {
                out << field;
                field.clear();
            } else {
                field += c;
            }
        }
        out << field;
        return out;
    };
    QTextStream in(&f);
    in.readLine();   // the header
    for (int line = 2; !in.atEnd(); ++line) {
        const QStringList x = fields(in.readLine());
        if (x.size() != 7) {
            *error = QStringLiteral("%1:%2: expected 7 fields").arg(path).arg(line);
            return false;
        }
        Figure fig;
        fig.shape = x.at(0);
        bool known = false;
        for (Kind k : kinds) {
            if (x.at(1) == QLatin1StringView(kindName(k))) {
                fig.kind = k;
                known = true;
            }
        }
        if (!known) {
            *error = QStringLiteral("%1:%2: unknown transport %3").arg(path).arg(line).arg(x.at(1));
            return false;
        }
        fig.nsPerOp = x.at(2).toDouble();
        fig.allocsPerOp = x.at(3).toDouble();
        fig.bytesPerOp = x.at(4).toDouble();
        fig.cpuNsPerOp = x.at(5).toDouble();
        fig.note = x.at(6);
        add(fig);
    }
    return true;
}

bool Report::writeCsv(const QString &path) const
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    QTextStream s(&f);
    s << "shape,transport,ns_per_op,allocs_per_op,bytes_per_op,cpu_ns_per_op,note\n";
    for (const Figure &x : m_figures) {
        QString note = x.note;
        note.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        s << '"' << x.shape << "\"," << kindName(x.kind) << ',' << x.nsPerOp << ','
          << x.allocsPerOp << ',' << x.bytesPerOp << ',' << x.cpuNsPerOp << ",\"" << note << "\"\n";
    }
    return true;
}

bool Report::writeSvg(const QString &path) const
{
    // Grouped horizontal bars: how many times faster than QTcpSocket each
    // transport is on each shape that all of them ran (log scale).
    QStringList shapes;
    for (const QString &shape : shapesInOrder(m_figures)) {
        const Figure *tcp = find(shape, Kind::Tcp);
        const Figure *mu = find(shape, Kind::Memu);
        if (tcp && tcp->nsPerOp > 0 && mu && mu->nsPerOp > 0)
            shapes << shape;
    }
    const QString colors[] = {QStringLiteral("#2a9d8f"), QStringLiteral("#8ab17d"),
                              QStringLiteral("#e76f51"), QStringLiteral("#f4a261")};
    const int left = 250, barH = 12, groupGap = 14, width = 900, plotW = width - left - 60;
    const int top = 50;
    const int height = top + int(shapes.size()) * (4 * barH + groupGap) + 40;
    double maxRatio = 1;
    for (const QString &shape : std::as_const(shapes))
        for (Kind k : kinds)
            if (const Figure *f = find(shape, k); f && f->nsPerOp > 0)
                maxRatio = qMax(maxRatio, find(shape, Kind::Tcp)->nsPerOp / f->nsPerOp);
    const double decades = std::ceil(std::log10(maxRatio * 1.2));
    auto xOf = [&](double ratio) { return left + plotW * (std::log10(qMax(ratio, 0.1)) + 1) / (decades + 1); };

    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    QTextStream s(&f);
    s << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width << "' height='" << height
      << "' font-family='sans-serif' font-size='12'>\n"
      << "<rect width='100%' height='100%' fill='white'/>\n"
      << "<text x='" << left << "' y='20' font-size='15' font-weight='bold'>"
         "Times faster than QTcpSocket (log scale; higher is better)</text>\n";
    for (int d = -1; d <= decades; ++d) {
        const double x = xOf(std::pow(10.0, d));
        s << "<line x1='" << x << "' y1='" << top - 8 << "' x2='" << x << "' y2='" << height - 30
          << "' stroke='#ddd'/>\n<text x='" << x << "' y='" << height - 14
          << "' text-anchor='middle' fill='#555'>" << std::pow(10.0, d) << "x</text>\n";
    }
    for (int i = 0; i < 4; ++i)
        s << "<rect x='" << left + 150 * i << "' y='28' width='10' height='10' fill='" << colors[i]
          << "'/><text x='" << left + 150 * i + 14 << "' y='37'>" << kindName(kinds[i]) << "</text>\n";
    int y = top;
    for (const QString &shape : std::as_const(shapes)) {
        const double tcpNs = find(shape, Kind::Tcp)->nsPerOp;
        s << "<text x='" << left - 8 << "' y='" << y + 2 * barH + 4 << "' text-anchor='end'>"
          << shape.toHtmlEscaped() << "</text>\n";
        for (int i = 0; i < 4; ++i) {
            const Figure *fig = find(shape, kinds[i]);
            if (fig && fig->nsPerOp > 0) {
                const double r = tcpNs / fig->nsPerOp;
                const double x0 = xOf(0.1), x1 = xOf(r);
                s << "<rect x='" << x0 << "' y='" << y << "' width='" << qMax(1.0, x1 - x0)
                  << "' height='" << barH - 2 << "' fill='" << colors[i] << "'/>\n"
                  << "<text x='" << x1 + 4 << "' y='" << y + barH - 3 << "' font-size='10'>"
                  << QString::number(r, 'f', r < 10 ? 1 : 0) << "x</text>\n";
            }
            y += barH;
        }
        y += groupGap;
    }
    s << "</svg>\n";
    return true;
}
