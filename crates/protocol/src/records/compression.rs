//! The five codecs of Kafka 2.4 and bounded decompression.
//!
//! Formats, as Kafka's Java client writes them:
//! - gzip: RFC 1952 stream(s); concatenated members are read like `GZIPInputStream` does.
//! - snappy: snappy-java's xerial framing: magic `82 'SNAPPY' 00`, int32 version, int32
//!   compatible version (16 bytes), then blocks of int32 length + raw snappy data. librdkafka also
//!   sends plain raw snappy; both are accepted (raw when the magic is absent).
//! - lz4: the LZ4 frame format. Magic 0 messages were written with a header checksum computed over
//!   the wrong bytes (KAFKA-3160), so legacy reads repair the checksum byte before decoding.
//! - zstd: a zstd frame (magic 2 only).
//!
//! Every decompression takes a byte limit and fails with `DecompressedTooLarge` instead of
//! inflating past it, so a few kilobytes of zip bomb cannot exhaust memory.

use std::io::{Read, Write};

use super::error::RecordsError;

/// Default decompression limit: 64 MiB, well above `message.max.bytes` (1000012) after any sane ratio.
pub const DEFAULT_MAX_DECOMPRESSED_BYTES: usize = 64 * 1024 * 1024;

/// The xerial snappy stream magic (`SnappyCodec.MAGIC_HEADER`).
const XERIAL_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
/// Xerial header: magic + version int32 + compatible version int32.
const XERIAL_HEADER_BYTES: usize = 16;
/// Uncompressed block size snappy-java uses when writing.
const XERIAL_BLOCK_BYTES: usize = 32 * 1024;
/// LZ4 frame magic number, little-endian on the wire.
const LZ4_FRAME_MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];
/// zstd level Kafka's producer uses (`ZstdOutputStream` default).
const ZSTD_LEVEL: i32 = 3;

/// Compression codec of a batch (attribute bits 0-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// 0: records stored as is.
    None,
    /// 1: gzip.
    Gzip,
    /// 2: snappy (xerial-framed or raw).
    Snappy,
    /// 3: LZ4 frame.
    Lz4,
    /// 4: zstd (magic 2 only, Produce v7+ / Fetch v10+).
    Zstd,
}

impl Compression {
    /// The codec for an attribute id; ids 5..=7 are unknown.
    pub fn from_id(id: u8) -> Result<Self, RecordsError> {
        match id {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Gzip),
            2 => Ok(Compression::Snappy),
            3 => Ok(Compression::Lz4),
            4 => Ok(Compression::Zstd),
            other => Err(RecordsError::UnknownCompression(other)),
        }
    }

    /// The attribute id.
    pub fn id(self) -> u8 {
        match self {
            Compression::None => 0,
            Compression::Gzip => 1,
            Compression::Snappy => 2,
            Compression::Lz4 => 3,
            Compression::Zstd => 4,
        }
    }

    /// Kafka's config name (`compression.type` values).
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }

    /// Parses a `compression.type` name (not `producer`, which is a topic-level policy).
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::None, Self::Gzip, Self::Snappy, Self::Lz4, Self::Zstd]
            .into_iter()
            .find(|c| c.name() == name)
    }
}

/// Decompresses `data` written with `codec`, refusing to produce more than `limit_bytes`.
pub fn decompress(
    codec: Compression,
    data: &[u8],
    limit_bytes: usize,
) -> Result<Vec<u8>, RecordsError> {
    match codec {
        Compression::None => {
            if data.len() > limit_bytes {
                return Err(RecordsError::DecompressedTooLarge { codec, limit_bytes });
            }
            Ok(data.to_vec())
        }
        Compression::Gzip => {
            read_bounded(codec, flate2::read::MultiGzDecoder::new(data), limit_bytes)
        }
        Compression::Snappy => decompress_snappy(data, limit_bytes),
        Compression::Lz4 => {
            read_bounded(codec, lz4_flex::frame::FrameDecoder::new(data), limit_bytes)
        }
        Compression::Zstd => {
            let decoder =
                zstd::stream::read::Decoder::new(data).map_err(|e| decode_error(codec, &e))?;
            read_bounded(codec, decoder, limit_bytes)
        }
    }
}

/// Like [`decompress`], for the value of a magic 0/1 wrapper message: repairs the LZ4 header
/// checksum that pre-0.10 Kafka computed over the wrong bytes (KAFKA-3160).
pub fn decompress_legacy(
    codec: Compression,
    data: &[u8],
    limit_bytes: usize,
) -> Result<Vec<u8>, RecordsError> {
    if codec == Compression::Lz4 {
        if let Some(fixed) = repair_lz4_header_checksum(data) {
            return decompress(codec, &fixed, limit_bytes);
        }
    }
    decompress(codec, data, limit_bytes)
}

/// Compresses `data` with `codec` in the format Kafka's Java producer writes.
pub fn compress(codec: Compression, data: &[u8]) -> Result<Vec<u8>, RecordsError> {
    let io_err = |e: std::io::Error| RecordsError::Compression {
        codec,
        reason: e.to_string(),
    };
    match codec {
        Compression::None => Ok(data.to_vec()),
        Compression::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(data).map_err(io_err)?;
            enc.finish().map_err(io_err)
        }
        Compression::Snappy => compress_xerial(data),
        Compression::Lz4 => {
            let info = lz4_flex::frame::FrameInfo::new()
                .block_size(lz4_flex::frame::BlockSize::Max64KB)
                .block_mode(lz4_flex::frame::BlockMode::Independent);
            let mut enc = lz4_flex::frame::FrameEncoder::with_frame_info(info, Vec::new());
            enc.write_all(data).map_err(io_err)?;
            enc.finish().map_err(|e| RecordsError::Compression {
                codec,
                reason: e.to_string(),
            })
        }
        Compression::Zstd => zstd::bulk::compress(data, ZSTD_LEVEL).map_err(io_err),
    }
}

/// Reads `reader` to its end, failing once more than `limit_bytes` come out. The buffer grows by
/// doubling but never past `limit_bytes`, so a bomb costs at most the limit in memory.
fn read_bounded(
    codec: Compression,
    mut reader: impl Read,
    limit_bytes: usize,
) -> Result<Vec<u8>, RecordsError> {
    let mut out: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 32 * 1024];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => return Ok(out),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(decode_error(codec, &e)),
        };
        let needed = out.len() + n;
        if needed > limit_bytes {
            return Err(RecordsError::DecompressedTooLarge { codec, limit_bytes });
        }
        if needed > out.capacity() {
            let target = (out.capacity() * 2).clamp(needed, limit_bytes);
            out.reserve_exact(target - out.len());
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

/// Wraps a decoder failure.
fn decode_error(codec: Compression, e: &dyn std::fmt::Display) -> RecordsError {
    RecordsError::Decompression {
        codec,
        reason: e.to_string(),
    }
}

/// Snappy: xerial-framed when the magic is present, raw otherwise.
fn decompress_snappy(data: &[u8], limit_bytes: usize) -> Result<Vec<u8>, RecordsError> {
    let codec = Compression::Snappy;
    if !data.starts_with(&XERIAL_MAGIC) {
        let mut out = Vec::new();
        raw_snappy_block(data, limit_bytes, &mut out)?;
        return Ok(out);
    }
    if data.len() < XERIAL_HEADER_BYTES {
        return Err(decode_error(codec, &"truncated xerial header"));
    }
    let mut out = Vec::new();
    let mut rest = &data[XERIAL_HEADER_BYTES..];
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err(decode_error(codec, &"truncated xerial block length"));
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        rest = &rest[4..];
        if len > rest.len() {
            return Err(decode_error(codec, &"xerial block longer than the data"));
        }
        let room = limit_bytes - out.len();
        raw_snappy_block(&rest[..len], room, &mut out)?;
        rest = &rest[len..];
    }
    Ok(out)
}

/// Appends one raw snappy block to `out`, checking its declared length against `room` first.
fn raw_snappy_block(block: &[u8], room: usize, out: &mut Vec<u8>) -> Result<(), RecordsError> {
    let codec = Compression::Snappy;
    let len = snap::raw::decompress_len(block).map_err(|e| decode_error(codec, &e))?;
    if len > room {
        let limit_bytes = out.len() + room;
        return Err(RecordsError::DecompressedTooLarge { codec, limit_bytes });
    }
    let start = out.len();
    out.resize(start + len, 0);
    let written = snap::raw::Decoder::new()
        .decompress(block, &mut out[start..])
        .map_err(|e| decode_error(codec, &e))?;
    out.truncate(start + written);
    Ok(())
}

/// Writes the xerial framing snappy-java produces: header, then 32 KiB blocks.
fn compress_xerial(data: &[u8]) -> Result<Vec<u8>, RecordsError> {
    let mut out = Vec::with_capacity(XERIAL_HEADER_BYTES + data.len() / 2 + 16);
    out.extend_from_slice(&XERIAL_MAGIC);
    out.extend_from_slice(&1i32.to_be_bytes());
    out.extend_from_slice(&1i32.to_be_bytes());
    let mut encoder = snap::raw::Encoder::new();
    for chunk in data.chunks(XERIAL_BLOCK_BYTES) {
        let block = encoder
            .compress_vec(chunk)
            .map_err(|e| RecordsError::Compression {
                codec: Compression::Snappy,
                reason: e.to_string(),
            })?;
        out.extend_from_slice(&(block.len() as u32).to_be_bytes());
        out.extend_from_slice(&block);
    }
    Ok(out)
}

/// Returns a copy of an LZ4 frame with its header checksum byte recomputed, or `None` when the
/// data does not start with an LZ4 frame header.
fn repair_lz4_header_checksum(data: &[u8]) -> Option<Vec<u8>> {
    if !data.starts_with(&LZ4_FRAME_MAGIC) || data.len() < 7 {
        return None;
    }
    let flg = data[4];
    let mut descriptor_end = 6; // FLG + BD
    if flg & 0x08 != 0 {
        descriptor_end += 8; // content size
    }
    if flg & 0x01 != 0 {
        descriptor_end += 4; // dictionary id
    }
    if data.len() <= descriptor_end {
        return None;
    }
    let checksum = (xxhash_rust::xxh32::xxh32(&data[4..descriptor_end], 0) >> 8) as u8;
    let mut fixed = data.to_vec();
    fixed[descriptor_end] = checksum;
    Some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Compression; 5] = [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ];

    #[test]
    fn every_codec_round_trips() {
        let data: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        for codec in ALL {
            let packed = compress(codec, &data).unwrap();
            assert_eq!(
                decompress(codec, &packed, data.len()).unwrap(),
                data,
                "{codec:?}"
            );
        }
    }

    #[test]
    fn every_codec_refuses_to_inflate_past_the_limit() {
        let bomb = vec![0u8; 4 * 1024 * 1024];
        for codec in ALL {
            let packed = compress(codec, &bomb).unwrap();
            let err = decompress(codec, &packed, 1024 * 1024).unwrap_err();
            assert!(
                matches!(err, RecordsError::DecompressedTooLarge { .. }),
                "{codec:?}: {err}"
            );
        }
    }

    #[test]
    fn raw_snappy_without_xerial_framing_is_accepted() {
        let data = b"librdkafka sends raw snappy".repeat(10);
        let raw = snap::raw::Encoder::new().compress_vec(&data).unwrap();
        assert_eq!(
            decompress(Compression::Snappy, &raw, 1 << 20).unwrap(),
            data
        );
    }

    #[test]
    fn legacy_lz4_with_kafka_3160_checksum_is_repaired() {
        let data = b"old lz4".repeat(20);
        let mut frame = compress(Compression::Lz4, &data).unwrap();
        // Recompute the checksum the broken way: over magic + FLG + BD.
        frame[6] = (xxhash_rust::xxh32::xxh32(&frame[0..6], 0) >> 8) as u8;
        assert_eq!(
            decompress_legacy(Compression::Lz4, &frame, 1 << 20).unwrap(),
            data
        );
    }

    #[test]
    fn garbage_is_a_decompression_error() {
        for codec in [
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ] {
            assert!(
                decompress(codec, b"\x00\x01garbage", 1 << 20).is_err(),
                "{codec:?}"
            );
        }
    }
}
