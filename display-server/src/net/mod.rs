//! Sockets: where clients connect.

mod listener;

pub use listener::{Listener, ReadHalf, Stream, UnixSocketFile, WriteHalf};
