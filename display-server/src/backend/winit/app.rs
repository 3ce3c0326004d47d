//! The main-thread half of the on-screen backend: native windows, presenting, input.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU32;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use dispd_protocol::{Button, CursorShape, Event, Modifiers, Rect, WheelDelta, WindowId};
use winit::application::ApplicationHandler;
use winit::dpi::{PhysicalPosition, PhysicalSize};
use winit::event::{ElementState, Ime, MouseButton, MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, OwnedDisplayHandle};
use winit::window::{CursorIcon, Window};

use super::{keys, Command, EventSender};
use crate::backend::BackendEvent;

type Surface = softbuffer::Surface<OwnedDisplayHandle, Rc<Window>>;
/// Run once when the event loop is up.
type StartHook = Box<dyn FnOnce(&ActiveEventLoop)>;

/// One client window shown natively.
struct Native {
    id: WindowId,
    window: Rc<Window>,
    surface: Surface,
    /// The window's content as the core last sent it.
    mirror: Vec<u32>,
    size: (u32, u32),
    /// Where the core believes the window is (to tell real moves from echoes).
    rect: Rect,
    /// Damage not yet presented, and the damage of the last present (for buffer age 2).
    damage: Option<Rect>,
    last_damage: Option<Rect>,
    last_surface_size: (u32, u32),
    pointer: (i32, i32),
    pending_motion: bool,
    entered: bool,
}

/// Runs on the main thread inside winit's event loop.
pub struct App {
    commands: mpsc::Receiver<Command>,
    events: EventSender,
    in_flight: Arc<AtomicBool>,
    context: Option<softbuffer::Context<OwnedDisplayHandle>>,
    windows: HashMap<WindowId, Native>,
    by_native: HashMap<winit::window::WindowId, WindowId>,
    modifiers: Modifiers,
    on_start: Option<StartHook>,
    /// Windows given pixels that have not presented them yet.
    unpresented: HashSet<WindowId>,
    /// Since when the core waits for the present of the last pixels it sent.
    awaiting_present: Option<Instant>,
}

/// Longest the core waits for windows to present before it may send more pixels anyway.
const PRESENT_GRACE: Duration = Duration::from_millis(100);

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "App({} windows)", self.windows.len())
    }
}

impl App {
    pub(super) fn new(
        commands: mpsc::Receiver<Command>,
        events: EventSender,
        in_flight: Arc<AtomicBool>,
    ) -> Self {
        Self {
            commands,
            events,
            in_flight,
            context: None,
            windows: HashMap::new(),
            by_native: HashMap::new(),
            modifiers: Modifiers::default(),
            on_start: None,
            unpresented: HashSet::new(),
            awaiting_present: None,
        }
    }

    /// Runs `f` once, when the event loop has started (monitors are known then).
    pub fn on_start(&mut self, f: impl FnOnce(&ActiveEventLoop) + 'static) {
        self.on_start = Some(Box::new(f));
    }

    /// Tells the core it may send the next pixels once every window given pixels has presented
    /// them, so that a fast client is paced by the display rather than flooding it. A window that
    /// never redraws (hidden, minimised) does not hold things up longer than [`PRESENT_GRACE`].
    fn ack_if_presented(&mut self, el: &ActiveEventLoop) {
        let Some(since) = self.awaiting_present else {
            return;
        };
        let windows = &self.windows;
        self.unpresented.retain(|id| {
            windows
                .get(id)
                .is_some_and(|n| n.window.is_visible() != Some(false))
        });
        if self.unpresented.is_empty() || since.elapsed() >= PRESENT_GRACE {
            self.unpresented.clear();
            self.awaiting_present = None;
            self.in_flight.store(false, Ordering::Release);
            let _ = self.events.send(BackendEvent::PresentDone);
            el.set_control_flow(ControlFlow::Wait);
        } else {
            el.set_control_flow(ControlFlow::WaitUntil(since + PRESENT_GRACE));
        }
    }

    fn emit(&self, event: Event) {
        let _ = self.events.send(BackendEvent::Event(event));
    }

    fn apply(&mut self, el: &ActiveEventLoop, command: Command) {
        match command {
            Command::Show {
                id,
                rect,
                title,
                cursor,
                pixels,
            } => {
                if !self.windows.contains_key(&id) {
                    if let Err(e) = self.create(el, id, rect) {
                        tracing::warn!(window = %id, cause = %e, "cannot create a native window");
                        return;
                    }
                }
                if let Some(n) = self.windows.get_mut(&id) {
                    n.set_content(rect, pixels);
                    n.window.set_title(&title);
                    set_cursor(&n.window, cursor);
                    n.window.set_visible(true);
                    n.window.request_redraw();
                    let milli = (n.window.scale_factor() * 1000.0).round() as u32;
                    self.emit(Event::ScaleFactor { window: id, milli });
                }
            }
            Command::Hide(id) => {
                if let Some(n) = self.windows.get(&id) {
                    n.window.set_visible(false);
                }
            }
            Command::Destroy(id) => {
                if let Some(n) = self.windows.remove(&id) {
                    self.by_native.remove(&n.window.id());
                }
            }
            Command::Configure { id, rect, pixels } => {
                if let Some(n) = self.windows.get_mut(&id) {
                    if (rect.x, rect.y) != (n.rect.x, n.rect.y) {
                        n.window.set_outer_position(PhysicalPosition::new(rect.x, rect.y));
                    }
                    if rect.size() != n.rect.size() {
                        let _ = n
                            .window
                            .request_inner_size(PhysicalSize::new(rect.width, rect.height));
                    }
                    n.set_content(rect, pixels);
                    n.window.request_redraw();
                }
            }
            Command::Title(id, title) => {
                if let Some(n) = self.windows.get(&id) {
                    n.window.set_title(&title);
                }
            }
            Command::Cursor(id, cursor) => {
                if let Some(n) = self.windows.get(&id) {
                    set_cursor(&n.window, cursor);
                }
            }
            Command::Pixels { id, area, pixels } => {
                if let Some(n) = self.windows.get_mut(&id) {
                    n.patch(area, &pixels);
                    n.window.request_redraw();
                }
            }
            Command::Exit => el.exit(),
        }
    }

    fn create(&mut self, el: &ActiveEventLoop, id: WindowId, rect: Rect) -> Result<(), String> {
        let context = match &self.context {
            Some(c) => c,
            None => {
                let c = softbuffer::Context::new(el.owned_display_handle()).map_err(|e| e.to_string())?;
                self.context.insert(c)
            }
        };
        let attrs = Window::default_attributes()
            .with_visible(false)
            .with_inner_size(PhysicalSize::new(rect.width, rect.height))
            .with_position(PhysicalPosition::new(rect.x, rect.y));
        let window = Rc::new(el.create_window(attrs).map_err(|e| e.to_string())?);
        window.set_ime_allowed(true);
        let surface = Surface::new(context, window.clone()).map_err(|e| e.to_string())?;
        self.by_native.insert(window.id(), id);
        let native = Native {
            id,
            window,
            surface,
            mirror: Vec::new(),
            size: (0, 0),
            rect,
            damage: None,
            last_damage: None,
            last_surface_size: (0, 0),
            pointer: (0, 0),
            pending_motion: false,
            entered: false,
        };
        self.windows.insert(id, native);
        Ok(())
    }

    fn flush_motion(&mut self, id: WindowId) {
        if let Some(n) = self.windows.get_mut(&id) {
            if std::mem::take(&mut n.pending_motion) {
                let (x, y) = n.pointer;
                let modifiers = self.modifiers;
                let _ = self.events.send(BackendEvent::Event(Event::PointerMotion {
                    window: id,
                    x,
                    y,
                    modifiers,
                }));
            }
        }
    }
}

impl Native {
    fn set_content(&mut self, rect: Rect, pixels: Vec<u32>) {
        self.rect = rect;
        self.size = (rect.width, rect.height);
        self.mirror = pixels;
        self.damage = Some(Rect::from_size(rect.size()));
    }

    fn patch(&mut self, area: Rect, pixels: &[u32]) {
        let (w, h) = self.size;
        let Some(clip) = area.intersect(&Rect::new(0, 0, w, h)) else {
            return;
        };
        let src_w = area.width as usize;
        for row in 0..clip.height as usize {
            let sy = (clip.y - area.y) as usize + row;
            let sx = (clip.x - area.x) as usize;
            let src = &pixels[sy * src_w + sx..sy * src_w + sx + clip.width as usize];
            let dy = clip.y as usize + row;
            let start = dy * w as usize + clip.x as usize;
            self.mirror[start..start + clip.width as usize].copy_from_slice(src);
        }
        self.damage = Some(self.damage.map_or(clip, |d| d.union(&clip)));
    }

    /// Copies what changed into the surface and presents it.
    fn present(&mut self) {
        let size = self.window.inner_size();
        let (Some(sw), Some(sh)) = (NonZeroU32::new(size.width), NonZeroU32::new(size.height)) else {
            return;
        };
        if self.surface.resize(sw, sh).is_err() {
            return;
        }
        let resized = self.last_surface_size != (size.width, size.height);
        self.last_surface_size = (size.width, size.height);
        let Ok(mut buffer) = self.surface.buffer_mut() else {
            return;
        };
        let full = Rect::new(0, 0, size.width, size.height);
        let now = self.damage.take();
        let region = match (buffer.age(), resized) {
            (1, false) => now,
            (2, false) => match (now, self.last_damage) {
                (Some(a), Some(b)) => Some(a.union(&b)),
                (a, b) => a.or(b),
            },
            _ => Some(full),
        };
        self.last_damage = now;
        let Some(region) = region.and_then(|r| r.intersect(&full)) else {
            let _ = buffer.present_with_damage(&[]);
            return;
        };
        let (mw, mh) = self.size;
        let bw = size.width as usize;
        for y in region.y as u32..(region.y as u32 + region.height) {
            let dst =
                &mut buffer[y as usize * bw + region.x as usize..y as usize * bw + region.right() as usize];
            if y < mh {
                let x0 = region.x as u32;
                let x1 = (region.right() as u32).min(mw);
                let row = &self.mirror[(y * mw) as usize..((y + 1) * mw) as usize];
                let n = x1.saturating_sub(x0) as usize;
                // softbuffer wants the top byte zero; ours holds alpha (in windows, bytes that mean nothing).
                for (d, p) in dst[..n].iter_mut().zip(&row[x0 as usize..x1 as usize]) {
                    *d = p & 0x00ff_ffff;
                }
                dst[n..].fill(0);
            } else {
                dst.fill(0);
            }
        }
        let damage = softbuffer::Rect {
            x: region.x as u32,
            y: region.y as u32,
            width: NonZeroU32::new(region.width).unwrap_or(NonZeroU32::MIN),
            height: NonZeroU32::new(region.height).unwrap_or(NonZeroU32::MIN),
        };
        if let Err(e) = buffer.present_with_damage(&[damage]) {
            tracing::debug!(window = %self.id, cause = %e, "present failed");
        }
    }
}

fn set_cursor(window: &Window, cursor: CursorShape) {
    let icon = match cursor {
        CursorShape::Hidden => {
            window.set_cursor_visible(false);
            return;
        }
        CursorShape::Default => CursorIcon::Default,
        CursorShape::Text => CursorIcon::Text,
        CursorShape::Pointer => CursorIcon::Pointer,
        CursorShape::Crosshair => CursorIcon::Crosshair,
        CursorShape::Move => CursorIcon::Move,
        CursorShape::ResizeHorizontal => CursorIcon::EwResize,
        CursorShape::ResizeVertical => CursorIcon::NsResize,
        CursorShape::Wait => CursorIcon::Wait,
        CursorShape::NotAllowed => CursorIcon::NotAllowed,
    };
    window.set_cursor_visible(true);
    window.set_cursor(icon);
}

impl ApplicationHandler for App {
    fn resumed(&mut self, el: &ActiveEventLoop) {
        if let Some(start) = self.on_start.take() {
            start(el);
        }
    }

    fn user_event(&mut self, el: &ActiveEventLoop, (): ()) {
        let mut took_pixels = false;
        while let Ok(command) = self.commands.try_recv() {
            if let Command::Pixels { id, .. } = &command {
                took_pixels = true;
                self.unpresented.insert(*id);
            }
            self.apply(el, command);
        }
        if took_pixels {
            self.awaiting_present = Some(Instant::now());
            self.ack_if_presented(el);
        }
    }

    fn window_event(&mut self, el: &ActiveEventLoop, native: winit::window::WindowId, event: WindowEvent) {
        let Some(&id) = self.by_native.get(&native) else {
            return;
        };
        match event {
            WindowEvent::RedrawRequested => {
                if let Some(n) = self.windows.get_mut(&id) {
                    n.present();
                }
                self.unpresented.remove(&id);
                self.ack_if_presented(el);
            }
            WindowEvent::CloseRequested => self.emit(Event::CloseRequested { window: id }),
            WindowEvent::Resized(size) => {
                let Some(n) = self.windows.get_mut(&id) else {
                    return;
                };
                n.window.request_redraw();
                if (size.width, size.height) != (n.rect.width, n.rect.height)
                    && size.width > 0
                    && size.height > 0
                {
                    n.rect = Rect::new(n.rect.x, n.rect.y, size.width, size.height);
                    let _ = self.events.send(BackendEvent::UserConfigure {
                        window: id,
                        rect: n.rect,
                    });
                }
            }
            WindowEvent::Moved(pos) => {
                let Some(n) = self.windows.get_mut(&id) else {
                    return;
                };
                if (pos.x, pos.y) != (n.rect.x, n.rect.y) {
                    n.rect = Rect::new(pos.x, pos.y, n.rect.width, n.rect.height);
                    let _ = self.events.send(BackendEvent::UserConfigure {
                        window: id,
                        rect: n.rect,
                    });
                }
            }
            WindowEvent::Focused(focused) => self.emit(Event::Focus { window: id, focused }),
            WindowEvent::ScaleFactorChanged { scale_factor, .. } => self.emit(Event::ScaleFactor {
                window: id,
                milli: (scale_factor * 1000.0).round() as u32,
            }),
            WindowEvent::ModifiersChanged(m) => self.modifiers = keys::modifiers(m.state()),
            WindowEvent::KeyboardInput { event, .. } => {
                self.emit(Event::Key(keys::key_event(id, &event, self.modifiers)));
            }
            WindowEvent::Ime(Ime::Commit(text)) => self.emit(Event::TextInput { window: id, text }),
            WindowEvent::CursorMoved { position, .. } => {
                let Some(n) = self.windows.get_mut(&id) else {
                    return;
                };
                n.pointer = (position.x.round() as i32, position.y.round() as i32);
                if std::mem::take(&mut n.entered) {
                    let (x, y) = n.pointer;
                    self.emit(Event::PointerEnter { window: id, x, y });
                }
                if let Some(n) = self.windows.get_mut(&id) {
                    n.pending_motion = true;
                }
            }
            WindowEvent::CursorEntered { .. } => {
                if let Some(n) = self.windows.get_mut(&id) {
                    n.entered = true;
                }
            }
            WindowEvent::CursorLeft { .. } => {
                self.flush_motion(id);
                if let Some(n) = self.windows.get_mut(&id) {
                    n.entered = false;
                }
                self.emit(Event::PointerLeave { window: id });
            }
            WindowEvent::MouseInput { state, button, .. } => {
                self.flush_motion(id);
                let Some(n) = self.windows.get(&id) else { return };
                let (x, y) = n.pointer;
                let button = match button {
                    MouseButton::Left => Button::Left,
                    MouseButton::Right => Button::Right,
                    MouseButton::Middle => Button::Middle,
                    MouseButton::Back => Button::Back,
                    MouseButton::Forward => Button::Forward,
                    MouseButton::Other(n) => Button::Other(n),
                };
                let pressed = state == ElementState::Pressed;
                self.emit(Event::PointerButton {
                    window: id,
                    x,
                    y,
                    button,
                    pressed,
                    modifiers: self.modifiers,
                });
            }
            WindowEvent::MouseWheel { delta, .. } => {
                self.flush_motion(id);
                let delta = match delta {
                    MouseScrollDelta::LineDelta(x, y) => WheelDelta::Lines { x, y },
                    MouseScrollDelta::PixelDelta(p) => WheelDelta::Pixels {
                        x: p.x as f32,
                        y: p.y as f32,
                    },
                };
                self.emit(Event::PointerWheel {
                    window: id,
                    delta,
                    modifiers: self.modifiers,
                });
            }
            _ => {}
        }
    }

    fn about_to_wait(&mut self, el: &ActiveEventLoop) {
        self.ack_if_presented(el);
        let pending: Vec<WindowId> = self
            .windows
            .values()
            .filter(|n| n.pending_motion)
            .map(|n| n.id)
            .collect();
        for id in pending {
            self.flush_motion(id);
        }
    }
}
