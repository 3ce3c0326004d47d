//! Listening on a Unix socket and on TCP.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use tokio::io::{AsyncRead, AsyncWrite, Interest};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use dispd_protocol::UNIX_SEND_BUFFER;

use crate::auth::Peer;
use crate::server::ServerError;

/// A bound socket that accepts clients.
#[derive(Debug)]
pub enum Listener {
    /// A TCP socket.
    Tcp(TcpListener),
    /// A Unix socket; the file is removed when the listener is dropped.
    Unix(UnixListener, UnixSocketFile),
}

/// The path of a bound Unix socket, removed on drop.
#[derive(Debug)]
pub struct UnixSocketFile(PathBuf);

impl Drop for UnixSocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// An accepted connection, before it is split into halves.
#[derive(Debug)]
pub enum Stream {
    /// Over TCP.
    Tcp(TcpStream),
    /// Over a Unix socket.
    Unix(UnixStream),
}

/// The reading half of a connection.
#[derive(Debug)]
pub enum ReadHalf {
    /// Over TCP.
    Tcp(tokio::net::tcp::OwnedReadHalf),
    /// Over a Unix socket, which can also carry file descriptors.
    Unix(tokio::net::unix::OwnedReadHalf),
}

/// Most file descriptors taken in by one read; the kernel closes any more that came along.
const MAX_FDS_PER_READ: usize = 4;

impl ReadHalf {
    /// Reads into `buf` like [`tokio::io::AsyncReadExt::read`]; on a Unix socket, file
    /// descriptors sent along with the bytes (`SCM_RIGHTS`) are appended to `fds`, at most
    /// four per read.
    pub async fn read_with_fds(&mut self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<usize> {
        let ReadHalf::Unix(half) = self else {
            return tokio::io::AsyncReadExt::read(self, buf).await;
        };
        let stream: &UnixStream = half.as_ref();
        loop {
            stream.readable().await?;
            let mut drained = None;
            let result = stream.try_io(Interest::READABLE, || {
                let before = fds.len();
                let (n, cut_short) = receive(stream.as_fd(), buf, fds)?;
                if n > 0 && n < buf.len() && fds.len() == before && !cut_short {
                    // A short read that brought no descriptors (and lost none) emptied the
                    // socket: the kernel stops a read early only right after bytes that carried
                    // descriptors. Answering `WouldBlock` makes tokio forget the readiness now,
                    // which saves the next read's fruitless `recvmsg`, as tokio's own `read`
                    // does. (Out-of-band data also stops a read early: a client that sends it
                    // only delays itself.)
                    drained = Some(n);
                    return Err(io::ErrorKind::WouldBlock.into());
                }
                Ok(n)
            });
            if let Some(n) = drained {
                return Ok(n);
            }
            match result {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                result => return result,
            }
        }
    }
}

/// Asks for a [`UNIX_SEND_BUFFER`] send buffer on `socket`, for big replies; if refused, it
/// keeps the default.
fn widen_send_buffer(socket: impl AsFd) {
    let _ = rustix::net::sockopt::set_socket_send_buffer_size(socket, UNIX_SEND_BUFFER);
}

/// One `recvmsg`: bytes into `buf`, descriptors onto `fds` (close-on-exec). Also whether
/// descriptors were lost on the way (`MSG_CTRUNC`: too many, or the process is out of them).
fn receive(socket: BorrowedFd<'_>, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<(usize, bool)> {
    use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags};
    let mut space = [std::mem::MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(MAX_FDS_PER_READ))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let got = rustix::net::recvmsg(
        socket,
        &mut [io::IoSliceMut::new(buf)],
        &mut control,
        RecvFlags::CMSG_CLOEXEC,
    )?;
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = message {
            fds.extend(received);
        }
    }
    Ok((got.bytes, got.flags.contains(ReturnFlags::CTRUNC)))
}

impl AsyncRead for ReadHalf {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        match self.get_mut() {
            ReadHalf::Tcp(r) => std::pin::Pin::new(r).poll_read(cx, buf),
            ReadHalf::Unix(r) => std::pin::Pin::new(r).poll_read(cx, buf),
        }
    }
}
/// The writing half of a connection.
#[derive(Debug)]
pub enum WriteHalf {
    /// Over TCP.
    Tcp(tokio::net::tcp::OwnedWriteHalf),
    /// Over a Unix socket.
    Unix(tokio::net::unix::OwnedWriteHalf),
}

impl WriteHalf {
    /// The connection's socket (shared with the reading half), to poll.
    pub fn fd(&self) -> BorrowedFd<'_> {
        match self {
            WriteHalf::Tcp(h) => h.as_ref().as_fd(),
            WriteHalf::Unix(h) => h.as_ref().as_fd(),
        }
    }
}

impl AsyncWrite for WriteHalf {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        match self.get_mut() {
            WriteHalf::Tcp(w) => std::pin::Pin::new(w).poll_write(cx, buf),
            WriteHalf::Unix(w) => std::pin::Pin::new(w).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> std::task::Poll<io::Result<usize>> {
        match self.get_mut() {
            WriteHalf::Tcp(w) => std::pin::Pin::new(w).poll_write_vectored(cx, bufs),
            WriteHalf::Unix(w) => std::pin::Pin::new(w).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            WriteHalf::Tcp(w) => w.is_write_vectored(),
            WriteHalf::Unix(w) => w.is_write_vectored(),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        match self.get_mut() {
            WriteHalf::Tcp(w) => std::pin::Pin::new(w).poll_flush(cx),
            WriteHalf::Unix(w) => std::pin::Pin::new(w).poll_flush(cx),
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        match self.get_mut() {
            WriteHalf::Tcp(w) => std::pin::Pin::new(w).poll_shutdown(cx),
            WriteHalf::Unix(w) => std::pin::Pin::new(w).poll_shutdown(cx),
        }
    }
}

impl Stream {
    /// Splits into halves that can be used from two futures at once.
    pub fn into_split(self) -> (ReadHalf, WriteHalf) {
        match self {
            Stream::Tcp(s) => {
                let _ = s.set_nodelay(true);
                let (r, w) = s.into_split();
                (ReadHalf::Tcp(r), WriteHalf::Tcp(w))
            }
            Stream::Unix(s) => {
                let (r, w) = s.into_split();
                (ReadHalf::Unix(r), WriteHalf::Unix(w))
            }
        }
    }
}

impl Listener {
    /// Listens on TCP at `addr` (port 0 picks a free port).
    pub async fn bind_tcp(addr: SocketAddr) -> Result<Self, ServerError> {
        TcpListener::bind(addr)
            .await
            .map(Listener::Tcp)
            .map_err(|source| ServerError::Bind {
                what: format!("TCP {addr}"),
                hint: if source.kind() == io::ErrorKind::AddrInUse {
                    "another server uses that port: pick another display number, or --listen unix".into()
                } else {
                    String::new()
                },
                source,
            })
    }

    /// Listens on the Unix socket of `display` under `dir`, creating `dir` if needed.
    ///
    /// A socket left behind by a dead server is replaced; one that a live server answers on is
    /// refused.
    pub fn bind_unix(dir: &Path, display: u16) -> Result<Self, ServerError> {
        let path = dispd_protocol::display::socket_path(dir, display);
        let bind_err = |source: io::Error, hint: String| ServerError::Bind {
            what: format!("Unix socket {}", path.display()),
            hint,
            source,
        };
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(|e| {
                bind_err(
                    e,
                    "set --socket-dir or DISPD_SOCKET_DIR to a writable directory".into(),
                )
            })?;
            if dir == Path::new(dispd_protocol::DEFAULT_SOCKET_DIR) {
                // Shared by all users, like /tmp/.X11-unix: sticky and world-writable.
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o1777));
            }
        }
        if let Ok(meta) = std::fs::symlink_metadata(&path) {
            use std::os::unix::fs::FileTypeExt;
            if !meta.file_type().is_socket() {
                return Err(bind_err(
                    io::Error::from(io::ErrorKind::AlreadyExists),
                    "that path exists and is not a socket: remove it or pick another --socket-dir".into(),
                ));
            }
            if std::os::unix::net::UnixStream::connect(&path).is_ok() {
                return Err(ServerError::DisplayInUse { display, path });
            }
            tracing::info!(path = %path.display(), "replacing a stale socket left by a server that is gone");
            std::fs::remove_file(&path).map_err(|e| bind_err(e, String::new()))?;
        }
        let listener = UnixListener::bind(&path).map_err(|e| bind_err(e, String::new()))?;
        // Anyone may connect, as to X11's sockets: authentication decides who gets in (other
        // users must prove the client secret).
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777));
        }
        Ok(Listener::Unix(listener, UnixSocketFile(path)))
    }

    /// Where it listens, for logs and for tests: `127.0.0.1:7300` or a socket path.
    pub fn address(&self) -> String {
        match self {
            Listener::Tcp(l) => l
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_else(|_| "tcp".into()),
            Listener::Unix(_, file) => file.0.display().to_string(),
        }
    }

    /// The TCP port, for a TCP listener.
    pub fn tcp_port(&self) -> Option<u16> {
        match self {
            Listener::Tcp(l) => l.local_addr().ok().map(|a| a.port()),
            Listener::Unix(..) => None,
        }
    }

    /// Waits for the next client; returns the stream and who is on the other end.
    pub async fn accept(&self) -> io::Result<(Stream, Peer)> {
        match self {
            Listener::Tcp(l) => {
                let (s, addr) = l.accept().await?;
                Ok((Stream::Tcp(s), Peer::Tcp(addr)))
            }
            Listener::Unix(l, _) => {
                let (s, _) = l.accept().await?;
                widen_send_buffer(&s);
                let cred = s.peer_cred().ok();
                let peer = Peer::Unix {
                    uid: cred.map(|c| c.uid()),
                    pid: cred.and_then(|c| c.pid()),
                };
                Ok((Stream::Unix(s), peer))
            }
        }
    }

    /// The user id owning a Unix socket file: the server's own user.
    pub fn socket_owner(&self) -> Option<u32> {
        use std::os::unix::fs::MetadataExt;
        match self {
            Listener::Unix(_, file) => std::fs::metadata(&file.0).ok().map(|m| m.uid()),
            Listener::Tcp(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_connections_get_the_wider_send_buffer() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().expect("a socket pair");
        let before = rustix::net::sockopt::socket_send_buffer_size(&a).expect("SO_SNDBUF");
        widen_send_buffer(&a);
        let after = rustix::net::sockopt::socket_send_buffer_size(&a).expect("SO_SNDBUF");
        // The kernel doubles what it is asked for, up to twice net.core.wmem_max.
        let max = std::fs::read_to_string("/proc/sys/net/core/wmem_max")
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .unwrap_or(UNIX_SEND_BUFFER);
        assert_eq!(after, 2 * UNIX_SEND_BUFFER.min(max), "was {before}");
    }
}
