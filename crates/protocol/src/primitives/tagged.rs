//! Tagged-field sections (KIP-482): `uvarint count`, then per field `uvarint tag`, `uvarint size`,
//! `size` bytes. Unknown tags are kept as raw bytes so a decoded message re-encodes unchanged.

use bytes::Bytes;

use super::{Decoder, Encoder};
use crate::error::{DecodeError, EncodeError};

/// A tagged field this codec does not know, kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawTaggedField {
    /// The tag number.
    pub tag: u32,
    /// The encoded value (without tag and size).
    pub data: Bytes,
}

/// Reads a tagged-field section, calling `known(tag, value_decoder)` for each field; it returns
/// `Ok(true)` when it consumed the tag, else the field is kept in `unknown`.
pub fn read_section(
    decoder: &mut Decoder,
    unknown: &mut Vec<RawTaggedField>,
    mut known: impl FnMut(u32, &mut Decoder) -> Result<bool, DecodeError>,
) -> Result<(), DecodeError> {
    let count = decoder.uvarint()? as usize;
    // Each field takes at least two bytes (tag and size), so a huge count fails here.
    if count > decoder.remaining() {
        return Err(DecodeError::UnexpectedEof {
            needed_bytes: count,
            remaining_bytes: decoder.remaining(),
        });
    }
    let mut previous: Option<u32> = None;
    for _ in 0..count {
        let tag = decoder.uvarint()?;
        if let Some(previous) = previous {
            if tag <= previous {
                return Err(DecodeError::TagsOutOfOrder { tag, previous });
            }
        }
        previous = Some(tag);
        let size = decoder.uvarint()? as usize;
        let data = decoder.take(size)?;
        let mut value = Decoder::new(data.clone());
        if !known(tag, &mut value)? {
            unknown.push(RawTaggedField { tag, data });
        }
    }
    Ok(())
}

/// Writes a tagged-field section from already-encoded known fields plus the unknown ones,
/// merged in increasing tag order.
pub fn write_section(
    encoder: &mut Encoder,
    mut known: Vec<RawTaggedField>,
    unknown: &[RawTaggedField],
) -> Result<(), EncodeError> {
    known.extend(unknown.iter().cloned());
    // Stable sort keeps a known field ahead of an unknown one with the same tag; the duplicate is
    // dropped so the section stays strictly increasing, as readers require.
    known.sort_by_key(|field| field.tag);
    known.dedup_by_key(|field| field.tag);
    let count = u32::try_from(known.len()).map_err(|_| EncodeError::TooLong(known.len()))?;
    encoder.uvarint(count);
    for field in &known {
        encoder.uvarint(field.tag);
        let size =
            u32::try_from(field.data.len()).map_err(|_| EncodeError::TooLong(field.data.len()))?;
        encoder.uvarint(size);
        encoder.raw(&field.data);
    }
    Ok(())
}
