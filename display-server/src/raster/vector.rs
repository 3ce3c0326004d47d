//! Pixel loops compiled for the widest vector instructions the CPU has, chosen at run time.
//!
//! The workspace builds for x86-64's baseline (SSE2), so that one binary runs on any x86-64
//! machine; a loop the compiler vectorizes moves 16 bytes at a time there. [`wide`] runs a
//! closure in a copy compiled for AVX2 (32 bytes a time) when the CPU has it, as `pulp` finds
//! at run time, with no unsafe code here: `pulp` checks the features before it calls the copy.

use std::sync::LazyLock;

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

#[cfg(test)]
mod tests {
    use super::*;

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
