//! Tests of `meta.properties` reading, writing and Kafka's consistency checks.

use super::*;

fn meta(broker_id: i32, cluster_id: &str) -> BrokerMetadata {
    BrokerMetadata {
        broker_id,
        cluster_id: Some(cluster_id.to_string()),
    }
}

#[test]
fn java_date_matches_the_reference_example() {
    // 2020-01-14T10:00:00Z, the date in kafka-2.4.md §4.2.
    assert_eq!(java_date(1_578_996_000), "Tue Jan 14 10:00:00 UTC 2020");
    assert_eq!(java_date(0), "Thu Jan 01 00:00:00 UTC 1970");
    assert_eq!(java_date(951_782_400), "Tue Feb 29 00:00:00 UTC 2000");
}

#[test]
fn written_file_has_comment_date_and_three_keys_and_reads_back() {
    let tmp = tempfile::tempdir().unwrap();
    let m = meta(3, "4L6g3nShT-eMCtK--X86sw");
    m.write(tmp.path()).unwrap();
    let text = std::fs::read_to_string(tmp.path().join("meta.properties")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "#");
    assert!(
        lines[1].starts_with('#') && lines[1].contains(" UTC "),
        "{text}"
    );
    assert_eq!(
        &lines[2..],
        &[
            "cluster.id=4L6g3nShT-eMCtK--X86sw",
            "version=0",
            "broker.id=3"
        ]
    );
    assert_eq!(BrokerMetadata::read(tmp.path()).unwrap(), Some(m));
    assert!(!tmp.path().join("meta.properties.tmp").exists());
}

#[test]
fn missing_file_is_none_and_kafka_style_files_parse() {
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(BrokerMetadata::read(tmp.path()).unwrap(), None);
    std::fs::write(
        tmp.path().join("meta.properties"),
        "#\n#Tue Jan 14 10:00:00 UTC 2020\nversion = 0\nbroker.id:7\n",
    )
    .unwrap();
    let read = BrokerMetadata::read(tmp.path()).unwrap().unwrap();
    assert_eq!(read.broker_id, 7);
    assert_eq!(read.cluster_id, None);
}

#[test]
fn bad_version_and_missing_broker_id_are_errors_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("meta.properties");
    std::fs::write(&path, "version=1\nbroker.id=1\n").unwrap();
    let err = BrokerMetadata::read(tmp.path()).unwrap_err().to_string();
    assert!(
        err.contains("Unrecognized version of the server meta.properties file: 1"),
        "{err}"
    );
    assert!(err.contains(&path.display().to_string()), "{err}");
    std::fs::write(&path, "version=0\n").unwrap();
    let err = BrokerMetadata::read(tmp.path()).unwrap_err().to_string();
    assert!(
        err.contains("Missing required property 'broker.id'"),
        "{err}"
    );
    std::fs::write(&path, "version=0\nbroker.id=-4\n").unwrap();
    let err = BrokerMetadata::read(tmp.path()).unwrap_err().to_string();
    assert!(
        err.contains("broker.id has value -4 which is not in the range"),
        "{err}"
    );
}

#[test]
fn cluster_id_mismatch_uses_kafkas_message() {
    let err = meta(1, "Y").check_cluster_id("X").unwrap_err().to_string();
    assert_eq!(
        err,
        "The Cluster ID X doesn't match stored clusterId Some(Y) in meta.properties. \
         The broker is trying to join the wrong cluster. Configured zookeeper.connect may be wrong."
    );
    meta(1, "X").check_cluster_id("X").unwrap();
}

#[test]
fn broker_id_resolution_follows_kafka() {
    let stored = meta(5, "c");
    let err = BrokerMetadata::resolve_broker_id(6, Some(&stored)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Configured broker.id 6 doesn't match stored broker.id 5 in meta.properties. \
         If you moved your data, make sure your configured broker.id matches. If you intend to \
         create a new broker, you should remove all data in your data directories (log.dirs)."
    );
    assert_eq!(
        BrokerMetadata::resolve_broker_id(5, Some(&stored)).unwrap(),
        Some(5)
    );
    assert_eq!(
        BrokerMetadata::resolve_broker_id(-1, Some(&stored)).unwrap(),
        Some(5)
    );
    assert_eq!(BrokerMetadata::resolve_broker_id(2, None).unwrap(), Some(2));
    assert_eq!(BrokerMetadata::resolve_broker_id(-1, None).unwrap(), None);
}

#[test]
fn dirs_that_disagree_are_rejected() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    meta(1, "X").write(a.path()).unwrap();
    meta(1, "X").write(b.path()).unwrap();
    let dirs = vec![
        a.path().to_path_buf(),
        b.path().to_path_buf(),
        c.path().to_path_buf(),
    ];
    assert_eq!(BrokerMetadata::read_all(&dirs).unwrap(), Some(meta(1, "X")));
    meta(2, "X").write(b.path()).unwrap();
    let err = BrokerMetadata::read_all(&dirs).unwrap_err().to_string();
    assert!(
        err.starts_with("BrokerMetadata is not consistent across log.dirs."),
        "{err}"
    );
    assert!(
        err.contains("BrokerMetadata(brokerId=2, clusterId=X)"),
        "{err}"
    );
}

#[test]
fn escaped_values_round_trip() {
    let props = parse_java_properties("a\\=b = c\\:d\n! comment\nkey value\n");
    assert_eq!(props.get("a=b").map(String::as_str), Some("c:d"));
    assert_eq!(props.get("key").map(String::as_str), Some("value"));
    assert_eq!(escape_value("x:y=z"), "x\\:y\\=z");
}
