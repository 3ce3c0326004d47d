//! The client's one error type. Every message says what the user can do.

use dispd_protocol::{DecodeError, DisplayError, FrameError, HandshakeError, RequestError};

/// Anything that can go wrong talking to a display server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The display name is missing or malformed.
    #[error(transparent)]
    Display(#[from] DisplayError),
    /// No address of the display answered.
    #[error("cannot reach display `{display}`: {tried}")]
    Unreachable {
        /// The display name.
        display: String,
        /// Each address tried and what happened, with a hint.
        tried: String,
    },
    /// The secret could not be read or used.
    #[error("authentication: {0}")]
    Auth(String),
    /// The handshake failed (wrong peer, no common version, refused).
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// The socket failed.
    #[error("connection to the display server failed: {0}")]
    Io(#[from] std::io::Error),
    /// The server sent something that is not a message.
    #[error("the display server sent a message that does not decode ({0}); is it a newer version?")]
    Decode(#[from] DecodeError),
    /// The server's stream of frames is broken.
    #[error("the display server's stream is broken: {0}")]
    Frame(#[from] FrameError),
    /// A request failed. The connection is still usable.
    #[error(transparent)]
    Request(RequestError),
    /// The server closed the connection.
    #[error("the display server closed the connection{}", reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    Disconnected {
        /// Why, if the server said.
        reason: Option<String>,
    },
    /// No reply came within the time set by [`crate::Display::set_reply_timeout`].
    #[error(
        "no reply to request #{seq} within {waited:?}: is the display server stuck or the network down?"
    )]
    Timeout {
        /// The request waited for.
        seq: u32,
        /// How long.
        waited: std::time::Duration,
    },
    /// The client used all the resource ids the server gave it.
    #[error("out of resource ids: destroy windows you no longer need")]
    OutOfIds,
    /// A setting in the environment is not valid; the message says which and what it takes.
    #[error("{0}")]
    Setting(String),
    /// Shared memory was asked of a display reached over TCP.
    #[error("shared memory needs the display's Unix socket (this connection is TCP)")]
    NoSharedMemory,
}

impl ClientError {
    /// Whether the connection is unusable after this error: all but a request's error, running
    /// out of ids and asking for shared memory over TCP.
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            ClientError::Request(_) | ClientError::OutOfIds | ClientError::NoSharedMemory
        )
    }
}
