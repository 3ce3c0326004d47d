//! `viewer`: shows a PNG or JPEG image, scaled to fit the window with its aspect ratio kept.
//!
//! Run it with `cargo run --release --example viewer -- IMAGE.png` (DISPLAY or DISPD_DISPLAY
//! picks the server). PNG: every colour type and bit depth, transparency shown over the
//! window's dark background. JPEG: baseline files, as cameras and most tools write them, read
//! by the small decoder in `examples::jpeg` (progressive JPEG is refused with a message).
//!
//! The pixels cross the wire once: they are uploaded into an off-screen image on the server
//! (`create_image` + `put_image`, LZ4-compressed, in bands that stay well under the server's
//! message size limit), and every expose or resize after that is a single `draw_image` op of a
//! few bytes that scales the server's copy. Shrinking is smooth (bilinear); enlarging by 2x or
//! more keeps the pixels crisp, which suits pixel art and screenshots.

use std::path::PathBuf;
use std::process::ExitCode;

use examples::app::{self, main_with};
use examples::picture::{self, Rgba};
use examples::ui;
use gui_client::{Color, Display, Drawable, Event, PixelFormat, Rect, Size, WindowId};

const BACKGROUND: Color = Color::rgb(0x22, 0x25, 0x2c);
/// Longest side kept; larger images are shrunk on loading (the server caps images at 8192).
const MAX_SIDE: u32 = 4096;
/// Most bytes of raw pixels per upload request.
const BAND_BYTES: usize = 4 << 20;

fn main() -> ExitCode {
    main_with("viewer", run)
}

fn run() -> Result<(), app::Error> {
    let usage = "usage: viewer IMAGE.png|IMAGE.jpg";
    let path = PathBuf::from(std::env::args_os().nth(1).ok_or(usage)?);
    let picture = picture::load(&path)?.shrink_to(MAX_SIDE);
    let mut display = Display::open()?;

    // The window: the image's size, or smaller to fit 80% of the screen.
    let screen = display.setup().screen;
    let room = Rect::new(0, 0, screen.width * 4 / 5, screen.height * 4 / 5);
    let start = if picture.width <= room.width && picture.height <= room.height {
        Size::new(picture.width.max(160), picture.height.max(120))
    } else {
        ui::fit(picture.width, picture.height, room).size()
    };
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let title = format!("viewer: {name} ({}x{})", picture.width, picture.height);
    let window = app::open_window(&mut display, &title, start.width, start.height, BACKGROUND)?;
    let image = upload(&mut display, &picture)?;

    let mut size = start;
    loop {
        let mut dirty = false;
        for event in app::wait_events(&mut display, None)? {
            match event {
                Event::Expose { .. } => dirty = true,
                Event::Configure { rect, .. } => {
                    dirty |= rect.size() != size;
                    size = rect.size();
                }
                Event::CloseRequested { .. } => return Ok(()),
                _ => {}
            }
        }
        if dirty {
            draw(&mut display, window, size, image, &picture);
            display.flush()?;
        }
    }
}

/// Copies the picture into a new off-screen image on the server, band by band.
fn upload(display: &mut Display, picture: &Rgba) -> Result<Drawable, gui_client::ClientError> {
    let image = display.create_image(Size::new(picture.width, picture.height))?;
    let row_bytes = picture.width as usize * 4;
    let rows_per_band = (BAND_BYTES / row_bytes).max(1);
    for (i, band) in picture.data.chunks(rows_per_band * row_bytes).enumerate() {
        let y = (i * rows_per_band) as i32;
        let rows = (band.len() / row_bytes) as u32;
        let rect = Rect::new(0, y, picture.width, rows);
        display.put_image_as(image, rect, PixelFormat::Rgba8, true, band.to_vec());
    }
    Ok(image)
}

fn draw(display: &mut Display, window: WindowId, size: Size, image: Drawable, picture: &Rgba) {
    let dst = ui::fit(picture.width, picture.height, Rect::from_size(size));
    let enlarging = dst.width >= 2 * picture.width;
    let mut p = display.draw(window);
    p.color(BACKGROUND).clear();
    p.antialias(!enlarging)
        .draw_image(image, Rect::new(0, 0, picture.width, picture.height), dst);
}
