//! After answering a query, a session polls the client's socket for a few microseconds before
//! it lets its thread sleep.
//!
//! A client that waits for a reply usually sends its next request as soon as it has read it.
//! If the server's thread is asleep by then, that request has to wake it: on these machines a
//! wake-up across CPUs costs more than the rest of the round trip together (`perf bench sched
//! pipe`: 10 µs per round trip between two CPUs, 3 µs on one). Polling for a moment instead
//! catches the request without one, as Linux's `busy_poll` does for network cards. It is only
//! done on machines with more than one CPU (on one, the client cannot run while the server
//! polls), and it backs off for a client that does not ask again within the limit: after each
//! miss it skips twice as many replies as after the last, up to [`MAX_SKIP`].

use std::os::fd::BorrowedFd;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};

/// Most replies skipped after polls that found nothing.
pub(crate) const MAX_SKIP: u32 = 64;

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
    /// Polls for up to `micros` after a reply; never on a machine with one CPU.
    pub(crate) fn new(micros: u64) -> Self {
        let limit = if several_cpus() {
            Duration::from_micros(micros)
        } else {
            Duration::ZERO
        };
        ReplySpin {
            limit,
            skip: 0,
            backoff: 0,
        }
    }

    /// Called when a reply has been written and nothing else waits to be: polls `socket` until
    /// it is readable (true) or the limit passes (false).
    pub(crate) fn after_reply(&mut self, socket: BorrowedFd<'_>) -> bool {
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
            if start.elapsed() >= self.limit {
                self.backoff = (self.backoff * 2).clamp(1, MAX_SKIP);
                self.skip = self.backoff;
                return false;
            }
            std::hint::spin_loop();
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

    #[test]
    fn a_waiting_request_ends_the_poll_at_once() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        theirs.write_all(b"x").unwrap();
        let mut s = spin(1_000_000);
        assert!(s.after_reply(ours.as_fd()));
        assert_eq!((s.skip, s.backoff), (0, 0));
    }

    #[test]
    fn misses_back_off_doubling_up_to_the_cap_and_a_hit_resets() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let mut s = spin(20);
        let mut polled = Vec::new();
        for _ in 0..400 {
            polled.push(s.skip == 0);
            assert!(!s.after_reply(ours.as_fd()));
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
            assert!(!s.after_reply(ours.as_fd()));
        }
        assert!(s.after_reply(ours.as_fd()));
        assert_eq!(s.backoff, 0);
        assert!(s.after_reply(ours.as_fd()), "no skipping after a hit");
    }

    #[test]
    fn a_zero_limit_never_polls() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        theirs.write_all(b"x").unwrap();
        assert!(!spin(0).after_reply(ours.as_fd()));
    }
}
