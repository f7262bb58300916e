//! Errors of the controller, and their mapping to the Kafka error codes a broker answers with
//! (ControlledShutdown is the one request the controller serves).

use gregor_protocol::ErrorCode;
use gregor_zk::ZkError;

/// Why a controller operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ControllerError {
    /// This broker is not (or no longer) the active controller (Kafka's
    /// `ControllerMovedException`): a fenced write failed its `/controller_epoch` check, or a
    /// request reached a broker that is not the controller.
    #[error("Controller moved to another broker")]
    ControllerMoved,
    /// A ControlledShutdown came from a broker the controller does not know as live.
    #[error("Broker id {0} does not exist")]
    BrokerNotAvailable(i32),
    /// A ControlledShutdown carried an older broker epoch than the registration (the broker
    /// restarted since it sent it).
    #[error("Received controlled shutdown with stale broker epoch {request_epoch} for broker {broker_id}; current broker epoch is {current_epoch}")]
    StaleBrokerEpoch {
        /// The asking broker.
        broker_id: i32,
        /// The epoch in the request.
        request_epoch: i64,
        /// The epoch of its current registration (czxid).
        current_epoch: i64,
    },
    /// A ZooKeeper operation failed.
    #[error(transparent)]
    Zk(#[from] ZkError),
    /// The controller's event loop has stopped (broker shutting down).
    #[error("the controller event loop has stopped")]
    Stopped,
}

impl ControllerError {
    /// The Kafka error code a ControlledShutdown response carries for this error.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            ControllerError::ControllerMoved | ControllerError::Stopped => ErrorCode::NotController,
            ControllerError::BrokerNotAvailable(_) => ErrorCode::BrokerNotAvailable,
            ControllerError::StaleBrokerEpoch { .. } => ErrorCode::StaleBrokerEpoch,
            ControllerError::Zk(ZkError::ControllerMoved) => ErrorCode::NotController,
            ControllerError::Zk(_) => ErrorCode::UnknownServerError,
        }
    }
}

impl ControllerError {
    /// True when the error means another controller took over and we must resign.
    pub fn is_controller_moved(&self) -> bool {
        matches!(
            self,
            ControllerError::ControllerMoved | ControllerError::Zk(ZkError::ControllerMoved)
        )
    }
}
