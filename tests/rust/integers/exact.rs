//! `--integers exact`: integers beyond 64 bits are held exactly (serde_json::Number with
//! `arbitrary_precision`) and the generated checks compare them exactly.
use CRATE::types::{Counts, Shape};
use CRATE::{decode, encode, DecodeError};

const P70: &str = "1180591620717411303424"; // 2^70
const P70_MINUS_1: &str = "1180591620717411303423"; // a multiple of 3, unlike 2^70
const P130: &str = "1361129467683753853853498429727072845824"; // 2^130: beyond i128

fn counts(json: &str) -> Result<Counts, DecodeError> {
    decode::<Counts>(json)
}

fn invalid(json: &str, keyword: &str) {
    match counts(json) {
        Err(DecodeError::Invalid(errors)) => {
            assert!(errors.0.iter().any(|e| e.keyword == keyword), "{json}: {errors}")
        }
        other => panic!("{json}: expected a {keyword} violation, got {other:?}"),
    }
}

#[test]
fn big_integers_round_trip_digit_for_digit() {
    for big in [P70, P130, "-1180591620717411303424", "18446744073709551616"] {
        let text = format!(r#"{{"big":{big},"positive":{},"list":[1,{big}],"either":{big}}}"#, big.trim_start_matches('-'));
        let value = counts(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(value.big.as_ref().map(ToString::to_string).as_deref(), Some(big));
        assert_eq!(encode(&value).unwrap(), text);
    }
    // the types: unbounded (or half-bounded) integers are Number, bounded ones stay native
    let value = counts(r#"{"big":1,"bounded":7,"unsigned":18446744073709551615,"small":-3}"#).unwrap();
    let _: Option<serde_json::Number> = value.big;
    let _: Option<i64> = value.bounded;
    let _: Option<u64> = value.unsigned;
    let _: Option<i32> = value.small;
}

#[test]
fn integral_floats_are_integers_and_fractions_are_not() {
    let value = counts(r#"{"big":1.0,"list":[2.0]}"#).unwrap();
    assert_eq!(encode(&value).unwrap(), r#"{"big":1.0,"list":[2.0]}"#); // a Number keeps its text
    let value = counts(r#"{"bounded":2.0}"#).unwrap();
    assert_eq!(value.bounded, Some(2));
    assert_eq!(encode(&value).unwrap(), r#"{"bounded":2}"#);
    invalid(r#"{"big":1.5}"#, "type");
    invalid(&format!(r#"{{"big":{P70}.5}}"#), "type");
    assert!(counts(&format!(r#"{{"big":{P70}.0}}"#)).is_ok());
}

#[test]
fn bounds_multiple_of_and_enum_are_exact_on_big_values() {
    // as f64, 2^70 - 1 and 2^70 are the same number: only exact comparisons tell them apart
    assert!(counts(&format!(r#"{{"atLeast":{P70}}}"#)).is_ok());
    invalid(&format!(r#"{{"atLeast":{P70_MINUS_1}}}"#), "minimum");
    assert!(counts(&format!(r#"{{"atLeast":{P130}}}"#)).is_ok());
    invalid(&format!(r#"{{"third":{P70}}}"#), "multipleOf");
    assert!(counts(&format!(r#"{{"third":{P70_MINUS_1}}}"#)).is_ok());
    invalid(&format!(r#"{{"pick":{P70}}}"#), "not"); // not: enum [2^70, 5]
    assert!(counts(&format!(r#"{{"pick":{P70_MINUS_1}}}"#)).is_ok());
    assert!(counts(&format!(r#"{{"pick":{P130}}}"#)).is_ok());
    // format: int32 keeps its Rust type (and range) in both modes
    assert!(matches!(counts(r#"{"small":4294967296}"#), Err(DecodeError::Json(_))));
    match counts(&format!(r#"{{"small":{P70}}}"#)) {
        Err(DecodeError::Json(error)) => assert_eq!(
            error.to_string(),
            format!("/small: the integer {P70} does not fit the Rust integer type its `format` gives its field")
        ),
        other => panic!("{other:?}"),
    }
    invalid(r#"{"bounded":1000001}"#, "maximum");
}

#[test]
fn tagged_unions_buffer_big_integers_and_numbers() {
    for text in [
        format!(r#"{{"kind":"square","side":{P70},"scale":1.5}}"#),
        format!(r#"{{"kind":"square","side":{P130},"scale":2.5}}"#),
        format!(r#"{{"kind":"circle","radius":{P70}}}"#),
        r#"{"kind":"square","side":3,"scale":0.1}"#.to_owned(),
    ] {
        let value = decode::<Shape>(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(encode(&value).unwrap(), text);
    }
}
