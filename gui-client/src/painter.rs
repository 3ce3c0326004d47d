//! [`Painter`]: one draw batch, built op by op.

use dispd_protocol::{Color, DrawOp, Drawable, Rect, Request};

use crate::display::Display;

/// Collects drawing ops for one drawable; queued as a single request (one frame of drawing)
/// by [`Painter::finish`] or when dropped.
///
/// Each batch starts with colour black, line width 1 and font size 16 px.
#[derive(Debug)]
pub struct Painter<'a> {
    display: &'a mut Display,
    target: Drawable,
    ops: Vec<DrawOp>,
}

impl<'a> Painter<'a> {
    pub(crate) fn new(display: &'a mut Display, target: Drawable) -> Self {
        Self {
            display,
            target,
            ops: Vec::new(),
        }
    }

    /// Sets the colour of what follows.
    pub fn color(&mut self, color: Color) -> &mut Self {
        self.ops.push(DrawOp::SetColor(color));
        self
    }

    /// Sets the line width of what follows.
    pub fn line_width(&mut self, width: u16) -> &mut Self {
        self.ops.push(DrawOp::SetLineWidth(width));
        self
    }

    /// Sets the text size, in pixels, of what follows.
    pub fn font_size(&mut self, px: u16) -> &mut Self {
        self.ops.push(DrawOp::SetFontSize(px));
        self
    }

    /// Fills the whole drawable.
    pub fn clear(&mut self) -> &mut Self {
        self.ops.push(DrawOp::Clear);
        self
    }

    /// Fills a rectangle.
    pub fn fill_rect(&mut self, rect: Rect) -> &mut Self {
        self.ops.push(DrawOp::FillRect(rect));
        self
    }

    /// Draws a line, both ends included.
    pub fn line(&mut self, x1: i32, y1: i32, x2: i32, y2: i32) -> &mut Self {
        self.ops.push(DrawOp::Line { x1, y1, x2, y2 });
        self
    }

    /// Draws text with its baseline starting at `(x, y)`.
    pub fn text(&mut self, x: i32, y: i32, text: &str) -> &mut Self {
        self.ops.push(DrawOp::Text {
            x,
            y,
            text: text.into(),
        });
        self
    }

    /// Adds any op.
    pub fn op(&mut self, op: DrawOp) -> &mut Self {
        self.ops.push(op);
        self
    }

    /// Queues the batch and returns its sequence number.
    pub fn finish(mut self) -> u32 {
        self.queue()
    }

    fn queue(&mut self) -> u32 {
        let ops = std::mem::take(&mut self.ops);
        if ops.is_empty() {
            return self.display.last_seq();
        }
        self.display.send(&Request::Draw {
            target: self.target,
            ops,
        })
    }
}

impl Drop for Painter<'_> {
    fn drop(&mut self) {
        self.queue();
    }
}
