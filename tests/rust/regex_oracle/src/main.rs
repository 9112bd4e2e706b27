//! Regex oracle for tests/test_ecma_regex.py: each stdin line is a JSON object
//! `{"p": pattern, "f": "rust" | "fancy", "s": [subject, ...]}`; each stdout line is
//! `{"ok": [is_match, ...]}` (null for a fancy-regex run-time error) or `{"error": message}`
//! when the pattern does not compile.
use std::io::{BufRead, Write};

use serde_json::{json, Value};

fn run(p: &str, flavour: &str, subjects: &[Value]) -> Value {
    let strs = subjects.iter().map(|s| s.as_str().unwrap_or_default());
    match flavour {
        "rust" => match regex::Regex::new(p) {
            Ok(re) => json!({ "ok": strs.map(|s| re.is_match(s)).collect::<Vec<_>>() }),
            Err(e) => json!({ "error": e.to_string() }),
        },
        "fancy" => match fancy_regex::Regex::new(p) {
            Ok(re) => json!({
                "ok": strs.map(|s| re.is_match(s).ok()).collect::<Vec<_>>()
            }),
            Err(e) => json!({ "error": e.to_string() }),
        },
        other => json!({ "error": format!("unknown flavour {other}") }),
    }
}

fn main() {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        if line.trim().is_empty() {
            continue;
        }
        let req: Value = serde_json::from_str(&line).expect("a JSON request line");
        let p = req["p"].as_str().expect("p");
        let f = req["f"].as_str().expect("f");
        let s = req["s"].as_array().cloned().unwrap_or_default();
        writeln!(out, "{}", run(p, f, &s)).expect("stdout");
    }
}
