//! Pixel loops compiled for the widest vector instructions the CPU has, chosen at run time.
//!
//! The workspace builds for x86-64's baseline (SSE2), so that one binary runs on any x86-64
//! machine; a loop the compiler vectorizes moves 16 bytes at a time there. [`wide`] runs a
//! closure in a copy compiled for AVX2 (32 bytes a time) when the CPU has it, as `pulp` finds
//! at run time, with no unsafe code here: `pulp` checks the features before it calls the copy.

use std::sync::LazyLock;

use dispd_protocol::Rect;

use super::Framebuffer;

/// The instruction sets this CPU has, found once.
static ARCH: LazyLock<pulp::Arch> = LazyLock::new(pulp::Arch::new);

/// Runs `f`, inlined into a copy compiled for the CPU's widest vectors: for loops over pixels
/// that the compiler vectorizes (copies, masks, swizzles), which then do twice the work per
/// instruction on AVX2 machines.
#[inline(always)]
pub(crate) fn wide<R>(f: impl FnOnce() -> R) -> R {
    ARCH.dispatch(f)
}

/// Copies `src` into `dst` (the same length) with alpha set to 255 in every pixel: how pixels
/// leave an opaque framebuffer, whose alpha bytes mean nothing, for a reader that keeps alpha.
/// One pass at the speed of a copy.
pub(crate) fn copy_opaque(dst: &mut [u32], src: &[u32]) {
    wide(|| dst.iter_mut().zip(src).for_each(|(d, s)| *d = s | 0xff00_0000));
}

/// Stores `value` in every pixel of `r`, which lies within `fb`. Rows of at least
/// [`WIDE_FILL`] pixels are filled 32 bytes a store on AVX2 machines, all rows in one dispatch
/// (on an AMD EPYC, `raster_bench rect100` 515 → 407 ns a rectangle; one dispatch a row only
/// reached 450 ns); narrower ones in the baseline loop, where the dispatch would cost more than
/// it saves (10-pixel rows filled through it were 35% slower).
pub(crate) fn fill_rect(fb: &mut Framebuffer, r: Rect, value: u32) {
    let stride = fb.width() as usize;
    let (x0, x1) = (r.x as usize, r.x as usize + r.width as usize);
    let rows = fb.pixels_mut()[r.y as usize * stride..]
        .chunks_exact_mut(stride)
        .take(r.height as usize);
    let fill = || rows.for_each(|row| row[x0..x1].fill(value));
    if r.width >= WIDE_FILL {
        wide(fill);
    } else {
        fill();
    }
}

/// The row length from which [`fill_rect`] takes the wide loop.
const WIDE_FILL: u32 = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_rect_stores_exactly_the_rectangle_both_ways() {
        use dispd_protocol::{Color, Size};
        // Widths on both sides of WIDE_FILL, at odd places, up to the framebuffer's edges.
        for (x, y, w, h) in [
            (3, 1, 63, 2),
            (5, 2, 64, 3),
            (1, 0, 99, 4),
            (0, 0, 100, 5),
            (37, 4, 63, 1),
        ] {
            let mut fb = Framebuffer::new(Size::new(100, 5), Color::BLACK);
            let before = fb.pixels()[0];
            let r = Rect::new(x, y, w, h);
            fill_rect(&mut fb, r, 0xff12_3456);
            for py in 0..5 {
                for px in 0..100 {
                    let inside = r.contains(px, py);
                    let want = if inside { 0xff12_3456 } else { before };
                    assert_eq!(fb.row(py as u32)[px as usize], want, "{r:?} at {px},{py}");
                }
            }
        }
    }

    #[test]
    fn copy_opaque_sets_alpha_and_keeps_colour_in_every_pixel() {
        // Lengths around every vector width, so that the heads and tails are covered too.
        for len in [0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 100] {
            let row: Vec<u32> = (0..len).map(|i| (i as u32).wrapping_mul(0x0101_0133)).collect();
            let want: Vec<u32> = row.iter().map(|p| p | 0xff00_0000).collect();
            let mut out = vec![0x1234_5678; len];
            copy_opaque(&mut out, &row);
            assert_eq!(out, want, "{len}");
        }
    }
}
