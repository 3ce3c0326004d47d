//! A client's outgoing messages, as the core task holds them: bounded, coalesced, never
//! blocking the core.
//!
//! Messages go straight into the session's channel while it has room. When it is full (the
//! client is not reading fast enough), they wait in a backlog where pointer motion and exposes
//! for the same window merge, so a slow client sees fewer, newer events rather than a growing
//! queue. A backlog past [`MAX_BACKLOG`] means the client has stopped reading: it is dropped.
//! Bytes handed to the writer but not yet written are counted in `queued_bytes`, which the
//! session's reader checks before reading more requests (backpressure for replies).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use dispd_protocol::{Event, Reply, ServerMessage};
use tokio::sync::mpsc;

/// Messages kept back for one client before it is disconnected.
pub(crate) const MAX_BACKLOG: usize = 4096;
/// Output waiting to be written beyond which a client's further requests wait until it catches
/// up (backpressure on clients that ask for more than they read).
pub(crate) const MAX_QUEUED_BYTES: usize = 64 << 20;

/// About how many bytes a message takes on the wire (enough for budgeting).
pub(crate) fn weight(msg: &ServerMessage) -> usize {
    match msg {
        ServerMessage::Reply {
            reply: Reply::Image(i),
            ..
        } => i.data.len() + 32,
        ServerMessage::Reply {
            reply: Reply::Windows(w),
            ..
        } => w.len() * 64 + 32,
        ServerMessage::Reply {
            reply: Reply::Font(f),
            ..
        } => f.advances.len() * 4 + 32,
        _ => 64,
    }
}

/// Why a client must go.
pub(crate) type SlowClient = String;

/// One client's outgoing queue, on the core's side.
#[derive(Debug)]
pub(crate) struct Outbox {
    tx: mpsc::Sender<ServerMessage>,
    backlog: VecDeque<ServerMessage>,
    queued_bytes: Arc<AtomicUsize>,
}

impl Outbox {
    pub(crate) fn new(tx: mpsc::Sender<ServerMessage>, queued_bytes: Arc<AtomicUsize>) -> Self {
        Self {
            tx,
            backlog: VecDeque::new(),
            queued_bytes,
        }
    }

    /// Queues `msg`; an error says the client has stopped reading and must be dropped.
    pub(crate) fn send(&mut self, msg: ServerMessage) -> Result<(), SlowClient> {
        let msg = if self.backlog.is_empty() {
            match self.try_send(msg) {
                None => return Ok(()),
                Some(msg) => msg,
            }
        } else {
            msg
        };
        self.keep(msg);
        if self.backlog.len() > MAX_BACKLOG {
            return Err(format!(
                "it stopped reading: over {MAX_BACKLOG} messages wait for it"
            ));
        }
        Ok(())
    }

    /// Moves what it can from the backlog to the session.
    pub(crate) fn pump(&mut self) {
        while let Some(msg) = self.backlog.pop_front() {
            if let Some(msg) = self.try_send(msg) {
                self.backlog.push_front(msg);
                return;
            }
        }
    }

    /// Whether the client has more output waiting than [`MAX_QUEUED_BYTES`].
    pub(crate) fn over_budget(&self) -> bool {
        let backlog: usize = self.backlog.iter().map(weight).sum();
        self.queued_bytes.load(Ordering::Relaxed) + backlog > MAX_QUEUED_BYTES
    }

    /// Whether messages wait in the backlog.
    pub(crate) fn has_backlog(&self) -> bool {
        !self.backlog.is_empty()
    }

    /// Hands `msg` to the session, or gives it back when the channel is full. A closed channel
    /// swallows it: the session is gone and its disconnect is on the way.
    fn try_send(&mut self, msg: ServerMessage) -> Option<ServerMessage> {
        let w = weight(&msg);
        match self.tx.try_send(msg) {
            Ok(()) => {
                self.queued_bytes.fetch_add(w, Ordering::Relaxed);
                None
            }
            Err(mpsc::error::TrySendError::Full(msg)) => Some(msg),
            Err(mpsc::error::TrySendError::Closed(_)) => None,
        }
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
                    // Only merge across events that do not change what the client knows.
                    (Event::PointerMotion { .. } | Event::Expose { .. }, _) => continue,
                    _ => break,
                }
            }
        }
        self.backlog.push_back(msg);
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

    #[tokio::test]
    async fn a_full_queue_coalesces_motion_then_drops_the_client() {
        let (tx, mut rx) = mpsc::channel(1);
        let bytes = Arc::new(AtomicUsize::new(0));
        let mut out = Outbox::new(tx, bytes.clone());
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
        // Channel: the first motion. Backlog: the newest motion and one merged expose.
        assert_eq!(rx.recv().await, Some(motion(1)));
        out.pump();
        assert_eq!(rx.recv().await, Some(motion(999)));
        out.pump();
        let merged = ServerMessage::Event(Event::Expose {
            window: WindowId(1),
            rect: Rect::new(0, 0, 6, 1),
        });
        assert_eq!(rx.recv().await, Some(merged));
        assert!(!out.has_backlog());
        assert_eq!(bytes.load(Ordering::Relaxed), 3 * 64);
        // Events that cannot merge pile up until the client is dropped.
        let key = |_| {
            ServerMessage::Event(Event::Focus {
                window: WindowId(1),
                focused: true,
            })
        };
        let mut result = Ok(());
        for i in 0..=MAX_BACKLOG + 1 {
            result = out.send(key(i));
            if result.is_err() {
                break;
            }
        }
        assert!(result.unwrap_err().contains("stopped reading"));
    }
}
