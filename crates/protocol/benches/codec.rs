//! Codec benchmarks (plain `harness = false`, numbers printed, never asserted):
//! * decode of a Produce v8 request carrying 1 MiB of record batches (records stay zero-copy);
//! * encode of a Fetch v11 response header for 100 partitions with external record chunks.

use std::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use gregor_protocol::*;

fn produce_v8_frame(record_bytes: usize, partitions: usize) -> Bytes {
    let per_partition = record_bytes / partitions;
    let records = Bytes::from(vec![0xabu8; per_partition]);
    let request = ProduceRequest {
        acks: -1,
        timeout_ms: 30_000,
        topics: vec![ProduceRequestTopic {
            name: "bench".into(),
            partitions: (0..partitions as i32)
                .map(|partition_index| ProduceRequestPartition {
                    partition_index,
                    records: Some(records.clone()),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let header = RequestHeader::new(ApiKey::Produce, 8, 1, Some("bench"));
    encode_request(&header, &RequestBody::Produce(request)).unwrap()
}

fn bench_produce_decode() {
    let frame = produce_v8_frame(1024 * 1024, 16);
    let iterations = 20_000;
    let start = Instant::now();
    let mut copied_bytes = 0usize;
    for _ in 0..iterations {
        let (_, body) = decode_request(black_box(frame.clone())).unwrap();
        let RequestBody::Produce(request) = body else {
            unreachable!()
        };
        // Zero-copy check: every records slice must point into the frame's buffer.
        for partition in &request.topics[0].partitions {
            let records = partition.records.as_ref().unwrap();
            let inside = frame.as_ptr_range().contains(&records.as_ptr());
            if !inside {
                copied_bytes += records.len();
            }
        }
        black_box(request);
    }
    let ns = start.elapsed().as_nanos() / iterations as u128;
    println!(
        "produce v8 decode, 1 MiB in 16 partitions: {ns} ns/request, records bytes copied = {}",
        copied_bytes / iterations
    );
}

fn bench_fetch_encode() {
    let response = FetchResponse {
        session_id: 7,
        responses: (0..10)
            .map(|topic| FetchResponseTopic {
                topic: format!("topic-{topic}"),
                partitions: (0..10)
                    .map(|partition| FetchResponsePartition {
                        partition,
                        high_watermark: 1_000_000,
                        last_stable_offset: 1_000_000,
                        log_start_offset: 0,
                        aborted_transactions: None,
                        records: Some(RecordsData::External {
                            id: (topic * 10 + partition) as usize,
                            len: 65_536,
                        }),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let body = ResponseBody::Fetch(response);
    let iterations = 100_000;
    let start = Instant::now();
    let mut header_bytes = 0;
    for _ in 0..iterations {
        let frame = encode_response(42, ApiKey::Fetch, 11, black_box(&body)).unwrap();
        header_bytes = frame.total_len() - 100 * 65_536;
        black_box(frame);
    }
    let ns = start.elapsed().as_nanos() / iterations as u128;
    println!(
        "fetch v11 response encode, 100 partitions with external records: {ns} ns/response, \
         {header_bytes} header bytes written, record bytes copied = 0"
    );
}

fn main() {
    bench_produce_decode();
    bench_fetch_encode();
}
