//! A tiny broker front end for checking real clients against the network layer: it serves
//! ApiVersions 0–3 and an empty Metadata 0–9 naming itself as the only broker.
//!
//! ```text
//! cargo run -p gregor-network --example apiversions_server -- 9092
//! kcat -L -b 127.0.0.1:9092
//! ```
//!
//! A second argument lowers the advertised ApiVersions maximum (e.g. `2`), so a client that
//! opens with v3 gets the KIP-511 fallback answer and must retry lower.

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{NetworkConfig, Outcome, RequestContext, Response, Server, Service};
use gregor_protocol::{
    ApiKey, ApiVersionsResponse, ApiVersionsResponseKey, ErrorCode, MetadataRequest,
    MetadataResponse, MetadataResponseBroker, MetadataResponseTopic, RequestBody, RequestHeader,
    ResponseBody,
};

/// Node id this example reports for itself.
const NODE_ID: i32 = 0;

/// Serves ApiVersions and Metadata only; every other key closes the connection.
struct ExampleService {
    /// Highest ApiVersions version served (3 unless lowered on the command line).
    api_versions_max: i16,
}

impl Service for ExampleService {
    fn supported_versions(&self, api_key: ApiKey) -> Option<RangeInclusive<i16>> {
        match api_key {
            ApiKey::Metadata => Some(0..=9),
            ApiKey::ApiVersions => Some(0..=self.api_versions_max),
            _ => None,
        }
    }

    async fn call(&self, ctx: RequestContext, header: RequestHeader, body: RequestBody) -> Outcome {
        log::info!(
            "{:?} v{} from {} (client id {:?})",
            header.request_api_key,
            header.request_api_version,
            ctx.peer_addr,
            ctx.client_id
        );
        let body = match body {
            RequestBody::ApiVersions(_) => ResponseBody::ApiVersions(self.api_versions()),
            RequestBody::Metadata(request) => ResponseBody::Metadata(metadata(&ctx, request)),
            _ => return Outcome::Close("not served by the example".to_string()),
        };
        Outcome::Respond(Response::new(body))
    }
}

impl ExampleService {
    /// One entry per served key, ascending by key as Kafka lists them.
    fn api_versions(&self) -> ApiVersionsResponse {
        let api_keys = [ApiKey::Metadata, ApiKey::ApiVersions]
            .into_iter()
            .filter_map(|key| {
                let range = self.supported_versions(key)?;
                Some(ApiVersionsResponseKey {
                    api_key: key.code(),
                    min_version: *range.start(),
                    max_version: *range.end(),
                    ..Default::default()
                })
            })
            .collect();
        ApiVersionsResponse {
            api_keys,
            ..Default::default()
        }
    }
}

/// This broker as the only broker, no topics; requested topics are unknown.
fn metadata(ctx: &RequestContext, request: MetadataRequest) -> MetadataResponse {
    let topics = request
        .topics
        .unwrap_or_default()
        .into_iter()
        .map(|topic| MetadataResponseTopic {
            error_code: ErrorCode::UnknownTopicOrPartition,
            name: topic.name,
            ..Default::default()
        })
        .collect();
    MetadataResponse {
        brokers: vec![MetadataResponseBroker {
            node_id: NODE_ID,
            host: ctx.local_addr.ip().to_string(),
            port: i32::from(ctx.local_addr.port()),
            ..Default::default()
        }],
        cluster_id: Some("gregor-example".to_string()),
        controller_id: NODE_ID,
        topics,
        cluster_authorized_operations: 0,
        ..Default::default()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let port: u16 = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("9092")
        .parse()?;
    let api_versions_max: i16 = std::env::args().nth(2).as_deref().unwrap_or("3").parse()?;
    let mut config = NetworkConfig::default();
    config.apply("listeners", &format!("PLAINTEXT://127.0.0.1:{port}"))?;
    let server = Server::bind(config, Arc::new(ExampleService { api_versions_max })).await?;
    let handle = server.handle();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            handle.shutdown();
        }
    });
    server.run().await;
    Ok(())
}
