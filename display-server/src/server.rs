//! `run`: listeners in, a running server out, until the shutdown future resolves.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Semaphore};
use tracing::Instrument;

use crate::auth::{Peer, ReplayCache};
use crate::backend::{Backend, BackendEvent};
use crate::config::Config;
use crate::core::ServerCore;
use crate::core_task::{self, CoreMsg};
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
    let mut core = ServerCore::new((*config).clone(), backend);
    core.set_listening(listeners.iter().map(Listener::address).collect());
    let core_task = tokio::spawn(core_task::run(
        core,
        core_rx,
        backend_events,
        coordinator.handle(),
    ));

    let replays = Arc::new(std::sync::Mutex::new(ReplayCache::default()));

    for listener in listeners {
        tracing::info!(address = %listener.address(), "listening");
        // Connections being handshaken or served, per listener (so that strangers on TCP cannot
        // use up the slots of the owner's Unix socket); beyond this, new ones are closed at once.
        let connections = Arc::new(Semaphore::new(config.max_clients + 64));
        let ctx = AcceptCtx {
            core_tx: core_tx.clone(),
            config: config.clone(),
            connections,
            replays: replays.clone(),
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
    /// Nonces of auth proofs seen, shared by all sessions (locked only briefly, never across
    /// an await).
    pub(crate) replays: Arc<std::sync::Mutex<ReplayCache>>,
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
        if let Peer::Tcp(addr) = peer {
            if !ctx.config.auth.host_allowed(addr.ip()) {
                // Refused at once, taking no connection slot; the client still gets the reason.
                tracing::info!(%peer, "refusing a host outside --allow");
                let reason = format!(
                    "host {} is not allowed to connect (the server's --allow list)",
                    addr.ip()
                );
                tokio::spawn(session::refuse_early(stream, reason));
                continue;
            }
        }
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
