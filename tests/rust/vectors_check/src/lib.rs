//! Helpers for the conformance-vector tests (see `tests/vectors.rs`): where the vector files are,
//! and the vectors the Rust target is known not to honour.

use std::path::PathBuf;

use serde_json::Value;

/// The vector directory: `$STEPFLOW_VECTORS`, else `tests/vectors` of this repository.
pub fn vectors_dir() -> PathBuf {
    match std::env::var_os("STEPFLOW_VECTORS") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../vectors"),
    }
}

/// One vector file, parsed (numbers keep their kind: `1` is an integer, `1.0` a fraction).
pub fn load(file: &str) -> Value {
    let path = vectors_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// A vector the Rust target cannot honour: it must still fail (a gap that passes fails the run,
/// like a strict xfail), and it must match a vector.
pub struct Gap {
    /// `protocol.vectors.json` or `messages.json`.
    pub file: &'static str,
    /// The type's schema id; `message` for messages.json.
    pub id: &'static str,
    /// `valid` or `invalid`.
    pub group: &'static str,
    /// The vector as JSON text (a raw message for messages.json).
    pub value: &'static str,
    /// Why Rust cannot honour it.
    pub reason: &'static str,
}

/// The known gaps of generated/rust.
pub const GAPS: &[Gap] = &[];

/// The gap matching this vector, if any.
pub fn gap(file: &str, id: &str, group: &str, value: &Value) -> Option<&'static Gap> {
    GAPS.iter().find(|gap| {
        gap.file == file
            && gap.id == id
            && gap.group == group
            && serde_json::from_str::<Value>(gap.value).ok().as_ref() == Some(value)
    })
}
