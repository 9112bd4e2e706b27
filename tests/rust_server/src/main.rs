//! The test components of tests/test_rust_server.py, written against the generated
//! `generated/src/components.rs` (the author's file: never generated).

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde_json::json;
use stepflow::component_types::{
    Anything, GetBlobInput, GetBlobOutput, PutBlobInput, PutBlobOutput, SleepInput, TitleCaseInput,
    TitleCaseOutput,
};
use stepflow::components::{self, ComponentError, Components, Context, Outcome};

struct Test;

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

impl Components for Test {
    async fn echo(&self, input: Anything, _context: &Context) -> Outcome<Anything> {
        Ok(input)
    }

    async fn fail(&self, _input: Anything, _context: &Context) -> Outcome<Anything> {
        Err(ComponentError::new("deliberate failure"))
    }

    async fn fail_custom(&self, _input: Anything, _context: &Context) -> Outcome<Anything> {
        let data = json!({ "hint": "send values" });
        Err(ComponentError::rpc(-32050, "custom failure", Some(data)))
    }

    async fn get_blob(&self, input: GetBlobInput, context: &Context) -> Outcome<GetBlobOutput> {
        let value = context.get_blob(&input.blob_id).await?;
        Ok(GetBlobOutput { value })
    }

    async fn put_blob(&self, input: PutBlobInput, context: &Context) -> Outcome<PutBlobOutput> {
        let blob_id = context.put_blob(input.value).await?;
        Ok(PutBlobOutput { blob_id })
    }

    async fn sleep(&self, input: SleepInput, _context: &Context) -> Outcome<Anything> {
        tokio::time::sleep(std::time::Duration::from_millis(input.ms)).await;
        Ok(json!({ "slept": input.ms }))
    }

    async fn title_case(
        &self,
        input: TitleCaseInput,
        _context: &Context,
    ) -> Outcome<TitleCaseOutput> {
        let mut values = BTreeMap::new();
        let mut changed = 0;
        for (k, v) in input.values {
            let t = title(&v);
            changed += u64::from(t != v);
            values.insert(k, t);
        }
        Ok(TitleCaseOutput { values, changed })
    }
}

fn main() -> ExitCode {
    components::main(Test)
}
