//! Shared-memory images: a memfd sent over the Unix socket, images put from it into windows
//! and off-screen images in every pixel format (whole rows straight into the window, clipped
//! ones through a copy), and every way to get it wrong: TCP, a descriptor that is not a memfd,
//! no descriptor, unknown or detached segments, ranges past the end, a segment of another client.

use dispd_protocol::{Compression, Drawable, ErrorCode, Request, ServerMessage};
use gui_client::{ClientError, Color, Display, Image, PixelFormat, Rect, Size};

use crate::util::{
    assert_pixels, spawn_dispd, wait_expose, wait_screen, RawClient, TestServer, Transport, WAIT,
};

/// A window of `w` x `h`, white, mapped and exposed.
fn window(d: &mut Display, w: u32, h: u32) -> gui_client::WindowId {
    let win = d
        .create_window(Rect::new(0, 0, w, h), Color::WHITE)
        .expect("create_window");
    d.map_window(win);
    wait_expose(d, win);
    win
}

/// The colour the tests paint at `(x, y)` of an image, as RGBA bytes.
fn pattern(x: u32, y: u32) -> [u8; 4] {
    [(x * 9) as u8, (y * 17) as u8, 200 - (x + y) as u8, 255]
}

/// `w` x `h` pixels of [`pattern`] in `format`.
fn encode(w: u32, h: u32, format: PixelFormat) -> Vec<u8> {
    let mut out = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let [r, g, b, a] = pattern(x, y);
            match format {
                PixelFormat::Rgba8 => out.extend([r, g, b, a]),
                PixelFormat::Rgb8 => out.extend([r, g, b]),
                PixelFormat::Bgra8 => out.extend([b, g, r, a]),
            }
        }
    }
    out
}

/// The next request error, skipping events (focus changes and the like).
fn next_error(d: &mut Display) -> gui_client::RequestError {
    loop {
        match d.next_event_timeout(WAIT) {
            Err(ClientError::Request(e)) => return e,
            Ok(Some(_)) => continue,
            other => panic!("expected a request error, got {other:?}"),
        }
    }
}

fn read(d: &mut Display, target: impl Into<gui_client::Drawable>, w: u32, h: u32) -> Image {
    d.get_image(target, Rect::new(0, 0, w, h)).expect("get_image")
}

#[test]
fn shm_images_reach_windows_whole_and_clipped_in_every_format() {
    let server = TestServer::with_defaults();
    let mut d = server.connect(Transport::Unix);
    let win = window(&mut d, 60, 40);
    let seg = d.create_shm(64 * 1024).expect("create_shm");
    // Images at several offsets: whole rows straight into the window (Bgra8), clipped ones
    // (Bgra8 past the right edge, and past the top-left corner), and the other formats through
    // the copy.
    let puts = [
        (PixelFormat::Bgra8, Rect::new(2, 3, 20, 10), 100),
        (PixelFormat::Bgra8, Rect::new(50, 20, 16, 6), 4000),
        (PixelFormat::Bgra8, Rect::new(-5, -3, 9, 7), 16000),
        (PixelFormat::Rgba8, Rect::new(25, 3, 12, 8), 8000),
        (PixelFormat::Rgb8, Rect::new(2, 25, 9, 7), 12000),
    ];
    for (format, rect, offset) in puts {
        seg.write_at(offset, &encode(rect.width, rect.height, format))
            .expect("write_at");
        d.put_shm_image(win, rect, format, &seg, offset);
    }
    let img = read(&mut d, win, 60, 40);
    assert_pixels(&img, "images put from shared memory", |x, y| {
        for (_, r, _) in puts.iter().rev() {
            if r.contains(x as i32, y as i32) {
                return pattern((x as i32 - r.x) as u32, (y as i32 - r.y) as u32);
            }
        }
        [255, 255, 255, 255]
    });
    // The same segment serves again once the put has been applied (the read-back above).
    seg.write_at(
        100,
        &encode(20, 10, PixelFormat::Bgra8)
            .iter()
            .map(|b| b / 2)
            .collect::<Vec<_>>(),
    )
    .expect("write_at");
    d.put_shm_image(win, Rect::new(2, 3, 20, 10), PixelFormat::Bgra8, &seg, 100);
    let img = read(&mut d, win, 60, 40);
    let [r, g, b, _] = pattern(3, 4);
    assert_eq!(
        img.pixel(5, 7),
        Some([r / 2, g / 2, b / 2, 255]),
        "new pixels, alpha read as 255 in a window"
    );
    // Put as they came (alpha 127), read back opaque in the server's layout too.
    let bgra = d
        .get_image_as(win, Rect::new(5, 7, 1, 1), PixelFormat::Bgra8)
        .expect("get_image_as");
    assert_eq!(
        bgra.data,
        [b / 2, g / 2, r / 2, 255],
        "alpha in the server's layout"
    );
    // And on the screen, which the window (mapped at the origin) is composed into.
    wait_screen(
        &mut d,
        Rect::new(5, 7, 1, 1),
        "the screen under the put",
        |_, _| [r / 2, g / 2, b / 2, 255],
    );
    d.detach_shm(seg);
}

#[test]
fn parts_of_a_bigger_shm_image_reach_windows_from_their_rows() {
    // A whole 40x30 image in the segment, as a client keeps its window's pixels; parts of it
    // put with the image's stride land where asked, whole, clipped and converted, and a stride
    // shorter than a row, or rows past the segment's end, are refused.
    let server = TestServer::with_defaults();
    let mut d = server.connect(Transport::Unix);
    let win = window(&mut d, 60, 40);
    let (w, h) = (40u32, 30u32);
    let seg = d.create_shm(u64::from(w * h * 4) + 64).expect("create_shm");
    let bgra = encode(w, h, PixelFormat::Bgra8);
    seg.write_at(64, &bgra).expect("write_at");
    let rgba = d.create_shm(u64::from(w * h * 4)).expect("create_shm");
    rgba.write_at(0, &encode(w, h, PixelFormat::Rgba8))
        .expect("write_at");
    // (segment, format, part of the image at (sx, sy), where it goes)
    let puts = [
        (&seg, PixelFormat::Bgra8, (5, 7), Rect::new(1, 2, 12, 9)),
        (&seg, PixelFormat::Bgra8, (30, 20), Rect::new(52, 30, 10, 10)),
        (&rgba, PixelFormat::Rgba8, (0, 25), Rect::new(20, 20, 40, 5)),
    ];
    for &(segment, format, (sx, sy), rect) in &puts {
        let base = if format == PixelFormat::Bgra8 { 64 } else { 0 };
        let offset = base + u64::from((sy * w + sx) * 4);
        d.put_shm_sub_image(win, rect, format, segment, offset, w * 4);
    }
    let img = read(&mut d, win, 60, 40);
    assert_pixels(&img, "parts of a shared image", |x, y| {
        for &(_, _, (sx, sy), r) in puts.iter().rev() {
            if r.contains(x as i32, y as i32) {
                return pattern(sx + (x as i32 - r.x) as u32, sy + (y as i32 - r.y) as u32);
            }
        }
        [255, 255, 255, 255]
    });
    // A stride shorter than a row (10 pixels are 40 bytes), and a second row that ends one byte
    // past the segment's end (4 864 bytes).
    for (stride, offset, want) in [
        (39, 64, "less than a row"),
        (w * 4, 4865 - 160 - 40, "do not fit"),
    ] {
        d.put_shm_sub_image(
            win,
            Rect::new(0, 0, 10, 2),
            PixelFormat::Bgra8,
            &seg,
            offset,
            stride,
        );
        let seq = d.last_seq();
        let _ = d.flush();
        let e = next_error(&mut d);
        assert_eq!((e.seq, e.code), (seq, ErrorCode::BadValue), "{e}");
        assert!(e.message.contains(want), "{}", e.message);
    }
    assert_eq!(read(&mut d, win, 60, 40), img, "refused puts change nothing");
}

#[test]
fn shm_images_into_offscreen_images_keep_alpha_premultiplied_as_promised() {
    let server = TestServer::with_defaults();
    let mut d = server.connect(Transport::Unix);
    let image = d.create_image(Size::new(4, 1)).expect("create_image");
    let seg = d.create_shm(4096).expect("create_shm");
    // Bgra8 is premultiplied: a channel above alpha (the second pixel's blue) is brought down
    // to it rather than trusted.
    seg.write_at(0, &[0, 0, 128, 128, 200, 0, 0, 100, 0, 0, 0, 0, 10, 20, 30, 255])
        .expect("write_at");
    d.put_shm_image(image, Rect::new(0, 0, 4, 1), PixelFormat::Bgra8, &seg, 0);
    let img = read(&mut d, image, 4, 1);
    assert_eq!(img.pixel(0, 0), Some([255, 0, 0, 128]));
    assert_eq!(img.pixel(1, 0), Some([0, 0, 255, 100]));
    assert_eq!(img.pixel(2, 0), Some([0, 0, 0, 0]));
    assert_eq!(img.pixel(3, 0), Some([30, 20, 10, 255]));
}

#[test]
fn shm_mistakes_get_errors_and_change_nothing() {
    let server = TestServer::with_defaults();
    let mut d = server.connect(Transport::Unix);
    let win = window(&mut d, 10, 10);
    let seg = d.create_shm(400).expect("create_shm");
    seg.write_at(0, &[0u8; 400]).expect("write_at");
    let bad = |d: &mut Display, rect: Rect, segment: &gui_client::ShmSegment, offset: u64, what: &str| {
        d.put_shm_image(win, rect, PixelFormat::Bgra8, segment, offset);
        let seq = d.last_seq();
        let _ = d.flush();
        let e = next_error(d);
        assert_eq!((e.seq, e.code), (seq, ErrorCode::BadValue), "{what}: {e}");
        e.message
    };
    // 10x10 Bgra8 is 400 bytes: one byte of offset is too many.
    let m = bad(&mut d, Rect::new(0, 0, 10, 10), &seg, 1, "past the end");
    assert!(m.contains("do not fit"), "{m}");
    let m = bad(
        &mut d,
        Rect::new(0, 0, 10, 10),
        &seg,
        u64::MAX,
        "an offset that overflows",
    );
    assert!(m.contains("do not fit"), "{m}");
    // Another client's segment is no segment of this one.
    let mut other = server.connect(Transport::Unix);
    let theirs = other.create_shm(400).expect("create_shm");
    other.sync().expect("sync");
    let m = bad(
        &mut d,
        Rect::new(0, 0, 10, 10),
        &theirs,
        0,
        "another client's segment",
    );
    assert!(m.contains("no segment"), "{m}");
    // Nothing was drawn by the failures; a good put still works, then a detached one fails.
    let img = read(&mut d, win, 10, 10);
    assert_pixels(&img, "after failed puts", |_, _| [255, 255, 255, 255]);
    d.put_shm_image(win, Rect::new(0, 0, 10, 10), PixelFormat::Bgra8, &seg, 0);
    let img = read(&mut d, win, 10, 10);
    assert_pixels(&img, "zeros put, read back opaque", |_, _| [0, 0, 0, 255]);
    let id = seg.id();
    d.detach_shm(seg);
    d.send(&Request::PutShmImage {
        target: win.into(),
        rect: Rect::new(0, 0, 1, 1),
        format: PixelFormat::Bgra8,
        segment: id,
        offset: 0,
    });
    let seq = d.last_seq();
    d.flush().expect("flush");
    let e = next_error(&mut d);
    assert_eq!((e.seq, e.code), (seq, ErrorCode::BadValue), "detached: {e}");
    d.sync().expect("the client still works");
}

/// Reading a page of a segment the client never wrote makes the server hold it, so segments
/// count against the client's pixel budget (4 bytes a pixel) with its windows and images, and
/// give it back when detached; an empty one is refused. Sparse memfds: nothing is allocated
/// but the pages the server reads.
#[test]
fn segments_count_against_the_client_s_pixel_budget() {
    let server = TestServer::with_defaults();
    let mut d = server.connect(Transport::Unix);
    let win = window(&mut d, 10, 10);
    let budget = display_server::Config::default().max_pixels_per_client * 4;
    // All the budget but 8 KiB; the window holds 400 bytes of it.
    let big = d.create_shm(budget - 8192).expect("create_shm");
    let refused = |d: &mut Display, size: u64, code: ErrorCode, text: &str| {
        let seg = d.create_shm(size).expect("create_shm");
        let seq = d.last_seq();
        d.sync().expect("sync");
        let e = next_error(d);
        assert_eq!((e.seq, e.code), (seq, code), "{size} bytes: {e}");
        assert!(e.message.contains(text), "{e}");
        // It was not attached: detaching it is an error too.
        d.detach_shm(seg);
        d.sync().expect("sync");
        assert!(next_error(d).message.contains("no segment"));
    };
    refused(&mut d, 8192, ErrorCode::Limit, "shared-memory segments");
    refused(&mut d, 0, ErrorCode::BadValue, "empty");
    // So is a window now: the segment holds the budget.
    let _ = d.create_window(Rect::new(0, 0, 64, 64), Color::WHITE);
    d.sync().expect("sync");
    assert_eq!(
        next_error(&mut d).code,
        ErrorCode::Limit,
        "a window past the budget"
    );
    // The last page of the big one is read (a hole of the memfd: zeros), then its share of the
    // budget comes back with the detach.
    d.put_shm_image(
        win,
        Rect::new(0, 0, 32, 32),
        PixelFormat::Bgra8,
        &big,
        budget - 8192 - 4096,
    );
    let img = read(&mut d, win, 10, 10);
    assert_pixels(&img, "zeros from the end of a big segment", |_, _| [0, 0, 0, 255]);
    d.detach_shm(big);
    let seg = d.create_shm(8192).expect("create_shm");
    seg.write_at(0, &[255; 400]).expect("write_at");
    d.put_shm_image(win, Rect::new(0, 0, 10, 10), PixelFormat::Bgra8, &seg, 0);
    let img = read(&mut d, win, 10, 10);
    assert_pixels(&img, "a segment attached after a detach", |_, _| {
        [255, 255, 255, 255]
    });
    let other = d
        .create_window(Rect::new(0, 0, 64, 64), Color::WHITE)
        .expect("create_window");
    d.map_window(other);
    d.sync().expect("sync");
    loop {
        match d.poll_event() {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => panic!("a window should fit the budget again: {e}"),
        }
    }
}

#[test]
fn shared_memory_needs_the_unix_socket_and_a_sealed_memfd() {
    let server = TestServer::with_defaults();
    // The client library says so before sending anything over TCP.
    let mut tcp = server.connect(Transport::Tcp);
    assert!(!tcp.can_share_memory());
    match tcp.create_shm(4096) {
        Err(e @ ClientError::NoSharedMemory) => assert!(e.to_string().contains("Unix socket"), "{e}"),
        other => panic!("create_shm over TCP: {other:?}"),
    }
    tcp.sync().expect("the TCP client still works");

    // A raw client that sends AttachShm with no descriptor, then one with a socket.
    let mut raw = server.connect_raw(Transport::Unix);
    let setup = raw.handshake();
    let id = setup.ids.base + 1;
    raw.send_request(&Request::AttachShm { segment: id });
    let replies = raw.sync(2);
    let (socket, _peer) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    raw.send_request_with_fd(
        &Request::AttachShm { segment: id + 1 },
        std::os::fd::AsFd::as_fd(&socket),
    );
    // A memfd that could shrink under the server's reads.
    let unsealed = rustix::fs::memfd_create("unsealed", rustix::fs::MemfdFlags::CLOEXEC).expect("memfd");
    rustix::fs::ftruncate(&unsealed, 4096).expect("ftruncate");
    raw.send_request_with_fd(
        &Request::AttachShm { segment: id + 2 },
        std::os::fd::AsFd::as_fd(&unsealed),
    );
    // A sealed memfd of huge pages: a hole punched in it could make the server's read a SIGBUS.
    // (A kernel without hugetlbfs cannot make one, and then there is nothing to refuse.)
    let huge = rustix::fs::memfd_create(
        "huge",
        rustix::fs::MemfdFlags::CLOEXEC
            | rustix::fs::MemfdFlags::ALLOW_SEALING
            | rustix::fs::MemfdFlags::HUGETLB,
    )
    .and_then(|fd| {
        rustix::fs::ftruncate(&fd, 2 << 20)?;
        rustix::fs::fcntl_add_seals(&fd, rustix::fs::SealFlags::SHRINK)?;
        Ok(fd)
    });
    match &huge {
        Ok(fd) => raw.send_request_with_fd(
            &Request::AttachShm { segment: id + 3 },
            std::os::fd::AsFd::as_fd(fd),
        ),
        Err(e) => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "[shm] no sealed hugetlbfs memfd on this kernel ({e}): its refusal is not checked"
            );
        }
    }
    let sync_seq = if huge.is_ok() { 6 } else { 5 };
    let replies = [replies, raw.sync(sync_seq)].concat();
    let errors: Vec<_> = replies
        .iter()
        .filter_map(|m| match m {
            ServerMessage::Error(e) => Some((e.seq, e.code, e.message.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 3 + usize::from(huge.is_ok()), "{replies:?}");
    assert_eq!((errors[0].0, errors[0].1), (1, ErrorCode::BadValue));
    assert!(errors[0].2.contains("no file descriptor"), "{}", errors[0].2);
    assert_eq!((errors[1].0, errors[1].1), (3, ErrorCode::BadValue));
    assert!(errors[1].2.contains("not a memfd"), "{}", errors[1].2);
    assert_eq!((errors[2].0, errors[2].1), (4, ErrorCode::BadValue));
    assert!(errors[2].2.contains("F_SEAL_SHRINK"), "{}", errors[2].2);
    if huge.is_ok() {
        assert_eq!((errors[3].0, errors[3].1), (5, ErrorCode::BadValue));
        assert!(errors[3].2.contains("MFD_HUGETLB"), "{}", errors[3].2);
    }
}

/// Descriptors sent along with the pixels of a large PutImage, which is read past the frame
/// decoder and handed to the core only once it is all in, are capped as the core caps unclaimed
/// descriptors (8): a client cannot make the server hold one per read for as long as it takes
/// to send the image. Counted in a dispd process of its own, so that nothing else opens files.
#[test]
fn descriptors_sent_with_a_large_image_are_capped() {
    let dir = tempfile::TempDir::new().expect("temp dir");
    let (mut dispd, socket) = spawn_dispd(7, dir.path(), |_| {});
    let open_fds = || {
        std::fs::read_dir(format!("/proc/{}/fd", dispd.id()))
            .expect("fds")
            .count()
    };
    let mut raw = RawClient::unix_at(&socket);
    let setup = raw.handshake();
    let mut frame = Vec::new();
    dispd_protocol::encode_frame(
        &Request::PutImage {
            target: Drawable(setup.ids.base),
            rect: Rect::new(0, 0, 512, 512),
            format: PixelFormat::Bgra8,
            compression: Compression::None,
            data: vec![7; 512 * 512 * 4],
        },
        &mut frame,
    );
    let memfd = rustix::fs::memfd_create("extra", rustix::fs::MemfdFlags::CLOEXEC).expect("memfd");
    raw.send_bytes(&frame[..1000]);
    std::thread::sleep(std::time::Duration::from_millis(50));
    let before = open_fds();
    // 100 one-byte sends of the image's pixels, each with 4 descriptors: 400 in all.
    for i in 0..100 {
        let fd = std::os::fd::AsFd::as_fd(&memfd);
        raw.send_bytes_with_fds(&frame[1000 + i..1001 + i], &[fd, fd, fd, fd]);
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    let during = open_fds();
    raw.send_bytes(&frame[1100..]);
    raw.send_request(&Request::Sync);
    let got = raw.read_message();
    let _ = dispd.kill();
    let _ = dispd.wait();
    assert!(
        during <= before + 8,
        "the server holds {during} descriptors while the image comes in, {before} before"
    );
    assert!(
        matches!(got, Some(ServerMessage::Error(ref e)) if e.code == ErrorCode::BadDrawable),
        "the image itself is still judged (it names no window): {got:?}"
    );
}

/// Bytes that carried a descriptor end a read early, with more bytes queued behind them: the
/// server must read those too without waiting for the client to send anything else (a read
/// that stops early normally means the socket is empty, and its readiness is then forgotten).
#[test]
fn requests_right_behind_a_descriptor_are_answered() {
    let server = TestServer::with_defaults();
    let mut raw = server.connect_raw(Transport::Unix);
    let setup = raw.handshake();
    let memfd = rustix::fs::memfd_create(
        "segment",
        rustix::fs::MemfdFlags::CLOEXEC | rustix::fs::MemfdFlags::ALLOW_SEALING,
    )
    .expect("memfd");
    rustix::fs::ftruncate(&memfd, 4096).expect("size");
    rustix::fs::fcntl_add_seals(&memfd, rustix::fs::SealFlags::SHRINK).expect("seal");
    for round in 0..20u32 {
        // Two writes before the server reads: the AttachShm with its descriptor, then a Sync.
        raw.send_request_with_fd(
            &Request::AttachShm {
                segment: setup.ids.base + 1 + round,
            },
            std::os::fd::AsFd::as_fd(&memfd),
        );
        raw.send_request(&Request::Sync);
        // The Sync's reply comes (the read timeout fails the test otherwise), and no error.
        match raw.read_message() {
            Some(ServerMessage::Reply { seq, .. }) => assert_eq!(seq, 2 * round + 2),
            other => panic!("round {round}: {other:?}"),
        }
    }
}
