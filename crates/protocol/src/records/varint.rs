//! Zig-zag varints as used inside v2 records (protobuf's encoding, as Kafka's `ByteUtils`).
//!
//! Signed values are zig-zag mapped (`(n << 1) ^ (n >> 31)`) and written as base-128 groups, least
//! significant first, high bit = more bytes follow. A varint is at most 5 bytes, a varlong 10.

use super::error::RecordsError;

/// A cursor over a byte slice that never reads past its end.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    /// The bytes being read.
    data: &'a [u8],
    /// Index of the next unread byte.
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// Starts reading at the first byte of `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Cursor { data, pos: 0 }
    }

    /// Bytes not yet read.
    pub(crate) fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// Index of the next unread byte.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Reads one byte.
    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, RecordsError> {
        let b = *self.data.get(self.pos).ok_or(RecordsError::Truncated {
            what,
            needed: 1,
            available: 0,
        })?;
        self.pos += 1;
        Ok(b)
    }

    /// Takes the next `len` bytes, checked against what remains.
    pub(crate) fn take(
        &mut self,
        len: usize,
        what: &'static str,
    ) -> Result<&'a [u8], RecordsError> {
        super::error::need(what, len, self.remaining())?;
        let out = &self.data[self.pos..self.pos + len];
        self.pos += len;
        Ok(out)
    }

    /// Reads a zig-zag varint (int32).
    pub(crate) fn varint(&mut self, what: &'static str) -> Result<i32, RecordsError> {
        let mut raw: u32 = 0;
        for i in 0..5 {
            let b = self
                .u8(what)
                .map_err(|_| RecordsError::MalformedVarint(what))?;
            raw |= u32::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(((raw >> 1) as i32) ^ -((raw & 1) as i32));
            }
        }
        Err(RecordsError::MalformedVarint(what))
    }

    /// Reads a zig-zag varlong (int64).
    pub(crate) fn varlong(&mut self, what: &'static str) -> Result<i64, RecordsError> {
        let mut raw: u64 = 0;
        for i in 0..10 {
            let b = self
                .u8(what)
                .map_err(|_| RecordsError::MalformedVarint(what))?;
            raw |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64));
            }
        }
        Err(RecordsError::MalformedVarint(what))
    }

    /// Reads a varint length and then that many bytes; -1 means null. Other negatives are errors.
    pub(crate) fn nullable_bytes(
        &mut self,
        what: &'static str,
    ) -> Result<Option<&'a [u8]>, RecordsError> {
        let len = self.varint(what)?;
        if len == -1 {
            return Ok(None);
        }
        let len = usize::try_from(len)
            .map_err(|_| RecordsError::InvalidRecord(format!("negative {what} length {len}")))?;
        self.take(len, what).map(Some)
    }
}

/// Appends `value` as a zig-zag varint.
pub(crate) fn put_varint(out: &mut Vec<u8>, value: i32) {
    put_unsigned(out, ((value << 1) ^ (value >> 31)) as u32 as u64);
}

/// Appends `value` as a zig-zag varlong.
pub(crate) fn put_varlong(out: &mut Vec<u8>, value: i64) {
    put_unsigned(out, ((value << 1) ^ (value >> 63)) as u64);
}

/// Appends an unsigned base-128 value.
fn put_unsigned(out: &mut Vec<u8>, mut raw: u64) {
    while raw >= 0x80 {
        out.push((raw as u8) | 0x80);
        raw >>= 7;
    }
    out.push(raw as u8);
}

/// Bytes `put_varint` would write for `value`.
pub(crate) fn varint_size(value: i32) -> usize {
    let mut raw = ((value << 1) ^ (value >> 31)) as u32;
    let mut n = 1;
    while raw >= 0x80 {
        raw >>= 7;
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_round_trips_edges() {
        for v in [0, 1, -1, 63, -64, 64, i32::MAX, i32::MIN] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out.len(), varint_size(v));
            assert_eq!(Cursor::new(&out).varint("t").unwrap(), v);
        }
        for v in [0i64, -1, i64::MAX, i64::MIN, 1 << 40] {
            let mut out = Vec::new();
            put_varlong(&mut out, v);
            assert_eq!(Cursor::new(&out).varlong("t").unwrap(), v);
        }
    }

    #[test]
    fn zigzag_matches_kafka_bytes() {
        // Kafka's ByteUtils: -1 -> 0x01, 1 -> 0x02, 300 -> 0xd8 0x04.
        let mut out = Vec::new();
        put_varint(&mut out, -1);
        put_varint(&mut out, 1);
        put_varint(&mut out, 300);
        assert_eq!(out, [0x01, 0x02, 0xd8, 0x04]);
    }

    #[test]
    fn overlong_and_truncated_varints_are_errors() {
        assert!(Cursor::new(&[0xff; 6]).varint("t").is_err());
        assert!(Cursor::new(&[0xff; 11]).varlong("t").is_err());
        assert!(Cursor::new(&[0x80]).varint("t").is_err());
        assert!(Cursor::new(&[0x0f, 1]).nullable_bytes("t").is_err());
        assert!(Cursor::new(&[0x03]).nullable_bytes("t").is_err());
    }
}
