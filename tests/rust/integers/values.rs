//! `--integers exact`: an integer `enum`/`const`/tag holding a value past 64 bits is typed as an
//! integer (serde_json::Number) and the generated checks accept exactly the listed values.
use CRATE::types::{Event, Limits};
use CRATE::{decode, encode, DecodeError};

const P70: &str = "1180591620717411303424"; // 2^70
const P70_MINUS_1: &str = "1180591620717411303423";
const BELOW_I64: &str = "-9223372036854775809";

fn invalid<T: serde::de::DeserializeOwned + CRATE::Validate + std::fmt::Debug>(json: &str, keyword: &str) {
    match decode::<T>(json) {
        Err(DecodeError::Invalid(errors)) => {
            assert!(errors.0.iter().any(|e| e.keyword == keyword), "{json}: {errors}")
        }
        other => panic!("{json}: expected a {keyword} violation, got {other:?}"),
    }
}

#[test]
fn const_and_enum_past_64_bits_are_checked_exactly() {
    for text in [
        format!(r#"{{"fixed":{P70}}}"#),
        format!(r#"{{"code":{P70},"fixed":{P70}}}"#),
        format!(r#"{{"code":{BELOW_I64},"fixed":{P70}}}"#),
        format!(r#"{{"code":5,"fixed":{P70},"small":7}}"#),
        format!(r#"{{"fixed":{P70},"either":{P70}}}"#),
        format!(r#"{{"fixed":{P70},"either":"big"}}"#),
    ] {
        let value = decode::<Limits>(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(encode(&value).unwrap(), text); // digit for digit (written in property order)
    }
    let value = decode::<Limits>(&format!(r#"{{"fixed":{P70}}}"#)).unwrap();
    let _: serde_json::Number = value.fixed;
    assert!(decode::<Limits>(&format!(r#"{{"fixed":{P70}.0}}"#)).is_ok()); // 2^70.0 equals 2^70
    invalid::<Limits>(&format!(r#"{{"fixed":{P70_MINUS_1}}}"#), "const");
    invalid::<Limits>(r#"{"fixed":5}"#, "const");
    invalid::<Limits>(&format!(r#"{{"fixed":{P70},"code":6}}"#), "enum");
    invalid::<Limits>(&format!(r#"{{"fixed":{P70},"code":{P70_MINUS_1}}}"#), "enum");
    invalid::<Limits>(&format!(r#"{{"fixed":{P70},"either":3}}"#), "enum");
    invalid::<Limits>(&format!(r#"{{"fixed":{P70},"small":8}}"#), "const");
}

#[test]
fn a_tag_past_64_bits_still_selects_its_variant() {
    let first = decode::<Event>(&format!(r#"{{"v":{P70},"a":"x"}}"#)).unwrap();
    assert!(matches!(first, Event::Variant1(_)), "{first:?}");
    assert_eq!(encode(&first).unwrap(), format!(r#"{{"v":{P70},"a":"x"}}"#));
    let second = decode::<Event>(r#"{"v":2,"b":1}"#).unwrap();
    assert!(matches!(second, Event::Variant2(_)), "{second:?}");
    invalid::<Event>(r#"{"v":3}"#, "oneOf");
    invalid::<Event>(&format!(r#"{{"v":{P70_MINUS_1},"a":"x"}}"#), "oneOf");
}
