//! SaslHandshake (key 17) and SaslAuthenticate (key 36), versions 0–1, never flexible (§4.28–4.29).

use bytes::Bytes;

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Chooses a SASL mechanism.
    SaslHandshakeRequest {
        /// Mechanism, e.g. "PLAIN".
        mechanism: String = (0..),
    }
}

message! {
    /// Handshake result.
    SaslHandshakeResponse {
        /// Error (33 = unsupported mechanism).
        error_code: ErrorCode = (0..),
        /// Enabled mechanisms.
        mechanisms: Vec<String> = (0..),
    }
}

message! {
    /// Carries a SASL token (after SaslHandshake v1).
    SaslAuthenticateRequest {
        /// Token from the client.
        auth_bytes: Bytes = (0..),
    }
}

message! {
    /// Carries the server's SASL token.
    SaslAuthenticateResponse {
        /// Error.
        error_code: ErrorCode = (0..),
        /// Failure detail or null.
        error_message: Option<String> = (0.., null: 0..),
        /// Token from the server.
        auth_bytes: Bytes = (0..),
        /// Ms until re-authentication is needed (v1+).
        session_lifetime_ms: i64 = (1..),
    }
}

api_message!(
    SaslHandshakeRequest => SaslHandshake,
    SaslHandshakeResponse => SaslHandshake,
    SaslAuthenticateRequest => SaslAuthenticate,
    SaslAuthenticateResponse => SaslAuthenticate,
);
