//! Runs of many small shapes in X's fixed layouts (`xPoint`, `xSegment`, `xRectangle`): the bytes
//! of [`crate::DrawOp::Segments`], [`crate::DrawOp::FillRects`], [`crate::DrawOp::Lines`] and
//! the ellipse runs. A run costs 4 or 8 bytes per shape on the wire, with no tag per shape, and
//! decodes as one byte copy; its coordinates are 16-bit, as X's are (the single-shape ops take
//! 32-bit ones).

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

/// A shape stored in [`Packable::SIZE`] little-endian bytes.
pub trait Packable: Copy {
    /// Bytes per shape: 4 or 8.
    const SIZE: usize;
    /// Appends the shape's bytes.
    fn write(self, out: &mut Vec<u8>);
    /// The shape from its `SIZE` bytes.
    fn read(b: &[u8]) -> Self;
}

/// A point with 16-bit coordinates, as X's `xPoint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SmallPoint {
    /// Column.
    pub x: i16,
    /// Row.
    pub y: i16,
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

impl From<SmallRect> for crate::Rect {
    fn from(r: SmallRect) -> Self {
        crate::Rect::new(r.x.into(), r.y.into(), r.width.into(), r.height.into())
    }
}

/// The first `N` bytes of `b` as little-endian 16-bit words: one length check, then plain
/// loads (indexing the slice word by word would check every byte).
#[inline]
fn words<const N: usize, const W: usize>(b: &[u8]) -> [[u8; 2]; W] {
    let mut a = [0u8; N];
    a.copy_from_slice(&b[..N]);
    std::array::from_fn(|i| [a[2 * i], a[2 * i + 1]])
}

impl Packable for SmallPoint {
    const SIZE: usize = 4;
    fn write(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.x.to_le_bytes());
        out.extend_from_slice(&self.y.to_le_bytes());
    }
    #[inline]
    fn read(b: &[u8]) -> Self {
        let [x, y] = words::<4, 2>(b).map(i16::from_le_bytes);
        SmallPoint { x, y }
    }
}

impl Packable for Segment {
    const SIZE: usize = 8;
    fn write(self, out: &mut Vec<u8>) {
        for w in [self.x1, self.y1, self.x2, self.y2] {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }
    #[inline]
    fn read(b: &[u8]) -> Self {
        let [x1, y1, x2, y2] = words::<8, 4>(b).map(i16::from_le_bytes);
        Segment { x1, y1, x2, y2 }
    }
}

impl Packable for SmallRect {
    const SIZE: usize = 8;
    fn write(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.x.to_le_bytes());
        out.extend_from_slice(&self.y.to_le_bytes());
        out.extend_from_slice(&self.width.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
    }
    #[inline]
    fn read(b: &[u8]) -> Self {
        let [x, y, w, h] = words::<8, 4>(b);
        SmallRect {
            x: i16::from_le_bytes(x),
            y: i16::from_le_bytes(y),
            width: u16::from_le_bytes(w),
            height: u16::from_le_bytes(h),
        }
    }
}

/// A run of shapes, [`Packable::SIZE`] bytes each, encoded on the wire as one byte string. Bytes off the wire
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
        shape.write(&mut self.bytes);
    }

    /// How many whole shapes the run holds.
    pub fn len(&self) -> usize {
        self.bytes.len() / T::SIZE
    }

    /// Whether it holds no whole shape.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the bytes are a whole number of shapes.
    pub fn is_whole(&self) -> bool {
        self.bytes.len() % T::SIZE == 0
    }

    /// The shapes, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = T> + Clone + '_ {
        self.bytes.chunks_exact(T::SIZE).map(T::read)
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
            list.entry(&format_args!("+{} stray bytes", self.bytes.len() % T::SIZE));
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
        let points: Packed<SmallPoint> = [SmallPoint { x: -1, y: 0x102 }].into_iter().collect();
        assert_eq!(points.as_bytes(), [0xff, 0xff, 2, 1]);
        let points: Packed<SmallPoint> = Packed::from_bytes(vec![1, 0, 2, 0, 3, 0]);
        assert!(!points.is_whole());
        assert_eq!(points.len(), 1);
        assert_eq!(points.iter().collect::<Vec<_>>(), [SmallPoint { x: 1, y: 2 }]);
    }
}
