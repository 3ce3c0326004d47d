//! After answering a query, a session keeps its thread awake for a few microseconds, watching
//! for the client's next request, before it lets the thread sleep.
//!
//! A client that waits for a reply usually sends its next request as soon as it has read it.
//! If the server's thread is asleep by then, that request has to wake it: on these machines a
//! wake-up across CPUs costs more than the rest of the round trip together (`perf bench sched
//! pipe`: 10 µs per round trip between two CPUs, 3 µs on one). Polling for a moment instead
//! catches the request without one, as Linux's `busy_poll` does for network cards. The session
//! yields between polls, so every other task on its thread (the core, other clients) runs as
//! usual, and the runtime polls its sockets each time; it stops as soon as the socket is
//! readable or something else is queued for the client. It is only done on machines with more
//! than one CPU (on one, the client cannot run while the server polls), and it backs off for a
//! client that does not ask again within the limit: each miss doubles the number of replies
//! that pass without polling afterwards (1, 2, 4 ... up to [`MAX_SKIP`]); a hit resets it.

use std::os::fd::BorrowedFd;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};

/// Most replies skipped after polls that found nothing.
pub(crate) const MAX_SKIP: u32 = 64;
/// The longest poll after a reply, whatever the configuration says.
pub(crate) const MAX_SPIN: Duration = Duration::from_millis(1);

/// One session's polling after replies.
#[derive(Debug)]
pub(crate) struct ReplySpin {
    limit: Duration,
    /// Replies to let pass without polling, after a miss.
    skip: u32,
    /// What `skip` was set to after the last miss.
    backoff: u32,
}

impl ReplySpin {
    /// Polls for up to `micros` (at most [`MAX_SPIN`]) after a reply; never on a machine with
    /// one CPU.
    pub(crate) fn new(micros: u64) -> Self {
        let limit = if several_cpus() {
            Duration::from_micros(micros).min(MAX_SPIN)
        } else {
            Duration::ZERO
        };
        ReplySpin {
            limit,
            skip: 0,
            backoff: 0,
        }
    }

    /// Called when a reply has been written and nothing else waits to be: yields to other
    /// tasks until `socket` is readable (true), `other_work` says something else came up, or
    /// the limit passes (false).
    pub(crate) async fn after_reply(
        &mut self,
        socket: BorrowedFd<'_>,
        other_work: impl Fn() -> bool,
    ) -> bool {
        if self.limit.is_zero() {
            return false;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        let start = Instant::now();
        let mut fds = [PollFd::new(&socket, PollFlags::IN)];
        loop {
            // A zero timeout: never sleeps. Hang-ups and errors count as readable, so that the
            // reader finds out at once.
            if poll(&mut fds, Some(&Timespec::default())).is_ok_and(|n| n > 0) {
                self.backoff = 0;
                return true;
            }
            if other_work() {
                return false;
            }
            if start.elapsed() >= self.limit {
                self.backoff = (self.backoff * 2).clamp(1, MAX_SKIP);
                self.skip = self.backoff;
                return false;
            }
            // Back in the run queue behind every other task, after the runtime has polled its
            // sockets (with a zero timeout: the thread stays awake).
            tokio::task::yield_now().await;
        }
    }
}

/// Whether this process may run on more than one CPU (worked out once).
fn several_cpus() -> bool {
    static SEVERAL: OnceLock<bool> = OnceLock::new();
    *SEVERAL.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;

    use super::*;

    fn spin(micros: u64) -> ReplySpin {
        // The back-off is what is tested, on any machine.
        ReplySpin {
            limit: Duration::from_micros(micros),
            skip: 0,
            backoff: 0,
        }
    }

    #[tokio::test]
    async fn a_waiting_request_ends_the_poll_at_once() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        theirs.write_all(b"x").unwrap();
        let mut s = spin(1_000_000);
        assert!(s.after_reply(ours.as_fd(), || false).await);
        assert_eq!((s.skip, s.backoff), (0, 0));
    }

    #[tokio::test]
    async fn misses_back_off_doubling_up_to_the_cap_and_a_hit_resets() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let mut s = spin(20);
        let mut polled = Vec::new();
        for _ in 0..400 {
            polled.push(s.skip == 0);
            assert!(!s.after_reply(ours.as_fd(), || false).await);
        }
        // Polls at replies 0, 2, 5, 10, 19, 36, 69, then every 65th.
        let at: Vec<usize> = polled
            .iter()
            .enumerate()
            .filter(|(_, p)| **p)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(at, [0, 2, 5, 10, 19, 36, 69, 134, 199, 264, 329, 394]);
        theirs.write_all(b"x").unwrap();
        while s.skip > 0 {
            assert!(!s.after_reply(ours.as_fd(), || false).await);
        }
        assert!(s.after_reply(ours.as_fd(), || false).await);
        assert_eq!(s.backoff, 0);
        assert!(
            s.after_reply(ours.as_fd(), || false).await,
            "no skipping after a hit"
        );
    }

    #[tokio::test]
    async fn other_work_ends_the_poll_without_backing_off() {
        let (ours, _theirs) = UnixStream::pair().unwrap();
        let mut s = spin(1_000_000);
        assert!(!s.after_reply(ours.as_fd(), || true).await);
        assert_eq!((s.skip, s.backoff), (0, 0));
    }

    #[tokio::test]
    async fn a_zero_limit_never_polls_and_a_huge_one_is_capped() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        theirs.write_all(b"x").unwrap();
        assert!(!spin(0).after_reply(ours.as_fd(), || false).await);
        assert!(ReplySpin::new(u64::MAX).limit <= MAX_SPIN);
    }
}
