//! [`Encoder`]: a writer into `bytes::BytesMut` that can also leave holes for externally
//! supplied record data (file regions sent with sendfile by the network layer).

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::EncodeError;
use crate::frame::{Chunk, EncodedFrame};
use crate::primitives::decoder::MAX_STRING_BYTES;

/// Writer for one frame body (header + message).
#[derive(Debug, Default)]
pub struct Encoder {
    /// Every byte written, contiguous; external holes are not in it but recorded in `holes`.
    buf: BytesMut,
    /// External holes as (offset in `buf` where the hole sits, source id, length), in order.
    holes: Vec<(usize, usize, u32)>,
    /// Total bytes of the holes, so the frame length is known.
    external_bytes: usize,
}

impl Encoder {
    /// An empty encoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty encoder with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            buf: BytesMut::with_capacity(capacity),
            ..Self::default()
        }
    }

    /// Bytes written so far, counting external holes.
    pub fn len(&self) -> usize {
        self.buf.len() + self.external_bytes
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes an int8.
    pub fn i8(&mut self, value: i8) {
        self.buf.put_i8(value);
    }

    /// Writes a big-endian int16.
    pub fn i16(&mut self, value: i16) {
        self.buf.put_i16(value);
    }

    /// Writes a big-endian int32.
    pub fn i32(&mut self, value: i32) {
        self.buf.put_i32(value);
    }

    /// Writes a big-endian int64.
    pub fn i64(&mut self, value: i64) {
        self.buf.put_i64(value);
    }

    /// Writes a boolean as 0 or 1.
    pub fn bool(&mut self, value: bool) {
        self.buf.put_u8(u8::from(value));
    }

    /// Writes an unsigned varint (7 bits per byte, low group first).
    pub fn uvarint(&mut self, mut value: u32) {
        while value >= 0x80 {
            self.buf.put_u8((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        self.buf.put_u8(value as u8);
    }

    /// Writes raw bytes with no prefix.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.put_slice(bytes);
    }

    /// Writes a length prefix; `None` writes null.
    fn length(
        &mut self,
        len: Option<usize>,
        flexible: bool,
        classic_int16: bool,
    ) -> Result<(), EncodeError> {
        match (len, flexible) {
            (None, true) => self.uvarint(0),
            (None, false) if classic_int16 => self.i16(-1),
            (None, false) => self.i32(-1),
            (Some(len), true) => {
                let plus_one = u32::try_from(len)
                    .ok()
                    .and_then(|len| len.checked_add(1))
                    .ok_or(EncodeError::TooLong(len))?;
                self.uvarint(plus_one);
            }
            (Some(len), false) if classic_int16 => {
                self.i16(i16::try_from(len).map_err(|_| EncodeError::StringTooLong(len))?)
            }
            (Some(len), false) => {
                self.i32(i32::try_from(len).map_err(|_| EncodeError::TooLong(len))?)
            }
        }
        Ok(())
    }

    /// Writes a (nullable) string in classic or compact form.
    pub fn nullable_string(
        &mut self,
        value: Option<&str>,
        flexible: bool,
    ) -> Result<(), EncodeError> {
        if let Some(text) = value {
            if text.len() > MAX_STRING_BYTES {
                return Err(EncodeError::StringTooLong(text.len()));
            }
        }
        self.length(value.map(str::len), flexible, true)?;
        if let Some(text) = value {
            self.raw(text.as_bytes());
        }
        Ok(())
    }

    /// Writes a (nullable) byte blob in classic (int32) or compact form.
    pub fn nullable_bytes(
        &mut self,
        value: Option<&[u8]>,
        flexible: bool,
    ) -> Result<(), EncodeError> {
        self.length(value.map(<[u8]>::len), flexible, false)?;
        if let Some(bytes) = value {
            self.raw(bytes);
        }
        Ok(())
    }

    /// Writes an array count; `None` writes a null array.
    pub fn array_len(&mut self, len: Option<usize>, flexible: bool) -> Result<(), EncodeError> {
        self.length(len, flexible, false)
    }

    /// Leaves a hole of `len` bytes that the network layer fills from record source `id`.
    pub fn external(&mut self, id: usize, len: u32) {
        self.holes.push((self.buf.len(), id, len));
        self.external_bytes += len as usize;
    }

    /// True when an external hole was written (the output cannot be one contiguous buffer).
    pub fn has_external(&self) -> bool {
        !self.holes.is_empty()
    }

    /// Finishes into a chunked frame (a single `Bytes` chunk when there were no holes). The
    /// chunks are slices of one buffer, so this costs no copy.
    pub fn finish_frame(self) -> EncodedFrame {
        let bytes = self.buf.freeze();
        let mut chunks = Vec::with_capacity(self.holes.len() * 2 + 1);
        let mut start = 0;
        for (offset, id, len) in self.holes {
            if offset > start {
                chunks.push(Chunk::Bytes(bytes.slice(start..offset)));
            }
            chunks.push(Chunk::External { id, len });
            start = offset;
        }
        if start < bytes.len() || chunks.is_empty() {
            chunks.push(Chunk::Bytes(bytes.slice(start..)));
        }
        EncodedFrame { chunks }
    }

    /// Finishes into one contiguous buffer; fails if external holes were written.
    pub fn finish_bytes(self) -> Result<Bytes, EncodeError> {
        if self.has_external() {
            return Err(EncodeError::ExternalNotAllowed);
        }
        Ok(self.buf.freeze())
    }
}
