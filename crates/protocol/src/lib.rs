//! Kafka 2.4.1 wire protocol: pure codec, no I/O.
//!
//! * [`primitives`]: the bounds-checked [`Decoder`], the [`Encoder`] and the [`Wire`] trait;
//! * [`header`]: request/response headers; [`api_key`]: API keys, versions, header-version rule;
//! * [`error_code`]: Kafka's error codes; [`messages`]: every request/response struct;
//! * [`dispatch`]: [`RequestBody`]/[`ResponseBody`] and the frame entry points
//!   [`decode_request`], [`encode_response`], [`encode_request`], [`decode_response`].
//!
//! Record data (`records` fields) is never parsed here: it stays a zero-copy `Bytes` slice.

pub mod api_key;
pub mod dispatch;
pub mod error;
pub mod error_code;
pub mod frame;
pub mod header;
mod macros;
pub mod message;
pub mod messages;
pub mod primitives;
pub mod records;

pub use api_key::{request_header_version, response_header_version, ApiKey};
pub use dispatch::{
    decode_request, decode_response, encode_request, encode_response, is_implemented, ApiRequest,
    RequestBody, ResponseBody,
};
pub use error::{DecodeError, EncodeError};
pub use error_code::ErrorCode;
pub use frame::{Chunk, EncodedFrame, RecordsData};
pub use header::{RequestHeader, ResponseHeader};
pub use message::Message;
pub use messages::*;
pub use primitives::{Decoder, Encoder, Wire};
