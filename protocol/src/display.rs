//! Display names: which server to talk to, and how to reach it.
//!
//! The grammar follows X11's `DISPLAY`:
//!
//! ```text
//! [protocol/][host]:display[.screen]
//! ```
//!
//! | name              | tries                                                      |
//! |-------------------|------------------------------------------------------------|
//! | `:N`              | the Unix socket of display N, then TCP to localhost        |
//! | `unix:N`, `unix/:N` | the Unix socket only                                     |
//! | `host:N`          | TCP to `host`, port [`TCP_PORT_BASE`]` + N`                  |
//! | `tcp/host:N`, `tcp/:N` | TCP only (`localhost` when no host is given)          |
//! | `[::1]:N`         | TCP to an IPv6 address (brackets required)                 |
//! | `host:N.S`        | as `host:N`; `S` is the screen (dispd has one, screen 0)   |
//!
//! `DISPD_DISPLAY`, when set, wins over `DISPLAY`, so that dispd and X clients can share a
//! shell. The socket of display N is `DIR/D<N>`, where DIR is `DISPD_SOCKET_DIR` or
//! [`DEFAULT_SOCKET_DIR`].
//!
//! Nothing here touches the environment or the file system: lookups are passed in.

use std::path::{Path, PathBuf};

use crate::error::DisplayError;
use crate::{DEFAULT_SOCKET_DIR, TCP_PORT_BASE};

/// The largest display number: its TCP port must fit in 16 bits.
pub const MAX_DISPLAY: u16 = u16::MAX - TCP_PORT_BASE;

/// How the connection must be made, when the name says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Unix socket only.
    Unix,
    /// TCP only.
    Tcp,
}

/// A parsed display name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedDisplay {
    /// The host, without brackets; empty for the local machine.
    pub host: String,
    /// The transport the name insists on, if any.
    pub transport: Option<Transport>,
    /// The display number.
    pub display: u16,
    /// The screen number (0 when not given).
    pub screen: u16,
}

/// One address to try, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectAddress {
    /// A Unix socket path.
    Unix(PathBuf),
    /// A TCP host and port.
    Tcp {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
    },
}

impl std::fmt::Display for ConnectAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectAddress::Unix(p) => write!(f, "{}", p.display()),
            ConnectAddress::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            ConnectAddress::Tcp { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

/// Parses a display name.
pub fn parse_display(name: &str) -> Result<ParsedDisplay, DisplayError> {
    if name.is_empty() {
        return Err(DisplayError::Empty);
    }
    let (transport, rest) = match name.split_once('/') {
        Some((proto, rest)) if !proto.contains(':') && !proto.contains('[') => {
            let t = match proto {
                "tcp" | "inet" | "inet6" => Transport::Tcp,
                "unix" | "local" => Transport::Unix,
                other => {
                    return Err(DisplayError::BadProtocol {
                        name: name.into(),
                        protocol: other.into(),
                    })
                }
            };
            (Some(t), rest)
        }
        _ => (None, name),
    };
    let bad_host = |reason| DisplayError::BadHost {
        name: name.into(),
        reason,
    };
    let (host, number) = if let Some(after) = rest.strip_prefix('[') {
        let (host, tail) = after
            .split_once(']')
            .ok_or(bad_host("`[` without a closing `]`"))?;
        let number = tail
            .strip_prefix(':')
            .ok_or_else(|| DisplayError::MissingNumber(name.into()))?;
        (host, number)
    } else {
        let (host, number) = rest
            .rsplit_once(':')
            .ok_or_else(|| DisplayError::MissingNumber(name.into()))?;
        if host.contains(':') {
            return Err(bad_host("write an IPv6 address in brackets, as [::1]:0"));
        }
        (host, number)
    };
    let (display, screen) = match number.split_once('.') {
        Some((d, s)) => (d, Some(s)),
        None => (number, None),
    };
    let display = parse_number(name, display, "display", MAX_DISPLAY)?;
    let screen = match screen {
        Some(s) => parse_number(name, s, "screen", u16::MAX)?,
        None => 0,
    };
    let mut host = host.to_owned();
    let mut transport = transport;
    if transport.is_none() && host == "unix" {
        host.clear();
        transport = Some(Transport::Unix);
    }
    if transport == Some(Transport::Unix) && !host.is_empty() {
        return Err(bad_host("a Unix socket is local: drop the host, as unix:0"));
    }
    Ok(ParsedDisplay {
        host,
        transport,
        display,
        screen,
    })
}

fn parse_number(name: &str, part: &str, what: &'static str, max: u16) -> Result<u16, DisplayError> {
    let bad = || DisplayError::BadNumber {
        name: name.into(),
        part: part.into(),
        what,
        max: max.into(),
    };
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match part.parse::<u32>() {
        Ok(n) if n <= u32::from(max) => Ok(n as u16),
        _ => Err(bad()),
    }
}

impl ParsedDisplay {
    /// The addresses to try, in order, with Unix sockets under `socket_dir`.
    pub fn connect_addresses(&self, socket_dir: &Path) -> Vec<ConnectAddress> {
        let unix = ConnectAddress::Unix(socket_path(socket_dir, self.display));
        let tcp_host = if self.host.is_empty() {
            "localhost".to_owned()
        } else {
            self.host.clone()
        };
        let tcp = ConnectAddress::Tcp {
            host: tcp_host,
            port: tcp_port(self.display),
        };
        match (self.transport, self.host.is_empty()) {
            (Some(Transport::Unix), _) => vec![unix],
            (Some(Transport::Tcp), _) | (None, false) => vec![tcp],
            (None, true) => vec![unix, tcp],
        }
    }
}

/// The Unix socket of display `display` under `dir`.
pub fn socket_path(dir: &Path, display: u16) -> PathBuf {
    dir.join(format!("D{display}"))
}

/// The TCP port of display `display`. Display numbers are capped at [`MAX_DISPLAY`] when parsed.
pub fn tcp_port(display: u16) -> u16 {
    TCP_PORT_BASE.saturating_add(display)
}

/// The display name from the environment: `DISPD_DISPLAY`, else `DISPLAY`.
pub fn display_from_env(get: impl Fn(&str) -> Option<String>) -> Result<String, DisplayError> {
    ["DISPD_DISPLAY", "DISPLAY"]
        .into_iter()
        .find_map(|var| get(var).filter(|v| !v.is_empty()))
        .ok_or(DisplayError::NotSet)
}

/// The socket directory from the environment: `DISPD_SOCKET_DIR`, else [`DEFAULT_SOCKET_DIR`].
pub fn socket_dir_from_env(get: impl Fn(&str) -> Option<String>) -> PathBuf {
    get("DISPD_SOCKET_DIR")
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_SOCKET_DIR.into())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> ParsedDisplay {
        parse_display(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn addrs(s: &str) -> Vec<ConnectAddress> {
        p(s).connect_addresses(Path::new("/d"))
    }

    fn tcp(host: &str, port: u16) -> ConnectAddress {
        ConnectAddress::Tcp {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn every_form() {
        let unix0 = ConnectAddress::Unix("/d/D0".into());
        assert_eq!(addrs(":0"), [unix0.clone(), tcp("localhost", 7300)]);
        assert_eq!(addrs("unix:0"), std::slice::from_ref(&unix0));
        assert_eq!(addrs("unix/:0"), [unix0]);
        assert_eq!(addrs("example.org:7"), [tcp("example.org", 7307)]);
        assert_eq!(addrs("10.0.0.2:1.0"), [tcp("10.0.0.2", 7301)]);
        assert_eq!(p("host:3.2").screen, 2);
        assert_eq!(addrs("[::1]:2"), [tcp("::1", 7302)]);
        assert_eq!(addrs("tcp/[fe80::1]:0"), [tcp("fe80::1", 7300)]);
        assert_eq!(addrs("tcp/host:4"), [tcp("host", 7304)]);
        assert_eq!(addrs("tcp/:4"), [tcp("localhost", 7304)]);
        assert_eq!(tcp("::1", 7302).to_string(), "[::1]:7302");
    }

    #[test]
    fn bad_forms_say_what_to_do() {
        for bad in [
            "",
            "0",
            "host",
            ":",
            ":x",
            ":1.",
            ":1.y",
            "::1:0",
            "[::1:0",
            "ssh/host:0",
            "unix/host:0",
            ":99999",
            ":-1",
        ] {
            let err = parse_display(bad).expect_err(bad);
            let msg = err.to_string();
            assert!(msg.len() > 20 && !msg.contains("panic"), "{bad}: {msg}");
        }
        assert_eq!(
            parse_display(":99999"),
            Err(DisplayError::BadNumber {
                name: ":99999".into(),
                part: "99999".into(),
                what: "display",
                max: u32::from(MAX_DISPLAY)
            })
        );
    }

    #[test]
    fn env_order() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(
            display_from_env(env(&[("DISPLAY", ":1"), ("DISPD_DISPLAY", ":2")])),
            Ok(":2".into())
        );
        assert_eq!(
            display_from_env(env(&[("DISPLAY", ":1"), ("DISPD_DISPLAY", "")])),
            Ok(":1".into())
        );
        assert_eq!(display_from_env(env(&[])), Err(DisplayError::NotSet));
        assert_eq!(socket_dir_from_env(env(&[])), PathBuf::from(DEFAULT_SOCKET_DIR));
        assert_eq!(
            socket_dir_from_env(env(&[("DISPD_SOCKET_DIR", "/x")])),
            PathBuf::from("/x")
        );
    }
}
