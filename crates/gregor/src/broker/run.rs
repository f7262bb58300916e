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
        wait_for_signal().await;
        shutdown(server).await;
        0
    })
}

async fn shutdown(server: KafkaServer) {
    server.shutdown().await;
    log::logger().flush();
}

/// SIGTERM (kafka-server-stop.sh) or SIGINT (Ctrl-C).
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        log::error!(target: SERVER_LOGGER, "Cannot install signal handlers; stop the broker with SIGKILL");
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}
