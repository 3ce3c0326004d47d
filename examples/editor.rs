//! `editor`: a small text editor for one file, in a monospaced font.
//!
//! Run it with `cargo run --release --example editor -- FILE` (DISPLAY or DISPD_DISPLAY picks
//! the server). The file is created on the first save if it does not exist.
//!
//! - Typing inserts text: plain keys, and whatever an input method commits (Chinese, Japanese
//!   ...; any UTF-8). Enter keeps the line's indentation; Tab inserts four spaces.
//! - Arrows, Home/End, Ctrl+Home/End, Ctrl+Left/Right (by word), PageUp/PageDown move the
//!   cursor; with Shift they select. Ctrl+A selects everything, Escape drops the selection.
//!   A click places the cursor, a drag selects, Shift+click extends the selection.
//! - The wheel scrolls. Ctrl+S saves.
//!
//! Text is laid out on the client: `Display::text_width` gives the exact width the server will
//! draw (it asks the server once per new character and caches the answer), so the cursor, the
//! selection and clicks line up with the glyphs, including wide CJK characters from the
//! fallback font.

use std::path::PathBuf;
use std::process::ExitCode;

use examples::app::{self, main_with};
use examples::text::{edit_of, Edit, Motion};
use examples::ui;
use gui_client::{
    Button, ClientError, Color, CursorShape, Display, Event, FontFace, Modifiers, Rect, Size, WheelDelta,
    WindowId,
};

const WIDTH: u32 = 720;
const HEIGHT: u32 = 480;
const FONT: FontFace = FontFace::Mono;
const PX: u16 = 16;
const STATUS_HEIGHT: u32 = 26;
/// Space between the line numbers and the text.
const PAD: i32 = 8;
/// Lines per wheel notch.
const WHEEL_LINES: f32 = 3.0;

const SELECTION: Color = Color::rgb(0xc4, 0xd8, 0xf8);
const SELECTION_UNFOCUSED: Color = Color::rgb(0xdc, 0xe0, 0xe6);
const CURRENT_LINE: Color = Color::rgb(0xf3, 0xf6, 0xfb);

fn main() -> ExitCode {
    main_with("editor", run)
}

/// A position in the text: a line, and a byte offset into it (on a character boundary).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Pos {
    line: usize,
    col: usize,
}

#[derive(Debug)]
struct Editor {
    path: PathBuf,
    lines: Vec<String>,
    /// Whether the file had Windows line ends (kept when saving).
    crlf: bool,
    cursor: Pos,
    /// The other end of the selection, if there is one.
    anchor: Option<Pos>,
    /// Where up and down aim, in pixels, so that the cursor keeps its column across short lines.
    goal_x: Option<f32>,
    /// First line shown, and how far the text is scrolled left, in pixels.
    top: usize,
    scroll_x: f32,
    modified: bool,
    status: String,
    size: Size,
    focused: bool,
    /// A drag with the left button is selecting.
    dragging: bool,
    /// Line height and baseline offset, in pixels.
    line_h: i32,
    ascent: i32,
}

fn run() -> Result<(), app::Error> {
    let path = PathBuf::from(std::env::args_os().nth(1).ok_or("usage: editor FILE")?);
    let (text, status) = match std::fs::read(&path) {
        Ok(bytes) => {
            let text =
                String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))?;
            let status = format!("{} lines", text.lines().count());
            (text, status)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (String::new(), "new file".to_owned()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display()).into()),
    };
    let crlf = text.contains("\r\n");
    let lines = text
        .replace("\r\n", "\n")
        .split('\n')
        .map(str::to_owned)
        .collect();

    let mut display = Display::open()?;
    let (ascent, descent) = display.font_extents(FONT, PX)?;
    let mut ed = Editor {
        lines,
        crlf,
        cursor: Pos::default(),
        anchor: None,
        goal_x: None,
        top: 0,
        scroll_x: 0.0,
        modified: false,
        status,
        size: Size::new(WIDTH, HEIGHT),
        focused: true,
        dragging: false,
        line_h: (ascent + descent).ceil() as i32 + 4,
        ascent: ascent.round() as i32 + 2,
        path,
    };
    let window = app::open_window(&mut display, &ed.title(), WIDTH, HEIGHT, Color::WHITE)?;
    display.set_cursor(window, CursorShape::Text);
    ed.size = Size::new(
        WIDTH.min(display.setup().screen.width),
        HEIGHT.min(display.setup().screen.height),
    );
    let mut exposed = false;
    loop {
        let was_modified = ed.modified;
        let mut dirty = false;
        for event in app::wait_events(&mut display, None)? {
            match &event {
                Event::Expose { .. } => exposed = true,
                Event::Configure { rect, .. } => ed.size = rect.size(),
                Event::Focus { focused, .. } => ed.focused = *focused,
                Event::CloseRequested { .. } => return Ok(()),
                _ => {}
            }
            // Pointer motion matters only while a drag selects.
            dirty |=
                ed.dragging || !matches!(event, Event::PointerMotion { .. } | Event::PointerEnter { .. });
            if let Some(edit) = edit_of(&event) {
                ed.apply(&mut display, edit)?;
            } else {
                ed.pointer(&mut display, &event)?;
            }
        }
        if ed.modified != was_modified {
            display.set_title(window, &ed.title());
        }
        if exposed && dirty {
            ed.draw(&mut display, window)?;
        }
    }
}

impl Editor {
    fn title(&self) -> String {
        let name = self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        format!("editor: {name}{}", if self.modified { " *" } else { "" })
    }

    /// Width of `s` in the editor's font.
    fn width(display: &mut Display, s: &str) -> Result<f32, ClientError> {
        display.text_width(FONT, PX, s)
    }

    /// Width of the line-number gutter.
    fn gutter(&self, display: &mut Display) -> Result<i32, ClientError> {
        let digits = self.lines.len().to_string().len().max(3);
        Ok(Self::width(display, &"0".repeat(digits))?.ceil() as i32 + 2 * PAD)
    }

    /// The text area (right of the gutter, above the status bar).
    fn text_rect(&self, gutter: i32) -> Rect {
        Rect::new(
            gutter,
            0,
            (self.size.width as i32 - gutter).max(0) as u32,
            self.size.height.saturating_sub(STATUS_HEIGHT),
        )
    }

    /// Whole lines that fit in the text area.
    fn page_lines(&self) -> usize {
        (self.size.height.saturating_sub(STATUS_HEIGHT) as i32 / self.line_h).max(1) as usize
    }

    /// The selection as (start, end), if it is not empty.
    fn selection(&self) -> Option<(Pos, Pos)> {
        let a = self.anchor?;
        (a != self.cursor).then(|| (a.min(self.cursor), a.max(self.cursor)))
    }

    /// The byte offset in `line` nearest to `x` pixels from its start.
    fn col_at(display: &mut Display, line: &str, x: f32) -> Result<usize, ClientError> {
        let mut pos = 0.0;
        for (i, c) in line.char_indices() {
            let w = Self::width(display, c.encode_utf8(&mut [0; 4]))?;
            if x < pos + w / 2.0 {
                return Ok(i);
            }
            pos += w;
        }
        Ok(line.len())
    }

    fn apply(&mut self, display: &mut Display, edit: Edit) -> Result<(), ClientError> {
        let vertical = matches!(
            edit,
            Edit::Move {
                to: Motion::Up | Motion::Down | Motion::PageUp | Motion::PageDown,
                ..
            }
        );
        match edit {
            Edit::Insert(text) => self.insert(&text),
            Edit::Newline => {
                let line = &self.lines[self.cursor.line];
                let indent: String = line.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
                let indent = if self.cursor.col < indent.len() {
                    String::new()
                } else {
                    indent
                };
                self.insert(&format!("\n{indent}"));
            }
            Edit::Backspace | Edit::Delete => {
                if self.selection().is_none() {
                    let other = if edit == Edit::Backspace {
                        self.before(self.cursor)
                    } else {
                        self.after(self.cursor)
                    };
                    self.anchor = Some(other);
                }
                self.delete_selection();
            }
            Edit::Move { to, select } => self.move_cursor(display, to, select)?,
            Edit::SelectAll => {
                self.anchor = Some(Pos::default());
                let last = self.lines.len() - 1;
                self.cursor = Pos {
                    line: last,
                    col: self.lines[last].len(),
                };
            }
            Edit::Save => self.save(),
            Edit::Cancel => self.anchor = None,
        }
        if !vertical {
            self.goal_x = None;
        }
        self.reveal(display)
    }

    /// Replaces the selection (if any) with `text`, which may hold newlines.
    fn insert(&mut self, text: &str) {
        self.delete_selection();
        let Pos { line, col } = self.cursor;
        let rest = self.lines[line].split_off(col);
        let mut parts = text.split('\n');
        self.lines[line].push_str(parts.next().unwrap_or_default());
        let mut at = line;
        for part in parts {
            at += 1;
            self.lines.insert(at, part.to_owned());
        }
        self.cursor = Pos {
            line: at,
            col: self.lines[at].len(),
        };
        self.lines[at].push_str(&rest);
        self.modified = true;
        self.status.clear();
    }

    /// Deletes the selected text, leaving the cursor where it began.
    fn delete_selection(&mut self) {
        let Some((start, end)) = self.selection() else {
            self.anchor = None;
            return;
        };
        let tail = self.lines[end.line][end.col..].to_owned();
        self.lines.drain(start.line + 1..=end.line);
        let line = &mut self.lines[start.line];
        line.truncate(start.col);
        line.push_str(&tail);
        self.cursor = start;
        self.anchor = None;
        self.modified = true;
        self.status.clear();
    }

    /// The position one character before `p` (the end of the previous line at a line start).
    fn before(&self, p: Pos) -> Pos {
        match self.lines[p.line][..p.col].chars().next_back() {
            Some(c) => Pos {
                col: p.col - c.len_utf8(),
                ..p
            },
            None if p.line > 0 => Pos {
                line: p.line - 1,
                col: self.lines[p.line - 1].len(),
            },
            None => p,
        }
    }

    /// The position one character after `p`.
    fn after(&self, p: Pos) -> Pos {
        match self.lines[p.line][p.col..].chars().next() {
            Some(c) => Pos {
                col: p.col + c.len_utf8(),
                ..p
            },
            None if p.line + 1 < self.lines.len() => Pos {
                line: p.line + 1,
                col: 0,
            },
            None => p,
        }
    }

    /// Whether the character before `p` is part of a word.
    fn word_before(&self, p: Pos) -> bool {
        self.lines[p.line][..p.col]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    }

    fn word_after(&self, p: Pos) -> bool {
        self.lines[p.line][p.col..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    }

    fn move_cursor(&mut self, display: &mut Display, to: Motion, select: bool) -> Result<(), ClientError> {
        let selection = self.selection();
        if select {
            self.anchor.get_or_insert(self.cursor);
        } else {
            self.anchor = None;
        }
        let here = self.cursor;
        let page = self.page_lines();
        self.cursor = match to {
            // Left and right without Shift first collapse a selection to its edge.
            Motion::Left if !select && selection.is_some() => selection.map_or(here, |s| s.0),
            Motion::Right if !select && selection.is_some() => selection.map_or(here, |s| s.1),
            Motion::Left => self.before(here),
            Motion::Right => self.after(here),
            Motion::WordLeft => {
                let mut p = self.before(here);
                while p != self.before(p) && !self.word_before(p) && p.col > 0 {
                    p = self.before(p);
                }
                while p.col > 0 && self.word_before(p) {
                    p = self.before(p);
                }
                p
            }
            Motion::WordRight => {
                let mut p = self.after(here);
                while p.col < self.lines[p.line].len() && !self.word_after(p) {
                    p = self.after(p);
                }
                while self.word_after(p) {
                    p = self.after(p);
                }
                p
            }
            Motion::Home => Pos { col: 0, ..here },
            Motion::End => Pos {
                col: self.lines[here.line].len(),
                ..here
            },
            Motion::Start => Pos::default(),
            Motion::Finish => {
                let line = self.lines.len() - 1;
                Pos {
                    line,
                    col: self.lines[line].len(),
                }
            }
            Motion::Up | Motion::Down | Motion::PageUp | Motion::PageDown => {
                let goal = match self.goal_x {
                    Some(x) => x,
                    None => Self::width(display, &self.lines[here.line][..here.col])?,
                };
                self.goal_x = Some(goal);
                let last = self.lines.len() - 1;
                let line = match to {
                    Motion::Up => here.line.saturating_sub(1),
                    Motion::Down => (here.line + 1).min(last),
                    Motion::PageUp => here.line.saturating_sub(page),
                    _ => (here.line + page).min(last),
                };
                // Paging scrolls the view along with the cursor.
                match to {
                    Motion::PageUp => self.top = self.top.saturating_sub(page),
                    Motion::PageDown => self.top = (self.top + page).min(last),
                    _ => {}
                }
                let col = Self::col_at(display, &self.lines[line], goal)?;
                Pos { line, col }
            }
        };
        Ok(())
    }

    /// Scrolls so that the cursor is in view.
    fn reveal(&mut self, display: &mut Display) -> Result<(), ClientError> {
        let page = self.page_lines();
        if self.cursor.line < self.top {
            self.top = self.cursor.line;
        } else if self.cursor.line >= self.top + page {
            self.top = self.cursor.line + 1 - page;
        }
        let gutter = self.gutter(display)?;
        let visible = (self.text_rect(gutter).width as f32 - 2.0 * PAD as f32).max(8.0);
        let x = Self::width(display, &self.lines[self.cursor.line][..self.cursor.col])?;
        if x < self.scroll_x {
            self.scroll_x = (x - visible / 3.0).max(0.0);
        } else if x > self.scroll_x + visible {
            self.scroll_x = x - visible * 2.0 / 3.0;
        }
        Ok(())
    }

    /// Clicks, drags and the wheel.
    fn pointer(&mut self, display: &mut Display, event: &Event) -> Result<(), ClientError> {
        match *event {
            Event::PointerButton {
                x,
                y,
                button: Button::Left,
                pressed,
                modifiers,
                ..
            } => {
                self.dragging = pressed;
                if pressed {
                    let p = self.pos_at(display, x, y)?;
                    if modifiers.has(Modifiers::SHIFT) {
                        self.anchor.get_or_insert(self.cursor);
                    } else {
                        self.anchor = Some(p);
                    }
                    self.cursor = p;
                    self.goal_x = None;
                }
            }
            Event::PointerMotion { x, y, .. } if self.dragging => {
                self.cursor = self.pos_at(display, x, y)?;
                self.reveal(display)?;
            }
            Event::PointerLeave { .. } => self.dragging = false,
            Event::PointerWheel { delta, .. } => {
                let lines = match delta {
                    WheelDelta::Lines { y, .. } => y * WHEEL_LINES,
                    WheelDelta::Pixels { y, .. } => y / self.line_h as f32,
                };
                let last = self.lines.len().saturating_sub(1);
                let top = (self.top as f32 - lines.round()).clamp(0.0, last as f32);
                self.top = top as usize;
            }
            _ => {}
        }
        Ok(())
    }

    /// The text position under window position `(x, y)`.
    fn pos_at(&self, display: &mut Display, x: i32, y: i32) -> Result<Pos, ClientError> {
        let gutter = self.gutter(display)?;
        let row = (y.max(0) / self.line_h) as usize;
        let line = (self.top + row).min(self.lines.len() - 1);
        let x = (x - gutter - PAD) as f32 + self.scroll_x;
        let col = Self::col_at(display, &self.lines[line], x)?;
        Ok(Pos { line, col })
    }

    fn save(&mut self) {
        let mut text = self.lines.join("\n");
        if self.crlf {
            text = text.replace('\n', "\r\n");
        }
        self.status = match std::fs::write(&self.path, &text) {
            Ok(()) => {
                self.modified = false;
                format!("saved {} bytes", text.len())
            }
            Err(e) => format!("cannot save: {e}"),
        };
    }

    fn draw(&self, display: &mut Display, window: WindowId) -> Result<(), ClientError> {
        let gutter = self.gutter(display)?;
        let area = self.text_rect(gutter);
        let text_x = gutter + PAD - self.scroll_x.round() as i32;
        let rows = self.page_lines() + 1;
        let selection = self.selection();
        let space = Self::width(display, " ")?;

        // Measure everything first: selections, the cursor, line numbers, the status bar.
        let mut highlights = Vec::new();
        let mut numbers = Vec::new();
        let mut caret = None;
        for (row, i) in (self.top..self.lines.len().min(self.top + rows)).enumerate() {
            let y = row as i32 * self.line_h;
            let line = &self.lines[i];
            if let Some((s, e)) = selection.filter(|(s, e)| s.line <= i && i <= e.line) {
                let from = if i == s.line {
                    Self::width(display, &line[..s.col])?
                } else {
                    0.0
                };
                let to = if i == e.line {
                    Self::width(display, &line[..e.col])?
                } else {
                    Self::width(display, line)? + space
                };
                let x0 = text_x + from.round() as i32;
                highlights.push(Rect::new(
                    x0,
                    y,
                    (to.round() as i32 + text_x - x0).max(0) as u32,
                    self.line_h as u32,
                ));
            }
            if i == self.cursor.line {
                caret = Some((
                    text_x + Self::width(display, &line[..self.cursor.col])?.round() as i32,
                    y,
                ));
            }
            let n = (i + 1).to_string();
            let nx = gutter - PAD - Self::width(display, &n)?.round() as i32;
            numbers.push((nx, y + self.ascent, n, i == self.cursor.line));
        }
        let status_box = Rect::new(0, area.height as i32, self.size.width, STATUS_HEIGHT);
        let left = format!(
            "{}{}   {}",
            self.path.display(),
            if self.modified { " (modified)" } else { "" },
            self.status
        );
        let column = self.lines[self.cursor.line][..self.cursor.col].chars().count() + 1;
        let right = format!("Ln {}, Col {}   Ctrl+S saves", self.cursor.line + 1, column);
        let (lx, ly) = ui::place_text(
            display,
            FontFace::Sans,
            13,
            &left,
            ui::inset(status_box, 8),
            ui::Align::Left,
        )?;
        let (rx, ry) = ui::place_text(
            display,
            FontFace::Sans,
            13,
            &right,
            ui::inset(status_box, 8),
            ui::Align::Right,
        )?;

        let mut p = display.draw(window);
        p.color(Color::WHITE).clear();
        p.clip(&[area]);
        if let Some((_, y)) = caret.filter(|_| selection.is_none()) {
            p.color(CURRENT_LINE)
                .fill_rect(Rect::new(area.x, y, area.width, self.line_h as u32));
        }
        p.color(if self.focused {
            SELECTION
        } else {
            SELECTION_UNFOCUSED
        });
        for r in &highlights {
            p.fill_rect(*r);
        }
        p.color(ui::INK).font_face(FONT).font_size(PX);
        for (row, line) in self.lines[self.top..self.lines.len().min(self.top + rows)]
            .iter()
            .enumerate()
        {
            if !line.is_empty() {
                p.text(text_x, row as i32 * self.line_h + self.ascent, line);
            }
        }
        if let Some((x, y)) = caret {
            let bar = Rect::new(x, y + 1, 2, self.line_h as u32 - 2);
            p.color(ui::ACCENT);
            if self.focused {
                p.fill_rect(bar);
            } else {
                p.stroke_rect(Rect::new(x, y + 1, 1, self.line_h as u32 - 2));
            }
        }
        p.clip(&[]);
        p.color(ui::PANEL)
            .fill_rect(Rect::new(0, 0, gutter as u32, area.height));
        p.color(ui::RULE)
            .fill_rect(Rect::new(gutter - 1, 0, 1, area.height));
        for (x, y, n, current) in &numbers {
            p.color(if *current { ui::INK } else { ui::MUTED })
                .text(*x, *y, n);
        }
        p.color(ui::PANEL).fill_rect(status_box);
        p.color(ui::RULE)
            .fill_rect(Rect::new(0, status_box.y, self.size.width, 1));
        p.font_face(FontFace::Sans).font_size(13);
        p.color(if self.status.starts_with("cannot") {
            ui::DANGER
        } else {
            ui::MUTED
        })
        .text(lx, ly, &left);
        p.color(ui::MUTED).text(rx, ry, &right);
        p.finish();
        display.flush()
    }
}
