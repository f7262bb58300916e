//! Bounded fuzzing of `decode_request`: random bytes and mutated valid frames must never panic,
//! and no single allocation may exceed 1 MiB for inputs under 64 KiB (a counting global
//! allocator checks it). Deterministic: a seeded PRNG drives everything.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::Bytes;
use gregor_protocol::primitives::TestRng;
use gregor_protocol::*;

struct Counting;

thread_local! {
    /// Set while the current thread decodes a fuzz input.
    static TRACKING: Cell<bool> = const { Cell::new(false) };
    /// Largest single allocation seen while tracking on this thread.
    static LARGEST_TRACKED_BYTES: Cell<usize> = const { Cell::new(0) };
}

fn record(size: usize) {
    if TRACKING.with(Cell::get) {
        LARGEST_TRACKED_BYTES.with(|largest| largest.set(largest.get().max(size)));
    }
}

// SAFETY: forwards to the system allocator unchanged; only records sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size());
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const MAX_ALLOCATION_BYTES: usize = 1024 * 1024;

/// Decodes `frame` with allocation tracking on; returns the largest single allocation and
/// whether decoding succeeded.
fn decode_tracked(frame: &[u8]) -> (usize, bool) {
    let input = Bytes::copy_from_slice(frame);
    LARGEST_TRACKED_BYTES.with(|largest| largest.set(0));
    TRACKING.with(|t| t.set(true));
    let result = decode_request(input);
    TRACKING.with(|t| t.set(false));
    let ok = result.is_ok();
    drop(result);
    (LARGEST_TRACKED_BYTES.with(Cell::get), ok)
}

fn valid_frame(rng: &mut TestRng) -> Vec<u8> {
    let implemented: Vec<ApiKey> = ApiKey::ALL
        .iter()
        .copied()
        .filter(|k| is_implemented(*k))
        .collect();
    let api_key = implemented[rng.below(implemented.len() as u64) as usize];
    let versions = api_key.valid_versions();
    let version =
        *versions.start() + rng.below((*versions.end() - *versions.start() + 1) as u64) as i16;
    // A valid frame of the chosen API: encode a random body through the public dispatch.
    let seed = rng.next_u64();
    let body = random_request(api_key, version, seed);
    let header = RequestHeader::new(api_key, version, 1, Some("fuzz"));
    encode_request(&header, &body).unwrap().to_vec()
}

fn random_request(api_key: ApiKey, version: i16, seed: u64) -> RequestBody {
    // Decode random bytes until one parses is too slow; instead build via the typed messages.
    macro_rules! pick {
        ($($key:ident => $ty:ty),*) => {
            match api_key {
                $(ApiKey::$key => <$ty>::random(&mut TestRng::new(seed)).normalized(version).into(),)*
                _ => unreachable!(),
            }
        };
    }
    pick!(
        Produce => ProduceRequest, Fetch => FetchRequest, ListOffsets => ListOffsetsRequest,
        Metadata => MetadataRequest, LeaderAndIsr => LeaderAndIsrRequest,
        StopReplica => StopReplicaRequest, UpdateMetadata => UpdateMetadataRequest,
        ControlledShutdown => ControlledShutdownRequest, OffsetCommit => OffsetCommitRequest,
        OffsetFetch => OffsetFetchRequest, FindCoordinator => FindCoordinatorRequest,
        JoinGroup => JoinGroupRequest, Heartbeat => HeartbeatRequest, LeaveGroup => LeaveGroupRequest,
        SyncGroup => SyncGroupRequest, DescribeGroups => DescribeGroupsRequest,
        ListGroups => ListGroupsRequest, SaslHandshake => SaslHandshakeRequest,
        ApiVersions => ApiVersionsRequest, CreateTopics => CreateTopicsRequest,
        DeleteTopics => DeleteTopicsRequest, DeleteRecords => DeleteRecordsRequest,
        InitProducerId => InitProducerIdRequest, OffsetForLeaderEpoch => OffsetForLeaderEpochRequest,
        DescribeConfigs => DescribeConfigsRequest, AlterConfigs => AlterConfigsRequest,
        SaslAuthenticate => SaslAuthenticateRequest, CreatePartitions => CreatePartitionsRequest,
        DeleteGroups => DeleteGroupsRequest, OffsetDelete => OffsetDeleteRequest
    )
}

fn mutate(rng: &mut TestRng, frame: &mut Vec<u8>) {
    for _ in 0..=rng.below(4) {
        if frame.is_empty() {
            return;
        }
        let at = rng.below(frame.len() as u64) as usize;
        match rng.below(4) {
            0 => frame[at] = rng.next_u64() as u8,
            1 => frame[at] = 0xff,
            2 => frame.truncate(at),
            _ => frame
                .splice(at..at, [0x7f, 0xff, 0xff, 0xff])
                .for_each(drop),
        }
    }
}

#[test]
fn random_and_mutated_frames_never_panic_or_allocate_much() {
    let mut rng = TestRng::new(0x5eed);
    let mut largest = 0;
    let mut decoded_ok = 0;
    for case in 0..20_000 {
        let frame = if case % 3 == 0 {
            let len = rng.below(256) as usize;
            let mut frame: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            // Point most random frames at a real API and version so bodies get exercised.
            if frame.len() >= 4 {
                frame[0] = 0;
                frame[1] = rng.below(48) as u8;
                frame[2] = 0;
                frame[3] = rng.below(12) as u8;
            }
            frame
        } else {
            let mut frame = valid_frame(&mut rng);
            mutate(&mut rng, &mut frame);
            frame
        };
        assert!(frame.len() < 64 * 1024);
        let (allocated, ok) = decode_tracked(&frame);
        largest = largest.max(allocated);
        decoded_ok += usize::from(ok);
    }
    assert!(
        largest <= MAX_ALLOCATION_BYTES,
        "largest allocation {largest} bytes"
    );
    // Sanity: the corpus exercises both the success and the error paths.
    assert!(
        decoded_ok > 100 && decoded_ok < 5900,
        "{decoded_ok} of 6000 decoded"
    );
}

#[test]
fn every_api_and_version_survives_random_and_mutated_bodies() {
    let mut rng = TestRng::new(0xf022);
    let mut largest = 0;
    for api_key in ApiKey::ALL.iter().copied().filter(|k| is_implemented(*k)) {
        for version in api_key.valid_versions() {
            let header = RequestHeader::new(api_key, version, 1, Some("fuzz"));
            let valid = encode_request(&header, &random_request(api_key, version, rng.next_u64()))
                .unwrap()
                .to_vec();
            let header_len = {
                let mut encoder = Encoder::new();
                header.encode(&mut encoder).unwrap();
                encoder.len()
            };
            for _ in 0..40 {
                let mut frame = valid[..header_len].to_vec();
                let len = rng.below(512) as usize;
                frame.extend((0..len).map(|_| rng.next_u64() as u8));
                largest = largest.max(decode_tracked(&frame).0);
                let mut mutated = valid.clone();
                mutate(&mut rng, &mut mutated);
                largest = largest.max(decode_tracked(&mutated).0);
            }
        }
    }
    assert!(
        largest <= MAX_ALLOCATION_BYTES,
        "largest allocation {largest} bytes"
    );
}

#[test]
fn huge_array_count_fails_without_allocating() {
    // Produce v3: transactional id null, acks, timeout, then a topic count of 2^31 - 1.
    let frame = [
        0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff, // header, client id null
        0xff, 0xff, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x7f, 0xff, 0xff, 0xff,
    ];
    let (largest, ok) = decode_tracked(&frame);
    assert!(!ok);
    assert!(largest < 1024, "allocated {largest} bytes");
    assert!(decode_request(Bytes::copy_from_slice(&frame)).is_err());
}

#[test]
fn dense_valid_frames_allocate_in_proportion_to_their_size() {
    // Worst realistic amplification: many tiny array elements (an empty topic name is 2 wire
    // bytes in Metadata v9 but a 48-byte struct in memory, and the vector grows by doubling).
    // Unlike hostile counts, which fail before reserving, this memory holds decoded data, so it
    // is bounded by the frame size limit (socket.request.max.bytes) times this factor.
    let topics = (0..30_000)
        .map(|_| MetadataRequestTopic::default())
        .collect();
    let request = MetadataRequest {
        topics: Some(topics),
        ..Default::default()
    };
    let header = RequestHeader::new(ApiKey::Metadata, 9, 1, None);
    let frame = encode_request(&header, &RequestBody::Metadata(request)).unwrap();
    assert!(frame.len() < 64 * 1024);
    let (largest, ok) = decode_tracked(&frame);
    assert!(ok);
    println!(
        "{} byte frame: largest allocation {largest} bytes",
        frame.len()
    );
    assert!(
        largest <= 40 * frame.len(),
        "largest allocation {largest} bytes"
    );
}
