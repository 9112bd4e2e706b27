"""The official JSON Schema Test Suite, differential fuzzing and real schemas, run through the
generated Python, TypeScript and Rust code (see docs/conformance.md)."""
