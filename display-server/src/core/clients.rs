//! Connecting and disconnecting clients, and their slices of the id space.

use dispd_protocol::{ClientId, IdRange, WindowId};
use rustc_hash::FxHashSet;

use super::ServerCore;
use crate::auth::Peer;

/// Each client's id range holds 2^21 ids; slot 0 is never used, so id 0 never names anything.
const SLOT_BITS: u32 = 21;
/// Slots available (2047), which caps the number of clients connected at once.
pub const MAX_SLOTS: usize = (1 << (32 - SLOT_BITS)) - 1;

/// What the core knows about a connected client.
#[derive(Clone, Debug)]
pub struct ClientInfo {
    /// The client's number.
    pub id: ClientId,
    /// Where it connected from.
    pub peer: Peer,
    /// Whether it may use the admin view (whole screen, every window, input injection).
    pub trusted: bool,
    /// Pixels held by its windows and images.
    pub pixels: u64,
    /// Requests it has sent.
    pub requests: u64,
    /// The ids it may allocate.
    pub ids: IdRange,
    /// Its windows (a hash set: a window in and out is cheaper than in a tree, and nothing
    /// needs them in order).
    pub windows: FxHashSet<WindowId>,
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
    /// Charges `add` pixels to a client (after refunding `refund`), within its budget.
    pub(super) fn charge_pixels(
        &mut self,
        client: ClientId,
        add: u64,
        refund: u64,
    ) -> Result<(), super::Failure> {
        let max = self.config.max_pixels_per_client;
        let Some(c) = self.clients.get_mut(&client) else {
            return Ok(());
        };
        let next = c.pixels.saturating_sub(refund).saturating_add(add);
        if next > max {
            return Err((
                dispd_protocol::ErrorCode::Limit,
                format!(
                    "a client's windows, images and shared-memory segments (4 bytes a pixel) may hold at most {max} pixels; this needs {next}"
                ),
            ));
        }
        c.pixels = next;
        Ok(())
    }

    /// Gives back pixels a client no longer holds.
    pub(super) fn refund_pixels(&mut self, client: ClientId, pixels: u64) {
        if let Some(c) = self.clients.get_mut(&client) {
            c.pixels = c.pixels.saturating_sub(pixels);
        }
    }

    /// Whether a client may use the admin view.
    pub(super) fn trusted(&self, client: ClientId) -> bool {
        self.clients.get(&client).is_some_and(|c| c.trusted)
    }

    /// Registers a new client, or says why not (the server is full).
    pub fn connect(&mut self, peer: Peer, trusted: bool) -> Result<(ClientId, IdRange), String> {
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
                trusted,
                pixels: 0,
                requests: 0,
                ids,
                windows: FxHashSet::default(),
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
        self.detach_segments_of(client);
        self.frame_requests.retain(|(c, _)| *c != client);
        self.slots.free.push(info.slot);
        self.output.retain(|(to, _)| *to != client);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::headless::Headless;
    use crate::config::Config;
    use dispd_protocol::{Color, Rect, Request, Size};

    #[test]
    fn a_disconnect_destroys_every_window_of_the_client_and_no_other() {
        let mut core = ServerCore::new(Config::default(), Box::new(Headless::new(Size::new(64, 64))));
        let peer = || Peer::Unix { uid: None, pid: None };
        let (leaving, ids) = core.connect(peer(), true).unwrap();
        let (staying, other_ids) = core.connect(peer(), true).unwrap();
        let create = |core: &mut ServerCore, client, id| {
            let request = Request::CreateWindow {
                window: WindowId(id),
                rect: Rect::new(0, 0, 8, 8),
                background: Color::WHITE,
            };
            core.handle_request(client, 1, request);
        };
        let mine: Vec<u32> = (1..=6).map(|i| ids.base + i).collect();
        for &id in &mine {
            create(&mut core, leaving, id);
        }
        create(&mut core, staying, other_ids.base + 1);
        core.handle_request(
            leaving,
            2,
            Request::DestroyWindow {
                window: WindowId(mine[2]),
            },
        );
        assert_eq!(core.clients[&leaving].windows.len(), 5);
        core.disconnect(leaving);
        assert!(mine.iter().all(|&id| core.scene.get(WindowId(id)).is_none()));
        assert!(core.scene.get(WindowId(other_ids.base + 1)).is_some());
        assert_eq!(core.clients[&staying].windows.len(), 1);
    }
}
