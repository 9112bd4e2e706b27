//! generated/rust against the real StepFlow 0.9 capture: every message decodes into its typed
//! form and re-encodes to the same JSON (compared as `serde_json::Value`, so `1` must stay `1`);
//! invalid messages are rejected with the right JSON-RPC code and id.

use std::collections::{BTreeSet, HashMap};

use capture_roundtrip::captured_messages;
use serde_json::Value;
use stepflow::protocol::{
    self, decode_message, decode_message_with, encode_message, Id, Message, Method, Request,
    Response,
};
use stepflow::types;
use stepflow::Validate;

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("valid JSON")
}

fn kind(message: &Message) -> String {
    match message {
        Message::Request(request) => format!("{}Request", request.method()),
        Message::Notification(notification) => format!("{}Notification", notification.method()),
        Message::Response(Response::Untyped(_)) => "UntypedResponse".to_owned(),
        Message::Response(response) => format!("{}Response", response.method().unwrap()),
        Message::Error(_) => "ErrorResponse".to_owned(),
    }
}

#[test]
fn every_captured_message_round_trips_typed() {
    let messages = captured_messages();
    assert!(
        messages.len() >= 37,
        "only {} messages in the capture",
        messages.len()
    );
    let mut pending: HashMap<Id, Method> = HashMap::new();
    let mut kinds = BTreeSet::new();
    for raw in &messages {
        let message = decode_message_with(raw, |id| pending.get(id).copied())
            .unwrap_or_else(|error| panic!("{raw}\n  -> {error}"));
        if let Message::Request(request) = &message {
            pending.insert(request.id().clone(), request.method());
        }
        assert!(
            !matches!(message, Message::Response(Response::Untyped(_))),
            "a response to an unknown request: {raw}"
        );
        kinds.insert(kind(&message));
        let again = encode_message(&message).unwrap();
        assert_eq!(
            json(&again),
            json(raw),
            "re-encoding changed the message:\n{raw}\n{again}"
        );
    }
    for expected in [
        "initializeRequest",
        "initializedNotification",
        "components/executeRequest",
        "components/executeResponse",
        "blobs/putRequest",
        "blobs/putResponse",
        "blobs/getRequest",
        "blobs/getResponse",
        "runs/submitRequest",
        "runs/getResponse",
        "components/listResponse",
        "ErrorResponse",
    ] {
        assert!(
            kinds.contains(expected),
            "no {expected} in the capture: {kinds:?}"
        );
    }
}

#[test]
fn every_captured_message_round_trips_through_the_schema_root() {
    for raw in captured_messages() {
        let message: types::Message =
            serde_json::from_str(&raw).unwrap_or_else(|error| panic!("{raw}\n  -> {error}"));
        message.validate().unwrap();
        assert_eq!(json(&serde_json::to_string(&message).unwrap()), json(&raw));
    }
}

#[test]
fn numbers_keep_their_spelling() {
    let raw = r#"{"jsonrpc":"2.0","id":"1","method":"components/execute","params":{"component":"/x","input":{"int":1,"float":1.0,"big":18446744073709551615,"neg":-7,"exp":1e300},"attempt":1,"observability":{}}}"#;
    let message = decode_message(raw).unwrap();
    let again = encode_message(&message).unwrap();
    assert_eq!(json(&again), json(raw));
    assert!(
        again.contains(r#""int":1,"#) && again.contains(r#""float":1.0"#),
        "{again}"
    );
}

#[test]
fn typed_fields() {
    let raw = r#"{"jsonrpc":"2.0","id":"a","method":"runs/get","params":{"runId":"r","wait":true,"resultOrder":"by_index"}}"#;
    let Message::Request(Request::RunsGet(request)) = decode_message(raw).unwrap() else {
        panic!("not a runs/get request");
    };
    assert_eq!(request.id, Id::from("a"));
    assert_eq!(request.params.run_id, "r");
    assert_eq!(request.params.wait, Some(true));
    assert_eq!(
        request.params.result_order,
        Some(types::ResultOrder::ByIndex)
    );
    assert_eq!(request.params.include_results, None, "absent stays absent");
    assert_eq!(encode_message(&Message::from(request)).unwrap(), raw);
}

#[test]
fn absent_null_and_value_stay_apart() {
    // optional + nullable: Option<Option<T>>
    for (raw, expected) in [
        (r#"{}"#, None),
        (r#"{"trace_id":null}"#, Some(None)),
        (r#"{"trace_id":"t"}"#, Some(Some("t".to_owned()))),
    ] {
        let context: types::ObservabilityContext = serde_json::from_str(raw).unwrap();
        assert_eq!(context.trace_id, expected);
        assert_eq!(serde_json::to_string(&context).unwrap(), raw);
    }
    // optional, any value: null is a value (Some(Value::Null)), absence is None
    for raw in [
        r#"{"jsonrpc":"2.0","id":"x","error":{"code":-32000,"message":"m","data":null}}"#,
        r#"{"jsonrpc":"2.0","id":"x","error":{"code":-32000,"message":"m"}}"#,
    ] {
        assert_eq!(encode_message(&decode_message(raw).unwrap()).unwrap(), raw);
    }
    // optional, not nullable: null is rejected, not read as absent
    assert!(
        serde_json::from_str::<types::GetRunProtocolParams>(r#"{"runId":"r","wait":null}"#)
            .is_err()
    );
}

#[test]
fn a_success_response_never_carries_error() {
    let raw = r#"{"jsonrpc":"2.0","id":"x","result":{"output":1}}"#;
    let message = decode_message_with(raw, |_| Some(Method::ComponentsExecute)).unwrap();
    let Message::Response(Response::ComponentsExecute(response)) = &message else {
        panic!("not typed: {message:?}");
    };
    assert_eq!(response.result.output, json("1"));
    let again = encode_message(&message).unwrap();
    assert!(!again.contains("error"), "{again}");
    // an untyped success response likewise
    let again = encode_message(&decode_message(raw).unwrap()).unwrap();
    assert_eq!(again, raw);
}

#[test]
fn tagged_union_from_the_capture_shape() {
    let success = r#"{"outcome":"success","result":{"a":1}}"#;
    let failed = r#"{"outcome":"failed","error":{"code":500,"message":"m"}}"#;
    for raw in [success, failed] {
        let value: types::FlowResult = serde_json::from_str(raw).unwrap();
        assert_eq!(json(&serde_json::to_string(&value).unwrap()), json(raw));
    }
    for bad in [
        r#"{"outcome":"skipped"}"#,
        r#"{"result":1}"#,
        r#"{"outcome":"success","result":1,"extra":1}"#,
        r#"{"outcome":"failed","result":1}"#,
        r#"["success", 1]"#,
    ] {
        assert!(
            serde_json::from_str::<types::FlowResult>(bad).is_err(),
            "{bad}"
        );
    }
}

/// JSON Schema counts `1.0` as an integer: the schema checks accept it, and it decodes as `1` (the
/// integral float is converted losslessly for the integer field).
#[test]
fn integral_floats_are_integers() {
    let raw = r#"{"jsonrpc":"2.0","id":"x","method":"initialize","params":{"runtime_protocol_version":1.0}}"#;
    let Message::Request(Request::Initialize(request)) = decode_message(raw).expect(raw) else {
        panic!("{raw} is an initialize request");
    };
    assert_eq!(request.params.runtime_protocol_version, 1);
}

#[test]
fn bad_messages_raise_protocol_errors() {
    let cases: &[(&str, i64, Option<Id>)] = &[
        ("{not json", -32700, None),
        ("", -32700, None),
        ("[]", -32600, None),
        ("1", -32600, None),
        (
            r#"{"jsonrpc":"1.0","id":1,"method":"initialize","params":{"runtime_protocol_version":1}}"#,
            -32600,
            Some(Id::Int(1)),
        ),
        (
            r#"{"id":1,"method":"initialize","params":{"runtime_protocol_version":1}}"#,
            -32600,
            Some(Id::Int(1)),
        ),
        (
            r#"{"jsonrpc":"2.0","id":true,"method":"initialize","params":{}}"#,
            -32600,
            None,
        ),
        (
            r#"{"jsonrpc":"2.0","id":1.5,"method":"initialize","params":{}}"#,
            -32600,
            None,
        ),
        (
            r#"{"jsonrpc":"2.0","id":null,"method":"initialize","params":{}}"#,
            -32600,
            None,
        ),
        (
            r#"{"jsonrpc":"2.0","id":7,"method":"nope","params":{}}"#,
            -32601,
            Some(Id::Int(7)),
        ),
        (
            r#"{"jsonrpc":"2.0","id":7,"method":7,"params":{}}"#,
            -32600,
            Some(Id::Int(7)),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"components/execute","params":{"component":"/a","input":1}}"#,
            -32602,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"initialize","params":{"runtimeProtocolVersion":1}}"#,
            -32602,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"initialize","params":{"runtime_protocol_version":-1}}"#,
            -32602,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"initialize","params":{"runtime_protocol_version":4294967296}}"#,
            -32602,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"initialize","params":{"runtime_protocol_version":1.5}}"#,
            -32602,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"initialize","params":[1]}"#,
            -32602,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"initialize"}"#,
            -32602,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"components/list","params":{"x":1}}"#,
            -32602,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"blobs/put","params":{"data":1,"blob_type":"binary"}}"#,
            -32602,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"blobs/put","params":{"data":1,"blob_type":{"flow":null}}}"#,
            -32602,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"blobs/put","params":{"blob_type":"data"}}"#,
            -32602,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"runs/get","params":{"runId":"r","wait":null}}"#,
            -32602,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","result":1,"error":{"code":1,"message":"m"}}"#,
            -32600,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","result":1,"error":null}"#,
            -32600,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"initialize","params":{"runtime_protocol_version":1},"result":1}"#,
            -32600,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","method":"initialized","params":{}}"#,
            -32600,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","method":"initialize","params":{"runtime_protocol_version":1}}"#,
            -32600,
            None,
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","extra":1,"result":1}"#,
            -32600,
            Some(Id::from("x")),
        ),
        (r#"{"jsonrpc":"2.0","result":1}"#, -32600, None),
        (r#"{"jsonrpc":"2.0","id":null,"result":1}"#, -32600, None),
        (r#"{"jsonrpc":"2.0","id":"x"}"#, -32600, Some(Id::from("x"))),
        (
            r#"{"jsonrpc":"2.0","id":"x","error":{"code":1}}"#,
            -32600,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","error":{"code":1,"message":"m","extra":1}}"#,
            -32600,
            Some(Id::from("x")),
        ),
        (
            r#"{"jsonrpc":"2.0","id":"x","error":[1,"m"]}"#,
            -32600,
            Some(Id::from("x")),
        ),
    ];
    for (raw, code, id) in cases {
        let error = decode_message(raw).expect_err(raw);
        assert_eq!(error.code, *code, "{raw}: {error}");
        assert_eq!(&error.id, id, "{raw}: {error}");
        let answer = json(&encode_message(&Message::Error(error.to_response())).unwrap());
        assert_eq!(answer["jsonrpc"], "2.0");
        assert_eq!(answer["error"]["code"], *code);
        let expected_id = match id {
            Some(Id::Int(value)) => Value::from(*value),
            Some(Id::Str(value)) => Value::from(value.as_str()),
            None => Value::Null,
        };
        assert_eq!(answer["id"], expected_id, "{raw}");
    }
}

#[test]
fn typed_results_are_checked() {
    let id = |_: &Id| Some(Method::Initialize);
    let ok = r#"{"jsonrpc":"2.0","id":"x","result":{"server_protocol_version":1}}"#;
    assert!(matches!(
        decode_message_with(ok, id).unwrap(),
        Message::Response(Response::Initialize(_))
    ));
    let bad = r#"{"jsonrpc":"2.0","id":"x","result":{"server_protocol_version":"1"}}"#;
    let error = decode_message_with(bad, id).unwrap_err();
    assert_eq!(error.code, protocol::INVALID_REQUEST);
    assert_eq!(error.id, Some(Id::from("x")));
}

#[test]
fn method_table_is_complete() {
    let names: BTreeSet<&str> = Method::ALL.iter().map(|method| method.name()).collect();
    let expected: BTreeSet<&str> = [
        "initialize",
        "initialized",
        "components/list",
        "components/info",
        "components/execute",
        "components/infer_schema",
        "blobs/put",
        "blobs/get",
        "runs/submit",
        "runs/get",
    ]
    .into_iter()
    .collect();
    assert_eq!(names, expected);
    for method in Method::ALL {
        assert_eq!(Method::from_name(method.name()), Some(method));
    }
    assert_eq!(
        Method::BlobsPut.direction(),
        protocol::Direction::ServerToClient
    );
    assert!(Method::Initialized.is_notification() && !Method::Initialize.is_notification());
    assert_eq!(Method::Initialize.errors(), &[-32600, -32603]);
    assert_eq!(
        types::ErrorCode::from_value(-32601),
        Some(types::ErrorCode::MethodNotFound)
    );
    assert_eq!(types::ErrorCode::InvalidValue.value(), -32012);
}

#[test]
fn empty_params_are_closed_structs() {
    let raw = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
    assert_eq!(encode_message(&decode_message(raw).unwrap()).unwrap(), raw);
    let bad = r#"{"jsonrpc":"2.0","method":"initialized","params":{"x":1}}"#;
    assert_eq!(
        decode_message(bad).unwrap_err().code,
        protocol::INVALID_PARAMS
    );
}
