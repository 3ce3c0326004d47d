//! Translating winit's keyboard events into protocol key events.

use dispd_protocol::{Key, KeyEvent, Modifiers, NamedKey, WindowId};
use winit::event::ElementState;
use winit::keyboard::{Key as WKey, ModifiersState, NamedKey as WNamed, PhysicalKey};
use winit::platform::scancode::PhysicalKeyExtScancode;

/// The modifier bits of a winit modifier state.
pub(super) fn modifiers(m: ModifiersState) -> Modifiers {
    let mut bits = 0;
    if m.shift_key() {
        bits |= Modifiers::SHIFT;
    }
    if m.control_key() {
        bits |= Modifiers::CONTROL;
    }
    if m.alt_key() {
        bits |= Modifiers::ALT;
    }
    if m.super_key() {
        bits |= Modifiers::SUPER;
    }
    Modifiers(bits)
}

/// A protocol key event from a winit one.
pub(super) fn key_event(window: WindowId, e: &winit::event::KeyEvent, modifiers: Modifiers) -> KeyEvent {
    let code = match e.physical_key {
        PhysicalKey::Code(c) => c.to_scancode().unwrap_or(0),
        PhysicalKey::Unidentified(_) => 0,
    };
    let key = match &e.logical_key {
        WKey::Character(s) => Key::Character(s.to_string()),
        WKey::Named(n) => named(*n).map_or(Key::Unidentified, Key::Named),
        WKey::Dead(_) => Key::Named(NamedKey::Dead),
        WKey::Unidentified(_) => Key::Unidentified,
    };
    let pressed = e.state == ElementState::Pressed;
    let text = if pressed {
        e.text.as_ref().map(|t| t.to_string()).filter(|t| !t.is_empty())
    } else {
        None
    };
    KeyEvent {
        window,
        pressed,
        repeat: e.repeat,
        code,
        key,
        text,
        modifiers,
    }
}

fn named(n: WNamed) -> Option<NamedKey> {
    Some(match n {
        WNamed::Enter => NamedKey::Enter,
        WNamed::Tab => NamedKey::Tab,
        WNamed::Space => NamedKey::Space,
        WNamed::Backspace => NamedKey::Backspace,
        WNamed::Escape => NamedKey::Escape,
        WNamed::Delete => NamedKey::Delete,
        WNamed::Insert => NamedKey::Insert,
        WNamed::Home => NamedKey::Home,
        WNamed::End => NamedKey::End,
        WNamed::PageUp => NamedKey::PageUp,
        WNamed::PageDown => NamedKey::PageDown,
        WNamed::ArrowLeft => NamedKey::ArrowLeft,
        WNamed::ArrowRight => NamedKey::ArrowRight,
        WNamed::ArrowUp => NamedKey::ArrowUp,
        WNamed::ArrowDown => NamedKey::ArrowDown,
        WNamed::Shift => NamedKey::Shift,
        WNamed::Control => NamedKey::Control,
        WNamed::Alt => NamedKey::Alt,
        WNamed::AltGraph => NamedKey::AltGraph,
        WNamed::Super | WNamed::Meta => NamedKey::Super,
        WNamed::CapsLock => NamedKey::CapsLock,
        WNamed::NumLock => NamedKey::NumLock,
        WNamed::F1 => NamedKey::F1,
        WNamed::F2 => NamedKey::F2,
        WNamed::F3 => NamedKey::F3,
        WNamed::F4 => NamedKey::F4,
        WNamed::F5 => NamedKey::F5,
        WNamed::F6 => NamedKey::F6,
        WNamed::F7 => NamedKey::F7,
        WNamed::F8 => NamedKey::F8,
        WNamed::F9 => NamedKey::F9,
        WNamed::F10 => NamedKey::F10,
        WNamed::F11 => NamedKey::F11,
        WNamed::F12 => NamedKey::F12,
        WNamed::PrintScreen => NamedKey::PrintScreen,
        WNamed::Pause => NamedKey::Pause,
        WNamed::ContextMenu => NamedKey::ContextMenu,
        _ => return None,
    })
}
