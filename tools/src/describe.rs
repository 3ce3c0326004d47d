//! One readable line per event, as `xev` prints them.

use gui_client::{Button, Event, Key, KeyEvent, Modifiers, WheelDelta};

/// A one-line description of `event`.
pub fn describe(event: &Event) -> String {
    let w = event.window();
    match event {
        Event::Expose { rect, .. } => {
            format!(
                "Expose         window={w} area={}x{}+{}+{}",
                rect.width, rect.height, rect.x, rect.y
            )
        }
        Event::Configure { rect, .. } => {
            format!(
                "Configure      window={w} size={}x{} position={},{}",
                rect.width, rect.height, rect.x, rect.y
            )
        }
        Event::CloseRequested { .. } => format!("CloseRequested window={w}"),
        Event::Key(k) => describe_key(k),
        Event::PointerMotion { x, y, modifiers, .. } => {
            format!("Motion         window={w} at={x},{y} mods={}", mods(*modifiers))
        }
        Event::PointerButton {
            x,
            y,
            button,
            pressed,
            modifiers,
            ..
        } => format!(
            "Button{}  window={w} button={} at={x},{y} mods={}",
            if *pressed { "Press  " } else { "Release" },
            button_name(*button),
            mods(*modifiers)
        ),
        Event::PointerWheel { delta, modifiers, .. } => {
            let d = match delta {
                WheelDelta::Lines { x, y } => format!("{x:+} {y:+} lines"),
                WheelDelta::Pixels { x, y } => format!("{x:+} {y:+} pixels"),
            };
            format!("Wheel          window={w} delta={d} mods={}", mods(*modifiers))
        }
        Event::PointerEnter { x, y, .. } => format!("Enter          window={w} at={x},{y}"),
        Event::PointerLeave { .. } => format!("Leave          window={w}"),
        Event::Focus { focused, .. } => {
            format!("Focus{}       window={w}", if *focused { "In " } else { "Out" })
        }
        Event::TextInput { text, .. } => format!("TextInput      window={w} text={text:?}"),
        Event::FrameDone { msec, .. } => format!("FrameDone      window={w} at={msec}ms"),
        Event::ScaleFactor { milli, .. } => {
            format!(
                "ScaleFactor    window={w} scale={}.{:03}",
                milli / 1000,
                milli % 1000
            )
        }
    }
}

fn describe_key(k: &KeyEvent) -> String {
    let key = match &k.key {
        Key::Named(n) => format!("{n:?}"),
        Key::Character(c) => format!("{c:?}"),
        Key::Unidentified => "Unidentified".into(),
    };
    format!(
        "Key{}     window={} code={} key={key} text={} mods={}{}",
        if k.pressed { "Press  " } else { "Release" },
        k.window,
        k.code,
        k.text.as_deref().map_or("-".into(), |t| format!("{t:?}")),
        mods(k.modifiers),
        if k.repeat { " repeat" } else { "" }
    )
}

fn mods(m: Modifiers) -> String {
    let names = [
        (Modifiers::SHIFT, "Shift"),
        (Modifiers::CONTROL, "Ctrl"),
        (Modifiers::ALT, "Alt"),
        (Modifiers::SUPER, "Super"),
    ];
    let held: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| m.has(*bit))
        .map(|(_, n)| *n)
        .collect();
    if held.is_empty() {
        "-".into()
    } else {
        held.join("+")
    }
}

fn button_name(b: Button) -> String {
    match b {
        Button::Left => "left".into(),
        Button::Middle => "middle".into(),
        Button::Right => "right".into(),
        Button::Back => "back".into(),
        Button::Forward => "forward".into(),
        Button::Other(n) => format!("#{n}"),
    }
}
