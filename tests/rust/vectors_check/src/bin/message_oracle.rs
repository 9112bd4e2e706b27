//! `decode_message_with` on the cases of tests/message_oracle.py, in one process (driven by
//! tests/test_decode_message_parity.py, which judges the answers against jsonschema).
//!
//! `message_oracle CASES RESULTS`: CASES is JSON `{"pending": [[id, method], ...], "cases":
//! [text, ...]}`; RESULTS is written as JSON, one entry per case: `{"kind", "json"}` (accepted:
//! the kind and `encode_message` of the message) or `{"code", "id", "message"}`.

use std::collections::HashMap;

use serde_json::{json, Value};
use stepflow::protocol::{decode_message_with, encode_message, Id, Message, Method};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [cases_file, results_file] = args.as_slice() else {
        panic!("usage: message_oracle CASES RESULTS");
    };
    let text = std::fs::read_to_string(cases_file).expect("the cases file");
    let doc: Value = serde_json::from_str(&text).expect("the cases are JSON");
    let mut pending: HashMap<Id, Method> = HashMap::new();
    for pair in doc["pending"].as_array().expect("pending") {
        let id = Id::from_value(&pair[0]).expect("a pending id");
        let method = Method::from_name(pair[1].as_str().expect("a method name")).expect("a method");
        pending.insert(id, method);
    }
    let results: Vec<Value> = doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|case| {
            let text = case.as_str().expect("a case is a string");
            match decode_message_with(text, |id| pending.get(id).copied()) {
                Ok(message) => {
                    let kind = match &message {
                        Message::Request(_) => "request",
                        Message::Notification(_) => "notification",
                        Message::Response(response) if response.method().is_some() => "response",
                        Message::Response(_) => "untypedResponse",
                        Message::Error(_) => "error",
                    };
                    json!({"kind": kind, "json": encode_message(&message).expect("encodes")})
                }
                Err(error) => json!({"code": error.code, "id": error.id, "message": error.message}),
            }
        })
        .collect();
    std::fs::write(results_file, serde_json::to_string(&results).expect("JSON"))
        .expect("the results file");
}
