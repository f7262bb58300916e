//! An optional std thread that drives `LogManager::tick` with the wall clock, so the log crate
//! needs no async runtime. It sleeps until the next task is due (at most `MAX_SLEEP_MS`, so a
//! changed clock is noticed) and stops promptly when asked: `stop` wakes it through a condvar.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::LogManager;

/// Longest single sleep of the thread.
const MAX_SLEEP_MS: i64 = 1_000;

/// The running background thread; stopping (or dropping) it joins the thread.
#[derive(Debug)]
pub struct BackgroundTasks {
    /// `true` once a stop was requested; the condvar wakes the sleeping thread.
    stop: Arc<(Mutex<bool>, Condvar)>,
    /// The thread, taken by `stop`.
    thread: Option<JoinHandle<()>>,
}

impl BackgroundTasks {
    /// Asks the thread to stop and waits for its current task to finish.
    pub fn stop(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        let (flag, wake) = &*self.stop;
        if let Ok(mut stopped) = flag.lock() {
            *stopped = true;
        }
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                ::log::error!("The log manager's background thread panicked");
            }
        }
    }
}

impl Drop for BackgroundTasks {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

impl LogManager {
    /// Starts a thread named `kafka-log-manager` that runs the periodic tasks on time.
    pub fn start_background_tasks(self: &Arc<Self>) -> std::io::Result<BackgroundTasks> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let manager = Arc::clone(self);
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("kafka-log-manager".to_string())
            .spawn(move || run(&manager, &thread_stop))?;
        ::log::info!(
            "Starting log cleanup with a period of {} ms.",
            self.config.retention_check_interval_ms
        );
        Ok(BackgroundTasks {
            stop,
            thread: Some(thread),
        })
    }
}

fn run(manager: &LogManager, stop: &(Mutex<bool>, Condvar)) {
    let (flag, wake) = stop;
    loop {
        let now_ms = wall_clock_ms();
        manager.tick(now_ms);
        let sleep_ms = manager
            .next_task_due_ms()
            .saturating_sub(wall_clock_ms())
            .clamp(1, MAX_SLEEP_MS);
        let Ok(stopped) = flag.lock() else { return };
        if *stopped {
            return;
        }
        let sleep = Duration::from_millis(sleep_ms.unsigned_abs());
        match wake.wait_timeout(stopped, sleep) {
            Ok((stopped, _)) if *stopped => return,
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
