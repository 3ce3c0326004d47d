//! Shared pieces of the demo programs in `examples/`: what every demo repeats lives here once.
//!
//! - [`app`]: running a demo's main function with a clear one-line error and exit code.

pub mod app;
