//! Hostile input: whatever bytes a peer sends, decoding returns `Ok` or `Err` and never panics,
//! never allocates what a length field claims before the bytes are there, and the frame decoder's
//! memory stays bounded by its limit.
//!
//! The case counts keep this file to a few seconds in a debug build.

mod common;

use std::time::{Duration, Instant};

use dispd_protocol::handshake::{ClientHello, ServerAnswer, Setup, MAGIC, MAX_ANSWER_BODY};
use dispd_protocol::{
    codec::encode_body, decode, ClientId, FrameDecoder, FrameError, IdRange, Request, ServerMessage, Size,
};
use proptest::prelude::*;
use proptest::sample::Index;

/// How many spare bytes `FrameDecoder::read_buf` offers at least (`READ_CHUNK` in framing.rs).
const READ_CHUNK: usize = 64 * 1024;

/// The most memory a decoder with limit `max` may hold, when frames are taken out after every
/// read of at most `READ_CHUNK` bytes: up to `max + 3` bytes of an unfinished frame, plus a
/// fresh `READ_CHUNK` of spare room (framing.rs: `read_buf` grows the buffer to
/// `end + max(READ_CHUNK, rest of the pending frame)`, after moving the unread bytes to the front).
fn buffer_bound(max: u32) -> usize {
    READ_CHUNK + max as usize + 4
}

/// A postcard varint (LEB128).
fn varint(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// Decodes `body` as both message types; whatever decodes must re-encode stably.
fn decode_both(body: &[u8]) {
    if let Ok(r) = decode::<Request>(body) {
        check_stable(&r);
    }
    if let Ok(m) = decode::<ServerMessage>(body) {
        check_stable(&m);
    }
    let _ = decode::<Setup>(body);
}

/// Decoded values re-encode to bytes that decode to the same value. Compared as bytes, since a
/// decoded `f32` may be NaN. (The input itself need not be canonical: postcard accepts overlong
/// varints.)
fn check_stable<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let once = encode_body(value);
    let again: T = decode(&once).expect("a re-encoded message decodes");
    assert_eq!(encode_body(&again), once, "re-encoding is not stable");
}

// ---------------------------------------------------------------------------------------------
// (a) arbitrary bodies
// ---------------------------------------------------------------------------------------------

/// Arbitrary bytes, and arbitrary bytes behind a plausible variant tag (pure noise mostly fails
/// on the first byte). Tags go a little past the largest enum (`DrawOp`, 31 variants).
fn arbitrary_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..=4096),
        (0u8..34, prop::collection::vec(any::<u8>(), 0..=256)).prop_map(|(tag, rest)| {
            let mut v = vec![tag];
            v.extend(rest);
            v
        }),
        (0u8..34, 0u8..34, prop::collection::vec(any::<u8>(), 0..=64)).prop_map(|(a, b, rest)| {
            let mut v = vec![a, b];
            v.extend(rest);
            v
        }),
        // A Draw batch on drawable 1 with a few ops: op tags, then noise for their fields.
        (
            1u8..8,
            prop::collection::vec(0u8..34, 1..8),
            prop::collection::vec(any::<u8>(), 0..=64)
        )
            .prop_map(|(count, tags, rest)| {
                let mut v = vec![6, 1, count];
                for t in tags {
                    v.push(t);
                    v.extend(rest.iter().take(usize::from(t % 9)));
                }
                v
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bodies_never_panic(body in arbitrary_body()) {
        decode_both(&body);
    }
}

// ---------------------------------------------------------------------------------------------
// (b) mutated valid frames
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(Index, u8),
    Set(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    Truncate(Index),
    /// Overwrite with a varint, typically a huge length or count.
    InsertVarint(Index, u64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<Index>().prop_map(Mutation::Delete),
        any::<Index>().prop_map(Mutation::Truncate),
        (
            any::<Index>(),
            prop_oneof![any::<u64>(), Just(u64::from(u32::MAX)), Just(u64::MAX), 0u64..300]
        )
            .prop_map(|(i, n)| Mutation::InsertVarint(i, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len();
    match *m {
        Mutation::Insert(ref i, b) => bytes.insert(i.index(len + 1), b),
        Mutation::InsertVarint(ref i, n) => {
            let at = i.index(len + 1);
            let tail = bytes.split_off(at);
            bytes.extend(varint(n));
            bytes.extend(tail);
        }
        _ if len == 0 => {}
        Mutation::FlipBit(ref i, bit) => bytes[i.index(len)] ^= 1 << bit,
        Mutation::Set(ref i, b) => bytes[i.index(len)] = b,
        Mutation::Delete(ref i) => {
            bytes.remove(i.index(len));
        }
        Mutation::Truncate(ref i) => bytes.truncate(i.index(len)),
    }
}

/// A valid frame of every sample message: `true` for a request, `false` for a server message.
fn seed_frames() -> Vec<(bool, Vec<u8>)> {
    let mut v: Vec<(bool, Vec<u8>)> = common::sample_requests()
        .iter()
        .map(|r| (true, common::frame(r)))
        .collect();
    v.extend(
        common::sample_server_messages()
            .iter()
            .map(|m| (false, common::frame(m))),
    );
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn mutated_frames_never_panic(
        (is_request, frame) in prop::sample::select(seed_frames()),
        mutations in prop::collection::vec(mutation(), 1..6),
        mutate_prefix in any::<bool>(),
    ) {
        // Mutate the body alone, and decode it as what it was.
        let mut body = frame[4..].to_vec();
        for m in &mutations {
            apply(&mut body, m);
        }
        if is_request {
            if let Ok(r) = decode::<Request>(&body) {
                check_stable(&r);
            }
        } else if let Ok(m) = decode::<ServerMessage>(&body) {
            check_stable(&m);
        }
        decode_both(&body);

        // Mutate the whole frame, prefix included, and push it through a frame decoder.
        let mut whole = frame.clone();
        if mutate_prefix {
            for m in &mutations {
                apply(&mut whole, m);
            }
        }
        let mut d = FrameDecoder::new(1 << 20);
        d.push(&whole);
        if let Ok(Some(f)) = d.next_frame() {
            prop_assert!(f.len() <= 1 << 20);
            let f = f.to_vec();
            decode_both(&f);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (c) the frame decoder
// ---------------------------------------------------------------------------------------------

/// Pieces of a stream: whole frames (some over the limit), bare length prefixes, noise.
fn stream_segment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..1200).prop_map(|body| {
            let mut v = (body.len() as u32).to_le_bytes().to_vec();
            v.extend(body);
            v
        }),
        1 => (0u32..2100).prop_map(|n| n.to_le_bytes().to_vec()),
        1 => any::<u32>().prop_map(|n| n.to_le_bytes().to_vec()),
        2 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

fn arbitrary_stream() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(stream_segment(), 0..24).prop_map(|s| s.concat())
}

/// Feeds `stream` to `d` in chunks, taking frames out after each; checks every invariant.
/// Returns the frames, and whether the stream ended in a `TooLarge` error.
fn feed(
    d: &mut FrameDecoder,
    stream: &[u8],
    chunks: &[usize],
    use_read_buf: bool,
) -> Result<(Vec<Vec<u8>>, bool), TestCaseError> {
    let max = d.max_len();
    let bound = buffer_bound(max);
    let mut frames = Vec::new();
    let mut pos = 0;
    let mut next_chunk = chunks.iter().cycle();
    while pos < stream.len() {
        let want = (*next_chunk.next().expect("chunks is not empty")).min(stream.len() - pos);
        if use_read_buf {
            let buf = d.read_buf();
            prop_assert!(!buf.is_empty(), "read_buf offers no room");
            prop_assert!(
                buf.len() <= bound,
                "read_buf offers {} bytes, over {bound}",
                buf.len()
            );
            let n = want.min(buf.len());
            buf[..n].copy_from_slice(&stream[pos..pos + n]);
            d.advance(n);
            pos += n;
        } else {
            d.push(&stream[pos..pos + want]);
            pos += want;
        }
        loop {
            match d.next_frame() {
                Ok(Some(f)) => {
                    prop_assert!(
                        f.len() <= max as usize,
                        "a frame of {} bytes, over the limit {max}",
                        f.len()
                    );
                    frames.push(f.to_vec());
                }
                Ok(None) => break,
                Err(e) => {
                    prop_assert!(
                        matches!(e, FrameError::TooLarge { len, max: m } if len > max && m == max),
                        "unexpected error {e:?}"
                    );
                    // The stream stays unusable.
                    prop_assert_eq!(d.next_frame().err(), Some(e));
                    return Ok((frames, true));
                }
            }
        }
        let buffered = d.buffered();
        prop_assert!(
            buffered < max as usize + 4,
            "{buffered} bytes buffered after draining"
        );
        // `room + buffered` is the buffer from the first unread byte to its end.
        let room = d.read_buf().len();
        prop_assert!(
            room + buffered <= bound,
            "read_buf offers {room} bytes with {buffered} buffered, over {bound}"
        );
    }
    Ok((frames, false))
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(prop_oneof![1usize..8, 1usize..=4096, Just(READ_CHUNK)], 1..16)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn frame_decoder_survives_any_stream(
        stream in arbitrary_stream(),
        chunks in chunk_sizes(),
        max in prop_oneof![Just(1024u32), 0u32..=2048],
        use_read_buf in any::<bool>(),
    ) {
        let mut d = FrameDecoder::new(max);
        feed(&mut d, &stream, &chunks, use_read_buf)?;
    }

    /// With the limit of 1024, a stream of frames announced up to 2048 bytes long.
    #[test]
    fn frame_decoder_memory_is_bounded(
        stream in arbitrary_stream(),
        chunks in chunk_sizes(),
        use_read_buf in any::<bool>(),
    ) {
        let mut d = FrameDecoder::new(1024);
        prop_assert!(d.read_buf().len() <= buffer_bound(1024));
        feed(&mut d, &stream, &chunks, use_read_buf)?;
        prop_assert!(d.read_buf().len() <= buffer_bound(1024));
    }

    /// Valid frames come out whole and in order, however the stream is cut.
    #[test]
    fn frame_decoder_reassembles_valid_frames(
        bodies in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..=1024), 0..12),
        chunks in chunk_sizes(),
        use_read_buf in any::<bool>(),
    ) {
        let mut stream = Vec::new();
        for b in &bodies {
            stream.extend((b.len() as u32).to_le_bytes());
            stream.extend(b);
        }
        let mut d = FrameDecoder::new(1024);
        let (frames, failed) = feed(&mut d, &stream, &chunks, use_read_buf)?;
        prop_assert!(!failed);
        prop_assert_eq!(frames, bodies);
        prop_assert_eq!(d.buffered(), 0);
    }
}

/// A socket read is at most `read_buf().len()` bytes; `advance` past that is clamped.
#[test]
fn advance_past_the_read_buffer_is_clamped() {
    let mut d = FrameDecoder::new(16);
    let room = d.read_buf().len();
    d.advance(room + 100);
    assert_eq!(d.buffered(), room);
}

#[test]
fn oversized_prefix_is_refused_without_growing() {
    for max in [0, 1, 1024, 1 << 20] {
        let mut d = FrameDecoder::new(max);
        d.push(&(max + 1).to_le_bytes());
        assert_eq!(d.next_frame(), Err(FrameError::TooLarge { len: max + 1, max }));
        assert!(d.read_buf().len() <= READ_CHUNK + 8, "max {max}");
    }
}

// ---------------------------------------------------------------------------------------------
// (d) the handshake
// ---------------------------------------------------------------------------------------------

/// Bytes after the magic shaped like a hello, with lengths that may lie.
fn hello_like() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u16>(),
        any::<u16>(),
        prop_oneof![0u8..=64, any::<u8>()],
        prop::collection::vec(any::<u8>(), 0..80),
        prop_oneof![0u16..=1024, any::<u16>()],
        prop::collection::vec(any::<u8>(), 0..1100),
    )
        .prop_map(|(min, max, name_len, name, data_len, data)| {
            let mut v = MAGIC.to_vec();
            v.extend(min.to_le_bytes());
            v.extend(max.to_le_bytes());
            v.push(name_len);
            v.extend(name);
            v.extend(data_len.to_le_bytes());
            v.extend(data);
            v
        })
}

/// Bytes after the magic shaped like an answer, with lengths that may lie.
fn answer_like() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![0u8..3, any::<u8>()],
        any::<u16>(),
        prop_oneof![0u32..300, any::<u32>(), Just(MAX_ANSWER_BODY as u32 + 1)],
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(status, version, len, body)| {
            let mut v = MAGIC.to_vec();
            v.push(status);
            v.extend(version.to_le_bytes());
            v.extend(len.to_le_bytes());
            v.extend(body);
            v
        })
}

fn handshake_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(|rest| [&MAGIC[..], &rest].concat()),
        hello_like(),
        answer_like(),
    ]
}

/// A valid setup body is the interesting case for an accepted answer.
fn accepted_with_setup() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u16>(),
        ".{0,12}",
        ".{0,12}",
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(|(version, name, ver, client, base, max)| {
            ServerAnswer::Accepted {
                version,
                setup: Setup {
                    server_name: name,
                    server_version: ver,
                    client_id: ClientId(client),
                    screen: Size::new(base, max),
                    ids: IdRange { base, count: client },
                    max_frame_len: max,
                },
            }
            .encode()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn client_hello_parse_never_panics(buf in handshake_bytes()) {
        match ClientHello::parse(&buf) {
            Ok(Some((hello, n))) => {
                prop_assert!(n <= buf.len());
                // The layout is fixed: what parsed encodes back to exactly the bytes it took.
                prop_assert_eq!(hello.encode().expect("a parsed hello is within limits"), &buf[..n]);
                for cut in 0..n {
                    prop_assert_eq!(ClientHello::parse(&buf[..cut]), Ok(None), "cut at {}", cut);
                }
            }
            Ok(None) => {}
            Err(_) => {}
        }
    }

    #[test]
    fn server_answer_parse_never_panics(buf in prop_oneof![handshake_bytes(), accepted_with_setup()]) {
        if let Ok(Some((answer, n))) = ServerAnswer::parse(&buf) {
            prop_assert!(n <= buf.len());
            prop_assert_eq!(ServerAnswer::parse(&buf[..n]), Ok(Some((answer, n))));
            for cut in 0..n {
                prop_assert_eq!(ServerAnswer::parse(&buf[..cut]), Ok(None), "cut at {}", cut);
            }
        }
    }

    #[test]
    fn hellos_within_limits_round_trip(
        name in ".{0,16}",
        data in prop::collection::vec(any::<u8>(), 0..=1024),
        min_version in any::<u16>(),
        max_version in any::<u16>(),
        trailing in prop::collection::vec(any::<u8>(), 0..8),
    ) {
        let hello = ClientHello { min_version, max_version, auth_name: name, auth_data: data };
        let mut bytes = hello.encode().expect("at most 64 bytes of name");
        let n = bytes.len();
        bytes.extend(trailing);
        prop_assert_eq!(ClientHello::parse(&bytes), Ok(Some((hello, n))));
    }
}

// ---------------------------------------------------------------------------------------------
// (e) lengths and counts that claim more than the body holds
// ---------------------------------------------------------------------------------------------

/// Fails the test if `f` takes longer than a second: a decoder that allocated or looped over a
/// claimed count would take far longer (or abort on allocation failure).
fn quickly<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < Duration::from_secs(1), "{what} took {took:?}");
    out
}

#[test]
fn huge_draw_op_count_is_an_error() {
    // Draw (tag 6) on drawable 1, ops: a count of 2^32 - 1, then three Clear ops. 10 bytes.
    let mut body = vec![6, 1];
    body.extend(varint(u64::from(u32::MAX)));
    body.extend([3, 3, 3]);
    assert_eq!(body, [6, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 3, 3, 3]);
    let r = quickly("Draw with 2^32-1 ops", || decode::<Request>(&body));
    assert!(r.is_err(), "{r:?}");
}

#[test]
fn huge_claimed_lengths_are_errors() {
    let huge = [u64::from(u32::MAX), u64::MAX, 1 << 40, 1 << 20];
    for n in huge {
        let len = varint(n);
        let requests: Vec<(&str, Vec<u8>)> = vec![
            ("Draw ops", [&[6u8, 1][..], &len, &[3, 3, 3]].concat()),
            // A Text op whose string claims n bytes.
            ("Draw text", [&[6u8, 1, 1, 6, 0, 0][..], &len, b"abc"].concat()),
            ("SetTitle", [&[5u8, 1][..], &len, b"title"].concat()),
            // target 1, rect (0, 0, 1, 1), format Rgba8, compression None, then the data.
            (
                "PutImage",
                [&[7u8, 1, 0, 0, 1, 1, 0, 0][..], &len, &[1, 2, 3, 4]].concat(),
            ),
            ("QueryFont chars", [&[17u8, 0][..], &len, b"abc"].concat()),
            // One op in a batch on drawable 1: a SetDash (tag 12) pattern claiming n u16s.
            ("Draw dash", [&[6u8, 1, 1, 12][..], &len, &[1, 2, 3]].concat()),
            ("Draw clip", [&[6u8, 1, 1, 15][..], &len, &[0, 0, 1, 1]].concat()),
            ("Draw points", [&[6u8, 1, 1, 17][..], &len, &[0, 0]].concat()),
            ("Draw polyline", [&[6u8, 1, 1, 18][..], &len, &[0, 0, 1]].concat()),
            ("Draw polygon", [&[6u8, 1, 1, 22][..], &len, &[0, 0]].concat()),
            (
                "Draw fill path",
                [&[6u8, 1, 1, 23][..], &len, &[4, 4, 4]].concat(),
            ),
            (
                "Draw stroke path",
                [&[6u8, 1, 1, 24][..], &len, &[4, 4, 4]].concat(),
            ),
            // SetPaint (tag 7), Linear (tag 1), four f32s, then the stops.
            (
                "Draw gradient stops",
                [&[6u8, 1, 1, 7, 1][..], &[0; 16], &len, &[0; 5]].concat(),
            ),
            // SetPaint (tag 7), Radial (tag 2), three f32s, then the stops.
            (
                "Draw radial stops",
                [&[6u8, 1, 1, 7, 2][..], &[0; 12], &len, &[0; 5]].concat(),
            ),
        ];
        for (what, body) in requests {
            let r = quickly(what, || decode::<Request>(&body));
            assert!(r.is_err(), "{what} claiming {n}: {r:?}");
        }
        let messages: Vec<(&str, Vec<u8>)> = vec![
            ("Image reply", [&[0u8, 1, 1, 1, 1][..], &len, &[0; 4]].concat()),
            ("ServerInfo name", [&[0u8, 1, 2][..], &len, b"dispd"].concat()),
            ("Error message", [&[1u8, 1, 0][..], &len, b"oops"].concat()),
            ("Goodbye", [&[3u8][..], &len, b"bye"].concat()),
            ("TextInput", [&[2u8, 10, 1][..], &len, b"x"].concat()),
            ("Key text", [&[2u8, 3, 1, 1, 0, 0, 2, 1][..], &len, b"x"].concat()),
            // Reply (tag 0), seq 1, Font (tag 4), three f32s, then the advances.
            (
                "Font advances",
                [&[0u8, 1, 4][..], &[0; 12], &len, &[0; 4]].concat(),
            ),
            // Reply (tag 0), seq 1, Clients (tag 5), then the count of summaries.
            (
                "Clients count",
                [&[0u8, 1, 5][..], &len, &[1, 0, 0, 0, 0]].concat(),
            ),
            // One summary (client 1) whose peer string claims n bytes.
            ("Clients peer", [&[0u8, 1, 5, 1, 1][..], &len, b"local"].concat()),
            // ServerInfo (tag 2): empty name and version, protocol 3, screen 1x1, empty backend,
            // 0 clients, 0 windows, then the listening addresses' count.
            (
                "ServerInfo listening",
                [&[0u8, 1, 2, 0, 0, 3, 1, 1, 0, 0, 0][..], &len, &[1, b'x']].concat(),
            ),
            // The same with one address whose string claims n bytes.
            (
                "ServerInfo address",
                [&[0u8, 1, 2, 0, 0, 3, 1, 1, 0, 0, 0, 1][..], &len, b"x"].concat(),
            ),
        ];
        for (what, body) in messages {
            let r = quickly(what, || decode::<ServerMessage>(&body));
            assert!(r.is_err(), "{what} claiming {n}: {r:?}");
        }
        let setup = [&len[..], b"dispd"].concat();
        assert!(quickly("Setup", || decode::<Setup>(&setup)).is_err());
    }
}

/// A varint longer than any integer (eleven continuation bytes) is an error, not an overflow.
#[test]
fn overlong_varints_are_errors() {
    let mut body = vec![6, 1];
    body.extend([0xff; 11]);
    body.push(0x01);
    assert!(decode::<Request>(&body).is_err());
    let body = [&[1u8][..], &[0xff; 6], &[0]].concat();
    assert!(decode::<ServerMessage>(&body).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any claimed count before a short tail fails fast.
    #[test]
    fn claimed_counts_fail_fast(
        count in prop_oneof![any::<u64>(), (1u64 << 16)..(1u64 << 33)],
        tail in prop::collection::vec(0u8..31, 0..8),
    ) {
        let body = [&[6u8, 1][..], &varint(count), &tail].concat();
        let start = Instant::now();
        let r = decode::<Request>(&body);
        prop_assert!(start.elapsed() < Duration::from_secs(1));
        if count > tail.len() as u64 {
            prop_assert!(r.is_err());
        }
    }
}
