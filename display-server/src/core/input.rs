//! Focus and pointer state, and input injected through the protocol (like X's XTEST).
//!
//! The same rules serve every backend: keys go to the focused window, pointer input to the
//! topmost mapped window under the pointer, and a button press focuses that window and grabs
//! the pointer for it until every button is released. On a
//! backend with a real window manager (winit), the manager's focus changes arrive as
//! [`dispd_protocol::Event::Focus`] events and update the same state.

use dispd_protocol::{ErrorCode, Event, InputAction, KeyEvent, Modifiers, WindowId};

use super::ServerCore;

/// Longest text an injected `Text` action may carry, in bytes.
const MAX_INJECTED_TEXT: usize = 4096;

/// Where keyboard and pointer input go.
#[derive(Debug, Default)]
pub(super) struct InputState {
    /// The window keys go to.
    pub(super) focus: Option<WindowId>,
    /// Pointer position on the screen.
    pointer: (i32, i32),
    /// The window under the pointer.
    hover: Option<WindowId>,
    /// Modifiers held, as the last injected key said.
    modifiers: Modifiers,
    /// The window a button was pressed in: it gets the pointer until every button is up (an
    /// implicit grab, as in X11), so a drag that leaves the window still reaches it.
    grab: Option<WindowId>,
    /// Buttons held.
    buttons_down: u32,
}

impl ServerCore {
    /// Gives keyboard focus to `window` (or nobody), telling the old and new owners.
    pub(super) fn set_focus(&mut self, window: Option<WindowId>) {
        if self.input.focus == window {
            return;
        }
        if let Some(old) = self.input.focus.take() {
            self.send_event(Event::Focus {
                window: old,
                focused: false,
            });
        }
        self.input.focus = window;
        if let Some(new) = window {
            self.send_event(Event::Focus {
                window: new,
                focused: true,
            });
        }
    }

    /// Forgets a window that is going away or being hidden.
    /// A window that still exists (being unmapped) hears that it lost focus and the pointer.
    pub(super) fn input_forget(&mut self, window: WindowId) {
        if self.input.focus == Some(window) {
            self.input.focus = None;
            self.send_event(Event::Focus {
                window,
                focused: false,
            });
        }
        if self.input.hover == Some(window) {
            self.input.hover = None;
            self.send_event(Event::PointerLeave { window });
        }
        if self.input.grab == Some(window) {
            self.input.grab = None;
        }
    }

    /// Records focus changes reported by a backend's window manager.
    pub(super) fn note_backend_focus(&mut self, window: WindowId, focused: bool) {
        if focused {
            self.input.focus = Some(window);
        } else if self.input.focus == Some(window) {
            self.input.focus = None;
        }
    }

    /// Where pointer input goes: the grabbing window, else the window under the pointer.
    fn pointer_target(&self) -> Option<(WindowId, dispd_protocol::Rect)> {
        let grabbed = self
            .input
            .grab
            .and_then(|g| self.scene.get(g))
            .filter(|w| w.mapped);
        let (x, y) = self.input.pointer;
        grabbed
            .or_else(|| self.scene.window_at(x, y))
            .map(|w| (w.id, w.rect))
    }

    /// Why an injected action cannot be applied, if it cannot: text over 4096 bytes, a close
    /// of a window that does not exist.
    pub(super) fn check_injection(&self, action: &InputAction) -> Result<(), (ErrorCode, String)> {
        match action {
            InputAction::Text { text } if text.len() > MAX_INJECTED_TEXT => Err((
                ErrorCode::BadValue,
                format!("text of {} bytes is over {MAX_INJECTED_TEXT}", text.len()),
            )),
            InputAction::Close { window } if self.scene.get(*window).is_none() => {
                Err((ErrorCode::BadWindow, format!("no window {window:?}")))
            }
            _ => Ok(()),
        }
    }

    /// Applies one injected action.
    pub(super) fn inject(&mut self, action: InputAction) {
        match action {
            InputAction::Key {
                pressed,
                code,
                key,
                text,
                modifiers,
            } => {
                self.input.modifiers = modifiers;
                if let Some(window) = self.input.focus {
                    let ev = KeyEvent {
                        window,
                        pressed,
                        repeat: false,
                        code,
                        key,
                        text,
                        modifiers,
                    };
                    self.send_event(Event::Key(ev));
                }
            }
            InputAction::PointerMove { x, y } => {
                self.input.pointer = (x, y);
                let under = self.scene.window_at(x, y).map(|w| (w.id, w.rect));
                let now = under.map(|(id, _)| id);
                if now != self.input.hover {
                    if let Some(old) = self.input.hover.take() {
                        self.send_event(Event::PointerLeave { window: old });
                    }
                    if let Some((window, r)) = under {
                        self.send_event(Event::PointerEnter {
                            window,
                            x: x - r.x,
                            y: y - r.y,
                        });
                    }
                    self.input.hover = now;
                }
                if let Some((window, r)) = self.pointer_target() {
                    let modifiers = self.input.modifiers;
                    self.send_event(Event::PointerMotion {
                        window,
                        x: x - r.x,
                        y: y - r.y,
                        modifiers,
                    });
                }
            }
            InputAction::Button { button, pressed } => {
                let (x, y) = self.input.pointer;
                let target = self.pointer_target();
                if pressed {
                    self.input.buttons_down += 1;
                    if self.input.grab.is_none() {
                        self.input.grab = target.map(|(w, _)| w);
                        if let Some((w, _)) = target {
                            self.set_focus(Some(w));
                        }
                    }
                } else {
                    self.input.buttons_down = self.input.buttons_down.saturating_sub(1);
                    if self.input.buttons_down == 0 {
                        self.input.grab = None;
                    }
                }
                let Some((window, r)) = target else { return };
                let modifiers = self.input.modifiers;
                let ev = Event::PointerButton {
                    window,
                    x: x - r.x,
                    y: y - r.y,
                    button,
                    pressed,
                    modifiers,
                };
                self.send_event(ev);
            }
            InputAction::Text { text } => {
                if let Some(window) = self.input.focus {
                    self.send_event(Event::TextInput { window, text });
                }
            }
            InputAction::Close { window } => self.send_event(Event::CloseRequested { window }),
            InputAction::Wheel { delta } => {
                let (x, y) = self.input.pointer;
                if let Some(window) = self.scene.window_at(x, y).map(|w| w.id) {
                    let modifiers = self.input.modifiers;
                    self.send_event(Event::PointerWheel {
                        window,
                        delta,
                        modifiers,
                    });
                }
            }
        }
    }
}
