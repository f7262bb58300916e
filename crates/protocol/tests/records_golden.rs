//! Golden fixtures from real clients: kafka-python 3.x's own batch builders
//! (`fixtures/records/make_fixtures.py`: every codec, magic 0/1/2, keys, nulls, headers) and
//! librdkafka's Produce payloads captured by a fake broker (`capture_librdkafka.py`: magic 1 and 2,
//! every codec). Each `.bin` must parse, pass the leader's validation and yield exactly the
//! records in its `.json`.

use std::path::PathBuf;

use gregor_protocol::records::{
    batches, compression, legacy_messages, validate, validate_legacy, Compression, OwnedRecord,
    TimestampType, ValidateOptions, DEFAULT_MAX_DECOMPRESSED_BYTES,
};
use serde_json::Value;

/// Directory of the fixtures.
fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/records")
}

/// Reads `name.bin` and `name.json`.
fn load(name: &str) -> (Vec<u8>, Value) {
    let bin = std::fs::read(dir().join(format!("{name}.bin"))).unwrap();
    let json = std::fs::read_to_string(dir().join(format!("{name}.json"))).unwrap();
    (bin, serde_json::from_str(&json).unwrap())
}

/// Every fixture name, from the directory listing.
fn names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".bin").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 18, "fixtures missing: {names:?}");
    names
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn opt_hex(v: &Value) -> Option<Vec<u8>> {
    v.as_str().map(unhex)
}

/// Compares our records with the expected JSON records field by field.
fn assert_records(name: &str, ours: &[OwnedRecord], expected: &Value) {
    let expected = expected.as_array().unwrap();
    assert_eq!(ours.len(), expected.len(), "{name}: record count");
    for (i, (got, want)) in ours.iter().zip(expected).enumerate() {
        let ctx = format!("{name} record {i}");
        assert_eq!(
            got.offset,
            want["offset"].as_i64().unwrap(),
            "{ctx}: offset"
        );
        // kafka-python reports magic-0 timestamps as None; Kafka's Java reader says -1.
        let timestamp = want["timestamp"].as_i64().unwrap_or(-1);
        assert_eq!(got.timestamp, timestamp, "{ctx}: timestamp");
        assert_eq!(
            got.key.as_deref().map(<[u8]>::to_vec),
            opt_hex(&want["key"]),
            "{ctx}: key"
        );
        if let Some(len) = want.get("value_len") {
            let value = got.value.as_ref().unwrap();
            assert_eq!(
                value.len() as u64,
                len.as_u64().unwrap(),
                "{ctx}: value length"
            );
            assert_eq!(
                u64::from(crc32fast::hash(value)),
                want["value_crc32"].as_u64().unwrap(),
                "{ctx}: value crc"
            );
        } else {
            assert_eq!(
                got.value.as_deref().map(<[u8]>::to_vec),
                opt_hex(&want["value"]),
                "{ctx}: value"
            );
        }
        let headers: Vec<(String, Option<Vec<u8>>)> = want["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_str().unwrap().to_string(), opt_hex(&h[1])))
            .collect();
        let got_headers: Vec<(String, Option<Vec<u8>>)> = got
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.as_deref().map(<[u8]>::to_vec)))
            .collect();
        assert_eq!(got_headers, headers, "{ctx}: headers");
    }
}

/// Checks one v2 batch header against kafka-python's reading of it.
fn assert_v2_header(name: &str, batch: &gregor_protocol::records::RecordBatch<'_>, want: &Value) {
    let i = |k: &str| want[k].as_i64().unwrap();
    assert_eq!(batch.base_offset(), i("base_offset"), "{name}");
    assert_eq!(i64::from(batch.magic()), i("magic"), "{name}");
    assert_eq!(i64::from(batch.crc()), i("crc"), "{name}");
    assert_eq!(i64::from(batch.attributes()), i("attributes"), "{name}");
    assert_eq!(
        i64::from(batch.compression_id()),
        i("compression"),
        "{name}"
    );
    assert_eq!(
        i64::from(batch.last_offset_delta()),
        i("last_offset_delta"),
        "{name}"
    );
    assert_eq!(batch.first_timestamp(), i("first_timestamp"), "{name}");
    assert_eq!(batch.max_timestamp(), i("max_timestamp"), "{name}");
    assert_eq!(batch.producer_id(), i("producer_id"), "{name}");
    assert_eq!(
        i64::from(batch.producer_epoch()),
        i("producer_epoch"),
        "{name}"
    );
    assert_eq!(
        i64::from(batch.base_sequence()),
        i("base_sequence"),
        "{name}"
    );
    assert_eq!(
        i64::from(batch.records_count()),
        i("records_count"),
        "{name}"
    );
    assert_eq!(
        i64::from(batch.partition_leader_epoch()),
        i("partition_leader_epoch"),
        "{name}"
    );
    assert_eq!(
        batch.is_transactional(),
        want["is_transactional"].as_bool().unwrap(),
        "{name}"
    );
    assert_eq!(batch.size_in_bytes() as i64, i("size_in_bytes"), "{name}");
    assert_eq!(
        i64::from(batch.timestamp_type().id()),
        i("timestamp_type"),
        "{name}"
    );
    assert_eq!(
        batch.next_offset(),
        batch.base_offset() + i("last_offset_delta") + 1,
        "{name}"
    );
}

/// Parses, validates and iterates a magic-2 fixture.
fn check_v2(name: &str, bin: &[u8], meta: &Value) {
    let want_batches = meta["batches"].as_array().unwrap();
    let mut iter = batches(bin);
    let mut records = Vec::new();
    let mut seen = 0;
    for (batch, want) in iter.by_ref().zip(want_batches) {
        let batch = batch.unwrap();
        assert_v2_header(name, &batch, want);
        // The log fixture carries leader-assigned offsets, which only replicas may send.
        let options = ValidateOptions {
            from_client: !name.ends_with("_log"),
            ..ValidateOptions::default()
        };
        let summary = validate(&batch, &options).unwrap();
        assert_eq!(summary.records_count, batch.records_count(), "{name}");
        assert_eq!(
            summary.max_timestamp,
            batch.max_timestamp(),
            "{name}: max timestamp matches the records"
        );
        let recs = batch.records(DEFAULT_MAX_DECOMPRESSED_BYTES).unwrap();
        for record in recs.iter() {
            records.push(record.unwrap().to_owned_record());
        }
        seen += 1;
    }
    assert_eq!(seen, want_batches.len(), "{name}: batch count");
    assert!(iter.next().is_none(), "{name}: no extra batches");
    assert_eq!(iter.position(), bin.len(), "{name}: consumed everything");
    assert_eq!(iter.partial_tail(), None, "{name}");
    assert_records(name, &records, &meta["records"]);
}

/// Parses, validates and deep-iterates a magic 0/1 fixture.
fn check_legacy(name: &str, bin: &[u8], meta: &Value) {
    let magic = meta["magic"].as_i64().unwrap() as i8;
    let summary = validate_legacy(bin, DEFAULT_MAX_DECOMPRESSED_BYTES).unwrap();
    assert_eq!(summary.magic, magic, "{name}");
    let mut records = Vec::new();
    let want_batches = meta["batches"].as_array().unwrap();
    let mut seen = 0;
    for (message, want) in legacy_messages(bin).zip(want_batches) {
        let message = message.unwrap();
        assert!(message.is_valid(), "{name}: CRC-32");
        assert_eq!(
            message.offset(),
            want["base_offset"].as_i64().unwrap(),
            "{name}"
        );
        assert_eq!(
            i64::from(message.attributes() & 7),
            want["compression"].as_i64().unwrap(),
            "{name}"
        );
        let ts_type = if magic == 0 {
            TimestampType::NoTimestampType
        } else {
            TimestampType::CreateTime
        };
        assert_eq!(message.timestamp_type(), ts_type, "{name}");
        records.extend(message.records(DEFAULT_MAX_DECOMPRESSED_BYTES).unwrap());
        seen += 1;
    }
    assert_eq!(seen, want_batches.len(), "{name}: message count");
    assert_eq!(summary.records_count, records.len(), "{name}");
    assert_records(name, &records, &meta["records"]);
}

#[test]
fn every_kafka_python_fixture_parses_validates_and_yields_its_records() {
    for name in names() {
        let (bin, meta) = load(&name);
        match meta["magic"].as_i64().unwrap() {
            2 => check_v2(&name, &bin, &meta),
            _ => check_legacy(&name, &bin, &meta),
        }
    }
}

#[test]
fn fixtures_cover_every_codec_and_magic() {
    let names = names();
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
        assert!(names.contains(&format!("v2_{codec}")), "v2 {codec}");
    }
    for magic in [0, 1] {
        for codec in ["none", "gzip", "snappy", "lz4"] {
            assert!(
                names.contains(&format!("v{magic}_{codec}")),
                "v{magic} {codec}"
            );
        }
    }
}

#[test]
fn librdkafka_fixtures_cover_every_codec_and_use_raw_snappy() {
    let names = names();
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
        assert!(names.contains(&format!("rdkafka_v2_{codec}")), "v2 {codec}");
    }
    for codec in ["none", "gzip", "snappy", "lz4"] {
        assert!(names.contains(&format!("rdkafka_v1_{codec}")), "v1 {codec}");
    }
    // librdkafka writes raw snappy, kafka-python xerial-framed: both paths meet a real writer.
    let (rd, _) = load("rdkafka_v2_snappy");
    let (kp, _) = load("v2_snappy");
    let xerial = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
    assert!(!rd[61..].starts_with(&xerial));
    assert!(kp[61..].starts_with(&xerial));
}

#[test]
fn magic_0_lz4_from_kafka_python_has_the_kafka_3160_checksum_and_still_reads() {
    // kafka-python writes magic-0 lz4 with the pre-KIP-57 broken header checksum on purpose.
    let (bin, meta) = load("v0_lz4");
    let wrapper = legacy_messages(&bin).next().unwrap().unwrap();
    let frame = wrapper.value().unwrap();
    let strict = compression::decompress(Compression::Lz4, frame, 1 << 20);
    assert!(
        strict.is_err(),
        "the fixture must carry the broken checksum"
    );
    assert!(compression::decompress_legacy(Compression::Lz4, frame, 1 << 20).is_ok());
    check_legacy("v0_lz4", &bin, &meta);
}

#[test]
fn a_mixed_magic_set_is_walked_entry_by_entry() {
    use gregor_protocol::records::{entries, RecordSetEntry};
    let (v1, _) = load("v1_none_log");
    let (v2, _) = load("v2_log");
    let (v0, _) = load("v0_gzip");
    let mut set = v1.clone();
    set.extend_from_slice(&v2);
    set.extend_from_slice(&v0);
    set.extend_from_slice(&v2[..30]); // torn tail
    let mut iter = entries(&set);
    let magics: Vec<i8> = iter.by_ref().map(|e| e.unwrap().magic()).collect();
    assert_eq!(magics, [1, 1, 1, 1, 2, 2, 2, 0]);
    assert_eq!(iter.position(), v1.len() + v2.len() + v0.len());
    assert_eq!(iter.partial_tail().unwrap().available_bytes, 30);
    let last = entries(&v2).last().unwrap().unwrap();
    assert!(matches!(last, RecordSetEntry::V2(_)) && last.is_valid());
    assert_eq!(last.last_offset(), 108);
    // The v2-only iterator refuses legacy entries.
    assert!(matches!(
        batches(&v1).next(),
        Some(Err(gregor_protocol::records::RecordsError::InvalidMagic(1)))
    ));
}
