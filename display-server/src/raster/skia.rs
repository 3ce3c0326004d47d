//! The bridge to tiny-skia: a framebuffer seen as a tiny-skia pixmap, with red and blue swapped.
//!
//! tiny-skia reads the bytes of a pixel as R, G, B, A; ours are B, G, R, A. Every colour handed
//! to tiny-skia therefore has its red and blue exchanged, and what it draws lands in the right
//! channels. Images drawn with [`tiny_skia::Pattern`] come from framebuffers in the same layout,
//! so they need no swap.

use dispd_protocol::Color;
use tiny_skia::{PixmapMut, PixmapRef};

use super::Framebuffer;

/// The framebuffer as a tiny-skia pixmap to draw into.
pub(super) fn pixmap_mut(fb: &mut Framebuffer) -> Option<PixmapMut<'_>> {
    let (w, h) = (fb.width(), fb.height());
    PixmapMut::from_bytes(bytemuck::cast_slice_mut(fb.pixels_mut()), w, h)
}

/// The framebuffer as a tiny-skia pixmap to read from.
pub(super) fn pixmap_ref(fb: &Framebuffer) -> Option<PixmapRef<'_>> {
    PixmapRef::from_bytes(bytemuck::cast_slice(fb.pixels()), fb.width(), fb.height())
}

/// A colour for tiny-skia, red and blue swapped.
pub(super) fn color(c: Color) -> tiny_skia::Color {
    tiny_skia::Color::from_rgba8(c.b(), c.g(), c.r(), c.a())
}
