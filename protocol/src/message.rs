//! The server-to-client envelope and request errors.

use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::reply::Reply;

/// One frame from the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ServerMessage {
    /// The answer to request number `seq`.
    Reply {
        /// Sequence number of the request answered.
        seq: u32,
        /// The answer.
        reply: Reply,
    },
    /// Request number `seq` failed; it changed nothing.
    Error(RequestError),
    /// Something happened.
    Event(Event),
    /// The server is about to close the connection, and why (shutdown, a limit, bad input).
    Goodbye {
        /// A sentence for the user.
        reason: String,
    },
}

/// A request that failed. The request had no effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestError {
    /// Sequence number of the failed request.
    pub seq: u32,
    /// What kind of failure.
    pub code: ErrorCode,
    /// A sentence that says what was wrong.
    pub message: String,
}

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "request #{} failed ({:?}): {}",
            self.seq, self.code, self.message
        )
    }
}

/// The kinds of request failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorCode {
    /// No such window, or not the client's own.
    BadWindow,
    /// A new resource's id is outside the client's range or already used.
    BadId,
    /// A value is out of range: a size of zero, too large, a malformed image.
    BadValue,
    /// The client may not do this.
    BadAccess,
    /// A limit was reached (windows per client, pixels per client ...).
    Limit,
    /// No such drawable, or not the client's own.
    BadDrawable,
}

impl std::error::Error for RequestError {}
