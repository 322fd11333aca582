// Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
#pragma once

// One connection: the state its two ends share, and every operation that
// locks it. A byte written by one end is appended to that end's Stream under
// the mutex, and the other end is told through notify(): the one place that
// coalesces notifications and posts one event for them
// (postNotification(), the one postEvent call site). The reader takes the
// bytes out in read()/takeAll(), which acknowledges them and tells the writer
// (bytesWritten()).
//
// Lifetime: each end holds a std::shared_ptr<Connection>. End::receiver is
// the only pointer to an end's object; it is cleared under the mutex before
// that object's destructor completes, so nothing is ever posted to or called
// on freed memory.
//
// Lock order. The library has 12 mutexes, all std::mutex; a thread holding
// one may take only those listed after it:
//   1. the Remote Objects registration mutex (memremoteobjects.cpp), which
//      reaches the network map's through createTcpSocket()
//   2. the registry's mutex (memregistry.cpp)
//   3. a Listener's mutex (memregistry_p.h)
//   4. a Connection's mutex (here)
//   5. leaves taken inside a Connection's or alone, holding nothing else:
//      a socket's Deadlines mutex (memdeadlines_p.h), the chunk pool's
//      (memstream.cpp), the capture queue's (memcapture.cpp)
//   6. leaves taken with no other MemConn mutex held (the network map's also
//      under 1): a socket's connMutex (memsocket_p.h), the list of live
//      connections' (memconnection.cpp), the conditions table's
//      (memconditions.cpp), the network map's (memendpoint.cpp), and the
//      running capture's slot (memcapture.cpp)
//
// Delivery: one hop per event-loop pass, as Qt's sockets do. A notification
// is a posted event, also within one thread, so what a slot raises while it
// handles one reaches its receiver in a later pass of the event loop
// (memsocket.h, write()). bytesWritten() is only raised when something is
// connected to it; the count waits in End::readByPeer otherwise.

#include "memcapture_p.h"
#include "memconditions_p.h"
#include "memstream_p.h"

#include <QtCore/qdeadlinetimer.h>
#include <QtCore/qlist.h>
#include <QtCore/qstring.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

QT_BEGIN_NAMESPACE
class QEvent;
class QObject;
class QThread;
QT_END_NAMESPACE

namespace MemConnPrivate {

class Deadlines;

enum EndIndex : int { Client = 0, Server = 1 };
constexpr EndIndex peerOf(EndIndex e) { return EndIndex(1 - int(e)); }

// Why an end's notification was raised; OR'ed while one is pending.
enum Notify : unsigned {
    NotifyData = 1u << 0,        // new bytes: readyRead()
    NotifyWritten = 1u << 1,     // the peer read some: bytesWritten(End::readByPeer)
    NotifyPeerClosed = 1u << 2,  // the other end closed, aborted or was deleted
    NotifyAccepted = 1u << 3,    // the backlog made room for this client
    NotifyRefused = 1u << 4,     // the server closed with this client in its backlog
    NotifyDeadline = 1u << 6,    // a deadline setter was called
    NotifyShaped = 1u << 7,      // network conditions hold bytes back: arm the release timer
};

// The object at one end of a connection, as the connection sees it.
class Receiver
{
public:
    virtual QObject *receiverObject() = 0;     // where notifications are posted
    virtual void deliverNotification() = 0;    // handle what is pending (receiver's thread)
    virtual const Deadlines *receiverDeadlines() const = 0;   // null: none set; for connections()

protected:
    ~Receiver() = default;
};

// The one postEvent call site for MemConn notifications (sockets and servers).
void postNotification(QObject *receiver);
bool isNotification(const QEvent *event);

// A process-unique number for end names.
quint64 nextEndId();

enum class Phase { Connecting, Connected, Refused, Abandoned };

class Connection : public std::enable_shared_from_this<Connection>
{
public:
    struct Pending
    {
        unsigned reasons = 0;
        qint64 written = 0;    // for bytesWritten()
        qint64 readable = 0;   // with NotifyData: what the application may read now
    };
    enum class WaitFor { Connected, NewData, BytesWritten, PeerClosed };
    enum class WaitResult {
        Ready,         // what was waited for happened (for BytesWritten: `written` bytes)
        PeerClosed,    // the peer is gone (and, for NewData, nothing new came first)
        Refused,       // the server closed with this client in its backlog
        Nothing,       // nothing left to wait for (no bytes unread, attempt abandoned)
        TimedOut,
        Deadline,      // the governing deadline passed
        SameThread,    // only a peer living in this thread could end the wait
    };
    struct WaitOutcome
    {
        WaitResult result;
        qint64 written = 0;    // Ready, BytesWritten: for bytesWritten()
        qint64 readable = 0;   // Ready, NewData: what the application may read now
    };

    // A connection from a client to the server `name`; or, with an empty
    // name, a connected pair. Made with create(), which lists it for
    // snapshot() once it is wholly made (its weak self-pointer included).
    static std::shared_ptr<Connection> create(const QString &name, bool clientBuffered);
    Connection(const QString &name, bool clientBuffered);
    ~Connection();
    Q_DISABLE_COPY_MOVE(Connection)

    // One connection as it was, for MemConn::connections()
    // (memdiagnostics.cpp makes the public ConnectionInfo of it).
    struct Snapshot
    {
        struct End
        {
            bool buffered = false;
            quint64 id = 0;
            bool open = false;            // its object (or the accepting server) exists
            QThread *thread = nullptr;    // that object's thread, read under the lock
            qint64 unread = 0;            // bytes it wrote that the peer has not read
            QDeadlineTimer readDeadline{QDeadlineTimer::Forever};
            QDeadlineTimer writeDeadline{QDeadlineTimer::Forever};
        };
        QString name;
        bool connected = false;
        End ends[2];
    };
    // Every Connection alive now, oldest first, each described under its own
    // lock. The list's mutex is a leaf: it is never held while a
    // connection's is taken.
    static QList<Snapshot> snapshot();

    // Set before the connection is shared, then read without the lock.
    const QString name;                 // the server's name, without network; empty for a pair
    int clientTag = 0;                  // the dialer's note for the server side (MemTcpSocket: address family)
    quint64 id(EndIndex e) const { return m_ids[e]; }
    bool buffered(EndIndex e) const { return m_buffered[e]; }
    void setServerBuffered(bool buffered)
    {
        m_buffered[Server] = buffered;
        m_end[Server].sendWindow = buffered ? kDefaultSendWindow : 0;
    }
    static constexpr qint64 kDefaultSendWindow = 256 * 1024;

    // Ends joining and leaving.
    void attach(EndIndex e, Receiver *receiver, bool wantsWritten);
    void setWantsWritten(EndIndex e, bool wanted);
    void setAcceptor(QObject *server);  // answers "does the peer live in this thread?" until accepted
    // Closed, aborted (`abort`: a capture shows RST, not FIN) or deleted:
    // unread input goes, the peer is told.
    void closeEnd(EndIndex e, bool abort = false);
    bool accept(bool tellClient = true);  // room in the backlog: Connecting -> Connected
    void refuse();                      // Connecting -> Refused; the client is told
    bool abandon();                     // the client gave up while Connecting

    // Data. write() returns -1 when the peer has gone.
    qint64 write(EndIndex from, QByteArray &&bytes);
    qint64 write(EndIndex from, const char *data, qint64 size);
    // Takes up to `max` bytes (to the first newline with `line`); -1 at end of
    // stream. What leaves the stream counts as read, wherever it goes: to the
    // application, or into QIODevice's own buffer (peek(), a transaction), as
    // a kernel socket's writer sees bytes once the reader's side took them.
    qint64 read(EndIndex to, char *out, qint64 max, bool line);
    QByteArray takeAll(EndIndex to);
    qint64 available(EndIndex to);
    bool hasLine(EndIndex to);
    // bytesToWrite(): unread beyond the send window. Lock-free: flow-controlled
    // writers ask before every write.
    qint64 unreadByPeer(EndIndex from) const { return m_toWrite[from].load(std::memory_order_relaxed); }
    // All bytes `from` wrote that the peer has not read yet, send window included.
    qint64 unreadTotal(EndIndex from);
    // memb's send buffer: written bytes up to `window` count as written at
    // once; beyond it they count as written when the peer reads. memu: 0.
    void setSendWindow(EndIndex from, qint64 window);
    qint64 sendWindow(EndIndex from);
    void setReadLimit(EndIndex to, qint64 limit);     // 0: none (setReadBufferSize)
    void refillReadWindow(EndIndex to);               // a readyRead() is announced

    // Network conditions on what `from` writes (memconditions_p.h). Without
    // them the data path pays one null check.
    void setConditions(EndIndex from, const MemConn::Conditions &conditions);
    // For the reader's release timer: releases what is due (announcing it)
    // and returns the milliseconds until the next release, or -1.
    qint64 releaseDue(EndIndex to);

    // Notifications.
    Pending takePending(EndIndex e);
    void raise(EndIndex e, unsigned reasons);

    // Blocking waits (no event loop runs): until what was asked for, the peer
    // closing, `timeout`, or the governing deadline (read for NewData and
    // PeerClosed, write for Connected and BytesWritten; none when `deadlines`
    // is null).
    // `deadlines` is the waiting socket's, read again on every pass: a setter
    // in another thread may make the socket's first deadline while it waits.
    WaitOutcome wait(EndIndex me, WaitFor what, QDeadlineTimer timeout,
                     const std::atomic<Deadlines *> &deadlines);

    // Delivers the pending notification of end `e` now when its receiver lives
    // in this thread, or posts it: a server's socket hears what arrived with
    // its connection in the pass that accepted it.
    static void deliverNowOrPost(const std::shared_ptr<Connection> &conn, EndIndex e);

private:
    enum class Queued { No, Posted };
    struct End
    {
        Receiver *receiver = nullptr;   // null before the object exists and after it went away
        unsigned pending = 0;           // Notify reasons not yet handled
        unsigned later = 0;             // reasons for a post of their own, after the one on its way
        Queued queued = Queued::No;
        bool closed = false;            // this end closed, aborted or was deleted
        bool wantsWritten = false;      // something is connected to bytesWritten()
        qint64 readByPeer = 0;          // bytes for this end's next bytesWritten()
        qint64 readLimit = 0;           // setReadBufferSize(); 0: none
        qint64 readWindow = 0;          // with a limit: bytes readable before the next readyRead()
        qint64 sendWindow = 0;          // bytes written that count as written before the peer reads them
    };

    // All with m_mutex held.
    void notify(EndIndex which, unsigned reasons)
    {
        End &e = m_end[which];
        if (e.queued == Queued::Posted && Q_UNLIKELY(deferHere(e))) {
            e.later |= reasons;   // raised in this pass: announced in a later one
            return;
        }
        e.pending |= reasons;
        if (e.queued == Queued::No && e.receiver)
            queueNotification(which);   // else already on its way, or nobody to tell
    }
    // True when this thread runs a MemConn handler (DeliveryScope) and `e`'s
    // receiver lives here: its event, posted before this pass, may still
    // be delivered in this pass, so what the handler raises must not join it.
    static bool deferHere(const End &e);
    void queueNotification(EndIndex which);
    void acknowledge(EndIndex reader, qint64 n);
    void credit(EndIndex writer, qint64 n);
    qint64 beyondWindow(EndIndex writer) const
    {
        return qMax<qint64>(0, m_stream[writer].unread() - m_end[writer].sendWindow);
    }
    // After every change of what beyondWindow(writer) reads.
    void publishToWrite(EndIndex writer)
    {
        m_toWrite[writer].store(beyondWindow(writer), std::memory_order_relaxed);
    }
    template <typename Append>
    qint64 writeWith(EndIndex from, const char *data, qint64 n, Append append);
    // Capture (m_capture set): what `writer` wrote, up to stream position
    // `end`, that is not recorded yet, as one segment now.
    void recordUpTo(EndIndex writer, qint64 end);
    // Under conditions: what the reader of `writer`'s bytes may read now.
    void recordReadable(EndIndex writer)
    {
        if (Q_UNLIKELY(m_capture))
            recordUpTo(writer, m_stream[writer].consumed() + m_shaper[writer]->readable());
    }
    // Before a FIN or RST from `writer`: everything it wrote.
    void recordAll(EndIndex writer)
    {
        recordUpTo(writer, m_stream[writer].consumed() + m_stream[writer].queued());
    }
    // The object at end `e`: its receiver's, or while the server's socket
    // does not exist yet, the server; null once the end has closed.
    QObject *objectOf(EndIndex e) const;
    bool peerRunsInThisThread(EndIndex me) const;
    // Wakes every blocked waiter (with m_mutex held): for the rare changes
    // (close, accept, refuse, reset, deadlines, the send window).
    void wake()
    {
        changed(Client);
        changed(Server);
        if (m_waiters)
            m_changed.notify_all();
    }
    // Something that could end a wait of end `e` happened. m_changes is only
    // written with m_mutex held, so a plain store does (no atomic add on the
    // write path); spinners read it without the lock.
    void changed(EndIndex e)
    {
        m_changes[e].store(m_changes[e].load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    // Waiters for something other than new data (bytes written, connected,
    // the peer closing).
    int otherWaiters() const { return m_waiters - m_dataWaiters[Client] - m_dataWaiters[Server]; }
    // What `to` may read once its window refills for the next readyRead()
    // (a chunk of shaped input is drawn here).
    qint64 readableWhenAnnounced(EndIndex to)
    {
        const End &e = m_end[to];
        if (Shaper *shaper = m_shaper[peerOf(to)].get()) {
            shaper->announce();
            recordReadable(peerOf(to));
        }
        return m_stream[peerOf(to)].visible(limit(to, e.readLimit > 0 ? e.readLimit : -1));
    }
    // What `to` may read now: its read window, narrowed by conditions.
    qint64 window(EndIndex to) const
    {
        return limit(to, m_end[to].readLimit > 0 ? m_end[to].readWindow : -1);
    }
    qint64 visible(EndIndex to) const { return m_stream[peerOf(to)].visible(window(to)); }
    // `window` (-1: none) narrowed by what conditions have released.
    qint64 limit(EndIndex to, qint64 window) const
    {
        const Shaper *shaper = m_shaper[peerOf(to)].get();
        if (!shaper)
            return window;
        const qint64 released = shaper->readable();
        return window < 0 ? released : qMin(window, released);
    }
    // Releases what conditions hold for `to` that is due now; tells `to`.
    void release(EndIndex to, bool armTimer);
    // The same, for the readers' paths: one null check without conditions.
    void releaseHeld(EndIndex to)
    {
        if (m_shaper[peerOf(to)])
            release(to, false);
    }
    void reset(EndIndex writer);   // resetAfterBytes reached
    // maxChunk: released bytes not announced yet get a readyRead() of their own.
    void announceRest(EndIndex to)
    {
        const Shaper *shaper = m_shaper[peerOf(to)].get();
        if (shaper && shaper->undelivered() > 0)
            notify(to, NotifyData);
    }


    std::mutex m_mutex;
    // Blocking waits, all on m_changed. The hot paths wake only who cares: a
    // write wakes when the reader waits for data (or someone waits for
    // anything else), a read only when someone waits for something other
    // than data; a write notifies after unlocking. m_changes[e] counts what could
    // end a wait of end e, for a waiter that spins before it sleeps
    // (memconnspin_p.h).
    std::condition_variable m_changed;
    int m_waiters = 0;                  // all blocked waiters
    int m_dataWaiters[2] = {0, 0};      // of those, the ones waiting for new data, per end
    std::atomic<unsigned> m_changes[2] = {0, 0};
    Phase m_phase = Phase::Connecting;
    QObject *m_acceptor = nullptr;
    Stream m_stream[2];                 // m_stream[i] is written by end i
    std::unique_ptr<Shaper> m_shaper[2];   // conditions on what end i writes; null: none
    End m_end[2];
    std::atomic<qint64> m_toWrite[2] = {0, 0};   // beyondWindow(), written under the lock
    Connection *m_livePrev = nullptr;   // the list of live connections (snapshot())
    Connection *m_liveNext = nullptr;
    bool m_listed = false;              // made by create(): in the list
    quint64 m_ids[2];
    bool m_buffered[2] = {false, false};
    std::unique_ptr<CaptureFlow> m_capture;   // null: not captured (set by create())
};

// Marks this thread as running a MemConn handler (a notification, a deadline
// or shaping timer, a server's arrivals): one hop per event-loop pass, as
// Qt's sockets do. A notification is a posted event, so what a handler raises
// reaches its receiver in a later pass; and what it raises for an end whose
// event is already posted waits in End::later for a post of its own, instead
// of joining an event this pass may still deliver.
class DeliveryScope
{
public:
    DeliveryScope();
    ~DeliveryScope();
    Q_DISABLE_COPY_MOVE(DeliveryScope)
};

// Waits on `cond` until woken or `deadline` passes; false once it has passed.
bool waitOn(std::condition_variable &cond, int &waiters, std::unique_lock<std::mutex> &lock,
            QDeadlineTimer deadline);

} // namespace MemConnPrivate
