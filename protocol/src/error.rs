//! Errors of the protocol crate. None of them is ever a panic: bad bytes give an error.

/// A frame body that is not a valid message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// postcard rejected the bytes (bad enum tag, truncated field, invalid UTF-8 ...).
    #[error("malformed message: {0}")]
    Malformed(#[from] postcard::Error),
    /// The message ended before the frame did.
    #[error("{0} unexpected bytes after the message")]
    TrailingBytes(usize),
    /// A list announced more elements than the protocol allows ([`crate::MAX_BATCH_OPS`],
    /// [`crate::MAX_BATCH_ELEMENTS`]); nothing past the count was decoded.
    #[error("{0}")]
    OverLimit(String),
}

/// A stream of frames that cannot be cut into frames.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The length prefix announces more than the agreed limit.
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Announced length.
        len: u32,
        /// The limit.
        max: u32,
    },
}

/// A handshake that failed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The peer does not speak dispd (wrong magic bytes).
    #[error("the peer does not speak the dispd protocol (is this an X server or another service?)")]
    BadMagic,
    /// No protocol version both sides speak.
    #[error("no common protocol version: client speaks {client_min}..={client_max}, server {server_min}..={server_max}")]
    NoCommonVersion {
        /// Oldest the client speaks.
        client_min: u16,
        /// Newest the client speaks.
        client_max: u16,
        /// Oldest the server speaks.
        server_min: u16,
        /// Newest the server speaks.
        server_max: u16,
    },
    /// A length field is over its limit.
    #[error("handshake field `{field}` is {len} bytes, over the limit of {max}")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// Its announced length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A field is not what it should be.
    #[error("malformed handshake: {0}")]
    Malformed(String),
    /// The server refused the connection; the reason is for the user.
    #[error("the server refused the connection: {0}")]
    Refused(String),
}

/// A `DISPLAY` string that does not parse. Each message says what a good one looks like.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DisplayError {
    /// Neither `DISPD_DISPLAY` nor `DISPLAY` is set.
    #[error("no display given: set DISPD_DISPLAY or DISPLAY, e.g. DISPLAY=:0 for a local dispd or DISPLAY=host:0 for another machine")]
    NotSet,
    /// The string is empty.
    #[error("empty display name: use :N for a local display or host:N for another machine")]
    Empty,
    /// No `:` before the display number.
    #[error("display name `{0}` has no `:N` display number: write it as :0, host:0 or tcp/host:0")]
    MissingNumber(String),
    /// The display or screen number is not a number, or too large.
    #[error("display name `{name}`: `{part}` is not a valid {what} number (0..={max})")]
    BadNumber {
        /// The whole name.
        name: String,
        /// The offending part.
        part: String,
        /// "display" or "screen".
        what: &'static str,
        /// Largest allowed.
        max: u32,
    },
    /// The `protocol/` prefix is not `tcp` or `unix`.
    #[error("display name `{name}`: unknown protocol `{protocol}` (use tcp/ or unix/)")]
    BadProtocol {
        /// The whole name.
        name: String,
        /// The unknown prefix.
        protocol: String,
    },
    /// The host part is malformed (unclosed `[`, a bare IPv6 address, a Unix socket with a host).
    #[error("display name `{name}`: {reason}")]
    BadHost {
        /// The whole name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}
