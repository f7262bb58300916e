//! Unit tests of the primitive encodings (§1.5–§1.7 examples).

use bytes::Bytes;

use super::{Ctx, Decoder, Encoder, Wire};
use crate::error::{DecodeError, EncodeError};

fn encoded(write: impl FnOnce(&mut Encoder)) -> Vec<u8> {
    let mut encoder = Encoder::new();
    write(&mut encoder);
    encoder.finish_bytes().unwrap().to_vec()
}

#[test]
fn uvarint_examples_from_section_1_7() {
    for (value, bytes) in [
        (0u32, vec![0x00]),
        (1, vec![0x01]),
        (127, vec![0x7f]),
        (128, vec![0x80, 0x01]),
        (300, vec![0xac, 0x02]),
        (16384, vec![0x80, 0x80, 0x01]),
        (u32::MAX, vec![0xff, 0xff, 0xff, 0xff, 0x0f]),
    ] {
        assert_eq!(encoded(|e| e.uvarint(value)), bytes);
        assert_eq!(Decoder::new(Bytes::from(bytes)).uvarint().unwrap(), value);
    }
}

#[test]
fn uvarint_with_a_sixth_byte_is_rejected() {
    let mut decoder = Decoder::new(Bytes::from_static(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x01]));
    assert_eq!(decoder.uvarint(), Err(DecodeError::VarintTooLong));
}

#[test]
fn classic_and_compact_strings() {
    let flexible = Ctx::new(3, true);
    let classic = Ctx::new(0, false);
    assert_eq!(
        encoded(|e| String::new().encode(e, flexible).unwrap()),
        [0x01]
    );
    assert_eq!(
        encoded(|e| String::new().encode(e, classic).unwrap()),
        [0x00, 0x00]
    );
    let null: Option<String> = None;
    assert_eq!(
        encoded(|e| null.encode(e, flexible.field(true)).unwrap()),
        [0x00]
    );
    assert_eq!(
        encoded(|e| null.encode(e, classic.field(true)).unwrap()),
        [0xff, 0xff]
    );
    let mut encoder = Encoder::new();
    assert_eq!(
        null.encode(&mut encoder, classic),
        Err(EncodeError::NullNotAllowed)
    );
    // A non-nullable compact string with length 0 (null) is a parse error.
    let mut decoder = Decoder::new(Bytes::from_static(&[0x00]));
    assert_eq!(
        String::decode(&mut decoder, flexible),
        Err(DecodeError::UnexpectedNull)
    );
}

#[test]
fn null_arrays_are_minus_one_or_zero() {
    let null: Option<Vec<i32>> = None;
    assert_eq!(
        encoded(|e| null.encode(e, Ctx::new(1, false).field(true)).unwrap()),
        [0xff, 0xff, 0xff, 0xff]
    );
    assert_eq!(
        encoded(|e| null.encode(e, Ctx::new(9, true).field(true)).unwrap()),
        [0x00]
    );
    let mut decoder = Decoder::new(Bytes::from_static(&[0x00]));
    assert_eq!(
        Vec::<i32>::decode(&mut decoder, Ctx::new(9, true)),
        Err(DecodeError::UnexpectedNull)
    );
}

#[test]
fn bytes_are_zero_copy_slices_of_the_input() {
    let input = Bytes::from_static(&[0, 0, 0, 3, 7, 8, 9, 1]);
    let mut decoder = Decoder::new(input.clone());
    let value = Bytes::decode(&mut decoder, Ctx::new(0, false)).unwrap();
    assert_eq!(value.as_ref(), &[7, 8, 9]);
    assert_eq!(value.as_ptr(), input[4..].as_ptr());
    assert_eq!(decoder.remaining(), 1);
}

#[test]
fn lengths_beyond_the_input_fail_before_allocating() {
    // A classic string claiming 32767 bytes with 2 present, and bytes claiming 2^31 - 1.
    let mut decoder = Decoder::new(Bytes::from_static(&[0x7f, 0xff, b'a', b'b']));
    assert!(matches!(
        decoder.string(false),
        Err(DecodeError::UnexpectedEof { .. })
    ));
    let mut decoder = Decoder::new(Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff]));
    assert!(matches!(
        decoder.nullable_bytes(false),
        Err(DecodeError::UnexpectedEof { .. })
    ));
    let mut decoder = Decoder::new(Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff, 0]));
    assert!(matches!(
        decoder.array_len(false),
        Err(DecodeError::UnexpectedEof { .. })
    ));
}

#[test]
fn any_non_zero_byte_reads_as_true() {
    let mut decoder = Decoder::new(Bytes::from_static(&[0x02]));
    assert!(bool::decode(&mut decoder, Ctx::new(0, false)).unwrap());
}

#[test]
fn strings_over_32767_bytes_are_refused_on_write() {
    let long = "x".repeat(32768);
    let mut encoder = Encoder::new();
    assert_eq!(
        long.encode(&mut encoder, Ctx::new(0, false)),
        Err(EncodeError::StringTooLong(32768))
    );
}
