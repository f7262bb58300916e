//! [`Decoder`]: a bounds-checked reader over a frame held in `bytes::Bytes`.
//!
//! Every read checks the bytes that remain first, so a hostile length can only produce a
//! [`DecodeError`], never a panic or a large allocation. Byte fields are returned as zero-copy
//! `Bytes::slice`s of the frame.

use bytes::{Buf, Bytes};

use crate::error::DecodeError;

/// Longest string Kafka reads or writes (its length is an int16 in the classic encoding).
pub const MAX_STRING_BYTES: usize = i16::MAX as usize;

/// Reader over one frame (or a sub-slice of one, e.g. a tagged-field value).
#[derive(Debug, Clone)]
pub struct Decoder {
    /// The unread part of the input; reads advance it.
    buf: Bytes,
}

impl Decoder {
    /// Reads from `buf`, which the decoder takes (cheaply: `Bytes` is reference counted).
    pub fn new(buf: Bytes) -> Self {
        Self { buf }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> &Bytes {
        &self.buf
    }

    fn need(&self, needed_bytes: usize) -> Result<(), DecodeError> {
        if self.buf.len() < needed_bytes {
            return Err(DecodeError::UnexpectedEof {
                needed_bytes,
                remaining_bytes: self.buf.len(),
            });
        }
        Ok(())
    }

    /// Reads an int8.
    pub fn i8(&mut self) -> Result<i8, DecodeError> {
        self.need(1)?;
        Ok(self.buf.get_i8())
    }

    /// Reads a big-endian int16.
    pub fn i16(&mut self) -> Result<i16, DecodeError> {
        self.need(2)?;
        Ok(self.buf.get_i16())
    }

    /// Reads a big-endian int32.
    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        self.need(4)?;
        Ok(self.buf.get_i32())
    }

    /// Reads a big-endian int64.
    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        self.need(8)?;
        Ok(self.buf.get_i64())
    }

    /// Reads a boolean; any non-zero byte is true, as in Kafka.
    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        Ok(self.i8()? != 0)
    }

    /// Reads an unsigned varint of at most 5 bytes (KIP-482).
    pub fn uvarint(&mut self) -> Result<u32, DecodeError> {
        let mut value: u32 = 0;
        for index in 0..5 {
            self.need(1)?;
            let byte = self.buf.get_u8();
            value |= u32::from(byte & 0x7f) << (7 * index);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::VarintTooLong)
    }

    /// Takes the next `len` bytes as a zero-copy slice, after checking they are there.
    pub fn take(&mut self, len: usize) -> Result<Bytes, DecodeError> {
        self.need(len)?;
        Ok(self.buf.split_to(len))
    }

    /// Reads a length prefix: classic int16/int32 or compact uvarint (N + 1). `None` = null.
    fn length(
        &mut self,
        flexible: bool,
        classic_int16: bool,
    ) -> Result<Option<usize>, DecodeError> {
        let raw: i64 = if flexible {
            i64::from(self.uvarint()?) - 1
        } else if classic_int16 {
            i64::from(self.i16()?)
        } else {
            i64::from(self.i32()?)
        };
        if raw < 0 {
            return Ok(None);
        }
        usize::try_from(raw)
            .map(Some)
            .map_err(|_| DecodeError::NegativeLength(raw))
    }

    /// Reads a string (classic or compact); `None` means the wire said null.
    pub fn nullable_string(&mut self, flexible: bool) -> Result<Option<String>, DecodeError> {
        let Some(len) = self.length(flexible, true)? else {
            return Ok(None);
        };
        if len > MAX_STRING_BYTES {
            return Err(DecodeError::StringTooLong(len));
        }
        let raw = self.take(len)?;
        String::from_utf8(raw.to_vec())
            .map(Some)
            .map_err(|_| DecodeError::InvalidUtf8)
    }

    /// Reads a non-nullable string; null is an error.
    pub fn string(&mut self, flexible: bool) -> Result<String, DecodeError> {
        self.nullable_string(flexible)?
            .ok_or(DecodeError::UnexpectedNull)
    }

    /// Reads a byte blob (classic int32 or compact length) as a zero-copy slice; `None` = null.
    pub fn nullable_bytes(&mut self, flexible: bool) -> Result<Option<Bytes>, DecodeError> {
        match self.length(flexible, false)? {
            None => Ok(None),
            Some(len) => self.take(len).map(Some),
        }
    }

    /// Reads an array element count; `None` = null. The count is checked against the bytes left
    /// (every element takes at least one byte), so callers may reserve `count` elements safely.
    pub fn array_len(&mut self, flexible: bool) -> Result<Option<usize>, DecodeError> {
        let len = self.length(flexible, false)?;
        if let Some(count) = len {
            self.need(count)?;
        }
        Ok(len)
    }
}
