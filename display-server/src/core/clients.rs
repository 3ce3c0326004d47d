//! Connecting and disconnecting clients, and their slices of the id space.

use std::collections::BTreeSet;

use dispd_protocol::{ClientId, IdRange, WindowId};

use super::ServerCore;

/// Each client's id range holds 2^21 ids; slot 0 is never used, so id 0 never names anything.
const SLOT_BITS: u32 = 21;
/// Slots available (2047), which caps the number of clients connected at once.
pub const MAX_SLOTS: usize = (1 << (32 - SLOT_BITS)) - 1;

/// What the core knows about a connected client.
#[derive(Clone, Debug)]
pub struct ClientInfo {
    /// The client's number.
    pub id: ClientId,
    /// Where it connected from (a socket path or `ip:port`).
    pub peer: String,
    /// The ids it may allocate.
    pub ids: IdRange,
    /// Its windows.
    pub windows: BTreeSet<WindowId>,
    slot: u32,
}

/// Free slots of the id space.
#[derive(Debug)]
pub(super) struct Slots {
    free: Vec<u32>,
}

impl Slots {
    pub(super) fn new(max_clients: usize) -> Self {
        let n = max_clients.clamp(1, MAX_SLOTS) as u32;
        Self {
            free: (1..=n).rev().collect(),
        }
    }
}

impl ServerCore {
    /// Registers a new client, or says why not (the server is full).
    pub fn connect(&mut self, peer: String) -> Result<(ClientId, IdRange), String> {
        let Some(slot) = self.slots.free.pop() else {
            return Err(format!(
                "the server is full ({} clients connected); try again later",
                self.clients.len()
            ));
        };
        let id = ClientId(self.next_client);
        self.next_client = self.next_client.wrapping_add(1).max(1);
        let ids = IdRange {
            base: slot << SLOT_BITS,
            count: 1 << SLOT_BITS,
        };
        self.clients.insert(
            id,
            ClientInfo {
                id,
                peer,
                ids,
                windows: BTreeSet::new(),
                slot,
            },
        );
        Ok((id, ids))
    }

    /// Forgets a client and frees everything it owned. Unknown ids are ignored.
    pub fn disconnect(&mut self, client: ClientId) {
        let Some(info) = self.clients.remove(&client) else {
            return;
        };
        for w in &info.windows {
            self.destroy_window(*w);
        }
        self.free_images_of(client);
        self.frame_requests.retain(|(c, _)| *c != client);
        self.slots.free.push(info.slot);
        self.output.retain(|(to, _)| *to != client);
    }
}
