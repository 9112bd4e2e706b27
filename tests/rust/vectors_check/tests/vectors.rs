//! The conformance vectors (tests/vectors/*.json, read by the Python, TypeScript and Rust suites)
//! against generated/rust:
//!
//! * every valid vector of a protocol type decodes (serde, then `Validate`) into the generated type
//!   found by schema id in `types::TYPES_BY_SCHEMA_ID`, and re-encodes to the same JSON, compared
//!   as `serde_json::Value` (so `1` must stay `1` and `1.0` a fraction);
//! * every invalid vector fails to deserialize or to validate;
//! * every message of messages.json decodes with `decode_message_with` (responses typed by the
//!   method of their request) and re-encodes the same; every invalid message is rejected with its
//!   JSON-RPC code.
//!
//! Vectors Rust cannot honour are `vectors_check::GAPS`: each must still fail, and must match a
//! vector.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use serde_json::Value;
use stepflow::protocol::{
    decode_message, decode_message_with, encode_message, Id, Message, Method,
};
use stepflow::types::{type_by_schema_id, TYPES_BY_SCHEMA_ID};
use vectors_check::{gap, load, GAPS};

thread_local! {
    static SEEN_GAPS: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
}

/// Records the outcome of one vector: `Ok` when Rust does what conformance needs, else why not.
fn check(
    failures: &mut Vec<String>,
    file: &str,
    id: &str,
    group: &str,
    value: &Value,
    outcome: Result<(), String>,
) {
    match (gap(file, id, group, value), outcome) {
        (None, Ok(())) => {}
        (None, Err(why)) => failures.push(format!("{id} {group} {value}: {why}")),
        (Some(gap), Ok(())) => failures.push(format!(
            "known gap now passes, remove it from vectors_check::GAPS: {id} {group} {value} ({})",
            gap.reason
        )),
        (Some(gap), Err(_)) => {
            SEEN_GAPS.with(|seen| {
                seen.borrow_mut()
                    .insert(format!("{}|{}", gap.id, gap.value))
            });
        }
    }
}

fn report(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn type_vectors_round_trip_or_are_rejected() {
    let doc = load("protocol.vectors.json");
    let types = doc["types"].as_array().expect("types");
    assert!(types.len() >= 40, "only {} types", types.len());
    let mut failures = Vec::new();
    let (mut valid, mut invalid) = (0, 0);
    for t in types {
        let id = t["id"].as_str().expect("id");
        let Some(entry) = type_by_schema_id(id) else {
            failures.push(format!("{id} ({}) is not in TYPES_BY_SCHEMA_ID", t["name"]));
            continue;
        };
        for vector in t["valid"].as_array().expect("valid") {
            valid += 1;
            let text = serde_json::to_string(vector).unwrap();
            let outcome = (entry.roundtrip)(&text)
                .map_err(|error| format!("rejected as {}: {error}", entry.name))
                .and_then(|again| {
                    let again_value: Value = serde_json::from_str(&again).unwrap();
                    if &again_value == vector {
                        Ok(())
                    } else {
                        Err(format!("re-encoded as {again}"))
                    }
                });
            check(
                &mut failures,
                "protocol.vectors.json",
                id,
                "valid",
                vector,
                outcome,
            );
        }
        for case in t["invalid"].as_array().expect("invalid") {
            invalid += 1;
            let vector = &case["value"];
            let text = serde_json::to_string(vector).unwrap();
            let outcome = match (entry.roundtrip)(&text) {
                Err(_) => Ok(()),
                Ok(again) => Err(format!("accepted as {again}, but {}", case["why"])),
            };
            check(
                &mut failures,
                "protocol.vectors.json",
                id,
                "invalid",
                vector,
                outcome,
            );
        }
    }
    assert!(
        valid > 100 && invalid > 200,
        "{valid} valid and {invalid} invalid vectors"
    );
    report(failures);
}

#[test]
fn the_schema_id_table_is_sorted_and_complete() {
    let ids: Vec<&str> = TYPES_BY_SCHEMA_ID.iter().map(|t| t.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        ids, sorted,
        "TYPES_BY_SCHEMA_ID must be sorted by id, without duplicates"
    );
    for t in TYPES_BY_SCHEMA_ID {
        assert_eq!(
            type_by_schema_id(t.id).map(|found| found.name),
            Some(t.name)
        );
    }
    assert!(type_by_schema_id("protocol.json#/$defs/NoSuchType").is_none());
    // a renamed type is still found by its schema id
    assert_eq!(
        type_by_schema_id("protocol.json#/$defs/Value")
            .unwrap()
            .name,
        "ProtocolValue"
    );
}

#[test]
fn message_vectors_round_trip_typed_or_are_rejected() {
    let doc = load("messages.json");
    let mut failures = Vec::new();
    let valid = doc["valid"].as_array().expect("valid");
    assert!(valid.len() >= 30, "only {} messages", valid.len());
    let mut pending: HashMap<Id, Method> = HashMap::new();
    for m in valid {
        let raw = m["raw"].as_str().expect("raw");
        let value: Value = serde_json::from_str(raw).unwrap();
        let expected = m["method"]
            .as_str()
            .map(|name| Method::from_name(name).expect("a method of the table"));
        let outcome = match decode_message_with(raw, |id| pending.get(id).copied()) {
            Err(error) => Err(format!("rejected: {} {}", error.code, error.message)),
            Ok(message) => {
                let typed_as = match &message {
                    Message::Request(request) => {
                        pending.insert(request.id().clone(), request.method());
                        Some(request.method())
                    }
                    Message::Notification(notification) => Some(notification.method()),
                    Message::Response(response) => response.method(),
                    Message::Error(_) => expected,
                };
                let again = encode_message(&message).unwrap();
                let again_value: Value = serde_json::from_str(&again).unwrap();
                if again_value != value {
                    Err(format!("re-encoded as {again}"))
                } else if typed_as != expected {
                    Err(format!("typed as {typed_as:?}, expected {expected:?}"))
                } else {
                    Ok(())
                }
            }
        };
        check(
            &mut failures,
            "messages.json",
            "message",
            "valid",
            &value,
            outcome,
        );
    }
    for m in doc["invalid"].as_array().expect("invalid") {
        let raw = m["raw"].as_str().expect("raw");
        let value: Value = serde_json::from_str(raw).unwrap();
        let code = m["code"].as_i64().expect("code");
        let outcome = match decode_message(raw) {
            Ok(_) => Err(format!("accepted, but {}", m["why"])),
            Err(error) if error.code == code => Ok(()),
            Err(error) => Err(format!(
                "code {} ({}), expected {code}",
                error.code, error.message
            )),
        };
        check(
            &mut failures,
            "messages.json",
            "message",
            "invalid",
            &value,
            outcome,
        );
    }
    report(failures);
}

#[test]
fn every_gap_is_real_and_still_fails() {
    // runs the vector tests itself so it does not depend on test order
    type_vectors_round_trip_or_are_rejected();
    message_vectors_round_trip_typed_or_are_rejected();
    let seen = SEEN_GAPS.with(|seen| seen.borrow().clone());
    for gap in GAPS {
        assert!(!gap.reason.is_empty());
        assert!(
            seen.contains(&format!("{}|{}", gap.id, gap.value)),
            "gap matches no failing vector: {} {} {}",
            gap.id,
            gap.group,
            gap.value
        );
    }
}
