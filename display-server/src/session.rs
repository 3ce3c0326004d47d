//! One task per client: handshake and admission, then requests in and messages out until
//! either side stops.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dispd_protocol::handshake::{ClientHello, ServerAnswer, Setup};
use dispd_protocol::{ClientId, DrawOp, FrameDecoder, Request, ServerMessage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot, Notify};

use crate::applied::{Applied, Unapplied};
use crate::auth::Peer;
use crate::core_task::{CoreMsg, Incoming};
use crate::mailbox::Collector;
use crate::net::{ReadHalf, Stream, WriteHalf};
use crate::outbox::{weight, MAX_QUEUED_BYTES};
use crate::reply_spin::ReplySpin;
use crate::server::AcceptCtx;
use crate::shutdown::Shutdown;

/// Longest a hello can be: magic, versions, name and data at their limits.
const MAX_HELLO: usize = 8 + 4 + 1 + 64 + 2 + 1024;
/// How long a disconnected client's writer may take to deliver its goodbye.
const GOODBYE_TIMEOUT: Duration = Duration::from_secs(1);
/// Bytes gathered from queued messages before they are written in one go (a buffer grown past
/// four times this by one big reply is given back after its write).
const WRITE_CHUNK: usize = 256 * 1024;
/// Most messages taken from the mailbox for one write.
const WRITE_BATCH: usize = 1024;

/// Serves one connection to the end. Never panics on the peer's bytes; every way out is logged.
pub(crate) async fn serve(stream: Stream, peer: Peer, ctx: AcceptCtx, mut shutdown: Shutdown) {
    let (mut reader, mut writer) = stream.into_split();
    let timeout = Duration::from_millis(ctx.config.handshake_timeout_ms);
    let hello = tokio::select! {
        r = tokio::time::timeout(timeout, read_hello(&mut reader)) => r,
        _ = shutdown.recv() => return,
    };
    let (hello, leftover) = match hello {
        Ok(Ok(h)) => h,
        Ok(Err(reason)) => {
            tracing::info!(%reason, "handshake failed");
            refuse(&mut writer, &reason).await;
            return;
        }
        Err(_) => {
            tracing::info!("no hello within {timeout:?}; closing");
            refuse(&mut writer, "no hello received in time").await;
            return;
        }
    };
    let version = match hello.negotiate(
        dispd_protocol::MIN_PROTOCOL_VERSION,
        dispd_protocol::PROTOCOL_VERSION,
    ) {
        Ok(v) => v,
        Err(e) => {
            tracing::info!(cause = %e, "refused");
            refuse(&mut writer, &e.to_string()).await;
            return;
        }
    };
    let admission = {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        // Locked only for this check, never across an await.
        let mut replays = ctx
            .replays
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        ctx.config.auth.admit(peer, &hello, now, &mut replays)
    };
    let trusted = match admission {
        Ok(a) => a.trusted,
        Err(reason) => {
            tracing::warn!(%reason, "refused");
            refuse(&mut writer, &reason).await;
            return;
        }
    };
    let (outbox, inbox) = crate::mailbox::mailbox(ctx.config.max_queued_messages);
    let queued = Arc::new(AtomicUsize::new(0));
    let applied = Arc::new(Applied::default());
    let (reply_tx, reply_rx) = oneshot::channel();
    let connect = CoreMsg::Connect {
        peer,
        trusted,
        outbox,
        queued_bytes: queued.clone(),
        applied: applied.clone(),
        reply: reply_tx,
    };
    if ctx.core_tx.send(connect).await.is_err() {
        return; // the server is stopping
    }
    let (client, ids, screen) = match reply_rx.await {
        Ok(Ok(c)) => c,
        Ok(Err(reason)) => {
            tracing::info!(%reason, "refused");
            refuse(&mut writer, &reason).await;
            return;
        }
        Err(_) => return,
    };
    // From here on the core knows the client: whatever happens to this task (even a panic),
    // the guard tells the core it is gone.
    let mut guard = DisconnectGuard {
        client,
        core_tx: ctx.core_tx.clone(),
        reason: None,
    };
    tracing::Span::current().record("client_id", client.0);
    let setup = Setup {
        server_name: ctx.config.server_name.clone(),
        server_version: env!("CARGO_PKG_VERSION").into(),
        client_id: client,
        screen,
        ids,
        max_frame_len: ctx.config.max_frame_len,
    };
    if writer
        .write_all(&ServerAnswer::Accepted { version, setup }.encode())
        .await
        .is_err()
    {
        return;
    }
    tracing::info!(version, trusted, "connected");

    let mut decoder = FrameDecoder::new(ctx.config.max_frame_len);
    decoder.push(&leftover);
    let drained = Arc::new(Notify::new());
    let slow_timeout = Duration::from_millis(ctx.config.slow_client_timeout_ms.max(1));
    let spin = ReplySpin::new(ctx.config.reply_spin_us);
    let write = write_loop(writer, inbox, queued.clone(), drained.clone(), slow_timeout, spin);
    tokio::pin!(write);
    let flow = Flow {
        queued,
        drained,
        applied,
    };
    let ended = tokio::select! {
        r = read_loop(&mut reader, &mut decoder, client, &ctx, &flow) => r,
        stuck = &mut write => {
            match stuck {
                Some(reason) => {
                    tracing::warn!(%reason, "disconnecting a slow client");
                    guard.reason = Some(reason);
                }
                None => tracing::info!("disconnected by the server"),
            }
            return;
        }
    };
    match &ended {
        ReadEnd::Closed => tracing::info!("client closed the connection"),
        ReadEnd::BadData(r) => tracing::warn!(reason = %r, "disconnecting a client that sent bad data"),
        ReadEnd::Idle(r) => tracing::info!(reason = %r, "disconnecting an idle client"),
        ReadEnd::ServerGone => {}
    }
    let reason = match ended {
        ReadEnd::BadData(r) | ReadEnd::Idle(r) => Some(r),
        ReadEnd::Closed | ReadEnd::ServerGone => None,
    };
    // Tell the core now (not in the guard) so that the goodbye can still be written.
    guard.disarm();
    let _ = ctx.core_tx.send(CoreMsg::Disconnect { client, reason }).await;
    let _ = tokio::time::timeout(GOODBYE_TIMEOUT, write).await;
}

/// Tells the core a client is gone when dropped, unless disarmed.
struct DisconnectGuard {
    client: ClientId,
    core_tx: mpsc::Sender<CoreMsg>,
    reason: Option<String>,
}

impl DisconnectGuard {
    fn disarm(&mut self) {
        self.client = ClientId(0);
    }
}

impl Drop for DisconnectGuard {
    fn drop(&mut self) {
        if self.client == ClientId(0) {
            return;
        }
        let msg = CoreMsg::Disconnect {
            client: self.client,
            reason: self.reason.take(),
        };
        if let Err(mpsc::error::TrySendError::Full(msg)) = self.core_tx.try_send(msg) {
            let tx = self.core_tx.clone();
            tokio::spawn(async move {
                let _ = tx.send(msg).await;
            });
        }
    }
}

/// Reads until a whole hello is in; returns it with any bytes that followed it.
async fn read_hello(reader: &mut ReadHalf) -> Result<(ClientHello, Vec<u8>), String> {
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 512];
    loop {
        let n = reader
            .read(&mut chunk)
            .await
            .map_err(|e| format!("read failed: {e}"))?;
        if n == 0 {
            return Err("connection closed during the handshake".into());
        }
        buf.extend_from_slice(&chunk[..n]);
        match ClientHello::parse(&buf) {
            Ok(Some((hello, used))) => return Ok((hello, buf.split_off(used))),
            Ok(None) if buf.len() <= MAX_HELLO => continue,
            Ok(None) => return Err("hello too long".into()),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Refuses a connection before its hello (a host outside `--allow`): the answer, then the
/// hello is read and dropped for up to a second, so that closing does not reset the connection
/// before the client has read why.
pub(crate) async fn refuse_early(stream: Stream, reason: String) {
    let (mut reader, mut writer) = stream.into_split();
    refuse(&mut writer, &reason).await;
    let mut sink = [0u8; 2048];
    let _ = tokio::time::timeout(Duration::from_secs(1), reader.read(&mut sink)).await;
}

async fn refuse(writer: &mut WriteHalf, reason: &str) {
    let answer = ServerAnswer::Refused {
        version: dispd_protocol::PROTOCOL_VERSION,
        reason: reason.into(),
    };
    let _ = writer.write_all(&answer.encode()).await;
    let _ = writer.shutdown().await;
}

/// How the reading side of a session ended.
enum ReadEnd {
    /// The client closed the connection.
    Closed,
    /// The client sent something that is not a request.
    BadData(String),
    /// The client sent nothing for the idle timeout.
    Idle(String),
    /// The core is gone (shutdown).
    ServerGone,
}

/// The reader's view of the writer's and the core's progress.
struct Flow {
    queued: Arc<AtomicUsize>,
    drained: Arc<Notify>,
    applied: Arc<Applied>,
}

impl Flow {
    /// Waits while more than [`MAX_QUEUED_BYTES`] of output wait to be written.
    async fn wait_for_room(&self) {
        loop {
            let drained = self.drained.notified();
            if self.queued.load(Ordering::Relaxed) <= MAX_QUEUED_BYTES {
                return;
            }
            drained.await;
        }
    }
}

/// Requests read but not handed to the core yet: a run of consecutive sequence numbers.
struct Run {
    first_seq: u32,
    requests: Vec<Incoming>,
    /// The pixels of its small `PutImage`s ([`Incoming::PutImage`]).
    pixels: Vec<u8>,
    /// Their size: each frame's bytes, or the decoded request's size when larger.
    bytes: usize,
    /// Descriptors that came with the bytes (memfds for AttachShm).
    fds: Vec<std::os::fd::OwnedFd>,
}

impl Run {
    fn starting_at(first_seq: u32) -> Self {
        Run {
            first_seq,
            requests: Vec::new(),
            pixels: Vec::new(),
            bytes: 0,
            fds: Vec::new(),
        }
    }

    /// Takes `body` if it is a well-formed `PutImage` frame (one the decoder would take
    /// whole) of at most [`SHARED_IMAGE_BYTES`]: its pixels go into the run's shared buffer.
    /// False for any other frame.
    fn take_small_put_image(&mut self, body: &[u8]) -> bool {
        if body.len() > SHARED_IMAGE_BYTES {
            return false;
        }
        let Some((head, head_len, data_len)) = Request::put_image_head(body) else {
            return false;
        };
        if head_len + data_len != body.len() {
            return false;
        }
        let start = self.pixels.len();
        self.pixels.extend_from_slice(&body[head_len..]);
        self.requests.push(Incoming::PutImage {
            head,
            pixels: start..self.pixels.len(),
        });
        self.bytes += (body.len() + 4).max(std::mem::size_of::<Incoming>());
        true
    }

    /// Whether it holds neither requests nor descriptors.
    fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.fds.is_empty()
    }

    /// Hands the run (if anything is in it) to the core and starts the next at `next_seq`;
    /// false if the core is gone.
    async fn hand_over(
        &mut self,
        client: ClientId,
        ctx: &AcceptCtx,
        unapplied: &mut Unapplied,
        next_seq: u32,
    ) -> bool {
        if self.is_empty() {
            // Nothing to hand over (a run of no-ops): just renumber.
            self.first_seq = next_seq;
            return true;
        }
        let run = std::mem::replace(self, Run::starting_at(next_seq));
        let last_seq = run
            .first_seq
            .wrapping_add(run.requests.len() as u32)
            .wrapping_sub(1);
        unapplied.handed_over(last_seq, run.bytes);
        let msg = CoreMsg::Requests {
            client,
            first_seq: run.first_seq,
            requests: run.requests,
            pixels: run.pixels,
            fds: run.fds,
        };
        ctx.core_tx.send(msg).await.is_ok()
    }
}

/// Reads frames and hands them to the core in runs. Reading stops while the client has more
/// than [`MAX_QUEUED_BYTES`] of output unwritten or [`crate::applied::MAX_UNAPPLIED_BYTES`] of
/// requests unapplied.
async fn read_loop(
    reader: &mut ReadHalf,
    decoder: &mut FrameDecoder,
    client: ClientId,
    ctx: &AcceptCtx,
    flow: &Flow,
) -> ReadEnd {
    let idle = (ctx.config.idle_timeout_ms > 0).then(|| Duration::from_millis(ctx.config.idle_timeout_ms));
    let mut seq: u32 = 0;
    let mut run = Run::starting_at(1);
    let mut unapplied = Unapplied::default();
    let mut read_since_yield = 0usize;
    loop {
        let mut failure = None;
        loop {
            match decoder.next_frame() {
                Ok(Some(body)) if Request::is_no_operation(body) => {
                    // Recognised by its bytes, counted here and never handed on: a no-op ends
                    // the run before it (an empty run is only renumbered, without a call).
                    seq = seq.wrapping_add(1);
                    if run.is_empty() {
                        run.first_seq = seq.wrapping_add(1);
                    } else if !run
                        .hand_over(client, ctx, &mut unapplied, seq.wrapping_add(1))
                        .await
                    {
                        return ReadEnd::ServerGone;
                    }
                }
                Ok(Some(body)) if run.take_small_put_image(body) => {
                    seq = seq.wrapping_add(1);
                }
                Ok(Some(body)) => {
                    let len = body.len() + 4;
                    match dispd_protocol::decode::<Request>(body) {
                        Ok(r) => {
                            seq = seq.wrapping_add(1);
                            // What it holds decoded, when more than its frame: a 5-byte
                            // request is a 56-byte `Request`, a 5-byte op a 48-byte `DrawOp`.
                            let ops = match &r {
                                Request::Draw { ops, .. } => ops.len(),
                                _ => 0,
                            };
                            let decoded =
                                std::mem::size_of::<Request>() + ops * std::mem::size_of::<DrawOp>();
                            run.bytes += len.max(decoded);
                            run.requests.push(Incoming::Request(r));
                        }
                        Err(e) => {
                            failure = Some(format!("request #{} does not decode: {e}", seq.wrapping_add(1)));
                            break;
                        }
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    failure = Some(e.to_string());
                    break;
                }
            }
        }
        if !run
            .hand_over(client, ctx, &mut unapplied, seq.wrapping_add(1))
            .await
        {
            return ReadEnd::ServerGone;
        }
        if let Some(reason) = failure {
            return ReadEnd::BadData(reason);
        }
        flow.wait_for_room().await;
        unapplied.wait_for_core(&flow.applied).await;
        if let Some((head, mut data, mut filled, frame_len)) = big_put_image(decoder) {
            // Its pixels go from the socket straight into their own buffer, not through the
            // decoder's and then a copy.
            while filled < data.len() {
                match timed_read(reader, &mut data[filled..], &mut run.fds, idle).await {
                    Ok(n) => {
                        filled += n;
                        read_since_yield += n;
                    }
                    Err(end) => return end,
                }
                // Nothing is handed to the core until the image is in, so the core's cap on
                // descriptors no request has claimed is applied here: the rest are closed.
                run.fds.truncate(crate::core::MAX_UNCLAIMED_FDS);
            }
            seq = seq.wrapping_add(1);
            run.bytes += frame_len;
            run.requests.push(Incoming::Request(head.with_data(data)));
            continue;
        }
        match timed_read(reader, decoder.read_buf(), &mut run.fds, idle).await {
            Ok(n) => {
                decoder.advance(n);
                read_since_yield += n;
            }
            Err(end) => return end,
        }
        // A read of a socket with data waiting does not pause the task: a client with megabytes
        // queued in the kernel would have its session read and decode them back to back,
        // holding up the other tasks on its thread (other clients' sessions among them).
        if read_since_yield >= YIELD_EVERY_BYTES {
            read_since_yield = 0;
            tokio::task::yield_now().await;
        }
    }
}

/// How many bytes a session reads before it lets the other tasks on its thread run.
const YIELD_EVERY_BYTES: usize = 256 * 1024;

/// `PutImage` frames up to this long put their pixels in their run's shared buffer; longer ones
/// get a buffer each (copying them as the shared one grows would cost more than allocating).
const SHARED_IMAGE_BYTES: usize = 16 * 1024;

/// `PutImage` frames at least this long are read past the frame decoder.
const DIRECT_IMAGE_BYTES: usize = 64 * 1024;

/// When the frame the decoder is in the middle of is a large [`Request::PutImage`] whose head
/// is in: the head, a buffer for all of the data holding the part already received (taken out
/// of the decoder), how much of it that is, and the frame's length.
fn big_put_image(
    decoder: &mut FrameDecoder,
) -> Option<(dispd_protocol::request::PutImageHead, Vec<u8>, usize, usize)> {
    let (body_len, prefix) = decoder.partial_frame()?;
    if body_len < DIRECT_IMAGE_BYTES {
        return None;
    }
    let (head, head_len, data_len) = Request::put_image_head(prefix)?;
    if head_len + data_len != body_len {
        // Not a well-formed PutImage: decoded (and refused) as a whole frame.
        return None;
    }
    let mut data = crate::image_buffers::IMAGE_BUFFERS.take(data_len);
    let have = prefix.len() - head_len;
    data[..have].copy_from_slice(&prefix[head_len..]);
    decoder.consume(prefix.len());
    Some((head, data, have, body_len + 4))
}

/// One read into `buf`, within the idle limit: the number of bytes (at least one), or how the
/// connection ended.
async fn timed_read(
    reader: &mut ReadHalf,
    buf: &mut [u8],
    fds: &mut Vec<std::os::fd::OwnedFd>,
    idle: Option<Duration>,
) -> Result<usize, ReadEnd> {
    let read = reader.read_with_fds(buf, fds);
    let read = match idle {
        Some(limit) => match tokio::time::timeout(limit, read).await {
            Ok(r) => r,
            Err(_) => {
                return Err(ReadEnd::Idle(format!(
                    "it sent nothing for {} s",
                    limit.as_secs_f32()
                )))
            }
        },
        None => read.await,
    };
    match read {
        Ok(0) => Err(ReadEnd::Closed),
        Ok(n) => Ok(n),
        Err(e) => {
            tracing::debug!(cause = %e, "read failed");
            Err(ReadEnd::Closed)
        }
    }
}

/// Writes queued messages, many per write, until the core lets go of the mailbox (`None`),
/// the socket fails (`None`), or the client stops reading for `slow` (`Some(reason)`).
async fn write_loop(
    mut writer: WriteHalf,
    inbox: Collector,
    queued: Arc<AtomicUsize>,
    drained: Arc<Notify>,
    slow: Duration,
    mut spin: ReplySpin,
) -> Option<String> {
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut msgs = Vec::new();
    loop {
        if msgs.is_empty() && !inbox.collect(&mut msgs, WRITE_BATCH).await {
            break;
        }
        buf.clear();
        let (mut written, mut used) = (0, 0);
        // A big image's pixels are written from the reply itself, after the frame's head.
        let mut pixels: &[u8] = &[];
        for msg in &msgs {
            if buf.len() >= WRITE_CHUNK {
                break;
            }
            written += weight(msg);
            used += 1;
            pixels = dispd_protocol::encode_frame_head(msg, &mut buf);
            if !pixels.is_empty() {
                break;
            }
        }
        for bytes in [&buf[..], pixels] {
            match tokio::time::timeout(slow, writer.write_all(bytes)).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return None,
                Err(_) => {
                    return Some(format!(
                        "it stopped reading: nothing could be written for {} s",
                        slow.as_secs_f32()
                    ))
                }
            }
        }
        let replied = msgs[..used]
            .iter()
            .any(|m| matches!(m, ServerMessage::Reply { .. }));
        msgs.drain(..used);
        queued.fetch_sub(written.min(queued.load(Ordering::Relaxed)), Ordering::Relaxed);
        drained.notify_waiters();
        if replied && msgs.is_empty() {
            // The client may be about to ask again: see `reply_spin`.
            spin.after_reply(writer.fd(), || !inbox.is_empty()).await;
        }
        if buf.capacity() > 4 * WRITE_CHUNK {
            // One huge reply should not keep its buffer for the connection's life.
            buf = Vec::with_capacity(64 * 1024);
        }
    }
    let _ = writer.shutdown().await;
    None
}
