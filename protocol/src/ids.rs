//! Typed resource ids.
//!
//! As in X11, clients name their own resources: at the handshake the server hands each client
//! a range of ids ([`IdRange`]) and the client allocates from it ([`IdAllocator`]) without a
//! round trip, so creating a window never waits for the server.

use serde::{Deserialize, Serialize};

/// A window, named by the client that owns it. Printed in hex, as `displs` shows ids.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WindowId(pub u32);

/// A connected client, numbered by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientId(pub u32);

impl std::fmt::Debug for WindowId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WindowId({:#x})", self.0)
    }
}

impl std::fmt::Display for WindowId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl std::fmt::Display for ClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The ids a client may allocate: `base .. base + count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRange {
    /// The first id of the range; never 0 (0 means "no resource").
    pub base: u32,
    /// How many ids the range holds.
    pub count: u32,
}

impl IdRange {
    /// Whether `id` lies in this range.
    pub fn contains(&self, id: u32) -> bool {
        id >= self.base && id - self.base < self.count
    }
}

/// Hands out ids from an [`IdRange`], reusing freed ones.
#[derive(Clone, Debug)]
pub struct IdAllocator {
    range: IdRange,
    next: u32,
    freed: Vec<u32>,
}

impl IdAllocator {
    /// An allocator over `range`.
    pub fn new(range: IdRange) -> Self {
        Self {
            range,
            next: 0,
            freed: Vec::new(),
        }
    }

    /// The next free id, or `None` when the range is used up.
    pub fn allocate(&mut self) -> Option<u32> {
        if let Some(id) = self.freed.pop() {
            return Some(id);
        }
        if self.next >= self.range.count {
            return None;
        }
        let id = self.range.base + self.next;
        self.next += 1;
        Some(id)
    }

    /// Gives `id` back for reuse. Call it only once the server has been told to destroy it.
    pub fn free(&mut self, id: u32) {
        if self.range.contains(id) && id - self.range.base < self.next && !self.freed.contains(&id) {
            self.freed.push(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocates_within_range_then_runs_out() {
        let mut a = IdAllocator::new(IdRange {
            base: 0x10000,
            count: 2,
        });
        assert_eq!(a.allocate(), Some(0x10000));
        assert_eq!(a.allocate(), Some(0x10001));
        assert_eq!(a.allocate(), None);
        a.free(0x10000);
        assert_eq!(a.allocate(), Some(0x10000));
        a.free(0x5); // not ours: ignored
        assert_eq!(a.allocate(), None);
    }
}
