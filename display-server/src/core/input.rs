//! Focus and pointer state, and input injected through the protocol (like X's XTEST).
//!
//! The same rules serve every backend: keys go to the focused window, pointer input to the
//! topmost mapped window under the pointer, and a button press focuses that window. On a
//! backend with a real window manager (winit), the manager's focus changes arrive as
//! [`dispd_protocol::Event::Focus`] events and update the same state.

use dispd_protocol::{Event, InputAction, KeyEvent, Modifiers, WindowId};

use super::ServerCore;

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
    }

    /// Records focus changes reported by a backend's window manager.
    pub(super) fn note_backend_focus(&mut self, window: WindowId, focused: bool) {
        if focused {
            self.input.focus = Some(window);
        } else if self.input.focus == Some(window) {
            self.input.focus = None;
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
                if let Some((window, r)) = under {
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
                let Some((window, r)) = self.scene.window_at(x, y).map(|w| (w.id, w.rect)) else {
                    return;
                };
                if pressed {
                    self.set_focus(Some(window));
                }
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
