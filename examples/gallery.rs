//! `gallery`: one window showing every drawing primitive of dispd, each in a labelled cell of a
//! grid: lines, caps and joins, dashes, rectangles, fill rules, Bézier paths, ellipses, arcs and
//! pies, gradients, alpha blending, clipping, transforms, points and polylines, copy_area, text
//! (sans, mono, CJK) and an off-screen image scaled with and without smoothing.
//!
//! Run it with `cargo run --release --example gallery` (DISPLAY or DISPD_DISPLAY picks the
//! server). `docs/gallery.png` is a screenshot of it.
//!
//! Each cell is drawn by a small function as a batch of its own, so every cell starts from the
//! default drawing state; most cells shift their origin with a translation transform and then
//! use cell-local coordinates (clips, images and copies ignore the transform, so those cells
//! add the cell's origin themselves).

use std::io::Write;
use std::process::ExitCode;

use gui_client::{
    linear_gradient, radial_gradient, BlendMode, ClientError, Color, Display, Drawable, Event, FillRule,
    FontFace, LineCap, LineJoin, Painter, Path, Point, Rect, Size, WindowId,
};

/// Cell size; the window holds `COLS` x `ROWS` cells.
const CELL_W: i32 = 192;
const CELL_H: i32 = 180;
const COLS: i32 = 5;
const ROWS: i32 = 4;
const WIDTH: u32 = (CELL_W * COLS) as u32;
const HEIGHT: u32 = (CELL_H * ROWS) as u32;

/// Height of the label band at the top of each cell, and the label's text size.
const BAND: i32 = 22;
const LABEL_PX: u16 = 13;
/// Size of the captions under the shapes.
const CAPTION_PX: u16 = 11;

/// Side of the generated off-screen image.
const IMAGE_SIDE: u32 = 16;

const INK: Color = Color::rgb(0x20, 0x24, 0x2c);
const GREY: Color = Color::rgb(0x70, 0x74, 0x7c);
const RED: Color = Color::rgb(0xe0, 0x40, 0x40);
const GREEN: Color = Color::rgb(0x30, 0xa0, 0x50);
const BLUE: Color = Color::rgb(0x30, 0x68, 0xd8);
const YELLOW: Color = Color::rgb(0xf0, 0xc0, 0x30);
const PURPLE: Color = Color::rgb(0x90, 0x48, 0xc0);

/// The top-left corner of a cell, in window coordinates.
#[derive(Clone, Copy, Debug)]
struct Cell {
    x: i32,
    y: i32,
}

impl Cell {
    /// A rectangle given in cell coordinates, in window coordinates.
    fn rect(self, x: i32, y: i32, w: u32, h: u32) -> Rect {
        Rect::new(self.x + x, self.y + y, w, h)
    }
}

/// What the cells share.
#[derive(Debug)]
struct Assets {
    window: WindowId,
    /// A small RGBA pattern with alpha, uploaded once.
    image: Drawable,
}

type DrawCell = fn(&mut Display, Cell, &Assets) -> Result<(), ClientError>;

/// The cells, row by row.
const CELLS: [(&str, DrawCell); (COLS * ROWS) as usize] = [
    ("lines, widths 1 to 8", lines),
    ("caps and joins", caps_and_joins),
    ("dashes", dashes),
    ("rectangles", rectangles),
    ("fill rules", fill_rules),
    ("Bézier paths", bezier_paths),
    ("ellipses and circles", ellipses),
    ("arcs and pie slices", arcs_and_pies),
    ("linear gradients", linear_gradients),
    ("radial gradients", radial_gradients),
    ("alpha blending", alpha_blending),
    ("clip", clip),
    ("transform", transform),
    ("points and polylines", points_and_polylines),
    ("copy_area", copy_area),
    ("text: sans", text_sans),
    ("text: mono", text_mono),
    ("text: CJK fallback", text_cjk),
    ("image, aliased", image_aliased),
    ("image, smooth", image_smooth),
];

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "gallery: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), ClientError> {
    let mut display = Display::open()?;
    let window = display.create_window(Rect::new(0, 0, WIDTH, HEIGHT), Color::WHITE)?;
    display.set_title(window, "gallery");
    let image = display.create_image(Size::new(IMAGE_SIDE, IMAGE_SIDE))?;
    display.put_image(
        image,
        Rect::new(0, 0, IMAGE_SIDE, IMAGE_SIDE),
        pattern(IMAGE_SIDE),
    );
    display.map_window(window);
    let assets = Assets { window, image };
    loop {
        match display.next_event()? {
            Event::Expose { .. } | Event::Configure { .. } => draw_all(&mut display, &assets)?,
            Event::CloseRequested { .. } => return Ok(()),
            _ => {}
        }
    }
}

/// A `side` x `side` RGBA pattern: a disc with a colour ramp, checkered in opaque and
/// half-transparent squares, transparent outside.
fn pattern(side: u32) -> Vec<u8> {
    let mut rgba = Vec::with_capacity((side * side * 4) as usize);
    let centre = (side as f32 - 1.0) / 2.0;
    for y in 0..side {
        for x in 0..side {
            let d = ((x as f32 - centre).powi(2) + (y as f32 - centre).powi(2)).sqrt();
            let alpha = if d > side as f32 / 2.0 {
                0
            } else if (x / 4 + y / 4) % 2 == 0 {
                255
            } else {
                110
            };
            let ramp = |v: u32| (v * 255 / (side - 1)) as u8;
            rgba.extend_from_slice(&[ramp(x), ramp(y), 255 - ramp(x) / 2, alpha]);
        }
    }
    rgba
}

/// Draws the grid, every label and every cell.
fn draw_all(d: &mut Display, a: &Assets) -> Result<(), ClientError> {
    for (i, (label, draw_cell)) in CELLS.iter().enumerate() {
        let i = i as i32;
        let cell = Cell {
            x: i % COLS * CELL_W,
            y: i / COLS * CELL_H,
        };
        let label_x = centred(d, FontFace::Sans, LABEL_PX, label, CELL_W / 2)?;
        let mut p = local(d, a.window, cell);
        p.color(Color::WHITE)
            .fill_rect(Rect::new(0, 0, CELL_W as u32, CELL_H as u32));
        p.color(Color::rgb(0xe8, 0xec, 0xf2))
            .fill_rect(Rect::new(0, 0, CELL_W as u32, BAND as u32));
        p.color(Color::rgb(0xc0, 0xc4, 0xcc))
            .line(CELL_W - 1, 0, CELL_W - 1, CELL_H - 1)
            .line(0, CELL_H - 1, CELL_W - 1, CELL_H - 1);
        p.color(INK).font_size(LABEL_PX).text(label_x, 16, label);
        p.finish();
        draw_cell(d, cell, a)?;
    }
    d.flush()
}

/// A painter for `cell` whose coordinates are relative to the cell's top-left corner.
fn local(d: &mut Display, window: WindowId, cell: Cell) -> Painter<'_> {
    let mut p = d.draw(window);
    p.transform(1.0, 1.0, cell.x as f32, cell.y as f32);
    p
}

/// The x at which `text` starts when centred on `cx`.
fn centred(d: &mut Display, face: FontFace, px: u16, text: &str, cx: i32) -> Result<i32, ClientError> {
    Ok(cx - (d.text_width(face, px, text)? / 2.0).round() as i32)
}

/// Small grey captions centred on their x, at baseline `y`.
fn captions(
    d: &mut Display,
    a: &Assets,
    cell: Cell,
    y: i32,
    items: &[(i32, &str)],
) -> Result<(), ClientError> {
    let mut xs = Vec::with_capacity(items.len());
    for (cx, text) in items {
        xs.push(centred(d, FontFace::Sans, CAPTION_PX, text, *cx)?);
    }
    let mut p = local(d, a.window, cell);
    p.color(GREY).font_size(CAPTION_PX);
    for (x, (_, text)) in xs.iter().zip(items) {
        p.text(*x, y, text);
    }
    Ok(())
}

fn pt(x: i32, y: i32) -> Point {
    Point { x, y }
}

/// Widths 1 to 8, aliased on the left, anti-aliased on the right; width 1 is the `line` op.
fn lines(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let mut p = local(d, a.window, cell);
    for (column, x0, smooth) in [(0, 12, false), (1, 104, true)] {
        p.antialias(smooth).line_width(1);
        for (row, width) in [1u16, 2, 3, 5, 8].into_iter().enumerate() {
            let y = 34 + row as i32 * 26;
            p.color(if column == 0 { INK } else { BLUE });
            if width == 1 {
                p.line(x0, y, x0 + 76, y + 18);
            } else {
                p.line_width(width)
                    .polyline(&[pt(x0, y), pt(x0 + 76, y + 18)], false);
            }
        }
    }
    p.finish();
    captions(d, a, cell, 172, &[(50, "aliased"), (142, "anti-aliased")])
}

/// Butt, round and square caps (red guides mark the end points), then miter, round and bevel joins.
fn caps_and_joins(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let mut p = local(d, a.window, cell);
    p.antialias(true).line_width(14).color(BLUE);
    let xs = [36, 96, 156];
    for (x, cap) in xs.iter().zip([LineCap::Butt, LineCap::Round, LineCap::Square]) {
        p.line_cap(cap).polyline(&[pt(*x, 40), pt(*x, 76)], false);
    }
    p.line_width(1).line_cap(LineCap::Butt).color(RED);
    p.antialias(false).line(12, 40, 180, 40).line(12, 76, 180, 76);
    p.antialias(true).line_width(10).color(GREEN);
    for (x, join) in xs.iter().zip([LineJoin::Miter, LineJoin::Round, LineJoin::Bevel]) {
        p.line_join(join)
            .polyline(&[pt(x - 22, 152), pt(*x, 122), pt(x + 22, 152)], false);
    }
    p.finish();
    captions(d, a, cell, 102, &[(36, "butt"), (96, "round"), (156, "square")])?;
    captions(d, a, cell, 172, &[(36, "miter"), (96, "round"), (156, "bevel")])
}

/// Dash patterns on lines of several widths, on a rounded rectangle and on a circle.
fn dashes(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let mut p = local(d, a.window, cell);
    p.color(INK);
    let patterns: [(&[u16], u16, LineCap); 4] = [
        (&[1, 2], 1, LineCap::Butt),
        (&[8, 4], 2, LineCap::Butt),
        (&[12, 4, 2, 4], 3, LineCap::Butt),
        (&[1, 10], 4, LineCap::Round),
    ];
    for (i, (pattern, width, cap)) in patterns.into_iter().enumerate() {
        let y = 38 + i as i32 * 16;
        p.dash(pattern, 0)
            .line_width(width)
            .line_cap(cap)
            .polyline(&[pt(14, y), pt(178, y)], false);
    }
    p.antialias(true).line_cap(LineCap::Butt).line_width(3);
    p.color(PURPLE)
        .dash(&[10, 5], 0)
        .stroke_round_rect(Rect::new(14, 104, 76, 58), 12);
    p.color(GREEN)
        .dash(&[6, 6], 3)
        .stroke_ellipse(Rect::new(112, 104, 58, 58));
    Ok(())
}

/// Filled and stroked rectangles, plain and rounded.
fn rectangles(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let mut p = local(d, a.window, cell);
    p.color(Color::rgb(0xb8, 0xd0, 0xf8))
        .fill_rect(Rect::new(16, 36, 72, 56));
    p.color(BLUE).stroke_rect(Rect::new(16, 36, 72, 56));
    p.color(RED).line_width(4).stroke_rect(Rect::new(104, 36, 72, 56));
    p.antialias(true);
    p.color(GREEN).fill_round_rect(Rect::new(16, 106, 72, 56), 14);
    p.color(PURPLE)
        .line_width(3)
        .stroke_round_rect(Rect::new(104, 106, 72, 56), 20);
    Ok(())
}

/// The points of a five-pointed star (a self-intersecting pentagram) around `(cx, cy)`.
fn star(cx: i32, cy: i32, r: f32) -> Vec<Point> {
    (0..5)
        .map(|k| {
            let angle = (-90.0 + 144.0 * k as f32).to_radians();
            pt(
                cx + (r * angle.cos()).round() as i32,
                cy + (r * angle.sin()).round() as i32,
            )
        })
        .collect()
}

/// The same pentagram filled with the even-odd rule (hollow centre) and non-zero (solid).
fn fill_rules(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let mut p = local(d, a.window, cell);
    p.antialias(true);
    for (cx, rule) in [(50, FillRule::EvenOdd), (142, FillRule::NonZero)] {
        let points = star(cx, 104, 44.0);
        p.fill_rule(rule).color(YELLOW).fill_polygon(&points);
        p.color(INK).polyline(&points, true);
    }
    p.finish();
    captions(d, a, cell, 172, &[(50, "even-odd"), (142, "non-zero")])
}

/// A heart of cubic curves, and a stroked path of a quadratic then a cubic curve with its
/// control points.
fn bezier_paths(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    // The heart in a 100 x 90 box, scaled to 80 x 72 at (8, 48).
    let h = |x: f32, y: f32| (8.0 + x * 0.8, 48.0 + y * 0.8);
    let mut heart = Path::new();
    let at = |pts: [(f32, f32); 3]| pts.map(|(x, y)| h(x, y));
    let (x, y) = h(50.0, 30.0);
    heart.move_to(x, y);
    for [(x1, y1), (x2, y2), (x, y)] in [
        at([(50.0, 0.0), (0.0, 0.0), (0.0, 30.0)]),
        at([(0.0, 60.0), (50.0, 80.0), (50.0, 90.0)]),
        at([(50.0, 80.0), (100.0, 60.0), (100.0, 30.0)]),
        at([(100.0, 0.0), (50.0, 0.0), (50.0, 30.0)]),
    ] {
        heart.cubic_to(x1, y1, x2, y2, x, y);
    }
    heart.close();

    let control = [
        pt(108, 140),
        pt(118, 40),
        pt(140, 92),
        pt(156, 132),
        pt(186, 128),
        pt(176, 44),
    ];
    let mut curve = Path::new();
    curve
        .move_to(108.0, 140.0)
        .quad_to(118.0, 40.0, 140.0, 92.0)
        .cubic_to(156.0, 132.0, 186.0, 128.0, 176.0, 44.0);

    let mut p = local(d, a.window, cell);
    p.antialias(true);
    p.color(RED).fill_path(&heart);
    p.color(INK).line_width(2).stroke_path(&heart);
    p.color(Color::rgb(0xb0, 0xb4, 0xbc))
        .line_width(1)
        .dash(&[3, 3], 0)
        .polyline(&control, false);
    p.dash(&[], 0).color(BLUE).line_width(3).stroke_path(&curve);
    p.color(RED).line_width(5).points(&control);
    p.finish();
    captions(d, a, cell, 172, &[(48, "cubic"), (146, "quad + cubic")])
}

/// Circles and an ellipse, stroked and filled, aliased on the left and smooth on the right.
fn ellipses(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let mut p = local(d, a.window, cell);
    for (x, smooth) in [(0, false), (92, true)] {
        p.antialias(smooth);
        p.color(BLUE).fill_ellipse(Rect::new(x + 18, 32, 64, 64));
        p.color(INK)
            .line_width(1)
            .stroke_ellipse(Rect::new(x + 18, 32, 64, 64));
        p.color(GREEN).fill_ellipse(Rect::new(x + 10, 106, 80, 48));
        p.color(PURPLE)
            .line_width(3)
            .stroke_ellipse(Rect::new(x + 10, 106, 80, 48));
    }
    p.finish();
    captions(d, a, cell, 172, &[(50, "aliased"), (142, "anti-aliased")])
}

/// Stroked arcs (one clockwise), a pie slice, and a pie chart aliased and anti-aliased.
fn arcs_and_pies(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let mut p = local(d, a.window, cell);
    p.antialias(true).line_cap(LineCap::Round).line_width(5);
    p.color(BLUE).arc(Rect::new(22, 28, 56, 56), 0.0, 270.0);
    p.color(RED).arc(Rect::new(34, 40, 32, 32), 90.0, -180.0);
    p.color(YELLOW).fill_pie(Rect::new(114, 28, 56, 56), 30.0, 300.0);
    p.color(INK).fill_ellipse(Rect::new(142, 38, 7, 7));
    let slices = [(0.0, 120.0, RED), (120.0, 100.0, GREEN), (220.0, 140.0, BLUE)];
    for (x, smooth) in [(24, false), (116, true)] {
        p.antialias(smooth);
        for (start, sweep, colour) in slices {
            p.color(colour).fill_pie(Rect::new(x, 106, 52, 52), start, sweep);
        }
    }
    p.finish();
    captions(d, a, cell, 98, &[(50, "arcs"), (142, "pie slice")])?;
    captions(d, a, cell, 172, &[(50, "aliased"), (142, "anti-aliased")])
}

/// Gradients along x, along a diagonal, and painting a stroke.
fn linear_gradients(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let mut p = local(d, a.window, cell);
    p.paint(linear_gradient(
        16.0,
        0.0,
        176.0,
        0.0,
        &[RED, YELLOW, GREEN, BLUE],
    ))
    .fill_rect(Rect::new(16, 32, 160, 44));
    p.antialias(true)
        .paint(linear_gradient(16.0, 86.0, 176.0, 136.0, &[PURPLE, Color::WHITE]))
        .fill_round_rect(Rect::new(16, 86, 160, 50), 12);
    p.paint(linear_gradient(16.0, 0.0, 176.0, 0.0, &[BLUE, RED]))
        .line_width(8)
        .line_cap(LineCap::Round)
        .line_join(LineJoin::Round)
        .polyline(
            &[pt(20, 160), pt(60, 146), pt(100, 166), pt(140, 146), pt(172, 160)],
            false,
        );
    Ok(())
}

/// A shaded sphere and a glow fading to transparent over a dark band.
fn radial_gradients(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let mut p = local(d, a.window, cell);
    p.antialias(true)
        .paint(radial_gradient(
            82.0,
            56.0,
            60.0,
            &[Color::WHITE, BLUE, Color::rgb(0x10, 0x20, 0x50)],
        ))
        .fill_ellipse(Rect::new(56, 30, 80, 80));
    p.color(Color::rgb(0x18, 0x1c, 0x28))
        .fill_rect(Rect::new(16, 120, 160, 50));
    p.paint(radial_gradient(
        96.0,
        145.0,
        70.0,
        &[
            YELLOW,
            Color::rgba(0xf0, 0x60, 0x30, 0x80),
            Color::rgba(0xf0, 0x60, 0x30, 0),
        ],
    ))
    .fill_rect(Rect::new(16, 120, 160, 50));
    Ok(())
}

/// Translucent circles mixing (source-over), and a translucent fill over stripes blended
/// (source-over) and replacing them (copy; windows are opaque, so alpha is dropped).
fn alpha_blending(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let mut p = local(d, a.window, cell);
    p.antialias(true);
    p.color(Color::rgba(0xe0, 0x20, 0x20, 0x90))
        .fill_ellipse(Rect::new(50, 28, 60, 60));
    p.color(Color::rgba(0x20, 0xb0, 0x20, 0x90))
        .fill_ellipse(Rect::new(82, 28, 60, 60));
    p.color(Color::rgba(0x20, 0x40, 0xe0, 0x90))
        .fill_ellipse(Rect::new(66, 58, 60, 60));
    p.antialias(false).color(INK);
    for i in 0..10 {
        p.fill_rect(Rect::new(16 + i * 16, 124, 8, 34));
    }
    let translucent = Color::rgba(0xf0, 0xa0, 0x20, 0x90);
    p.color(translucent).fill_rect(Rect::new(20, 130, 70, 22));
    p.blend(BlendMode::Copy).fill_rect(Rect::new(102, 130, 70, 22));
    p.finish();
    captions(d, a, cell, 172, &[(55, "source-over"), (137, "copy")])
}

/// A striped disc drawn faintly, then drawn again clipped to two rectangles (outlined).
fn clip(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let clips = [cell.rect(24, 40, 64, 52), cell.rect(100, 84, 70, 76)];
    let disc = Rect::new(36, 36, 120, 120);
    let mut p = local(d, a.window, cell);
    p.antialias(true);
    p.color(Color::rgb(0xe4, 0xe6, 0xea)).fill_ellipse(disc);
    p.clip(&clips);
    p.paint(radial_gradient(96.0, 96.0, 60.0, &[YELLOW, RED, PURPLE]))
        .fill_ellipse(disc);
    p.color(INK).line_width(3);
    for i in 0..8 {
        let x = 20 + i * 22;
        p.polyline(&[pt(x, 30), pt(x + 40, 170)], false);
    }
    p.clip(&[]);
    p.antialias(false)
        .color(BLUE)
        .line_width(1)
        .dash(&[4, 3], 0)
        .transform(1.0, 1.0, 0.0, 0.0);
    for r in clips {
        p.stroke_rect(r);
    }
    Ok(())
}

/// A little house drawn at 1x, then scaled 2x and 3x by 4.5y and moved by the transform
/// (strokes scale with it).
fn transform(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let house = [pt(0, 10), pt(12, 0), pt(24, 10), pt(24, 24), pt(0, 24)];
    let mut p = d.draw(a.window);
    p.antialias(true);
    let base = 150.0;
    for (x, sx, sy) in [(12.0, 1.0, 1.0), (46.0, 2.0, 2.0), (106.0, 3.0, 4.5)] {
        let (tx, ty) = (cell.x as f32 + x, cell.y as f32 + base - 24.0 * sy);
        p.transform(sx, sy, tx, ty);
        p.color(YELLOW).fill_polygon(&house);
        p.color(RED).fill_rect(Rect::new(9, 14, 6, 10));
        p.color(INK).line_width(1).polyline(&house, true);
    }
    p.finish();
    captions(d, a, cell, 172, &[(24, "1x"), (70, "2x"), (142, "3x, 4.5y")])
}

/// Points of width 1 and 3 along sine waves; an open zigzag and a closed hexagon.
fn points_and_polylines(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let wave = |amp: f32, y0: i32, step: usize| -> Vec<Point> {
        (0..168)
            .step_by(step)
            .map(|x| {
                let y = (x as f32 / 14.0).sin() * amp;
                pt(12 + x, y0 + y.round() as i32)
            })
            .collect()
    };
    let zigzag: Vec<Point> = (0..7)
        .map(|i| pt(12 + i * 12, if i % 2 == 0 { 150 } else { 118 }))
        .collect();
    let hexagon: Vec<Point> = (0..6)
        .map(|k| {
            let angle = (60.0 * k as f32).to_radians();
            pt(
                140 + (30.0 * angle.cos()).round() as i32,
                134 + (30.0 * angle.sin()).round() as i32,
            )
        })
        .collect();
    let mut p = local(d, a.window, cell);
    p.color(INK).points(&wave(10.0, 46, 3));
    p.color(RED).line_width(3).points(&wave(10.0, 82, 6));
    p.antialias(true)
        .color(GREEN)
        .line_width(4)
        .line_join(LineJoin::Round)
        .polyline(&zigzag, false);
    p.color(BLUE).line_join(LineJoin::Miter).polyline(&hexagon, true);
    Ok(())
}

/// A tile drawn once, then copied twice with `copy_area` (window to itself).
fn copy_area(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    let tile = cell.rect(14, 40, 48, 48);
    let label_x = centred(d, FontFace::Sans, 14, "src", 38)?;
    let mut p = local(d, a.window, cell);
    p.antialias(true)
        .paint(linear_gradient(14.0, 40.0, 62.0, 88.0, &[YELLOW, RED]))
        .fill_round_rect(Rect::new(14, 40, 48, 48), 10);
    p.color(INK).font_size(14).text(label_x, 70, "src");
    p.color(GREY)
        .line_width(2)
        .polyline(&[pt(68, 64), pt(80, 64)], false)
        .fill_polygon(&[pt(80, 59), pt(86, 64), pt(80, 69)]);
    p.copy_area(a.window, tile, cell.x + 92, cell.y + 40)
        .copy_area(a.window, tile, cell.x + 130, cell.y + 104)
        .copy_area(a.window, tile, cell.x + 40, cell.y + 104);
    p.finish();
    captions(d, a, cell, 172, &[(96, "1 drawn, 3 copied")])
}

/// Text samples in one face at several sizes, left-aligned.
fn text_samples(
    d: &mut Display,
    cell: Cell,
    a: &Assets,
    face: FontFace,
    name: &str,
) -> Result<(), ClientError> {
    let mut p = local(d, a.window, cell);
    p.color(INK).font_face(face);
    let mut y = 24;
    for px in [10u16, 13, 16, 20, 26] {
        y += i32::from(px) + 10;
        p.font_size(px).text(12, y, &format!("{name} {px} px"));
    }
    Ok(())
}

fn text_sans(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    text_samples(d, cell, a, FontFace::Sans, "Sans")
}

fn text_mono(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    text_samples(d, cell, a, FontFace::Mono, "Mono")
}

/// Chinese through the fallback font, centred with `text_width`, in three sizes and faces.
fn text_cjk(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    const HELLO: &str = "你好, dispd";
    let lines = [
        (FontFace::Sans, 14u16, 52, INK),
        (FontFace::Mono, 20, 92, BLUE),
        (FontFace::Sans, 30, 146, RED),
    ];
    let mut xs = Vec::new();
    for (face, px, _, _) in lines {
        xs.push(centred(d, face, px, HELLO, CELL_W / 2)?);
    }
    let mut p = local(d, a.window, cell);
    for (x, (face, px, y, colour)) in xs.into_iter().zip(lines) {
        p.color(colour).font_face(face).font_size(px).text(x, y, HELLO);
    }
    Ok(())
}

/// The off-screen image at 1x, 2x and 4x over a checkerboard that shows its alpha.
fn image_cell(d: &mut Display, cell: Cell, a: &Assets, smooth: bool) -> Result<(), ClientError> {
    let mut p = local(d, a.window, cell);
    for row in 0..12 {
        for col in 0..20 {
            let dark = (row + col) % 2 == 0;
            p.color(if dark {
                Color::rgb(0xc8, 0xcc, 0xd4)
            } else {
                Color::WHITE
            })
            .fill_rect(Rect::new(16 + col * 8, 36 + row * 8, 8, 8));
        }
    }
    p.antialias(smooth);
    let src = Rect::new(0, 0, IMAGE_SIDE, IMAGE_SIDE);
    let mut x = 28;
    let bottom = 124;
    let mut centres = Vec::new();
    for scale in [1u32, 2, 4] {
        let side = IMAGE_SIDE * scale;
        let y = bottom - side as i32;
        p.draw_image(a.image, src, cell.rect(x, y, side, side));
        centres.push(x + side as i32 / 2);
        x += side as i32 + 12;
    }
    p.finish();
    captions(
        d,
        a,
        cell,
        150,
        &[(centres[0], "1x"), (centres[1], "2x"), (centres[2], "4x")],
    )?;
    let note = if smooth {
        "anti-aliasing on: bilinear"
    } else {
        "anti-aliasing off: nearest"
    };
    captions(d, a, cell, 170, &[(CELL_W / 2, note)])
}

fn image_aliased(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    image_cell(d, cell, a, false)
}

fn image_smooth(d: &mut Display, cell: Cell, a: &Assets) -> Result<(), ClientError> {
    image_cell(d, cell, a, true)
}
