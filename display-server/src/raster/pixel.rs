//! Premultiplied pixel arithmetic on `0xAARRGGBB` words.

use dispd_protocol::Color;

/// `v / 255`, rounded, for `v` up to `255 * 255`.
#[inline]
fn div255(v: u32) -> u32 {
    let v = v + 128;
    (v + (v >> 8)) >> 8
}

/// A colour (not premultiplied) as a premultiplied pixel.
#[inline]
pub fn pack(c: Color) -> u32 {
    premultiply([c.r(), c.g(), c.b(), c.a()])
}

/// RGBA bytes (not premultiplied) as a premultiplied pixel.
#[inline]
pub fn premultiply([r, g, b, a]: [u8; 4]) -> u32 {
    let a32 = u32::from(a);
    if a == 255 {
        return 0xff00_0000 | u32::from(r) << 16 | u32::from(g) << 8 | u32::from(b);
    }
    a32 << 24
        | div255(u32::from(r) * a32) << 16
        | div255(u32::from(g) * a32) << 8
        | div255(u32::from(b) * a32)
}

/// A premultiplied pixel as RGBA bytes (not premultiplied).
#[inline]
pub fn unpremultiply(p: u32) -> [u8; 4] {
    let a = p >> 24;
    if a == 255 {
        return [(p >> 16) as u8, (p >> 8) as u8, p as u8, 255];
    }
    let ch = |shift: u32| {
        let c = (p >> shift) & 0xff;
        match a {
            255 => c,
            0 => 0,
            _ => ((c * 255 + a / 2) / a).min(255),
        }
    };
    [ch(16) as u8, ch(8) as u8, ch(0) as u8, a as u8]
}

/// Source-over: premultiplied `src` onto premultiplied `dst`.
#[inline]
pub fn over(dst: u32, src: u32) -> u32 {
    let inv = 255 - (src >> 24);
    // Red and blue (and alpha and green) two channels at a time.
    let rb = dst & 0x00ff_00ff;
    let ag = (dst >> 8) & 0x00ff_00ff;
    let rb = mul_pair(rb, inv);
    let ag = mul_pair(ag, inv);
    src.wrapping_add(rb | (ag << 8))
}

/// `dst` moved towards `src` by `t / 255` in every channel: what a replacing blend paints at
/// coverage `t` (all of `src` at 255, nothing at 0).
#[inline]
pub fn lerp(dst: u32, src: u32, t: u8) -> u32 {
    let t = u32::from(t);
    [0, 8, 16, 24].into_iter().fold(0, |out, shift| {
        let (s, d) = ((src >> shift) & 0xff, (dst >> shift) & 0xff);
        out | div255(s * t + d * (255 - t)) << shift
    })
}

/// Two 8-bit channels (in bits 0..8 and 16..24) each times `k / 255`, rounded.
#[inline]
fn mul_pair(pair: u32, k: u32) -> u32 {
    let v = pair * k + 0x0080_0080;
    ((v + ((v >> 8) & 0x00ff_00ff)) >> 8) & 0x00ff_00ff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn premultiply_round_trips_opaque_and_transparent() {
        assert_eq!(unpremultiply(premultiply([1, 2, 3, 255])), [1, 2, 3, 255]);
        assert_eq!(unpremultiply(premultiply([9, 9, 9, 0])), [0, 0, 0, 0]);
        let p = premultiply([200, 100, 50, 128]);
        let [r, g, b, a] = unpremultiply(p);
        assert_eq!(a, 128);
        for (got, want) in [(r, 200), (g, 100), (b, 50)] {
            assert!(got.abs_diff(want) <= 1, "{got} vs {want}");
        }
    }

    #[test]
    fn lerp_takes_the_ends_whole_and_rounds_between() {
        let (dst, src) = (0xff10_80f0, 0x80ff_0040);
        assert_eq!(lerp(dst, src, 0), dst);
        assert_eq!(lerp(dst, src, 255), src);
        for t in 0..=255u32 {
            let got = lerp(dst, src, t as u8);
            for shift in [0, 8, 16, 24] {
                let (s, d) = ((src >> shift) & 0xff, (dst >> shift) & 0xff);
                let want = (s * t + d * (255 - t) + 127) / 255;
                assert_eq!((got >> shift) & 0xff, want, "t {t} shift {shift}");
            }
        }
    }

    #[test]
    fn over_matches_the_formula_for_every_alpha() {
        let dst = 0xff10_80f0;
        for a in 0..=255u32 {
            let src = premultiply([255, 0, 40, a as u8]);
            let got = over(dst, src);
            for shift in [0, 8, 16, 24] {
                let s = (src >> shift) & 0xff;
                let d = (dst >> shift) & 0xff;
                let want = s + div255(d * (255 - a));
                assert_eq!((got >> shift) & 0xff, want, "alpha {a} shift {shift}");
            }
        }
    }
}
