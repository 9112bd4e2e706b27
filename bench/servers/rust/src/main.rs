//! The generated Rust component server serving bench/bench_rpc.py's `/title_case`:
//! `bench-server --stdio | --http --port 0`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde_json::Value;
use stepflow::components::{self, Components, Context, Outcome};
use stepflow::types::{TitleCaseInput, TitleCaseOutput};

struct Bench;

/// As Python's `str.title()`: a letter after a non-letter starts a word.
fn title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_letter = false;
    for c in text.chars() {
        if c.is_alphabetic() {
            if after_letter {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            after_letter = true;
        } else {
            out.push(c);
            after_letter = false;
        }
    }
    out
}

impl Components for Bench {
    /// Title-case every string value (other values pass through).
    async fn title_case(
        &self,
        input: TitleCaseInput,
        _context: &Context,
    ) -> Outcome<TitleCaseOutput> {
        let mut values = BTreeMap::new();
        let mut changed = 0;
        for (k, v) in input.values {
            let v = match v {
                Value::String(s) => {
                    let t = title(&s);
                    changed += u64::from(t != s);
                    Value::String(t)
                }
                other => other,
            };
            values.insert(k, v);
        }
        Ok(TitleCaseOutput { values, changed })
    }
}

fn main() -> ExitCode {
    components::main(Bench)
}
