//! The task that owns the [`ServerCore`]: requests from sessions and input from the backend
//! in, messages to clients out. It never waits on a client.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;

use dispd_protocol::{ClientId, IdRange, Request, ServerMessage, Size};
// Client ids are small integers the server hands out, looked up for every request.
use rustc_hash::FxHashMap as HashMap;
use tokio::sync::{mpsc, oneshot};

use crate::auth::Peer;
use crate::backend::BackendEvent;
use crate::core::ServerCore;
use crate::outbox::Outbox;
use crate::shutdown::Shutdown;

/// Messages the core task takes from sessions before it flushes to the backend and clients.
const CORE_BATCH: usize = 64;
/// How often backlogs of slow clients are retried.
const PUMP_INTERVAL: Duration = Duration::from_millis(20);

/// What a client gets when it is let in.
pub(crate) type Welcome = (ClientId, IdRange, Size);

/// What sessions tell the core task.
#[derive(Debug)]
pub(crate) enum CoreMsg {
    /// A client finished its hello and wants in.
    Connect {
        peer: Peer,
        trusted: bool,
        outbox: crate::mailbox::Poster,
        queued_bytes: Arc<AtomicUsize>,
        applied: Arc<crate::applied::Applied>,
        reply: oneshot::Sender<Result<Welcome, String>>,
    },
    /// Requests in order; the first has sequence number `first_seq`. `fds` came with their
    /// bytes (over a Unix socket), for the client's `AttachShm`s.
    Requests {
        client: ClientId,
        first_seq: u32,
        requests: Vec<Request>,
        fds: Vec<std::os::fd::OwnedFd>,
    },
    /// The client is gone, or must go for `reason`.
    Disconnect {
        client: ClientId,
        reason: Option<String>,
    },
}

/// Runs the core until shutdown or until every sender is gone.
pub(crate) async fn run(
    mut core: ServerCore,
    mut rx: mpsc::Receiver<CoreMsg>,
    mut backend_events: Option<mpsc::UnboundedReceiver<BackendEvent>>,
    mut shutdown: Shutdown,
) {
    let mut outboxes: HashMap<ClientId, Outbox> = HashMap::default();
    let mut pending: Pending = HashMap::default();
    // Display refreshes pace frame callbacks; the timer only runs while someone waits for one.
    let mut refresh = tokio::time::interval(core.refresh_interval());
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut pump = tokio::time::interval(PUMP_INTERVAL);
    pump.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let backlog = outboxes.values().any(Outbox::has_backlog) || !pending.is_empty();
        tokio::select! {
            biased;
            _ = shutdown.recv() => break,
            _ = refresh.tick(), if core.wants_frames() => core.handle_refresh(),
            _ = pump.tick(), if backlog => {
                outboxes.values_mut().for_each(Outbox::pump);
                let waiting: Vec<ClientId> = pending.keys().copied().collect();
                for client in waiting {
                    serve(&mut core, &mut outboxes, &mut pending, client);
                }
            }
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                handle_msg(&mut core, &mut outboxes, &mut pending, msg);
                for _ in 1..CORE_BATCH {
                    match rx.try_recv() {
                        Ok(msg) => handle_msg(&mut core, &mut outboxes, &mut pending, msg),
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
        for (client, reason) in core.take_kicked() {
            pending.remove(&client);
            drop_client(&mut core, &mut outboxes, client, Some(reason));
        }
    }
    for (_, mut outbox) in outboxes.drain() {
        let _ = outbox.send(ServerMessage::Goodbye {
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

/// Requests read but not applied yet, per client: they wait while the client has more output
/// queued than it reads ([`Outbox::over_budget`]).
type Pending = HashMap<ClientId, Waiting>;

/// A client's requests read but not applied yet.
struct Waiting {
    /// The sequence number of the first.
    first_seq: u32,
    requests: VecDeque<Request>,
}

fn handle_msg(
    core: &mut ServerCore,
    outboxes: &mut HashMap<ClientId, Outbox>,
    pending: &mut Pending,
    msg: CoreMsg,
) {
    match msg {
        CoreMsg::Connect {
            peer,
            trusted,
            outbox,
            queued_bytes,
            applied,
            reply,
        } => {
            let screen = core.scene().screen();
            let result = core.connect(peer, trusted).map(|(id, ids)| (id, ids, screen));
            if let Ok((id, ..)) = &result {
                outboxes.insert(*id, Outbox::new(outbox, queued_bytes, applied));
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
            fds,
        } => {
            core.receive_fds(client, fds);
            match pending.get_mut(&client) {
                // Earlier requests still wait: these wait behind them.
                Some(waiting) => waiting.requests.extend(requests),
                None => {
                    let requests = VecDeque::from(requests); // no copy
                    pending.insert(client, Waiting { first_seq, requests });
                }
            }
            serve(core, outboxes, pending, client);
        }
        CoreMsg::Disconnect { client, reason } => {
            // What was read before the end is applied (as far as the output budget allows).
            serve(core, outboxes, pending, client);
            pending.remove(&client);
            drop_client(core, outboxes, client, reason);
        }
    }
}

/// Applies a client's pending requests in order, until its output is over budget.
fn serve(
    core: &mut ServerCore,
    outboxes: &mut HashMap<ClientId, Outbox>,
    pending: &mut Pending,
    client: ClientId,
) {
    let Some(waiting) = pending.get_mut(&client) else {
        return;
    };
    let first = waiting.first_seq;
    while let Some(request) = waiting.requests.pop_front() {
        let seq = waiting.first_seq;
        if let Some(outbox) = outboxes.get(&client) {
            if outbox.over_budget() {
                waiting.requests.push_front(request);
                if seq != first {
                    outbox.note_applied(seq.wrapping_sub(1));
                }
                return;
            }
        }
        waiting.first_seq = seq.wrapping_add(1);
        let name = request.name();
        let replies = request.expects_reply();
        // A bug in one request's handling costs that client its connection, not the server
        // its life.
        let applied =
            std::panic::catch_unwind(AssertUnwindSafe(|| core.handle_request(client, seq, request)));
        if applied.is_err() {
            tracing::error!(client_id = %client, seq, request = name, "internal error handling a request; disconnecting the client");
            let reason = format!("internal server error handling request #{seq} ({name})");
            pending.remove(&client);
            drop_client(core, outboxes, client, Some(reason));
            return;
        }
        if replies {
            // Replies count against the budget as soon as they exist.
            dispatch(core, outboxes);
        }
    }
    if let (Some(waiting), Some(outbox)) = (pending.remove(&client), outboxes.get(&client)) {
        outbox.note_applied(waiting.first_seq.wrapping_sub(1));
    }
}

/// Forgets a client: replies queued before go out first, then the goodbye with `reason`.
fn drop_client(
    core: &mut ServerCore,
    outboxes: &mut HashMap<ClientId, Outbox>,
    client: ClientId,
    reason: Option<String>,
) {
    dispatch(core, outboxes);
    core.disconnect(client);
    if let Some(mut outbox) = outboxes.remove(&client) {
        if let Some(reason) = reason {
            let _ = outbox.send(ServerMessage::Goodbye { reason });
        }
    }
}

/// Hands queued messages to the sessions. A client that has stopped reading is disconnected
/// rather than allowed to hold up the server.
fn dispatch(core: &mut ServerCore, outboxes: &mut HashMap<ClientId, Outbox>) {
    let mut slow = Vec::new();
    for (client, msg) in core.take_output() {
        let Some(outbox) = outboxes.get_mut(&client) else {
            continue;
        };
        if let Err(reason) = outbox.send(msg) {
            slow.push((client, reason));
        }
    }
    outboxes.values_mut().for_each(Outbox::flush);
    for (client, reason) in slow {
        if outboxes.remove(&client).is_some() {
            tracing::warn!(client_id = %client, %reason, "disconnecting a slow client");
            core.disconnect(client);
        }
    }
}
