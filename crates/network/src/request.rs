//! Admission of one request frame: the checks Kafka 2.4.1 makes before any handler runs.
//!
//! A frame is decoded with the protocol crate; an unknown API key, an unreadable header or
//! body, or a version the service does not support closes the connection (protocol §1.9),
//! except ApiVersions at an unsupported version, which gets the KIP-511 answer without its
//! body being parsed (§2). This module decides; the connection acts.

use bytes::Bytes;
use gregor_protocol::{
    encode_response, ApiKey, ApiVersionsResponse, Decoder, EncodeError, EncodedFrame, RequestBody,
    RequestHeader, ResponseBody,
};

use crate::metrics::NetworkMetrics;
use crate::service::{RequestContext, Service};

/// A request that passed admission, ready for [`Service::call`].
#[derive(Debug)]
pub(crate) struct Admitted {
    /// The connection's context with this request's client id.
    pub(crate) context: RequestContext,
    /// The decoded header.
    pub(crate) header: RequestHeader,
    /// The decoded body.
    pub(crate) body: RequestBody,
}

impl Admitted {
    /// What the response needs from the request: correlation id, key and version.
    pub(crate) fn identity(&self) -> (i32, ApiKey, i16) {
        (
            self.header.correlation_id,
            self.header.request_api_key,
            self.header.request_api_version,
        )
    }
}

/// The verdict on one frame.
#[derive(Debug)]
pub(crate) enum Admission {
    /// Hand the request to the service.
    Serve(Box<Admitted>),
    /// Answer with the KIP-511 ApiVersions v0 error response.
    ApiVersionsFallback {
        /// From the request header.
        correlation_id: i32,
        /// Highest ApiVersions version the service supports.
        max_version: i16,
    },
    /// Close the connection; the text says why, for the log line.
    Reject(String),
}

/// Checks and decodes one frame payload (header + body, no size prefix).
pub(crate) fn admit<S: Service>(
    service: &S,
    metrics: &NetworkMetrics,
    context: &RequestContext,
    frame: Bytes,
) -> Admission {
    if let Some(raw_key) = frame.get(..2) {
        metrics.request(i16::from_be_bytes([raw_key[0], raw_key[1]]), frame.len());
    }
    let mut decoder = Decoder::new(frame);
    let header = match RequestHeader::decode(&mut decoder) {
        Ok(header) => header,
        Err(e) => return Admission::Reject(format!("unreadable request header: {e}")),
    };
    let (api_key, version) = (header.request_api_key, header.request_api_version);
    let Some(supported) = service.supported_versions(api_key) else {
        return Admission::Reject(format!(
            "api key {} ({api_key:?}) is not served",
            api_key.code()
        ));
    };
    if !supported.contains(&version) {
        if api_key == ApiKey::ApiVersions {
            return Admission::ApiVersionsFallback {
                correlation_id: header.correlation_id,
                max_version: *supported.end(),
            };
        }
        return Admission::Reject(format!(
            "unsupported version {version} of {api_key:?} (supported {}..={})",
            supported.start(),
            supported.end()
        ));
    }
    if !api_key.supports(version) {
        // The service claims a version the codec (Kafka 2.4.1's range) cannot read.
        return Admission::Reject(format!("version {version} of {api_key:?} has no codec"));
    }
    let body = match RequestBody::decode(api_key, version, &mut decoder) {
        Ok(body) => body,
        Err(e) => {
            return Admission::Reject(format!(
                "{api_key:?} v{version} body (correlation id {}) does not parse: {e}",
                header.correlation_id
            ))
        }
    };
    let mut context = context.clone();
    context.client_id = header.client_id.clone();
    Admission::Serve(Box::new(Admitted {
        context,
        header,
        body,
    }))
}

/// Kafka 2.4.1's answer to ApiVersions at an unsupported version: response header v0 and a v0
/// body with error 35 and the single entry `{18, 0, max_version}`.
pub(crate) fn encode_fallback(
    correlation_id: i32,
    max_version: i16,
) -> Result<EncodedFrame, EncodeError> {
    let body = ResponseBody::ApiVersions(ApiVersionsResponse::unsupported_version(max_version));
    encode_response(correlation_id, ApiKey::ApiVersions, 0, &body)
}

/// Encodes a handler's response at the request's version.
pub(crate) fn encode_reply(
    correlation_id: i32,
    api_key: ApiKey,
    version: i16,
    body: &ResponseBody,
) -> Result<EncodedFrame, EncodeError> {
    encode_response(correlation_id, api_key, version, body)
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::ops::RangeInclusive;
    use std::sync::Arc;

    use gregor_protocol::{encode_request, ApiVersionsRequest, MetadataRequest};

    use super::*;
    use crate::service::Outcome;

    /// Serves every API the codec implements, at Kafka 2.4.1's ranges.
    struct EveryApi;

    impl Service for EveryApi {
        fn supported_versions(&self, api_key: ApiKey) -> Option<RangeInclusive<i16>> {
            gregor_protocol::is_implemented(api_key).then(|| api_key.valid_versions())
        }

        async fn call(&self, _: RequestContext, _: RequestHeader, _: RequestBody) -> Outcome {
            Outcome::NoResponse
        }
    }

    fn context() -> RequestContext {
        let addr: SocketAddr = "127.0.0.1:9092".parse().unwrap();
        RequestContext {
            connection_id: 0,
            peer_addr: addr,
            local_addr: addr,
            listener_name: Arc::from("PLAINTEXT"),
            client_id: None,
        }
    }

    /// xorshift64: deterministic pseudo-random bytes without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, bound: u64) -> u64 {
            self.next() % bound
        }
    }

    #[test]
    fn client_id_reaches_the_context_and_versions_are_checked() {
        let metrics = NetworkMetrics::default();
        let header = RequestHeader::new(ApiKey::Metadata, 9, 5, Some("cid"));
        let frame = encode_request(&header, &RequestBody::Metadata(MetadataRequest::default()));
        match admit(&EveryApi, &metrics, &context(), frame.unwrap()) {
            Admission::Serve(admitted) => {
                assert_eq!(admitted.context.client_id.as_deref(), Some("cid"));
                assert_eq!(admitted.identity(), (5, ApiKey::Metadata, 9));
            }
            other => panic!("expected Serve, got {other:?}"),
        }
        assert_eq!(metrics.snapshot().requests_by_key[3], 1);
    }

    #[test]
    fn arbitrary_and_mutated_frames_never_panic() {
        let metrics = NetworkMetrics::default();
        let ctx = context();
        let header = RequestHeader::new(ApiKey::ApiVersions, 3, 1, Some("fuzz"));
        let body = RequestBody::ApiVersions(ApiVersionsRequest::default());
        let seed = encode_request(&header, &body).unwrap().to_vec();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..20_000 {
            let mut frame: Vec<u8> = if round % 2 == 0 {
                (0..rng.below(64)).map(|_| rng.next() as u8).collect()
            } else {
                let mut mutated = seed.clone();
                for _ in 0..=rng.below(4) {
                    let at = rng.below(mutated.len() as u64) as usize;
                    mutated[at] = rng.next() as u8;
                }
                mutated.truncate(rng.below(mutated.len() as u64 + 1) as usize);
                mutated
            };
            if round % 3 == 0 && frame.len() >= 4 {
                // Aim at real keys and near-valid versions so body decoders see garbage too.
                let key = rng.below(48) as i16;
                let version = rng.below(14) as i16 - 1;
                frame[..2].copy_from_slice(&key.to_be_bytes());
                frame[2..4].copy_from_slice(&version.to_be_bytes());
            }
            let _ = admit(&EveryApi, &metrics, &ctx, Bytes::from(frame));
        }
    }
}
