//! dispd, the display server.
//!
//! # Layout
//! - [`run`] (in `server.rs`): the one entry point, shared by the `dispd` binary and the tests.
//! - [`config`]: the screen and the limits.
//! - [`net`]: listeners (Unix and TCP) and the framed connection.
//! - `session`: one task per client: handshake, then requests in and messages out.
//! - `shutdown`: stopping every task and waiting for them.
//! - [`core`]: [`core::ServerCore`], the single owner of all state; no I/O.
//! - [`raster`]: the software rasterizer.
//! - [`backend`]: [`backend::Backend`], where the screen is shown: headless, or winit.

pub mod backend;
pub mod config;
pub mod core;
pub mod net;
pub mod raster;
mod server;
mod session;
mod shutdown;

pub use config::Config;
pub use server::{run, ServerError};
