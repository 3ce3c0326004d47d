//! From a display name to a connected, handshaken socket.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use dispd_protocol::display::{self, ConnectAddress};
use dispd_protocol::handshake::{ClientHello, ServerAnswer, Setup};

use crate::error::ClientError;

/// How to reach a display and prove who we are.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    /// The display name (`:0`, `host:0` ...); `None` reads `DISPD_DISPLAY`, then `DISPLAY`.
    pub display: Option<String>,
    /// Where Unix sockets live; `None` reads `DISPD_SOCKET_DIR`, then uses `/tmp/.dispd-unix`.
    pub socket_dir: Option<PathBuf>,
    /// Auth method name sent in the hello (empty for none).
    pub auth_name: String,
    /// Auth data sent in the hello.
    pub auth_data: Vec<u8>,
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
    let mut tried = Vec::new();
    for address in parsed.connect_addresses(&dir) {
        let socket = match &address {
            ConnectAddress::Unix(path) => UnixStream::connect(path).map(Socket::Unix),
            ConnectAddress::Tcp { host, port } => TcpStream::connect((host.as_str(), *port)).map(|s| {
                let _ = s.set_nodelay(true);
                Socket::Tcp(s)
            }),
        };
        match socket {
            Ok(s) => return handshake(s, opts),
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

fn handshake(mut socket: Socket, opts: &ConnectOptions) -> Result<(Socket, Setup, Vec<u8>), ClientError> {
    socket.write_all(&ClientHello::new(&opts.auth_name, &opts.auth_data).encode()?)?;
    socket.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = socket.read(&mut chunk)?;
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
