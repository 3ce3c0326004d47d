//! Shared pieces of the dispd command-line tools.

mod describe;
pub mod trace;
pub mod x11perf;

pub use describe::describe;

use std::io::Write;

use gui_client::Image;

/// Writes `image` as a PNG file at `path`.
pub fn save_png(image: &Image, path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let file = std::fs::File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), image.width, image.height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&image.data)?;
    writer.finish()?;
    Ok(())
}

/// Prints `line` on standard error, for tools' one-line error messages.
pub fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}
