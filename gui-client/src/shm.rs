//! Shared-memory images (X's MIT-SHM idea) for clients on the server's machine: pixels written
//! into a memfd that the server reads itself, instead of sent through the socket.

use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::FileExt;

use dispd_protocol::{Drawable, PixelFormat, Rect, Request};

use crate::connect::Socket;
use crate::display::Display;
use crate::error::ClientError;

/// A shared-memory segment attached to the display: a memfd of a fixed size. Write pixels into
/// it with [`ShmSegment::write_at`], then put them with [`Display::put_shm_image`]; the pixels
/// may be changed again once a later round trip ([`Display::sync`]) has come back.
#[derive(Debug)]
pub struct ShmSegment {
    id: u32,
    file: File,
    size: u64,
}

impl ShmSegment {
    /// The segment's id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Writes `bytes` at `offset` (they must fit in the segment).
    pub fn write_at(&self, offset: u64, bytes: &[u8]) -> io::Result<()> {
        if offset
            .checked_add(bytes.len() as u64)
            .is_none_or(|end| end > self.size)
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} bytes at {offset} do not fit in a {}-byte segment",
                    bytes.len(),
                    self.size
                ),
            ));
        }
        self.file.write_all_at(bytes, offset)
    }
}

impl Display {
    /// Whether [`Display::create_shm`] can work: the connection is over the Unix socket.
    pub fn can_share_memory(&self) -> bool {
        matches!(self.socket, Socket::Unix(_))
    }

    /// Creates a segment of `size` bytes (zeroed) and attaches it to the display. Needs a
    /// connection over the Unix socket: a display reached over TCP cannot share memory.
    pub fn create_shm(&mut self, size: u64) -> Result<ShmSegment, ClientError> {
        use rustix::fs::{MemfdFlags, SealFlags};
        if !self.can_share_memory() {
            return Err(ClientError::NoSharedMemory);
        }
        let fd = rustix::fs::memfd_create("dispd-shm", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)
            .map_err(io::Error::from)?;
        rustix::fs::ftruncate(&fd, size).map_err(io::Error::from)?;
        // The size is fixed from now on: the server's reads can count on it.
        rustix::fs::fcntl_add_seals(&fd, SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL)
            .map_err(io::Error::from)?;
        let id = self.ids.allocate().ok_or(ClientError::OutOfIds)?;
        // Everything queued goes first, then the request with the descriptor attached to its
        // first byte: the server pairs them in that order.
        self.flush()?;
        let mut frame = Vec::new();
        dispd_protocol::encode_frame(&Request::AttachShm { segment: id }, &mut frame);
        self.seq = self.seq.wrapping_add(1);
        let sent = match &mut self.socket {
            Socket::Unix(stream) => {
                send_with_fd(stream, &frame, fd.as_fd()).and_then(|n| stream.write_all(&frame[n..]))
            }
            Socket::Tcp(_) => return Err(ClientError::NoSharedMemory),
        };
        sent.map_err(|e| self.io_error(e))?;
        self.count_sent(frame.len());
        Ok(ShmSegment {
            id,
            file: File::from(fd),
            size,
        })
    }

    /// Puts `rect.width * rect.height` pixels in `format`, found at `offset` in `segment`, into
    /// `target` at `rect` (like [`Display::put_image_as`], without sending the pixels).
    pub fn put_shm_image(
        &mut self,
        target: impl Into<Drawable>,
        rect: Rect,
        format: PixelFormat,
        segment: &ShmSegment,
        offset: u64,
    ) {
        self.send(&Request::PutShmImage {
            target: target.into(),
            rect,
            format,
            segment: segment.id,
            offset,
        });
    }

    /// Puts the part `rect.width` x `rect.height` of a bigger image in `segment` into `target`
    /// at `rect`: rows of pixels in `format`, the first at `offset`, each `stride` bytes after
    /// the last (X's `XShmPutImage` from a part of its image). A client that keeps a whole
    /// window's pixels in a segment puts just the part that changed: for the part at `(x, y)`
    /// of an image `w` pixels wide, `offset` is `(y * w + x) * bytes_per_pixel` and `stride`
    /// is `w * bytes_per_pixel`.
    pub fn put_shm_sub_image(
        &mut self,
        target: impl Into<Drawable>,
        rect: Rect,
        format: PixelFormat,
        segment: &ShmSegment,
        offset: u64,
        stride: u32,
    ) {
        self.send(&Request::PutShmSubImage {
            target: target.into(),
            rect,
            format,
            segment: segment.id,
            offset,
            stride,
        });
    }

    /// Detaches a segment; the server closes its descriptor.
    pub fn detach_shm(&mut self, segment: ShmSegment) {
        self.send(&Request::DetachShm { segment: segment.id });
        self.ids.free(segment.id);
    }
}

/// Sends `bytes` (some of them, at least the first) with `fd` attached; returns how many went.
fn send_with_fd(
    stream: &std::os::unix::net::UnixStream,
    bytes: &[u8],
    fd: std::os::fd::BorrowedFd<'_>,
) -> io::Result<usize> {
    use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
    let mut space = [std::mem::MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    let fds = [fd];
    control.push(SendAncillaryMessage::ScmRights(&fds));
    loop {
        match rustix::net::sendmsg(
            stream,
            &[io::IoSlice::new(bytes)],
            &mut control,
            SendFlags::empty(),
        ) {
            // Nothing was sent (a signal came first): the descriptor goes with the retry.
            Err(rustix::io::Errno::INTR) => continue,
            r => return Ok(r?),
        }
    }
}
