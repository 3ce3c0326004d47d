//! Shared-memory images (X's MIT-SHM idea): a local client attaches a memfd it sent over the
//! Unix socket, then puts images by naming a place in it instead of sending the pixels.
//!
//! The server reads the segment with `pread`/`preadv`, straight into the target's rows when the
//! pixels are in its own layout ([`PixelFormat::Bgra8`]): one copy, no socket traffic. It does
//! not map the segment (a mapping would need `unsafe` code, and the data would change under the
//! server's feet); the segment must be sealed against shrinking, so its size is known at attach
//! and no read of it comes back short.

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::FileExt;

use dispd_protocol::{ClientId, Drawable, ErrorCode, PixelFormat, Rect};

use super::{Failure, ServerCore};

/// Most segments one client may have attached.
pub const MAX_SEGMENTS_PER_CLIENT: usize = 64;
/// Most descriptors a client may have sent that no `AttachShm` has claimed yet; more are closed.
pub const MAX_UNCLAIMED_FDS: usize = 8;
/// Most rows read by one `preadv` (the kernel's `IOV_MAX` is 1024).
const ROWS_PER_READ: usize = 1024;

/// An attached segment.
#[derive(Debug)]
pub struct ShmSegment {
    /// The client that attached it.
    pub owner: ClientId,
    file: File,
    /// Its size in bytes (it cannot shrink: it is sealed).
    size: u64,
}

impl ServerCore {
    /// Keeps descriptors that came with a client's requests, for its `AttachShm`s in order.
    pub fn receive_fds(&mut self, client: ClientId, fds: Vec<OwnedFd>) {
        if !self.clients.contains_key(&client) || fds.is_empty() {
            return;
        }
        let unclaimed = self.unclaimed_fds.entry(client).or_default();
        for fd in fds {
            if unclaimed.len() < MAX_UNCLAIMED_FDS {
                unclaimed.push_back(fd);
            } else {
                tracing::debug!(client = %client, "closing a descriptor no AttachShm asked for");
            }
        }
    }

    pub(super) fn attach_shm(&mut self, client: ClientId, segment: u32) -> Result<(), Failure> {
        // The descriptor is claimed first, so a refused attach does not shift the next one's.
        let fd = self
            .unclaimed_fds
            .get_mut(&client)
            .and_then(VecDeque::pop_front)
            .ok_or_else(|| {
                (
                    ErrorCode::BadValue,
                    "no file descriptor came for AttachShm: shared memory needs the Unix socket".to_string(),
                )
            })?;
        if !self.clients[&client].ids.contains(segment) {
            return Err((
                ErrorCode::BadId,
                format!("id {segment:#x} is outside this client's id range"),
            ));
        }
        if self.segments.contains_key(&segment) {
            return Err((
                ErrorCode::BadId,
                format!("segment {segment:#x} is already attached"),
            ));
        }
        if self.segments.values().filter(|s| s.owner == client).count() >= MAX_SEGMENTS_PER_CLIENT {
            return Err((
                ErrorCode::Limit,
                format!("a client may attach at most {MAX_SEGMENTS_PER_CLIENT} segments"),
            ));
        }
        // Only a memfd has seals: a pipe, a socket, a device or a file on a slow file system
        // could block the server's reads or never end them. Sealed against shrinking, its size
        // is known once and for all, and no read of it can come back short.
        let Ok(seals) = rustix::fs::fcntl_get_seals(&fd) else {
            return Err((
                ErrorCode::BadValue,
                "the descriptor sent with AttachShm is not a memfd".into(),
            ));
        };
        if !seals.contains(rustix::fs::SealFlags::SHRINK) {
            return Err((
                ErrorCode::BadValue,
                "the memfd sent with AttachShm must be sealed against shrinking (F_SEAL_SHRINK)".into(),
            ));
        }
        let size = rustix::fs::fstat(&fd).map_or(0, |st| st.st_size.max(0) as u64);
        self.segments.insert(
            segment,
            ShmSegment {
                owner: client,
                file: File::from(fd),
                size,
            },
        );
        Ok(())
    }

    pub(super) fn detach_shm(&mut self, client: ClientId, segment: u32) -> Result<(), Failure> {
        match self.segments.get(&segment) {
            Some(s) if s.owner == client => {
                self.segments.remove(&segment);
                Ok(())
            }
            _ => Err(no_segment(segment)),
        }
    }

    /// Forgets the segments and descriptors of a client that is going away.
    pub(super) fn detach_segments_of(&mut self, client: ClientId) {
        self.segments.retain(|_, s| s.owner != client);
        self.unclaimed_fds.remove(&client);
    }

    /// Puts `rect.width * rect.height` pixels from `segment` at `offset` into `target`.
    pub(super) fn put_shm_image(
        &mut self,
        client: ClientId,
        target: Drawable,
        rect: Rect,
        format: PixelFormat,
        segment: u32,
        offset: u64,
    ) -> Result<(), Failure> {
        let t = self.own_target(client, target)?;
        let bytes = self.image_bytes(rect, format)?;
        let (file, size) = match self.segments.get(&segment) {
            Some(s) if s.owner == client => (&s.file, s.size),
            _ => return Err(no_segment(segment)),
        };
        if offset.checked_add(bytes as u64).is_none_or(|end| end > size) {
            return Err((
                ErrorCode::BadValue,
                format!("{bytes} bytes from offset {offset} do not fit in the {size}-byte segment"),
            ));
        }
        let Some(fb) = super::drawables::target_fb_in(&mut self.scene, &mut self.images, t) else {
            return Ok(());
        };
        let Some(area) = rect.intersect(&fb.bounds()) else {
            return Ok(());
        };
        let whole_rows = area.x == rect.x && area.width == rect.width;
        let read = if format == PixelFormat::Bgra8 && whole_rows && fb.is_opaque() {
            // The server's own layout, whole rows: read straight into the window's rows.
            let stride = rect.width as usize * 4;
            let first = offset + (area.y - rect.y) as u64 * stride as u64;
            let result = read_rows(file, fb, area, first);
            fb.make_opaque(area);
            result
        } else {
            let mut data = vec![0u8; bytes];
            let result = file.read_exact_at(&mut data, offset);
            if result.is_ok() {
                fb.put_pixels(rect, format, &data);
            }
            result
        };
        if let Err(e) = read {
            return Err((ErrorCode::BadValue, format!("the segment could not be read: {e}")));
        }
        self.target_changed(t, area);
        Ok(())
    }
}

/// Reads the rows of `area` (whole rows of the image) from `file`, the first at `offset`.
fn read_rows(file: &File, fb: &mut crate::raster::Framebuffer, area: Rect, offset: u64) -> io::Result<()> {
    let width = fb.width() as usize;
    let (x0, x1) = (area.x as usize, area.x as usize + area.width as usize);
    let rows = fb
        .pixels_mut()
        .chunks_exact_mut(width)
        .skip(area.y as usize)
        .take(area.height as usize)
        .map(|row| bytemuck::cast_slice_mut::<u32, u8>(&mut row[x0..x1]));
    let mut offset = offset;
    let mut batch: Vec<io::IoSliceMut<'_>> = Vec::with_capacity(ROWS_PER_READ.min(area.height as usize));
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        batch.clear();
        batch.extend(rows.by_ref().take(ROWS_PER_READ).map(io::IoSliceMut::new));
        let want: usize = batch.iter().map(|b| b.len()).sum();
        let mut done = 0;
        let mut slices = &mut batch[..];
        while done < want {
            let n = rustix::io::preadv(file, slices, offset + done as u64)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
            io::IoSliceMut::advance_slices(&mut slices, n);
        }
        offset += want as u64;
    }
    Ok(())
}

fn no_segment(segment: u32) -> Failure {
    (
        ErrorCode::BadValue,
        format!("no segment {segment:#x} is attached by this client"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Peer;
    use crate::backend::headless::Headless;
    use crate::config::Config;
    use dispd_protocol::{Request, Size};
    use rustix::fs::{MemfdFlags, SealFlags};

    fn sealed_memfd() -> OwnedFd {
        let fd = rustix::fs::memfd_create(NAME, MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING).unwrap();
        rustix::fs::ftruncate(&fd, 4096).unwrap();
        rustix::fs::fcntl_add_seals(&fd, SealFlags::SHRINK).unwrap();
        fd
    }

    /// The memfds' name, which no other test uses.
    const NAME: &str = "dispd-shm-disconnect-test";

    /// Whether descriptor number `fd` is still one of these memfds (a number closed and reused
    /// by another test's file would name something else).
    fn open(fd: i32) -> bool {
        std::fs::read_link(format!("/proc/self/fd/{fd}"))
            .is_ok_and(|target| target.to_string_lossy().contains(NAME))
    }

    #[test]
    fn a_disconnect_closes_the_client_s_segments_and_spare_descriptors() {
        use std::os::fd::AsRawFd;
        let mut core = ServerCore::new(Config::default(), Box::new(Headless::new(Size::new(64, 64))));
        let peer = Peer::Unix { uid: None, pid: None };
        let (client, ids) = core.connect(peer, true).unwrap();
        let (attached, spare) = (sealed_memfd(), sealed_memfd());
        let (attached_no, spare_no) = (attached.as_raw_fd(), spare.as_raw_fd());
        core.receive_fds(client, vec![attached, spare]);
        core.handle_request(
            client,
            1,
            Request::AttachShm {
                segment: ids.base + 1,
            },
        );
        assert_eq!(core.segments.len(), 1);
        assert_eq!(core.unclaimed_fds[&client].len(), 1);
        assert!(open(attached_no) && open(spare_no));
        core.disconnect(client);
        assert!(core.segments.is_empty() && core.unclaimed_fds.is_empty());
        assert!(!open(attached_no) && !open(spare_no), "descriptors left open");
    }
}
