//! Drawables: windows and off-screen images, which share each client's id space, and the
//! requests that draw into them or read them.

// Ids are small integers the server hands out: a fast non-cryptographic hash is enough, and
// lookups happen several times per request.
use rustc_hash::FxHashMap as HashMap;

use dispd_protocol::request::ImageSource;
use dispd_protocol::{ClientId, Compression, DrawOp, Drawable, ErrorCode, PixelFormat, Rect, Size, WindowId};

use super::{Failure, Scene, SceneChange, ServerCore};
use crate::raster::{draw_batch, Framebuffer, Sources};

/// An off-screen image (like an X pixmap).
#[derive(Debug)]
pub struct OffscreenImage {
    /// The client that created it.
    pub owner: ClientId,
    /// Its pixels, with alpha.
    pub fb: Framebuffer,
}

/// Which kind of drawable an id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Target {
    Window(WindowId),
    Image(u32),
}

/// A client's drawables, as the rasterizer sees them.
struct ClientSources<'a> {
    scene: &'a Scene,
    images: &'a HashMap<u32, OffscreenImage>,
    client: ClientId,
}

impl Sources for ClientSources<'_> {
    fn get(&self, d: Drawable) -> Option<&Framebuffer> {
        if let Some(w) = self.scene.get(WindowId(d.0)).filter(|w| w.owner == self.client) {
            return Some(&w.fb);
        }
        self.images
            .get(&d.0)
            .filter(|i| i.owner == self.client)
            .map(|i| &i.fb)
    }
}

/// The framebuffer of `t`, borrowing only the scene and the images.
pub(super) fn target_fb_in<'a>(
    scene: &'a mut Scene,
    images: &'a mut HashMap<u32, OffscreenImage>,
    t: Target,
) -> Option<&'a mut Framebuffer> {
    match t {
        Target::Window(w) => scene.get_mut(w).map(|w| &mut w.fb),
        Target::Image(i) => images.get_mut(&i).map(|i| &mut i.fb),
    }
}

/// The failure for a drawable id that names none of the client's.
fn not_owned(d: Drawable) -> Failure {
    (
        ErrorCode::BadDrawable,
        format!("no drawable {:#x} belongs to this client", d.0),
    )
}

impl ServerCore {
    /// The client's drawable `d`, or a BadDrawable failure.
    pub(super) fn own_target(&self, client: ClientId, d: Drawable) -> Result<Target, Failure> {
        if self.scene.get(WindowId(d.0)).is_some_and(|w| w.owner == client) {
            return Ok(Target::Window(WindowId(d.0)));
        }
        match self.images.get(&d.0) {
            Some(i) if i.owner == client => Ok(Target::Image(d.0)),
            _ => Err(not_owned(d)),
        }
    }

    /// The client's drawable `d` and its framebuffer (one lookup: drawing looks it up once per
    /// request), or a BadDrawable failure.
    fn own_fb(&mut self, client: ClientId, d: Drawable) -> Result<(Target, &mut Framebuffer), Failure> {
        let (scene, images) = (&mut self.scene, &mut self.images);
        if let Some(w) = scene.get_mut(WindowId(d.0)).filter(|w| w.owner == client) {
            return Ok((Target::Window(WindowId(d.0)), &mut w.fb));
        }
        match images.get_mut(&d.0) {
            Some(i) if i.owner == client => Ok((Target::Image(d.0), &mut i.fb)),
            _ => Err(not_owned(d)),
        }
    }

    fn target_fb(&mut self, t: Target) -> Option<&mut Framebuffer> {
        target_fb_in(&mut self.scene, &mut self.images, t)
    }

    pub(super) fn target_changed(&mut self, t: Target, area: Rect) {
        if let Target::Window(window) = t {
            self.changes.push(SceneChange::Drawn { window, area });
        }
    }

    /// Applies a draw batch whole, or fails changing nothing.
    pub(super) fn draw(&mut self, client: ClientId, target: Drawable, ops: &[DrawOp]) -> Result<(), Failure> {
        let (t, slot) = self.own_fb(client, target)?;
        // The target is taken out while the batch runs, so the batch can read the client's
        // other drawables; reading the target itself is handled by the rasterizer.
        let mut fb = std::mem::take(slot);
        let sources = ClientSources {
            scene: &self.scene,
            images: &self.images,
            client,
        };
        let result = draw_batch(
            &mut fb,
            target,
            &mut self.fonts,
            &sources,
            ops,
            self.config.max_batch_ops,
        );
        if let Some(slot) = self.target_fb(t) {
            *slot = fb;
        }
        match result {
            Ok(Some(area)) => self.target_changed(t, area),
            Ok(None) => {}
            Err(e @ crate::raster::BatchError::BadDrawable { .. }) => {
                return Err((ErrorCode::BadDrawable, e.to_string()))
            }
            Err(e) => return Err((ErrorCode::BadValue, e.to_string())),
        }
        Ok(())
    }

    /// Replaces pixels of a drawable.
    pub(super) fn put_image(
        &mut self,
        client: ClientId,
        target: Drawable,
        rect: Rect,
        format: PixelFormat,
        compression: Compression,
        data: &[u8],
    ) -> Result<(), Failure> {
        let t = self.own_target(client, target)?;
        let want = self.image_bytes(rect, format)?;
        let unpacked;
        let bytes = match compression {
            Compression::None => data,
            Compression::Lz4 => {
                let mut out = vec![0u8; want];
                match lz4_flex::block::decompress_into(data, &mut out) {
                    Ok(n) if n == want => {}
                    Ok(n) => {
                        return Err((
                            ErrorCode::BadValue,
                            format!("LZ4 data decompresses to {n} bytes, not {want}"),
                        ))
                    }
                    Err(e) => {
                        return Err((ErrorCode::BadValue, format!("LZ4 data does not decompress: {e}")))
                    }
                }
                unpacked = out;
                &unpacked
            }
        };
        if bytes.len() != want {
            let (w, h) = (rect.width, rect.height);
            return Err((
                ErrorCode::BadValue,
                format!(
                    "{w}x{h} pixels of {format:?} need {want} bytes, got {}",
                    bytes.len()
                ),
            ));
        }
        let Some(fb) = self.target_fb(t) else {
            return Ok(());
        };
        fb.put_pixels(rect, format, bytes);
        if let Some(area) = rect.intersect(&fb.bounds()) {
            self.target_changed(t, area);
        }
        Ok(())
    }

    /// The bytes of an image of `rect` in `format`, once its size is checked.
    pub(super) fn image_bytes(&self, rect: Rect, format: PixelFormat) -> Result<usize, Failure> {
        let pixels = rect.size().area();
        let max = self.config.max_window_pixels;
        if pixels == 0 || pixels > max {
            return Err((
                ErrorCode::BadValue,
                format!("an image must hold 1 to {max} pixels, not {pixels}"),
            ));
        }
        Ok(pixels as usize * format.bytes_per_pixel())
    }

    /// The bounds of the client's drawable `d`, if it has one.
    pub(super) fn drawable_bounds(&mut self, client: ClientId, d: Drawable) -> Option<Rect> {
        let t = self.own_target(client, d).ok()?;
        self.target_fb(t).map(|fb| fb.bounds())
    }

    /// Reads pixels of `source` in `format`, for `GetImage` and `GetImageAs`: `rect` must be
    /// 1 to `max_get_image_pixels` pixels inside the source, and only the display's owner may
    /// read the screen.
    pub(super) fn read_image(
        &mut self,
        client: ClientId,
        source: ImageSource,
        rect: Rect,
        format: PixelFormat,
    ) -> Result<Vec<u8>, Failure> {
        let pixels = rect.size().area();
        let max = self.config.max_get_image_pixels;
        if pixels == 0 || pixels > max {
            return Err((
                ErrorCode::BadValue,
                format!("can read 1 to {max} pixels at once, not {pixels}"),
            ));
        }
        let bounds = match source {
            ImageSource::Screen => Some(Rect::from_size(self.scene.screen())),
            ImageSource::Drawable(d) => self.drawable_bounds(client, d),
        };
        if let Some(b) = bounds {
            if rect.intersect(&b) != Some(rect) {
                return Err((
                    ErrorCode::BadValue,
                    format!(
                        "{}x{}+{}+{} is not inside the {}x{} source",
                        rect.width, rect.height, rect.x, rect.y, b.width, b.height
                    ),
                ));
            }
        }
        match source {
            ImageSource::Screen => {
                if !self.trusted(client) {
                    return Err((
                        ErrorCode::BadAccess,
                        "only the display's owner may read the whole screen; read your own windows instead"
                            .into(),
                    ));
                }
                self.flush();
                Ok(crate::raster::rgba_as(
                    self.backend.read_screen(&self.scene, rect),
                    format,
                ))
            }
            ImageSource::Drawable(d) => {
                let t = self.own_target(client, d)?;
                Ok(self
                    .target_fb(t)
                    .map(|fb| fb.read_as(rect, format))
                    .unwrap_or_default())
            }
        }
    }

    /// Creates an off-screen image.
    pub(super) fn create_image(
        &mut self,
        client: ClientId,
        image: Drawable,
        size: Size,
    ) -> Result<(), Failure> {
        self.check_new_id(client, image.0)?;
        self.check_size(Rect::from_size(size))?;
        let max = self.config.max_images_per_client;
        if self.images.values().filter(|i| i.owner == client).count() >= max {
            return Err((
                ErrorCode::Limit,
                format!("a client may have at most {max} images"),
            ));
        }
        self.charge_pixels(client, size.area(), 0)?;
        self.images.insert(
            image.0,
            OffscreenImage {
                owner: client,
                fb: Framebuffer::new_transparent(size),
            },
        );
        Ok(())
    }

    /// Frees an off-screen image.
    pub(super) fn free_image(&mut self, client: ClientId, image: Drawable) -> Result<(), Failure> {
        match self.images.get(&image.0) {
            Some(i) if i.owner == client => {
                let pixels = i.fb.size().area();
                self.images.remove(&image.0);
                self.refund_pixels(client, pixels);
                Ok(())
            }
            _ => Err((
                ErrorCode::BadDrawable,
                format!("no image {:#x} belongs to this client", image.0),
            )),
        }
    }

    /// Frees every image of a client that is going away.
    pub(super) fn free_images_of(&mut self, client: ClientId) {
        self.images.retain(|_, i| i.owner != client);
    }
}
