//! Stopping every task and knowing when they have all stopped (the mini-redis pattern): a
//! broadcast tells tasks to stop; each task holds a clone of an mpsc sender, so the receiver
//! sees the channel close once the last task is gone.

use tokio::sync::{broadcast, mpsc};

/// Held by every task: tells it when to stop, and by being dropped, that it has stopped.
#[derive(Debug)]
pub(crate) struct Shutdown {
    notify: broadcast::Receiver<()>,
    stopped: bool,
    _done: mpsc::Sender<()>,
}

impl Shutdown {
    /// A handle for a task started by this one.
    pub(crate) fn child(&self) -> Shutdown {
        Shutdown {
            notify: self.notify.resubscribe(),
            stopped: self.stopped,
            _done: self._done.clone(),
        }
    }

    /// Waits until shutdown is announced (returns at once if it already was).
    pub(crate) async fn recv(&mut self) {
        if self.stopped {
            return;
        }
        let _ = self.notify.recv().await;
        self.stopped = true;
    }
}

/// Owned by `run`: announces shutdown, hands out [`Shutdown`]s, and waits for them to drop.
#[derive(Debug)]
pub(crate) struct Coordinator {
    notify: broadcast::Sender<()>,
    done_tx: mpsc::Sender<()>,
    done_rx: mpsc::Receiver<()>,
}

impl Coordinator {
    pub(crate) fn new() -> Self {
        let (notify, _) = broadcast::channel(1);
        let (done_tx, done_rx) = mpsc::channel(1);
        Self {
            notify,
            done_tx,
            done_rx,
        }
    }

    /// A handle for a new task.
    pub(crate) fn handle(&self) -> Shutdown {
        Shutdown {
            notify: self.notify.subscribe(),
            stopped: false,
            _done: self.done_tx.clone(),
        }
    }

    /// Tells every task to stop and waits until all have.
    pub(crate) async fn stop_and_wait(self) {
        let Coordinator {
            notify,
            done_tx,
            mut done_rx,
        } = self;
        let _ = notify.send(());
        drop(done_tx);
        let _ = done_rx.recv().await;
    }
}
