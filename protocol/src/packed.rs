//! Runs of many small shapes in X's fixed 8-byte layouts (`xSegment`, `xRectangle`): the bytes
//! of [`crate::DrawOp::Segments`] and [`crate::DrawOp::FillRects`]. A run costs 8 bytes per
//! shape on the wire, with no tag per shape, and decodes as one byte copy; its coordinates are
//! 16-bit, as X's are (the single-shape ops take 32-bit ones).

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

/// A shape stored in 8 little-endian bytes.
pub trait Packable: Copy {
    /// The shape's bytes.
    fn to_bytes(self) -> [u8; 8];
    /// The shape from its bytes.
    fn from_bytes(b: [u8; 8]) -> Self;
}

/// A line segment from `(x1, y1)` to `(x2, y2)`, as X's `xSegment`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Segment {
    /// Start, x.
    pub x1: i16,
    /// Start, y.
    pub y1: i16,
    /// End, x.
    pub x2: i16,
    /// End, y.
    pub y2: i16,
}

/// A rectangle with 16-bit coordinates, as X's `xRectangle`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SmallRect {
    /// Left edge.
    pub x: i16,
    /// Top edge.
    pub y: i16,
    /// Width.
    pub width: u16,
    /// Height.
    pub height: u16,
}

/// Four 16-bit words from 8 bytes.
fn words(b: [u8; 8]) -> [[u8; 2]; 4] {
    [[b[0], b[1]], [b[2], b[3]], [b[4], b[5]], [b[6], b[7]]]
}

/// 8 bytes from four 16-bit words.
fn bytes(w: [[u8; 2]; 4]) -> [u8; 8] {
    [
        w[0][0], w[0][1], w[1][0], w[1][1], w[2][0], w[2][1], w[3][0], w[3][1],
    ]
}

impl Packable for Segment {
    fn to_bytes(self) -> [u8; 8] {
        bytes([
            self.x1.to_le_bytes(),
            self.y1.to_le_bytes(),
            self.x2.to_le_bytes(),
            self.y2.to_le_bytes(),
        ])
    }
    fn from_bytes(b: [u8; 8]) -> Self {
        let [x1, y1, x2, y2] = words(b).map(i16::from_le_bytes);
        Segment { x1, y1, x2, y2 }
    }
}

impl Packable for SmallRect {
    fn to_bytes(self) -> [u8; 8] {
        bytes([
            self.x.to_le_bytes(),
            self.y.to_le_bytes(),
            self.width.to_le_bytes(),
            self.height.to_le_bytes(),
        ])
    }
    fn from_bytes(b: [u8; 8]) -> Self {
        let [x, y, w, h] = words(b);
        SmallRect {
            x: i16::from_le_bytes(x),
            y: i16::from_le_bytes(y),
            width: u16::from_le_bytes(w),
            height: u16::from_le_bytes(h),
        }
    }
}

/// A run of shapes, 8 bytes each, encoded on the wire as one byte string. Bytes off the wire
/// may not be a whole number of shapes: [`Packed::is_whole`] tells (the server refuses such a
/// run); [`Packed::iter`] ignores a partial tail.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent, bound = "")]
pub struct Packed<T> {
    #[serde(with = "serde_bytes")]
    bytes: Vec<u8>,
    #[serde(skip)]
    shape: PhantomData<T>,
}

impl<T: Packable> Packed<T> {
    /// An empty run.
    pub fn new() -> Self {
        Self::from_bytes(Vec::new())
    }

    /// A run from raw bytes (as they came off the wire).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            shape: PhantomData,
        }
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Appends a shape.
    pub fn push(&mut self, shape: T) {
        self.bytes.extend_from_slice(&shape.to_bytes());
    }

    /// How many whole shapes the run holds.
    pub fn len(&self) -> usize {
        self.bytes.len() / 8
    }

    /// Whether it holds no whole shape.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the bytes are a whole number of shapes.
    pub fn is_whole(&self) -> bool {
        self.bytes.len() % 8 == 0
    }

    /// The shapes, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = T> + '_ {
        self.bytes.chunks_exact(8).map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            T::from_bytes(b)
        })
    }
}

impl<T: Packable> Default for Packed<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Packable> FromIterator<T> for Packed<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut run = Self::new();
        iter.into_iter().for_each(|s| run.push(s));
        run
    }
}

impl<T: Packable + std::fmt::Debug> std::fmt::Debug for Packed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_list();
        list.entries(self.iter());
        if !self.is_whole() {
            list.entry(&format_args!("+{} stray bytes", self.bytes.len() % 8));
        }
        list.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_x11_s_eight_little_endian_bytes() {
        let run: Packed<Segment> = [Segment {
            x1: 1,
            y1: -2,
            x2: 0x1234,
            y2: i16::MIN,
        }]
        .into_iter()
        .collect();
        assert_eq!(run.as_bytes(), [1, 0, 0xfe, 0xff, 0x34, 0x12, 0x00, 0x80]);
        let rects: Packed<SmallRect> = Packed::from_bytes(vec![5, 0, 6, 0, 0xff, 0xff, 1, 0, 9]);
        assert!(!rects.is_whole());
        assert_eq!(
            rects.iter().collect::<Vec<_>>(),
            [SmallRect {
                x: 5,
                y: 6,
                width: 65535,
                height: 1
            }]
        );
    }
}
