//! The handshake: a fixed-layout hello from the client, a fixed-layout answer from the server.
//!
//! Fixed layouts (rather than postcard) let any version of either side read the other's
//! first bytes, so that a version mismatch or a refusal always reaches the user as a sentence.
//!
//! Client hello, all integers little-endian:
//! ```text
//! 8 bytes  magic "DISPD\0\r\n"
//! u16      oldest protocol version the client speaks
//! u16      newest protocol version the client speaks
//! u8       length of the auth method name (at most 64), then the name (ASCII, "" for none)
//! u16      length of the auth data (at most 1024), then the data
//! ```
//! Server answer:
//! ```text
//! 8 bytes  magic "DISPD\0\r\n"
//! u8       0 = accepted, 1 = refused
//! u16      the chosen protocol version (accepted), or the newest the server speaks (refused)
//! u32      body length (at most 64 KiB), then the body:
//!          accepted: a postcard-encoded Setup; refused: the reason, UTF-8
//! ```

use serde::{Deserialize, Serialize};

use crate::codec;
use crate::error::HandshakeError;
use crate::geometry::Size;
use crate::ids::{ClientId, IdRange};

/// The first 8 bytes each side sends.
pub const MAGIC: [u8; 8] = *b"DISPD\0\r\n";
/// Longest auth method name.
pub const MAX_AUTH_NAME: usize = 64;
/// Longest auth data.
pub const MAX_AUTH_DATA: usize = 1024;
/// Longest answer body.
pub const MAX_ANSWER_BODY: usize = 64 * 1024;

/// What a client sends first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello {
    /// Oldest protocol version the client speaks.
    pub min_version: u16,
    /// Newest protocol version the client speaks.
    pub max_version: u16,
    /// Auth method, e.g. `""` (none) or `"dispd-secret"`.
    pub auth_name: String,
    /// Auth data for that method.
    pub auth_data: Vec<u8>,
}

impl ClientHello {
    /// A hello with the given auth, offering only [`crate::PROTOCOL_VERSION`]: this crate's
    /// types encode the newest version's requests, which an older server cannot decode, so an
    /// older server refuses the hello with a reason instead. (Servers accept
    /// [`crate::MIN_PROTOCOL_VERSION`] and up.)
    pub fn new(auth_name: &str, auth_data: &[u8]) -> Self {
        Self {
            min_version: crate::PROTOCOL_VERSION,
            max_version: crate::PROTOCOL_VERSION,
            auth_name: auth_name.to_owned(),
            auth_data: auth_data.to_vec(),
        }
    }

    /// The bytes to send. Fails if a field is over its limit.
    pub fn encode(&self) -> Result<Vec<u8>, HandshakeError> {
        check_len("auth_name", self.auth_name.len(), MAX_AUTH_NAME)?;
        check_len("auth_data", self.auth_data.len(), MAX_AUTH_DATA)?;
        let mut out = Vec::with_capacity(15 + self.auth_name.len() + self.auth_data.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&self.min_version.to_le_bytes());
        out.extend_from_slice(&self.max_version.to_le_bytes());
        out.push(self.auth_name.len() as u8);
        out.extend_from_slice(self.auth_name.as_bytes());
        out.extend_from_slice(&(self.auth_data.len() as u16).to_le_bytes());
        out.extend_from_slice(&self.auth_data);
        Ok(out)
    }

    /// Parses a hello from the start of `buf`: `Ok(None)` if more bytes are needed, otherwise the
    /// hello and how many bytes it took.
    pub fn parse(buf: &[u8]) -> Result<Option<(ClientHello, usize)>, HandshakeError> {
        let mut r = Reader { buf, pos: 0 };
        let Some(magic) = r.take(8) else {
            return partial_magic(buf);
        };
        if magic != MAGIC {
            return Err(HandshakeError::BadMagic);
        }
        let Some(min_version) = r.u16() else {
            return Ok(None);
        };
        let Some(max_version) = r.u16() else {
            return Ok(None);
        };
        let Some(name_len) = r.take(1) else {
            return Ok(None);
        };
        let name_len = usize::from(name_len[0]);
        check_len("auth_name", name_len, MAX_AUTH_NAME)?;
        let Some(name) = r.take(name_len) else {
            return Ok(None);
        };
        let auth_name = std::str::from_utf8(name)
            .map_err(|_| HandshakeError::Malformed("auth method name is not UTF-8".into()))?
            .to_owned();
        let Some(data_len) = r.u16() else { return Ok(None) };
        check_len("auth_data", usize::from(data_len), MAX_AUTH_DATA)?;
        let Some(data) = r.take(usize::from(data_len)) else {
            return Ok(None);
        };
        let hello = ClientHello {
            min_version,
            max_version,
            auth_name,
            auth_data: data.to_vec(),
        };
        Ok(Some((hello, r.pos)))
    }

    /// The newest version both this hello and the server's range `min..=max` speak.
    pub fn negotiate(&self, min: u16, max: u16) -> Result<u16, HandshakeError> {
        let v = self.max_version.min(max);
        if v < self.min_version || v < min {
            return Err(HandshakeError::NoCommonVersion {
                client_min: self.min_version,
                client_max: self.max_version,
                server_min: min,
                server_max: max,
            });
        }
        Ok(v)
    }
}

/// What the server tells an accepted client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setup {
    /// Server software name.
    pub server_name: String,
    /// Server software version.
    pub server_version: String,
    /// The number the server gave this client.
    pub client_id: ClientId,
    /// The screen's size.
    pub screen: Size,
    /// The ids this client allocates its resources from.
    pub ids: IdRange,
    /// Largest frame body the server accepts from this client.
    pub max_frame_len: u32,
}

/// The server's answer to a hello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerAnswer {
    /// Welcome, at `version`.
    Accepted {
        /// The protocol version both speak.
        version: u16,
        /// The connection's parameters.
        setup: Setup,
    },
    /// Go away, and why.
    Refused {
        /// The newest version the server speaks.
        version: u16,
        /// A sentence for the user.
        reason: String,
    },
}

impl ServerAnswer {
    /// The bytes to send.
    pub fn encode(&self) -> Vec<u8> {
        let (status, version, mut body) = match self {
            ServerAnswer::Accepted { version, setup } => (0u8, *version, codec::encode_body(setup)),
            ServerAnswer::Refused { version, reason } => (1u8, *version, reason.as_bytes().to_vec()),
        };
        body.truncate(MAX_ANSWER_BODY);
        let mut out = Vec::with_capacity(15 + body.len());
        out.extend_from_slice(&MAGIC);
        out.push(status);
        out.extend_from_slice(&version.to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Parses an answer from the start of `buf`: `Ok(None)` if more bytes are needed, otherwise
    /// the answer and how many bytes it took.
    pub fn parse(buf: &[u8]) -> Result<Option<(ServerAnswer, usize)>, HandshakeError> {
        let mut r = Reader { buf, pos: 0 };
        let Some(magic) = r.take(8) else {
            return partial_magic(buf);
        };
        if magic != MAGIC {
            return Err(HandshakeError::BadMagic);
        }
        let Some(status) = r.take(1) else { return Ok(None) };
        let status = status[0];
        let Some(version) = r.u16() else { return Ok(None) };
        let Some(len) = r.u32() else { return Ok(None) };
        check_len("answer body", len as usize, MAX_ANSWER_BODY)?;
        let Some(body) = r.take(len as usize) else {
            return Ok(None);
        };
        let answer = match status {
            0 => {
                let setup = codec::decode(body)
                    .map_err(|e| HandshakeError::Malformed(format!("setup does not decode: {e}")))?;
                ServerAnswer::Accepted { version, setup }
            }
            1 => ServerAnswer::Refused {
                version,
                reason: String::from_utf8_lossy(body).into_owned(),
            },
            other => {
                return Err(HandshakeError::Malformed(format!(
                    "unknown answer status {other}"
                )))
            }
        };
        Ok(Some((answer, r.pos)))
    }
}

/// With fewer than 8 bytes, fail early if they already differ from the magic.
fn partial_magic<T>(buf: &[u8]) -> Result<Option<T>, HandshakeError> {
    if MAGIC.starts_with(buf) {
        Ok(None)
    } else {
        Err(HandshakeError::BadMagic)
    }
}

fn check_len(field: &'static str, len: usize, max: usize) -> Result<(), HandshakeError> {
    if len > max {
        return Err(HandshakeError::TooLong { field, len, max });
    }
    Ok(())
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.buf.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trips_at_every_split() {
        let hello = ClientHello::new("dispd-secret", b"s3cr3t");
        let bytes = hello.encode().unwrap();
        for cut in 0..bytes.len() {
            assert_eq!(ClientHello::parse(&bytes[..cut]).unwrap(), None, "cut at {cut}");
        }
        let mut more = bytes.clone();
        more.push(0x42);
        assert_eq!(ClientHello::parse(&more).unwrap(), Some((hello, bytes.len())));
    }

    #[test]
    fn x11_client_is_told_bad_magic() {
        // An X11 client starts with 'l' or 'B' (byte order) then zero.
        assert_eq!(ClientHello::parse(b"l\0\x0b\0"), Err(HandshakeError::BadMagic));
        assert_eq!(ServerAnswer::parse(b"HTTP/1.1"), Err(HandshakeError::BadMagic));
    }

    #[test]
    fn version_negotiation() {
        let mut hello = ClientHello::new("", b"");
        hello.min_version = 2;
        hello.max_version = 5;
        assert_eq!(hello.negotiate(1, 3), Ok(3));
        assert_eq!(hello.negotiate(1, 9), Ok(5));
        assert!(matches!(
            hello.negotiate(6, 9),
            Err(HandshakeError::NoCommonVersion { .. })
        ));
        assert!(matches!(
            hello.negotiate(0, 1),
            Err(HandshakeError::NoCommonVersion { .. })
        ));
    }

    #[test]
    fn refusal_round_trips() {
        let a = ServerAnswer::Refused {
            version: 1,
            reason: "wrong secret".into(),
        };
        let bytes = a.encode();
        assert_eq!(ServerAnswer::parse(&bytes).unwrap(), Some((a, bytes.len())));
    }

    #[test]
    fn oversized_fields_are_refused() {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[1, 0, 1, 0, 200]);
        assert!(matches!(
            ClientHello::parse(&bytes),
            Err(HandshakeError::TooLong { .. })
        ));
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[0, 1, 0, 0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(
            ServerAnswer::parse(&bytes),
            Err(HandshakeError::TooLong { .. })
        ));
    }
}
