//! How far the core has applied a client's requests, so that the client's reader can bound the
//! requests it has read and decoded but the core has not applied yet: without it, a client
//! sending faster than the core applies would pile decoded requests (images included) up in the
//! core's channel and pending queue, limited only by their count.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::sync::Notify;

/// Bytes of requests one client may have read but not applied (each counted at its wire size or
/// its decoded size, the larger); the reader stops reading above.
pub(crate) const MAX_UNAPPLIED_BYTES: usize = 32 << 20;

/// The sequence number of the last request the core applied for a client (0: none yet).
#[derive(Debug, Default)]
pub(crate) struct Applied {
    seq: AtomicU32,
    changed: Notify,
}

impl Applied {
    /// The core applied every request up to `seq`.
    pub(crate) fn set(&self, seq: u32) {
        self.seq.store(seq, Ordering::Release);
        self.changed.notify_one();
    }
}

/// The reader's account of what it handed to the core and the core has not applied.
#[derive(Debug, Default)]
pub(crate) struct Unapplied {
    /// The last sequence number of each run handed over, and the run's bytes.
    runs: VecDeque<(u32, usize)>,
    bytes: usize,
}

impl Unapplied {
    /// Notes a run of requests up to `last_seq`, of `bytes` on the wire.
    pub(crate) fn handed_over(&mut self, last_seq: u32, bytes: usize) {
        if bytes > 0 {
            self.runs.push_back((last_seq, bytes));
            self.bytes += bytes;
        }
    }

    /// Waits until at most [`MAX_UNAPPLIED_BYTES`] wait for the core.
    pub(crate) async fn wait_for_core(&mut self, applied: &Applied) {
        loop {
            let changed = applied.changed.notified();
            let done = applied.seq.load(Ordering::Acquire);
            // Numbers wrap: a run is done when `done` is at or after its last number.
            while let Some(&(last, bytes)) = self.runs.front() {
                if (done.wrapping_sub(last) as i32) < 0 {
                    break;
                }
                self.runs.pop_front();
                self.bytes -= bytes;
            }
            if self.bytes <= MAX_UNAPPLIED_BYTES {
                return;
            }
            changed.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn the_reader_waits_until_the_core_has_applied_enough() {
        let applied = Arc::new(Applied::default());
        let mut unapplied = Unapplied::default();
        unapplied.handed_over(10, MAX_UNAPPLIED_BYTES);
        unapplied.handed_over(11, 0); // nothing to wait for
        unapplied.wait_for_core(&applied).await; // at the limit, not over
        unapplied.handed_over(12, 1);
        let waiter = {
            let applied = applied.clone();
            tokio::spawn(async move {
                unapplied.wait_for_core(&applied).await;
                unapplied
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "over the limit: the reader must wait");
        applied.set(9);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "request 10 is not applied yet");
        applied.set(10);
        let unapplied = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("wakes once request 10 is applied")
            .expect("no panic");
        assert_eq!(unapplied.bytes, 1);
    }

    #[tokio::test]
    async fn sequence_numbers_wrap() {
        let applied = Applied::default();
        let mut unapplied = Unapplied::default();
        unapplied.handed_over(2, MAX_UNAPPLIED_BYTES + 1); // numbers wrapped past u32::MAX
        applied.set(u32::MAX);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), unapplied.wait_for_core(&applied))
                .await
                .is_err()
        );
        applied.set(2);
        unapplied.wait_for_core(&applied).await;
        assert_eq!(unapplied.bytes, 0);
    }
}
