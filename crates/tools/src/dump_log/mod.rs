//! `kafka-dump-log` (Kafka 2.4's `kafka.tools.DumpLogSegments`): prints `.log`, `.index`,
//! `.timeindex`, `.txnindex` and `.snapshot` files in Kafka's text, then on stderr the
//! index/log mismatches, time-index errors and non-consecutive offsets it found.

pub mod index;
pub mod log_file;
pub mod offsets_decoder;
pub mod other_files;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use crate::console_producer::command_line::{
    check_required, flag, integer_arg, number_of, parse_with_help, string_arg, Exit,
};
use crate::topics::options::OptionSpec;
use index::TimeIndexErrors;
use log_file::LogDumpOptions;

/// Kafka 2.4's DumpLogSegments options.
pub fn specs() -> Vec<OptionSpec> {
    vec![
        flag("print-data-log", "if set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified."),
        flag("verify-index-only", "if set, just verify the index log without printing its content."),
        flag("index-sanity-check", "if set, just checks the index sanity without printing its content. This is the same check that is executed on broker startup to determine if an index needs rebuilding or not."),
        string_arg("files", "REQUIRED: The comma separated list of data and index log files to be dumped.", "file1, file2, ..."),
        integer_arg("max-message-size", "Size of largest message. (default: 5242880)", "size"),
        flag("deep-iteration", "if set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled."),
        string_arg("value-decoder-class", "if set, used to deserialize the messages. This class should implement kafka.serializer.Decoder trait. Custom jar should be available in kafka/libs directory. (default: kafka.serializer.StringDecoder)", "String"),
        string_arg("key-decoder-class", "if set, used to deserialize the keys. This class should implement kafka.serializer.Decoder trait. Custom jar should be available in kafka/libs directory. (default: kafka.serializer.StringDecoder)", "String"),
        flag("offsets-decoder", "if set, log data will be parsed as offset data from the __consumer_offsets topic."),
        flag("transaction-log-decoder", "if set, log data will be parsed as transaction metadata from the __transaction_state topic."),
        flag("help", "Print usage information."),
        flag("version", "Display Kafka version."),
    ]
}

/// `kafka-dump-log` on the process's stdout and stderr; returns the exit code.
pub fn dump_log_main(args: &[String]) -> i32 {
    run_dump_log(args, &mut std::io::stdout(), &mut std::io::stderr())
}

/// Everything the reports at the end need (Kafka's three maps, keyed by absolute path).
#[derive(Default)]
struct Findings {
    index_mismatches: BTreeMap<String, Vec<(i64, i64)>>,
    time_index: BTreeMap<String, TimeIndexErrors>,
    non_consecutive: BTreeMap<String, Vec<(i64, i64)>>,
}

/// `kafka-dump-log` writing to `out` and `err`.
pub fn run_dump_log(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let specs = specs();
    let options = match parse_with_help(
        &specs,
        args,
        "This tool helps to parse a log file and dump its contents to the console, useful for debugging a seemingly corrupt log segment.",
    )
    .and_then(|options| check_required(&specs, &options, &["files"]).map(|()| options))
    {
        Ok(options) => options,
        Err(exit) => return exit.print(out, err),
    };
    let max_message_bytes = match number_of::<i32>(&options, "max-message-size", 5 * 1024 * 1024) {
        Ok(size) => usize::try_from(size).unwrap_or(0),
        Err(exit) => return exit.print(out, err),
    };
    let print_contents = [
        "print-data-log",
        "offsets-decoder",
        "transaction-log-decoder",
        "value-decoder-class",
        "key-decoder-class",
    ]
    .iter()
    .any(|name| options.has(name));
    let settings = Settings {
        log: LogDumpOptions {
            print_contents,
            deep_iteration: print_contents || options.has("deep-iteration"),
            offsets_decoder: options.has("offsets-decoder"),
        },
        verify_only: options.has("verify-index-only"),
        index_sanity_only: options.has("index-sanity-check"),
        max_message_bytes,
    };
    let mut findings = Findings::default();
    for file in options.value_of("files").unwrap_or_default().split(',') {
        let mut text = format!("Dumping {file}\n");
        let result = dump_file(file, &settings, &mut findings, &mut text, err);
        let _ = out.write_all(text.as_bytes());
        if let Err((class, message)) = result {
            let _ = out.flush();
            return Exit::uncaught(&class, &message).print(out, err);
        }
    }
    let _ = err.write_all(report(&findings).as_bytes());
    0
}

/// Flags that apply to every file.
struct Settings {
    log: LogDumpOptions,
    verify_only: bool,
    index_sanity_only: bool,
    max_message_bytes: usize,
}

/// The exception Kafka would let escape: class and message.
type Escaped = (String, String);

fn read(path: &str) -> Result<Vec<u8>, Escaped> {
    std::fs::read(path).map_err(|_| {
        (
            "java.io.FileNotFoundException".to_string(),
            format!("{path} (No such file or directory)"),
        )
    })
}

fn absolute(path: &str) -> String {
    std::path::absolute(path).map_or_else(|_| path.to_string(), |p| p.display().to_string())
}

fn dump_file(
    file: &str,
    settings: &Settings,
    findings: &mut Findings,
    out: &mut String,
    err: &mut dyn Write,
) -> Result<(), Escaped> {
    let path = Path::new(file);
    let name = path
        .file_name()
        .map_or_else(|| file.to_string(), |n| n.to_string_lossy().into_owned());
    let Some(dot) = name.rfind('.') else {
        return Err((
            "java.lang.StringIndexOutOfBoundsException".into(),
            "String index out of range: -1".into(),
        ));
    };
    let suffix = &name[dot..];
    let stem = name.split('.').next().unwrap_or_default().to_string();
    let base_offset = || {
        stem.parse::<i64>().map_err(|_| {
            (
                "java.lang.NumberFormatException".to_string(),
                format!("For input string: \"{stem}\""),
            )
        })
    };
    let sibling = |suffix: &str| {
        path.with_file_name(format!("{stem}{suffix}"))
            .display()
            .to_string()
    };
    match suffix {
        ".log" => {
            let base = base_offset()?;
            let bytes = read(file)?;
            let pairs = log_file::dump_log(&name, base, &bytes, settings.log, out);
            if !pairs.is_empty() {
                let mut newest_first = pairs;
                newest_first.reverse();
                findings
                    .non_consecutive
                    .insert(absolute(file), newest_first);
            }
        }
        ".index" => {
            let base = base_offset()?;
            let log = read(&sibling(".log"))?;
            let index_bytes = read(file)?;
            let index_bytes = &index_bytes[..index_bytes.len() / 8 * 8];
            if settings.index_sanity_only {
                let raw = read(file)?;
                index::offset_sanity_check(&absolute(file), &raw, base).map_err(|e| {
                    (
                        "org.apache.kafka.common.errors.CorruptIndexException".to_string(),
                        e.0,
                    )
                })?;
                let _ = writeln!(out, "{file} passed sanity check.");
                return Ok(());
            }
            let mismatches = index::dump_offset_index(
                index_bytes,
                &log,
                base,
                settings.verify_only,
                settings.max_message_bytes,
                out,
            )
            .map_err(|class| (class, String::new()))?;
            if !mismatches.is_empty() {
                findings.index_mismatches.insert(absolute(file), mismatches);
            }
        }
        ".timeindex" => {
            let base = base_offset()?;
            let log = read(&sibling(".log"))?;
            let offset_index = read(&sibling(".index"))?;
            let raw = read(file)?;
            if settings.index_sanity_only {
                index::time_sanity_check(&absolute(file), &raw, base).map_err(|e| {
                    (
                        "org.apache.kafka.common.errors.CorruptIndexException".to_string(),
                        e.0,
                    )
                })?;
                let _ = writeln!(out, "{file} passed sanity check.");
                return Ok(());
            }
            let errors =
                index::dump_time_index(&raw, &offset_index, &log, base, settings.verify_only, out);
            if errors != TimeIndexErrors::default() {
                findings.time_index.insert(absolute(file), errors);
            }
        }
        ".txnindex" => other_files::dump_txn_index(&read(file)?, out),
        ".snapshot" => {
            if let Err(message) = other_files::dump_producer_snapshot(file, &read(file)?, out) {
                let _ = writeln!(err, "{message}");
            }
        }
        _ => {
            let _ = writeln!(err, "Ignoring unknown file {file}");
        }
    }
    Ok(())
}

/// The stderr reports printed after all files, in Kafka's order and words.
fn report(findings: &Findings) -> String {
    let mut text = String::new();
    for (file, mismatches) in &findings.index_mismatches {
        let _ = writeln!(text, "Mismatches in :{file}");
        for (index_offset, log_offset) in mismatches {
            let _ = writeln!(
                text,
                "  Index offset: {index_offset}, log offset: {log_offset}"
            );
        }
    }
    for (file, errors) in &findings.time_index {
        if !errors.mismatches.is_empty() {
            let _ = writeln!(text, "Found timestamp mismatch in :{file}");
            for (index_ts, log_ts) in &errors.mismatches {
                let _ = writeln!(
                    text,
                    "  Index timestamp: {index_ts}, log timestamp: {log_ts}"
                );
            }
        }
    }
    for (file, errors) in &findings.time_index {
        if !errors.out_of_order.is_empty() {
            let _ = writeln!(text, "Found out of order timestamp in :{file}");
            for (index_ts, previous) in &errors.out_of_order {
                let _ = writeln!(
                    text,
                    "  Index timestamp: {index_ts}, Previously indexed timestamp: {previous}"
                );
            }
        }
    }
    for errors in findings.time_index.values() {
        if !errors.offsets_not_found.is_empty() {
            let _ = writeln!(
                text,
                "The following indexed offsets are not found in the log."
            );
            for (indexed, found) in &errors.offsets_not_found {
                let _ = writeln!(text, "Indexed offset: {indexed}, found log offset: {found}");
            }
        }
    }
    for (file, pairs) in &findings.non_consecutive {
        let _ = writeln!(text, "Non-consecutive offsets in {file}");
        for (first, second) in pairs {
            let _ = writeln!(text, "  {first} is followed by {second}");
        }
    }
    text
}
