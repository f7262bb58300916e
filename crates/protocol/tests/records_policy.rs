//! The leader's validation rules that depend on who sends a batch and on topic policy: client-only
//! rules, `max.message.bytes`, compacted topics, timestamp checks, Produce v3+ shape and codecs,
//! each mapped to the Kafka error code a 2.4.1 broker returns.

use gregor_protocol::records::{
    validate, validate_legacy, Compression, LegacyBuilder, RecordBatch, RecordBatchBuilder,
    RecordBatchMut, RecordsError, ValidateOptions,
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

#[test]
fn batches_over_max_message_bytes_are_message_too_large() {
    let bytes = three_records(Compression::None);
    let options = ValidateOptions {
        max_message_bytes: Some(bytes.len() - 1),
        ..ValidateOptions::default()
    };
    let err = validate_bytes(&bytes, &options).unwrap_err();
    assert_eq!(err.error_code().code(), 10, "MESSAGE_TOO_LARGE");
    let options = ValidateOptions {
        max_message_bytes: Some(bytes.len()),
        ..ValidateOptions::default()
    };
    validate_bytes(&bytes, &options).unwrap();
}

#[test]
fn produce_v3_plus_needs_exactly_one_magic_2_batch() {
    use gregor_protocol::records::produce_batch;
    let one = three_records(Compression::Gzip);
    assert_eq!(produce_batch(&one, 3).unwrap().records_count(), 3);
    let mut two = one.clone();
    two.extend_from_slice(&one);
    let torn = &two[..one.len() + 20];
    for bad in [&two[..], torn, &[][..]] {
        let err = produce_batch(bad, 8).unwrap_err();
        assert_eq!(err.error_code().code(), 87, "INVALID_RECORD: {err}");
    }
    let mut legacy = LegacyBuilder::new(1, Compression::None).unwrap();
    legacy.append(0, 1, None, Some(b"v"));
    let err = produce_batch(&legacy.build().unwrap(), 3).unwrap_err();
    assert_eq!(err.error_code().code(), 87, "{err}");
    let zstd = three_records(Compression::Zstd);
    assert_eq!(produce_batch(&zstd, 6).unwrap_err().error_code().code(), 76);
    assert!(produce_batch(&zstd, 7).is_ok());
}

#[test]
fn unknown_compression_ids_are_unsupported_compression_type() {
    let mut bytes = three_records(Compression::None);
    bytes[22] = 5;
    RecordBatchMut::new(&mut bytes).unwrap().update_crc();
    let err = validate_bytes(&bytes, &ValidateOptions::default()).unwrap_err();
    assert_eq!(err, RecordsError::UnknownCompression(5));
    assert_eq!(err.error_code().code(), 76);
}

#[test]
fn client_rules_control_and_transactional_batches() {
    let control = RecordBatchBuilder::new()
        .control(true)
        .append(0, None, None, &[])
        .build()
        .unwrap();
    let err = validate_bytes(&control, &ValidateOptions::default()).unwrap_err();
    assert!(err.to_string().contains("control records"), "{err}");
    let replica = ValidateOptions {
        from_client: false,
        ..ValidateOptions::default()
    };
    validate_bytes(&control, &replica).unwrap();

    let txn = RecordBatchBuilder::new()
        .transactional(true)
        .append(0, None, None, &[])
        .build()
        .unwrap();
    let err = validate_bytes(&txn, &replica).unwrap_err();
    assert!(err.to_string().contains("producer ID"), "{err}");

    let no_seq = RecordBatchBuilder::new()
        .producer(7, 0, -1)
        .append(0, None, None, &[])
        .build()
        .unwrap();
    let err = validate_bytes(&no_seq, &ValidateOptions::default()).unwrap_err();
    assert!(err.to_string().contains("sequence"), "{err}");
}

#[test]
fn zstd_is_not_a_legacy_codec() {
    assert!(LegacyBuilder::new(1, Compression::Zstd).is_err());
    let mut b = LegacyBuilder::new(1, Compression::None).unwrap();
    b.append(0, 1, None, Some(b"v"));
    let mut bytes = b.build().unwrap();
    bytes[17] = 4;
    let crc = crc32fast::hash(&bytes[16..]);
    bytes[12..16].copy_from_slice(&crc.to_be_bytes());
    let err = validate_legacy(&bytes, 1 << 20).unwrap_err();
    assert_eq!(err.error_code().code(), 76, "{err}");
}

#[test]
fn compacted_topics_need_keys_and_create_time_must_be_near_the_clock() {
    use gregor_protocol::records::TimestampCheck;
    let bytes = three_records(Compression::Lz4); // record 1 has a null key; timestamps 1000..=1002
    let compacted = ValidateOptions {
        require_keys: true,
        ..ValidateOptions::default()
    };
    let err = validate_bytes(&bytes, &compacted).unwrap_err();
    assert_eq!(err.error_code().code(), 2, "{err}");
    let check = |now_ms| ValidateOptions {
        timestamp_check: Some(TimestampCheck {
            now_ms,
            difference_max_ms: 500,
        }),
        ..ValidateOptions::default()
    };
    validate_bytes(&bytes, &check(1500)).unwrap();
    validate_bytes(&bytes, &check(502)).unwrap();
    let err = validate_bytes(&bytes, &check(1503)).unwrap_err();
    assert_eq!(err.error_code().code(), 32, "INVALID_TIMESTAMP: {err}");
    let err = validate_bytes(&bytes, &check(400)).unwrap_err();
    assert_eq!(err.error_code().code(), 32, "{err}");
}

#[test]
fn producers_may_not_send_log_append_time() {
    let bytes = RecordBatchBuilder::new()
        .log_append_time(5)
        .append(1, None, None, &[])
        .build()
        .unwrap();
    let err = validate_bytes(&bytes, &ValidateOptions::default()).unwrap_err();
    assert_eq!(err.error_code().code(), 32, "{err}");
    let replica = ValidateOptions {
        from_client: false,
        ..ValidateOptions::default()
    };
    validate_bytes(&bytes, &replica).unwrap();
}
