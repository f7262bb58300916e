//! Codec errors: what can go wrong turning bytes into messages and back.
//!
//! Decoding never panics; every failure is a [`DecodeError`]. The network layer closes the connection on
//! any of them (Kafka 2.4.1 does the same), except [`DecodeError::UnsupportedVersion`] for ApiVersions,
//! which gets the KIP-511 answer.

use crate::api_key::ApiKey;

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended before a value of `needed_bytes` could be read.
    #[error("unexpected end of input: needed {needed_bytes} bytes, {remaining_bytes} remain")]
    UnexpectedEof {
        /// Bytes the value needs.
        needed_bytes: usize,
        /// Bytes left in the input.
        remaining_bytes: usize,
    },
    /// A length or element count was negative where null is not allowed.
    #[error("negative length {0} for a non-nullable field")]
    NegativeLength(i64),
    /// A null string, bytes or array arrived in a version where the field is not nullable.
    #[error("null value for a non-nullable field")]
    UnexpectedNull,
    /// An unsigned varint kept its continuation bit past the 5th byte.
    #[error("unsigned varint longer than 5 bytes")]
    VarintTooLong,
    /// A string was not valid UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// A string was longer than the 32767 bytes Kafka allows.
    #[error("string of {0} bytes exceeds 32767")]
    StringTooLong(usize),
    /// Tagged fields must come in strictly increasing tag order.
    #[error("tagged field {tag} does not follow tag {previous}")]
    TagsOutOfOrder {
        /// The offending tag.
        tag: u32,
        /// The tag read before it.
        previous: u32,
    },
    /// The request header named an API key Kafka 2.4.1 does not define.
    #[error("unknown api key {0}")]
    UnknownApiKey(i16),
    /// The API key is known but this codec has no message definition for it.
    #[error("api key {0:?} is not implemented by this codec")]
    UnimplementedApi(ApiKey),
    /// The version is outside the range Kafka 2.4.1 accepts for the API.
    #[error("unsupported version {version} of {api_key:?} (correlation id {correlation_id})")]
    UnsupportedVersion {
        /// API of the request.
        api_key: ApiKey,
        /// Requested version.
        version: i16,
        /// Correlation id from the header, so a KIP-511 answer can be sent.
        correlation_id: i32,
    },
}

/// Why a message could not be encoded at the requested version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A non-default value that the version cannot carry and that must not be silently dropped (§1.8).
    #[error("field {field} cannot be sent in version {version}")]
    UnsupportedField {
        /// Name of the field.
        field: &'static str,
        /// Target version.
        version: i16,
    },
    /// A null value in a version where the field is not nullable.
    #[error("field is null but not nullable in this version")]
    NullNotAllowed,
    /// A string longer than 32767 bytes.
    #[error("string of {0} bytes exceeds 32767")]
    StringTooLong(usize),
    /// A byte blob or array longer than an int32 can count.
    #[error("length {0} does not fit the wire length field")]
    TooLong(usize),
    /// The version is outside the range Kafka 2.4.1 accepts for the API.
    #[error("unsupported version {version} of {api_key:?}")]
    UnsupportedVersion {
        /// API of the message.
        api_key: ApiKey,
        /// Requested version.
        version: i16,
    },
    /// The body variant does not belong to the API key given.
    #[error("body does not match api key {0:?}")]
    BodyMismatch(ApiKey),
    /// External record chunks can only be used in responses (the chunked frame path).
    #[error("external records cannot be encoded into a single buffer")]
    ExternalNotAllowed,
}
