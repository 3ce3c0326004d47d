//! The headless backend: a virtual screen in memory, like Xvfb.
//!
//! Composition is lazy: changes only mark screen areas stale, and the screen is composed when
//! someone reads it. Drawing into windows therefore costs the same as on any backend, and a
//! screenshot always shows the current state.

use dispd_protocol::{Rect, Size};

use super::Backend;
use crate::core::{Scene, SceneChange};
use crate::raster::Framebuffer;

/// Stale areas kept apart before they are merged into one.
const MAX_STALE: usize = 32;

/// An in-memory screen of a fixed size.
#[derive(Debug)]
pub struct Headless {
    screen: Framebuffer,
    stale: Vec<Rect>,
}

impl Headless {
    /// A screen of `size`.
    pub fn new(size: Size) -> Self {
        let screen = Framebuffer::new(size, dispd_protocol::Color::BLACK);
        let stale = vec![screen.bounds()];
        Self { screen, stale }
    }

    fn mark_stale(&mut self, rect: Rect) {
        let Some(rect) = rect.intersect(&self.screen.bounds()) else {
            return;
        };
        // The newest first: a run of draws into one window lands in the same stale area.
        if self.stale.iter().rev().any(|s| s.contains_rect(&rect)) {
            return;
        }
        self.stale.push(rect);
        if self.stale.len() > MAX_STALE {
            let all = self.stale.iter().fold(Rect::default(), |acc, r| acc.union(r));
            self.stale = vec![all];
        }
    }
}

impl Backend for Headless {
    fn name(&self) -> &'static str {
        "headless"
    }

    fn screen_size(&self) -> Size {
        self.screen.size()
    }

    fn apply(&mut self, scene: &Scene, changes: &[SceneChange]) {
        for change in changes {
            if let Some(rect) = scene.screen_damage(change) {
                self.mark_stale(rect);
            }
        }
    }

    fn read_screen(&mut self, scene: &Scene, rect: Rect) -> Vec<u8> {
        for stale in std::mem::take(&mut self.stale) {
            scene.compose(stale, &mut self.screen);
        }
        self.screen.read_rgba(rect)
    }
}
