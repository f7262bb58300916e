//! Old clients against the real broker: Produce v0–2 carry magic 0/1 message sets, which a
//! Kafka 2.4 leader (message.format.version 2.4) validates and stores up-converted as magic 2;
//! Fetch v0–3 consumers get the stored batches down-converted to magic 0 (v0–1) or 1 (v2–3).

mod broker_harness;

use broker_harness::{fetch_request, fetched_values, runtime, Broker};
use bytes::Bytes;
use gregor_protocol::records::{legacy_messages, Compression, LegacyBuilder};
use gregor_protocol::{ErrorCode, RecordsData};
use gregor_zk::test_support::TestZooKeeper;

fn legacy_set(magic: i8, compression: Compression, values: &[&str]) -> Bytes {
    let mut builder = LegacyBuilder::new(magic, compression).unwrap();
    for (i, value) in values.iter().enumerate() {
        let timestamp = if magic == 0 { -1 } else { 1_700_000_000_000 };
        builder.append(i as i64, timestamp, Some(b"k"), Some(value.as_bytes()));
    }
    Bytes::from(builder.build().unwrap())
}

/// (magic, offset, value) of every legacy message in `records`, unwrapping compressed sets.
fn legacy_values(records: &[u8]) -> Vec<(i8, i64, String)> {
    let mut out = Vec::new();
    for message in legacy_messages(records) {
        let message = message.unwrap();
        for record in message.records(1 << 26).unwrap() {
            let value = String::from_utf8(record.value.unwrap().to_vec()).unwrap();
            out.push((message.magic(), record.offset, value));
        }
    }
    out
}

#[test]
fn produce_v2_legacy_sets_are_stored_as_v2_and_fetched_down_converted() {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut broker = Broker::new(tmp.path(), "b0", &zk.connect_string(), &[]);
    broker.start();
    runtime().block_on(async {
        broker.wait_for_leaders(&["old"]).await;
        let connection = broker.connect().await;
        let sets = [
            (0, 0, Compression::None, vec!["m0-a", "m0-b"]),
            (1, 1, Compression::Gzip, vec!["m1-gzip"]),
            (
                2,
                1,
                Compression::Snappy,
                vec!["m1-snappy-a", "m1-snappy-b"],
            ),
        ];
        let mut next = 0;
        for (version, magic, codec, values) in &sets {
            let request =
                broker_harness::produce_request("old", 0, 1, legacy_set(*magic, *codec, values));
            let response = connection.send_at(request, *version).await.unwrap();
            let p = &response.responses[0].partitions[0];
            assert_eq!(
                (p.error_code, p.base_offset),
                (ErrorCode::None, next),
                "Produce v{version}"
            );
            next += values.len() as i64;
        }
        let expected: Vec<String> = sets
            .iter()
            .flat_map(|(_, _, _, values)| values.iter().map(|v| v.to_string()))
            .collect();
        // A v4+ consumer reads magic 2 batches.
        let response = connection.send(fetch_request("old", 0, 0)).await.unwrap();
        let values: Vec<String> = fetched_values(&response)
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        assert_eq!(values, expected);
        // Fetch v3 gets magic 1, v1 gets magic 0, with the same offsets.
        for (version, magic) in [(3, 1), (1, 0)] {
            let response = connection
                .send_at(fetch_request("old", 0, 0), version)
                .await
                .unwrap();
            let Some(RecordsData::Bytes(bytes)) = &response.responses[0].partitions[0].records
            else {
                panic!("no records: {response:?}");
            };
            let got = legacy_values(bytes);
            let offsets: Vec<i64> = got.iter().map(|(_, o, _)| *o).collect();
            assert_eq!(offsets, (0..next).collect::<Vec<_>>(), "Fetch v{version}");
            assert!(
                got.iter().all(|(m, _, _)| *m == magic),
                "Fetch v{version}: {got:?}"
            );
            let values: Vec<String> = got.into_iter().map(|(_, _, v)| v).collect();
            assert_eq!(values, expected, "Fetch v{version}");
        }
    });
}
