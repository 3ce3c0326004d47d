//! Integration tests: one binary (ripgrep style) that starts real dispd servers in-process,
//! headless, on a Unix socket in a per-test temporary directory and on `127.0.0.1` TCP, and talks
//! to them through `gui-client` or raw sockets.
//!
//! Logs: `DISPD_TEST_LOG=debug cargo test -p display-server --test it -- --nocapture`.

#![allow(missing_docs)]

// The harness: `TestServer`, raw-socket clients, event waits and pixel checks.
mod util;

// The basics every later feature relies on: pixels, isolation, bad clients, sockets, errors.
mod foundation;

// The on-screen (winit) backend in a real X server (Xvfb), driven by xdotool.
mod onscreen;

// Input injection and routing on the headless backend.
mod input;

// The drawing model, pixel by pixel: shapes, clips, blending, text, images, limits, frames.
mod drawing;

// Shared-memory images: memfds over the Unix socket, and every way to misuse them.
mod shm;

// Who gets in, what a client may touch, and what hostile, numerous, slow or greedy clients cost.
mod security;

// examples/python/hello.py, the standard-library Python client, against a real server.
mod python;
