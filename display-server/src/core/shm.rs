//! Shared-memory images (X's MIT-SHM idea): a local client attaches a memfd it sent over the
//! Unix socket, then puts images by naming a place in it instead of sending the pixels.
//!
//! The server maps the segment read-only at attach, as X maps a SysV segment, and copies each
//! put from the mapping straight into the target's rows when the pixels are in its own layout
//! ([`PixelFormat::Bgra8`]): one `memcpy` per row, no system call, no socket traffic.
//!
//! The client can write the segment while the server reads it. The mapping is reached only
//! through `vm-memory`'s volatile slices, made for memory shared with an untrusted party (a
//! virtual machine's guest), so the workspace keeps its ban on `unsafe` code: a client that
//! writes during a put gets torn pixels in its own window, nothing worse. The memfd must be
//! sealed against shrinking, so that the mapping never reaches past the file's end (a read
//! there would kill the server with `SIGBUS`), and be plain tmpfs. A hole the client punches
//! reads back as zeros, the page allocated again by the server's read: with the kernel's strict
//! overcommit (`vm.overcommit_memory = 2`) on a full machine that allocation could fail and
//! the read be a `SIGBUS`, the one way left for a client to stop the server through a segment.

use std::collections::VecDeque;
use std::fs::File;
use std::os::fd::OwnedFd;

use dispd_protocol::{ClientId, Drawable, ErrorCode, PixelFormat, Rect};
use vm_memory::{FileOffset, MmapRegion, VolatileMemory};

use super::{Failure, ServerCore};

/// Most segments one client may have attached.
pub const MAX_SEGMENTS_PER_CLIENT: usize = 64;
/// Most descriptors a client may have sent that no `AttachShm` has claimed yet; more are closed.
pub const MAX_UNCLAIMED_FDS: usize = 8;
/// `statfs`'s file system type of plain shared memory (tmpfs and memfds): `TMPFS_MAGIC`.
const TMPFS_MAGIC: u64 = 0x0102_1994;

/// An attached segment.
#[derive(Debug)]
pub struct ShmSegment {
    /// The client that attached it.
    pub owner: ClientId,
    /// The whole memfd, mapped read-only and shared (it cannot shrink: it is sealed).
    map: MmapRegion,
}

impl ShmSegment {
    /// Its size in bytes.
    fn size(&self) -> u64 {
        self.map.len() as u64
    }
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
        // Plain shared memory only: a hugetlbfs memfd can lose a page the mapping counted on
        // (a hole punched, then the huge pages used up), and the server's next read of it
        // would be a SIGBUS.
        if rustix::fs::fstatfs(&fd).map_or(true, |fs| fs.f_type as u64 != TMPFS_MAGIC) {
            return Err((
                ErrorCode::BadValue,
                "the memfd sent with AttachShm must be plain shared memory (no MFD_HUGETLB)".into(),
            ));
        }
        let size = rustix::fs::fstat(&fd).map_or(0, |st| st.st_size.max(0) as u64);
        if size == 0 {
            return Err((
                ErrorCode::BadValue,
                "the memfd sent with AttachShm is empty".into(),
            ));
        }
        // Reading a page the client never wrote makes the server allocate it, so a segment
        // counts against the client's pixel budget, as its windows and images do (4 bytes a
        // pixel), while it is attached. (The pages stay in the memfd, and in the server's
        // memory cgroup's charge, for as long as the client keeps the memfd after a detach.)
        self.charge_pixels(client, size.div_ceil(4), 0)?;
        match map_read_only(File::from(fd), size) {
            Ok(map) => {
                self.segments.insert(segment, ShmSegment { owner: client, map });
                Ok(())
            }
            Err(e) => {
                self.refund_pixels(client, size.div_ceil(4));
                Err((
                    ErrorCode::BadValue,
                    format!("the memfd sent with AttachShm could not be mapped: {e}"),
                ))
            }
        }
    }

    pub(super) fn detach_shm(&mut self, client: ClientId, segment: u32) -> Result<(), Failure> {
        match self.segments.get(&segment) {
            Some(s) if s.owner == client => {
                let pixels = s.size().div_ceil(4);
                self.segments.remove(&segment);
                self.refund_pixels(client, pixels);
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

    /// Puts `rect.width * rect.height` pixels into `target` from `segment`, the first at byte
    /// `offset`, each row `stride` bytes after the last (`None`: right after it).
    pub(super) fn put_shm_image(
        &mut self,
        client: ClientId,
        target: Drawable,
        rect: Rect,
        format: PixelFormat,
        (segment, offset, stride): (u32, u64, Option<u32>),
    ) -> Result<(), Failure> {
        let t = self.own_target(client, target)?;
        let bytes = self.image_bytes(rect, format)?;
        let row = rect.width as usize * format.bytes_per_pixel();
        let stride = match stride {
            None => row,
            Some(s) if s as usize >= row => s as usize,
            Some(s) => {
                return Err((
                    ErrorCode::BadValue,
                    format!("a stride of {s} bytes is less than a row's {row}"),
                ))
            }
        };
        let map = match self.segments.get(&segment) {
            Some(s) if s.owner == client => &s.map,
            _ => return Err(no_segment(segment)),
        };
        let size = map.len() as u64;
        // The last row ends `stride * (height - 1) + row` bytes after `offset` (a product of two
        // 32-bit numbers, so it fits 64 bits).
        let span = stride as u64 * u64::from(rect.height - 1) + row as u64;
        if offset.checked_add(span).is_none_or(|end| end > size) {
            let what = if stride == row {
                format!("{bytes} bytes")
            } else {
                format!("{} rows of {row} bytes, {stride} apart,", rect.height)
            };
            return Err((
                ErrorCode::BadValue,
                format!("{what} from offset {offset} do not fit in the {size}-byte segment"),
            ));
        }
        // Inside the mapping, so it fits a usize.
        let offset = offset as usize;
        let Some(fb) = super::drawables::target_fb_in(&mut self.scene, &mut self.images, t) else {
            return Ok(());
        };
        let Some(area) = rect.intersect(&fb.bounds()) else {
            return Ok(());
        };
        if format == PixelFormat::Bgra8 && fb.is_opaque() {
            // The server's own layout, whose alpha a window ignores: each row of the area
            // straight into the window's row (a pass to set alpha after each row's copy was half
            // the time of a 100x100 put, waiting on the copy's stores).
            let first = offset + (area.y - rect.y) as usize * stride + (area.x - rect.x) as usize * 4;
            let (x0, x1) = (area.x as usize, area.x as usize + area.width as usize);
            let width = fb.width() as usize;
            let row_bytes = area.width as usize * 4;
            let span = (area.height as usize - 1) * stride + row_bytes;
            let src = map.get_slice(first, span).map_err(|_| outside(first, span))?;
            let rows = fb.pixels_mut()[area.y as usize * width..].chunks_exact_mut(width);
            for (i, row) in rows.take(area.height as usize).enumerate() {
                let dst: &mut [u8] = bytemuck::cast_slice_mut(&mut row[x0..x1]);
                let from = src
                    .subslice(i * stride, row_bytes)
                    .map_err(|_| outside(first, span))?;
                from.copy_to(dst);
            }
        } else {
            let mut data = vec![0u8; bytes];
            for (i, rows) in data.chunks_exact_mut(row).enumerate() {
                copy_out(map, offset + i * stride, rows)?;
            }
            fb.put_pixels(rect, format, &data);
        }
        self.target_changed(t, area);
        Ok(())
    }
}

/// Maps the first `size` bytes of `file` read-only and shared.
fn map_read_only(file: File, size: u64) -> Result<MmapRegion, vm_memory::mmap::MmapRegionError> {
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    MmapRegion::build(
        Some(FileOffset::new(file, 0)),
        size,
        libc::PROT_READ,
        libc::MAP_SHARED,
    )
}

/// Copies `dst.len()` bytes of the mapping from `start` (checked by the caller to be inside).
fn copy_out(map: &MmapRegion, start: usize, dst: &mut [u8]) -> Result<(), Failure> {
    let copied = map.get_slice(start, dst.len()).map(|slice| slice.copy_to(dst));
    match copied {
        Ok(n) if n == dst.len() => Ok(()),
        _ => Err(outside(start, dst.len())),
    }
}

/// The failure for `len` bytes from `start` that are not all in the segment.
fn outside(start: usize, len: usize) -> Failure {
    (
        ErrorCode::BadValue,
        format!("{len} bytes from offset {start} are not in the segment"),
    )
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
