//! Widgets and layout the demos share: a colour theme, rectangle arithmetic, text placed in a
//! box, and buttons that light up under the pointer and sink when pressed.
//!
//! Text is measured on the client ([`Display::text_width`], [`Display::font_extents`]), which
//! needs the `Display` while a [`gui_client::Painter`] would hold it too; so every drawing
//! function here measures first and paints after.

use gui_client::{Button as MouseButton, ClientError, Color, Display, Event, FontFace, Rect, WindowId};

/// Dark text.
pub const INK: Color = Color::rgb(0x20, 0x24, 0x2c);
/// Secondary text.
pub const MUTED: Color = Color::rgb(0x70, 0x74, 0x7c);
/// Window backgrounds.
pub const PAPER: Color = Color::rgb(0xf4, 0xf5, 0xf7);
/// Panels (toolbars, status bars).
pub const PANEL: Color = Color::rgb(0xe3, 0xe6, 0xeb);
/// Lines between areas.
pub const RULE: Color = Color::rgb(0xc0, 0xc4, 0xcc);
/// Highlights: selections, the chosen tool.
pub const ACCENT: Color = Color::rgb(0x30, 0x68, 0xd8);
/// Warnings and errors.
pub const DANGER: Color = Color::rgb(0xd0, 0x38, 0x38);

/// `c` lightened (`amount` > 0) or darkened (`amount` < 0), `amount` from -1 to 1.
pub fn shade(c: Color, amount: f32) -> Color {
    let f = |v: u8| {
        let v = f32::from(v);
        let t = if amount >= 0.0 {
            v + (255.0 - v) * amount
        } else {
            v * (1.0 + amount)
        };
        t.round().clamp(0.0, 255.0) as u8
    };
    Color::rgba(f(c.r()), f(c.g()), f(c.b()), c.a())
}

// ---------------------------------------------------------------------------------------------
// Layout

/// `r` shrunk by `d` pixels on every side (never below zero size).
pub fn inset(r: Rect, d: i32) -> Rect {
    let w = (r.width as i32 - 2 * d).max(0) as u32;
    let h = (r.height as i32 - 2 * d).max(0) as u32;
    Rect::new(r.x + d, r.y + d, w, h)
}

/// `r` cut into a band of height `h` at the top and the rest below.
pub fn split_top(r: Rect, h: u32) -> (Rect, Rect) {
    let h = h.min(r.height);
    (
        Rect::new(r.x, r.y, r.width, h),
        Rect::new(r.x, r.y + h as i32, r.width, r.height - h),
    )
}

/// `r` cut into the rest above and a band of height `h` at the bottom.
pub fn split_bottom(r: Rect, h: u32) -> (Rect, Rect) {
    let h = h.min(r.height);
    let rest = r.height - h;
    (
        Rect::new(r.x, r.y, r.width, rest),
        Rect::new(r.x, r.y + rest as i32, r.width, h),
    )
}

/// The largest rectangle of `content`'s aspect ratio that fits in `area`, centred in it.
pub fn fit(content_w: u32, content_h: u32, area: Rect) -> Rect {
    if content_w == 0 || content_h == 0 || area.is_empty() {
        return Rect::new(area.x, area.y, 0, 0);
    }
    let scale =
        (f64::from(area.width) / f64::from(content_w)).min(f64::from(area.height) / f64::from(content_h));
    let w = ((f64::from(content_w) * scale).round() as u32).clamp(1, area.width);
    let h = ((f64::from(content_h) * scale).round() as u32).clamp(1, area.height);
    Rect::new(
        area.x + ((area.width - w) / 2) as i32,
        area.y + ((area.height - h) / 2) as i32,
        w,
        h,
    )
}

/// A grid of equal cells with gaps between them, filling an area.
#[derive(Clone, Copy, Debug)]
pub struct Grid {
    area: Rect,
    cols: u32,
    rows: u32,
    gap: u32,
}

impl Grid {
    /// `cols` x `rows` cells in `area`, `gap` pixels apart.
    pub fn new(area: Rect, cols: u32, rows: u32, gap: u32) -> Self {
        Self {
            area,
            cols: cols.max(1),
            rows: rows.max(1),
            gap,
        }
    }

    /// The rectangle covering `span` cells across and `rows_span` down from cell `(col, row)`.
    pub fn cell(&self, col: u32, row: u32, span: u32, rows_span: u32) -> Rect {
        let edge = |start: i32, len: u32, n: u32, i: u32| {
            // Cell edges at integer positions spread over `len`, so leftover pixels are shared out.
            let total = len.saturating_sub(self.gap * (n - 1));
            start + (i * self.gap + total * i / n) as i32
        };
        let x0 = edge(self.area.x, self.area.width, self.cols, col);
        let y0 = edge(self.area.y, self.area.height, self.rows, row);
        let (c1, r1) = ((col + span).min(self.cols), (row + rows_span).min(self.rows));
        let x1 = edge(self.area.x, self.area.width, self.cols, c1) - self.gap as i32;
        let y1 = edge(self.area.y, self.area.height, self.rows, r1) - self.gap as i32;
        let x1 = if c1 == self.cols {
            self.area.x + self.area.width as i32
        } else {
            x1
        };
        let y1 = if r1 == self.rows {
            self.area.y + self.area.height as i32
        } else {
            y1
        };
        Rect::new(x0, y0, (x1 - x0).max(0) as u32, (y1 - y0).max(0) as u32)
    }
}

/// Lays out items of given widths left to right in a band, `gap` apart, from `x`.
#[derive(Debug)]
pub struct Row {
    x: i32,
    y: i32,
    height: u32,
    gap: u32,
}

impl Row {
    /// A row inside `band` starting `pad` pixels in, items `gap` apart, `pad` from top and bottom.
    pub fn new(band: Rect, pad: u32, gap: u32) -> Self {
        Self {
            x: band.x + pad as i32,
            y: band.y + pad as i32,
            height: band.height.saturating_sub(2 * pad),
            gap,
        }
    }

    /// The next item's rectangle, `width` wide.
    pub fn next(&mut self, width: u32) -> Rect {
        let r = Rect::new(self.x, self.y, width, self.height);
        self.x += (width + self.gap) as i32;
        r
    }

    /// Leaves `width` pixels empty (a separator).
    pub fn skip(&mut self, width: u32) {
        self.x += width as i32;
    }

    /// Where the next item would start.
    pub fn x(&self) -> i32 {
        self.x
    }
}

// ---------------------------------------------------------------------------------------------
// Text

/// Horizontal placement of text in a box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Against the left edge.
    Left,
    /// Centred.
    Centre,
    /// Against the right edge.
    Right,
}

/// Where the baseline of `text` starts so that it sits in `rect` as `align` says, centred
/// vertically (by the font's ascent and descent, so that every string of a face sits alike).
pub fn place_text(
    display: &mut Display,
    face: FontFace,
    px: u16,
    text: &str,
    rect: Rect,
    align: Align,
) -> Result<(i32, i32), ClientError> {
    let width = display.text_width(face, px, text)?.round() as i32;
    let (ascent, descent) = display.font_extents(face, px)?;
    let x = match align {
        Align::Left => rect.x,
        Align::Centre => rect.x + (rect.width as i32 - width) / 2,
        Align::Right => rect.x + rect.width as i32 - width,
    };
    let y = rect.y + ((rect.height as f32 + ascent - descent) / 2.0).round() as i32;
    Ok((x, y))
}

// ---------------------------------------------------------------------------------------------
// Buttons

/// What a button shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Face {
    /// A text label.
    Label(String),
    /// A patch of colour (a palette entry).
    Swatch(Color),
    /// A dot of this diameter (a brush size).
    Dot(u16),
}

/// A button's colours and shape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    /// Background at rest; hover lightens it, pressing darkens it.
    pub fill: Color,
    /// Label colour.
    pub text: Color,
    /// Label size in pixels.
    pub font_px: u16,
    /// Corner radius.
    pub radius: u16,
}

impl Style {
    /// Plain buttons: light grey, dark label.
    pub const PLAIN: Style = Style {
        fill: Color::rgb(0xfa, 0xfb, 0xfc),
        text: INK,
        font_px: 15,
        radius: 6,
    };
    /// The main action: accent background, white label.
    pub const PRIMARY: Style = Style {
        fill: ACCENT,
        text: Color::WHITE,
        font_px: 15,
        radius: 6,
    };

    /// This style with labels of `px` pixels.
    pub const fn sized(self, px: u16) -> Style {
        Style { font_px: px, ..self }
    }

    /// This style on a `fill` background with `text` labels.
    pub const fn colored(self, fill: Color, text: Color) -> Style {
        Style { fill, text, ..self }
    }
}

/// One button: where it is, what it shows, and what clicking it means.
#[derive(Clone, Debug)]
pub struct Button<T> {
    /// Where, in window coordinates.
    pub rect: Rect,
    /// What it shows.
    pub face: Face,
    /// How it looks.
    pub style: Style,
    /// What a click on it reports.
    pub value: T,
    /// Drawn with an accent ring (the chosen colour, a toggled option).
    pub selected: bool,
}

/// What a button looks like right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    Rest,
    Hover,
    Pressed,
}

/// A set of buttons in one window, tracking which one the pointer is over and which one is
/// held down. A click is a press and a release on the same button.
#[derive(Debug)]
pub struct Buttons<T> {
    items: Vec<Button<T>>,
    hover: Option<usize>,
    pressed: Option<usize>,
    /// A button held down from the keyboard (a calculator key typed rather than clicked).
    key_held: Option<usize>,
}

impl<T> Default for Buttons<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            hover: None,
            pressed: None,
            key_held: None,
        }
    }
}

/// What one event did to a set of buttons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response<T> {
    /// The value of the button just clicked.
    pub clicked: Option<T>,
    /// Whether the buttons look different now (redraw them).
    pub changed: bool,
}

impl<T: Copy + PartialEq> Buttons<T> {
    /// No buttons.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes every button (before laying them out again for a new window size).
    pub fn clear(&mut self) {
        self.items.clear();
        self.hover = None;
        self.pressed = None;
        self.key_held = None;
    }

    /// Adds a button.
    pub fn add(&mut self, rect: Rect, face: Face, style: Style, value: T) {
        self.items.push(Button {
            rect,
            face,
            style,
            value,
            selected: false,
        });
    }

    /// The buttons.
    pub fn iter(&self) -> impl Iterator<Item = &Button<T>> {
        self.items.iter()
    }

    /// Marks the buttons for which `pick` is true as selected, the others as not.
    pub fn select(&mut self, pick: impl Fn(T) -> bool) {
        for b in &mut self.items {
            b.selected = pick(b.value);
        }
    }

    /// The button under `(x, y)`.
    fn at(&self, x: i32, y: i32) -> Option<usize> {
        self.items.iter().position(|b| b.rect.contains(x, y))
    }

    /// Tracks the pointer: hover on motion, press and click on the left button.
    pub fn handle(&mut self, event: &Event) -> Response<T> {
        let before = (self.hover, self.pressed);
        let mut clicked = None;
        match *event {
            Event::PointerMotion { x, y, .. } | Event::PointerEnter { x, y, .. } => {
                self.hover = self.at(x, y);
            }
            Event::PointerLeave { .. } => {
                // A release outside the window never comes back here: forget the press too.
                self.hover = None;
                self.pressed = None;
            }
            Event::PointerButton {
                x,
                y,
                button: MouseButton::Left,
                pressed,
                ..
            } => {
                let under = self.at(x, y);
                self.hover = under;
                if pressed {
                    self.pressed = under;
                } else {
                    if under.is_some() && under == self.pressed {
                        clicked = under.map(|i| self.items[i].value);
                    }
                    self.pressed = None;
                }
            }
            _ => {}
        }
        Response {
            clicked,
            changed: (self.hover, self.pressed) != before,
        }
    }

    /// Shows the button whose value is `value` held down (`down`) or released, for keys that
    /// stand for buttons. Returns whether anything changed.
    pub fn show_key(&mut self, value: Option<T>, down: bool) -> bool {
        let before = self.key_held;
        self.key_held = match (down, value) {
            (true, Some(v)) => self.items.iter().position(|b| b.value == v),
            _ => None,
        };
        self.key_held != before
    }

    fn look(&self, i: usize) -> Look {
        if self.pressed == Some(i) && self.hover == Some(i) || self.key_held == Some(i) {
            Look::Pressed
        } else if self.hover == Some(i) && self.pressed.is_none() {
            Look::Hover
        } else {
            Look::Rest
        }
    }

    /// Draws every button into `window` (one batch), on `background`: the area around each
    /// button is painted first, so that a button that moves when pressed leaves nothing behind.
    pub fn draw(
        &self,
        display: &mut Display,
        window: WindowId,
        background: Color,
    ) -> Result<(), ClientError> {
        // Measure labels first: the painter borrows the display.
        let mut places = Vec::with_capacity(self.items.len());
        for b in &self.items {
            places.push(match &b.face {
                Face::Label(text) => Some(place_text(
                    display,
                    FontFace::Sans,
                    b.style.font_px,
                    text,
                    b.rect,
                    Align::Centre,
                )?),
                _ => None,
            });
        }
        let mut p = display.draw(window);
        p.color(background);
        for b in &self.items {
            p.fill_rect(inset(b.rect, -3));
        }
        p.antialias(true);
        for (i, (b, place)) in self.items.iter().zip(places).enumerate() {
            let look = self.look(i);
            let sink = i32::from(look == Look::Pressed);
            let fill = match look {
                Look::Rest => b.style.fill,
                Look::Hover => shade(b.style.fill, 0.35),
                Look::Pressed => shade(b.style.fill, -0.18),
            };
            let radius = b.style.radius;
            // A soft shadow under raised buttons, none under pressed ones.
            if look != Look::Pressed {
                p.color(Color::rgba(0, 0, 0, 40))
                    .fill_round_rect(b.rect.translate(0, 1), radius);
            }
            p.color(fill).fill_round_rect(b.rect.translate(0, sink), radius);
            p.color(Color::rgba(0, 0, 0, 50))
                .line_width(1)
                .stroke_round_rect(b.rect.translate(0, sink), radius);
            let inner = inset(b.rect, 5).translate(0, sink);
            match &b.face {
                Face::Label(text) => {
                    if let Some((x, y)) = place {
                        p.color(b.style.text)
                            .font_size(b.style.font_px)
                            .text(x, y + sink, text);
                    }
                }
                Face::Swatch(c) => {
                    p.color(*c).fill_round_rect(inner, 3);
                    p.color(Color::rgba(0, 0, 0, 60)).stroke_round_rect(inner, 3);
                }
                Face::Dot(d) => {
                    let d = u32::from(*d).min(inner.width).min(inner.height).max(1);
                    let cx = inner.x + inner.width as i32 / 2;
                    let cy = inner.y + inner.height as i32 / 2;
                    p.color(INK)
                        .fill_ellipse(Rect::new(cx - d as i32 / 2, cy - d as i32 / 2, d, d));
                }
            }
            if b.selected {
                p.color(ACCENT)
                    .line_width(2)
                    .stroke_round_rect(inset(b.rect, -2).translate(0, sink), radius + 2);
            }
        }
        p.finish();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_cells_tile_the_area() {
        let g = Grid::new(Rect::new(10, 20, 103, 50), 4, 2, 3);
        assert_eq!(g.cell(0, 0, 1, 1).x, 10);
        let last = g.cell(3, 1, 1, 1);
        assert_eq!(last.right(), 113);
        assert_eq!(last.bottom(), 70);
        let wide = g.cell(0, 0, 2, 1);
        assert_eq!(wide.right(), g.cell(1, 0, 1, 1).right());
    }

    #[test]
    fn fit_keeps_the_aspect_ratio() {
        assert_eq!(
            fit(100, 50, Rect::new(0, 0, 400, 400)),
            Rect::new(0, 100, 400, 200)
        );
        assert_eq!(
            fit(10, 20, Rect::new(5, 5, 400, 200)),
            Rect::new(155, 5, 100, 200)
        );
    }

    #[test]
    fn a_click_is_press_and_release_on_the_same_button() {
        let w = gui_client::WindowId(1);
        let mut b = Buttons::new();
        b.add(Rect::new(0, 0, 10, 10), Face::Dot(3), Style::PLAIN, 'a');
        b.add(Rect::new(20, 0, 10, 10), Face::Dot(3), Style::PLAIN, 'b');
        let button = |x, pressed| Event::PointerButton {
            window: w,
            x,
            y: 5,
            button: MouseButton::Left,
            pressed,
            modifiers: Default::default(),
        };
        assert!(b.handle(&button(5, true)).changed);
        assert_eq!(b.handle(&button(25, false)).clicked, None);
        b.handle(&button(25, true));
        assert_eq!(b.handle(&button(25, false)).clicked, Some('b'));
    }
}
