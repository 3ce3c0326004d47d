//! From a display name to a connected, handshaken socket.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dispd_protocol::auth::{self, Secret};
use dispd_protocol::display::{self, ConnectAddress};
use dispd_protocol::handshake::{ClientHello, ServerAnswer, Setup};
use dispd_protocol::UNIX_SEND_BUFFER;

use crate::error::ClientError;

/// How to reach a display and prove who we are.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    /// The display name (`:0`, `host:0` ...); `None` reads `DISPD_DISPLAY`, then `DISPLAY`.
    pub display: Option<String>,
    /// Where Unix sockets live; `None` reads `DISPD_SOCKET_DIR`, then uses `/tmp/.dispd-unix`.
    pub socket_dir: Option<PathBuf>,
    /// Which secret to prove.
    pub auth: Auth,
    /// How long to poll for a reply before sleeping (see [`crate::Display::set_reply_spin`]);
    /// `None` reads `DISPD_REPLY_SPIN_US` (microseconds, 0 to 1000), else 50 µs.
    pub reply_spin: Option<Duration>,
}

/// Where the display's secret comes from.
#[derive(Clone, Debug, Default)]
pub enum Auth {
    /// `DISPD_AUTH` (64 hex digits, as `dispd auth :N` prints it), else the display's secret
    /// file (`$DISPD_AUTH_DIR` or `~/.dispd`, `display-N.secret`), else none: enough for local
    /// clients of the server's user.
    #[default]
    FromEnvironment,
    /// Prove no secret.
    None,
    /// Prove this secret.
    Secret(Secret),
}

/// The secret to prove for display `display`, if any.
fn find_secret(auth: &Auth, display: u16) -> Result<Option<Secret>, ClientError> {
    match auth {
        Auth::None => Ok(None),
        Auth::Secret(s) => Ok(Some(s.clone())),
        Auth::FromEnvironment => {
            if let Ok(hex) = std::env::var("DISPD_AUTH") {
                if !hex.trim().is_empty() {
                    return Secret::from_hex(&hex)
                        .map(Some)
                        .map_err(|e| ClientError::Auth(format!("DISPD_AUTH: {e}")));
                }
            }
            let Some(dir) = auth::auth_dir_from_env(|k| std::env::var(k).ok()) else {
                return Ok(None);
            };
            match std::fs::read_to_string(auth::secret_path(&dir, display)) {
                Ok(hex) => Ok(Secret::from_hex(&hex).ok()),
                Err(_) => Ok(None),
            }
        }
    }
}

/// The hello for `secret`: an HMAC proof over a fresh nonce and the current time.
fn hello(secret: Option<&Secret>) -> Result<ClientHello, ClientError> {
    let Some(secret) = secret else {
        return Ok(ClientHello::new("", b""));
    };
    let mut nonce = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut nonce))
        .map_err(|e| ClientError::Auth(format!("no randomness for the auth nonce: {e}")))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Ok(ClientHello::new(auth::AUTH_HMAC, &secret.respond(nonce, now)))
}

/// A connected socket.
#[derive(Debug)]
pub(crate) enum Socket {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Socket {
    pub(crate) fn set_read_timeout(&self, t: Option<Duration>) -> std::io::Result<()> {
        match self {
            Socket::Unix(s) => s.set_read_timeout(t),
            Socket::Tcp(s) => s.set_read_timeout(t),
        }
    }

    pub(crate) fn set_nonblocking(&self, on: bool) -> std::io::Result<()> {
        match self {
            Socket::Unix(s) => s.set_nonblocking(on),
            Socket::Tcp(s) => s.set_nonblocking(on),
        }
    }
}

impl std::os::fd::AsFd for Socket {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        match self {
            Socket::Unix(s) => s.as_fd(),
            Socket::Tcp(s) => s.as_fd(),
        }
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Socket::Unix(s) => s.read(buf),
            Socket::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Socket::Unix(s) => s.write(buf),
            Socket::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Connects to the first address of the display that answers, and completes the handshake.
/// Returns the socket, the setup, and any bytes the server sent after its answer.
pub(crate) fn connect(opts: &ConnectOptions) -> Result<(Socket, Setup, Vec<u8>), ClientError> {
    let env = |k: &str| std::env::var(k).ok();
    let name = match &opts.display {
        Some(d) => d.clone(),
        None => display::display_from_env(env)?,
    };
    let parsed = display::parse_display(&name)?;
    let dir = opts
        .socket_dir
        .clone()
        .unwrap_or_else(|| display::socket_dir_from_env(env));
    let secret = find_secret(&opts.auth, parsed.display)?;
    let hello = hello(secret.as_ref())?;
    let mut tried = Vec::new();
    for address in parsed.connect_addresses(&dir) {
        let attempt = || match &address {
            ConnectAddress::Unix(path) => UnixStream::connect(path).map(|s| {
                widen_send_buffer(&s);
                Socket::Unix(s)
            }),
            ConnectAddress::Tcp { host, port } => TcpStream::connect((host.as_str(), *port)).map(|s| {
                let _ = s.set_nodelay(true);
                Socket::Tcp(s)
            }),
        };
        // A signal during a blocking connect: try again, on a fresh socket.
        let socket = loop {
            match attempt() {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => break r,
            }
        };
        match socket {
            Ok(s) => return handshake(s, &hello),
            Err(e) => tried.push(format!("{address}: {e}")),
        }
    }
    let hint = format!(
        "is dispd running? start it with `dispd :{}`{}",
        parsed.display,
        if parsed.host.is_empty() {
            String::new()
        } else {
            " on that host".into()
        }
    );
    Err(ClientError::Unreachable {
        display: name,
        tried: format!("{}; {hint}", tried.join("; ")),
    })
}

/// Asks for a [`UNIX_SEND_BUFFER`] send buffer on `socket`, for big images
/// (`dispbench -putimage500` about 4.2k to 8k images/s here); if refused, it keeps the default.
fn widen_send_buffer(socket: &UnixStream) {
    let _ = rustix::net::sockopt::set_socket_send_buffer_size(socket, UNIX_SEND_BUFFER);
}

fn handshake(mut socket: Socket, hello: &ClientHello) -> Result<(Socket, Setup, Vec<u8>), ClientError> {
    socket.write_all(&hello.encode()?)?;
    socket.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // A read with a timeout is not restarted after a signal (a stop and continue, for one).
        let n = match socket.read(&mut chunk) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => r?,
        };
        if n == 0 {
            return Err(ClientError::Disconnected {
                reason: Some("closed during the handshake".into()),
            });
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some((answer, used)) = ServerAnswer::parse(&buf)? {
            socket.set_read_timeout(None)?;
            return match answer {
                ServerAnswer::Accepted { setup, .. } => Ok((socket, setup, buf.split_off(used))),
                ServerAnswer::Refused { reason, .. } => {
                    Err(dispd_protocol::HandshakeError::Refused(reason).into())
                }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_connections_get_the_wider_send_buffer() {
        let (a, _b) = UnixStream::pair().expect("a socket pair");
        widen_send_buffer(&a);
        let got = rustix::net::sockopt::socket_send_buffer_size(&a).expect("SO_SNDBUF");
        // The kernel doubles what it is asked for, up to twice net.core.wmem_max.
        let max = std::fs::read_to_string("/proc/sys/net/core/wmem_max")
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .unwrap_or(UNIX_SEND_BUFFER);
        assert_eq!(got, 2 * UNIX_SEND_BUFFER.min(max));
    }
}
