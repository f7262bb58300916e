//! Encoded output handed to the network layer: plain bytes, or bytes with holes that stand for
//! record data the network writes itself (file regions, via sendfile).

use bytes::Bytes;

/// Record data of a Fetch response partition (or any `records` field) when encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordsData {
    /// Records already in memory (also what decoding produces).
    Bytes(Bytes),
    /// `len` bytes the network layer supplies from source `id` (e.g. a file region).
    External {
        /// Index into the response's list of file regions.
        id: usize,
        /// Exact number of bytes the source will provide.
        len: u32,
    },
}

impl RecordsData {
    /// Length of the record data on the wire.
    pub fn len(&self) -> usize {
        match self {
            Self::Bytes(bytes) => bytes.len(),
            Self::External { len, .. } => *len as usize,
        }
    }

    /// True when there are no record bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for RecordsData {
    fn default() -> Self {
        Self::Bytes(Bytes::new())
    }
}

/// One piece of an encoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    /// Bytes to write as they are.
    Bytes(Bytes),
    /// `len` bytes the network writes from record source `id`.
    External {
        /// Index into the response's list of file regions.
        id: usize,
        /// Exact number of bytes to write.
        len: u32,
    },
}

/// An encoded frame payload (response header + body), WITHOUT the int32 size prefix; the
/// network writes `total_len()` as the size and then the chunks in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EncodedFrame {
    /// The pieces, in wire order. Plain responses have exactly one `Chunk::Bytes`.
    pub chunks: Vec<Chunk>,
}

impl EncodedFrame {
    /// Payload size in bytes (the value of the frame's size prefix).
    pub fn total_len(&self) -> usize {
        self.chunks
            .iter()
            .map(|chunk| match chunk {
                Chunk::Bytes(bytes) => bytes.len(),
                Chunk::External { len, .. } => *len as usize,
            })
            .sum()
    }

    /// The payload as one buffer when it has no external chunks.
    pub fn to_bytes(&self) -> Option<Bytes> {
        match self.chunks.as_slice() {
            [Chunk::Bytes(bytes)] => Some(bytes.clone()),
            chunks => {
                let mut out = Vec::with_capacity(self.total_len());
                for chunk in chunks {
                    match chunk {
                        Chunk::Bytes(bytes) => out.extend_from_slice(bytes),
                        Chunk::External { .. } => return None,
                    }
                }
                Some(Bytes::from(out))
            }
        }
    }
}
