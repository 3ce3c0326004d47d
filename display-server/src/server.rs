//! `run`: listeners in, a running server out, until the shutdown future resolves.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use dispd_protocol::{ClientId, IdRange, Request, ServerMessage, Size};
use tokio::sync::{mpsc, oneshot, Semaphore};
use tracing::Instrument;

use crate::backend::{Backend, BackendEvent};
use crate::config::Config;
use crate::core::ServerCore;
use crate::net::Listener;
use crate::session;
use crate::shutdown::{Coordinator, Shutdown};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A socket could not be bound.
    #[error("cannot listen on {what}: {source}{}", if hint.is_empty() { String::new() } else { format!(" ({hint})") })]
    Bind {
        /// Which socket.
        what: String,
        /// What the user can do about it.
        hint: String,
        /// The system's error.
        source: io::Error,
    },
    /// Another dispd already serves this display.
    #[error("display :{display} is already in use by a running dispd (socket {}); stop it or pick another number, e.g. dispd :{}", path.display(), display.saturating_add(1))]
    DisplayInUse {
        /// The display number.
        display: u16,
        /// Its socket.
        path: PathBuf,
    },
    /// Nothing to listen on.
    #[error("no listener given: listen on at least one of unix, tcp")]
    NoListener,
}

/// What sessions tell the core task.
#[derive(Debug)]
pub(crate) enum CoreMsg {
    /// A client finished its hello and wants in.
    Connect {
        peer: String,
        outbox: mpsc::Sender<ServerMessage>,
        reply: oneshot::Sender<Result<(ClientId, IdRange, Size), String>>,
    },
    /// Requests in order; the first has sequence number `first_seq`.
    Requests {
        client: ClientId,
        first_seq: u32,
        requests: Vec<Request>,
    },
    /// The client is gone, or must go for `reason`.
    Disconnect {
        client: ClientId,
        reason: Option<String>,
    },
}

/// Messages the core task takes from sessions before it flushes to the backend and clients.
const CORE_BATCH: usize = 64;

/// Runs a server on already-bound `listeners`, showing its screen on `backend`, until
/// `shutdown` resolves. Then every client is told the server is going away, sockets are
/// closed and Unix socket files removed.
///
/// `backend_events` carries input and window-manager actions from the backend, if it has any.
pub async fn run(
    listeners: Vec<Listener>,
    backend: Box<dyn Backend>,
    backend_events: Option<mpsc::UnboundedReceiver<BackendEvent>>,
    config: Config,
    shutdown: impl Future,
) -> Result<(), ServerError> {
    if listeners.is_empty() {
        return Err(ServerError::NoListener);
    }
    let coordinator = Coordinator::new();
    let (core_tx, core_rx) = mpsc::channel(1024);
    let config = Arc::new(config);
    let core = ServerCore::new((*config).clone(), backend);
    let core_task = tokio::spawn(core_loop(core, core_rx, backend_events, coordinator.handle()));
    // Connections being handshaken or served; beyond this, new ones are closed at once.
    let connections = Arc::new(Semaphore::new(config.max_clients + 64));
    for listener in listeners {
        tracing::info!(address = %listener.address(), "listening");
        let ctx = AcceptCtx {
            core_tx: core_tx.clone(),
            config: config.clone(),
            connections: connections.clone(),
        };
        tokio::spawn(accept_loop(listener, ctx, coordinator.handle()));
    }
    drop(core_tx);
    shutdown.await;
    tracing::info!("shutting down");
    // Give clients a moment to receive their goodbye, then stop waiting.
    if tokio::time::timeout(Duration::from_secs(3), coordinator.stop_and_wait())
        .await
        .is_err()
    {
        tracing::warn!("some connections did not close within 3 s");
    }
    core_task.abort();
    Ok(())
}

/// What every session of one listener shares.
#[derive(Clone, Debug)]
pub(crate) struct AcceptCtx {
    pub(crate) core_tx: mpsc::Sender<CoreMsg>,
    pub(crate) config: Arc<Config>,
    connections: Arc<Semaphore>,
}

async fn accept_loop(listener: Listener, ctx: AcceptCtx, mut shutdown: Shutdown) {
    let mut backoff = Duration::from_millis(10);
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.recv() => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => {
                backoff = Duration::from_millis(10);
                a
            }
            Err(e) => {
                // Out of file descriptors and the like: wait and try again.
                tracing::warn!(cause = %e, "accept failed; retrying in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        let Ok(permit) = ctx.connections.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "too many connections; closing the new one");
            continue;
        };
        let span = tracing::info_span!("client", %peer, client_id = tracing::field::Empty);
        let session_ctx = ctx.clone();
        let handle = shutdown.child();
        tokio::spawn(
            async move {
                session::serve(stream, peer, session_ctx, handle).await;
                drop(permit);
            }
            .instrument(span),
        );
    }
}

async fn core_loop(
    mut core: ServerCore,
    mut rx: mpsc::Receiver<CoreMsg>,
    mut backend_events: Option<mpsc::UnboundedReceiver<BackendEvent>>,
    mut shutdown: Shutdown,
) {
    let mut outboxes: HashMap<ClientId, mpsc::Sender<ServerMessage>> = HashMap::new();
    // Display refreshes pace frame callbacks; the timer only runs while someone waits for one.
    let mut refresh = tokio::time::interval(core.refresh_interval());
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            biased;
            _ = shutdown.recv() => break,
            _ = refresh.tick(), if core.wants_frames() => core.handle_refresh(),
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                handle_msg(&mut core, &mut outboxes, msg);
                for _ in 1..CORE_BATCH {
                    match rx.try_recv() {
                        Ok(msg) => handle_msg(&mut core, &mut outboxes, msg),
                        Err(_) => break,
                    }
                }
            }
            ev = next_backend_event(&mut backend_events) => match ev {
                Some(ev) => core.handle_backend_event(ev),
                None => backend_events = None,
            },
        }
        core.flush();
        dispatch(&mut core, &mut outboxes);
    }
    for (_, outbox) in outboxes.drain() {
        let _ = outbox.try_send(ServerMessage::Goodbye {
            reason: "the server is shutting down".into(),
        });
    }
}

async fn next_backend_event(rx: &mut Option<mpsc::UnboundedReceiver<BackendEvent>>) -> Option<BackendEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn handle_msg(
    core: &mut ServerCore,
    outboxes: &mut HashMap<ClientId, mpsc::Sender<ServerMessage>>,
    msg: CoreMsg,
) {
    match msg {
        CoreMsg::Connect { peer, outbox, reply } => {
            let screen = core.scene().screen();
            let result = core.connect(peer).map(|(id, ids)| (id, ids, screen));
            if let Ok((id, ..)) = &result {
                outboxes.insert(*id, outbox);
            }
            if reply.send(result.clone()).is_err() {
                // The session gave up waiting; forget the client again.
                if let Ok((id, ..)) = result {
                    core.disconnect(id);
                    outboxes.remove(&id);
                }
            }
        }
        CoreMsg::Requests {
            client,
            first_seq,
            requests,
        } => {
            let mut seq = first_seq;
            for request in requests {
                core.handle_request(client, seq, request);
                seq = seq.wrapping_add(1);
            }
        }
        CoreMsg::Disconnect { client, reason } => {
            // Replies to the requests before the end go out first, then the goodbye.
            dispatch(core, outboxes);
            core.disconnect(client);
            if let Some(outbox) = outboxes.remove(&client) {
                if let Some(reason) = reason {
                    let _ = outbox.try_send(ServerMessage::Goodbye { reason });
                }
            }
        }
    }
}

/// Hands queued messages to the sessions' writers. A client whose queue is full is not reading:
/// it is disconnected rather than allowed to hold up the server.
fn dispatch(core: &mut ServerCore, outboxes: &mut HashMap<ClientId, mpsc::Sender<ServerMessage>>) {
    let mut slow = Vec::new();
    for (client, msg) in core.take_output() {
        let Some(outbox) = outboxes.get(&client) else {
            continue;
        };
        if let Err(mpsc::error::TrySendError::Full(_)) = outbox.try_send(msg) {
            slow.push(client);
        }
    }
    for client in slow {
        if outboxes.remove(&client).is_some() {
            tracing::warn!(client_id = %client, "client stopped reading its messages; disconnecting it");
            core.disconnect(client);
        }
    }
}
