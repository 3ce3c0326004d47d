//! Pictures in files: PNG in and out, baseline JPEG in (see [`crate::jpeg`]), as plain RGBA
//! pixels.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

use png::{BitDepth, ColorType, Decoder, Encoder, Transformations};

/// An image in memory: `width * height` pixels, row by row, RGBA (not premultiplied).
#[derive(Clone, PartialEq, Eq)]
pub struct Rgba {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The pixels, 4 bytes each.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Rgba {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rgba({}x{})", self.width, self.height)
    }
}

impl Rgba {
    /// The image shrunk by a whole factor so that neither side exceeds `max_side` (each new
    /// pixel the average of the square it replaces). Unchanged when it already fits.
    pub fn shrink_to(self, max_side: u32) -> Rgba {
        let longest = self.width.max(self.height);
        if longest <= max_side || max_side == 0 {
            return self;
        }
        let k = longest.div_ceil(max_side);
        let (w, h) = ((self.width / k).max(1), (self.height / k).max(1));
        let mut data = Vec::with_capacity((w * h * 4) as usize);
        for y in 0..h {
            for x in 0..w {
                let mut sum = [0u32; 4];
                for dy in 0..k {
                    for dx in 0..k {
                        let i = (((y * k + dy) * self.width + x * k + dx) * 4) as usize;
                        for (s, v) in sum.iter_mut().zip(&self.data[i..i + 4]) {
                            *s += u32::from(*v);
                        }
                    }
                }
                data.extend(sum.iter().map(|s| (s / (k * k)) as u8));
            }
        }
        Rgba {
            width: w,
            height: h,
            data,
        }
    }
}

/// Reads a PNG or JPEG file (told apart by their first bytes) as 8-bit RGBA.
pub fn load(path: &Path) -> Result<Rgba, String> {
    let mut head = [0u8; 8];
    let n = File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    if head[..n].starts_with(&[0x89, b'P', b'N', b'G']) {
        return load_png(path);
    }
    if head[..n].starts_with(&[0xff, 0xd8]) {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let (width, height, data) =
            crate::jpeg::decode(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(Rgba { width, height, data });
    }
    Err(format!("{} is neither a PNG nor a JPEG image", path.display()))
}

/// Reads a PNG of any colour type and depth as 8-bit RGBA.
pub fn load_png(path: &Path) -> Result<Rgba, String> {
    let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let bad = |e: png::DecodingError| format!("{} is not a PNG image I can read: {e}", path.display());
    let mut decoder = Decoder::new(BufReader::new(file));
    decoder.set_transformations(Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(bad)?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).map_err(bad)?;
    let pixels = &buf[..frame.buffer_size()];
    let data: Vec<u8> = match frame.color_type {
        ColorType::Rgba => pixels.to_vec(),
        ColorType::Rgb => pixels
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        ColorType::Grayscale => pixels.iter().flat_map(|&v| [v, v, v, 255]).collect(),
        ColorType::GrayscaleAlpha => pixels
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        ColorType::Indexed => return Err(format!("{}: unexpanded palette image", path.display())),
    };
    Ok(Rgba {
        width: frame.width,
        height: frame.height,
        data,
    })
}

/// Writes `width` x `height` RGBA pixels as a PNG file.
pub fn save_png(path: &Path, width: u32, height: u32, rgba: &[u8]) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
    let file = File::create(path).map_err(|e| fail(&e))?;
    let mut encoder = Encoder::new(BufWriter::new(file), width, height);
    encoder.set_color(ColorType::Rgba);
    encoder.set_depth(BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| fail(&e))?;
    writer.write_image_data(rgba).map_err(|e| fail(&e))?;
    writer.finish().map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trip_and_shrink() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.png");
        let data: Vec<u8> = (0..4 * 4 * 4).map(|i| (i * 3) as u8).collect();
        save_png(&path, 4, 4, &data).unwrap();
        let back = load_png(&path).unwrap();
        assert_eq!((back.width, back.height, &back.data), (4, 4, &data));
        let small = back.shrink_to(2);
        assert_eq!((small.width, small.height), (2, 2));
        assert!(load_png(&dir.path().join("missing.png")).is_err());
    }
}
