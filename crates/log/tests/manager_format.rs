//! The files a broker's log dir holds after the manager wrote and cleanly shut down, parsed by
//! an independent little parser against the layouts of kafka-2.4.md §4.1–§4.6 and §4.10:
//! `meta.properties`, the four checkpoint files, `leader-epoch-checkpoint`, and every
//! `.log` / `.index` / `.timeindex`.

mod manager_support;

use std::collections::HashMap;
use std::path::Path;

use gregor_log::dir::{BrokerMetadata, TopicPartition};
use gregor_log::manager::LogManager;
use manager_support::*;

fn be_i64(b: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(b[at..at + 8].try_into().unwrap())
}
fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}
fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// A batch header of §4.10: (position, base offset, last offset, max timestamp).
#[derive(Debug, Clone, Copy)]
struct Header {
    position: usize,
    base_offset: i64,
    last_offset: i64,
    max_timestamp: i64,
}

/// Parses a `.log` file: whole v2 batches only, CRC-32C over attributes..end.
fn parse_log(bytes: &[u8]) -> Vec<Header> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        assert!(bytes.len() - at >= 61, "partial batch header at {at}");
        let length = be_i32(bytes, at + 8) as usize;
        let end = at + 12 + length;
        assert!(end <= bytes.len(), "batch at {at} runs past the file");
        assert_eq!(bytes[at + 16], 2, "magic");
        let crc = be_u32(bytes, at + 17);
        assert_eq!(
            crc32c::crc32c(&bytes[at + 21..end]),
            crc,
            "CRC-32C of batch at {at}"
        );
        let base_offset = be_i64(bytes, at);
        out.push(Header {
            position: at,
            base_offset,
            last_offset: base_offset + i64::from(be_i32(bytes, at + 23)),
            max_timestamp: be_i64(bytes, at + 35),
        });
        at = end;
    }
    out
}

/// Parses §4.3 text: version 0, count, exactly `count` entry lines of `fields` fields.
fn parse_checkpoint(path: &Path, fields: usize) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    if text.is_empty() {
        return Vec::new(); // created empty at start-up, read as "no entries"
    }
    assert!(
        text.ends_with('\n'),
        "{}: lines end with \\n",
        path.display()
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "0", "{}: version", path.display());
    let count: usize = lines[1].parse().unwrap();
    assert_eq!(lines.len(), 2 + count, "{}: entry count", path.display());
    lines[2..]
        .iter()
        .map(|l| {
            let parts: Vec<String> = l.split(' ').map(str::to_string).collect();
            assert_eq!(parts.len(), fields, "{}: {l:?}", path.display());
            parts
        })
        .collect()
}

fn check_segment(dir: &Path, base: i64, next_base: Option<i64>) -> Vec<Header> {
    let name = format!("{base:020}");
    let log = std::fs::read(dir.join(format!("{name}.log"))).unwrap();
    let headers = parse_log(&log);
    if let Some(first) = headers.first() {
        assert_eq!(
            first.base_offset, base,
            "file name = base offset of the first batch"
        );
    }
    if let (Some(last), Some(next)) = (headers.last(), next_base) {
        assert_eq!(last.last_offset + 1, next, "segments are contiguous");
    }
    let at = |position: usize| headers.iter().find(|h| h.position == position);
    let index = std::fs::read(dir.join(format!("{name}.index"))).unwrap_or_default();
    assert_eq!(
        index.len() % 8,
        0,
        "trimmed to whole 8-byte entries at shutdown"
    );
    let mut previous = (-1i64, -1i64);
    for entry in index.chunks(8) {
        let (relative, position) = (i64::from(be_u32(entry, 0)), i64::from(be_u32(entry, 4)));
        assert!(
            relative > previous.0 && position > previous.1,
            "index strictly increasing"
        );
        let batch = at(position as usize).expect("index entry points at a batch start");
        assert_eq!(
            base + relative,
            batch.last_offset,
            "entry carries the batch's last offset"
        );
        previous = (relative, position);
    }
    let time_index = std::fs::read(dir.join(format!("{name}.timeindex"))).unwrap_or_default();
    assert_eq!(
        time_index.len() % 12,
        0,
        "trimmed to whole 12-byte entries at shutdown"
    );
    let mut previous_ts = i64::MIN;
    for entry in time_index.chunks(12) {
        let (timestamp, offset) = (be_i64(entry, 0), base + i64::from(be_u32(entry, 8)));
        assert!(timestamp > previous_ts, "time index strictly increasing");
        let seen_max = headers
            .iter()
            .filter(|h| h.base_offset <= offset)
            .map(|h| h.max_timestamp)
            .max()
            .unwrap();
        assert_eq!(
            timestamp, seen_max,
            "entry = max timestamp so far at its offset"
        );
        previous_ts = timestamp;
    }
    headers
}

#[test]
fn every_file_of_the_log_dir_follows_kafkas_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("kafka-logs");
    let manager = open(&manager_config(std::slice::from_ref(&root)), 0);
    let tp = TopicPartition::new("first", 0);
    let log = manager
        .get_or_create_log(&tp, small_segments(8 * 1024), 0)
        .unwrap();
    for seed in 0..80u64 {
        let epoch = if seed < 40 { 0 } else { 3 };
        let mut bytes = batch(seed, 1 + (seed % 3) as usize, 150, 1_000 + seed as i64);
        log.lock()
            .append_as_leader(&mut bytes, epoch, 5_000)
            .unwrap();
    }
    let end = log.lock().log_end_offset();
    let epoch3_start = log.lock().epoch_entries()[1].start_offset;
    log.lock().increment_log_start_offset(2, end).unwrap();
    manager
        .checkpoint_high_watermarks(&HashMap::from([(tp.clone(), end)]))
        .unwrap();
    drop(log);
    BrokerMetadata {
        broker_id: 1,
        cluster_id: Some("4L6g3nShT-eMCtK--X86sw".into()),
    }
    .write(&root)
    .unwrap();
    manager.shutdown(0).unwrap();

    // §4.1: the top level.
    let top = list(&root);
    for name in [
        ".kafka_cleanshutdown",
        ".lock",
        "cleaner-offset-checkpoint",
        "first-0",
        "log-start-offset-checkpoint",
        "meta.properties",
        "recovery-point-offset-checkpoint",
        "replication-offset-checkpoint",
    ] {
        assert!(
            top.contains(&name.to_string()),
            "{name} missing from {top:?}"
        );
    }
    assert_eq!(top.len(), 8, "nothing else: {top:?}");
    assert_eq!(
        std::fs::metadata(root.join(".kafka_cleanshutdown"))
            .unwrap()
            .len(),
        0
    );

    // §4.2: meta.properties.
    let meta = std::fs::read_to_string(root.join("meta.properties")).unwrap();
    let lines: Vec<&str> = meta.lines().collect();
    assert_eq!(lines[0], "#");
    let date: Vec<&str> = lines[1].trim_start_matches('#').split(' ').collect();
    assert_eq!(date.len(), 6, "EEE MMM dd HH:mm:ss zzz yyyy: {}", lines[1]);
    assert_eq!(date[3].len(), 8);
    let mut props: Vec<&str> = lines[2..].to_vec();
    props.sort();
    assert_eq!(
        props,
        [
            "broker.id=1",
            "cluster.id=4L6g3nShT-eMCtK--X86sw",
            "version=0"
        ]
    );

    // §4.3: the four checkpoint files and the epoch checkpoint.
    let entry = |name: &str| parse_checkpoint(&root.join(name), 3);
    let want = |offset: i64| {
        vec![vec![
            "first".to_string(),
            "0".to_string(),
            offset.to_string(),
        ]]
    };
    assert_eq!(entry("recovery-point-offset-checkpoint"), want(end));
    assert_eq!(entry("replication-offset-checkpoint"), want(end));
    assert_eq!(entry("log-start-offset-checkpoint"), want(2));
    // No compaction ran: the cleaner's file is still the empty one made at start-up.
    assert_eq!(
        std::fs::metadata(root.join("cleaner-offset-checkpoint"))
            .unwrap()
            .len(),
        0
    );
    let partition = root.join("first-0");
    let epochs = parse_checkpoint(&partition.join("leader-epoch-checkpoint"), 2);
    // DeleteRecords to offset 2 moved epoch 0's start with it (truncateFromStart).
    let pair = |a: i64, b: i64| vec![a.to_string(), b.to_string()];
    assert_eq!(epochs, [pair(0, 2), pair(3, epoch3_start)]);

    // §4.4–§4.6: segments.
    let mut bases: Vec<i64> = list(&partition)
        .iter()
        .filter_map(|n| n.strip_suffix(".log"))
        .map(|digits| {
            assert_eq!(digits.len(), 20, "20-digit zero-padded name");
            digits.parse().unwrap()
        })
        .collect();
    bases.sort();
    assert!(bases.len() > 3, "{bases:?}");
    let mut all = Vec::new();
    for (n, base) in bases.iter().enumerate() {
        all.extend(check_segment(&partition, *base, bases.get(n + 1).copied()));
    }
    let offsets: Vec<i64> = all.iter().map(|h| h.base_offset).collect();
    assert_eq!(offsets[0], 0);
    assert_eq!(all.last().unwrap().last_offset + 1, end);
    // The checks above ran on real entries, not only on empty files.
    let bytes_of = |suffix: &str| -> u64 {
        list(&partition)
            .iter()
            .filter(|n| n.ends_with(suffix))
            .map(|n| std::fs::metadata(partition.join(n)).unwrap().len())
            .sum()
    };
    assert!(bytes_of(".index") >= 8 * 4, "offset index entries expected");
    assert!(
        bytes_of(".timeindex") >= 12 * 4,
        "time index entries expected"
    );
    // And the dir opens again as a clean shutdown.
    let manager = LogManager::open(manager_config(&[root]), &HashMap::new(), 0).unwrap();
    assert!(manager.had_clean_shutdown());
    assert_eq!(manager.get_log(&tp).unwrap().lock().log_end_offset(), end);
}
