//! When the log manager's periodic tasks are due (Kafka's `LogManager.startup` schedules).
//!
//! Pure bookkeeping, no I/O: `due(now_ms)` returns the tasks whose time has come and moves
//! their next run one period on. Like Kafka's fixed-rate scheduler each task first runs
//! `initial_task_delay_ms` after start-up; a tick that comes late runs a task once, not once per
//! missed period.

use super::config::LogManagerConfig;

/// One periodic task of the log manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// `kafka-log-retention`: delete segments past retention (`log.retention.check.interval.ms`).
    Retention,
    /// `kafka-log-flusher`: fsync logs past `flush.ms` (`log.flush.scheduler.interval.ms`).
    Flush,
    /// `kafka-recovery-point-checkpoint` (`log.flush.offset.checkpoint.interval.ms`).
    RecoveryPointCheckpoint,
    /// `kafka-log-start-offset-checkpoint` (`log.flush.start.offset.checkpoint.interval.ms`).
    LogStartOffsetCheckpoint,
    /// `kafka-delete-logs`: remove `-delete` dirs whose delay passed (`file.delete.delay.ms`).
    DeleteLogs,
}

/// Next due time of every task.
#[derive(Debug)]
pub struct Schedule {
    /// (task, period in ms, next due time in ms); a period <= 0 means "every tick" as Kafka's
    /// scheduler runs a 0 period back to back.
    entries: Vec<(Task, i64, i64)>,
}

impl Schedule {
    /// All tasks, first due `initial_task_delay_ms` after `start_ms`.
    pub fn new(config: &LogManagerConfig, start_ms: i64) -> Schedule {
        let first = start_ms.saturating_add(config.initial_task_delay_ms);
        let periods = [
            (Task::Retention, config.retention_check_interval_ms),
            (Task::Flush, config.flush_scheduler_interval_ms),
            (
                Task::RecoveryPointCheckpoint,
                config.flush_offset_checkpoint_interval_ms,
            ),
            (
                Task::LogStartOffsetCheckpoint,
                config.flush_start_offset_checkpoint_interval_ms,
            ),
            (
                Task::DeleteLogs,
                config.default_log_config.file_delete_delay_ms,
            ),
        ];
        Schedule {
            entries: periods
                .into_iter()
                .map(|(task, period)| (task, period, first))
                .collect(),
        }
    }

    /// The tasks due at `now_ms`, in a fixed order; each is rescheduled one period later.
    pub fn due(&mut self, now_ms: i64) -> Vec<Task> {
        let mut due = Vec::new();
        for (task, period_ms, next_ms) in &mut self.entries {
            if now_ms >= *next_ms {
                due.push(*task);
                *next_ms = now_ms.saturating_add((*period_ms).max(0));
            }
        }
        due
    }

    /// Earliest time any task is due, for a background thread's sleep.
    pub fn next_due_ms(&self) -> i64 {
        self.entries
            .iter()
            .map(|(_, _, next)| *next)
            .min()
            .unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_wait_for_the_initial_delay_then_follow_their_periods() {
        let config = LogManagerConfig {
            retention_check_interval_ms: 300_000,
            flush_offset_checkpoint_interval_ms: 60_000,
            ..LogManagerConfig::default()
        };
        let mut schedule = Schedule::new(&config, 1_000);
        assert!(schedule.due(30_999).is_empty());
        assert_eq!(schedule.next_due_ms(), 31_000);
        let first = schedule.due(31_000);
        assert!(first.contains(&Task::Retention));
        assert!(first.contains(&Task::RecoveryPointCheckpoint));
        // Long.MAX flush period: the flusher runs once and is then effectively never due.
        assert!(first.contains(&Task::Flush));
        assert_eq!(
            schedule.due(91_000),
            vec![
                Task::RecoveryPointCheckpoint,
                Task::LogStartOffsetCheckpoint,
                Task::DeleteLogs,
            ]
        );
        assert!(schedule.due(91_001).is_empty());
        // A late tick runs each task once.
        let late = schedule.due(1_000_000);
        assert_eq!(late.iter().filter(|t| **t == Task::Retention).count(), 1);
    }
}
