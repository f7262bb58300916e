//! The purgatory for delayed operations (Kafka's `DelayedOperationPurgatory` for produce and
//! fetch), in its simplest correct form: waiters re-check their condition whenever an append,
//! a high-watermark move or a role change happens, and give up at their deadline.
//!
//! One broker-wide [`tokio::sync::Notify`] is enough because a waiter re-checks cheaply (it
//! reads in-memory offsets); keying by partition would only save spurious wake-ups.

use std::future::Future;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Wakes delayed produces and fetches.
#[derive(Debug, Default)]
pub struct Purgatory {
    /// Notified on every event that can complete a waiter.
    events: Notify,
}

impl Purgatory {
    /// An empty purgatory.
    pub fn new() -> Purgatory {
        Purgatory::default()
    }

    /// Wakes every waiter so it re-checks (after an append, a HW move, a role change).
    pub fn wake_all(&self) {
        self.events.notify_waiters();
    }

    /// Calls `check` until it returns `Some`, re-checking after every wake-up, or until
    /// `timeout` passes; then returns the last `check`'s answer, computed by `on_timeout`.
    pub async fn wait_until<T, C, F, Fut>(
        &self,
        timeout: Duration,
        mut check: C,
        on_timeout: F,
    ) -> T
    where
        C: FnMut() -> Option<T>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let deadline = Instant::now() + timeout;
        loop {
            // Registered before the check, so a wake-up between check and sleep is not lost.
            let notified = self.events.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(done) = check() {
                return done;
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep_until(deadline) => return on_timeout().await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn a_waiter_completes_when_woken_after_its_condition_holds() {
        let purgatory = Arc::new(Purgatory::new());
        let flag = Arc::new(AtomicBool::new(false));
        let (p, f) = (Arc::clone(&purgatory), Arc::clone(&flag));
        let waiter = tokio::spawn(async move {
            p.wait_until(
                Duration::from_secs(600),
                || f.load(Ordering::SeqCst).then_some("done"),
                || async { "timed out" },
            )
            .await
        });
        tokio::task::yield_now().await;
        flag.store(true, Ordering::SeqCst);
        purgatory.wake_all();
        assert_eq!(waiter.await.unwrap(), "done");
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_gives_up_at_its_deadline() {
        let purgatory = Purgatory::new();
        let answer = purgatory
            .wait_until(
                Duration::from_millis(50),
                || None::<&str>,
                || async { "timed out" },
            )
            .await;
        assert_eq!(answer, "timed out");
    }
}
