//! The math component of the seed document ("Rust Component Example" in custom-components.md),
//! written against the protocol types stepflow-codegen generates (`generated/rust`), speaking the
//! StepFlow component protocol 0.9 over STDIO: one JSON-RPC message per line on stdin, one answer
//! per line on stdout, logs on stderr.
//!
//! What changed from the seed, and why:
//!
//! * messages go through the generated `decode_message` / `encode_message`: every method is typed
//!   (`Request::ComponentsExecute(request)` carries `ComponentExecuteParams`), params are checked
//!   against the schema, and a bad message is answered with the JSON-RPC code the generated
//!   decoder chose (the seed only logged it and never answered);
//! * the methods are the 0.9 wire names (`components/list`, `components/info`,
//!   `components/execute`), not the seed's `component_info` / `component_execute`;
//! * a failing operation is answered with -32003 (`ErrorCode::ExecutionError`, "Component
//!   execution failed: ..."), the code the method table lists for `components/execute` and the one
//!   the 0.9 SDK uses; the seed's -32000 is not among them. An unknown component is -32001, an
//!   input that does not decode -32602, both as the Python server generated from the same table;
//! * no tokio: requests are answered one at a time, in order, with the standard library alone.

use std::io::{self, BufRead, Write};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use stepflow::protocol::{
    decode_message, encode_message, ComponentsExecuteResponse, ComponentsInfoResponse,
    ComponentsListResponse, ErrorResponse, Id, InitializeResponse, JsonRpcError, Message, Request,
    INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR,
};
use stepflow::types::{
    ComponentExecuteParams, ComponentExecuteResult, ComponentInfo, ComponentInfoResult, ErrorCode,
    InitializeResult, ListComponentsResult, Schema,
};

/// The component's path, as `components/list` reports it.
const MATH: &str = "/math";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MathOperationInput {
    operation: String, // "add", "multiply", "power"
    operands: Vec<f64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct MathOperationOutput {
    result: f64,
    operation_performed: String,
}

struct MathComponent;

impl MathComponent {
    fn execute(&self, input: MathOperationInput) -> Result<MathOperationOutput, String> {
        let result = match input.operation.as_str() {
            "add" => input.operands.iter().sum(),
            "multiply" => input.operands.iter().product(),
            "power" => {
                if input.operands.len() != 2 {
                    return Err("Power operation requires exactly 2 operands".to_string());
                }
                input.operands[0].powf(input.operands[1])
            }
            _ => return Err(format!("Unknown operation: {}", input.operation)),
        };
        Ok(MathOperationOutput {
            result,
            operation_performed: format!("{} on {:?}", input.operation, input.operands),
        })
    }

    fn info(&self) -> ComponentInfo {
        ComponentInfo {
            component: MATH.to_string(),
            description: Some(Some(
                "Add, multiply or raise numbers to a power".to_string(),
            )),
            input_schema: Some(Some(schema(json!({
                "type": "object",
                "properties": {
                    "operation": {
                        "type": "string",
                        "enum": ["add", "multiply", "power"]
                    },
                    "operands": {
                        "type": "array",
                        "items": { "type": "number" },
                        "minItems": 1
                    }
                },
                "required": ["operation", "operands"]
            })))),
            output_schema: Some(Some(schema(json!({
                "type": "object",
                "properties": {
                    "result": { "type": "number" },
                    "operation_performed": { "type": "string" }
                },
                "required": ["result", "operation_performed"]
            })))),
        }
    }
}

/// A JSON Schema object as the generated `Schema` type (a map of keywords).
fn schema(value: Value) -> Schema {
    serde_json::from_value(value).expect("a schema is a JSON object")
}

fn error(id: Option<Id>, code: i64, message: String, data: Option<Value>) -> Message {
    Message::Error(ErrorResponse {
        id,
        error: JsonRpcError {
            code,
            message,
            data,
        },
    })
}

/// The answer to one request.
fn answer(math: &MathComponent, request: Request) -> Message {
    match request {
        Request::Initialize(request) => {
            let result = InitializeResult {
                server_protocol_version: 1,
            };
            InitializeResponse::new(request.id, result).into()
        }
        Request::ComponentsList(request) => {
            let result = ListComponentsResult {
                components: vec![math.info()],
            };
            ComponentsListResponse::new(request.id, result).into()
        }
        Request::ComponentsInfo(request) => {
            if request.params.component != MATH {
                return not_found(request.id, &request.params.component);
            }
            let result = ComponentInfoResult { info: math.info() };
            ComponentsInfoResponse::new(request.id, result).into()
        }
        Request::ComponentsExecute(request) => {
            let ComponentExecuteParams {
                component, input, ..
            } = request.params;
            if component != MATH {
                return not_found(request.id, &component);
            }
            let input: MathOperationInput = match serde_json::from_value(input) {
                Ok(input) => input,
                Err(e) => {
                    let message = format!("Invalid input for component {component}: {e}");
                    return error(
                        Some(request.id),
                        ErrorCode::InvalidParams.value(),
                        message,
                        None,
                    );
                }
            };
            match math.execute(input) {
                Ok(output) => {
                    let output = serde_json::to_value(output).expect("numbers and strings");
                    let result = ComponentExecuteResult { output };
                    ComponentsExecuteResponse::new(request.id, result).into()
                }
                Err(e) => error(
                    Some(request.id),
                    ErrorCode::ExecutionError.value(),
                    format!("Component execution failed: {e}"),
                    Some(json!({ "component": component })),
                ),
            }
        }
        // the method table's advice for servers that do not support them
        other => {
            let message = format!("Method not found: {}", other.method());
            error(Some(other.id().clone()), METHOD_NOT_FOUND, message, None)
        }
    }
}

fn not_found(id: Id, component: &str) -> Message {
    let message = format!("Component '{component}' not found");
    let data = Some(json!({ "component": component }));
    error(Some(id), ErrorCode::ComponentError.value(), message, data)
}

fn main() -> io::Result<()> {
    let math = MathComponent;
    let stdin = io::stdin();
    let mut stdout = io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match decode_message(&line) {
            Ok(Message::Request(request)) => Some(answer(&math, request)),
            // `initialized`; responses and errors: we send no requests, so none are expected
            Ok(other) => {
                eprintln!(
                    "rust-math: ignored {}",
                    encode_message(&other).unwrap_or_default()
                );
                None
            }
            // a bad notification is not answered (JSON-RPC); anything else is, with its id if
            // it could be read (a parse error has none: null)
            Err(e) if e.id.is_none() && e.code != PARSE_ERROR && e.code != INVALID_REQUEST => {
                eprintln!("rust-math: bad notification: {e}");
                None
            }
            Err(e) => {
                eprintln!("rust-math: bad message: {e}");
                Some(Message::Error(e.to_response()))
            }
        };
        if let Some(reply) = reply {
            let text = encode_message(&reply).expect("generated messages encode");
            stdout.write_all(text.as_bytes())?;
            stdout.write_all(b"\n")?;
            stdout.flush()?;
        }
    }
    Ok(())
}
