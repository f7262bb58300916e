//! Writing one response frame: the size prefix, in-memory chunks, and file regions.
//!
//! This module owns the zero-copy path: `Chunk::External` parts are sent with sendfile(2) from
//! their [`FileRegion`], waiting on the socket's writable readiness and resuming after partial
//! writes. When sendfile is unavailable (EINVAL, ENOSYS, an fd it cannot send from) or disabled,
//! it falls back to reading the region with pread and writing the bytes. It does not decide
//! what to send.
//!
//! Both paths read the file on the calling runtime thread. For data in the page cache that is a
//! memory copy; a cold read blocks the thread (Kafka's KAFKA-7504), so the fetch path should
//! hand out regions it has just read or warmed.

use std::io;
use std::os::unix::fs::FileExt;

use bytes::{BufMut, Bytes, BytesMut};
use gregor_protocol::frame::{Chunk, EncodedFrame};
use nix::errno::Errno;
use tokio::io::{AsyncWrite, AsyncWriteExt, Interest};
use tokio::net::TcpStream;

use crate::service::FileRegion;

/// In-memory chunks up to this size are copied together so the size prefix and small headers
/// leave in one segment; larger ones are written from their own buffer.
const COALESCE_LIMIT_BYTES: usize = 16 * 1024;

/// Buffer size of the pread fallback.
const FALLBACK_CHUNK_BYTES: usize = 64 * 1024;

/// Why a response could not be written; every variant closes the connection, since the peer
/// may already have part of the frame.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The payload does not fit the int32 size prefix.
    #[error("response of {0} bytes does not fit a frame")]
    TooLarge(usize),
    /// An external chunk names a file region the response does not carry.
    #[error("external chunk {id} has no file region ({regions} regions)")]
    MissingRegion {
        /// The chunk's region index.
        id: usize,
        /// How many regions the response carried.
        regions: usize,
    },
    /// An external chunk's length differs from its file region's.
    #[error("external chunk {id} is {chunk_len} bytes but its file region is {region_len}")]
    LengthMismatch {
        /// The chunk's region index.
        id: usize,
        /// Length the encoder reserved.
        chunk_len: u32,
        /// Length of the region.
        region_len: u32,
    },
    /// The file ended before the region did (truncated underneath us); the frame size was
    /// already written, so the connection must close.
    #[error("file region ended {missing} bytes early at position {position}")]
    FileTruncated {
        /// File position where data ran out.
        position: u64,
        /// Bytes of the region that could not be sent.
        missing: u64,
    },
    /// The socket or the file failed.
    #[error("write failed: {0}")]
    Io(#[from] io::Error),
}

/// What writing one frame did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Bytes on the wire, size prefix included.
    pub bytes_written: u64,
    /// Bytes of file regions sent by sendfile(2) (zero-copy).
    pub sendfile_bytes: u64,
    /// Bytes of file regions read into memory and written (fallback).
    pub copied_file_bytes: u64,
}

/// Writes one frame (size prefix + chunks) to `socket`.
pub async fn write_frame<W>(
    socket: &mut W,
    frame: &EncodedFrame,
    regions: &[FileRegion],
    use_sendfile: bool,
) -> Result<WriteStats, SendError>
where
    W: AsyncWrite + AsRef<TcpStream> + Unpin,
{
    let total = frame.total_len();
    let size = i32::try_from(total).map_err(|_| SendError::TooLarge(total))?;
    check_regions(frame, regions)?;
    let mut stats = WriteStats {
        bytes_written: total as u64 + 4,
        ..WriteStats::default()
    };
    let mut pending = BytesMut::with_capacity(COALESCE_LIMIT_BYTES.min(total + 4));
    pending.put_i32(size);
    for chunk in &frame.chunks {
        match chunk {
            Chunk::Bytes(bytes) if bytes.len() <= COALESCE_LIMIT_BYTES => {
                pending.extend_from_slice(bytes);
            }
            Chunk::Bytes(bytes) => {
                flush(socket, &mut pending).await?;
                socket.write_all(bytes).await?;
            }
            Chunk::External { id, .. } => {
                flush(socket, &mut pending).await?;
                let region = regions.get(*id).ok_or(SendError::MissingRegion {
                    id: *id,
                    regions: regions.len(),
                })?;
                write_region(socket, region, use_sendfile, &mut stats).await?;
            }
        }
    }
    flush(socket, &mut pending).await?;
    socket.flush().await?;
    Ok(stats)
}

/// Validates every external chunk against the regions before a single byte is written, so a
/// bad response is refused without leaving a half-written frame.
fn check_regions(frame: &EncodedFrame, regions: &[FileRegion]) -> Result<(), SendError> {
    for chunk in &frame.chunks {
        if let Chunk::External { id, len } = chunk {
            let region = regions.get(*id).ok_or(SendError::MissingRegion {
                id: *id,
                regions: regions.len(),
            })?;
            if region.len != *len {
                return Err(SendError::LengthMismatch {
                    id: *id,
                    chunk_len: *len,
                    region_len: region.len,
                });
            }
        }
    }
    Ok(())
}

async fn flush<W: AsyncWrite + Unpin>(socket: &mut W, pending: &mut BytesMut) -> io::Result<()> {
    if !pending.is_empty() {
        let bytes: Bytes = pending.split().freeze();
        socket.write_all(&bytes).await?;
    }
    Ok(())
}

/// Writes one file region, with sendfile when allowed and possible.
async fn write_region<W>(
    socket: &mut W,
    region: &FileRegion,
    use_sendfile: bool,
    stats: &mut WriteStats,
) -> Result<(), SendError>
where
    W: AsyncWrite + AsRef<TcpStream> + Unpin,
{
    let mut position = region.position;
    let end = region
        .position
        .checked_add(u64::from(region.len))
        .ok_or(SendError::Io(io::ErrorKind::InvalidInput.into()))?;
    if use_sendfile {
        let started = position;
        let sent = sendfile_region(socket.as_ref(), region, &mut position, end).await;
        stats.sendfile_bytes += position - started;
        match sent {
            Ok(()) => return Ok(()),
            Err(SendfileError::Unsupported(errno)) => {
                log::debug!("sendfile unavailable ({errno}), copying the file region instead");
            }
            Err(SendfileError::Send(e)) => return Err(e),
        }
    }
    stats.copied_file_bytes += end - position;
    copy_region(socket, region, position, end).await
}

/// sendfile outcome that distinguishes "use the fallback" from real failures.
enum SendfileError {
    /// sendfile cannot be used for this fd pair; nothing was sent from the failing call.
    Unsupported(Errno),
    /// A failure that ends the connection.
    Send(SendError),
}

/// Sends `[*position, end)` of the region with sendfile, advancing `position` as bytes go out.
async fn sendfile_region(
    socket: &TcpStream,
    region: &FileRegion,
    position: &mut u64,
    end: u64,
) -> Result<(), SendfileError> {
    while *position < end {
        let remaining = usize::try_from(end - *position).unwrap_or(usize::MAX);
        let mut offset = i64::try_from(*position)
            .map_err(|_| SendfileError::Send(SendError::Io(io::ErrorKind::InvalidInput.into())))?;
        socket
            .writable()
            .await
            .map_err(|e| SendfileError::Send(e.into()))?;
        let result = socket.try_io(Interest::WRITABLE, || {
            nix::sys::sendfile::sendfile(socket, region.file.as_ref(), Some(&mut offset), remaining)
                .map_err(io::Error::from)
        });
        match result {
            Ok(0) => {
                return Err(SendfileError::Send(SendError::FileTruncated {
                    position: *position,
                    missing: end - *position,
                }))
            }
            Ok(sent) => *position += sent as u64,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => match e.raw_os_error().map(Errno::from_raw) {
                Some(errno @ (Errno::EINVAL | Errno::ENOSYS | Errno::EOPNOTSUPP)) => {
                    return Err(SendfileError::Unsupported(errno))
                }
                _ => return Err(SendfileError::Send(e.into())),
            },
        }
    }
    Ok(())
}

/// Fallback: pread the region in chunks and write them. File reads are short positional reads
/// of data the log just handed out, normally in the page cache.
async fn copy_region<W: AsyncWrite + Unpin>(
    socket: &mut W,
    region: &FileRegion,
    mut position: u64,
    end: u64,
) -> Result<(), SendError> {
    let chunk_len = FALLBACK_CHUNK_BYTES.min(usize::try_from(end - position).unwrap_or(usize::MAX));
    let mut buffer = vec![0u8; chunk_len];
    while position < end {
        let want = chunk_len.min(usize::try_from(end - position).unwrap_or(usize::MAX));
        let read = match region.file.read_at(&mut buffer[..want], position) {
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        if read == 0 {
            return Err(SendError::FileTruncated {
                position,
                missing: end - position,
            });
        }
        socket.write_all(&buffer[..read]).await?;
        position += read as u64;
    }
    Ok(())
}
