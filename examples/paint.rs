//! `paint`: draw with the mouse. Pick a colour and a brush size in the toolbar, drag with the
//! left button to draw, Clear to start over, and `s` (or Save) to write the drawing as a PNG.
//!
//! Run it with `cargo run --release --example paint [OUT.png]` (default `paint.png`; DISPLAY or
//! DISPD_DISPLAY picks the server).
//!
//! The drawing lives in the server, in an off-screen image as large as the screen
//! (`examples::sketch::Canvas`): each drag segment is drawn there and the few changed pixels
//! copied into the window, so exposes and resizes cost one server-side copy, and saving reads
//! the image back with `get_image`.

use std::path::PathBuf;
use std::process::ExitCode;

use examples::app::{self, main_with};
use examples::picture;
use examples::sketch::{Canvas, Pen, Tool, Toolbar, TOOLBAR_HEIGHT};
use examples::ui;
use gui_client::{ClientError, CursorShape, Display, Event, Modifiers, Size, WindowId};

const WIDTH: u32 = 900;
const HEIGHT: u32 = 600;

fn main() -> ExitCode {
    main_with("paint", run)
}

/// Everything the window shows.
#[derive(Debug)]
struct Paint {
    window: WindowId,
    size: Size,
    canvas: Canvas,
    toolbar: Toolbar,
    pen: Pen,
    out: PathBuf,
    status: String,
}

fn run() -> Result<(), app::Error> {
    let out = PathBuf::from(std::env::args_os().nth(1).unwrap_or_else(|| "paint.png".into()));
    let mut display = Display::open()?;
    let window = app::open_window(&mut display, "paint", WIDTH, HEIGHT, ui::PANEL)?;
    display.set_cursor(window, CursorShape::Crosshair);
    let size = Size::new(
        WIDTH.min(display.setup().screen.width),
        HEIGHT.min(display.setup().screen.height),
    );
    let mut app = Paint {
        window,
        size,
        canvas: Canvas::new(&mut display, window, TOOLBAR_HEIGHT as i32)?,
        toolbar: Toolbar::new(size.width, true),
        pen: Pen::default(),
        status: format!("s saves {}", out.display()),
        out,
    };
    loop {
        let mut redraw_all = false;
        let mut redraw_toolbar = false;
        for event in app::wait_events(&mut display, None)? {
            match &event {
                Event::Expose { .. } => redraw_all = true,
                Event::Configure { rect, .. } => {
                    app.size = rect.size();
                    app.toolbar.layout(rect.width);
                    redraw_all = true;
                }
                Event::CloseRequested { .. } => return Ok(()),
                Event::Key(k) if k.pressed && is_save_key(k) => {
                    app.save(&mut display)?;
                    redraw_toolbar = true;
                }
                _ => {}
            }
            // The toolbar takes clicks on it; drags anywhere else draw.
            let on_toolbar = matches!(event, Event::PointerButton { y, .. } if app.toolbar.contains(y));
            let (tool, changed) = app.toolbar.handle(&event);
            redraw_toolbar |= changed;
            match tool {
                Some(Tool::Clear) => app.canvas.clear(&mut display, app.size),
                Some(Tool::Save) => app.save(&mut display)?,
                _ => {}
            }
            if !on_toolbar || app.pen.drawing() {
                if let Some((a, b)) = app.pen.handle(&event, &app.canvas) {
                    app.canvas.segment(&mut display, app.toolbar.brush(), a, b);
                }
            }
        }
        if redraw_all {
            app.canvas.show(&mut display, app.size);
        }
        if redraw_all || redraw_toolbar {
            app.toolbar.draw(&mut display, app.window, &app.status)?;
        }
        display.flush()?;
    }
}

/// `s` or Ctrl+S.
fn is_save_key(k: &gui_client::KeyEvent) -> bool {
    let s = |t: &str| t.eq_ignore_ascii_case("s");
    let plain = !k.modifiers.has(Modifiers::ALT);
    plain && (k.text.as_deref().is_some_and(s) || matches!(&k.key, gui_client::Key::Character(c) if s(c)))
}

impl Paint {
    /// Writes the visible part of the canvas to the output file; the outcome goes to the status line.
    fn save(&mut self, display: &mut Display) -> Result<(), ClientError> {
        let (w, h) = (self.size.width, self.size.height.saturating_sub(TOOLBAR_HEIGHT));
        let image = self.canvas.read(display, w, h)?;
        self.status = match picture::save_png(&self.out, image.width, image.height, &image.data) {
            Ok(()) => format!("saved {}x{} to {}", image.width, image.height, self.out.display()),
            Err(e) => e,
        };
        Ok(())
    }
}
