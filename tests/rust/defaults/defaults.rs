//! `--defaults apply`: an absent field decodes to the schema default; a value equal to it (as a
//! JSON value, type included) is not written back.
use std::collections::BTreeMap;

use defaultscheck::types::{Mode, Settings};
use defaultscheck::{decode, encode};

fn settings(json: &str) -> Settings {
    decode::<Settings>(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

#[test]
fn absent_fields_decode_to_the_schema_default() {
    let value = settings("{}");
    assert_eq!(value.name, "hello \"world\"\n\u{2028}");
    assert_eq!(value.retries, 3);
    assert_eq!(value.ratio.to_string(), "1");
    assert_eq!(value.zero.to_string(), "0.0");
    assert!(value.on);
    assert_eq!(value.label, None);
    assert_eq!(value.tags, vec!["a".to_owned(), "b".to_owned()]);
    assert_eq!(value.limits, BTreeMap::from([("k".to_owned(), 1)]));
    assert_eq!(value.mode, Mode::Fast);
    assert_eq!(value.pair, (0, "zero".to_owned()));
    // no default, or one that is not applied: still an Option, None when absent
    assert_eq!((value.plain, value.bad_min, value.bad_type.as_deref()), (None, None, None));
    // an object default decodes as a document would (a fresh struct each time)
    assert_eq!(value.inner.x, Some(1));
    assert!(value.inner.additional_properties.is_empty());
    assert_eq!(encode(&value).unwrap(), "{}");
}

#[test]
fn values_equal_to_the_default_are_not_written() {
    let text = r#"{"name":"hello \"world\"\n\u2028","retries":3,"ratio":1,"zero":0.0,"on":true,"label":null,"tags":["a","b"],"limits":{"k":1},"mode":"fast","pair":[0,"zero"],"inner":{"x":1}}"#;
    assert_eq!(encode(&settings(text)).unwrap(), "{}");
}

#[test]
fn other_values_are_kept_type_included() {
    for text in [
        r#"{"retries":4}"#,
        r#"{"ratio":1.0}"#, // 1.0 is not the default 1
        r#"{"zero":-0.0}"#, // -0.0 is not 0.0
        r#"{"zero":0}"#,
        r#"{"on":false}"#,
        r#"{"label":"x"}"#,
        r#"{"tags":[]}"#,
        r#"{"limits":{"k":2}}"#,
        r#"{"mode":"slow"}"#,
        r#"{"pair":[1,"zero"]}"#,
        r#"{"plain":7,"badMin":2,"badType":"s"}"#,
        r#"{"inner":{"x":2}}"#,
        r#"{"inner":{}}"#,
    ] {
        assert_eq!(encode(&settings(text)).unwrap(), text);
    }
    // a default never makes an invalid value valid
    assert!(decode::<Settings>(r#"{"retries":-1}"#).is_err());
    assert!(decode::<Settings>(r#"{"on":null}"#).is_err());
}
