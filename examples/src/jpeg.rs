//! A small baseline JPEG decoder, so that `viewer` shows photos without another crate.
//!
//! Handles what cameras, phones and most tools write by default: baseline (and extended
//! sequential) Huffman-coded JPEG, 8-bit, greyscale or YCbCr with any of the usual chroma
//! subsamplings (4:4:4, 4:2:2, 4:2:0 ...), interleaved or one scan per component, restart
//! markers. Not handled, with an error saying so: progressive and lossless JPEG, arithmetic
//! coding, 12-bit samples, CMYK. EXIF orientation is ignored. Chroma is upsampled by
//! repeating samples, and the inverse DCT is the plain floating-point one: clear rather than fast.

/// Decoded pixels: `(width, height, rgba)`.
pub type Pixels = (u32, u32, Vec<u8>);

/// Natural (row-major) position of the `k`th coefficient in zig-zag order.
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
    14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39,
    46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// A Huffman table as the spec's decoding procedure wants it (ITU T.81, F.2.2.3).
#[derive(Clone, Debug, Default)]
struct Huffman {
    /// Largest code of each length (1 to 16), -1 when there is none.
    max_code: [i32; 17],
    /// Index in `symbols` of the first code of each length, minus that code.
    offset: [i32; 17],
    symbols: Vec<u8>,
}

impl Huffman {
    fn new(counts: &[u8; 16], symbols: Vec<u8>) -> Huffman {
        let mut h = Huffman {
            max_code: [-1; 17],
            offset: [0; 17],
            symbols,
        };
        let (mut code, mut k) = (0i32, 0i32);
        for len in 1..=16 {
            let n = i32::from(counts[len - 1]);
            if n > 0 {
                h.offset[len] = k - code;
                code += n;
                k += n;
                h.max_code[len] = code - 1;
            }
            code <<= 1;
        }
        h
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Component {
    id: u8,
    h: usize,
    v: usize,
    quant: usize,
    dc_table: usize,
    ac_table: usize,
    dc_pred: i32,
}

/// Reads the entropy-coded bits of a scan, undoing byte stuffing and stopping at markers.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u32,
    count: u32,
}

impl Bits<'_> {
    fn bit(&mut self) -> u32 {
        if self.count == 0 {
            let mut byte = 0;
            if let Some(&b) = self.data.get(self.pos) {
                if b != 0xff {
                    byte = b;
                    self.pos += 1;
                } else if self.data.get(self.pos + 1) == Some(&0) {
                    byte = 0xff;
                    self.pos += 2;
                }
                // At a marker: feed zeros and stay put.
            }
            self.acc = u32::from(byte);
            self.count = 8;
        }
        self.count -= 1;
        (self.acc >> self.count) & 1
    }

    fn bits(&mut self, n: u32) -> u32 {
        (0..n).fold(0, |v, _| (v << 1) | self.bit())
    }

    /// `n` bits as a signed coefficient (the spec's EXTEND).
    fn signed(&mut self, n: u32) -> i32 {
        if n == 0 {
            return 0;
        }
        let v = self.bits(n) as i32;
        if v < 1 << (n - 1) {
            v - (1 << n) + 1
        } else {
            v
        }
    }

    fn decode(&mut self, h: &Huffman) -> Result<u8, String> {
        let mut code = 0i32;
        for len in 1..=16 {
            code = (code << 1) | self.bit() as i32;
            if code <= h.max_code[len] {
                let i = (code + h.offset[len]) as usize;
                return h
                    .symbols
                    .get(i)
                    .copied()
                    .ok_or_else(|| "bad Huffman code".to_owned());
            }
        }
        Err("corrupt JPEG data (no Huffman code matches)".into())
    }

    /// Skips to the byte after a restart marker.
    fn restart(&mut self) {
        self.count = 0;
        while self.pos + 1 < self.data.len() {
            if self.data[self.pos] == 0xff && (0xd0..=0xd7).contains(&self.data[self.pos + 1]) {
                self.pos += 2;
                return;
            }
            self.pos += 1;
        }
    }
}

/// Cosines of the inverse DCT: `c(u) * cos((2x + 1) u pi / 16) / 2`.
fn idct_table() -> [[f32; 8]; 8] {
    let mut t = [[0.0; 8]; 8];
    for (x, row) in t.iter_mut().enumerate() {
        for (u, v) in row.iter_mut().enumerate() {
            let c = if u == 0 {
                std::f32::consts::FRAC_1_SQRT_2
            } else {
                1.0
            };
            *v = c * ((2 * x + 1) as f32 * u as f32 * std::f32::consts::PI / 16.0).cos() / 2.0;
        }
    }
    t
}

/// Decodes a JPEG file's bytes to RGBA.
pub fn decode(data: &[u8]) -> Result<Pixels, String> {
    if data.get(..2) != Some(&[0xff, 0xd8]) {
        return Err("not a JPEG file".into());
    }
    let mut quant = [[0u16; 64]; 4];
    let mut dc = vec![Huffman::default(); 4];
    let mut ac = vec![Huffman::default(); 4];
    let mut comps: Vec<Component> = Vec::new();
    let (mut width, mut height) = (0usize, 0usize);
    let mut planes: Vec<Vec<u8>> = Vec::new();
    let mut restart_interval = 0usize;
    let idct = idct_table();
    let mut pos = 2;
    let short = || "truncated JPEG file".to_owned();
    loop {
        // Find the next marker (skipping fill bytes).
        while data.get(pos) == Some(&0xff) && data.get(pos + 1) == Some(&0xff) {
            pos += 1;
        }
        let (&ff, &marker) = (
            data.get(pos).ok_or_else(short)?,
            data.get(pos + 1).ok_or_else(short)?,
        );
        if ff != 0xff {
            return Err("corrupt JPEG file (marker expected)".into());
        }
        pos += 2;
        if marker == 0xd9 {
            break;
        }
        if (0xd0..=0xd7).contains(&marker) || marker == 0x01 {
            continue;
        }
        let len = usize::from(u16::from_be_bytes([
            *data.get(pos).ok_or_else(short)?,
            *data.get(pos + 1).ok_or_else(short)?,
        ]));
        let seg = data.get(pos + 2..pos + len).ok_or_else(short)?;
        pos += len;
        match marker {
            0xdb => {
                let mut s = seg;
                while let Some((&pq_tq, rest)) = s.split_first() {
                    let (wide, id) = (pq_tq >> 4 != 0, usize::from(pq_tq & 3));
                    let n = if wide { 128 } else { 64 };
                    let values = rest.get(..n).ok_or_else(short)?;
                    for k in 0..64 {
                        quant[id][k] = if wide {
                            u16::from_be_bytes([values[2 * k], values[2 * k + 1]])
                        } else {
                            u16::from(values[k])
                        };
                    }
                    s = &rest[n..];
                }
            }
            0xc4 => {
                let mut s = seg;
                while let Some((&tc_th, rest)) = s.split_first() {
                    let counts: [u8; 16] = rest
                        .get(..16)
                        .ok_or_else(short)?
                        .try_into()
                        .map_err(|_| short())?;
                    let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
                    let symbols = rest.get(16..16 + total).ok_or_else(short)?.to_vec();
                    let table = Huffman::new(&counts, symbols);
                    let id = usize::from(tc_th & 3);
                    if tc_th >> 4 == 0 {
                        dc[id] = table;
                    } else {
                        ac[id] = table;
                    }
                    s = &rest[16 + total..];
                }
            }
            0xc0 | 0xc1 => {
                if seg.first() != Some(&8) {
                    return Err("only 8-bit JPEG is supported".into());
                }
                height = usize::from(u16::from_be_bytes([seg[1], seg[2]]));
                width = usize::from(u16::from_be_bytes([seg[3], seg[4]]));
                let n = usize::from(seg[5]);
                if !(n == 1 || n == 3) {
                    return Err(format!("JPEG with {n} components (CMYK?) is not supported"));
                }
                for i in 0..n {
                    let c = seg.get(6 + 3 * i..9 + 3 * i).ok_or_else(short)?;
                    let (h, v) = (usize::from(c[1] >> 4), usize::from(c[1] & 15));
                    if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
                        return Err("bad JPEG sampling factors".into());
                    }
                    comps.push(Component {
                        id: c[0],
                        h,
                        v,
                        quant: usize::from(c[2] & 3),
                        ..Component::default()
                    });
                }
            }
            0xc2 | 0xc6 | 0xca | 0xce => {
                return Err("progressive JPEG is not supported; save it as baseline".into())
            }
            0xc3 | 0xc5 | 0xc7 | 0xc9..=0xcb | 0xcd | 0xcf => {
                return Err(
                    "this kind of JPEG (lossless, hierarchical or arithmetic-coded) is not supported".into(),
                )
            }
            0xdd => restart_interval = usize::from(u16::from_be_bytes([seg[0], seg[1]])),
            0xda => {
                if comps.is_empty() || width == 0 || height == 0 {
                    return Err("JPEG scan before the frame header".into());
                }
                let hmax = comps.iter().map(|c| c.h).max().unwrap_or(1);
                let vmax = comps.iter().map(|c| c.v).max().unwrap_or(1);
                let (mcux, mcuy) = (width.div_ceil(8 * hmax), height.div_ceil(8 * vmax));
                if planes.is_empty() {
                    planes = comps
                        .iter()
                        .map(|c| vec![0u8; mcux * c.h * 8 * mcuy * c.v * 8])
                        .collect();
                }
                let n = usize::from(seg[0]);
                let mut in_scan = Vec::with_capacity(n);
                for i in 0..n {
                    let (id, tables) = (seg[1 + 2 * i], seg[2 + 2 * i]);
                    let ci = comps
                        .iter()
                        .position(|c| c.id == id)
                        .ok_or("JPEG scan of an unknown component")?;
                    comps[ci].dc_table = usize::from(tables >> 4 & 3);
                    comps[ci].ac_table = usize::from(tables & 3);
                    comps[ci].dc_pred = 0;
                    in_scan.push(ci);
                }
                let mut bits = Bits {
                    data,
                    pos,
                    acc: 0,
                    count: 0,
                };
                // Interleaved scans code whole MCUs; a scan of one component codes its blocks
                // one by one, over just the blocks that cover the image.
                let units: Vec<(usize, usize)> = if n == 1 {
                    let c = comps[in_scan[0]];
                    let bw = (width * c.h).div_ceil(8 * hmax);
                    let bh = (height * c.v).div_ceil(8 * vmax);
                    (0..bh).flat_map(|y| (0..bw).map(move |x| (x, y))).collect()
                } else {
                    (0..mcuy).flat_map(|y| (0..mcux).map(move |x| (x, y))).collect()
                };
                for (i, &(ux, uy)) in units.iter().enumerate() {
                    if restart_interval > 0 && i > 0 && i % restart_interval == 0 {
                        bits.restart();
                        for &ci in &in_scan {
                            comps[ci].dc_pred = 0;
                        }
                    }
                    for &ci in &in_scan {
                        let c = comps[ci];
                        let blocks: Vec<(usize, usize)> = if n == 1 {
                            vec![(ux, uy)]
                        } else {
                            (0..c.v)
                                .flat_map(|v| (0..c.h).map(move |h| (ux * c.h + h, uy * c.v + v)))
                                .collect()
                        };
                        for (bx, by) in blocks {
                            let mut coef = [0f32; 64];
                            let q = &quant[c.quant];
                            let s = bits.decode(&dc[c.dc_table])?;
                            comps[ci].dc_pred += bits.signed(u32::from(s));
                            coef[0] = comps[ci].dc_pred as f32 * f32::from(q[0]);
                            let mut k = 1;
                            while k < 64 {
                                let rs = bits.decode(&ac[c.ac_table])?;
                                let (r, s) = (usize::from(rs >> 4), u32::from(rs & 15));
                                if s == 0 {
                                    if r != 15 {
                                        break;
                                    }
                                    k += 16;
                                    continue;
                                }
                                k += r;
                                if k > 63 {
                                    break;
                                }
                                coef[ZIGZAG[k]] = bits.signed(s) as f32 * f32::from(q[k]);
                                k += 1;
                            }
                            let stride = mcux * c.h * 8;
                            idct_block(&coef, &idct, &mut planes[ci], stride, bx * 8, by * 8);
                        }
                    }
                }
                // Continue after the scan's data, at the next marker that is not a restart.
                pos = bits.pos;
                while pos + 1 < data.len()
                    && !(data[pos] == 0xff && data[pos + 1] != 0 && !(0xd0..=0xd7).contains(&data[pos + 1]))
                {
                    pos += 1;
                }
            }
            _ => {} // APPn, COM and the like.
        }
    }
    if planes.is_empty() {
        return Err("JPEG file without image data".into());
    }
    Ok((
        width as u32,
        height as u32,
        to_rgba(&comps, &planes, width, height),
    ))
}

/// The inverse DCT of one block, written (shifted by 128 and clamped) into `plane` at `(x0, y0)`.
fn idct_block(coef: &[f32; 64], t: &[[f32; 8]; 8], plane: &mut [u8], stride: usize, x0: usize, y0: usize) {
    // Columns first (vertical frequencies to rows), then each row.
    let mut rows = [[0f32; 8]; 8];
    for (row, ty) in rows.iter_mut().zip(t) {
        for (u, out) in row.iter_mut().enumerate() {
            *out = ty.iter().enumerate().map(|(v, c)| c * coef[v * 8 + u]).sum();
        }
    }
    for (y, row) in rows.iter().enumerate() {
        for (x, tx) in t.iter().enumerate() {
            let s: f32 = tx.iter().zip(row).map(|(c, r)| c * r).sum();
            if let Some(p) = plane.get_mut((y0 + y) * stride + x0 + x) {
                *p = (s + 128.0).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}

/// Greyscale or YCbCr planes to RGBA.
fn to_rgba(comps: &[Component], planes: &[Vec<u8>], width: usize, height: usize) -> Vec<u8> {
    let hmax = comps.iter().map(|c| c.h).max().unwrap_or(1);
    let vmax = comps.iter().map(|c| c.v).max().unwrap_or(1);
    let mcux = width.div_ceil(8 * hmax);
    let sample = |i: usize, x: usize, y: usize| {
        let c = &comps[i];
        let stride = mcux * c.h * 8;
        f32::from(planes[i][y * c.v / vmax * stride + x * c.h / hmax])
    };
    let mut out = Vec::with_capacity(width * height * 4);
    for y in 0..height {
        for x in 0..width {
            let luma = sample(0, x, y);
            if comps.len() == 1 {
                let v = luma as u8;
                out.extend_from_slice(&[v, v, v, 255]);
                continue;
            }
            let (cb, cr) = (sample(1, x, y) - 128.0, sample(2, x, y) - 128.0);
            let to8 = |v: f32| v.round().clamp(0.0, 255.0) as u8;
            out.extend_from_slice(&[
                to8(luma + 1.402 * cr),
                to8(luma - 0.344_136 * cb - 0.714_136 * cr),
                to8(luma + 1.772 * cb),
                255,
            ]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(px: &[u8], want: [u8; 3]) -> bool {
        px.iter().zip(want).all(|(a, b)| a.abs_diff(b) <= 12)
    }

    #[test]
    fn decodes_colour_and_grey_baseline_files() {
        // 16x24, 4:2:0, a blue-to-red gradient left to right (made with ImageMagick, whose own
        // decoder gave the expected values).
        let (w, h, rgba) = decode(include_bytes!("../tests/data/gradient.jpg")).expect("decodes");
        assert_eq!((w, h), (16, 24));
        let at = |x: usize, y: usize| &rgba[(y * 16 + x) * 4..(y * 16 + x) * 4 + 3];
        assert!(near(at(0, 0), [55, 78, 216]), "{:?}", at(0, 0));
        assert!(near(at(15, 0), [217, 50, 57]), "{:?}", at(15, 0));
        assert!(near(at(8, 12), [143, 63, 132]), "{:?}", at(8, 12));
        let (w, h, grey) = decode(include_bytes!("../tests/data/grey.jpg")).expect("decodes");
        assert_eq!((w, h), (24, 16));
        assert!(grey
            .chunks_exact(4)
            .all(|p| near(p, [128, 128, 128]) && p[3] == 255));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(decode(b"GIF89a").is_err());
        assert!(decode(&[0xff, 0xd8, 0xff]).is_err());
        // A progressive frame header.
        let progressive = [0xff, 0xd8, 0xff, 0xc2, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0];
        assert!(decode(&progressive).unwrap_err().contains("progressive"));
    }
}
