//! The math component of the seed document ("Rust Component Example" in custom-components.md) on
//! the component server stepflow-codegen generates (`generated/`, from `schemas/`): this file is
//! the component and nothing else. The input and output types, their validation, the canonical
//! schemas `components/list` reports, the JSON-RPC plumbing and both transports (STDIO with
//! `--stdio`; HTTP, StepFlow 0.9's subprocess mode, by default) are generated.
//!
//! What changed from the seed, and why:
//!
//! * the input is validated against the schema before `math` runs: an operation outside the
//!   schema's enum (`modulo`), an empty `operands` or a missing field is answered -32602 with the
//!   validator's messages (the seed's "Unknown operation" branch cannot be reached: the operation
//!   is an enum);
//! * a failed operation (`power` without exactly two operands) is answered -32003 "Component
//!   execution failed: ...", the code the method table lists for `components/execute` (the seed's
//!   -32000 is not among them);
//! * numbers are `serde_json::Number` in the generated types (lossless); the arithmetic is the
//!   seed's, on `f64`, so results are `f64` (`24` is written `24.0`), and a result that is not a
//!   finite number (`power` of 0 to -1) is a failure: JSON has no infinity.

use std::process::ExitCode;

use serde_json::{Map, Number};

use stepflow::component_types::{
    MathOperationInput, MathOperationInputOperation, MathOperationOutput,
};
use stepflow::components::{self, ComponentError, Components, Context, Outcome};

struct Math;

impl Components for Math {
    async fn math(&self, input: MathOperationInput, _: &Context) -> Outcome<MathOperationOutput> {
        let operands: Vec<f64> = input
            .operands
            .iter()
            .map(|n| n.as_f64().unwrap_or(f64::NAN))
            .collect();
        let result = match input.operation {
            MathOperationInputOperation::Add => operands.iter().sum(),
            MathOperationInputOperation::Multiply => operands.iter().product(),
            MathOperationInputOperation::Power => {
                if operands.len() != 2 {
                    return Err("Power operation requires exactly 2 operands".into());
                }
                operands[0].powf(operands[1])
            }
        };
        let operation = input.operation.value();
        let Some(result) = Number::from_f64(result) else {
            return Err(ComponentError::new(format!(
                "{operation} on {operands:?} is {result}"
            )));
        };
        Ok(MathOperationOutput {
            result,
            operation_performed: format!("{operation} on {operands:?}"),
            additional_properties: Map::new(),
        })
    }
}

fn main() -> ExitCode {
    components::main(Math)
}
