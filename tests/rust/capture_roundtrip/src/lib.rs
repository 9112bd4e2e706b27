//! Helpers for the capture round-trip tests (see `tests/`).

use std::path::PathBuf;

/// The real StepFlow 0.9 wire capture: `$STEPFLOW_CAPTURE`, else `shared/` beside the repository.
pub fn capture_path() -> PathBuf {
    match std::env::var_os("STEPFLOW_CAPTURE") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../../shared/interop/0.9/capture.jsonl"),
    }
}

/// The raw text of every JSON-RPC message in the capture, in order (as `tests/test_protocol.py`
/// extracts them: rpc requests, responses and SSE events, without empty bodies).
pub fn captured_messages() -> Vec<String> {
    let path = capture_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "the real 0.9 capture is missing: {} ({error})",
            path.display()
        )
    });
    let mut out = Vec::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let record: serde_json::Value = serde_json::from_str(line).expect("capture line is JSON");
        let kind = record["kind"].as_str().unwrap_or("");
        if record["channel"] != "rpc" || !["request", "response", "sse_event"].contains(&kind) {
            continue;
        }
        let mut raw = record["raw"].as_str().unwrap_or("").to_owned();
        if kind == "sse_event" {
            raw = raw.strip_prefix("data: ").unwrap_or(&raw).trim().to_owned();
        }
        if !raw.is_empty() && raw != "\"\"" {
            out.push(raw);
        }
    }
    out
}
