//! A client's outgoing messages, as the core task holds them: bounded, coalesced, never
//! blocking the core.
//!
//! Messages go to the session's [`crate::mailbox`] while it has room, in one batch per
//! [`Outbox::flush`]. When it is full (the client is not reading fast enough), they wait in a
//! backlog where pointer motion, exposes and focus changes for the same window merge, so a slow client sees
//! fewer, newer events rather than a growing queue. A backlog past [`MAX_BACKLOG`] means the client has stopped reading: it is dropped.
//! Bytes handed to the writer but not yet written are counted in `queued_bytes`, which the
//! session's reader checks before reading more requests (backpressure for replies).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use dispd_protocol::{Event, Reply, ServerMessage};

use crate::applied::Applied;
use crate::mailbox::Poster;

/// Messages kept back for one client before it is disconnected.
pub(crate) const MAX_BACKLOG: usize = 4096;
/// Output waiting to be written beyond which a client's further requests wait until it catches
/// up (backpressure on clients that ask for more than they read).
pub(crate) const MAX_QUEUED_BYTES: usize = 64 << 20;

/// About how many bytes a message takes on the wire (enough for budgeting).
pub(crate) fn weight(msg: &ServerMessage) -> usize {
    // Every reply by name, so that a new one cannot slip through as a small message.
    match msg {
        ServerMessage::Reply { reply, .. } => match reply {
            Reply::Image(i) => i.data.len() + 32,
            Reply::Pixels(p) => p.data.len() + 32,
            // As the core counts a list against its size limit: 48 bytes and the title.
            Reply::Windows(w) => w.iter().map(|w| 48 + w.title.len()).sum::<usize>() + 32,
            Reply::Font(f) => f.advances.len() * 4 + 32,
            Reply::Clients(c) => c.iter().map(|c| 48 + c.peer.len()).sum::<usize>() + 32,
            Reply::ServerInfo(i) => {
                let strings = [&i.name, &i.version, &i.backend]
                    .map(|s| s.len())
                    .iter()
                    .sum::<usize>();
                64 + strings + i.listening.iter().map(|l| 8 + l.len()).sum::<usize>()
            }
            Reply::Sync => 64,
        },
        _ => 64,
    }
}

/// Why a client must go.
pub(crate) type SlowClient = String;

/// One client's outgoing queue, on the core's side. Dropping it delivers what it holds that
/// fits in the mailbox (a goodbye, say) and tells the session the core is done with it.
#[derive(Debug)]
pub(crate) struct Outbox {
    poster: Poster,
    /// Messages for the mailbox at the next flush (they fit).
    batch: Vec<ServerMessage>,
    backlog: VecDeque<ServerMessage>,
    queued_bytes: Arc<AtomicUsize>,
    /// The session's view of the requests applied (it also links the core to the session).
    applied: Arc<Applied>,
}

impl Outbox {
    pub(crate) fn new(poster: Poster, queued_bytes: Arc<AtomicUsize>, applied: Arc<Applied>) -> Self {
        Self {
            poster,
            batch: Vec::new(),
            backlog: VecDeque::new(),
            queued_bytes,
            applied,
        }
    }

    /// Tells the session every request up to `seq` has been applied.
    pub(crate) fn note_applied(&self, seq: u32) {
        self.applied.set(seq);
    }

    /// Queues `msg` until the next [`Outbox::flush`]; an error says the client has stopped
    /// reading and must be dropped.
    pub(crate) fn send(&mut self, msg: ServerMessage) -> Result<(), SlowClient> {
        if self.poster.is_closed() {
            // The session is gone and its disconnect is on the way.
            return Ok(());
        }
        if self.backlog.is_empty() && self.batch.len() < self.poster.room() {
            self.queued_bytes.fetch_add(weight(&msg), Ordering::Relaxed);
            self.batch.push(msg);
            return Ok(());
        }
        self.keep(msg);
        if self.backlog.len() > MAX_BACKLOG {
            return Err(format!(
                "it stopped reading: over {MAX_BACKLOG} messages wait for it"
            ));
        }
        Ok(())
    }

    /// Hands the queued messages to the session in one batch.
    pub(crate) fn flush(&mut self) {
        self.poster.post(self.batch.drain(..));
    }

    /// Moves what now fits from the backlog to the session.
    pub(crate) fn pump(&mut self) {
        self.flush();
        let n = self.backlog.len().min(self.poster.room());
        let moved: usize = self.backlog.iter().take(n).map(weight).sum();
        self.queued_bytes.fetch_add(moved, Ordering::Relaxed);
        self.poster.post(self.backlog.drain(..n));
    }

    /// Whether the client has more output waiting than [`MAX_QUEUED_BYTES`] (never once its
    /// session has stopped writing).
    pub(crate) fn over_budget(&self) -> bool {
        if self.poster.is_closed() {
            // Nothing is written any more (what is sent is dropped): nothing to hold back for.
            return false;
        }
        let backlog: usize = self.backlog.iter().map(weight).sum();
        self.queued_bytes.load(Ordering::Relaxed) + backlog > MAX_QUEUED_BYTES
    }

    /// Whether messages wait in the backlog.
    pub(crate) fn has_backlog(&self) -> bool {
        !self.backlog.is_empty()
    }

    /// Puts `msg` in the backlog, merging it with a waiting event it supersedes.
    fn keep(&mut self, msg: ServerMessage) {
        if let ServerMessage::Event(new) = &msg {
            for slot in self.backlog.iter_mut().rev() {
                let ServerMessage::Event(old) = slot else { continue };
                match (&*old, new) {
                    (Event::PointerMotion { window: a, .. }, Event::PointerMotion { window: b, .. })
                        if a == b =>
                    {
                        *old = new.clone();
                        return;
                    }
                    (Event::Expose { window: a, rect: r }, Event::Expose { window: b, rect: n })
                        if a == b =>
                    {
                        let merged = r.union(n);
                        *old = Event::Expose {
                            window: *a,
                            rect: merged,
                        };
                        return;
                    }
                    // The newest focus state of a window stands for the ones before it
                    // (a client mapping windows in a loop makes two focus events per map).
                    (Event::Focus { window: a, .. }, Event::Focus { window: b, .. }) if a == b => {
                        *old = new.clone();
                        return;
                    }
                    // Only merge across events that do not change what the client knows (keys,
                    // buttons and the like end the search: they stay in order with focus).
                    (Event::PointerMotion { .. } | Event::Expose { .. } | Event::Focus { .. }, _) => continue,
                    _ => break,
                }
            }
        }
        self.backlog.push_back(msg);
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.pump();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dispd_protocol::{Modifiers, Rect, WindowId};

    fn motion(x: i32) -> ServerMessage {
        ServerMessage::Event(Event::PointerMotion {
            window: WindowId(1),
            x,
            y: 0,
            modifiers: Modifiers::default(),
        })
    }

    /// The output budget counts a large reply at least at its size on the wire (a GetImageAs
    /// reply once weighed 64 bytes whatever its pixels, and a list of windows 64 bytes a window
    /// whatever their titles, so unread ones held clients back too late).
    #[test]
    fn large_replies_weigh_at_least_their_bytes() {
        use dispd_protocol::{ClientId, ClientSummary, Image, PixelFormat, Pixels, WindowInfo};
        let data = vec![7u8; 1 << 20];
        let windows = (0..1024)
            .map(|i| WindowInfo {
                id: WindowId(i),
                owner: ClientId(u32::MAX),
                title: "t".repeat(1024),
                rect: Rect::new(i32::MIN, i32::MAX, u32::MAX, u32::MAX),
                mapped: true,
            })
            .collect();
        let clients = (0..256)
            .map(|i| ClientSummary {
                id: ClientId(i),
                peer: format!("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:{i:x}]:65535"),
                trusted: false,
                windows: u32::MAX,
                requests: u64::MAX,
            })
            .collect();
        for reply in [
            Reply::Windows(windows),
            Reply::Clients(clients),
            Reply::Image(Image {
                width: 512,
                height: 512,
                data: data.clone(),
            }),
            Reply::Pixels(Pixels {
                width: 512,
                height: 512,
                format: PixelFormat::Bgra8,
                data,
            }),
        ] {
            let msg = ServerMessage::Reply { seq: 9, reply };
            let mut wire = Vec::new();
            dispd_protocol::encode_frame(&msg, &mut wire);
            assert!(
                weight(&msg) >= wire.len(),
                "{msg:?}: {} < {}",
                weight(&msg),
                wire.len()
            );
        }
    }

    #[tokio::test]
    async fn a_full_queue_coalesces_motion_then_drops_the_client() {
        let (poster, collector) = crate::mailbox::mailbox(1);
        let bytes = Arc::new(AtomicUsize::new(0));
        let mut out = Outbox::new(poster, bytes.clone(), Default::default());
        let mut got = Vec::new();
        let mut next = async |out: &mut Outbox| {
            out.pump();
            got.clear();
            collector.collect(&mut got, 10).await;
            got.clone()
        };
        out.send(motion(1)).unwrap();
        for x in 2..1000 {
            out.send(motion(x)).unwrap();
        }
        let expose = |x| {
            ServerMessage::Event(Event::Expose {
                window: WindowId(1),
                rect: Rect::new(x, 0, 1, 1),
            })
        };
        out.send(expose(0)).unwrap();
        out.send(expose(5)).unwrap();
        // Mailbox: the first motion. Backlog: the newest motion and one merged expose.
        out.flush();
        assert_eq!(next(&mut out).await, [motion(1)]);
        assert_eq!(next(&mut out).await, [motion(999)]);
        let merged = ServerMessage::Event(Event::Expose {
            window: WindowId(1),
            rect: Rect::new(0, 0, 6, 1),
        });
        assert_eq!(next(&mut out).await, [merged]);
        assert!(!out.has_backlog());
        assert_eq!(bytes.load(Ordering::Relaxed), 3 * 64);
        // Focus changes of a window merge into the newest, but not across a key (which must
        // stay in order with them).
        let focus = |window, focused| {
            ServerMessage::Event(Event::Focus {
                window: WindowId(window),
                focused,
            })
        };
        let close = |window| {
            ServerMessage::Event(Event::CloseRequested {
                window: WindowId(window),
            })
        };
        for (w, f) in [(1, false), (2, true), (2, false), (1, true), (2, true)] {
            out.send(focus(w, f)).unwrap();
        }
        out.send(close(3)).unwrap();
        out.send(focus(1, false)).unwrap();
        // The first goes straight to the mailbox (it has room for one); in the backlog window
        // 2's three changes merge into its newest, in the place of its first.
        for expected in [
            focus(1, false),
            focus(2, true),
            focus(1, true),
            close(3),
            focus(1, false),
        ] {
            assert_eq!(next(&mut out).await, [expected]);
        }
        assert!(!out.has_backlog());
        // Events that cannot merge pile up until the client is dropped.
        let key = |_| close(1);
        let mut result = Ok(());
        for i in 0..=MAX_BACKLOG + 1 {
            result = out.send(key(i));
            if result.is_err() {
                break;
            }
        }
        assert!(result.unwrap_err().contains("stopped reading"));
    }

    #[tokio::test]
    async fn messages_sent_in_one_dispatch_reach_the_writer_as_one_batch_in_order() {
        let (poster, collector) = crate::mailbox::mailbox(100);
        let mut out = Outbox::new(poster, Arc::new(AtomicUsize::new(0)), Default::default());
        for x in 0..5 {
            out.send(motion(x)).unwrap();
        }
        // Nothing reaches the writer before the flush; motion is not merged while it keeps up.
        assert_eq!(out.poster.room(), 100);
        out.flush();
        let mut got = Vec::new();
        assert!(collector.collect(&mut got, 100).await);
        assert_eq!(got, (0..5).map(motion).collect::<Vec<_>>());
        // Dropping the outbox delivers what it held, then the writer sees the end.
        out.send(motion(9)).unwrap();
        drop(out);
        got.clear();
        assert!(collector.collect(&mut got, 100).await);
        assert_eq!(got, [motion(9)]);
        assert!(!collector.collect(&mut got, 100).await);
    }
}
