//! Events: what the server tells a client without being asked.
//!
//! Every event names the window it concerns; a client only ever receives events for its own
//! windows. Coordinates are window coordinates.

use serde::{Deserialize, Serialize};

use crate::geometry::Rect;
use crate::ids::WindowId;

/// An event from the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// Part of a window needs drawing: it was just mapped or grew.
    Expose {
        /// The window.
        window: WindowId,
        /// The area to draw, in window coordinates.
        rect: Rect,
    },
    /// The window's position or size changed (by the client or by the user through a window manager).
    Configure {
        /// The window.
        window: WindowId,
        /// New position on the screen and size.
        rect: Rect,
    },
    /// The user asked to close the window. The client decides what to do.
    CloseRequested {
        /// The window.
        window: WindowId,
    },
    /// A key was pressed or released.
    Key(KeyEvent),
    /// The pointer moved. Motion is coalesced: a slow client sees fewer, newer positions.
    PointerMotion {
        /// The window.
        window: WindowId,
        /// Position, x.
        x: i32,
        /// Position, y.
        y: i32,
        /// Modifier keys held.
        modifiers: Modifiers,
    },
    /// A pointer button was pressed or released.
    PointerButton {
        /// The window.
        window: WindowId,
        /// Position, x.
        x: i32,
        /// Position, y.
        y: i32,
        /// Which button.
        button: Button,
        /// Pressed (true) or released (false).
        pressed: bool,
        /// Modifier keys held.
        modifiers: Modifiers,
    },
    /// The wheel turned, or a touchpad scrolled.
    PointerWheel {
        /// The window.
        window: WindowId,
        /// How far.
        delta: WheelDelta,
        /// Modifier keys held.
        modifiers: Modifiers,
    },
    /// The pointer entered the window.
    PointerEnter {
        /// The window.
        window: WindowId,
        /// Position, x.
        x: i32,
        /// Position, y.
        y: i32,
    },
    /// The pointer left the window.
    PointerLeave {
        /// The window.
        window: WindowId,
    },
    /// The window gained or lost keyboard focus.
    Focus {
        /// The window.
        window: WindowId,
        /// Gained (true) or lost (false).
        focused: bool,
    },
    /// Text committed by an input method (IME), such as a composed Chinese phrase.
    TextInput {
        /// The window.
        window: WindowId,
        /// The text, UTF-8.
        text: String,
    },
    /// The scale factor of the monitor showing the window, in thousandths (1000 = 1.0).
    ScaleFactor {
        /// The window.
        window: WindowId,
        /// Scale in thousandths.
        milli: u32,
    },
    /// Answers [`crate::Request::RequestFrame`]: the window's content is on the display; draw
    /// the next frame now.
    FrameDone {
        /// The window.
        window: WindowId,
        /// Milliseconds on the server's clock (for pacing; wraps).
        msec: u32,
    },
}

/// A set of kinds of [`Event`], one bit each, for [`crate::Request::SelectEvents`] and
/// [`crate::Request::CreateWindowWithEvents`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventMask(pub u32);

impl EventMask {
    /// No events.
    pub const NONE: EventMask = EventMask(0);
    /// [`Event::Expose`].
    pub const EXPOSE: EventMask = EventMask(1 << 0);
    /// [`Event::Configure`].
    pub const CONFIGURE: EventMask = EventMask(1 << 1);
    /// [`Event::CloseRequested`].
    pub const CLOSE_REQUESTED: EventMask = EventMask(1 << 2);
    /// [`Event::Key`].
    pub const KEY: EventMask = EventMask(1 << 3);
    /// [`Event::PointerMotion`].
    pub const POINTER_MOTION: EventMask = EventMask(1 << 4);
    /// [`Event::PointerButton`].
    pub const POINTER_BUTTON: EventMask = EventMask(1 << 5);
    /// [`Event::PointerWheel`].
    pub const POINTER_WHEEL: EventMask = EventMask(1 << 6);
    /// [`Event::PointerEnter`].
    pub const POINTER_ENTER: EventMask = EventMask(1 << 7);
    /// [`Event::PointerLeave`].
    pub const POINTER_LEAVE: EventMask = EventMask(1 << 8);
    /// [`Event::Focus`].
    pub const FOCUS: EventMask = EventMask(1 << 9);
    /// [`Event::TextInput`].
    pub const TEXT_INPUT: EventMask = EventMask(1 << 10);
    /// [`Event::ScaleFactor`].
    pub const SCALE_FACTOR: EventMask = EventMask(1 << 11);
    /// [`Event::FrameDone`].
    pub const FRAME_DONE: EventMask = EventMask(1 << 12);
    /// Every event: what a new window gets.
    pub const ALL: EventMask = EventMask((1 << 13) - 1);

    /// Whether every kind in `other` is in the set.
    pub fn contains(self, other: EventMask) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for EventMask {
    type Output = EventMask;
    fn bitor(self, rhs: EventMask) -> EventMask {
        EventMask(self.0 | rhs.0)
    }
}

impl std::fmt::Debug for EventMask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EventMask({:#06x})", self.0)
    }
}

impl Event {
    /// The kind of event, as its bit in an [`EventMask`].
    pub fn kind(&self) -> EventMask {
        match self {
            Event::Expose { .. } => EventMask::EXPOSE,
            Event::Configure { .. } => EventMask::CONFIGURE,
            Event::CloseRequested { .. } => EventMask::CLOSE_REQUESTED,
            Event::Key(_) => EventMask::KEY,
            Event::PointerMotion { .. } => EventMask::POINTER_MOTION,
            Event::PointerButton { .. } => EventMask::POINTER_BUTTON,
            Event::PointerWheel { .. } => EventMask::POINTER_WHEEL,
            Event::PointerEnter { .. } => EventMask::POINTER_ENTER,
            Event::PointerLeave { .. } => EventMask::POINTER_LEAVE,
            Event::Focus { .. } => EventMask::FOCUS,
            Event::TextInput { .. } => EventMask::TEXT_INPUT,
            Event::ScaleFactor { .. } => EventMask::SCALE_FACTOR,
            Event::FrameDone { .. } => EventMask::FRAME_DONE,
        }
    }

    /// The window the event concerns.
    pub fn window(&self) -> WindowId {
        match self {
            Event::Expose { window, .. }
            | Event::Configure { window, .. }
            | Event::CloseRequested { window }
            | Event::PointerMotion { window, .. }
            | Event::PointerButton { window, .. }
            | Event::PointerWheel { window, .. }
            | Event::PointerEnter { window, .. }
            | Event::PointerLeave { window }
            | Event::Focus { window, .. }
            | Event::TextInput { window, .. }
            | Event::ScaleFactor { window, .. }
            | Event::FrameDone { window, .. } => *window,
            Event::Key(k) => k.window,
        }
    }
}

/// A key press or release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEvent {
    /// The window with keyboard focus.
    pub window: WindowId,
    /// Pressed (true) or released (false).
    pub pressed: bool,
    /// True when the press comes from key repeat.
    pub repeat: bool,
    /// The physical key: a platform scan code (X11: the keycode), 0 when unknown.
    pub code: u32,
    /// The logical key, after the keyboard layout.
    pub key: Key,
    /// Text the key produced, if any (dead keys and AltGr already applied).
    pub text: Option<String>,
    /// Modifier keys held.
    pub modifiers: Modifiers,
}

/// A logical key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Key {
    /// A key with a name (Enter, arrows, modifiers ...).
    Named(NamedKey),
    /// A key that stands for a character, e.g. `"a"` or `"é"`.
    Character(String),
    /// A key the server could not identify.
    Unidentified,
}

/// Keys that have a name rather than a character.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)] // the names say it all
pub enum NamedKey {
    Enter,
    Tab,
    Space,
    Backspace,
    Escape,
    Delete,
    Insert,
    Home,
    End,
    PageUp,
    PageDown,
    ArrowLeft,
    ArrowRight,
    ArrowUp,
    ArrowDown,
    Shift,
    Control,
    Alt,
    AltGraph,
    Super,
    CapsLock,
    NumLock,
    F1,
    F2,
    F3,
    F4,
    F5,
    F6,
    F7,
    F8,
    F9,
    F10,
    F11,
    F12,
    PrintScreen,
    Pause,
    ContextMenu,
    Dead,
}

/// Modifier keys held, as bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Modifiers(pub u8);

impl Modifiers {
    /// Shift.
    pub const SHIFT: u8 = 1;
    /// Control.
    pub const CONTROL: u8 = 2;
    /// Alt (Option on a Mac).
    pub const ALT: u8 = 4;
    /// Super (Windows, Command).
    pub const SUPER: u8 = 8;

    /// Whether every bit of `bits` is held.
    pub fn has(self, bits: u8) -> bool {
        self.0 & bits == bits
    }
}

/// A pointer button.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Button {
    /// The primary button.
    Left,
    /// The middle button or wheel click.
    Middle,
    /// The secondary button.
    Right,
    /// Back (button 8 on X11).
    Back,
    /// Forward (button 9 on X11).
    Forward,
    /// Any other button, by number.
    Other(u16),
}

/// How far a wheel or touchpad scrolled. Positive y scrolls up (away from the user).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum WheelDelta {
    /// Wheel notches.
    Lines {
        /// Horizontal notches.
        x: f32,
        /// Vertical notches.
        y: f32,
    },
    /// Pixels, from a touchpad.
    Pixels {
        /// Horizontal pixels.
        x: f32,
        /// Vertical pixels.
        y: f32,
    },
}
