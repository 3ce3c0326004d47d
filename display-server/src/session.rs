//! One task per client: handshake, then requests in and messages out until either side stops.

use std::time::Duration;

use dispd_protocol::handshake::{ClientHello, ServerAnswer, Setup};
use dispd_protocol::{ClientId, FrameDecoder, Request, ServerMessage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

use crate::net::{ReadHalf, Stream, WriteHalf};
use crate::server::{AcceptCtx, CoreMsg};
use crate::shutdown::Shutdown;

/// Longest a hello can be: magic, versions, name and data at their limits.
const MAX_HELLO: usize = 8 + 4 + 1 + 64 + 2 + 1024;
/// How long a disconnected client's writer may take to deliver its goodbye.
const GOODBYE_TIMEOUT: Duration = Duration::from_secs(1);
/// Bytes gathered from queued messages before they are written in one go.
const WRITE_CHUNK: usize = 256 * 1024;

/// Serves one connection to the end. Never panics on the peer's bytes; every way out is logged.
pub(crate) async fn serve(stream: Stream, peer: String, ctx: AcceptCtx, mut shutdown: Shutdown) {
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
    let (outbox, inbox) = mpsc::channel(ctx.config.max_queued_messages.max(1));
    let (reply_tx, reply_rx) = oneshot::channel();
    let connect = CoreMsg::Connect {
        peer: peer.clone(),
        outbox,
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
        let _ = ctx
            .core_tx
            .send(CoreMsg::Disconnect { client, reason: None })
            .await;
        return;
    }
    tracing::info!(version, "connected");

    let mut decoder = FrameDecoder::new(ctx.config.max_frame_len);
    decoder.push(&leftover);
    let write = write_loop(writer, inbox);
    tokio::pin!(write);
    let reason = tokio::select! {
        r = read_loop(&mut reader, &mut decoder, client, &ctx) => r,
        _ = &mut write => {
            // The core dropped us (shutdown, too slow) or the socket broke.
            let _ = ctx.core_tx.send(CoreMsg::Disconnect { client, reason: None }).await;
            tracing::info!("disconnected by the server");
            return;
        }
    };
    match &reason {
        Some(r) => tracing::warn!(reason = %r, "disconnecting a client that sent bad data"),
        None => tracing::info!("client closed the connection"),
    }
    let _ = ctx.core_tx.send(CoreMsg::Disconnect { client, reason }).await;
    let _ = tokio::time::timeout(GOODBYE_TIMEOUT, write).await;
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

async fn refuse(writer: &mut WriteHalf, reason: &str) {
    let answer = ServerAnswer::Refused {
        version: dispd_protocol::PROTOCOL_VERSION,
        reason: reason.into(),
    };
    let _ = writer.write_all(&answer.encode()).await;
    let _ = writer.shutdown().await;
}

/// Reads frames and hands them to the core in runs. Returns `None` when the client closed the
/// connection, or the reason to drop it.
async fn read_loop(
    reader: &mut ReadHalf,
    decoder: &mut FrameDecoder,
    client: ClientId,
    ctx: &AcceptCtx,
) -> Option<String> {
    let mut seq: u32 = 0;
    loop {
        let mut requests: Vec<Request> = Vec::new();
        let first_seq = seq.wrapping_add(1);
        let mut failure = None;
        loop {
            match decoder.next_frame() {
                Ok(Some(body)) => match dispd_protocol::decode::<Request>(body) {
                    Ok(r) => {
                        seq = seq.wrapping_add(1);
                        requests.push(r);
                    }
                    Err(e) => {
                        failure = Some(format!("request #{} does not decode: {e}", seq.wrapping_add(1)));
                        break;
                    }
                },
                Ok(None) => break,
                Err(e) => {
                    failure = Some(e.to_string());
                    break;
                }
            }
        }
        if !requests.is_empty() {
            let msg = CoreMsg::Requests {
                client,
                first_seq,
                requests,
            };
            if ctx.core_tx.send(msg).await.is_err() {
                return None;
            }
        }
        if failure.is_some() {
            return failure;
        }
        match reader.read(decoder.read_buf()).await {
            Ok(0) => return None,
            Ok(n) => decoder.advance(n),
            Err(e) => {
                tracing::debug!(cause = %e, "read failed");
                return None;
            }
        }
    }
}

/// Writes queued messages, many per write, until the core closes the queue or the socket fails.
async fn write_loop(mut writer: WriteHalf, mut inbox: mpsc::Receiver<ServerMessage>) {
    let mut buf = Vec::with_capacity(64 * 1024);
    while let Some(msg) = inbox.recv().await {
        buf.clear();
        dispd_protocol::encode_frame(&msg, &mut buf);
        while buf.len() < WRITE_CHUNK {
            match inbox.try_recv() {
                Ok(msg) => dispd_protocol::encode_frame(&msg, &mut buf),
                Err(_) => break,
            }
        }
        if writer.write_all(&buf).await.is_err() {
            return;
        }
    }
    let _ = writer.shutdown().await;
}
