//! How `disptrace` prints a message: one line a student can read.

use gui_client::protocol::handshake::{ClientHello, ServerAnswer};
use gui_client::protocol::{DrawOp, Event, Reply, Request, ServerMessage};

/// Text or JSON lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Text, optionally coloured.
    Text {
        /// ANSI colours on.
        color: bool,
    },
    /// One JSON object per line.
    Json,
}

/// When to colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether to colour standard output.
    pub fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Auto => std::io::stdout().is_terminal(),
            ColorChoice::Always => true,
            ColorChoice::Never => false,
        }
    }
}

/// A note from the tracer itself.
pub(super) fn note(output: &Output, t: f64, line: &str) -> String {
    match output {
        Output::Json => serde_json::json!({ "t": (t * 1e6).round() / 1e6, "note": line }).to_string(),
        Output::Text { color: true } => format!("{t:9.3}  \x1b[2m-- {line}\x1b[0m"),
        Output::Text { color: false } => format!("{t:9.3}  -- {line}"),
    }
}

/// One traced message as text.
#[allow(clippy::too_many_arguments)]
pub(super) fn text_line(
    color: bool,
    t: f64,
    client: usize,
    up: bool,
    size: usize,
    seq: Option<u32>,
    text: &str,
    bad: bool,
) -> String {
    let arrow = if up { "C->S" } else { "S->C" };
    let seq = seq.map_or(String::from("      "), |s| format!("#{s:<5}"));
    let body = format!("{t:9.3}  [{client}] {arrow} {size:>6} B  {seq} {text}");
    if !color {
        return body;
    }
    let code = if bad {
        "31"
    } else if up {
        "36"
    } else {
        "32"
    };
    format!("\x1b[{code}m{body}\x1b[0m")
}

/// The client's hello.
pub(super) fn hello(h: &ClientHello) -> String {
    let auth = if h.auth_name.is_empty() {
        "no auth".to_string()
    } else {
        format!("auth {} ({} bytes)", h.auth_name, h.auth_data.len())
    };
    format!(
        "Hello: protocol versions {}..={}, {auth}",
        h.min_version, h.max_version
    )
}

/// The server's answer.
pub(super) fn answer(a: &ServerAnswer) -> String {
    match a {
        ServerAnswer::Accepted { version, setup } => format!(
            "Accepted: version {version}, {} {}, client {}, screen {}x{}, ids {:#x}+{:#x}, max frame {} B",
            setup.server_name,
            setup.server_version,
            setup.client_id,
            setup.screen.width,
            setup.screen.height,
            setup.ids.base,
            setup.ids.count,
            setup.max_frame_len
        ),
        ServerAnswer::Refused { reason, .. } => format!("Refused: {reason}"),
    }
}

/// A request, with draw batches and image data summarised unless `expand`.
pub(super) fn request(r: &Request, expand: bool) -> String {
    match r {
        Request::Draw { target, ops } if !expand => {
            format!("Draw on {:#x}: {} ops [{}]", target.0, ops.len(), op_counts(ops))
        }
        Request::Draw { target, ops } => {
            let list: Vec<String> = ops.iter().map(|o| format!("{o:?}")).collect();
            format!("Draw on {:#x}: {} ops: {}", target.0, ops.len(), list.join("; "))
        }
        Request::PutImage {
            target,
            rect,
            format,
            compression,
            data,
        } => format!(
            "PutImage on {:#x}: {}x{} at {},{} {format:?} {compression:?}, {} bytes of pixels",
            target.0,
            rect.width,
            rect.height,
            rect.x,
            rect.y,
            data.len()
        ),
        Request::QueryFont { face, chars } => {
            format!("QueryFont {face:?}: {} characters", chars.chars().count())
        }
        other => format!("{other:?}"),
    }
}

/// "FillRect×10, Text×2" for a batch.
fn op_counts(ops: &[DrawOp]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for op in ops {
        let name = format!("{op:?}");
        let name = name.split(['(', ' ', '{']).next().unwrap_or("?").to_string();
        match counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, c)) => *c += 1,
            None => counts.push((name, 1)),
        }
    }
    counts
        .iter()
        .map(|(n, c)| if *c == 1 { n.clone() } else { format!("{n}×{c}") })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A server message.
pub(super) fn server_message(m: &ServerMessage) -> String {
    match m {
        ServerMessage::Reply { reply, .. } => match reply {
            Reply::Image(i) => format!(
                "Reply Image {}x{} ({} bytes of pixels)",
                i.width,
                i.height,
                i.data.len()
            ),
            Reply::Pixels(p) => format!(
                "Reply Pixels {}x{} {:?} ({} bytes of pixels)",
                p.width,
                p.height,
                p.format,
                p.data.len()
            ),
            Reply::Font(f) => format!("Reply Font: {} advances", f.advances.len()),
            other => format!("Reply {other:?}"),
        },
        ServerMessage::Error(e) => format!("Error {:?}: {}", e.code, e.message),
        ServerMessage::Event(Event::Key(k)) => format!(
            "Event Key {} on {}: {:?} text {:?}",
            if k.pressed { "press" } else { "release" },
            k.window,
            k.key,
            k.text.as_deref().unwrap_or("")
        ),
        ServerMessage::Event(e) => format!("Event {e:?}"),
        ServerMessage::Goodbye { reason } => format!("Goodbye: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dispd_protocol::{Image, PixelFormat, Pixels};

    /// Image replies are summed up, not dumped: size, layout and byte count.
    #[test]
    fn image_replies_are_summed_up() {
        let image = ServerMessage::Reply {
            seq: 1,
            reply: Reply::Image(Image {
                width: 2,
                height: 1,
                data: vec![9; 8],
            }),
        };
        assert_eq!(server_message(&image), "Reply Image 2x1 (8 bytes of pixels)");
        let pixels = ServerMessage::Reply {
            seq: 2,
            reply: Reply::Pixels(Pixels {
                width: 3,
                height: 2,
                format: PixelFormat::Rgb8,
                data: vec![9; 18],
            }),
        };
        assert_eq!(
            server_message(&pixels),
            "Reply Pixels 3x2 Rgb8 (18 bytes of pixels)"
        );
    }
}
