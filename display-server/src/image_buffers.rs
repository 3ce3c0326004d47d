//! Buffers for the pixels of large `PutImage` requests, used again and again.
//!
//! A session reads a large image's pixels from the socket straight into a buffer of their own,
//! and the core drops the request once the pixels are drawn. A new buffer for each image costs a
//! `memset` of all of it (`calloc` zeroes memory from the heap; the socket read needs initialized
//! memory) or, above glibc's mmap threshold, a page fault per 4 KiB: 10% of a 500x500 put. So
//! the core gives buffers back here and sessions take them again.
//!
//! A buffer taken is always filled whole from the socket before the core sees it, so what the
//! last image left in it never reaches anyone. At most 4 buffers and 16 MiB are kept, and all are
//! freed when any client leaves.

use std::sync::Mutex;

/// Buffers smaller than this are not kept: the allocator serves them well enough.
const MIN_KEPT_BYTES: usize = 64 * 1024;
/// At most this many buffers are kept.
const MAX_KEPT: usize = 4;
/// At most this many bytes of buffers are kept, and none larger.
const MAX_KEPT_BYTES: usize = 16 << 20;

/// Buffers kept for reuse.
#[derive(Debug)]
pub(crate) struct ImageBuffers {
    kept: Mutex<Vec<Vec<u8>>>,
}

/// The buffers of every server in the process (one, but for tests), shared by their sessions
/// and cores.
pub(crate) static IMAGE_BUFFERS: ImageBuffers = ImageBuffers::new();

impl ImageBuffers {
    /// None kept yet.
    pub(crate) const fn new() -> Self {
        ImageBuffers {
            kept: Mutex::new(Vec::new()),
        }
    }

    /// A buffer of `len` initialized bytes, whose contents are left over from an earlier image
    /// (or zero): the caller overwrites all of it.
    pub(crate) fn take(&self, len: usize) -> Vec<u8> {
        let reused = self.kept.lock().ok().and_then(|mut kept| {
            let i = kept.iter().position(|b| b.capacity() >= len)?;
            Some(kept.swap_remove(i))
        });
        match reused {
            Some(mut buf) => {
                // Within the capacity: no allocation; only bytes past the old length are zeroed.
                buf.resize(len, 0);
                buf
            }
            None => vec![0; len],
        }
    }

    /// Frees every buffer kept.
    pub(crate) fn clear(&self) {
        // Taken out under the lock, freed after it.
        let kept = self.kept.lock().map(|mut kept| std::mem::take(&mut *kept));
        drop(kept);
    }

    /// Keeps `buf` for a later [`ImageBuffers::take`], if it is worth keeping and there is room.
    pub(crate) fn give_back(&self, buf: Vec<u8>) {
        if buf.capacity() < MIN_KEPT_BYTES || buf.capacity() > MAX_KEPT_BYTES {
            return;
        }
        if let Ok(mut kept) = self.kept.lock() {
            let bytes: usize = kept.iter().map(Vec::capacity).sum();
            if kept.len() < MAX_KEPT && bytes + buf.capacity() <= MAX_KEPT_BYTES {
                kept.push(buf);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_with_the_asked_length_and_only_a_few_are_kept() {
        let buffers = ImageBuffers::new();
        let take = |len| buffers.take(len);
        let give_back = |buf| buffers.give_back(buf);
        let a = take(100_000);
        assert_eq!(a.len(), 100_000);
        let ptr = a.as_ptr();
        give_back(a);
        // Smaller: the same memory, cut to length.
        let b = take(70_000);
        assert_eq!((b.len(), b.as_ptr()), (70_000, ptr));
        give_back(b);
        // Larger than any kept: a new buffer, zeroed.
        let c = take(200_000);
        assert!(c.iter().all(|&x| x == 0));
        give_back(c);
        // Too small or too large to keep; then no more than MAX_KEPT.
        give_back(vec![0; 1000]);
        give_back(vec![0; MAX_KEPT_BYTES + 1]);
        for _ in 0..MAX_KEPT + 2 {
            give_back(vec![1; MIN_KEPT_BYTES]);
        }
        {
            let kept = buffers.kept.lock().expect("lock");
            assert_eq!(kept.len(), MAX_KEPT);
            assert!(kept
                .iter()
                .all(|b| (MIN_KEPT_BYTES..=MAX_KEPT_BYTES).contains(&b.capacity())));
        }
        buffers.clear();
        assert!(buffers.kept.lock().expect("lock").is_empty());
    }
}
