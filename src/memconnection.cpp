// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#include "memconnection_p.h"

#include "memconnspin_p.h"
#include "memdeadlines_p.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qthread.h>

#include <atomic>
#include <chrono>
#include <vector>

namespace MemConnPrivate {

// ---------------------------------------------------------------------------
// Delivery: the one rule for telling an end, and the one place that posts.

namespace {
QEvent::Type notifyEventType()
{
    static const auto type = QEvent::Type(QEvent::registerEventType());
    return type;
}
} // namespace

void postNotification(QObject *receiver)
{
    QCoreApplication::postEvent(receiver, new QEvent(notifyEventType()));
}

bool isNotification(const QEvent *event)
{
    return event->type() == notifyEventType();
}

// One hop per event-loop pass, as Qt's sockets do: a notification is always
// a posted event, also for a receiver in the raising thread, so what a slot
// raises while a notification is delivered (a reply written in readyRead())
// reaches its receiver in a later pass (Qt delivers the events posted during
// sendPostedEvents() in the next one), never inside the pass that raised it.
namespace {
thread_local int deliveryDepth = 0;   // DeliveryScopes open in this thread
} // namespace

DeliveryScope::DeliveryScope()
{
    ++deliveryDepth;
}

DeliveryScope::~DeliveryScope()
{
    --deliveryDepth;
}

bool Connection::deferHere(const End &e)
{
    return deliveryDepth > 0 && e.receiver && e.receiver->receiverObject()->thread() == QThread::currentThread();
}

void Connection::queueNotification(EndIndex which)
{
    End &e = m_end[which];
    if (!e.wantsWritten && (e.pending & ~unsigned(NotifyWritten)) == 0)
        return;   // only bytesWritten() to tell, and nothing listens: the count waits
    e.queued = Queued::Posted;
    postNotification(e.receiver->receiverObject());
}

void Connection::deliverNowOrPost(const std::shared_ptr<Connection> &conn, EndIndex which)
{
    Receiver *receiver;
    {
        std::lock_guard lock(conn->m_mutex);
        End &e = conn->m_end[which];
        receiver = e.receiver;
        if (!receiver || e.queued == Queued::Posted || !e.pending)
            return;
        if (receiver->receiverObject()->thread() != QThread::currentThread()) {   // moved meanwhile
            e.queued = Queued::Posted;
            postNotification(receiver->receiverObject());
            return;
        }
    }
    receiver->deliverNotification();
}

quint64 nextEndId()
{
    static std::atomic<quint64> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

// ---------------------------------------------------------------------------
// Ends joining and leaving

namespace {
// Every Connection alive, oldest first, for MemConn::connections(). A leaf
// of the lock order: nothing else is locked while it is held.
struct LiveList
{
    std::mutex mutex;
    Connection *head = nullptr;
    Connection *tail = nullptr;
};
LiveList &liveList()
{
    static LiveList list;
    return list;
}
} // namespace

Connection::Connection(const QString &name, bool clientBuffered)
    : name(name), m_ids{nextEndId(), nextEndId()}, m_buffered{clientBuffered, false}
{
    m_end[Client].sendWindow = clientBuffered ? kDefaultSendWindow : 0;
}

std::shared_ptr<Connection> Connection::create(const QString &name, bool clientBuffered)
{
    // Listed only now: make_shared sets the weak self-pointer that
    // snapshot() reads after the constructor has returned.
    auto c = std::make_shared<Connection>(name, clientBuffered);
    c->m_capture = CaptureFlow::open(name, clientBuffered, c->m_ids[Client], c->m_ids[Server]);
    LiveList &live = liveList();
    std::lock_guard lock(live.mutex);
    c->m_livePrev = live.tail;
    (live.tail ? live.tail->m_liveNext : live.head) = c.get();
    live.tail = c.get();
    c->m_listed = true;
    return c;
}

Connection::~Connection()
{
    if (!m_listed)
        return;
    LiveList &live = liveList();
    std::lock_guard lock(live.mutex);
    (m_livePrev ? m_livePrev->m_liveNext : live.head) = m_liveNext;
    (m_liveNext ? m_liveNext->m_livePrev : live.tail) = m_livePrev;
}

QList<Connection::Snapshot> Connection::snapshot()
{
    // Shared pointers first (a connection whose last owner is letting go is
    // skipped), then each is described under its own lock, the list's
    // released.
    std::vector<std::shared_ptr<Connection>> all;
    {
        LiveList &live = liveList();
        std::lock_guard lock(live.mutex);
        for (Connection *c = live.head; c; c = c->m_liveNext) {
            if (std::shared_ptr<Connection> p = c->weak_from_this().lock())
                all.push_back(std::move(p));
        }
    }
    QList<Snapshot> result;
    result.reserve(qsizetype(all.size()));
    for (const std::shared_ptr<Connection> &c : all) {
        Snapshot info;
        info.name = c->name;
        std::lock_guard lock(c->m_mutex);
        info.connected = c->m_phase == Phase::Connected;
        for (EndIndex e : {Client, Server}) {
            Snapshot::End &out = info.ends[e];
            const End &end = c->m_end[e];
            out.buffered = c->m_buffered[e];
            out.id = c->m_ids[e];
            QObject *object = c->objectOf(e);   // null once the end has closed
            out.open = object != nullptr;
            out.thread = object ? object->thread() : nullptr;
            out.unread = c->m_stream[e].unread();
            if (const Deadlines *d = end.receiver ? end.receiver->receiverDeadlines() : nullptr) {
                out.readDeadline = d->get(Deadlines::Kind::Read);
                out.writeDeadline = d->get(Deadlines::Kind::Write);
            }
        }
        result.append(std::move(info));
    }
    return result;
}

qint64 Connection::unreadTotal(EndIndex from)
{
    std::lock_guard lock(m_mutex);
    return m_stream[from].unread();
}

void Connection::attach(EndIndex e, Receiver *receiver, bool wantsWritten)
{
    std::lock_guard lock(m_mutex);
    End &end = m_end[e];
    end.receiver = receiver;
    end.wantsWritten = wantsWritten;
    if (m_stream[peerOf(e)].queued() > 0)
        end.pending |= NotifyData;
    if (m_shaper[peerOf(e)])
        end.pending |= NotifyShaped;
    if (m_end[peerOf(e)].closed)
        end.pending |= NotifyPeerClosed;
}

void Connection::setWantsWritten(EndIndex e, bool wanted)
{
    std::lock_guard lock(m_mutex);
    m_end[e].wantsWritten = wanted;
}

void Connection::setAcceptor(QObject *server)
{
    std::lock_guard lock(m_mutex);
    m_acceptor = server;
}

void Connection::closeEnd(EndIndex which, bool abort)
{
    std::lock_guard lock(m_mutex);
    if (Q_UNLIKELY(m_capture)) {
        if (m_shaper[which])
            recordAll(which);   // bytes conditions still hold go before the FIN
        if (abort)
            m_capture->reset(which, nowNs());
        else
            m_capture->finish(which, nowNs());
    }
    End &e = m_end[which];
    e.receiver = nullptr;
    e.closed = true;
    e.pending = 0;
    e.later = 0;
    e.readByPeer = 0;
    if (which == Server)
        m_acceptor = nullptr;
    m_stream[peerOf(which)].discard();   // unread input goes with the reader's own close
    publishToWrite(peerOf(which));
    if (Shaper *shaper = m_shaper[peerOf(which)].get())
        shaper->discard();
    notify(peerOf(which), NotifyPeerClosed);
    wake();
}

bool Connection::accept(bool tellClient)
{
    std::lock_guard lock(m_mutex);
    if (m_phase != Phase::Connecting)
        return false;   // abandoned meanwhile
    m_phase = Phase::Connected;
    if (Q_UNLIKELY(m_capture))
        m_capture->handshake(nowNs());
    if (tellClient)
        notify(Client, NotifyAccepted);
    wake();
    return true;
}

void Connection::refuse()
{
    std::lock_guard lock(m_mutex);
    m_acceptor = nullptr;
    if (m_phase != Phase::Connecting)
        return;
    m_phase = Phase::Refused;
    if (Q_UNLIKELY(m_capture))
        m_capture->refused(nowNs());
    notify(Client, NotifyRefused);
    wake();
}

bool Connection::abandon()
{
    std::lock_guard lock(m_mutex);
    if (m_phase != Phase::Connecting)
        return false;
    m_phase = Phase::Abandoned;
    return true;
}

// ---------------------------------------------------------------------------
// Data

template <typename Append>
qint64 Connection::writeWith(EndIndex from, const char *data, qint64 n, Append append)
{
    std::unique_lock lock(m_mutex);
    const EndIndex to = peerOf(from);
    if (m_end[to].closed)
        return -1;
    if (n == 0)
        return 0;
    const qint64 beyondBefore = beyondWindow(from);
    if (Shaper *shaper = m_shaper[from].get(); Q_UNLIKELY(shaper)) {
        // Conditions may keep fewer (a reset discards the rest, which still
        // counts as written, as a real socket's kernel buffer took it).
        if (const qint64 kept = shaper->admit(n, nowNs()); kept > 0)
            append(m_stream[from], kept);
        release(to, true);
    } else {
        append(m_stream[from], n);
        notify(to, NotifyData);
        if (Q_UNLIKELY(m_capture)) {   // one segment per write, as written
            m_capture->data(from, data, n, nowNs());
            m_capture->recorded[from] = m_stream[from].consumed() + m_stream[from].queued();
        }
    }
    // What fits in the send window counts as written now (memb); the rest
    // when the peer reads it.
    credit(from, n - (beyondWindow(from) - beyondBefore));
    publishToWrite(from);
    // Only the reader's data waiters care about new bytes. They are woken
    // after unlocking, so that a woken thread does not block on the mutex.
    changed(to);
    const bool due = m_dataWaiters[to] > 0 || otherWaiters() > 0;
    lock.unlock();
    if (due)
        m_changed.notify_all();
    return n;
}

void Connection::credit(EndIndex writer, qint64 n)
{
    End &w = m_end[writer];
    if (n <= 0 || w.closed)
        return;
    w.readByPeer += n;
    notify(writer, NotifyWritten);
}

qint64 Connection::write(EndIndex from, QByteArray &&bytes)
{
    const qint64 n = bytes.size();
    return writeWith(from, bytes.constData(), n, [&bytes](Stream &s, qint64 kept) {
        if (kept == bytes.size())
            s.append(std::move(bytes));
        else
            s.append(bytes.constData(), kept);
    });
}

qint64 Connection::write(EndIndex from, const char *data, qint64 size)
{
    return writeWith(from, data, size, [data](Stream &s, qint64 kept) { s.append(data, kept); });
}

void Connection::acknowledge(EndIndex reader, qint64 n)
{
    const EndIndex writer = peerOf(reader);
    const qint64 beyondBefore = beyondWindow(writer);
    m_stream[writer].acknowledge(n);
    publishToWrite(writer);
    credit(writer, beyondBefore - beyondWindow(writer));   // memu: all of n
    // A read wakes no data waiter: only a writer waiting in
    // waitForBytesWritten() cares (or spins on m_changes).
    changed(writer);
    if (otherWaiters() > 0)
        m_changed.notify_all();
}

qint64 Connection::read(EndIndex to, char *out, qint64 max, bool line)
{
    std::lock_guard lock(m_mutex);
    End &e = m_end[to];
    Stream &in = m_stream[peerOf(to)];
    Shaper *shaper = m_shaper[peerOf(to)].get();
    releaseHeld(to);
    if (max <= 0)
        return 0;
    qint64 want = limit(to, e.readLimit > 0 ? qMin(max, e.readWindow) : max);
    if (line && want > 0) {
        const qint64 newline = in.indexOf('\n', want);
        if (newline >= 0)
            want = newline + 1;
    }
    const qint64 n = want > 0 ? in.take(out, want) : 0;
    if (n == 0)
        return in.queued() == 0 && m_end[peerOf(to)].closed ? -1 : 0;
    acknowledge(to, n);
    if (e.readLimit > 0) {
        e.readWindow -= n;
        if (e.readWindow == 0 && in.queued() > 0)
            notify(to, NotifyData);   // the rest waited for room: readyRead() again
    }
    if (shaper)
        shaper->taken(n);
    return n;
}

QByteArray Connection::takeAll(EndIndex to)
{
    std::lock_guard lock(m_mutex);
    QByteArray all;
    if (Shaper *shaper = m_shaper[peerOf(to)].get()) {
        releaseHeld(to);
        const qint64 n = qMin(shaper->readable(), m_stream[peerOf(to)].queued());
        if (n > 0) {
            all.resize(n);
            m_stream[peerOf(to)].take(all.data(), n);
            shaper->taken(n);
        }
    } else {
        all = m_stream[peerOf(to)].takeAll();
    }
    if (!all.isEmpty())
        acknowledge(to, all.size());
    return all;
}

void Connection::refillReadWindow(EndIndex to)
{
    std::lock_guard lock(m_mutex);
    m_end[to].readWindow = m_end[to].readLimit;
}

qint64 Connection::available(EndIndex to)
{
    std::lock_guard lock(m_mutex);
    releaseHeld(to);
    return visible(to);
}

bool Connection::hasLine(EndIndex to)
{
    std::lock_guard lock(m_mutex);
    releaseHeld(to);
    return m_stream[peerOf(to)].hasLine(window(to));
}

// ---------------------------------------------------------------------------
// Network conditions

void Connection::setConditions(EndIndex from, const MemConn::Conditions &conditions)
{
    std::lock_guard lock(m_mutex);
    if (Shaper *shaper = m_shaper[from].get()) {
        shaper->setConditions(conditions);
        return;
    }
    m_shaper[from] = std::make_unique<Shaper>(conditions, int(from));
    m_shaper[from]->preload(m_stream[from].queued());
}

void Connection::release(EndIndex to, bool armTimer)
{
    const EndIndex writer = peerOf(to);
    Shaper *shaper = m_shaper[writer].get();
    if (shaper->releaseDue(nowNs()) > 0) {
        notify(to, NotifyData);
        recordReadable(writer);   // what the reader receives, when it receives it
    }
    if (armTimer && shaper->nextReleaseNs() >= 0)
        notify(to, NotifyShaped);
    if (shaper->resetDue())
        reset(writer);
}

qint64 Connection::releaseDue(EndIndex to)
{
    std::lock_guard lock(m_mutex);
    const Shaper *shaper = m_shaper[peerOf(to)].get();
    if (!shaper)
        return -1;
    release(to, false);
    const qint64 next = shaper->nextReleaseNs();
    if (next < 0)
        return -1;
    return qMax<qint64>(0, (next - nowNs() + 999'999) / 1'000'000);   // rounded up: never early
}

// A reset in the middle of a transfer: both ends see their peer go, the
// reader with every byte up to resetAfterBytes still readable.
void Connection::reset(EndIndex writer)
{
    m_shaper[writer]->resetDone();
    if (Q_UNLIKELY(m_capture)) {
        recordAll(writer);
        m_capture->reset(writer, nowNs());
    }
    const EndIndex reader = peerOf(writer);
    m_end[writer].closed = true;
    m_end[reader].closed = true;
    notify(reader, NotifyPeerClosed);
    notify(writer, NotifyPeerClosed);
    wake();
}

void Connection::recordUpTo(EndIndex writer, qint64 end)
{
    const Stream &s = m_stream[writer];
    // Bytes discarded unread (the reader closed) are never recorded.
    const qint64 from = qMax(m_capture->recorded[writer], s.consumed());
    if (end <= from)
        return;
    QByteArray bytes(end - from, Qt::Uninitialized);
    s.copy(from - s.consumed(), bytes.data(), bytes.size());
    m_capture->data(writer, bytes.constData(), bytes.size(), nowNs());
    m_capture->recorded[writer] = end;
}

void Connection::setSendWindow(EndIndex from, qint64 window)
{
    std::lock_guard lock(m_mutex);
    const qint64 beyondBefore = beyondWindow(from);
    m_end[from].sendWindow = qMax<qint64>(0, window);
    publishToWrite(from);
    credit(from, beyondBefore - beyondWindow(from));   // a wider window counts more as written
    wake();
}

qint64 Connection::sendWindow(EndIndex from)
{
    std::lock_guard lock(m_mutex);
    return m_end[from].sendWindow;
}

void Connection::setReadLimit(EndIndex to, qint64 limit)
{
    std::lock_guard lock(m_mutex);
    const qint64 before = visible(to);
    m_end[to].readLimit = limit;
    m_end[to].readWindow = limit;
    // A raised limit that lets bytes through announces them, as
    // QAbstractSocket re-enables its read notifier.
    if (visible(to) > before) {
        notify(to, NotifyData);
        wake();
    }
}

// ---------------------------------------------------------------------------
// Notifications and waits

Connection::Pending Connection::takePending(EndIndex which)
{
    std::lock_guard lock(m_mutex);
    releaseHeld(which);
    End &e = m_end[which];
    Pending p{e.pending, e.readByPeer, 0};
    if (p.reasons & NotifyData)
        p.readable = readableWhenAnnounced(which);
    e.pending = 0;
    e.readByPeer = 0;
    e.queued = Queued::No;
    if (e.later) {   // raised while this event waited: its own post, a later pass
        e.pending = std::exchange(e.later, 0);
        if (e.receiver)
            queueNotification(which);
    }
    announceRest(which);
    return p;
}

void Connection::raise(EndIndex which, unsigned reasons)
{
    std::lock_guard lock(m_mutex);
    notify(which, reasons);
    wake();
}

QObject *Connection::objectOf(EndIndex e) const
{
    const End &end = m_end[e];
    if (end.receiver)
        return end.receiver->receiverObject();
    // No server-side socket yet: the server makes it (m_acceptor is only
    // ever set for the server's end).
    return end.closed ? nullptr : m_acceptor;
}

bool Connection::peerRunsInThisThread(EndIndex me) const
{
    QObject *object = objectOf(peerOf(me));
    return object && object->thread() == QThread::currentThread();
}

bool waitOn(std::condition_variable &cond, int &waiters, std::unique_lock<std::mutex> &lock,
            QDeadlineTimer deadline)
{
    if (deadline.hasExpired())
        return false;
    ++waiters;
    if (deadline.isForever())
        cond.wait(lock);
    else
        cond.wait_for(lock, std::chrono::nanoseconds(deadline.remainingTimeNSecs()));
    --waiters;
    return true;
}

Connection::WaitOutcome Connection::wait(EndIndex me, WaitFor what, QDeadlineTimer timeout,
                                         const std::atomic<Deadlines *> &deadlineState)
{
    const Deadlines::Kind governing = what == WaitFor::NewData || what == WaitFor::PeerClosed
        ? Deadlines::Kind::Read : Deadlines::Kind::Write;
    SpinWait spinWait;   // declared before the lock: it measures after unlocking
    std::unique_lock lock(m_mutex);
    for (;;) {
        // The setter publishes the state before it takes m_mutex to wake us,
        // so a pass that begins after the wake-up sees it.
        const Deadlines *deadlines = deadlineState.load(std::memory_order_acquire);
        if (deadlines && deadlines->expired(governing))
            return {WaitResult::Deadline};
        const Shaper *inbound = m_shaper[peerOf(me)].get();
        releaseHeld(me);
        End &mine = m_end[me];
        mine.pending |= std::exchange(mine.later, 0);   // a blocking wait takes every notice
        const bool peerGone = m_end[peerOf(me)].closed;
        switch (what) {
        case WaitFor::Connected:
            if (m_phase == Phase::Connected) {
                mine.pending &= ~unsigned(NotifyAccepted);
                return {WaitResult::Ready};
            }
            if (m_phase == Phase::Refused) {
                mine.pending &= ~unsigned(NotifyRefused);
                return {WaitResult::Refused};
            }
            if (m_phase == Phase::Abandoned)
                return {WaitResult::Nothing};
            break;
        case WaitFor::NewData:
            if (mine.pending & NotifyData) {
                mine.pending &= ~unsigned(NotifyData);
                const qint64 readable = readableWhenAnnounced(me);
                // A notice whose bytes a read took already announces nothing:
                // wait on for new bytes, as QAbstractSocket does.
                if (readable > 0 || inbound) {
                    announceRest(me);
                    return {WaitResult::Ready, 0, readable};
                }
            }
            if (peerGone) {
                mine.pending &= ~unsigned(NotifyPeerClosed);
                return {WaitResult::PeerClosed};
            }
            break;
        case WaitFor::BytesWritten:
            if (mine.readByPeer > 0) {
                mine.pending &= ~unsigned(NotifyWritten);
                return {WaitResult::Ready, std::exchange(mine.readByPeer, 0)};
            }
            if (peerGone)
                return {WaitResult::PeerClosed};
            if (beyondWindow(me) == 0)
                return {WaitResult::Nothing};   // nothing waits for the peer to read
            break;
        case WaitFor::PeerClosed:
            if (peerGone) {
                mine.pending &= ~unsigned(NotifyPeerClosed);
                return {WaitResult::Ready};
            }
            break;
        }
        // Bytes that conditions hold back arrive by time, not by the peer.
        const qint64 nextRelease = inbound ? inbound->nextReleaseNs() : -1;
        if (nextRelease < 0 && peerRunsInThisThread(me))
            return {WaitResult::SameThread};
        const QDeadlineTimer until = deadlines ? deadlines->earlier(governing, timeout) : timeout;
        QDeadlineTimer wake = until;
        if (nextRelease >= 0) {
            const QDeadlineTimer released(std::chrono::nanoseconds(qMax<qint64>(0, nextRelease - nowNs())));
            if (released < until)
                wake = released;
        }
        if ((what == WaitFor::NewData || what == WaitFor::BytesWritten) && !spinWait.started()) {
            // Another thread may answer or read within microseconds: spinning
            // a little avoids a sleep and a wake-up (memconnspin_p.h).
            const unsigned seen = m_changes[me].load(std::memory_order_acquire);
            lock.unlock();
            spinWait.spin(m_changes[me], seen, wake);
            lock.lock();
            continue;   // check again: what ends the wait may have come after the spin
        }
        const bool data = what == WaitFor::NewData;
        m_dataWaiters[me] += data;
        const bool slept = waitOn(m_changed, m_waiters, lock, wake);
        m_dataWaiters[me] -= data;
        if (!slept && until.hasExpired())
            return {deadlines && deadlines->expired(governing) ? WaitResult::Deadline : WaitResult::TimedOut};
    }
}

} // namespace MemConnPrivate
