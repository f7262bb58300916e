//! kafka-dump-log against segments written by gregor-log: the expected text is built from
//! DumpLogSegments' format (Kafka 2.4) and the bytes of the files, parsed here by hand.

use std::fs;
use std::path::{Path, PathBuf};

use gregor_log::log::{Log, LogLoadOptions};
use gregor_log::LogConfig;
use gregor_protocol::records::{Compression, RecordBatchBuilder};
use gregor_tools::dump_log::run_dump_log;

fn be_i64(b: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(b[at..at + 8].try_into().unwrap())
}

fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

fn run(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_dump_log(&args, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// Writes three batches through the log engine (epoch 7): two plain records with a header and
/// a null key, then a gzip batch of two; closes the log so the indexes are trimmed.
fn write_log(root: &Path) -> PathBuf {
    let config = LogConfig::default()
        .with_overrides([
            ("index.interval.bytes", "1"),
            ("segment.index.bytes", "4096"),
        ])
        .unwrap();
    let options = LogLoadOptions {
        recovery_point: 0,
        log_start_offset: 0,
        had_clean_shutdown: true,
        now_ms: 1_000,
    };
    let dir = root.join("first-0");
    let mut log = Log::open(&dir, config, options).unwrap();
    let mut first = RecordBatchBuilder::new()
        .append(
            1_600_000_000_000,
            Some(b"k1"),
            Some(b"hello"),
            &[("h1", Some(b"x")), ("h2", None)],
        )
        .append(1_600_000_000_005, None, Some(b"world"), &[])
        .build()
        .unwrap();
    log.append_as_leader(&mut first, 7, 1_600_000_000_010)
        .unwrap();
    let mut second = RecordBatchBuilder::new()
        .compression(Compression::Gzip)
        .append(1_600_000_000_020, Some(b"a"), Some(b"zipped one"), &[])
        .append(1_600_000_000_021, Some(b"b"), None, &[])
        .build()
        .unwrap();
    log.append_as_leader(&mut second, 7, 1_600_000_000_030)
        .unwrap();
    log.close(1_600_000_000_040).unwrap();
    dir
}

/// The batch line DumpLogSegments.printBatchLevel prints, from the batch's bytes.
fn batch_line(bytes: &[u8], position: usize, codec: &str) -> String {
    let base = be_i64(bytes, 0);
    let size = be_i32(bytes, 8) as usize + 12;
    let last = base + i64::from(be_i32(bytes, 23));
    let count = be_i32(bytes, 57);
    let crc = u32::from_be_bytes(bytes[17..21].try_into().unwrap());
    let max_timestamp = be_i64(bytes, 35);
    format!(
        "baseOffset: {base} lastOffset: {last} count: {count} baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 7 isTransactional: false isControl: false position: {position} CreateTime: {max_timestamp} size: {size} magic: 2 compresscodec: {codec} crc: {crc} isvalid: true\n"
    )
}

#[test]
fn log_segment_prints_batches_and_records_like_kafka_2_4() {
    let root = tempfile::tempdir().unwrap();
    let dir = write_log(root.path());
    let log_path = dir.join("00000000000000000000.log");
    let bytes = fs::read(&log_path).unwrap();
    let first_size = be_i32(&bytes, 8) as usize + 12;
    let path = log_path.display().to_string();

    let (code, out, err) = run(&["--files", &path, "--print-data-log"]);
    assert_eq!(code, 0, "{err}");
    let expected = format!(
        "Dumping {path}\nStarting offset: 0\n{}{}{}{}{}{}",
        batch_line(&bytes, 0, "NONE"),
        "| offset: 0 CreateTime: 1600000000000 keysize: 2 valuesize: 5 sequence: -1 headerKeys: [h1,h2] key: k1 payload: hello\n",
        "| offset: 1 CreateTime: 1600000000005 keysize: -1 valuesize: 5 sequence: -1 headerKeys: [] payload: world\n",
        batch_line(&bytes[first_size..], first_size, "GZIP"),
        "| offset: 2 CreateTime: 1600000000020 keysize: 1 valuesize: 10 sequence: -1 headerKeys: [] key: a payload: zipped one\n",
        "| offset: 3 CreateTime: 1600000000021 keysize: 1 valuesize: -1 sequence: -1 headerKeys: [] key: b\n",
    );
    assert_eq!(out, expected);
    assert_eq!(err, "");

    // Shallow by default: only the batch lines.
    let (_, shallow, _) = run(&["--files", &path]);
    assert_eq!(shallow.lines().count(), 4);
    // --deep-iteration without --print-data-log: record lines without contents.
    let (_, deep, _) = run(&["--files", &path, "--deep-iteration"]);
    assert!(deep.contains("| offset: 0 CreateTime: 1600000000000 keysize: 2 valuesize: 5 sequence: -1 headerKeys: [h1,h2]\n"));
}

#[test]
fn indexes_print_their_entries_and_pass_the_sanity_check() {
    let root = tempfile::tempdir().unwrap();
    let dir = write_log(root.path());
    let index_path = dir.join("00000000000000000000.index").display().to_string();
    let time_path = dir
        .join("00000000000000000000.timeindex")
        .display()
        .to_string();
    let index = fs::read(&index_path).unwrap();
    let expected_index: String = index
        .chunks_exact(8)
        .map(|e| format!("offset: {} position: {}\n", be_i32(e, 0), be_i32(e, 4)))
        .collect();
    assert!(
        !expected_index.is_empty(),
        "index.interval.bytes=1 indexes the second batch"
    );
    let (code, out, err) = run(&["--files", &index_path]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, format!("Dumping {index_path}\n{expected_index}"));

    let time_index = fs::read(&time_path).unwrap();
    let expected_time: String = time_index
        .chunks_exact(12)
        .map(|e| format!("timestamp: {} offset: {}\n", be_i64(e, 0), be_i32(e, 8)))
        .collect();
    let (code, out, err) = run(&["--files", &time_path]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, format!("Dumping {time_path}\n{expected_time}"));

    let files = format!("{index_path},{time_path}");
    let (code, out, _) = run(&["--files", &files, "--index-sanity-check"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        format!("Dumping {index_path}\n{index_path} passed sanity check.\nDumping {time_path}\n{time_path} passed sanity check.\n")
    );
    let (_, verify, _) = run(&["--files", &index_path, "--verify-index-only"]);
    assert_eq!(verify, format!("Dumping {index_path}\n"));
}

#[test]
fn index_entries_that_miss_a_batch_are_reported_on_stderr() {
    let root = tempfile::tempdir().unwrap();
    let dir = write_log(root.path());
    let index_path = dir.join("00000000000000000000.index");
    // One entry claiming offset 1 lives at position 0, where the batch ending at 1 starts,
    // then a wrong one: offset 2 at position 0 (that batch ends at 1).
    let mut index = Vec::new();
    index.extend_from_slice(&1i32.to_be_bytes());
    index.extend_from_slice(&0i32.to_be_bytes());
    index.extend_from_slice(&2i32.to_be_bytes());
    index.extend_from_slice(&0i32.to_be_bytes());
    fs::write(&index_path, &index).unwrap();
    let path = index_path.display().to_string();
    let (code, out, err) = run(&["--files", &path]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        format!("Dumping {path}\noffset: 1 position: 0\noffset: 2 position: 0\n")
    );
    assert_eq!(
        err,
        format!("Mismatches in :{path}\n  Index offset: 2, log offset: 1\n")
    );
}

#[test]
fn torn_tails_and_offset_gaps_are_reported() {
    let root = tempfile::tempdir().unwrap();
    let path = root.path().join("00000000000000000000.log");
    let mut bytes = RecordBatchBuilder::new()
        .append(5, None, Some(b"a"), &[])
        .build()
        .unwrap();
    bytes.extend(
        RecordBatchBuilder::new()
            .base_offset(5)
            .append(6, None, Some(b"b"), &[])
            .build()
            .unwrap(),
    );
    bytes.extend_from_slice(&[0, 0, 0]);
    fs::write(&path, &bytes).unwrap();
    let file = path.display().to_string();
    let (code, out, err) = run(&["--files", &file, "--deep-iteration"]);
    assert_eq!(code, 0);
    assert!(
        out.ends_with("Found 3 invalid bytes at the end of 00000000000000000000.log\n"),
        "{out}"
    );
    assert_eq!(
        err,
        format!("Non-consecutive offsets in {file}\n  0 is followed by 5\n")
    );
}

#[test]
fn option_errors_follow_kafka() {
    let (code, _, err) = run(&["--print-data-log"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("Missing required argument \"[files]\"\nOption"),
        "{err}"
    );
    let (code, _, err) = run(&["--files", "/nonexistent/00000000000000000000.log"]);
    assert_eq!(code, 1);
    assert!(err.contains("java.io.FileNotFoundException: /nonexistent/00000000000000000000.log (No such file or directory)"));
    let (code, out, err) = run(&["--files", "notes.txt"]);
    assert_eq!((code, out.as_str()), (0, "Dumping notes.txt\n"));
    assert_eq!(err, "Ignoring unknown file notes.txt\n");
}
