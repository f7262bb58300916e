//! Corrupt and hostile record sets: each must give the error a Kafka 2.4.1 leader gives (or stop
//! cleanly at a torn tail), without panicking and without allocating what the input claims.

use gregor_protocol::records::{
    batches, legacy_messages, validate, validate_legacy, Compression, LegacyBuilder, PartialBatch,
    RecordBatch, RecordBatchBuilder, RecordBatchMut, RecordsError, ValidateOptions,
};

/// A plain three-record batch.
fn three_records(compression: Compression) -> Vec<u8> {
    RecordBatchBuilder::new()
        .compression(compression)
        .append(1000, Some(b"k0"), Some(b"v0"), &[("h", Some(b"x"))])
        .append(1001, None, Some(b"v1"), &[])
        .append(1002, Some(b"k2"), None, &[])
        .build()
        .unwrap()
}

fn validate_bytes(bytes: &[u8], options: &ValidateOptions) -> Result<(), RecordsError> {
    let batch = RecordBatch::new(bytes)?;
    validate(&batch, options).map(|_| ())
}

/// Writes a big-endian i32 at `at` and fixes the CRC so only the structural problem remains.
fn patch_i32_and_recrc(bytes: &mut [u8], at: usize, value: i32) {
    bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
    RecordBatchMut::new(bytes).unwrap().update_crc();
}

#[test]
fn a_flipped_bit_anywhere_under_the_crc_is_corrupt_message() {
    let good = three_records(Compression::None);
    for at in 21..good.len() {
        let mut bad = good.clone();
        bad[at] ^= 0x10;
        let err = validate_bytes(&bad, &ValidateOptions::default()).unwrap_err();
        assert!(err.is_crc_mismatch(), "byte {at}: {err}");
        assert_eq!(err.error_code().code(), 2, "CORRUPT_MESSAGE");
    }
}

#[test]
fn base_offset_and_leader_epoch_are_outside_the_crc() {
    let mut bytes = three_records(Compression::Gzip);
    bytes[3] ^= 0xff; // base offset
    bytes[14] ^= 0xff; // partition leader epoch
    let replica = ValidateOptions {
        from_client: false,
        ..ValidateOptions::default()
    };
    validate_bytes(&bytes, &replica).unwrap();
    // A client, though, must send base offset 0 (Log.analyzeAndValidateRecords).
    let err = validate_bytes(&bytes, &ValidateOptions::default()).unwrap_err();
    assert!(err.to_string().contains("baseOffset"), "{err}");
}

#[test]
fn a_record_count_above_the_records_present_is_rejected() {
    let mut bytes = three_records(Compression::None);
    patch_i32_and_recrc(&mut bytes, 57, 4);
    // From a client the header itself is inconsistent (last offset delta 2 vs count 4).
    let client = validate_bytes(&bytes, &ValidateOptions::default()).unwrap_err();
    assert!(matches!(client, RecordsError::InvalidBatch(_)), "{client}");
    // Replicated data skips the client rules and finds only three records.
    let replica = ValidateOptions {
        from_client: false,
        ..ValidateOptions::default()
    };
    let err = validate_bytes(&bytes, &replica).unwrap_err();
    assert!(
        matches!(err, RecordsError::RecordCountMismatch { declared: 4, .. }),
        "{err}"
    );
}

#[test]
fn a_record_count_below_the_records_present_leaves_bytes_over() {
    for codec in [Compression::None, Compression::Snappy] {
        let mut bytes = three_records(codec);
        patch_i32_and_recrc(&mut bytes, 57, 2);
        patch_i32_and_recrc(&mut bytes, 23, 1); // keep the client offset-range rule happy
        let err = validate_bytes(&bytes, &ValidateOptions::default()).unwrap_err();
        assert!(
            matches!(err, RecordsError::RecordCountMismatch { declared: 2, .. }),
            "{codec:?}: {err}"
        );
    }
}

#[test]
fn a_huge_record_count_with_no_records_is_an_error_not_an_allocation() {
    let mut bytes = three_records(Compression::None);
    bytes.truncate(61);
    bytes[8..12].copy_from_slice(&49i32.to_be_bytes());
    patch_i32_and_recrc(&mut bytes, 57, i32::MAX);
    let replica = ValidateOptions {
        from_client: false,
        ..ValidateOptions::default()
    };
    let err = validate_bytes(&bytes, &replica).unwrap_err();
    assert!(
        matches!(err, RecordsError::RecordCountMismatch { .. }),
        "{err}"
    );
}

#[test]
fn a_record_length_beyond_the_batch_is_an_error() {
    let mut bytes = three_records(Compression::None);
    bytes[61] = 0xfe; // first record's length varint: zig-zag 0x7e... with continuation
    bytes[62] |= 0x80;
    RecordBatchMut::new(&mut bytes).unwrap().update_crc();
    let err = validate_bytes(&bytes, &ValidateOptions::default()).unwrap_err();
    assert_eq!(err.error_code().code(), 2, "{err}");
    assert!(!err.is_crc_mismatch());
}

#[test]
fn ten_bytes_are_a_partial_tail_and_a_huge_size_field_allocates_nothing() {
    let mut iter = batches(&[0u8; 10]);
    assert!(iter.next().is_none());
    assert_eq!(
        iter.partial_tail(),
        Some(PartialBatch {
            position: 0,
            available_bytes: 10,
            needed_bytes: None
        })
    );
    let mut claim = vec![0u8; 8];
    claim.extend_from_slice(&i32::MAX.to_be_bytes());
    claim.extend_from_slice(&[0, 0, 0, 0, 2]);
    let mut iter = batches(&claim);
    assert!(iter.next().is_none());
    assert_eq!(
        iter.partial_tail().unwrap().needed_bytes,
        Some(i32::MAX as usize + 12)
    );
    let capped: Vec<_> = batches(&claim).with_max_batch_bytes(1_000_012).collect();
    assert!(matches!(
        capped[..],
        [Err(RecordsError::SizeTooLarge { .. })]
    ));
    assert!(RecordBatch::from_prefix(&claim).is_err());
}

#[test]
fn a_negative_or_tiny_size_field_is_corrupt() {
    for size in [-1i32, i32::MIN, 0, 13] {
        let mut bytes = vec![0u8; 8];
        bytes.extend_from_slice(&size.to_be_bytes());
        bytes.extend_from_slice(&[0u8; 60]);
        let got: Vec<_> = batches(&bytes).collect();
        assert!(
            matches!(got[..], [Err(RecordsError::SizeTooSmall { .. })]),
            "size {size}: {got:?}"
        );
    }
    // 14..48 passes the generic walk but is too small for a v2 header.
    let mut bytes = three_records(Compression::None);
    bytes[8..12].copy_from_slice(&20i32.to_be_bytes());
    let got: Vec<_> = batches(&bytes).collect();
    assert!(
        matches!(got[..], [Err(RecordsError::SizeTooSmall { .. })]),
        "{got:?}"
    );
}

#[test]
fn a_torn_tail_stops_iteration_after_the_complete_batches() {
    let one = three_records(Compression::Lz4);
    let mut set = one.clone();
    set.extend_from_slice(&one);
    let full = set.len();
    set.extend_from_slice(&one[..one.len() - 7]);
    let mut iter = batches(&set);
    assert!(iter.by_ref().all(|b| b.unwrap().is_valid()));
    assert_eq!(iter.position(), full);
    assert_eq!(
        iter.partial_tail(),
        Some(PartialBatch {
            position: full,
            available_bytes: one.len() - 7,
            needed_bytes: Some(one.len())
        })
    );
}

#[test]
fn an_invalid_magic_byte_stops_iteration_with_an_error() {
    let mut set = three_records(Compression::None);
    let good_len = set.len();
    let mut bad = three_records(Compression::None);
    bad[16] = 3;
    set.extend_from_slice(&bad);
    let mut iter = batches(&set);
    assert!(iter.next().unwrap().is_ok());
    assert_eq!(
        iter.next().unwrap().unwrap_err(),
        RecordsError::InvalidMagic(3)
    );
    assert!(iter.next().is_none());
    assert_eq!(
        iter.position(),
        good_len,
        "position stays at the start of the bad batch"
    );
}

#[test]
fn every_codec_zip_bomb_hits_the_decompression_limit() {
    let zeros = vec![0u8; 2 * 1024 * 1024];
    let options = ValidateOptions {
        max_decompressed_bytes: 256 * 1024,
        ..ValidateOptions::default()
    };
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let bytes = RecordBatchBuilder::new()
            .compression(codec)
            .append(0, None, Some(&zeros), &[])
            .build()
            .unwrap();
        assert!(
            bytes.len() < 200 * 1024,
            "{codec:?} should compress zeros well"
        );
        let err = validate_bytes(&bytes, &options).unwrap_err();
        assert!(
            matches!(err, RecordsError::DecompressedTooLarge { .. }),
            "{codec:?}: {err}"
        );
    }
}

#[test]
fn garbage_inside_a_compressed_batch_is_corrupt() {
    let mut bytes = three_records(Compression::Zstd);
    let end = bytes.len();
    bytes[end - 6..].fill(0xaa);
    RecordBatchMut::new(&mut bytes).unwrap().update_crc();
    let err = validate_bytes(&bytes, &ValidateOptions::default()).unwrap_err();
    assert_eq!(err.error_code().code(), 2, "{err}");
}

#[test]
fn legacy_flipped_bits_are_crc_errors_outside_and_inside_wrappers() {
    let mut plain = LegacyBuilder::new(1, Compression::None).unwrap();
    plain.append(0, 5, Some(b"k"), Some(b"v"));
    let mut bytes = plain.build().unwrap();
    bytes[20] ^= 1;
    let err = validate_legacy(&bytes, 1 << 20).unwrap_err();
    assert!(err.is_crc_mismatch(), "{err}");

    // A wrapper whose inner message is corrupt but whose own CRC is right.
    let mut inner = LegacyBuilder::new(1, Compression::None).unwrap();
    inner.append(0, 5, Some(b"k"), Some(b"v"));
    let mut inner = inner.build().unwrap();
    inner[30] ^= 1;
    let compressed =
        gregor_protocol::records::compression::compress(Compression::Gzip, &inner).unwrap();
    let mut wrapper = Vec::new();
    wrapper.extend_from_slice(&0i64.to_be_bytes());
    wrapper.extend_from_slice(&((22 + compressed.len()) as i32).to_be_bytes());
    wrapper.extend_from_slice(&[0, 0, 0, 0, 1, 1]);
    wrapper.extend_from_slice(&5i64.to_be_bytes());
    wrapper.extend_from_slice(&(-1i32).to_be_bytes());
    wrapper.extend_from_slice(&(compressed.len() as i32).to_be_bytes());
    wrapper.extend_from_slice(&compressed);
    let crc = crc32fast::hash(&wrapper[16..]);
    wrapper[12..16].copy_from_slice(&crc.to_be_bytes());
    assert!(legacy_messages(&wrapper)
        .next()
        .unwrap()
        .unwrap()
        .is_valid());
    let err = validate_legacy(&wrapper, 1 << 20).unwrap_err();
    assert!(err.is_crc_mismatch(), "{err}");
}

#[test]
fn legacy_lengths_beyond_the_message_are_errors() {
    let mut b = LegacyBuilder::new(0, Compression::None).unwrap();
    b.append(0, -1, Some(b"key"), Some(b"value"));
    let mut bytes = b.build().unwrap();
    bytes[18..22].copy_from_slice(&i32::MAX.to_be_bytes()); // key length
    let got: Vec<_> = legacy_messages(&bytes).collect();
    assert!(
        matches!(got[..], [Err(RecordsError::Truncated { .. })]),
        "{got:?}"
    );
    bytes[18..22].copy_from_slice(&(-7i32).to_be_bytes());
    let got: Vec<_> = legacy_messages(&bytes).collect();
    assert!(
        matches!(got[..], [Err(RecordsError::InvalidRecord(_))]),
        "{got:?}"
    );
}

#[test]
fn a_compressed_legacy_wrapper_with_nothing_inside_is_invalid() {
    let compressed =
        gregor_protocol::records::compression::compress(Compression::Snappy, &[]).unwrap();
    let mut wrapper = Vec::new();
    wrapper.extend_from_slice(&0i64.to_be_bytes());
    wrapper.extend_from_slice(&((14 + compressed.len()) as i32).to_be_bytes());
    wrapper.extend_from_slice(&[0, 0, 0, 0, 0, 2]); // CRC placeholder, magic 0, snappy
    wrapper.extend_from_slice(&(-1i32).to_be_bytes());
    wrapper.extend_from_slice(&(compressed.len() as i32).to_be_bytes());
    wrapper.extend_from_slice(&compressed);
    let crc = crc32fast::hash(&wrapper[16..]);
    wrapper[12..16].copy_from_slice(&crc.to_be_bytes());
    let err = validate_legacy(&wrapper, 1 << 20).unwrap_err();
    assert!(err.to_string().contains("no inner records"), "{err}");
}
