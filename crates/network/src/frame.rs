//! Size-prefixed frames: `int32 size` (big-endian) followed by `size` bytes (protocol §1.1).
//!
//! This module owns cutting the inbound byte stream into frames and enforcing
//! `socket.request.max.bytes`. It never sizes a buffer from the wire alone: memory grows with
//! bytes actually received, so a 4-byte header claiming 100 MiB costs nothing until the bytes
//! arrive. It knows nothing of request headers.

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Bytes of the size prefix.
pub const SIZE_PREFIX_BYTES: usize = 4;

/// How much buffer to add per read while a large frame is arriving.
const READ_CHUNK_BYTES: usize = 64 * 1024;

/// Why a frame could not be read; every variant closes the connection.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The size prefix is negative, which Kafka rejects as an invalid receive.
    #[error("invalid negative frame size {0}")]
    NegativeSize(i32),
    /// The size prefix exceeds `socket.request.max.bytes`.
    #[error("frame size {size} larger than socket.request.max.bytes {max_bytes}")]
    TooLarge {
        /// The size the peer announced.
        size: i32,
        /// The configured limit.
        max_bytes: i32,
    },
    /// The peer closed the connection in the middle of a frame.
    #[error("connection closed after {received} of {expected} bytes of a frame")]
    Truncated {
        /// Bytes of the frame (prefix included) that arrived.
        received: usize,
        /// Bytes the frame should have had (prefix included).
        expected: usize,
    },
    /// The socket failed.
    #[error("read failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads frames from one connection. Cancel-safe: all partial state lives in `self`, and the
/// only await point is a cancel-safe `read_buf`, so a timeout around `next_frame` loses nothing.
#[derive(Debug)]
pub struct FrameReader<R> {
    /// The socket's read side.
    reader: R,
    /// Received bytes not yet handed out; may hold several pipelined frames.
    buffer: BytesMut,
    /// `socket.request.max.bytes`.
    max_bytes: i32,
    /// Bytes read from the socket so far; the idle check uses it to see partial frames arrive.
    bytes_read: u64,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// Wraps the read side of a connection.
    pub fn new(reader: R, max_bytes: i32) -> Self {
        FrameReader {
            reader,
            buffer: BytesMut::with_capacity(4096),
            max_bytes,
            bytes_read: 0,
        }
    }

    /// Total bytes read from the socket so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next complete frame payload (without its size prefix), or `None` when the peer closed
    /// the connection cleanly between frames.
    pub async fn next_frame(&mut self) -> Result<Option<Bytes>, FrameError> {
        loop {
            if let Some(frame) = self.take_frame()? {
                return Ok(Some(frame));
            }
            let wanted = self.bytes_wanted();
            if self.buffer.capacity() - self.buffer.len() < wanted {
                self.buffer.reserve(wanted);
            }
            let read = self.reader.read_buf(&mut self.buffer).await?;
            self.bytes_read += read as u64;
            if read == 0 {
                if self.buffer.is_empty() {
                    return Ok(None);
                }
                return Err(FrameError::Truncated {
                    received: self.buffer.len(),
                    expected: self.expected_len().unwrap_or(SIZE_PREFIX_BYTES),
                });
            }
        }
    }

    /// Splits one complete frame off the buffer, after checking its size prefix.
    fn take_frame(&mut self) -> Result<Option<Bytes>, FrameError> {
        let Some(size) = self.announced_size() else {
            return Ok(None);
        };
        if size < 0 {
            return Err(FrameError::NegativeSize(size));
        }
        if size > self.max_bytes {
            return Err(FrameError::TooLarge {
                size,
                max_bytes: self.max_bytes,
            });
        }
        let total = SIZE_PREFIX_BYTES + size as usize;
        if self.buffer.len() < total {
            return Ok(None);
        }
        let mut frame = self.buffer.split_to(total);
        frame.advance(SIZE_PREFIX_BYTES);
        Ok(Some(frame.freeze()))
    }

    /// The size prefix at the front of the buffer, once its 4 bytes are in.
    fn announced_size(&self) -> Option<i32> {
        let prefix: [u8; SIZE_PREFIX_BYTES] =
            self.buffer.get(..SIZE_PREFIX_BYTES)?.try_into().ok()?;
        Some(i32::from_be_bytes(prefix))
    }

    /// Full length (prefix included) of the frame at the front, once its size is known and valid.
    fn expected_len(&self) -> Option<usize> {
        let size = usize::try_from(self.announced_size()?).ok()?;
        Some(SIZE_PREFIX_BYTES + size)
    }

    /// How much free buffer the next read should have: what the current frame still needs,
    /// capped so that memory follows the bytes that really arrive.
    fn bytes_wanted(&self) -> usize {
        let missing = self.expected_len().map_or(SIZE_PREFIX_BYTES, |len| {
            len.saturating_sub(self.buffer.len())
        });
        missing.clamp(SIZE_PREFIX_BYTES, READ_CHUNK_BYTES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn frames(input: &[u8], max_bytes: i32) -> (Vec<Bytes>, Option<FrameError>) {
        let mut reader = FrameReader::new(input, max_bytes);
        let mut out = Vec::new();
        loop {
            match reader.next_frame().await {
                Ok(Some(frame)) => out.push(frame),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    #[tokio::test]
    async fn splits_pipelined_frames_including_empty_ones() {
        let input = [0, 0, 0, 2, b'a', b'b', 0, 0, 0, 0, 0, 0, 0, 1, b'c'];
        let (out, err) = frames(&input, 100).await;
        assert!(err.is_none());
        assert_eq!(
            out,
            vec![
                Bytes::from_static(b"ab"),
                Bytes::new(),
                Bytes::from_static(b"c")
            ]
        );
    }

    #[tokio::test]
    async fn rejects_negative_and_oversized_sizes_without_allocating() {
        let (_, err) = frames(&[0xff, 0xff, 0xff, 0xfe], 100).await;
        assert!(matches!(err, Some(FrameError::NegativeSize(-2))));
        let (_, err) = frames(&[0x7f, 0xff, 0xff, 0xff, 1, 2], i32::MAX - 1).await;
        assert!(matches!(err, Some(FrameError::TooLarge { .. })));
        let (_, err) = frames(&[0, 0, 0, 101], 100).await;
        assert!(matches!(err, Some(FrameError::TooLarge { size: 101, .. })));
    }

    #[tokio::test]
    async fn a_huge_claim_only_reserves_what_arrives() {
        let mut reader = FrameReader::new(&[0x06, 0, 0, 0, 1, 2, 3][..], i32::MAX);
        let err = reader.next_frame().await.unwrap_err();
        assert!(matches!(err, FrameError::Truncated { received: 7, .. }));
        assert!(reader.buffer.capacity() <= 2 * READ_CHUNK_BYTES + 4096);
    }

    #[tokio::test]
    async fn eof_inside_the_prefix_is_truncation() {
        let (_, err) = frames(&[0, 0], 100).await;
        assert!(matches!(
            err,
            Some(FrameError::Truncated {
                received: 2,
                expected: 4
            })
        ));
    }
}
