//! The hand-off of one client's outgoing messages from the core task to its session's writer.
//!
//! A bounded queue that both sides touch in batches: the core posts everything a dispatch
//! produced for the client under one lock with at most one wake-up, and the writer takes
//! everything waiting under one lock per write. (A channel costs a send, a semaphore permit and
//! possibly a wake-up per message: with three events per mapped window, that was most of the
//! core's time in `-map`.)

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use dispd_protocol::ServerMessage;
use tokio::sync::Notify;

/// A mailbox of `capacity` messages: the core's end and the writer's end.
pub(crate) fn mailbox(capacity: usize) -> (Poster, Collector) {
    let shared = Arc::new(Shared {
        queue: Mutex::new(VecDeque::new()),
        len: AtomicUsize::new(0),
        capacity: capacity.max(1),
        ready: Notify::new(),
        poster_gone: AtomicBool::new(false),
        collector_gone: AtomicBool::new(false),
    });
    (
        Poster {
            shared: shared.clone(),
        },
        Collector { shared },
    )
}

#[derive(Debug)]
struct Shared {
    queue: Mutex<VecDeque<ServerMessage>>,
    /// `queue.len()`, readable without the lock. Only the collector lowers it, so the poster's
    /// reading is never below the truth.
    len: AtomicUsize,
    capacity: usize,
    ready: Notify,
    poster_gone: AtomicBool,
    collector_gone: AtomicBool,
}

impl Shared {
    /// The queue; a panic elsewhere while it was held leaves it usable (it is only a queue).
    fn queue(&self) -> MutexGuard<'_, VecDeque<ServerMessage>> {
        self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The core's end.
#[derive(Debug)]
pub(crate) struct Poster {
    shared: Arc<Shared>,
}

impl Poster {
    /// How many more messages fit now (at least this many: the writer may be taking some).
    pub(crate) fn room(&self) -> usize {
        self.shared
            .capacity
            .saturating_sub(self.shared.len.load(Ordering::Acquire))
    }

    /// Whether the writer is gone (messages posted now are dropped unread).
    pub(crate) fn is_closed(&self) -> bool {
        self.shared.collector_gone.load(Ordering::Acquire)
    }

    /// Appends `msgs` (which must fit: see [`Poster::room`]) and wakes the writer.
    pub(crate) fn post(&self, msgs: impl ExactSizeIterator<Item = ServerMessage>) {
        if msgs.len() == 0 {
            return;
        }
        let mut queue = self.shared.queue();
        let before = queue.len();
        queue.extend(msgs);
        self.shared.len.fetch_add(queue.len() - before, Ordering::Release);
        drop(queue);
        self.shared.ready.notify_one();
    }
}

impl Drop for Poster {
    fn drop(&mut self) {
        self.shared.poster_gone.store(true, Ordering::Release);
        self.shared.ready.notify_one();
    }
}

/// The writer's end.
#[derive(Debug)]
pub(crate) struct Collector {
    shared: Arc<Shared>,
}

impl Collector {
    /// Whether nothing waits to be taken now.
    pub(crate) fn is_empty(&self) -> bool {
        self.shared.len.load(Ordering::Acquire) == 0
    }

    /// Waits until messages are there and moves up to `max` of them into `out`. Returns false
    /// once the core has let go of the mailbox and everything it posted has been taken.
    pub(crate) async fn collect(&self, out: &mut Vec<ServerMessage>, max: usize) -> bool {
        loop {
            // Read before looking at the queue: whatever was posted before the poster went is
            // in the queue by then.
            let gone = self.shared.poster_gone.load(Ordering::Acquire);
            {
                let mut queue = self.shared.queue();
                if !queue.is_empty() {
                    let n = queue.len().min(max.max(1));
                    out.extend(queue.drain(..n));
                    self.shared.len.fetch_sub(n, Ordering::Release);
                    return true;
                }
            }
            if gone {
                return false;
            }
            // A post between the look and this wait leaves a permit: no wake-up is lost.
            self.shared.ready.notified().await;
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.shared.collector_gone.store(true, Ordering::Release);
        // Nobody will read what waits: free it now rather than when the core lets go.
        let mut queue = self.shared.queue();
        queue.clear();
        self.shared.len.store(0, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(n: usize) -> ServerMessage {
        ServerMessage::Goodbye {
            reason: n.to_string(),
        }
    }

    #[tokio::test]
    async fn messages_arrive_in_order_in_batches_then_the_end_is_seen() {
        let (poster, collector) = mailbox(4);
        assert_eq!(poster.room(), 4);
        poster.post((0..3).map(msg));
        assert_eq!(poster.room(), 1);
        let mut out = Vec::new();
        assert!(collector.collect(&mut out, 2).await);
        assert_eq!(out, [msg(0), msg(1)]);
        assert!(collector.collect(&mut out, 10).await);
        assert_eq!(out, [msg(0), msg(1), msg(2)]);
        assert_eq!(poster.room(), 4);
        // What was posted before the core let go is still delivered, then the end.
        poster.post(std::iter::once(msg(3)));
        drop(poster);
        out.clear();
        assert!(collector.collect(&mut out, 10).await);
        assert_eq!(out, [msg(3)]);
        assert!(!collector.collect(&mut out, 10).await);
    }

    #[tokio::test]
    async fn a_waiting_writer_wakes_on_a_post() {
        let (poster, collector) = mailbox(8);
        let writer = tokio::spawn(async move {
            let mut out = Vec::new();
            collector.collect(&mut out, 8).await;
            out
        });
        tokio::task::yield_now().await;
        poster.post(std::iter::once(msg(7)));
        assert_eq!(writer.await.unwrap(), [msg(7)]);
        // The writer is gone: the core can tell, and what it posts is not kept.
        assert!(poster.is_closed());
    }
}
