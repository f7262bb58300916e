use super::*;

/// 2020-01-02T03:04:05.678Z in epoch milliseconds.
const JAN_2_2020: i64 = 1_577_934_245_678;

fn message(result: Result<impl std::fmt::Debug, CommandError>) -> (String, String) {
    let error = result.expect_err("a refusal");
    (error.class.to_string(), error.message)
}

#[test]
fn datetimes_without_a_zone_are_utc_and_zones_shift_them() {
    assert_eq!(
        parse_datetime("2020-01-02T03:04:05.678").unwrap(),
        JAN_2_2020
    );
    assert_eq!(
        parse_datetime("2020-01-02T03:04:05.678Z").unwrap(),
        JAN_2_2020
    );
    let hour_ms = 3_600_000;
    assert_eq!(
        parse_datetime("2020-01-02T03:04:05.678+01:00").unwrap(),
        JAN_2_2020 - hour_ms
    );
    assert_eq!(
        parse_datetime("2020-01-02T03:04:05.678-02:30").unwrap(),
        JAN_2_2020 + 5 * hour_ms / 2
    );
    // `X` reads only the hours when `XXX` fails: +0530 is +05 (SimpleDateFormat ignores the rest).
    assert_eq!(
        parse_datetime("2020-01-02T03:04:05.678+0530").unwrap(),
        JAN_2_2020 - 5 * hour_ms
    );
    assert_eq!(parse_datetime("1970-01-01T00:00:00.000").unwrap(), 0);
    assert_eq!(parse_datetime("1969-12-31T23:59:59.999").unwrap(), -1);
}

#[test]
fn datetimes_are_parsed_leniently_as_simple_date_format_does() {
    // Month 13 is January of the next year; `.5` is 5 ms; text after the zone is ignored.
    assert_eq!(
        parse_datetime("2019-13-02T03:04:05.678").unwrap(),
        JAN_2_2020
    );
    assert_eq!(
        parse_datetime("2020-01-02T03:04:05.5").unwrap(),
        JAN_2_2020 - 673
    );
    assert_eq!(
        parse_datetime("2020-01-02T03:04:05.678Zjunk").unwrap(),
        JAN_2_2020
    );
    assert_eq!(
        parse_datetime("2020-02-30T00:00:00.000").unwrap(),
        parse_datetime("2020-03-01T00:00:00.000").unwrap(),
        "Feb 30th of a leap year rolls over to March 1st"
    );
}

#[test]
fn malformed_datetimes_fail_with_kafkas_exceptions() {
    // Milliseconds are required: the Z-suffixed text is what the error quotes.
    assert_eq!(
        message(parse_datetime("2020-01-02T03:04:05")),
        (
            "java.text.ParseException".into(),
            "Unparseable date: \"2020-01-02T03:04:05Z\"".into()
        )
    );
    assert_eq!(
        message(parse_datetime("2020-01-02T03:04:05-01:00")).1,
        "Unparseable date: \"2020-01-02T03:04:05-01:00\""
    );
    assert_eq!(
        message(parse_datetime("2020-01-02T03:04:05.000+25:00")).1,
        "Unparseable date: \"2020-01-02T03:04:05.000+25:00\""
    );
    // No `T`: Kafka's `split("T")(1)` fails first.
    assert_eq!(
        message(parse_datetime("2020-01-02")),
        (
            "java.lang.ArrayIndexOutOfBoundsException".into(),
            "1".into()
        )
    );
    assert_eq!(message(parse_datetime("2020-01-02T")).1, "1");
}

const SECOND_NS: i128 = 1_000_000_000;

#[test]
fn durations_follow_java_time_duration_parse() {
    assert_eq!(parse_duration("PT0S").unwrap(), 0);
    assert_eq!(parse_duration("PT1H").unwrap(), 3_600 * SECOND_NS);
    assert_eq!(
        parse_duration("P1DT2H3M4.5S").unwrap(),
        (86_400 + 7_200 + 180 + 4) * SECOND_NS + SECOND_NS / 2
    );
    assert_eq!(parse_duration("pt15m").unwrap(), 900 * SECOND_NS);
    assert_eq!(parse_duration("-PT1M").unwrap(), -60 * SECOND_NS);
    assert_eq!(parse_duration("PT-1.5S").unwrap(), -3 * SECOND_NS / 2);
    assert_eq!(parse_duration("P2D").unwrap(), 2 * 86_400 * SECOND_NS);
}

#[test]
fn malformed_durations_fail_as_duration_parse_does() {
    let refused = (
        "java.time.format.DateTimeParseException".to_string(),
        "Text cannot be parsed to a Duration".to_string(),
    );
    for text in ["P", "PT", "P1DT", "1H", "PT1H2D", "P1Y", "PT1.5M", ""] {
        assert_eq!(message(parse_duration(text)), refused, "{text:?}");
    }
    assert_eq!(
        message(parse_duration("P9999999999999999D")).1,
        "Text cannot be parsed to a Duration: days"
    );
}

#[test]
fn the_reset_time_is_now_minus_the_duration() {
    assert_eq!(millis_before(10_000, 0).unwrap(), 10_000);
    assert_eq!(millis_before(10_000, 3 * SECOND_NS).unwrap(), 7_000);
    assert_eq!(millis_before(0, SECOND_NS / 1_000_000 / 2).unwrap(), -1);
    assert_eq!(
        message(millis_before(0, i128::from(i64::MAX) * SECOND_NS)).1,
        "Instant exceeds minimum or maximum instant"
    );
}

fn groups(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

#[test]
fn an_exported_plan_reads_back_for_one_group() {
    // What `--export` writes for one group: lines and a final blank line.
    let plan = parse_reset_plan("orders,0,3\norders,1,7\n\n", &groups(&["shop"])).unwrap();
    let offsets = &plan["shop"];
    assert_eq!(offsets[&("orders".to_string(), 0)], 3);
    assert_eq!(offsets[&("orders".to_string(), 1)], 7);
    assert_eq!(plan.len(), 1);
}

#[test]
fn the_group_column_is_read_with_several_groups_or_when_the_first_line_needs_it() {
    let csv = "a,orders,0,3\nb,orders,1,7\n";
    let plan = parse_reset_plan(csv, &groups(&["a", "b"])).unwrap();
    assert_eq!(plan["a"][&("orders".to_string(), 0)], 3);
    assert_eq!(plan["b"][&("orders".to_string(), 1)], 7);
    let plan = parse_reset_plan(csv, &groups(&["a"])).unwrap();
    assert_eq!(plan.len(), 2, "four columns: the group column is used");
    // Three columns with several groups: Jackson reads them as group,topic,partition with
    // offset 0 (so no group named `shop` gets a plan).
    let plan = parse_reset_plan("orders,0,3\n", &groups(&["shop", "other"])).unwrap();
    assert_eq!(plan["orders"][&("0".to_string(), 3)], 0);
}

#[test]
fn malformed_plans_fail_with_jacksons_messages() {
    let error = parse_reset_plan("orders,0,3\norders,x,3\n", &groups(&["shop"])).unwrap_err();
    assert!(
        error.message.starts_with(
            "Cannot deserialize value of type `int` from String \"x\": not a valid Integer value"
        ),
        "{}",
        error.message
    );
    let error = parse_reset_plan("orders,0,3\norders,0,3,9\n", &groups(&["shop"])).unwrap_err();
    assert_eq!(
        error.message,
        "Too many entries: expected at most 3 (value #3 (1 chars) \"9\")"
    );
    let error = parse_reset_plan("orders,0,3\n\norders,1,3\n", &groups(&["shop"])).unwrap_err();
    assert!(error
        .message
        .starts_with("No content to map due to end-of-input"));
}
