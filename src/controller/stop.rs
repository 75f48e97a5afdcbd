//! Cooperative cancellation: a cheap, cloneable signal that long operations check at safe
//! points (a sync checks it before pruning, so a stop abandons a sync rather than leaving
//! it half-pruned).

use tokio::sync::watch;

/// The sending half: raising it stops everything holding a [`StopSignal`] made from it.
#[derive(Debug)]
pub struct Stopper {
    tx: watch::Sender<bool>,
}

/// The receiving half, cloned into every task that must stop.
#[derive(Debug, Clone)]
pub struct StopSignal {
    rx: watch::Receiver<bool>,
}

impl Stopper {
    pub fn new() -> Stopper {
        let (tx, _) = watch::channel(false);
        Stopper { tx }
    }

    pub fn signal(&self) -> StopSignal {
        StopSignal {
            rx: self.tx.subscribe(),
        }
    }

    pub fn stop(&self) {
        self.tx.send_replace(true);
    }

    pub fn is_stopped(&self) -> bool {
        *self.tx.borrow()
    }
}

impl Default for Stopper {
    fn default() -> Self {
        Stopper::new()
    }
}

impl StopSignal {
    pub fn is_stopped(&self) -> bool {
        *self.rx.borrow()
    }

    /// Resolves once the signal is raised (never, if the stopper is dropped unraised).
    pub async fn stopped(&self) {
        let mut rx = self.rx.clone();
        loop {
            if *rx.borrow_and_update() {
                return;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn raising_the_stopper_reaches_every_clone() {
        let stopper = Stopper::new();
        let a = stopper.signal();
        let b = a.clone();
        assert!(!a.is_stopped());
        stopper.stop();
        a.stopped().await;
        assert!(b.is_stopped());
    }
}
