//! `calculator`: a pocket calculator with buttons (they light up under the pointer and sink
//! when pressed, from the mouse or from the matching key) and keyboard input.
//!
//! Run it with `cargo run --release --example calculator` (DISPLAY or DISPD_DISPLAY picks the
//! server).
//!
//! Keys: digits and `.`, `+ - * /` (`x` multiplies too), Enter or `=` for the result, Backspace
//! to take back the last key, Escape or `c` to clear.
//!
//! Arithmetic follows the usual operator precedence: `*` and `/` bind tighter than `+` and `-`,
//! so `2+3*4=` gives 14, and equal operators go left to right (`8/4/2=` gives 1). A `-` at the
//! start or after another operator negates the next number. Numbers are `f64`, shown with up to
//! 12 significant digits (so `0.1+0.2=` shows 0.3). Dividing by zero shows an error; the next
//! key starts afresh. After a result, a digit starts a new calculation and an operator carries
//! on from the result. The arithmetic lives in `examples::calc`, where its unit tests are; this
//! file is the window, the keys and the display.

use std::process::ExitCode;

use examples::app::{self, main_with};
use examples::calc::Calc;
use examples::text;
use examples::ui::{self, Align, Buttons, Face, Grid, Style};
use gui_client::{ClientError, Color, Display, Event, FontFace, Key, NamedKey, Rect, WindowId};

const WIDTH: u32 = 340;
const HEIGHT: u32 = 500;
/// Height of the display above the keys.
const SCREEN_HEIGHT: u32 = 136;
/// Size of the main line of the display; shrinks for long numbers.
const BIG_PX: u16 = 44;
const SMALL_PX: u16 = 17;

const BACKGROUND: Color = Color::rgb(0x1e, 0x22, 0x2a);
const SCREEN_TEXT: Color = Color::rgb(0xf4, 0xf6, 0xf8);
const SCREEN_MUTED: Color = Color::rgb(0x8c, 0x94, 0xa2);
const ERROR_TEXT: Color = Color::rgb(0xff, 0x8a, 0x80);

/// The keys, as `(label, value, column, row, columns spanned, rows spanned)`. The value is the
/// character the key types: `C` clears, `B` takes back the last key.
const KEYS: [(&str, char, u32, u32, u32, u32); 18] = [
    ("C", 'C', 0, 0, 1, 1),
    ("⌫", 'B', 1, 0, 1, 1),
    ("÷", '/', 2, 0, 1, 1),
    ("×", '*', 3, 0, 1, 1),
    ("7", '7', 0, 1, 1, 1),
    ("8", '8', 1, 1, 1, 1),
    ("9", '9', 2, 1, 1, 1),
    ("−", '-', 3, 1, 1, 1),
    ("4", '4', 0, 2, 1, 1),
    ("5", '5', 1, 2, 1, 1),
    ("6", '6', 2, 2, 1, 1),
    ("+", '+', 3, 2, 1, 1),
    ("1", '1', 0, 3, 1, 1),
    ("2", '2', 1, 3, 1, 1),
    ("3", '3', 2, 3, 1, 1),
    ("=", '=', 3, 3, 1, 2),
    ("0", '0', 0, 4, 2, 1),
    (".", '.', 2, 4, 1, 1),
];

fn main() -> ExitCode {
    main_with("calculator", run)
}

fn run() -> Result<(), ClientError> {
    let mut display = Display::open()?;
    let window = app::open_window(&mut display, "calculator", WIDTH, HEIGHT, BACKGROUND)?;
    let mut size = (WIDTH, HEIGHT);
    let mut keys = Buttons::new();
    layout(&mut keys, size);
    let mut calc = Calc::default();
    let mut exposed = false;
    loop {
        let (mut screen_dirty, mut keys_dirty) = (false, false);
        for event in app::wait_events(&mut display, None)? {
            let mut typed = None;
            match &event {
                Event::Expose { .. } => (exposed, screen_dirty, keys_dirty) = (true, true, true),
                Event::Configure { rect, .. } => {
                    size = (rect.width, rect.height);
                    layout(&mut keys, size);
                    (screen_dirty, keys_dirty) = (true, true);
                }
                Event::CloseRequested { .. } => return Ok(()),
                Event::Key(k) if k.pressed => {
                    typed = key_value(&event);
                    keys_dirty |= keys.show_key(typed, true);
                }
                Event::Key(_) => keys_dirty |= keys.show_key(None, false),
                _ => {}
            }
            let r = keys.handle(&event);
            keys_dirty |= r.changed;
            if let Some(c) = typed.or(r.clicked) {
                calc.press(c);
                screen_dirty = true;
            }
        }
        if exposed && screen_dirty {
            draw_screen(&mut display, window, size, &calc)?;
        }
        if exposed && keys_dirty {
            keys.draw(&mut display, window, BACKGROUND)?;
        }
        display.flush()?;
    }
}

/// The key value a key press stands for.
fn key_value(event: &Event) -> Option<char> {
    let Event::Key(k) = event else { return None };
    match &k.key {
        Key::Named(NamedKey::Enter) => return Some('='),
        Key::Named(NamedKey::Backspace) => return Some('B'),
        Key::Named(NamedKey::Escape | NamedKey::Delete) => return Some('C'),
        _ => {}
    }
    let mut chars = text::typed(event)?.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    match c {
        '0'..='9' | '+' | '-' | '*' | '/' | '=' | '.' => Some(c),
        ',' => Some('.'),
        'x' | 'X' | '×' => Some('*'),
        '÷' => Some('/'),
        'c' | 'C' => Some('C'),
        _ => None,
    }
}

/// Places the keys in the part of a window of `(w, h)` below the display.
fn layout(keys: &mut Buttons<char>, (w, h): (u32, u32)) {
    keys.clear();
    let area = ui::inset(
        Rect::new(0, SCREEN_HEIGHT as i32, w, h.saturating_sub(SCREEN_HEIGHT)),
        12,
    );
    let grid = Grid::new(area, 4, 5, 8);
    let base = Style::PLAIN.sized(24);
    for (label, value, col, row, span, rows) in KEYS {
        let style = match value {
            '0'..='9' | '.' => base.colored(Color::rgb(0x3a, 0x40, 0x4c), Color::WHITE),
            'C' | 'B' => base.colored(Color::rgb(0x8a, 0x92, 0x9e), Color::rgb(0x12, 0x14, 0x18)),
            '=' => base.colored(Color::rgb(0x2f, 0x7c, 0xf6), Color::WHITE),
            _ => base.colored(Color::rgb(0xf0, 0x98, 0x2a), Color::WHITE),
        };
        let style = Style { radius: 10, ..style };
        keys.add(
            grid.cell(col, row, span, rows),
            Face::Label(label.into()),
            style,
            value,
        );
    }
}

/// Draws the display: the finished calculation small on top, the entry or result big below.
fn draw_screen(
    display: &mut Display,
    window: WindowId,
    (w, _): (u32, u32),
    calc: &Calc,
) -> Result<(), ClientError> {
    let screen = Rect::new(0, 0, w, SCREEN_HEIGHT);
    let text_area = ui::inset(screen, 20);
    let (main, color) = match &calc.error {
        Some(e) => (e.clone(), ERROR_TEXT),
        None => (calc.entry(), SCREEN_TEXT),
    };
    // The largest size at which the main line fits; past the smallest, show its end.
    let mut px = BIG_PX;
    while px > 20 && display.text_width(FontFace::Sans, px, &main)? > text_area.width as f32 {
        px -= 4;
    }
    let mut shown = main.clone();
    while shown.chars().count() > 1
        && display.text_width(FontFace::Sans, px, &shown)? > text_area.width as f32
    {
        shown = format!("…{}", shown.chars().skip(2).collect::<String>());
    }
    let main_box = Rect::new(text_area.x, text_area.y + 36, text_area.width, 60);
    let (mx, my) = ui::place_text(display, FontFace::Sans, px, &shown, main_box, Align::Right)?;
    let small_box = Rect::new(text_area.x, text_area.y, text_area.width, 24);
    let (sx, sy) = ui::place_text(
        display,
        FontFace::Sans,
        SMALL_PX,
        &calc.history,
        small_box,
        Align::Right,
    )?;

    let mut p = display.draw(window);
    p.antialias(true);
    p.color(BACKGROUND).fill_rect(screen);
    p.clip(&[text_area]);
    p.color(SCREEN_MUTED)
        .font_size(SMALL_PX)
        .text(sx, sy, &calc.history);
    p.color(color).font_size(px).text(mx, my, &shown);
    p.finish();
    Ok(())
}
