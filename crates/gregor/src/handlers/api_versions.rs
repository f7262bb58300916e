//! ApiVersions (key 18), versions 0–3: the served APIs with Kafka 2.4.1's version ranges,
//! taken from the registry so nothing unserved is advertised. v3 checks the KIP-511 client
//! software name and version (INVALID_REQUEST when they are not `[a-zA-Z0-9]([a-zA-Z0-9.-]*
//! [a-zA-Z0-9])?`).

use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ApiVersionsRequest, ApiVersionsResponse, ApiVersionsResponseKey, ErrorCode, RequestHeader,
    ResponseBody,
};

use super::{respond, supported_apis, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=3;

/// Answers with the registry's table.
pub async fn handle(
    _broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    header: &RequestHeader,
    request: ApiVersionsRequest,
) -> Outcome {
    respond(ResponseBody::ApiVersions(answer(
        header.request_api_version,
        &request,
    )))
}

/// The response for a request of `version`.
pub fn answer(version: i16, request: &ApiVersionsRequest) -> ApiVersionsResponse {
    if version >= 3
        && !(is_valid_software_field(&request.client_software_name)
            && is_valid_software_field(&request.client_software_version))
    {
        return ApiVersionsResponse {
            error_code: ErrorCode::InvalidRequest,
            ..ApiVersionsResponse::default()
        };
    }
    let mut api_keys: Vec<ApiVersionsResponseKey> = supported_apis()
        .into_iter()
        .map(|(key, versions)| ApiVersionsResponseKey {
            api_key: key.code(),
            min_version: *versions.start(),
            max_version: *versions.end(),
            ..ApiVersionsResponseKey::default()
        })
        .collect();
    api_keys.sort_by_key(|k| k.api_key);
    ApiVersionsResponse {
        error_code: ErrorCode::None,
        api_keys,
        ..ApiVersionsResponse::default()
    }
}

/// KIP-511's pattern for `client_software_name` / `client_software_version`.
fn is_valid_software_field(value: &str) -> bool {
    let bytes = value.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && last.is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_rejects_bad_client_software_names() {
        let bad = ApiVersionsRequest {
            client_software_name: "bad name".into(),
            client_software_version: "1.0".into(),
            ..Default::default()
        };
        assert_eq!(answer(3, &bad).error_code, ErrorCode::InvalidRequest);
        let good = ApiVersionsRequest {
            client_software_name: "librdkafka".into(),
            client_software_version: "2.3.0".into(),
            ..Default::default()
        };
        let response = answer(3, &good);
        assert_eq!(response.error_code, ErrorCode::None);
        let produce = response.api_keys.iter().find(|k| k.api_key == 0).unwrap();
        assert_eq!((produce.min_version, produce.max_version), (0, 8));
        let join = response.api_keys.iter().find(|k| k.api_key == 11).unwrap();
        assert_eq!((join.min_version, join.max_version), (0, 6));
        assert!(
            response.api_keys.iter().all(|k| k.api_key != 23),
            "OffsetForLeaderEpoch is not served"
        );
    }

    #[test]
    fn v0_to_v2_do_not_check_software_names() {
        let response = answer(0, &ApiVersionsRequest::default());
        assert_eq!(response.error_code, ErrorCode::None);
    }
}
