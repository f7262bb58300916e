//! The [`Wire`] trait: how each Rust field type is read and written at a given version.
//!
//! Field types map to Kafka types as: `i8..i64`/`bool` fixed width; `String` string;
//! `Option<String>` nullable string; `Bytes` bytes; `Option<Bytes>` nullable bytes / records;
//! `Vec<T>` array; `Option<Vec<T>>` nullable array; generated structs are structs (with a trailing
//! tagged-field section in flexible versions). `Ctx::flexible` switches to the compact forms.

use std::ops::{RangeFrom, RangeInclusive};

use bytes::Bytes;

use super::{Decoder, Encoder};
use crate::error::{DecodeError, EncodeError};
use crate::frame::RecordsData;

/// What a field's encoding depends on: the message version, whether it is flexible, and whether
/// null is allowed for this field in this version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ctx {
    /// Message version being read or written.
    pub version: i16,
    /// True in the API's flexible versions (compact forms, tagged sections).
    pub flexible: bool,
    /// True when null is legal for the current field in this version.
    pub nullable: bool,
}

impl Ctx {
    /// Context for a top-level message body.
    pub fn new(version: i16, flexible: bool) -> Self {
        Self {
            version,
            flexible,
            nullable: false,
        }
    }

    /// The same context for a field with the given nullability.
    pub fn field(self, nullable: bool) -> Self {
        Self { nullable, ..self }
    }
}

/// A set of versions, written in message definitions as `0..`, `2..=4` or [`NEVER`].
pub trait VersionRange {
    /// True when `version` is in the set.
    fn has(&self, version: i16) -> bool;
}

impl VersionRange for RangeFrom<i16> {
    fn has(&self, version: i16) -> bool {
        self.contains(&version)
    }
}

impl VersionRange for RangeInclusive<i16> {
    fn has(&self, version: i16) -> bool {
        self.contains(&version)
    }
}

/// The empty version set (e.g. "never nullable").
pub struct Never;

/// Use as a version range that contains no version.
pub const NEVER: Never = Never;

impl VersionRange for Never {
    fn has(&self, _version: i16) -> bool {
        false
    }
}

/// Small deterministic PRNG (xorshift64*) used to generate random messages in tests and fuzzing.
#[derive(Debug, Clone)]
pub struct TestRng(u64);

impl TestRng {
    /// A generator from `seed` (any value, 0 included).
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15 | 1)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }
}

/// A type that has a Kafka wire encoding.
pub trait Wire: Sized {
    /// Reads a value.
    fn decode(decoder: &mut Decoder, ctx: Ctx) -> Result<Self, DecodeError>;
    /// Writes the value.
    fn encode(&self, encoder: &mut Encoder, ctx: Ctx) -> Result<(), EncodeError>;
    /// Makes the value what a decoder of this version would produce (test support): fields the
    /// version lacks reset to their default, nulls where null is illegal replaced by a value.
    fn normalize(&mut self, _ctx: Ctx) {}
    /// A random value (test support; small sizes).
    fn random(rng: &mut TestRng) -> Self;
}

macro_rules! fixed_wire {
    ($($ty:ty => $read:ident),* $(,)?) => {$(
        impl Wire for $ty {
            fn decode(decoder: &mut Decoder, _ctx: Ctx) -> Result<Self, DecodeError> {
                decoder.$read()
            }
            fn encode(&self, encoder: &mut Encoder, _ctx: Ctx) -> Result<(), EncodeError> {
                encoder.$read(*self);
                Ok(())
            }
            fn random(rng: &mut TestRng) -> Self {
                // Mix small values (common, e.g. -1/0/1) with full-range ones.
                if rng.below(2) == 0 { (rng.below(4) as i64 - 1) as $ty } else { rng.next_u64() as $ty }
            }
        }
    )*};
}

fixed_wire!(i8 => i8, i16 => i16, i32 => i32, i64 => i64);

impl Wire for bool {
    fn decode(decoder: &mut Decoder, _ctx: Ctx) -> Result<Self, DecodeError> {
        decoder.bool()
    }
    fn encode(&self, encoder: &mut Encoder, _ctx: Ctx) -> Result<(), EncodeError> {
        encoder.bool(*self);
        Ok(())
    }
    fn random(rng: &mut TestRng) -> Self {
        rng.below(2) == 1
    }
}

fn random_text(rng: &mut TestRng) -> String {
    let len = rng.below(8) as usize;
    (0..len)
        .map(|_| (b'a' + rng.below(26) as u8) as char)
        .collect()
}

impl Wire for String {
    fn decode(decoder: &mut Decoder, ctx: Ctx) -> Result<Self, DecodeError> {
        decoder.string(ctx.flexible)
    }
    fn encode(&self, encoder: &mut Encoder, ctx: Ctx) -> Result<(), EncodeError> {
        encoder.nullable_string(Some(self), ctx.flexible)
    }
    fn random(rng: &mut TestRng) -> Self {
        random_text(rng)
    }
}

impl Wire for Option<String> {
    fn decode(decoder: &mut Decoder, ctx: Ctx) -> Result<Self, DecodeError> {
        let value = decoder.nullable_string(ctx.flexible)?;
        null_check(value, ctx)
    }
    fn encode(&self, encoder: &mut Encoder, ctx: Ctx) -> Result<(), EncodeError> {
        encode_null_check(self.is_none(), ctx)?;
        encoder.nullable_string(self.as_deref(), ctx.flexible)
    }
    fn normalize(&mut self, ctx: Ctx) {
        if !ctx.nullable && self.is_none() {
            *self = Some(String::new());
        }
    }
    fn random(rng: &mut TestRng) -> Self {
        (rng.below(4) != 0).then(|| random_text(rng))
    }
}

impl Wire for Bytes {
    fn decode(decoder: &mut Decoder, ctx: Ctx) -> Result<Self, DecodeError> {
        decoder
            .nullable_bytes(ctx.flexible)?
            .ok_or(DecodeError::UnexpectedNull)
    }
    fn encode(&self, encoder: &mut Encoder, ctx: Ctx) -> Result<(), EncodeError> {
        encoder.nullable_bytes(Some(self), ctx.flexible)
    }
    fn random(rng: &mut TestRng) -> Self {
        let len = rng.below(16) as usize;
        (0..len)
            .map(|_| rng.next_u64() as u8)
            .collect::<Vec<u8>>()
            .into()
    }
}

impl Wire for Option<Bytes> {
    fn decode(decoder: &mut Decoder, ctx: Ctx) -> Result<Self, DecodeError> {
        let value = decoder.nullable_bytes(ctx.flexible)?;
        null_check(value, ctx)
    }
    fn encode(&self, encoder: &mut Encoder, ctx: Ctx) -> Result<(), EncodeError> {
        encode_null_check(self.is_none(), ctx)?;
        encoder.nullable_bytes(self.as_deref(), ctx.flexible)
    }
    fn normalize(&mut self, ctx: Ctx) {
        if !ctx.nullable && self.is_none() {
            *self = Some(Bytes::new());
        }
    }
    fn random(rng: &mut TestRng) -> Self {
        (rng.below(4) != 0).then(|| Bytes::random(rng))
    }
}

/// Records: nullable bytes on the wire; on encode possibly an external hole (sendfile).
impl Wire for Option<RecordsData> {
    fn decode(decoder: &mut Decoder, ctx: Ctx) -> Result<Self, DecodeError> {
        let value = decoder.nullable_bytes(ctx.flexible)?;
        null_check(value.map(RecordsData::Bytes), ctx)
    }
    fn encode(&self, encoder: &mut Encoder, ctx: Ctx) -> Result<(), EncodeError> {
        encode_null_check(self.is_none(), ctx)?;
        match self {
            None => encoder.nullable_bytes(None, ctx.flexible),
            Some(RecordsData::Bytes(bytes)) => encoder.nullable_bytes(Some(bytes), ctx.flexible),
            Some(RecordsData::External { id, len }) => {
                let wire_len = *len as usize;
                if ctx.flexible {
                    encoder.uvarint(len.checked_add(1).ok_or(EncodeError::TooLong(wire_len))?);
                } else {
                    encoder.i32(i32::try_from(*len).map_err(|_| EncodeError::TooLong(wire_len))?);
                }
                encoder.external(*id, *len);
                Ok(())
            }
        }
    }
    fn normalize(&mut self, ctx: Ctx) {
        if !ctx.nullable && self.is_none() {
            *self = Some(RecordsData::default());
        }
    }
    fn random(rng: &mut TestRng) -> Self {
        (rng.below(4) != 0).then(|| RecordsData::Bytes(Bytes::random(rng)))
    }
}

fn null_check<T>(value: Option<T>, ctx: Ctx) -> Result<Option<T>, DecodeError> {
    if value.is_none() && !ctx.nullable {
        return Err(DecodeError::UnexpectedNull);
    }
    Ok(value)
}

fn encode_null_check(is_null: bool, ctx: Ctx) -> Result<(), EncodeError> {
    if is_null && !ctx.nullable {
        return Err(EncodeError::NullNotAllowed);
    }
    Ok(())
}

/// Largest up-front reservation for a decoded array, in bytes.
const MAX_RESERVE_BYTES: usize = 64 * 1024;

fn decode_elements<T: Wire>(
    decoder: &mut Decoder,
    ctx: Ctx,
    count: usize,
) -> Result<Vec<T>, DecodeError> {
    // `array_len` checked count <= remaining bytes; the up-front reservation is further capped so
    // that wide elements cannot turn a small frame into a large allocation (growth then follows
    // elements actually decoded).
    let reserve = count.min(MAX_RESERVE_BYTES / std::mem::size_of::<T>().max(1));
    let mut items = Vec::with_capacity(reserve);
    let element_ctx = ctx.field(false);
    for _ in 0..count {
        items.push(T::decode(decoder, element_ctx)?);
    }
    Ok(items)
}

fn encode_elements<T: Wire>(
    items: &[T],
    encoder: &mut Encoder,
    ctx: Ctx,
) -> Result<(), EncodeError> {
    let element_ctx = ctx.field(false);
    items
        .iter()
        .try_for_each(|item| item.encode(encoder, element_ctx))
}

fn random_elements<T: Wire>(rng: &mut TestRng) -> Vec<T> {
    let len = rng.below(4) as usize;
    (0..len).map(|_| T::random(rng)).collect()
}

impl<T: Wire> Wire for Vec<T> {
    fn decode(decoder: &mut Decoder, ctx: Ctx) -> Result<Self, DecodeError> {
        let count = decoder
            .array_len(ctx.flexible)?
            .ok_or(DecodeError::UnexpectedNull)?;
        decode_elements(decoder, ctx, count)
    }
    fn encode(&self, encoder: &mut Encoder, ctx: Ctx) -> Result<(), EncodeError> {
        encoder.array_len(Some(self.len()), ctx.flexible)?;
        encode_elements(self, encoder, ctx)
    }
    fn normalize(&mut self, ctx: Ctx) {
        let element_ctx = ctx.field(false);
        self.iter_mut().for_each(|item| item.normalize(element_ctx));
    }
    fn random(rng: &mut TestRng) -> Self {
        random_elements(rng)
    }
}

impl<T: Wire> Wire for Option<Vec<T>> {
    fn decode(decoder: &mut Decoder, ctx: Ctx) -> Result<Self, DecodeError> {
        match decoder.array_len(ctx.flexible)? {
            None => null_check(None, ctx),
            Some(count) => decode_elements(decoder, ctx, count).map(Some),
        }
    }
    fn encode(&self, encoder: &mut Encoder, ctx: Ctx) -> Result<(), EncodeError> {
        encode_null_check(self.is_none(), ctx)?;
        encoder.array_len(self.as_ref().map(Vec::len), ctx.flexible)?;
        match self {
            Some(items) => encode_elements(items, encoder, ctx),
            None => Ok(()),
        }
    }
    fn normalize(&mut self, ctx: Ctx) {
        match self {
            None if !ctx.nullable => *self = Some(Vec::new()),
            Some(items) => items.normalize(ctx),
            None => {}
        }
    }
    fn random(rng: &mut TestRng) -> Self {
        (rng.below(4) != 0).then(|| random_elements(rng))
    }
}

impl Wire for crate::error_code::ErrorCode {
    fn decode(decoder: &mut Decoder, _ctx: Ctx) -> Result<Self, DecodeError> {
        decoder.i16().map(Self::from_i16)
    }
    fn encode(&self, encoder: &mut Encoder, _ctx: Ctx) -> Result<(), EncodeError> {
        encoder.i16(self.code());
        Ok(())
    }
    fn random(rng: &mut TestRng) -> Self {
        Self::from_i16(rng.below(90) as i16 - 1)
    }
}
