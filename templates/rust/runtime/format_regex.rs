/// `regex`: the `regex` crate compiles the string as written. ECMA-262 and the `regex` crate differ
/// at the edges (no look-around or backreferences here; see docs/conformance.md).
pub fn format_regex(s: &str) -> bool {
    regex::Regex::new(s).is_ok()
}
