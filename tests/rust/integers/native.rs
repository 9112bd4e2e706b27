//! `--integers native` (the default): 64-bit Rust integers; a larger integer the schema accepts is
//! rejected with an error naming its JSON pointer, its value and the fix.
use CRATE::types::{Counts, Shape};
use CRATE::{decode, encode, DecodeError};

fn json_error(text: &str) -> String {
    match decode::<Counts>(text) {
        Err(DecodeError::Json(error)) => error.to_string(),
        other => panic!("{text}: expected a Json error, got {other:?}"),
    }
}

#[test]
fn integers_beyond_64_bits_get_a_clean_error() {
    let message = json_error(r#"{"big":1180591620717411303424,"ratio":1e30}"#);
    assert_eq!(
        message,
        "/big: the integer 1.1805916207174113e21 does not fit the 64-bit Rust integer of its field \
         (the `--integers native` convention); bound it with minimum/maximum in the schema, or \
         generate with `--integers exact`"
    );
    let message = json_error(r#"{"list":[1,2,-100000000000000000000]}"#);
    assert!(message.starts_with("/list/2: the integer -1e20 does not fit"), "{message}");
    let message = json_error(r#"{"positive":18446744073709551616}"#);
    assert!(message.starts_with("/positive: the integer 1.8446744073709552e19 "), "{message}");
    // a number field holds any number: only the integer field is named
    let message = json_error(r#"{"ratio":1e30,"third":3e30}"#);
    assert!(message.starts_with("/third: the integer 3"), "{message}");
    match decode::<Shape>(r#"{"kind":"circle","radius":1e20}"#) {
        Err(DecodeError::Json(error)) => assert!(error.to_string().starts_with("/radius: the integer 1e20 ")),
        other => panic!("{other:?}"),
    }
    // the edges of i64 and u64 still fit
    let value = decode::<Counts>(r#"{"big":-9223372036854775808,"positive":18446744073709551615}"#).unwrap();
    assert_eq!((value.big, value.positive), (Some(i64::MIN), Some(u64::MAX)));
}

#[test]
fn integral_floats_are_integers_and_fractions_are_not() {
    let value = decode::<Counts>(r#"{"big":1.0,"third":-3.0}"#).unwrap();
    assert_eq!((value.big, value.third), (Some(1), Some(-3)));
    assert_eq!(encode(&value).unwrap(), r#"{"big":1,"third":-3}"#);
    assert!(matches!(decode::<Counts>(r#"{"big":1.5}"#), Err(DecodeError::Invalid(_))));
    assert!(matches!(decode::<Counts>(r#"{"third":4}"#), Err(DecodeError::Invalid(_))));
    assert!(matches!(decode::<Counts>(r#"{"small":4294967296}"#), Err(DecodeError::Json(_))));
    let _: Option<i64> = value.big;
    let _: Option<u64> = value.positive;
    let _: Option<i32> = value.small;
}
