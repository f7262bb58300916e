//! Request headers v0/v1/v2 and response headers v0/v1 (§1.2, §1.3). Which version a message uses
//! is decided by [`request_header_version`] / [`response_header_version`].
//!
//! [`request_header_version`]: crate::api_key::request_header_version
//! [`response_header_version`]: crate::api_key::response_header_version

use crate::api_key::{request_header_version, ApiKey};
use crate::error::{DecodeError, EncodeError};
use crate::primitives::tagged::{read_section, write_section};
use crate::primitives::{Decoder, Encoder, RawTaggedField};

/// A request header as read from the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHeader {
    /// API of the request.
    pub request_api_key: ApiKey,
    /// Version of the request body.
    pub request_api_version: i16,
    /// Echoed in the response.
    pub correlation_id: i32,
    /// Client id (absent in header v0, which reads as `None`).
    pub client_id: Option<String>,
    /// Header tagged fields (v2), none defined in 2.4.1; kept for byte-exact re-encoding.
    pub unknown_tagged_fields: Vec<RawTaggedField>,
}

impl RequestHeader {
    /// A header for a new request.
    pub fn new(
        api_key: ApiKey,
        version: i16,
        correlation_id: i32,
        client_id: Option<&str>,
    ) -> Self {
        Self {
            request_api_key: api_key,
            request_api_version: version,
            correlation_id,
            client_id: client_id.map(str::to_owned),
            unknown_tagged_fields: Vec::new(),
        }
    }

    /// The header version this request uses (§1.4).
    pub fn header_version(&self) -> i16 {
        request_header_version(self.request_api_key, self.request_api_version)
    }

    /// Reads a request header; the header version follows from the key and version read first.
    pub fn decode(decoder: &mut Decoder) -> Result<Self, DecodeError> {
        let raw_key = decoder.i16()?;
        let request_api_version = decoder.i16()?;
        let correlation_id = decoder.i32()?;
        let request_api_key =
            ApiKey::from_i16(raw_key).ok_or(DecodeError::UnknownApiKey(raw_key))?;
        let mut header = Self {
            request_api_key,
            request_api_version,
            correlation_id,
            client_id: None,
            unknown_tagged_fields: Vec::new(),
        };
        let version = header.header_version();
        if version >= 1 {
            // Classic nullable string even in header v2, so any broker can read it (§1.2).
            header.client_id = decoder.nullable_string(false)?;
        }
        if version >= 2 {
            read_section(decoder, &mut header.unknown_tagged_fields, |_, _| Ok(false))?;
        }
        Ok(header)
    }

    /// Writes the header in the version its key and version call for.
    pub fn encode(&self, encoder: &mut Encoder) -> Result<(), EncodeError> {
        encoder.i16(self.request_api_key.code());
        encoder.i16(self.request_api_version);
        encoder.i32(self.correlation_id);
        let version = self.header_version();
        if version >= 1 {
            encoder.nullable_string(self.client_id.as_deref(), false)?;
        }
        if version >= 2 {
            write_section(encoder, Vec::new(), &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}

/// A response header as read from the wire.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseHeader {
    /// Copied from the request.
    pub correlation_id: i32,
    /// Header tagged fields (v1), none defined in 2.4.1.
    pub unknown_tagged_fields: Vec<RawTaggedField>,
}

impl ResponseHeader {
    /// Reads a response header of `header_version` (0 or 1).
    pub fn decode(decoder: &mut Decoder, header_version: i16) -> Result<Self, DecodeError> {
        let mut header = Self {
            correlation_id: decoder.i32()?,
            unknown_tagged_fields: Vec::new(),
        };
        if header_version >= 1 {
            read_section(decoder, &mut header.unknown_tagged_fields, |_, _| Ok(false))?;
        }
        Ok(header)
    }

    /// Writes the header in `header_version` (0 or 1).
    pub fn encode(&self, encoder: &mut Encoder, header_version: i16) -> Result<(), EncodeError> {
        encoder.i32(self.correlation_id);
        if header_version >= 1 {
            write_section(encoder, Vec::new(), &self.unknown_tagged_fields)?;
        }
        Ok(())
    }
}
