//! dispd, the display server.
//!
//! # Layout
//! - [`run`] (in `server.rs`): the one entry point, shared by the `dispd` binary and the tests;
//!   [`runtime`]: the tokio runtime it runs on, and its number of worker threads.
//! - [`config`]: the screen and the limits.
//! - [`auth`]: who may connect, and which clients are trusted with the admin view.
//! - [`net`]: listeners (Unix and TCP) and the framed connection.
//! - `core_task`: the task owning the core; `outbox`: bounded, coalescing queues to clients;
//!   `mailbox`: their batched hand-off to each session's writer; `applied`: how far the core
//!   has got with each client's requests, which bounds what its session reads ahead.
//! - [`secret_file`]: the display's secret on disk.
//! - `session`: one task per client: handshake, then requests in and messages out.
//! - `image_buffers`: buffers for large images' pixels, reused from one image to the next.
//! - `reply_spin`: after answering a query, a short poll for the client's next request.
//! - `shutdown`: stopping every task and waiting for them.
//! - [`core`]: [`core::ServerCore`], the single owner of all state; no I/O.
//! - [`raster`]: the software rasterizer.
//! - [`backend`]: [`backend::Backend`], where the screen is shown: headless, or winit.

mod applied;
pub mod auth;
pub mod backend;
pub mod config;
pub mod core;
mod core_task;
mod image_buffers;
mod mailbox;
pub mod net;
mod outbox;
pub mod raster;
mod reply_spin;
pub mod runtime;
pub mod secret_file;
mod server;
mod session;
mod shutdown;

pub use config::Config;
pub use server::{run, ServerError};
