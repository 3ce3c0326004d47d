//! The tokio runtime dispd runs on, and how many worker threads it gets.
//!
//! The core is one task, so more workers only let sessions read and decode in parallel with it.
//! On a small machine they also take the CPU that local clients and the kernel's socket work
//! need: on a 2-CPU machine, one worker against two measured `dispbench -pointer` 79k → 157k
//! round trips/s, `-getimage100` +47%, `-putimage100` +23% over the Unix socket and +31% over
//! TCP, with no throughput test slower beyond the noise (docs/PERFORMANCE.md, "Worker threads").

use std::io;
use std::num::NonZeroUsize;

/// Worker threads by default: one fewer than the CPUs this process may use, at least one, so
/// that a client on the same machine keeps a CPU to itself.
pub fn default_threads() -> NonZeroUsize {
    let cpus = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    NonZeroUsize::new(cpus.saturating_sub(1)).unwrap_or(NonZeroUsize::MIN)
}

/// A multi-threaded runtime with `threads` workers and tokio's I/O and timers, for
/// [`crate::run`].
pub fn build(threads: NonZeroUsize) -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.get())
        .enable_all()
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_leaves_one_cpu_and_keeps_at_least_one_worker() {
        let cpus = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let workers = default_threads().get();
        if cpus == 1 {
            assert_eq!(workers, 1, "one CPU still gets a worker");
        } else {
            assert_eq!(workers + 1, cpus, "{cpus} CPUs: one left to clients");
        }
    }

    #[test]
    fn a_runtime_has_the_workers_it_was_given() {
        let rt = build(NonZeroUsize::new(3).expect("3 > 0")).expect("runtime");
        assert_eq!(rt.metrics().num_workers(), 3);
    }
}
