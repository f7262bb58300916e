//! The [`Message`] trait: a top-level request or response body of one API, read and written at a
//! version (which decides the flexible encoding).

use std::fmt::Debug;

use crate::api_key::ApiKey;
use crate::error::{DecodeError, EncodeError};
use crate::primitives::{Ctx, Decoder, Encoder, Wire};

/// A request or response body of one API.
pub trait Message: Wire + Default + Clone + PartialEq + Debug {
    /// The API this body belongs to.
    const API_KEY: ApiKey;

    /// Reads the body at `version` (no range check; see [`ApiKey::valid_versions`]).
    fn decode_body(decoder: &mut Decoder, version: i16) -> Result<Self, DecodeError> {
        Self::decode(
            decoder,
            Ctx::new(version, Self::API_KEY.is_flexible(version)),
        )
    }

    /// Writes the body at `version` (no range check).
    fn encode_body(&self, encoder: &mut Encoder, version: i16) -> Result<(), EncodeError> {
        self.encode(
            encoder,
            Ctx::new(version, Self::API_KEY.is_flexible(version)),
        )
    }

    /// Returns the body as a `version` reader would see it (test support).
    fn normalized(mut self, version: i16) -> Self {
        self.normalize(Ctx::new(version, Self::API_KEY.is_flexible(version)));
        self
    }
}
