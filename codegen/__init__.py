"""stepflow-codegen: canonical JSON Schemas -> one language-neutral IR -> Python, TypeScript, Rust."""

__version__ = "0.1.0"
