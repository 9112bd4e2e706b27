//! The crate generated from tests/fixtures/schemas/features, feature by feature: what serde
//! accepts, what it rejects, what `validate()` reports, and that every accepted value re-encodes
//! to the same JSON.

use features::types::*;
use features::{decode, DecodeError, Validate};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("valid JSON")
}

/// Decodes, checks the constraints, re-encodes, and compares the JSON.
fn round_trip<T: DeserializeOwned + Serialize + Validate + std::fmt::Debug>(text: &str) -> T {
    let value: T = decode(text).unwrap_or_else(|error| panic!("{text}: {error}"));
    let again = serde_json::to_string(&value).unwrap();
    assert_eq!(json(&again), json(text), "{text} re-encoded as {again}");
    value
}

fn rejected<T: DeserializeOwned + Validate + std::fmt::Debug>(text: &str) -> DecodeError {
    match decode::<T>(text) {
        Ok(value) => panic!("{text} was accepted as {value:?}"),
        Err(error) => error,
    }
}

fn violations<T: DeserializeOwned + Validate + std::fmt::Debug>(text: &str) -> Vec<String> {
    match rejected::<T>(text) {
        DecodeError::Invalid(errors) => errors.0.iter().map(ToString::to_string).collect(),
        DecodeError::Json(error) => panic!("{text}: rejected by serde, not validate(): {error}"),
    }
}

#[test]
fn everything_at_once_round_trips() {
    let text = r#"{
        "closed": {"a": "x", "b": 1},
        "open": {"a": "x", "extra": [1, {"y": null}]},
        "openTyped": {"a": "x", "flag": true},
        "map": {"k": 1},
        "patterned": {"x-a": "s"},
        "presence": {"req": "r", "reqNullable": null, "optNullable": null, "oneOfNull": null},
        "defaults": {"s": "t", "c": ["red"], "t": [1, "one"], "o": {}, "en": null},
        "color": "blue",
        "priority": 10,
        "maybeColor": null,
        "version": "1.0",
        "shape": {"kind": "circle", "radius": 1.5},
        "pet": {"petType": "dog", "bark": "woof", "tail": true},
        "contact": {"phone": "1"},
        "idOrName": 3,
        "named": {"id": 1, "name": "n", "more": 1},
        "tags": ["a"],
        "point": [1, 2.5],
        "tree": {"value": 1, "children": [{"value": 2, "children": []}]},
        "json": {"any": [null, true, 1, 1.0, "x"]},
        "formats": {"when": "not checked", "id": "also not checked"},
        "limits": {"percent": 100, "positive": 0.5, "even": 4, "code": "AB", "unique": [1, 2]},
        "amount": 1,
        "contacts": [{"email": "e"}, {"phone": "p", "note": "n"}],
        "petOrNull": null,
        "petsByName": {"tom": {"petType": "cat", "lives": 9}},
        "openOrNull": {"a": "x"},
        "strOrClosed": {"a": "x"},
        "colorOrNull": "red",
        "mixedEnum": true,
        "flag": true,
        "strOrInt": "s",
        "signed": -1,
        "closedPatterned": {"a": 1, "x-b": "s"},
        "sized": {"a": 1},
        "refPlus": {"a": "x", "b": 2},
        "matrix": [[1, 2.0], []],
        "anything": null,
        "anyOfObjects": {"other": false},
        "versioned": {"v": 2, "b": 3},
        "shortTuple": ["x"],
        "openTuple": ["x", 1, 2],
        "anchored": {"a": "x"},
        "mode": null,
        "animal": {"kind": "Fish", "fins": 2}
    }"#;
    let features: Features = round_trip(text);
    assert_eq!(features.maybe_color, Some(None));
    assert_eq!(features.mode, Some(None));
    assert_eq!(features.anything, Some(Value::Null));
    assert!(matches!(features.versioned, Some(Versioned::V2(_))));
    assert!(matches!(features.animal, Some(Animal::Fish(_))));
    assert!(matches!(
        features.any_of_objects,
        Some(FeaturesAnyOfObjects::OpenTyped(_))
    ));
    assert!(matches!(
        features.contacts.as_deref(),
        Some([Contact::EmailContact(_), Contact::PhoneContact(_)])
    ));
    assert!(matches!(features.mixed_enum, Some(FeaturesMixedEnum::True)));
    assert_eq!(features.priority, Some(Priority::High));
    let empty: Features = round_trip("{}");
    assert_eq!(empty, Features::default());
}

#[test]
fn closed_and_open_objects() {
    round_trip::<Closed>(r#"{"a": "x"}"#);
    rejected::<Closed>(r#"{"a": "x", "c": 1}"#);
    rejected::<Closed>(r#"{"b": 1}"#);
    rejected::<Closed>(r#"["x", 1]"#); // serde's derive would read a struct from an array
    let open: Open = round_trip(r#"{"a": "x", "z": {"deep": [1.0]}, "b": 2}"#);
    assert_eq!(open.additional_properties.keys().collect::<Vec<_>>(), ["z"]);
    rejected::<Open>(r#"["x"]"#);
    let typed: OpenTyped = round_trip(r#"{"a": "x", "t": true, "f": false}"#);
    assert_eq!(typed.additional_properties.len(), 2);
    rejected::<OpenTyped>(r#"{"t": 1}"#);
}

#[test]
fn optional_nullable_and_required_nullable_are_kept_apart() {
    let presence: Presence = round_trip(r#"{"req": "r", "reqNullable": null}"#);
    assert_eq!(presence.req_nullable, None);
    assert_eq!(presence.opt_nullable, None);
    let presence: Presence = round_trip(r#"{"req": "r", "reqNullable": "x", "optNullable": null}"#);
    assert_eq!(presence.req_nullable.as_deref(), Some("x"));
    assert_eq!(presence.opt_nullable, Some(None));
    let presence: Presence = round_trip(r#"{"req": "r", "reqNullable": null, "optNullable": 5}"#);
    assert_eq!(presence.opt_nullable, Some(Some(5)));
    rejected::<Presence>(r#"{"req": "r"}"#); // required nullable: absence is an error
    rejected::<Presence>(r#"{"req": "r", "reqNullable": null, "opt": null}"#); // opt is not nullable
    rejected::<Presence>(r#"{"reqNullable": null}"#);
}

#[test]
fn numbers_are_lossless_and_integers_strict() {
    // integers and plain decimals keep their spelling: 1 stays 1, 1.0 stays 1.0
    for text in [
        r#"{"amount": 1}"#,
        r#"{"amount": 1.0}"#,
        r#"{"amount": 1.5}"#,
        r#"{"amount": -0.0}"#,
        r#"{"amount": 18446744073709551615}"#,
        r#"{"amount": -9223372036854775808}"#,
    ] {
        let features: Features = round_trip(text);
        assert_eq!(
            serde_json::to_string(&features).unwrap(),
            text.replace(": ", ":")
        );
    }
    // an exponent is re-spelled (shortest round-trip form), the value is the same
    let features: Features = round_trip(r#"{"amount": 1e100}"#);
    assert_eq!(
        serde_json::to_string(&features).unwrap(),
        r#"{"amount":1e+100}"#
    );
    // JSON Schema counts 1.0 as an integer: the schema accepts it, and the integer field gets 1
    let closed: Closed = decode(r#"{"a": "x", "b": 1.0}"#).unwrap();
    assert_eq!(closed.b, Some(1));
    rejected::<Closed>(r#"{"a": "x", "b": 1.5}"#);
    rejected::<Closed>(r#"{"a": "x", "b": "1"}"#);
}

#[test]
fn string_and_integer_enums() {
    assert_eq!(round_trip::<Color>(r#""green""#), Color::Green);
    rejected::<Color>(r#""purple""#);
    rejected::<Color>(r#"{"green": null}"#); // serde's derive would accept this
    assert_eq!(Color::Blue.value(), "blue");
    assert_eq!(round_trip::<Priority>("10"), Priority::High);
    assert_eq!(Priority::Medium.value(), 2);
    rejected::<Priority>("3");
    assert_eq!(decode::<Priority>("2.0").unwrap(), Priority::Medium); // 2.0 is the integer 2
    rejected::<Priority>("2.5");
    rejected::<Priority>(r#""2""#);
    assert_eq!(round_trip::<FeaturesSigned>("-1"), FeaturesSigned::Minus1);
}

#[test]
fn consts() {
    round_trip::<Features>(r#"{"version": "1.0", "flag": true}"#);
    rejected::<Features>(r#"{"version": "1.1"}"#);
    rejected::<Features>(r#"{"version": 1.0}"#);
    rejected::<Features>(r#"{"flag": false}"#);
    assert_eq!(FeaturesVersion::VALUE, "1.0");
}

#[test]
fn serde_tagged_unions() {
    let shape: Shape = round_trip(r#"{"kind": "square", "side": 2}"#);
    assert!(matches!(shape, Shape::Square(_)));
    rejected::<Shape>(r#"{"kind": "triangle", "side": 2}"#);
    rejected::<Shape>(r#"{"side": 2}"#);
    rejected::<Shape>(r#"{"kind": "square", "side": 2, "radius": 1}"#); // closed variant
    rejected::<Shape>(r#"{"kind": "square", "radius": 1}"#);
    // the oneOf fails, and the closest branch says why
    let errors = violations::<Shape>(r#"{"kind": "circle", "radius": -1}"#);
    assert!(
        errors.iter().any(|e| e == "/radius: must be >= 0"),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.contains("oneOf")), "{errors:?}");
    // open variants keep their unknown keys (but never the tag)
    let pet: Pet = round_trip(r#"{"petType": "cat", "lives": 7, "whiskers": 12}"#);
    let Pet::Cat(cat) = pet else { panic!() };
    assert_eq!(cat.lives, Some(7));
    assert_eq!(
        cat.additional_properties.keys().collect::<Vec<_>>(),
        ["whiskers"]
    );
}

#[test]
fn serde_tagged_variants_alone_carry_their_tag() {
    // inside the enum serde handles the tag; decoded or encoded as its own type, a variant struct
    // reads and writes it, so it accepts exactly what its schema does
    let square: Square = round_trip(r#"{"kind": "square", "side": 2}"#);
    assert_eq!(
        serde_json::to_string(&square).unwrap(),
        r#"{"kind":"square","side":2}"#
    );
    rejected::<Square>(r#"{"side": 2}"#); // the schema requires the tag
    rejected::<Square>(r#"{"kind": "circle", "side": 2}"#);
    rejected::<Square>(r#"{"kind": 1, "side": 2}"#);
    rejected::<Square>(r#"{"kind": "square", "side": 2, "radius": 1}"#); // still closed
    rejected::<Square>(r#"["square", 2]"#);
    assert!(violations::<Circle>(r#"{"kind": "circle", "radius": -1}"#)[0].contains("/radius"));
    // open: unknown keys kept, the tag never among them
    let cat: Cat = round_trip(r#"{"petType": "cat", "lives": 7, "whiskers": 12}"#);
    assert_eq!(
        cat.additional_properties.keys().collect::<Vec<_>>(),
        ["whiskers"]
    );
    rejected::<Cat>(r#"{"lives": 7}"#);
    // and the enum still writes the tag once
    let shape = Shape::Square(square);
    assert_eq!(
        serde_json::to_string(&shape).unwrap(),
        r#"{"kind":"square","side":2}"#
    );
    rejected::<Shape>(r#"["square", 2]"#);
}

#[test]
fn unions_tagged_by_integers_and_by_mapping() {
    assert!(matches!(
        round_trip::<Versioned>(r#"{"v": 1, "a": "x"}"#),
        Versioned::V1(_)
    ));
    assert!(matches!(
        round_trip::<Versioned>(r#"{"v": 2}"#),
        Versioned::V2(_)
    ));
    rejected::<Versioned>(r#"{"v": 3}"#);
    rejected::<Versioned>(r#"{"v": "1"}"#);
    rejected::<Versioned>(r#"{"v": 1, "b": 1}"#);
    assert!(matches!(
        round_trip::<Animal>(r#"{"kind": "bird", "wings": 2}"#),
        Animal::Bird(_)
    ));
    // both oneOf branches hold (Bird's wings are optional): JSON Schema rejects it, the
    // discriminator mapping notwithstanding
    rejected::<Animal>(r#"{"kind": "Fish"}"#);
    assert!(matches!(
        round_trip::<Animal>(r#"{"kind": "Fish", "fins": 1}"#),
        Animal::Fish(_)
    ));
    rejected::<Animal>(r#"{"kind": "cat"}"#);
}

#[test]
fn unions_told_apart_by_fields_or_kind() {
    assert!(matches!(
        round_trip::<Contact>(r#"{"email": "e", "note": "n"}"#),
        Contact::EmailContact(_)
    ));
    assert!(matches!(
        round_trip::<Contact>(r#"{"phone": "p"}"#),
        Contact::PhoneContact(_)
    ));
    let error = rejected::<Contact>(r#"{"email": "e", "phone": "p"}"#).to_string();
    assert!(
        error.contains("oneOf") && error.contains("/phone"),
        "{error}"
    );
    assert!(matches!(
        round_trip::<FeaturesStrOrInt>("1"),
        FeaturesStrOrInt::Integer(1)
    ));
    assert!(matches!(
        round_trip::<FeaturesStrOrInt>(r#""1""#),
        FeaturesStrOrInt::String(_)
    ));
    rejected::<FeaturesStrOrInt>("1.5");
    rejected::<FeaturesStrOrInt>("null");
    assert!(matches!(
        round_trip::<FeaturesStrOrClosed>(r#"{"a": "x"}"#),
        FeaturesStrOrClosed::Closed(_)
    ));
    assert_eq!(
        round_trip::<FeaturesMixedEnum>("null"),
        FeaturesMixedEnum::Null
    );
    assert_eq!(
        round_trip::<FeaturesMixedEnum>("1"),
        FeaturesMixedEnum::Value1
    );
    rejected::<FeaturesMixedEnum>("false");
    rejected::<FeaturesMixedEnum>(r#""b""#);
}

#[test]
fn recursion_and_tuples() {
    let tree: Tree =
        round_trip(r#"{"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]}"#);
    assert_eq!(
        tree.children.unwrap()[0].children.as_ref().unwrap()[0].value,
        3
    );
    round_trip::<Features>(r#"{"point": [0, 1.0]}"#);
    rejected::<Features>(r#"{"point": [0]}"#);
    rejected::<Features>(r#"{"point": [0, 1, 2]}"#);
    let errors = violations::<Features>(r#"{"shortTuple": ["a", 1, 2]}"#);
    assert_eq!(errors, ["/shortTuple/2: must have at most 2 items (items)"]);
}

#[test]
fn validation_keywords() {
    round_trip::<Limits>(
        r#"{"percent": 0, "positive": 9.99, "even": -4, "code": "ABCD", "unique": []}"#,
    );
    let errors = violations::<Features>(
        r#"{"limits": {"percent": 101, "positive": 10, "even": 3, "code": "a", "unique": [1, 1]},
            "tags": [], "idOrName": "", "sized": {}, "patterned": {"y": "s"}, "shape": {"kind": "square", "side": -1}}"#,
    );
    let expected = [
        "/idOrName: must be at least 1 characters long",
        "/idOrName: must match at least one subschema (anyOf)",
        "/limits/percent: must be <= 100",
        "/limits/positive: must be < 10",
        "/limits/even: must be a multiple of 2",
        "/limits/code: must be at least 2 characters long",
        "/limits/code: must match the pattern ^[A-Z]+$",
        "/limits/unique/1: is a duplicate of an earlier item (uniqueItems)",
        "/patterned/y: is not an allowed property (additionalProperties)",
        "/shape/side: must be >= 0",
        "/shape: must match exactly one subschema (oneOf)",
        "/sized: must have at least 1 properties",
        "/tags: must have at least 1 items",
    ];
    let mut sorted = errors.clone();
    sorted.sort();
    let mut wanted: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    wanted.sort();
    assert_eq!(sorted, wanted);
    rejected::<Limits>(r#"{"percent": -1}"#); // u64: serde rejects a negative
}

/// `{"value": 0, "children": [{"value": 1, "children": [...]}]}`, `levels` trees deep.
fn deep_tree(levels: usize) -> Value {
    let mut tree = serde_json::json!({"value": levels});
    for level in (0..levels).rev() {
        tree = serde_json::json!({"value": level, "children": [tree]});
    }
    tree
}

#[test]
fn deep_documents_decode_or_fail_cleanly_on_a_small_stack() {
    // a test thread's default stack (2 MiB); serde_json parses at most 128 levels of JSON text
    let run = std::thread::Builder::new().stack_size(2 << 20).spawn(|| {
        let text = deep_tree(62).to_string(); // 125 levels of JSON
        let tree: Tree = decode(&text).unwrap();
        assert_eq!(tree.children.as_ref().unwrap()[0].value, 1);
        let deeper = deep_tree(70).to_string();
        assert!(matches!(decode::<Tree>(&deeper), Err(DecodeError::Json(_))));
        // a value built in memory has no parser limit: decode_value applies the parser's, and the
        // checks stop at MAX_DEPTH schema levels
        for value in [deep_tree(400), deep_tree(64)] {
            match features::runtime::decode_value::<Tree>(&value) {
                Err(DecodeError::Invalid(errors)) => assert_eq!(errors.0[0].keyword, "depth"),
                other => panic!("expected a depth violation, got {other:?}"),
            }
        }
        let mut errors = Vec::new();
        Tree::validate_json(
            &deep_tree(400),
            &features::runtime::Path::root(),
            &mut errors,
        );
        assert_eq!(errors[0].keyword, "depth");
        // any value (no schema below): 100000 levels are refused before serde recurses
        let mut deep = Value::Null;
        for _ in 0..100_000 {
            deep = Value::Array(vec![deep]);
        }
        assert!(features::runtime::decode_value::<Value>(&deep).is_err());
        std::mem::forget(deep); // dropping it would recurse 100000 levels
    });
    run.unwrap().join().unwrap();
}

#[test]
fn decode_value_validates_then_converts() {
    let value = json(r#"{"percent": 50, "positive": 1, "even": 2, "code": "AB"}"#);
    let limits: Limits = features::runtime::decode_value(&value).unwrap();
    assert_eq!(limits.percent, Some(50));
    let bad = json(r#"{"percent": 500}"#);
    match features::runtime::decode_value::<Limits>(&bad) {
        Err(DecodeError::Invalid(errors)) => {
            assert_eq!(errors.0[0].path, "/percent");
            assert_eq!(errors.0[0].keyword, "maximum");
        }
        other => panic!("expected a violation, got {other:?}"),
    }
}
