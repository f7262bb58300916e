//! The broker settings the controller reads (Kafka's `KafkaConfig` keys, with Kafka 2.4's
//! defaults). The broker builds this from `server.properties`; this module parses nothing.

/// What the controller needs from the broker's configuration.
#[derive(Debug, Clone)]
pub struct ControllerConfig {
    /// `broker.id`: who we are when we win the election.
    pub broker_id: i32,
    /// `inter.broker.listener.name` (or the name of `security.inter.broker.protocol`): the
    /// endpoint of each broker registration the controller connects to.
    pub inter_broker_listener_name: String,
    /// `delete.topic.enable` (default true): false removes deletion requests unexecuted.
    pub delete_topic_enable: bool,
    /// `auto.leader.rebalance.enable` (default true): periodic preferred-leader elections.
    pub auto_leader_rebalance_enable: bool,
    /// `leader.imbalance.check.interval.seconds` (default 300).
    pub leader_imbalance_check_interval_seconds: u64,
    /// `leader.imbalance.per.broker.percentage` (default 10).
    pub leader_imbalance_per_broker_percentage: u32,
    /// `unclean.leader.election.enable` (default false); a topic override in
    /// `/config/topics/<t>` wins.
    pub unclean_leader_election_enable: bool,
    /// `controller.socket.timeout.ms` (default 30000): bound of one controller → broker request.
    pub controller_socket_timeout_ms: u64,
}

impl ControllerConfig {
    /// Kafka 2.4's defaults for `broker_id` on the PLAINTEXT listener.
    pub fn new(broker_id: i32) -> ControllerConfig {
        ControllerConfig {
            broker_id,
            inter_broker_listener_name: "PLAINTEXT".to_string(),
            delete_topic_enable: true,
            auto_leader_rebalance_enable: true,
            leader_imbalance_check_interval_seconds: 300,
            leader_imbalance_per_broker_percentage: 10,
            unclean_leader_election_enable: false,
            controller_socket_timeout_ms: 30_000,
        }
    }
}
