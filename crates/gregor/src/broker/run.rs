//! Running a broker process (Kafka's `KafkaServerStartable`): a multi-thread tokio runtime,
//! start-up, then wait for SIGTERM/SIGINT and shut down cleanly. Exit status 1 when start-up
//! fails, after logging Kafka's fatal line.

use super::{startup, KafkaServer, SERVER_LOGGER};
use crate::config::KafkaConfig;

/// Starts the broker and serves until a signal; returns the process exit status.
pub fn run(config: KafkaConfig) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("gregor")
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            log::error!(target: SERVER_LOGGER, "Cannot start the runtime: {e}");
            return 1;
        }
    };
    runtime.block_on(async move {
        // Installed before start-up, as Kafka adds its shutdown hook first: a SIGTERM that
        // arrives right after the `started` line must shut down cleanly, not kill the process.
        let signals = Signals::install();
        let server = match startup(config).await {
            Ok(server) => server,
            Err(e) => {
                let exception = format!("{}: {e}", e.java_class());
                log::error!(target: SERVER_LOGGER, exception = exception.as_str(); "Fatal error during KafkaServer startup. Prepare to shutdown");
                log::error!(target: "kafka.server.KafkaServerStartable", "Exiting Kafka.");
                log::logger().flush();
                return 1;
            }
        };
        signals.wait().await;
        shutdown(server).await;
        0
    })
}

async fn shutdown(server: KafkaServer) {
    server.shutdown().await;
    log::logger().flush();
}

/// SIGTERM (kafka-server-stop.sh) and SIGINT (Ctrl-C), once installed.
struct Signals(Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>);

impl Signals {
    /// Replaces the default actions (terminate the process) by notifications.
    fn install() -> Signals {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(term), Ok(int)) => Signals(Some((term, int))),
            _ => {
                log::error!(target: SERVER_LOGGER, "Cannot install signal handlers; stop the broker with SIGKILL");
                Signals(None)
            }
        }
    }

    /// Waits for the first of them (forever when they could not be installed).
    async fn wait(self) {
        let Some((mut term, mut int)) = self.0 else {
            std::future::pending::<()>().await;
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
}
