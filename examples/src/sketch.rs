//! Drawing with the mouse, shared by `paint` and `whiteboard`: a canvas kept on the server as
//! an off-screen image, a pen that turns pointer drags into line segments, and a toolbar of
//! colours, brush sizes and actions.
//!
//! The canvas lives in the server: every segment is drawn into the off-screen image and the
//! changed part copied into the window, so an expose or a resize costs one `copy_area` and the
//! client keeps no pixels (and no list of strokes) at all.

use gui_client::{
    Button as MouseButton, ClientError, Color, Display, Drawable, Event, FontFace, Image, LineCap, LineJoin,
    Point, Rect, Size, WindowId,
};

use crate::ui::{self, Align, Buttons, Face, Row, Style};

/// Height of the toolbar at the top of the window; the canvas starts below it.
pub const TOOLBAR_HEIGHT: u32 = 48;

/// The palette, first colour first chosen.
pub const PALETTE: [Color; 10] = [
    Color::rgb(0x20, 0x24, 0x2c),
    Color::rgb(0xff, 0xff, 0xff),
    Color::rgb(0xe0, 0x40, 0x40),
    Color::rgb(0xf0, 0x90, 0x30),
    Color::rgb(0xf0, 0xc8, 0x30),
    Color::rgb(0x40, 0xa8, 0x50),
    Color::rgb(0x30, 0xa8, 0xc0),
    Color::rgb(0x30, 0x68, 0xd8),
    Color::rgb(0x90, 0x48, 0xc0),
    Color::rgb(0x8a, 0x5a, 0x3c),
];

/// Brush diameters in pixels; the second is first chosen.
pub const SIZES: [u16; 4] = [2, 5, 12, 24];

/// The canvas's colour before anything is drawn.
pub const CANVAS_BACKGROUND: Color = Color::WHITE;

/// How strokes look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Brush {
    /// Colour.
    pub color: Color,
    /// Diameter in pixels.
    pub width: u16,
}

impl Default for Brush {
    fn default() -> Self {
        Self {
            color: PALETTE[0],
            width: SIZES[1],
        }
    }
}

/// A drawing kept in an off-screen image of the screen's size, shown in a window below the
/// toolbar.
#[derive(Debug)]
pub struct Canvas {
    window: WindowId,
    image: Drawable,
    size: Size,
    /// Where the canvas's top-left corner is in the window.
    top: i32,
}

impl Canvas {
    /// A blank canvas as large as the screen (so that the window can grow up to it), shown in
    /// `window` from `top` down.
    pub fn new(display: &mut Display, window: WindowId, top: i32) -> Result<Self, ClientError> {
        let size = display.setup().screen;
        let image = display.create_image(size)?;
        let canvas = Self {
            window,
            image,
            size,
            top,
        };
        display.draw(image).color(CANVAS_BACKGROUND).clear();
        Ok(canvas)
    }

    /// The canvas point under window position `(x, y)`, if the position is on the canvas.
    pub fn point_at(&self, x: i32, y: i32) -> Option<Point> {
        let p = Point { x, y: y - self.top };
        Rect::from_size(self.size).contains(p.x, p.y).then_some(p)
    }

    /// Draws a segment from `a` to `b` (canvas coordinates; a dot when they are equal) and shows it.
    pub fn segment(&mut self, display: &mut Display, brush: Brush, a: Point, b: Point) {
        let w = i32::from(brush.width.max(1));
        {
            let mut p = display.draw(self.image);
            p.antialias(true).color(brush.color);
            if a == b {
                p.fill_ellipse(Rect::new(a.x - w / 2, a.y - w / 2, w as u32, w as u32));
            } else {
                p.line_width(w as u16)
                    .line_cap(LineCap::Round)
                    .line_join(LineJoin::Round)
                    .polyline(&[a, b], false);
            }
        }
        let pad = w / 2 + 2;
        let (x0, y0) = (a.x.min(b.x) - pad, a.y.min(b.y) - pad);
        let (x1, y1) = (a.x.max(b.x) + pad, a.y.max(b.y) + pad);
        let bounds = Rect::new(x0, y0, (x1 - x0) as u32, (y1 - y0) as u32);
        if let Some(r) = bounds.intersect(&Rect::from_size(self.size)) {
            display
                .draw(self.window)
                .copy_area(self.image, r, r.x, r.y + self.top);
        }
    }

    /// Paints the whole canvas blank and shows it.
    pub fn clear(&mut self, display: &mut Display, window_size: Size) {
        display.draw(self.image).color(CANVAS_BACKGROUND).clear();
        self.show(display, window_size);
    }

    /// Copies the part of the canvas a window of `window_size` shows into it.
    pub fn show(&self, display: &mut Display, window_size: Size) {
        let visible = Rect::new(
            0,
            0,
            window_size.width.min(self.size.width),
            window_size
                .height
                .saturating_sub(self.top as u32)
                .min(self.size.height),
        );
        if !visible.is_empty() {
            display
                .draw(self.window)
                .copy_area(self.image, visible, 0, self.top);
        }
    }

    /// Reads back the top-left `width` x `height` pixels of the canvas.
    pub fn read(&self, display: &mut Display, width: u32, height: u32) -> Result<Image, ClientError> {
        let w = width.clamp(1, self.size.width);
        let h = height.clamp(1, self.size.height);
        display.get_image(self.image, Rect::new(0, 0, w, h))
    }
}

/// Turns pointer drags with the left button into segments.
#[derive(Debug, Default)]
pub struct Pen {
    last: Option<Point>,
}

impl Pen {
    /// The segment an event draws, if any: a press on the canvas draws a dot, motion with the
    /// button held a segment from the previous position.
    pub fn handle(&mut self, event: &Event, canvas: &Canvas) -> Option<(Point, Point)> {
        match *event {
            Event::PointerButton {
                x,
                y,
                button: MouseButton::Left,
                pressed,
                ..
            } => {
                if !pressed {
                    let last = self.last.take()?;
                    let end = canvas.point_at(x, y)?;
                    return (end != last).then_some((last, end));
                }
                let p = canvas.point_at(x, y)?;
                self.last = Some(p);
                Some((p, p))
            }
            Event::PointerMotion { x, y, .. } => {
                let last = self.last?;
                // Motion over the toolbar keeps drawing, clamped to the canvas's top edge.
                let p = Point {
                    x,
                    y: (y - canvas.top).max(0),
                };
                self.last = Some(p);
                (p != last).then_some((last, p))
            }
            Event::PointerLeave { .. } => {
                self.last = None;
                None
            }
            _ => None,
        }
    }

    /// Whether a stroke is being drawn.
    pub fn drawing(&self) -> bool {
        self.last.is_some()
    }
}

/// What a toolbar button does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// Choose this colour.
    Color(Color),
    /// Choose this brush size.
    Size(u16),
    /// Blank the canvas.
    Clear,
    /// Save the drawing.
    Save,
}

/// The band of tools at the top of the window, and the brush they choose.
#[derive(Debug)]
pub struct Toolbar {
    buttons: Buttons<Tool>,
    brush: Brush,
    with_save: bool,
    /// Where the status text goes (right of the buttons).
    status_x: i32,
    width: u32,
}

impl Toolbar {
    /// A toolbar for a window `width` wide; `with_save` adds a Save button.
    pub fn new(width: u32, with_save: bool) -> Self {
        let mut t = Self {
            buttons: Buttons::new(),
            brush: Brush::default(),
            with_save,
            status_x: 0,
            width,
        };
        t.layout(width);
        t
    }

    /// Lays the buttons out again for a window `width` wide.
    pub fn layout(&mut self, width: u32) {
        self.width = width;
        self.buttons.clear();
        let mut row = Row::new(Rect::new(0, 0, width, TOOLBAR_HEIGHT), 8, 4);
        for c in PALETTE {
            self.buttons
                .add(row.next(32), Face::Swatch(c), Style::PLAIN, Tool::Color(c));
        }
        row.skip(12);
        for s in SIZES {
            self.buttons
                .add(row.next(32), Face::Dot(s), Style::PLAIN, Tool::Size(s));
        }
        row.skip(12);
        self.buttons.add(
            row.next(64),
            Face::Label("Clear".into()),
            Style::PLAIN,
            Tool::Clear,
        );
        if self.with_save {
            self.buttons.add(
                row.next(64),
                Face::Label("Save".into()),
                Style::PRIMARY,
                Tool::Save,
            );
        }
        self.status_x = row.x() + 8;
        self.mark_selected();
    }

    fn mark_selected(&mut self) {
        let brush = self.brush;
        self.buttons.select(|t| match t {
            Tool::Color(c) => c == brush.color,
            Tool::Size(s) => s == brush.width,
            _ => false,
        });
    }

    /// The brush chosen.
    pub fn brush(&self) -> Brush {
        self.brush
    }

    /// Feeds an event to the buttons. Colour and size clicks change the brush here; every click
    /// is returned too. The bool says whether the toolbar must be redrawn.
    pub fn handle(&mut self, event: &Event) -> (Option<Tool>, bool) {
        let r = self.buttons.handle(event);
        match r.clicked {
            Some(Tool::Color(c)) => self.brush.color = c,
            Some(Tool::Size(s)) => self.brush.width = s,
            _ => {}
        }
        if r.clicked.is_some() {
            self.mark_selected();
        }
        (r.clicked, r.changed || r.clicked.is_some())
    }

    /// Whether window row `y` is on the toolbar (it spans the window's width).
    pub fn contains(&self, y: i32) -> bool {
        y < TOOLBAR_HEIGHT as i32
    }

    /// Draws the toolbar, with `status` (a hint, the last save) right of the buttons.
    pub fn draw(&self, display: &mut Display, window: WindowId, status: &str) -> Result<(), ClientError> {
        let band = Rect::new(0, 0, self.width, TOOLBAR_HEIGHT);
        let status_box = Rect::new(
            self.status_x,
            0,
            (self.width as i32 - self.status_x - 8).max(0) as u32,
            TOOLBAR_HEIGHT,
        );
        let (sx, sy) = ui::place_text(display, FontFace::Sans, 13, status, status_box, Align::Left)?;
        {
            let mut p = display.draw(window);
            p.color(ui::PANEL).fill_rect(band);
            p.color(ui::RULE)
                .fill_rect(Rect::new(0, TOOLBAR_HEIGHT as i32 - 1, self.width, 1));
            p.clip(&[status_box])
                .color(ui::MUTED)
                .font_size(13)
                .text(sx, sy, status);
        }
        self.buttons.draw(display, window, ui::PANEL)
    }
}
