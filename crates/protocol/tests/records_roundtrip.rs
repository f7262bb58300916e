//! Property tests: what the builders write, the readers give back, for every codec; and no input
//! bytes, random or mutated, make a reader panic.

use gregor_protocol::records::{
    batches, legacy_messages, validate, validate_legacy, Compression, LegacyBuilder, OwnedRecord,
    RecordBatchBuilder, ValidateOptions, DEFAULT_MAX_DECOMPRESSED_BYTES,
};
use proptest::prelude::*;

const CODECS: [Compression; 5] = [
    Compression::None,
    Compression::Gzip,
    Compression::Snappy,
    Compression::Lz4,
    Compression::Zstd,
];

/// (timestamp, key, value, headers) as a producer would hand them over.
type Input = (
    i64,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Vec<(String, Option<Vec<u8>>)>,
);

fn input() -> impl Strategy<Value = Input> {
    (
        1_500_000_000_000i64..1_700_000_000_000,
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..300)),
        proptest::collection::vec(
            (
                "[a-z\u{e9}]{0,8}",
                proptest::option::of(proptest::collection::vec(any::<u8>(), 0..20)),
            ),
            0..3,
        ),
    )
}

fn expected(
    base_offset: i64,
    inputs: &[Input],
    with_headers: bool,
    timestamps: bool,
) -> Vec<OwnedRecord> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, (ts, k, v, h))| OwnedRecord {
            offset: base_offset + i as i64,
            timestamp: if timestamps { *ts } else { -1 },
            key: k.clone().map(Into::into),
            value: v.clone().map(Into::into),
            headers: if with_headers {
                h.iter()
                    .map(|(hk, hv)| (hk.clone(), hv.clone().map(Into::into)))
                    .collect()
            } else {
                Vec::new()
            },
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn v2_builder_then_reader_gives_the_same_records(
        inputs in proptest::collection::vec(input(), 1..20),
        codec in 0usize..5,
        base_offset in 0i64..1_000_000,
    ) {
        let mut builder = RecordBatchBuilder::new().compression(CODECS[codec]).base_offset(base_offset);
        for (ts, k, v, h) in &inputs {
            let headers: Vec<(&str, Option<&[u8]>)> = h.iter().map(|(hk, hv)| (hk.as_str(), hv.as_deref())).collect();
            builder.push(*ts, k.as_deref(), v.as_deref(), &headers);
        }
        let bytes = builder.build().unwrap();
        let all: Vec<_> = batches(&bytes).collect();
        prop_assert_eq!(all.len(), 1);
        let batch = all[0].clone().unwrap();
        let replica = ValidateOptions { from_client: false, ..ValidateOptions::default() };
        let summary = validate(&batch, &replica).unwrap();
        prop_assert_eq!(summary.records_count as usize, inputs.len());
        prop_assert_eq!(batch.max_timestamp(), inputs.iter().map(|i| i.0).max().unwrap());
        prop_assert_eq!(batch.last_offset(), base_offset + inputs.len() as i64 - 1);
        prop_assert_eq!(batch.compression().unwrap(), CODECS[codec]);
        let records = batch.records(DEFAULT_MAX_DECOMPRESSED_BYTES).unwrap();
        let got: Vec<OwnedRecord> = records.iter().map(|r| r.unwrap().to_owned_record()).collect();
        prop_assert_eq!(got, expected(base_offset, &inputs, true, true));
    }

    #[test]
    fn legacy_builder_then_reader_gives_the_same_records(
        inputs in proptest::collection::vec(input(), 1..12),
        codec in 0usize..4,
        magic in 0i8..2,
        base_offset in 0i64..1_000_000,
    ) {
        let mut builder = LegacyBuilder::new(magic, CODECS[codec]).unwrap();
        for (i, (ts, k, v, _)) in inputs.iter().enumerate() {
            builder.append(base_offset + i as i64, *ts, k.as_deref(), v.as_deref());
        }
        let bytes = builder.build().unwrap();
        let summary = validate_legacy(&bytes, DEFAULT_MAX_DECOMPRESSED_BYTES).unwrap();
        prop_assert_eq!(summary.records_count, inputs.len());
        prop_assert_eq!(summary.in_place_assignable, magic == 1 || codec == 0);
        let mut got = Vec::new();
        for message in legacy_messages(&bytes) {
            got.extend(message.unwrap().records(DEFAULT_MAX_DECOMPRESSED_BYTES).unwrap());
        }
        prop_assert_eq!(got, expected(base_offset, &inputs, false, magic == 1));
    }

}

proptest! {
    // Cheap cases: many more of them, still well under a second.
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        read_everything(&bytes);
    }

    #[test]
    fn mutated_batches_never_panic(
        inputs in proptest::collection::vec(input(), 1..5),
        codec in 0usize..5,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut builder = RecordBatchBuilder::new().compression(CODECS[codec]);
        for (ts, k, v, _) in &inputs {
            builder.push(*ts, k.as_deref(), v.as_deref(), &[]);
        }
        let mut bytes = builder.build().unwrap();
        for (at, value) in flips {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        // Re-CRC so mutations reach the record parser instead of stopping at the checksum.
        if let Ok(mut batch) = gregor_protocol::records::RecordBatchMut::new(&mut bytes) {
            batch.update_crc();
        }
        read_everything(&bytes);
    }
}

/// Runs every reader over `bytes`, discarding results: only panics matter.
fn read_everything(bytes: &[u8]) {
    let options = ValidateOptions {
        max_decompressed_bytes: 1 << 20,
        ..ValidateOptions::default()
    };
    for batch in batches(bytes).flatten() {
        let _ = validate(&batch, &options);
        if let Ok(records) = batch.records(1 << 20) {
            for record in records.iter().flatten() {
                let _ = record.to_owned_record();
            }
        }
    }
    let _ = validate_legacy(bytes, 1 << 20);
    for message in legacy_messages(bytes).flatten() {
        let _ = message.records(1 << 20);
    }
}
