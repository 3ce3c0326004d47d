//! Keyboard input for text: turns key and input-method events into editing commands, so every
//! demo that takes typing reads the keyboard the same way.
//!
//! Typed characters arrive two ways: as the `text` of a key press (plain typing, with the
//! keyboard layout and dead keys already applied) and as [`Event::TextInput`] (what an input
//! method commits, such as a composed Chinese phrase). Both become [`Edit::Insert`].

use gui_client::{Event, Key, Modifiers, NamedKey};

/// Where a cursor moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motion {
    /// One character left.
    Left,
    /// One character right.
    Right,
    /// One word left (Ctrl+Left).
    WordLeft,
    /// One word right (Ctrl+Right).
    WordRight,
    /// One line up.
    Up,
    /// One line down.
    Down,
    /// Start of the line.
    Home,
    /// End of the line.
    End,
    /// One page up.
    PageUp,
    /// One page down.
    PageDown,
    /// Start of the text (Ctrl+Home).
    Start,
    /// End of the text (Ctrl+End).
    Finish,
}

/// One editing command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Insert text at the cursor (replacing the selection).
    Insert(String),
    /// Enter.
    Newline,
    /// Delete before the cursor (or the selection).
    Backspace,
    /// Delete after the cursor (or the selection).
    Delete,
    /// Move the cursor; `select` (Shift held) extends the selection instead of dropping it.
    Move {
        /// Where to.
        to: Motion,
        /// Whether to extend the selection.
        select: bool,
    },
    /// Ctrl+A.
    SelectAll,
    /// Ctrl+S.
    Save,
    /// Escape.
    Cancel,
}

/// The editing command an event stands for, if any. Only key presses count (and repeats of
/// held keys); releases, and Ctrl or Alt combinations other than the known ones, are ignored.
pub fn edit_of(event: &Event) -> Option<Edit> {
    let k = match event {
        Event::TextInput { text, .. } => return insertable(text).then(|| Edit::Insert(text.clone())),
        Event::Key(k) if k.pressed => k,
        _ => return None,
    };
    let ctrl = k.modifiers.has(Modifiers::CONTROL);
    let shift = k.modifiers.has(Modifiers::SHIFT);
    let alt = k.modifiers.has(Modifiers::ALT);
    let mv = |to| Some(Edit::Move { to, select: shift });
    if let Key::Named(named) = &k.key {
        match named {
            NamedKey::Enter => return Some(Edit::Newline),
            NamedKey::Backspace => return Some(Edit::Backspace),
            NamedKey::Delete => return Some(Edit::Delete),
            NamedKey::Escape => return Some(Edit::Cancel),
            NamedKey::Tab => return Some(Edit::Insert("    ".into())),
            NamedKey::ArrowLeft if ctrl => return mv(Motion::WordLeft),
            NamedKey::ArrowRight if ctrl => return mv(Motion::WordRight),
            NamedKey::ArrowLeft => return mv(Motion::Left),
            NamedKey::ArrowRight => return mv(Motion::Right),
            NamedKey::ArrowUp => return mv(Motion::Up),
            NamedKey::ArrowDown => return mv(Motion::Down),
            NamedKey::Home if ctrl => return mv(Motion::Start),
            NamedKey::End if ctrl => return mv(Motion::Finish),
            NamedKey::Home => return mv(Motion::Home),
            NamedKey::End => return mv(Motion::End),
            NamedKey::PageUp => return mv(Motion::PageUp),
            NamedKey::PageDown => return mv(Motion::PageDown),
            _ => {}
        }
    }
    if ctrl || alt {
        return match key_char(&k.key, k.text.as_deref()) {
            Some('s') => Some(Edit::Save),
            Some('a') => Some(Edit::SelectAll),
            _ => None,
        };
    }
    let text = k.text.as_deref()?;
    insertable(text).then(|| Edit::Insert(text.to_owned()))
}

/// The character a key stands for, lowercased: from the key, else from its text.
fn key_char(key: &Key, text: Option<&str>) -> Option<char> {
    let s = match key {
        Key::Character(s) => s.as_str(),
        _ => text?,
    };
    let mut chars = s.chars();
    let c = chars.next()?;
    chars.next().is_none().then(|| c.to_ascii_lowercase())
}

/// The text a key press typed, if it typed printable text (no Ctrl or Alt held).
pub fn typed(event: &Event) -> Option<&str> {
    match event {
        Event::TextInput { text, .. } if insertable(text) => Some(text),
        Event::Key(k)
            if k.pressed && !k.modifiers.has(Modifiers::CONTROL) && !k.modifiers.has(Modifiers::ALT) =>
        {
            k.text.as_deref().filter(|t| insertable(t))
        }
        _ => None,
    }
}

/// Whether `text` is something to insert: not empty, no control characters.
fn insertable(text: &str) -> bool {
    !text.is_empty() && !text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gui_client::{KeyEvent, WindowId};

    fn key(key: Key, text: Option<&str>, modifiers: u8) -> Event {
        Event::Key(KeyEvent {
            window: WindowId(1),
            pressed: true,
            repeat: false,
            code: 0,
            key,
            text: text.map(str::to_owned),
            modifiers: Modifiers(modifiers),
        })
    }

    #[test]
    fn typing_and_editing_keys() {
        let a = key(Key::Character("a".into()), Some("a"), 0);
        assert_eq!(edit_of(&a), Some(Edit::Insert("a".into())));
        let ctrl_s = key(Key::Character("s".into()), Some("\u{13}"), Modifiers::CONTROL);
        assert_eq!(edit_of(&ctrl_s), Some(Edit::Save));
        let shift_left = key(Key::Named(NamedKey::ArrowLeft), None, Modifiers::SHIFT);
        assert_eq!(
            edit_of(&shift_left),
            Some(Edit::Move {
                to: Motion::Left,
                select: true
            })
        );
        let enter = key(Key::Named(NamedKey::Enter), Some("\r"), 0);
        assert_eq!(edit_of(&enter), Some(Edit::Newline));
        let ime = Event::TextInput {
            window: WindowId(1),
            text: "你好".into(),
        };
        assert_eq!(edit_of(&ime), Some(Edit::Insert("你好".into())));
        assert_eq!(typed(&ime), Some("你好"));
        assert_eq!(typed(&ctrl_s), None);
    }
}
