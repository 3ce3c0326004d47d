//! Animation at the display's pace, and counting what it costs.
//!
//! An animation asks for a frame ([`Display::request_frame`]), and draws the next one when
//! [`gui_client::Event::FrameDone`] arrives: the server answers once what was drawn is on the
//! display, so a fast display gets many frames, a slow link or a busy server fewer, and nothing
//! piles up. [`FrameClock`] turns those arrivals into time steps and a frame rate;
//! [`ByteMeter`] sends requests while counting their bytes on the wire.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use gui_client::protocol::{encode_frame, Request};
use gui_client::{Display, WindowId};

/// Over how long rates are averaged.
const RATE_WINDOW: Duration = Duration::from_secs(1);

/// Amounts over the last second: a rolling rate.
#[derive(Debug, Default)]
pub struct Rate {
    samples: VecDeque<(Instant, u64)>,
}

impl Rate {
    /// Records `amount` now.
    pub fn add(&mut self, now: Instant, amount: u64) {
        self.samples.push_back((now, amount));
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > RATE_WINDOW)
        {
            self.samples.pop_front();
        }
    }

    /// The amount per second over the last second (0 until there are two samples).
    pub fn per_second(&self) -> f64 {
        let (Some(first), Some(last)) = (self.samples.front(), self.samples.back()) else {
            return 0.0;
        };
        let span = last.0.duration_since(first.0).as_secs_f64();
        if span <= 0.0 {
            return 0.0;
        }
        // The first sample opens the span; what it counted happened before it.
        let sum: u64 = self.samples.iter().skip(1).map(|(_, n)| n).sum();
        sum as f64 / span
    }
}

/// Time between frames, and frames per second.
#[derive(Debug)]
pub struct FrameClock {
    window: WindowId,
    last: Option<Instant>,
    frames: Rate,
}

impl FrameClock {
    /// A clock for frames of `window`. Call [`FrameClock::request`] to start.
    pub fn new(window: WindowId) -> Self {
        Self {
            window,
            last: None,
            frames: Rate::default(),
        }
    }

    /// Asks the server for the next frame.
    pub fn request(&self, display: &mut Display) {
        display.request_frame(self.window);
    }

    /// A frame came: returns the seconds since the previous one (at most 0.1, so that a stall
    /// does not make the animation jump).
    pub fn tick(&mut self) -> f32 {
        let now = Instant::now();
        self.frames.add(now, 1);
        let dt = self.last.map_or(0.0, |t| now.duration_since(t).as_secs_f32());
        self.last = Some(now);
        dt.min(0.1)
    }

    /// Frames per second over the last second.
    pub fn fps(&self) -> f64 {
        self.frames.per_second()
    }
}

/// Sends requests and counts their encoded size: the exact bytes they take on the wire
/// (frame length prefix included), as [`encode_frame`] writes them for the client library.
#[derive(Debug, Default)]
pub struct ByteMeter {
    scratch: Vec<u8>,
    rate: Rate,
    total: u64,
}

impl ByteMeter {
    /// A meter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues `request` on `display`, counting its bytes; returns its sequence number.
    pub fn send(&mut self, display: &mut Display, request: &Request) -> u32 {
        self.scratch.clear();
        encode_frame(request, &mut self.scratch);
        let n = self.scratch.len() as u64;
        self.total += n;
        self.rate.add(Instant::now(), n);
        display.send(request)
    }

    /// Bytes per second over the last second.
    pub fn per_second(&self) -> f64 {
        self.rate.per_second()
    }

    /// Bytes sent through this meter so far.
    pub fn total(&self) -> u64 {
        self.total
    }
}

/// `bytes` in B, kB or MB (powers of 1000), one decimal.
pub fn human_bytes(bytes: f64) -> String {
    if bytes < 1000.0 {
        format!("{bytes:.0} B")
    } else if bytes < 1e6 {
        format!("{:.1} kB", bytes / 1e3)
    } else {
        format!("{:.2} MB", bytes / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_counts_the_last_second() {
        let t0 = Instant::now();
        let mut r = Rate::default();
        for i in 0..=10 {
            r.add(t0 + Duration::from_millis(100 * i), 50);
        }
        assert!((r.per_second() - 500.0).abs() < 1e-6, "{}", r.per_second());
        assert_eq!(human_bytes(1500.0), "1.5 kB");
    }
}
