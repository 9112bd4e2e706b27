//! The crate generated from tests/fixtures/schemas/collisions: awkward names and hostile text
//! survive exactly (wire names, enum values, consts, patterns).

use collisions::types::*;
use collisions::{decode, Validate};
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("valid JSON")
}

#[test]
fn awkward_property_names_round_trip() {
    let text = r#"{"class": "c", "type": "t", "$type": "d", "kebab-name": 1, "2fa": true, "naïve": "n",
        "über": "u", "additional_properties": 2, "fooBar": 3, "foo_bar": "f", "self": 4, "None": 5,
        "UNSET": 6, "msgspec": 7, "": 8}"#;
    let props: Props = decode(text).unwrap();
    assert_eq!(props.r#type.as_deref(), Some("t"));
    assert_eq!(props.type_2.as_deref(), Some("d"));
    assert_eq!(props.foo_bar_2, 3);
    assert_eq!(props.self_, Some(4));
    assert_eq!(props.field, Some(8));
    assert_eq!(json(&serde_json::to_string(&props).unwrap()), json(text));
    let open: OpenProps =
        decode(r#"{"fooBar": 1, "cls": 2, "additional_properties": 3, "x": 4}"#).unwrap();
    assert_eq!(open.additional_properties_, Some(3));
    assert_eq!(open.additional_properties.keys().collect::<Vec<_>>(), ["x"]);
    let quotes: Quotes = decode("{\"x\\\"\\ny\": 1}").unwrap();
    assert_eq!(serde_json::to_string(&quotes).unwrap(), "{\"x\\\"\\ny\":1}");
}

#[test]
fn hostile_values_are_exact() {
    for (wire, variant) in [
        ("a\"b", HostileChoice::Quote),
        ("c'd", HostileChoice::Apos),
        ("e\\f", HostileChoice::Backslash),
        ("g\nh", HostileChoice::Newline),
        ("\"\"\")\nimport os\n#", HostileChoice::Inject1ImportOs),
    ] {
        assert_eq!(variant.value(), wire);
        assert_eq!(HostileChoice::from_value(wire), Some(variant));
        assert_eq!(serde_json::to_value(variant).unwrap(), Value::from(wire));
    }
    assert_eq!(HostileFixed::VALUE, "\"); import os; (\"");
    let hostile: Hostile =
        decode(r#"{"choice": "a\"b", "fixed": "\"); import os; (\"", "pattern": "\"\"\""}"#)
            .unwrap();
    assert!(hostile.validate().is_ok());
    let bad: Hostile = serde_json::from_str(r#"{"choice": "c'd", "pattern": "x"}"#).unwrap();
    assert_eq!(bad.validate().unwrap_err().0[0].path, "/pattern");
    for value in ["", "None", "none", "NONE", "null"] {
        let parsed: CollisionsNone = serde_json::from_value(Value::from(value)).unwrap();
        assert_eq!(parsed.value(), value);
    }
}
