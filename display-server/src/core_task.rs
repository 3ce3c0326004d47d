//! The task that owns the [`ServerCore`]: requests from sessions and input from the backend
//! in, messages to clients out. It never waits on a client.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dispd_protocol::request::PutImageHead;
use dispd_protocol::{ClientId, IdRange, Request, ServerMessage, Size};
// Client ids are small integers the server hands out, looked up for every request.
use rustc_hash::FxHashMap as HashMap;
use tokio::sync::{mpsc, oneshot};

use crate::auth::Peer;
use crate::backend::BackendEvent;
use crate::core::ServerCore;
use crate::outbox::Outbox;
use crate::shutdown::Shutdown;

/// Messages the core task takes from sessions at a time, into the clients' queues (applying
/// none of them yet).
const CORE_BATCH: usize = 1024;
/// How long the core applies one client's requests in a turn while others may be waiting: a
/// client that sends work faster than it is applied cannot hold up the others' requests (a
/// round trip, a key's echo) for longer than a turn each, as X's scheduler gives each client a
/// slice of time. Checked every [`CHECK_EVERY`] requests.
const TURN: Duration = Duration::from_millis(1);
/// Requests applied between two looks at the clock.
const CHECK_EVERY: u32 = 8;
/// How often backlogs of slow clients are retried.
const PUMP_INTERVAL: Duration = Duration::from_millis(20);

/// What a client gets when it is let in.
pub(crate) type Welcome = (ClientId, IdRange, Size);

/// A request as a session hands it to the core.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// Decoded.
    Request(Request),
    /// A small `PutImage` whose pixels are bytes `pixels` of the [`CoreMsg::Requests`]' buffer
    /// `pixels`: a run's small images share one buffer, instead of one allocation each (made
    /// on the session's thread and freed on the core's, which glibc's per-thread caches do not
    /// serve).
    PutImage {
        /// Everything but the pixels.
        head: PutImageHead,
        /// Where its pixels are.
        pixels: std::ops::Range<usize>,
    },
    /// This many sequence numbers the session counted without handing anything over (no-ops)
    /// between two runs that wait one behind the other. Only the core task queues it.
    Skip(u32),
}

impl Incoming {
    /// The request's name, for logs.
    fn name(&self) -> &'static str {
        match self {
            Incoming::Request(r) => r.name(),
            Incoming::PutImage { .. } => "PutImage",
            Incoming::Skip(_) => "NoOperation",
        }
    }

    /// Whether it is answered.
    fn expects_reply(&self) -> bool {
        matches!(self, Incoming::Request(r) if r.expects_reply())
    }
}

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
    /// Requests in order; the first has sequence number `first_seq`. `pixels` holds the
    /// pixels of its [`Incoming::PutImage`]s. `fds` came with their bytes (over a Unix socket),
    /// for the client's `AttachShm`s.
    Requests {
        client: ClientId,
        first_seq: u32,
        requests: Vec<Incoming>,
        pixels: Vec<u8>,
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
    let mut turns = Turns::default();
    loop {
        let backlog = outboxes.values().any(Outbox::has_backlog) || !pending.is_empty();
        tokio::select! {
            biased;
            _ = shutdown.recv() => break,
            _ = refresh.tick(), if core.wants_frames() => core.handle_refresh(),
            _ = pump.tick(), if backlog => outboxes.values_mut().for_each(Outbox::pump),
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
            // New messages and input first (above), then the next turn, after the runtime has
            // run the tasks waiting behind this one (sessions with a reply to write or requests
            // to read, woken on this thread).
            () = tokio::task::yield_now(), if turns.ready() => {}
        }
        turns.take(&mut core, &mut outboxes, &mut pending, TURN);
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

/// Requests in order, kept in the runs they came in: a run joins the queue without being copied
/// (appended to one long queue, every request waiting for its turn was copied once more).
#[derive(Debug, Default)]
struct Runs {
    runs: VecDeque<std::vec::IntoIter<Incoming>>,
    /// How many requests are in `runs`.
    len: usize,
}

impl Runs {
    /// Appends a run.
    fn push_run(&mut self, run: Vec<Incoming>) {
        if !run.is_empty() {
            self.len += run.len();
            self.runs.push_back(run.into_iter());
        }
    }

    /// Takes the first request.
    fn pop_front(&mut self) -> Option<Incoming> {
        loop {
            let run = self.runs.front_mut()?;
            if let Some(request) = run.next() {
                self.len -= 1;
                return Some(request);
            }
            self.runs.pop_front();
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A client's requests read but not applied yet.
struct Waiting {
    /// The sequence number of the first.
    first_seq: u32,
    /// The sequence number after the last.
    next_seq: u32,
    requests: Runs,
    /// The pixel buffers of the runs whose [`Incoming::PutImage`]s wait, oldest first, each with
    /// how many of them are left: a buffer goes as soon as its last image is drawn.
    pixels: VecDeque<(Vec<u8>, usize)>,
    /// Set when the client is gone: it is dropped, with this reason, once the rest is applied.
    closing: Option<Option<String>>,
}

impl Waiting {
    /// Queues a run's requests, the first numbered `first_seq`, and its pixel buffer if any of
    /// them uses it.
    fn push_run(&mut self, first_seq: u32, requests: Vec<Incoming>, pixels: Vec<u8>) {
        if self.requests.is_empty() {
            self.first_seq = first_seq;
        } else if first_seq != self.next_seq {
            // No-ops came between the runs: their numbers are skipped, not reused.
            let skip = Incoming::Skip(first_seq.wrapping_sub(self.next_seq));
            self.requests.push_run(vec![skip]);
        }
        self.next_seq = first_seq.wrapping_add(requests.len() as u32);
        let images = requests
            .iter()
            .filter(|r| matches!(r, Incoming::PutImage { .. }))
            .count();
        if images > 0 {
            self.pixels.push_back((pixels, images));
        }
        self.requests.push_run(requests);
    }

    /// The pixels of the next [`Incoming::PutImage`], at `range` of the oldest buffer.
    fn image_pixels(&self, range: std::ops::Range<usize>) -> &[u8] {
        self.pixels
            .front()
            .and_then(|(buf, _)| buf.get(range))
            .unwrap_or_default()
    }

    /// One image of the oldest buffer is drawn: the buffer goes with its last.
    fn image_done(&mut self) {
        if let Some((_, left)) = self.pixels.front_mut() {
            *left -= 1;
            if *left == 0 {
                let _ = self.pixels.pop_front();
            }
        }
    }
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
            pixels,
            fds,
        } => {
            core.receive_fds(client, fds);
            // Behind any earlier requests that still wait.
            pending
                .entry(client)
                .or_insert_with(|| Waiting {
                    first_seq,
                    next_seq: first_seq,
                    requests: Runs::default(),
                    pixels: VecDeque::new(),
                    closing: None,
                })
                .push_run(first_seq, requests, pixels);
        }
        CoreMsg::Disconnect { client, reason } => match pending.get_mut(&client) {
            // What was read before the end is applied first, in turns like any client's
            // requests, then the client goes ([`serve`]).
            Some(waiting) => waiting.closing = Some(reason),
            None => drop_client(core, outboxes, client, reason),
        },
    }
}

/// Whose turn it is to have requests applied: each client with requests waiting gets one turn
/// per round, those with the fewest waiting first (a client that asks and waits goes before one
/// that floods, as X's scheduler favours clients that use little of their time). The core takes
/// one turn per pass of its loop, so that a reply made in a turn is written (by a session on the
/// core's thread) before the next turn.
#[derive(Debug, Default)]
struct Turns {
    /// The clients still to have a turn this round.
    round: VecDeque<ClientId>,
    /// Whether the last turn ended with requests left that the client may apply now.
    cut_short: bool,
}

impl Turns {
    /// Whether another turn can be taken at once.
    fn ready(&self) -> bool {
        self.cut_short || !self.round.is_empty()
    }

    /// Gives the next client its turn of about `turn` (starting a round if none is under way).
    fn take(
        &mut self,
        core: &mut ServerCore,
        outboxes: &mut HashMap<ClientId, Outbox>,
        pending: &mut Pending,
        turn: Duration,
    ) {
        if self.round.is_empty() {
            let mut next: Vec<(usize, ClientId)> = pending
                .iter()
                .map(|(client, waiting)| (waiting.requests.len(), *client))
                .collect();
            next.sort_unstable_by_key(|&(waiting, client)| (waiting, client.0));
            self.round.extend(next.into_iter().map(|(_, client)| client));
        }
        self.cut_short = false;
        while let Some(client) = self.round.pop_front() {
            if pending.contains_key(&client) {
                let until = Instant::now() + turn;
                self.cut_short = serve(core, outboxes, pending, client, Some(until)) == Served::TurnOver;
                return;
            }
        }
    }
}

/// How [`serve`] stopped.
#[derive(Debug, PartialEq, Eq)]
enum Served {
    /// Nothing waits any more (or the client is gone).
    All,
    /// The client's output is over budget: the rest waits until it reads.
    OverBudget,
    /// The turn is over: the rest waits for the next.
    TurnOver,
}

/// Applies a client's pending requests in order, until its output is over budget or, given
/// `until`, the clock passes it (looked at every [`CHECK_EVERY`] requests).
fn serve(
    core: &mut ServerCore,
    outboxes: &mut HashMap<ClientId, Outbox>,
    pending: &mut Pending,
    client: ClientId,
    until: Option<Instant>,
) -> Served {
    let Some(waiting) = pending.get_mut(&client) else {
        return Served::All;
    };
    let first = waiting.first_seq;
    let mut count: u32 = 0;
    // Only this loop's dispatches add to the client's output (its session can only take some
    // away): the budget is looked at again after each.
    let over_budget =
        |outboxes: &HashMap<ClientId, Outbox>| outboxes.get(&client).is_some_and(Outbox::over_budget);
    let mut over = over_budget(outboxes);
    while !waiting.requests.is_empty() {
        let seq = waiting.first_seq;
        let turn_over =
            || count > 0 && count % CHECK_EVERY == 0 && until.is_some_and(|t| Instant::now() >= t);
        let stop = if over {
            Some(Served::OverBudget)
        } else if turn_over() {
            Some(Served::TurnOver)
        } else {
            None
        };
        if let Some(stop) = stop {
            if let (true, Some(outbox)) = (seq != first, outboxes.get(&client)) {
                outbox.note_applied(seq.wrapping_sub(1));
            }
            return stop;
        }
        let Some(request) = waiting.requests.pop_front() else {
            break;
        };
        count += 1;
        waiting.first_seq = seq.wrapping_add(1);
        let name = request.name();
        let replies = request.expects_reply();
        // A bug in one request's handling costs that client its connection, not the server
        // its life.
        let applied = match request {
            Incoming::Request(request) => {
                std::panic::catch_unwind(AssertUnwindSafe(|| core.handle_request(client, seq, request)))
            }
            Incoming::PutImage { head, pixels } => {
                let data = waiting.image_pixels(pixels);
                let applied = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    core.handle_put_image(client, seq, head, data)
                }));
                waiting.image_done();
                applied
            }
            Incoming::Skip(n) => {
                waiting.first_seq = seq.wrapping_add(n);
                continue;
            }
        };
        if applied.is_err() {
            tracing::error!(client_id = %client, seq, request = name, "internal error handling a request; disconnecting the client");
            let reason = format!("internal server error handling request #{seq} ({name})");
            pending.remove(&client);
            drop_client(core, outboxes, client, Some(reason));
            return Served::All;
        }
        if replies {
            // Replies count against the budget as soon as they exist.
            dispatch(core, outboxes);
            over = over_budget(outboxes);
        }
    }
    if let Some(waiting) = pending.remove(&client) {
        if let Some(outbox) = outboxes.get(&client) {
            outbox.note_applied(waiting.first_seq.wrapping_sub(1));
        }
        if let Some(reason) = waiting.closing {
            drop_client(core, outboxes, client, reason);
        }
    }
    Served::All
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
    // Buffers kept for large images go when a client goes, so that they do not stay held
    // after a burst for the server's life.
    crate::image_buffers::IMAGE_BUFFERS.clear();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::headless::Headless;
    use crate::config::Config;
    use crate::outbox::MAX_QUEUED_BYTES;
    use dispd_protocol::request::ImageSource;
    use dispd_protocol::{Color, Compression, DrawOp, ErrorCode, PixelFormat, Rect, Reply, WindowId};
    use std::sync::atomic::Ordering;

    /// A core on a 64x64 headless screen with two clients, their outboxes, the other ends of
    /// their mailboxes, and each one's id and first window id.
    type TwoClients = (
        ServerCore,
        HashMap<ClientId, Outbox>,
        Vec<crate::mailbox::Collector>,
        [(ClientId, WindowId); 2],
    );

    /// [`TwoClients`], connected.
    fn two_clients() -> TwoClients {
        let mut core = ServerCore::new(Config::default(), Box::new(Headless::new(Size::new(64, 64))));
        let mut outboxes = HashMap::default();
        let mut collectors = Vec::new();
        let clients = [(); 2].map(|()| {
            let (client, ids) = core
                .connect(Peer::Unix { uid: None, pid: None }, true)
                .expect("connect");
            let (poster, collector) = crate::mailbox::mailbox(1024);
            outboxes.insert(client, Outbox::new(poster, Arc::default(), Arc::default()));
            collectors.push(collector);
            (client, WindowId(ids.base))
        });
        (core, outboxes, collectors, clients)
    }

    /// A client whose requests keep the core busy gets a turn at a time, and one with fewer
    /// requests waiting goes first: another client's request is applied after at most the busy
    /// one's turn, not after everything it has queued (once, a second client's round trip
    /// waited up to 0.77 s behind `-scroll100`). With a turn of zero, each turn is
    /// [`CHECK_EVERY`] requests; the busy client's requests are all applied, in order, over the
    /// following turns.
    #[tokio::test]
    async fn a_busy_client_cannot_hold_up_another_for_more_than_a_turn() {
        let (mut core, mut outboxes, collectors, [(busy, win), (other, _)]) = two_clients();
        core.handle_request(
            busy,
            1,
            Request::CreateWindow {
                window: win,
                rect: Rect::new(0, 0, 64, 1),
                background: Color::WHITE,
            },
        );
        // 64 one-pixel fills, one request each, the k-th at x = k in grey k.
        let fills: Vec<Incoming> = (0..64u8)
            .map(|k| {
                Incoming::Request(Request::Draw {
                    target: win.into(),
                    ops: vec![
                        DrawOp::SetColor(Color::rgb(k, k, k)),
                        DrawOp::FillRect(Rect::new(i32::from(k), 0, 1, 1)),
                    ]
                    .into(),
                })
            })
            .collect();
        let mut pending = Pending::default();
        for (client, requests) in [(busy, fills), (other, vec![Incoming::Request(Request::Sync)])] {
            let msg = CoreMsg::Requests {
                client,
                first_seq: 2,
                requests,
                pixels: Vec::new(),
                fds: Vec::new(),
            };
            handle_msg(&mut core, &mut outboxes, &mut pending, msg);
        }
        assert_eq!(pending[&busy].requests.len(), 64, "nothing applied on arrival");
        let mut turns = Turns::default();
        // The client with less waiting goes first.
        turns.take(&mut core, &mut outboxes, &mut pending, Duration::ZERO);
        dispatch(&mut core, &mut outboxes);
        assert!(
            !pending.contains_key(&other),
            "the other client's request is applied"
        );
        assert_eq!(pending[&busy].requests.len(), 64);
        let mut got = Vec::new();
        assert!(!collectors[1].is_empty(), "the reply is out");
        collectors[1].collect(&mut got, 10).await;
        assert!(
            matches!(
                got[..],
                [ServerMessage::Reply {
                    seq: 2,
                    reply: Reply::Sync
                }]
            ),
            "{got:?}"
        );
        // Then the busy one, a turn at a time, until its last turn leaves nothing.
        let mut taken = 0;
        while turns.ready() {
            turns.take(&mut core, &mut outboxes, &mut pending, Duration::ZERO);
            taken += 1;
            let left = pending.get(&busy).map_or(0, |w| w.requests.len());
            assert_eq!(left, 64 - taken * CHECK_EVERY as usize, "turn {taken}");
        }
        assert_eq!(taken, 64 / CHECK_EVERY as usize);
        assert!(pending.is_empty());
        core.handle_request(
            busy,
            66,
            Request::GetImage {
                source: ImageSource::Drawable(win.into()),
                rect: Rect::new(0, 0, 64, 1),
            },
        );
        let Some((
            _,
            ServerMessage::Reply {
                reply: Reply::Image(image),
                ..
            },
        )) = core.take_output().pop()
        else {
            panic!("no image");
        };
        for k in 0..64u8 {
            assert_eq!(image.pixel(u32::from(k), 0), Some([k, k, k, 255]), "fill {k}");
        }
    }

    /// A client that goes while requests of its wait has them applied in turns like any other,
    /// then is dropped: its reply comes before the end, and another client's request is not
    /// held up by the rest (once, everything it had queued was applied at once when it went).
    #[tokio::test]
    async fn a_client_that_goes_has_the_rest_applied_in_turns_then_is_dropped() {
        let (mut core, mut outboxes, collectors, [(leaving, win), (other, _)]) = two_clients();
        let mut requests = vec![Incoming::Request(Request::CreateWindow {
            window: win,
            rect: Rect::new(0, 0, 64, 1),
            background: Color::WHITE,
        })];
        requests.extend((0..40).map(|k| {
            Incoming::Request(Request::Draw {
                target: win.into(),
                ops: vec![DrawOp::FillRect(Rect::new(k, 0, 1, 1))].into(),
            })
        }));
        requests.push(Incoming::Request(Request::Sync));
        let mut pending = Pending::default();
        let msgs = [
            CoreMsg::Requests {
                client: leaving,
                first_seq: 1,
                requests,
                pixels: Vec::new(),
                fds: Vec::new(),
            },
            CoreMsg::Disconnect {
                client: leaving,
                reason: None,
            },
            CoreMsg::Requests {
                client: other,
                first_seq: 1,
                requests: vec![Incoming::Request(Request::Sync)],
                pixels: Vec::new(),
                fds: Vec::new(),
            },
        ];
        for msg in msgs {
            handle_msg(&mut core, &mut outboxes, &mut pending, msg);
        }
        assert!(outboxes.contains_key(&leaving), "kept until the rest is applied");
        let mut turns = Turns::default();
        turns.take(&mut core, &mut outboxes, &mut pending, Duration::ZERO);
        assert!(!pending.contains_key(&other), "the other client goes first");
        let mut taken = 1;
        while turns.ready() {
            turns.take(&mut core, &mut outboxes, &mut pending, Duration::ZERO);
            taken += 1;
        }
        assert_eq!(taken, 1 + 42usize.div_ceil(CHECK_EVERY as usize), "in turns");
        assert!(!outboxes.contains_key(&leaving), "dropped once all is applied");
        assert!(pending.is_empty());
        let mut got = Vec::new();
        while collectors[0].collect(&mut got, 100).await {}
        assert!(
            matches!(
                got[..],
                [
                    ..,
                    ServerMessage::Reply {
                        seq: 42,
                        reply: Reply::Sync
                    }
                ]
            ),
            "its last reply, then the end: {got:?}"
        );
    }

    /// A run's pixel buffer is kept only if one of its requests uses it, and goes with the last
    /// of its images (so a client that always has requests waiting cannot grow one buffer).
    #[test]
    fn a_run_s_pixel_buffer_goes_with_its_last_image() {
        let image = |range| Incoming::PutImage {
            head: PutImageHead {
                target: dispd_protocol::Drawable(1),
                rect: Rect::new(0, 0, 1, 1),
                format: PixelFormat::Bgra8,
                compression: Compression::None,
            },
            pixels: range,
        };
        let mut waiting = Waiting {
            first_seq: 1,
            next_seq: 1,
            requests: Runs::default(),
            pixels: VecDeque::new(),
            closing: None,
        };
        waiting.push_run(
            1,
            vec![image(0..4), Incoming::Request(Request::Sync), image(4..8)],
            vec![1; 8],
        );
        waiting.push_run(4, vec![Incoming::Request(Request::Sync)], vec![2; 100]);
        waiting.push_run(5, vec![image(1..5)], vec![3, 4, 5, 6, 7]);
        assert_eq!(waiting.requests.len(), 5);
        assert_eq!(waiting.pixels.len(), 2, "the run without images keeps no buffer");
        assert_eq!(waiting.image_pixels(4..8), [1; 4]);
        waiting.image_done();
        waiting.image_done();
        assert_eq!(
            waiting.pixels.len(),
            1,
            "the first buffer is gone with its second image"
        );
        assert_eq!(waiting.image_pixels(1..5), [4, 5, 6, 7]);
        waiting.image_done();
        assert!(waiting.pixels.is_empty());
        assert_eq!(
            waiting.image_pixels(0..1),
            [0u8; 0],
            "no buffer: no pixels (the put fails)"
        );
    }

    /// Small `PutImage`s whose pixels share their run's buffer wait, pixels and all, while their
    /// client is over its output budget; runs that come meanwhile are queued behind with their
    /// own buffers, and everything lands in place, in order, once the client reads again. One
    /// image of each run has the wrong length and fails with its own sequence number, which
    /// counts the no-op between each two runs (once, later errors were numbered one low for each
    /// no-op that came while requests waited).
    #[test]
    fn small_images_waiting_over_the_output_budget_keep_their_pixels() {
        let mut core = ServerCore::new(Config::default(), Box::new(Headless::new(Size::new(64, 64))));
        let (client, ids) = core
            .connect(Peer::Unix { uid: None, pid: None }, true)
            .expect("connect");
        let (poster, _collector) = crate::mailbox::mailbox(1024);
        let queued = Arc::new(AtomicUsize::new(MAX_QUEUED_BYTES + 1));
        let mut outboxes = HashMap::default();
        let _ = outboxes.insert(client, Outbox::new(poster, Arc::clone(&queued), Arc::default()));
        let mut pending = Pending::default();
        let win = WindowId(ids.base);
        core.handle_request(
            client,
            1,
            Request::CreateWindow {
                window: win,
                rect: Rect::new(0, 0, 8, 4),
                background: Color::WHITE,
            },
        );
        // Three runs of three 1x1 Bgra8 images at x = 0..9 (row 1), each pixel (k, 2k, 3k);
        // the middle image of each run brings 3 bytes instead of 4. A leading junk byte per
        // run makes every offset count.
        let mut seq = 2;
        for run in 0..3u8 {
            let mut pixels = vec![0xEE];
            let mut requests = Vec::new();
            for i in 0..3u8 {
                let k = run * 3 + i;
                let start = pixels.len();
                pixels.extend_from_slice(&[3 * k, 2 * k, k, 255][..if i == 1 { 3 } else { 4 }]);
                requests.push(Incoming::PutImage {
                    head: PutImageHead {
                        target: win.into(),
                        rect: Rect::new(i32::from(k) % 8, 1 + i32::from(k) / 8, 1, 1),
                        format: PixelFormat::Bgra8,
                        compression: Compression::None,
                    },
                    pixels: start..pixels.len(),
                });
            }
            let msg = CoreMsg::Requests {
                client,
                first_seq: seq,
                requests,
                pixels,
                fds: Vec::new(),
            };
            // A no-op between runs: counted by the session, never handed over.
            seq += 4;
            handle_msg(&mut core, &mut outboxes, &mut pending, msg);
        }
        assert_eq!(
            pending[&client].requests.len(),
            9 + 2,
            "all wait while over budget, with the two no-ops' numbers"
        );
        let left: Vec<usize> = pending[&client].pixels.iter().map(|(_, n)| *n).collect();
        assert_eq!(left, [3, 3, 3], "one buffer per run");
        queued.store(0, Ordering::Relaxed);
        assert_eq!(
            serve(&mut core, &mut outboxes, &mut pending, client, None),
            Served::All
        );
        assert!(pending.is_empty());
        core.handle_request(
            client,
            seq,
            Request::GetImage {
                source: ImageSource::Drawable(win.into()),
                rect: Rect::new(0, 0, 8, 4),
            },
        );
        let output = core.take_output();
        let failed: Vec<u32> = output
            .iter()
            .filter_map(|(_, m)| match m {
                ServerMessage::Error(e) if e.code == ErrorCode::BadValue => Some(e.seq),
                _ => None,
            })
            .collect();
        assert_eq!(failed, [3, 7, 11], "numbered past the no-ops: {output:?}");
        let Some((
            _,
            ServerMessage::Reply {
                reply: Reply::Image(image),
                ..
            },
        )) = output.last()
        else {
            panic!("no image: {output:?}");
        };
        for k in 0..9u8 {
            let (x, y) = (u32::from(k) % 8, 1 + u32::from(k) / 8);
            let want = if k % 3 == 1 {
                [255; 4]
            } else {
                [k, 2 * k, 3 * k, 255]
            };
            assert_eq!(image.pixel(x, y), Some(want), "image {k}");
        }
    }
}
