//! Format conversion: Produce v0–2 legacy sets up to one v2 batch, stored v2 batches down to
//! magic 0/1 for Fetch v0–3 consumers. Checked on kafka-python's golden fixtures.

use std::path::PathBuf;

use gregor_protocol::records::{
    batches, downconvert, end_transaction_marker_batch, legacy_messages, upconvert_legacy,
    validate, validate_legacy, Compression, ControlRecordType, OwnedRecord, RecordsError,
    ValidateOptions, DEFAULT_MAX_DECOMPRESSED_BYTES as MAX,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/records/{name}.bin"));
    std::fs::read(path).unwrap()
}

fn v2_records(bytes: &[u8]) -> Vec<OwnedRecord> {
    let mut out = Vec::new();
    for batch in batches(bytes) {
        let batch = batch.unwrap();
        for record in batch.records(MAX).unwrap().iter() {
            out.push(record.unwrap().to_owned_record());
        }
    }
    out
}

fn legacy_records(bytes: &[u8]) -> Vec<OwnedRecord> {
    legacy_messages(bytes)
        .flat_map(|m| m.unwrap().records(MAX).unwrap())
        .collect()
}

#[test]
fn every_legacy_fixture_upconverts_to_a_valid_v2_batch_with_the_same_records() {
    for magic in [0, 1] {
        for codec in ["none", "gzip", "snappy", "lz4"] {
            let name = format!("v{magic}_{codec}");
            let legacy = fixture(&name);
            let expected = legacy_records(&legacy);
            for target in [Compression::None, Compression::Zstd] {
                let v2 = upconvert_legacy(&legacy, target, MAX).unwrap();
                let batch = batches(&v2).next().unwrap().unwrap();
                validate(&batch, &ValidateOptions::default()).unwrap();
                assert_eq!(batch.compression().unwrap(), target);
                assert_eq!(v2_records(&v2), expected, "{name} -> {target:?}");
            }
        }
    }
}

#[test]
fn every_v2_fixture_downconverts_for_old_consumers() {
    for codec in ["none", "gzip", "snappy", "lz4"] {
        let name = format!("v2_{codec}");
        let v2 = fixture(&name);
        for magic in [0i8, 1] {
            let legacy = downconvert(&v2, magic, 0, MAX).unwrap();
            let summary = validate_legacy(&legacy, MAX).unwrap();
            assert_eq!(summary.magic, magic);
            let expected: Vec<OwnedRecord> = v2_records(&v2)
                .into_iter()
                .map(|mut r| {
                    r.headers.clear();
                    if magic == 0 {
                        r.timestamp = -1;
                    }
                    r
                })
                .collect();
            assert_eq!(legacy_records(&legacy), expected, "{name} -> magic {magic}");
        }
    }
}

#[test]
fn downconversion_starts_at_the_fetch_offset_and_skips_control_batches() {
    let mut log = fixture("v2_log"); // offsets 100..=108 in three batches
    log.extend_from_slice(
        &end_transaction_marker_batch(1, 0, ControlRecordType::Abort, 0, 5).unwrap(),
    );
    let legacy = downconvert(&log, 1, 104, MAX).unwrap();
    let offsets: Vec<i64> = legacy_records(&legacy).iter().map(|r| r.offset).collect();
    assert_eq!(offsets, [104, 105, 106, 107, 108]);
}

#[test]
fn zstd_cannot_be_downconverted() {
    let err = downconvert(&fixture("v2_zstd"), 1, 0, MAX).unwrap_err();
    assert_eq!(
        err,
        RecordsError::UnsupportedCompression(Compression::Zstd, 1)
    );
    assert_eq!(err.error_code().code(), 76);
}
