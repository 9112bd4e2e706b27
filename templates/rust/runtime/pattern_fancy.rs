use std::sync::OnceLock;

/// A `pattern` (ECMA-262, translated at generation time for the `regex` crate, or `fancy-regex`
/// when it needs look-around or backreferences), compiled on first use. It matches anywhere in
/// the string unless anchored, as in JSON Schema. A pattern that cannot be compiled matches
/// nothing (the value is rejected, never silently accepted).
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    rendered: &'static str,
    engine: Engine,
    compiled: OnceLock<Option<Compiled>>,
}

#[derive(Debug)]
enum Engine {
    Regex,
    Fancy,
    Unsupported,
}

#[derive(Debug)]
enum Compiled {
    Regex(regex::Regex),
    Fancy(fancy_regex::Regex),
}

impl Pattern {
    /// `source` as written in the schema, `rendered` for the `regex` crate.
    pub const fn new(source: &'static str, rendered: &'static str) -> Self {
        Pattern { source, rendered, engine: Engine::Regex, compiled: OnceLock::new() }
    }

    /// `source` as written in the schema, `rendered` for the `fancy-regex` crate.
    pub const fn fancy(source: &'static str, rendered: &'static str) -> Self {
        Pattern { source, rendered, engine: Engine::Fancy, compiled: OnceLock::new() }
    }

    /// A pattern no Rust engine can honour (reported at generation time): it matches nothing.
    pub const fn unsupported(source: &'static str) -> Self {
        Pattern { source, rendered: "", engine: Engine::Unsupported, compiled: OnceLock::new() }
    }

    /// The pattern as written in the schema.
    pub const fn source(&self) -> &'static str {
        self.source
    }

    /// Whether `value` matches (`false` when the pattern cannot be compiled).
    pub fn is_match(&self, value: &str) -> bool {
        let compiled = self.compiled.get_or_init(|| match self.engine {
            Engine::Regex => regex::Regex::new(self.rendered).ok().map(Compiled::Regex),
            Engine::Fancy => fancy_regex::Regex::new(self.rendered).ok().map(Compiled::Fancy),
            Engine::Unsupported => None,
        });
        match compiled {
            Some(Compiled::Regex(regex)) => regex.is_match(value),
            Some(Compiled::Fancy(regex)) => regex.is_match(value).unwrap_or(false),
            None => false,
        }
    }
}
