//! `docs/PROTOCOL.md` keeps up with the protocol.
//!
//! - Every variant of every wire enum has a row `| <index> | `<Name>` |` in the table directly under
//!   the heading `` `<Enum>` ``, and the table has no other numbered rows. The names and indices
//!   come from the exhaustive `match`es in `common/mod.rs` (no `_` arm), so a new variant fails
//!   to compile there until it is named, then fails here until it is documented.
//! - The documented `PROTOCOL_VERSION` and `MIN_PROTOCOL_VERSION` are the crate's.
//! - Every byte example marked `golden=<file>` is that fixture's bytes, and every one marked
//!   `example=<name>` is what the crate encodes for the value named below.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use dispd_protocol::{
    codec::encode_body, encode_frame, Color, DrawOp, Drawable, Rect, Request, MIN_PROTOCOL_VERSION,
    PROTOCOL_VERSION,
};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn doc_path() -> PathBuf {
    manifest_dir().join("../docs/PROTOCOL.md")
}

fn doc() -> String {
    let path = doc_path();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The document's lines, each with whether it lies inside a fenced code block (fences included).
fn lines_with_fences(doc: &str) -> Vec<(&str, bool)> {
    let mut in_code = false;
    doc.lines()
        .map(|line| {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                return (line, true);
            }
            (line, in_code)
        })
        .collect()
}

fn is_heading(line: &str) -> bool {
    line.starts_with('#')
}

/// The lines between the heading whose text is exactly `` `name` `` and the next heading.
fn section<'a>(doc: &'a str, name: &str) -> Result<Vec<&'a str>, String> {
    let want = format!("`{name}`");
    let lines = lines_with_fences(doc);
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, (l, code))| !code && is_heading(l) && l.trim_start_matches('#').trim() == want)
        .map(|(i, _)| i)
        .collect();
    let start = match starts.as_slice() {
        [one] => *one,
        [] => return Err(format!("no heading `{want}` (e.g. `### {want}`)")),
        _ => return Err(format!("{} headings `{want}`", starts.len())),
    };
    Ok(lines[start + 1..]
        .iter()
        .take_while(|(l, code)| *code || !is_heading(l))
        .filter(|(_, code)| !code)
        .map(|(l, _)| *l)
        .collect())
}

/// Whether `line` is a numbered table row: `| <digits> | ...`.
fn numbered_row(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("| ") else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && rest[digits..].starts_with(" | `")
}

/// Checks the table of enum `what`: one row per variant, with its index and name, and no others.
/// The variants come from `samples`, which must hold every one of the `count` variants.
fn check_enum<T>(
    doc: &str,
    what: &str,
    samples: &[T],
    count: usize,
    index: impl Fn(&T) -> usize,
    name: impl Fn(&T) -> &'static str,
    failures: &mut Vec<String>,
) {
    assert_covers(what, samples, count, &index);
    let mut variants: BTreeMap<usize, &'static str> = BTreeMap::new();
    for s in samples {
        let (i, n) = (index(s), name(s));
        if let Some(old) = variants.insert(i, n) {
            assert_eq!(old, n, "{what}: index {i} has two names in common/mod.rs");
        }
    }
    let lines = match section(doc, what) {
        Ok(l) => l,
        Err(e) => {
            failures.push(format!("{what}: {e}"));
            return;
        }
    };
    for (i, n) in &variants {
        let row = format!("| {i} | `{n}` |");
        if !lines.iter().any(|l| l.starts_with(&row)) {
            failures.push(format!(
                "{what}: no row starting `{row}` in its table (variant {n}, index {i})"
            ));
        }
    }
    let rows = lines.iter().filter(|l| numbered_row(l)).count();
    if rows != variants.len() {
        failures.push(format!(
            "{what}: the table has {rows} numbered rows, the enum {} variants",
            variants.len()
        ));
    }
}

#[test]
fn every_variant_is_documented_with_its_index() {
    let doc = doc();
    let f = &mut Vec::new();
    check_enum(
        &doc,
        "Request",
        &sample_requests(),
        REQUEST_VARIANTS,
        request_index,
        request_name,
        f,
    );
    check_enum(
        &doc,
        "DrawOp",
        &sample_draw_ops(),
        DRAW_OP_VARIANTS,
        draw_op_index,
        draw_op_name,
        f,
    );
    check_enum(
        &doc,
        "Paint",
        &sample_paints(),
        PAINT_VARIANTS,
        paint_index,
        paint_name,
        f,
    );
    check_enum(
        &doc,
        "BlendMode",
        &sample_blend_modes(),
        BLEND_MODE_VARIANTS,
        |v| blend_mode_index(*v),
        |v| blend_mode_name(*v),
        f,
    );
    check_enum(
        &doc,
        "LineCap",
        &sample_line_caps(),
        LINE_CAP_VARIANTS,
        |v| line_cap_index(*v),
        |v| line_cap_name(*v),
        f,
    );
    check_enum(
        &doc,
        "LineJoin",
        &sample_line_joins(),
        LINE_JOIN_VARIANTS,
        |v| line_join_index(*v),
        |v| line_join_name(*v),
        f,
    );
    check_enum(
        &doc,
        "FillRule",
        &sample_fill_rules(),
        FILL_RULE_VARIANTS,
        |v| fill_rule_index(*v),
        |v| fill_rule_name(*v),
        f,
    );
    check_enum(
        &doc,
        "FontFace",
        &sample_font_faces(),
        FONT_FACE_VARIANTS,
        |v| font_face_index(*v),
        |v| font_face_name(*v),
        f,
    );
    check_enum(
        &doc,
        "PathSeg",
        &sample_path_segs(),
        PATH_SEG_VARIANTS,
        |v| path_seg_index(*v),
        |v| path_seg_name(*v),
        f,
    );
    check_enum(
        &doc,
        "ImageSource",
        &sample_image_sources(),
        IMAGE_SOURCE_VARIANTS,
        |v| image_source_index(*v),
        |v| image_source_name(*v),
        f,
    );
    check_enum(
        &doc,
        "PixelFormat",
        &sample_pixel_formats(),
        PIXEL_FORMAT_VARIANTS,
        |v| pixel_format_index(*v),
        |v| pixel_format_name(*v),
        f,
    );
    check_enum(
        &doc,
        "Compression",
        &sample_compressions(),
        COMPRESSION_VARIANTS,
        |v| compression_index(*v),
        |v| compression_name(*v),
        f,
    );
    check_enum(
        &doc,
        "CursorShape",
        &sample_cursor_shapes(),
        CURSOR_SHAPE_VARIANTS,
        |v| cursor_shape_index(*v),
        |v| cursor_shape_name(*v),
        f,
    );
    check_enum(
        &doc,
        "InputAction",
        &sample_input_actions(),
        INPUT_ACTION_VARIANTS,
        input_action_index,
        input_action_name,
        f,
    );
    check_enum(
        &doc,
        "ServerMessage",
        &sample_server_messages(),
        SERVER_MESSAGE_VARIANTS,
        server_message_index,
        server_message_name,
        f,
    );
    check_enum(
        &doc,
        "Reply",
        &sample_replies(),
        REPLY_VARIANTS,
        reply_index,
        reply_name,
        f,
    );
    check_enum(
        &doc,
        "Event",
        &sample_events(),
        EVENT_VARIANTS,
        event_index,
        event_name,
        f,
    );
    check_enum(&doc, "Key", &sample_keys(), KEY_VARIANTS, key_index, key_name, f);
    check_enum(
        &doc,
        "NamedKey",
        &sample_named_keys(),
        NAMED_KEY_VARIANTS,
        |v| named_key_index(*v),
        |v| named_key_name(*v),
        f,
    );
    check_enum(
        &doc,
        "Button",
        &sample_buttons(),
        BUTTON_VARIANTS,
        |v| button_index(*v),
        |v| button_name(*v),
        f,
    );
    check_enum(
        &doc,
        "WheelDelta",
        &sample_wheel_deltas(),
        WHEEL_DELTA_VARIANTS,
        |v| wheel_delta_index(*v),
        |v| wheel_delta_name(*v),
        f,
    );
    check_enum(
        &doc,
        "ErrorCode",
        &sample_error_codes(),
        ERROR_CODE_VARIANTS,
        |v| error_code_index(*v),
        |v| error_code_name(*v),
        f,
    );
    assert!(
        f.is_empty(),
        "docs/PROTOCOL.md is behind the protocol ({} problems):\n{}",
        f.len(),
        f.join("\n")
    );
}

/// The names in `common/mod.rs` are the crate's own (`Request::name`, used in logs).
#[test]
fn request_names_match_the_crate() {
    for r in sample_requests() {
        assert_eq!(request_name(&r), r.name());
    }
}

/// The structs and constants a client needs are described too.
#[test]
fn structs_and_constants_are_documented() {
    let doc = doc();
    for name in [
        "Setup",
        "IdRange",
        "GradientStop",
        "RequestError",
        "Image",
        "ServerInfo",
        "WindowInfo",
        "ClientSummary",
        "FontMetrics",
        "KeyEvent",
        "Modifiers",
    ] {
        let heading = doc
            .lines()
            .any(|l| is_heading(l) && l.trim_start_matches('#').trim().trim_matches('`') == name);
        assert!(heading, "docs/PROTOCOL.md has no heading for {name}");
    }
    for bit in ["SHIFT", "CONTROL", "ALT", "SUPER"] {
        assert!(
            doc.contains(&format!("`{bit}`")),
            "modifier {bit} is not documented"
        );
    }
    for (what, value) in [
        ("dispd-hmac-sha256", dispd_protocol::auth::AUTH_HMAC.to_string()),
        (
            "the default socket directory",
            dispd_protocol::DEFAULT_SOCKET_DIR.to_string(),
        ),
        ("the TCP port base", dispd_protocol::TCP_PORT_BASE.to_string()),
        (
            "the default frame limit",
            dispd_protocol::DEFAULT_MAX_FRAME_LEN.to_string(),
        ),
        ("the largest frame", dispd_protocol::MAX_FRAME_LEN.to_string()),
        (
            "the clock skew",
            dispd_protocol::auth::MAX_CLOCK_SKEW_SECS.to_string(),
        ),
    ] {
        assert!(
            doc.contains(&value),
            "docs/PROTOCOL.md does not give {what} ({value})"
        );
    }
}

/// Every `PROTOCOL_VERSION = N` and `MIN_PROTOCOL_VERSION = N` in the document.
fn documented(doc: &str, constant: &str) -> Vec<u16> {
    let key = format!("{constant} = ");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = doc[from..].find(&key) {
        let start = from + at;
        from = start + key.len();
        // `PROTOCOL_VERSION = ` also ends `MIN_PROTOCOL_VERSION = `: skip the longer name.
        if constant == "PROTOCOL_VERSION" && doc[..start].ends_with("MIN_") {
            continue;
        }
        let digits: String = doc[from..].chars().take_while(char::is_ascii_digit).collect();
        out.push(digits.parse().unwrap_or(u16::MAX));
    }
    out
}

#[test]
fn documented_version_is_the_crate_s() {
    let doc = doc();
    let max = documented(&doc, "PROTOCOL_VERSION");
    let min = documented(&doc, "MIN_PROTOCOL_VERSION");
    assert!(
        !max.is_empty() && max.iter().all(|v| *v == PROTOCOL_VERSION),
        "docs/PROTOCOL.md says PROTOCOL_VERSION = {max:?}, the crate {PROTOCOL_VERSION}"
    );
    assert!(
        !min.is_empty() && min.iter().all(|v| *v == MIN_PROTOCOL_VERSION),
        "docs/PROTOCOL.md says MIN_PROTOCOL_VERSION = {min:?}, the crate {MIN_PROTOCOL_VERSION}"
    );
    let heading = format!("protocol version {PROTOCOL_VERSION}**");
    assert!(
        doc.contains(&heading),
        "docs/PROTOCOL.md does not open with `**{heading}`"
    );
}

/// A byte example of the document: the code block's tag and its bytes.
struct Example {
    tag: String,
    line: usize,
    bytes: Result<Vec<u8>, String>,
}

/// Code blocks whose info string holds `golden=` or `example=`; each line's bytes are the
/// two-digit hex tokens before its `#` comment.
fn examples(doc: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut current: Option<Example> = None;
    let mut in_code = false;
    for (n, line) in doc.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            if in_code {
                out.extend(current.take());
            } else if let Some(tag) = info
                .split_whitespace()
                .find(|w| w.starts_with("golden=") || w.starts_with("example="))
            {
                current = Some(Example {
                    tag: tag.to_string(),
                    line: n + 1,
                    bytes: Ok(Vec::new()),
                });
            }
            in_code = !in_code;
            continue;
        }
        let Some(ex) = current.as_mut() else { continue };
        let Ok(bytes) = ex.bytes.as_mut() else { continue };
        let data = line.split('#').next().unwrap_or_default();
        for token in data.split_whitespace() {
            let byte = (token.len() == 2)
                .then(|| u8::from_str_radix(token, 16).ok())
                .flatten()
                .filter(|_| token.bytes().all(|b| !b.is_ascii_uppercase()));
            match byte {
                Some(b) => bytes.push(b),
                None => {
                    ex.bytes = Err(format!(
                        "line {}: `{token}` is not a lowercase hex byte (comments start with #)",
                        n + 1
                    ));
                    break;
                }
            }
        }
    }
    out
}

/// The bytes of a fixture in `tests/golden` (hex digits; `#` lines are comments).
fn fixture(name: &str) -> Result<Vec<u8>, String> {
    let path = manifest_dir().join("tests/golden").join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
    let digits: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(str::chars)
        .filter(|c| !c.is_whitespace())
        .collect();
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            digits
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("{}: bad hex at digit {i}", path.display()))
        })
        .collect()
}

/// The values behind the `example=` blocks.
fn example(name: &str) -> Option<Vec<u8>> {
    match name {
        "draw_fill_rect" => {
            let mut frame = Vec::new();
            encode_frame(
                &Request::Draw {
                    target: Drawable(0x20_0001),
                    ops: vec![
                        DrawOp::SetColor(Color(0xff20_60c0)),
                        DrawOp::FillRect(Rect::new(300, 200, 10, 10)),
                    ]
                    .into(),
                },
                &mut frame,
            );
            Some(frame)
        }
        "set_dash" => Some(encode_body(&DrawOp::SetDash {
            pattern: vec![4, 2, 300],
            offset: 1,
        })),
        _ => None,
    }
}

#[test]
fn byte_examples_are_real() {
    let doc = doc();
    let examples = examples(&doc);
    let mut failures = Vec::new();
    let mut golden = 0;
    for ex in &examples {
        let doc_bytes = match &ex.bytes {
            Ok(b) => b,
            Err(e) => {
                failures.push(format!("{} (line {}): {e}", ex.tag, ex.line));
                continue;
            }
        };
        let want = if let Some(name) = ex.tag.strip_prefix("golden=") {
            golden += 1;
            fixture(name)
        } else {
            let name = ex.tag.trim_start_matches("example=");
            example(name).ok_or_else(|| format!("no value for `{name}` in doc_coverage.rs"))
        };
        match want {
            Ok(want) if &want == doc_bytes => {}
            Ok(want) => failures.push(format!(
                "{} (line {}): the document shows\n    {}\nbut the bytes are\n    {}",
                ex.tag,
                ex.line,
                hex(doc_bytes),
                hex(&want)
            )),
            Err(e) => failures.push(format!("{} (line {}): {e}", ex.tag, ex.line)),
        }
    }
    assert!(
        golden >= 5 && examples.len() >= golden + 2,
        "found only {golden} golden and {} examples in all: did the code block tags change?",
        examples.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every golden fixture the document cites by path exists.
#[test]
fn cited_fixtures_exist() {
    let doc = doc();
    let dir = manifest_dir().join("tests/golden");
    for part in doc.split("tests/golden/").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .collect();
        let name = name.trim_end_matches('.');
        if name.ends_with(".hex") {
            assert!(
                Path::new(&dir).join(name).exists(),
                "docs/PROTOCOL.md cites tests/golden/{name}, which does not exist"
            );
        }
    }
}
