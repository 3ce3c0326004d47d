//! Waiting for a reply by polling the socket for a few microseconds before sleeping.
//!
//! A quick reply then finds the client awake: its arrival does not have to wake the client's
//! thread, which on these machines costs more than the rest of a round trip when it crosses
//! CPUs (the server does the same for the client's next request: see dispd's `reply_spin`).
//! Only done with more than one CPU, and only while replies keep coming within the limit: one
//! slower reply turns polling off until a reply comes quickly again.

use std::os::fd::BorrowedFd;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rustix::io::Errno;
use rustix::net::{recv, RecvFlags};

use crate::error::ClientError;

/// How long to poll for a reply when nothing says otherwise.
pub const DEFAULT_REPLY_SPIN: Duration = Duration::from_micros(50);
/// The longest poll for a reply, however it is asked for.
const MAX_REPLY_SPIN_US: u64 = 1000;

/// One connection's polling for replies.
#[derive(Debug)]
pub(crate) struct ReplySpin {
    limit: Duration,
    /// Whether the last reply came within the limit.
    pays: bool,
}

impl ReplySpin {
    /// Polls for up to `limit` (at most 1 ms); never on a machine with one CPU.
    pub(crate) fn new(limit: Duration) -> Self {
        let max = Duration::from_micros(MAX_REPLY_SPIN_US);
        ReplySpin {
            limit: if several_cpus() {
                limit.min(max)
            } else {
                Duration::ZERO
            },
            pays: true,
        }
    }

    /// Reads what comes on `socket` into `buf` without blocking, for up to the limit (and at
    /// most `cap`, the time left to wait): the number of bytes (0 when the server closed), or
    /// `None` when nothing came or polling does not pay now.
    pub(crate) fn read(
        &self,
        socket: BorrowedFd<'_>,
        buf: &mut [u8],
        cap: Option<Duration>,
    ) -> std::io::Result<Option<usize>> {
        let limit = cap.map_or(self.limit, |c| c.min(self.limit));
        if limit.is_zero() || !self.pays {
            return Ok(None);
        }
        let start = Instant::now();
        loop {
            match recv(socket, &mut *buf, RecvFlags::DONTWAIT) {
                Ok((n, _)) => return Ok(Some(n)),
                Err(Errno::AGAIN | Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
            if start.elapsed() >= limit {
                return Ok(None);
            }
            std::hint::spin_loop();
        }
    }

    /// Notes how long a reply took, which decides whether the next wait polls.
    pub(crate) fn replied_after(&mut self, waited: Duration) {
        self.pays = waited <= self.limit;
    }
}

/// The limit `DISPD_REPLY_SPIN_US` sets, if it is set.
pub(crate) fn limit_from_env() -> Result<Option<Duration>, ClientError> {
    let Ok(text) = std::env::var("DISPD_REPLY_SPIN_US") else {
        return Ok(None);
    };
    match text.trim().parse::<u64>() {
        Ok(us) if us <= MAX_REPLY_SPIN_US => Ok(Some(Duration::from_micros(us))),
        _ => Err(ClientError::Setting(format!(
            "DISPD_REPLY_SPIN_US must be a number of microseconds from 0 to {MAX_REPLY_SPIN_US}, not `{text}`"
        ))),
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
        // Set directly: what is tested holds on any machine.
        ReplySpin {
            limit: Duration::from_micros(micros),
            pays: true,
        }
    }

    #[test]
    fn bytes_already_there_are_read_and_nothing_more_is_waited_for() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        theirs.write_all(b"abc").unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(
            spin(1_000_000).read(ours.as_fd(), &mut buf, None).unwrap(),
            Some(3)
        );
        assert_eq!(&buf[..3], b"abc");
    }

    #[test]
    fn nothing_coming_gives_none_after_the_limit_and_a_close_gives_zero() {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(spin(30).read(ours.as_fd(), &mut buf, None).unwrap(), None);
        drop(theirs);
        assert_eq!(spin(30).read(ours.as_fd(), &mut buf, None).unwrap(), Some(0));
    }

    #[test]
    fn a_slow_reply_stops_polling_until_a_quick_one() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        theirs.write_all(b"x").unwrap();
        let mut s = spin(50);
        let mut buf = [0u8; 8];
        s.replied_after(Duration::from_millis(3));
        assert_eq!(s.read(ours.as_fd(), &mut buf, None).unwrap(), None, "not polled");
        s.replied_after(Duration::from_micros(20));
        assert_eq!(s.read(ours.as_fd(), &mut buf, None).unwrap(), Some(1));
        theirs.write_all(b"y").unwrap();
        assert_eq!(
            spin(0).read(ours.as_fd(), &mut buf, None).unwrap(),
            None,
            "a zero limit never polls"
        );
        let cut = spin(1_000_000).read(ours.as_fd(), &mut buf, Some(Duration::ZERO));
        assert_eq!(cut.unwrap(), None, "no time left to wait: no poll");
        assert!(ReplySpin::new(Duration::MAX).limit <= Duration::from_micros(MAX_REPLY_SPIN_US));
    }
}
