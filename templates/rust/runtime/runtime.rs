//! What the generated types share: serde adapters, the strict object and enum decoders, and the
//! engine of the schema checks generated from the JSON Schema (every keyword, on JSON values).
//!
//! Nothing here is specific to one schema; the generated `types` module calls these helpers.

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::Serialize;
use serde_json::{Map, Number, Value};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

// ---------------------------------------------------------------------------------------------
// serde adapters
// ---------------------------------------------------------------------------------------------

/// `deserialize_with` adapter of optional fields: a present key is `Some`, even when its value is
/// null (`Option<Option<T>>` then tells absent, null and a value apart), and a null is rejected
/// when the field's type does not accept it (serde's default would silently read it as absent).
pub fn some<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// `deserialize_with` adapter of required fields whose type is an `Option` (required but
/// nullable): with it serde reports a missing key instead of reading it as `None`.
pub fn required<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer)
}

/// Wraps a deserializer so that only a JSON object can become a struct.
///
/// serde's derived `Deserialize` also reads a struct from an array of its field values in
/// declaration order (`["a", 1]` for `{"a": "a", "b": 1}`), which JSON Schema does not allow and
/// which would not re-encode to the same JSON. Generated structs deserialize through this wrapper.
pub struct ObjectOnly<D>(pub D);

struct ObjectOnlyVisitor<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for ObjectOnlyVisitor<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(formatter)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.visit_map(map)
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(ObjectOnlyVisitor(visitor))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(ObjectOnlyVisitor(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, ObjectOnlyVisitor(visitor))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct enum identifier ignored_any
    }
}

struct StrVisitor<T> {
    name: &'static str,
    parse: fn(&str) -> Option<T>,
}

impl<T> Visitor<'_> for StrVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "a value of {}", self.name)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        (self.parse)(value).ok_or_else(|| E::invalid_value(de::Unexpected::Str(value), &self))
    }
}

/// Deserializes a string enum from a JSON string only (serde's derived enum decoder also
/// accepts `{"value": null}`).
pub fn string_enum<'de, D, T>(
    deserializer: D,
    name: &'static str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_str(StrVisitor { name, parse })
}

/// Deserializes an integer enum from a JSON integer (`1.0` is not an integer here).
pub fn integer_enum<'de, D, T>(
    deserializer: D,
    name: &'static str,
    parse: fn(i64) -> Option<T>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let value = i64::deserialize(deserializer)?;
    parse(value).ok_or_else(|| {
        let expected = format!("a value of {name}");
        de::Error::invalid_value(de::Unexpected::Signed(value), &expected.as_str())
    })
}

/// Deserializes exactly the string `expected` (the value of a `const`).
pub fn expect_str<'de, D>(deserializer: D, expected: &str) -> Result<(), D::Error>
where
    D: Deserializer<'de>,
{
    let value = String::deserialize(deserializer)?;
    if value == expected {
        return Ok(());
    }
    let wanted = Value::from(expected).to_string();
    Err(de::Error::invalid_value(de::Unexpected::Str(&value), &wanted.as_str()))
}

/// Deserializes exactly the integer `expected` (the value of a `const`).
pub fn expect_int<'de, D>(deserializer: D, expected: i64) -> Result<(), D::Error>
where
    D: Deserializer<'de>,
{
    let value = i64::deserialize(deserializer)?;
    if value == expected {
        return Ok(());
    }
    let wanted = expected.to_string();
    Err(de::Error::invalid_value(de::Unexpected::Signed(value), &wanted.as_str()))
}

/// Deserializes exactly the boolean `expected` (the value of a `const`).
pub fn expect_bool<'de, D>(deserializer: D, expected: bool) -> Result<(), D::Error>
where
    D: Deserializer<'de>,
{
    let value = bool::deserialize(deserializer)?;
    if value == expected {
        return Ok(());
    }
    let wanted = expected.to_string();
    Err(de::Error::invalid_value(de::Unexpected::Bool(value), &wanted.as_str()))
}

/// Deserializes exactly `null` (the value of a `const: null`).
pub fn expect_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<(), D::Error> {
    <()>::deserialize(deserializer)
}

/// Whether a JSON value is an integer (`1`, not `1.0`; with serde_json's `arbitrary_precision`
/// also one beyond 64 bits).
pub fn is_integer(value: &Value) -> bool {
    matches!(value, Value::Number(number) if !number.is_f64())
}

/// Decodes the variant of a union picked by its tag, wrapping the variant's error.
pub fn variant<T, U, E>(value: Value, wrap: fn(T) -> U) -> Result<U, E>
where
    T: DeserializeOwned,
    E: de::Error,
{
    T::deserialize(value).map(wrap).map_err(E::custom)
}

/// The error of a union whose tag property is missing or has no variant.
pub fn bad_tag<E: de::Error>(union: &str, property: &str, value: &Value) -> E {
    match value.get(property) {
        Some(tag) => E::custom(format!("{union}: no variant has {property:?} = {tag}")),
        None if value.is_object() => E::custom(format!("{union}: no tag property {property:?}")),
        None => E::custom(format!("{union}: expected an object, found {}", kind(value))),
    }
}

/// Collects why each variant of a union rejected a value, for one error message.
#[derive(Debug)]
pub struct UnionErrors {
    union: &'static str,
    errors: Vec<String>,
}

impl UnionErrors {
    /// No error yet, for the union named `union`.
    pub fn new(union: &'static str) -> Self {
        Self { union, errors: Vec::new() }
    }

    /// Records why `variant` rejected the value.
    pub fn push(&mut self, variant: &str, error: serde_json::Error) {
        self.errors.push(format!("{variant}: {error}"));
    }

    /// The error to return when no variant accepted `value`.
    pub fn finish<E: de::Error>(self, value: &Value) -> E {
        if self.errors.is_empty() {
            return E::custom(format!("{}: no variant accepts {}", self.union, kind(value)));
        }
        let reasons = self.errors.join("; ");
        E::custom(format!("{}: no variant accepts the value ({reasons})", self.union))
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// ---------------------------------------------------------------------------------------------
// variants of serde-tagged unions
// ---------------------------------------------------------------------------------------------

/// A variant struct of a union serde reads and writes as an internally tagged enum
/// (`#[serde(tag = ...)]`): inside the enum serde handles the tag and the struct has no field for
/// it; standing alone (decoded or encoded as its own type) the struct reads and writes the tag
/// itself, so it accepts exactly the JSON its schema does.
pub trait TaggedVariant: Sized {
    /// The tag property.
    const TAG: &'static str;
    /// This variant's tag value.
    const VALUE: &'static str;
    /// The fields without the tag (what the enum writes after its tag).
    fn serialize_untagged<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;
    /// The fields without the tag (what the enum reads after taking its tag).
    fn deserialize_untagged<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// `serialize_with` of a tagged enum's variant: the struct without its tag.
pub fn serialize_untagged<T, S>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: TaggedVariant,
    S: serde::Serializer,
{
    value.serialize_untagged(serializer)
}

/// `deserialize_with` of a tagged enum's variant: the struct without its tag.
pub fn deserialize_untagged<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: TaggedVariant,
    D: Deserializer<'de>,
{
    T::deserialize_untagged(deserializer)
}

/// A variant struct standing alone: its tag first, then its fields.
pub fn serialize_tagged<T, S>(value: &T, serializer: S) -> Result<S::Ok, S::Error>
where
    T: TaggedVariant,
    S: serde::Serializer,
{
    use serde::ser::{Error, SerializeMap};
    let fields = match value.serialize_untagged(serde_json::value::Serializer) {
        Ok(Value::Object(fields)) => fields,
        Ok(_) => return Err(S::Error::custom("a tagged variant must serialize as an object")),
        Err(error) => return Err(S::Error::custom(error)),
    };
    let mut map = serializer.serialize_map(Some(fields.len() + 1))?;
    map.serialize_entry(T::TAG, T::VALUE)?;
    for (key, field) in &fields {
        map.serialize_entry(key, field)?;
    }
    map.end()
}

/// A variant struct standing alone: an object whose tag property is the variant's tag value.
pub fn deserialize_tagged<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: TaggedVariant,
    D: Deserializer<'de>,
{
    let mut fields = match Value::deserialize(deserializer)? {
        Value::Object(fields) => fields,
        _ => return Err(de::Error::custom(format_args!("expected an object with `{}`", T::TAG))),
    };
    match fields.remove(T::TAG) {
        Some(Value::String(tag)) if tag == T::VALUE => {}
        Some(other) => {
            let message = format_args!("`{}` must be \"{}\", not {other}", T::TAG, T::VALUE);
            return Err(de::Error::custom(message));
        }
        None => return Err(de::Error::missing_field(T::TAG)),
    }
    T::deserialize_untagged(Value::Object(fields)).map_err(de::Error::custom)
}

// ---------------------------------------------------------------------------------------------
// decoding and encoding
// ---------------------------------------------------------------------------------------------

/// Why [`decode`] failed: the JSON did not fit the type, or the value broke a constraint.
#[derive(Debug)]
pub enum DecodeError {
    /// Invalid JSON, or a value the schema accepts that does not have the type's shape (serde's
    /// error).
    Json(serde_json::Error),
    /// Well-formed, but the schema rejects the value (every violation, with its JSON pointer).
    Invalid(ValidationErrors),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json(error) => error.fmt(formatter),
            Self::Invalid(errors) => errors.fmt(formatter),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes JSON text into `T`: parse, validate against `T`'s schema ([`Validate`]), convert.
pub fn decode<T: DeserializeOwned + Validate>(text: &str) -> Result<T, DecodeError> {
    let value: Value = serde_json::from_str(text).map_err(DecodeError::Json)?;
    decode_value(&value)
}

/// Decodes a JSON value (a component's input, a message's params) into `T`: validate against
/// `T`'s schema ([`Validate`]), then convert.
pub fn decode_value<T: DeserializeOwned + Validate>(value: &Value) -> Result<T, DecodeError> {
    let mut errors = Vec::new();
    if too_deep(value) {
        // what serde_json's parser refuses in text; serde's conversion recurses per level
        let message = format!("is nested deeper than {MAX_NESTING} levels");
        errors.push(ValidationError { path: String::new(), keyword: "depth", message });
        return Err(DecodeError::Invalid(ValidationErrors(errors)));
    }
    T::validate_json(value, &Path::root(), &mut errors);
    if !errors.is_empty() {
        return Err(DecodeError::Invalid(ValidationErrors(errors)));
    }
    convert(value)
}

/// How deeply [`decode_value`] lets a JSON value nest (arrays and objects), as serde_json's
/// parser does for text: converting a value recurses once per level.
pub const MAX_NESTING: usize = 128;

/// Whether `value` nests arrays and objects deeper than [`MAX_NESTING`] (without recursion).
fn too_deep(value: &Value) -> bool {
    let mut stack = vec![(value, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth >= MAX_NESTING {
            return true;
        }
        stack.extend(children.map(|child| (child, depth + 1)));
    }
    false
}

/// A value the schema accepted, as `T`. When serde rejects it only because a number the schema
/// counts as an integer is written with a fraction (`1.0` for an integer field), it is decoded
/// again with every integral number written as an integer.
///
/// When serde still rejects it because an integer does not fit the Rust integer type of its field
/// (`100000000000000000000` for an `i64`: the `--integers native` convention), the error names
/// the integer's JSON pointer and value, not serde's "floating point" text.
fn convert<T: DeserializeOwned>(value: &Value) -> Result<T, DecodeError> {
    let error = match T::deserialize(value) {
        Ok(decoded) => return Ok(decoded),
        Err(error) => error,
    };
    let normal = integral(value);
    let value = normal.as_ref().unwrap_or(value);
    if normal.is_some() {
        if let Ok(decoded) = T::deserialize(value) {
            return Ok(decoded);
        }
    }
    let Some(wide) = too_wide(value) else { return Err(DecodeError::Json(error)) };
    if exact_numbers() {
        // serde_json's `arbitrary_precision` (`--integers exact`): a `Value` hands an integer
        // beyond 64 bits to serde as an i128, which serde's buffering (tagged enums, flattened
        // maps) cannot hold; its parser hands over the digits, which a `Number` reads back
        if let Ok(decoded) = serde_json::from_str(&value.to_string()) {
            return Ok(decoded);
        }
    }
    Err(DecodeError::Json(wide_error::<T>(value, &wide)))
}

/// Whether serde_json holds integers beyond 64 bits exactly (its `arbitrary_precision` feature,
/// which `--integers exact` enables).
fn exact_numbers() -> bool {
    serde_json::from_str::<Number>("18446744073709551616").is_ok_and(|n| !n.is_f64())
}

/// Whether a number is an integer that fits neither `i64` nor `u64` (`1e20`,
/// `100000000000000000000`).
fn is_wide(number: &Number) -> bool {
    if number.is_f64() {
        let float = number.as_f64().unwrap_or(f64::NAN);
        return float.is_finite()
            && float.fract() == 0.0
            && float.abs() >= 9.223_372_036_854_775e18;
    }
    number.as_i64().is_none() && number.as_u64().is_none()
}

/// The JSON pointers of the integers beyond 64 bits in `value`.
fn too_wide(value: &Value) -> Option<Vec<String>> {
    fn walk(value: &Value, at: &str, out: &mut Vec<String>) {
        match value {
            Value::Number(number) if is_wide(number) => out.push(at.to_owned()),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{at}/{i}"), out);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let key = key.replace('~', "~0").replace('/', "~1");
                    walk(item, &format!("{at}/{key}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    (!out.is_empty()).then_some(out)
}

/// `value` with the integers at `pointers` replaced by 0.
fn zeroed(value: &Value, pointers: &[&String]) -> Value {
    let mut copy = value.clone();
    for pointer in pointers {
        if let Some(slot) = copy.pointer_mut(pointer) {
            *slot = Value::from(0);
        }
    }
    copy
}

/// The error for a document serde rejects: when its integers beyond 64 bits are the reason (zeroing
/// them all makes it decode), one naming the first that its field cannot hold; else serde's.
fn wide_error<T: DeserializeOwned>(value: &Value, wide: &[String]) -> serde_json::Error {
    let all: Vec<&String> = wide.iter().collect();
    let fallback = || T::deserialize(value).err().unwrap_or_else(|| de::Error::custom("?"));
    if T::deserialize(&zeroed(value, &all)).is_err() {
        return fallback();
    }
    // the one that breaks it: all the others zeroed, this one kept
    let culprit = wide.iter().find(|keep| {
        let others: Vec<&String> = wide.iter().filter(|p| p != keep).collect();
        T::deserialize(&zeroed(value, &others)).is_err()
    });
    let Some(pointer) = culprit else { return fallback() };
    let shown = match value.pointer(pointer) {
        // read as a float (serde_json without `arbitrary_precision`): its shortest text
        Some(Value::Number(n)) if n.is_f64() => format!("{:e}", n.as_f64().unwrap_or(f64::NAN)),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let at = if pointer.is_empty() { "(root)" } else { pointer.as_str() };
    if exact_numbers() {
        return de::Error::custom(format!(
            "{at}: the integer {shown} does not fit the Rust integer type its `format` gives its field"
        ));
    }
    de::Error::custom(format!(
        "{at}: the integer {shown} does not fit the 64-bit Rust integer of its field (the \
         `--integers native` convention); bound it with minimum/maximum in the schema, or generate \
         with `--integers exact`"
    ))
}

/// A number read as a float (`1.0`, `1e3`) that is an integer within `i64`, as that integer: the
/// conversion is lossless (JSON Schema's integers include `1.0`).
pub fn integral_i64(number: &serde_json::Number) -> Option<i64> {
    // i64::MIN is -2^63 exactly as f64; i64::MAX rounds up to 2^63, which is excluded
    const RANGE: std::ops::Range<f64> = (i64::MIN as f64)..(i64::MAX as f64);
    let float = number.as_f64().filter(|float| float.fract() == 0.0 && RANGE.contains(float))?;
    #[allow(clippy::cast_possible_truncation)]
    Some(float as i64)
}

/// `value` with every integral float (`1.0`, `1e2`) written as an integer, if there is one.
fn integral(value: &Value) -> Option<Value> {
    fn walk(value: &Value, changed: &mut bool) -> Value {
        match value {
            Value::Number(number) if number.is_f64() => match integral_i64(number) {
                Some(int) => {
                    *changed = true;
                    Value::from(int)
                }
                None => value.clone(),
            },
            Value::Array(items) => Value::Array(items.iter().map(|v| walk(v, changed)).collect()),
            Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), walk(v, changed))).collect())
            }
            _ => value.clone(),
        }
    }
    let mut changed = false;
    let normal = walk(value, &mut changed);
    changed.then_some(normal)
}

/// Encodes a value as compact JSON text.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string(value)
}

/// [`decode`] as `T`, then [`encode`] again: what [`SchemaType::roundtrip`] does.
pub fn roundtrip<T: DeserializeOwned + Serialize + Validate>(
    text: &str,
) -> Result<String, DecodeError> {
    let value: T = decode(text)?;
    encode(&value).map_err(DecodeError::Json)
}

/// [`roundtrip`] with the schema node `check` instead of `T`'s (a declaration whose Rust type is
/// an alias of another type validates with its own schema).
pub fn roundtrip_with<T: DeserializeOwned + Serialize>(
    text: &str,
    check: NodeFn,
) -> Result<String, DecodeError> {
    let value: Value = serde_json::from_str(text).map_err(DecodeError::Json)?;
    let mut errors = Vec::new();
    run(check, &value, &Path::root(), &mut errors);
    if !errors.is_empty() {
        return Err(DecodeError::Invalid(ValidationErrors(errors)));
    }
    let decoded: T = convert(&value)?;
    encode(&decoded).map_err(DecodeError::Json)
}

/// A type of the `types` module found by its schema id (`types::TYPES_BY_SCHEMA_ID`), for code
/// that knows a type only by where the schema declares it (conformance vectors, generic checks).
#[derive(Clone, Copy, Debug)]
pub struct SchemaType {
    /// The schema id: `file#pointer`.
    pub id: &'static str,
    /// The Rust type's name (it may differ from the schema's: a reserved name gets a prefix).
    pub name: &'static str,
    /// Decodes JSON text as this type ([`decode`]: validation, then serde) and encodes the value
    /// back to compact JSON text.
    pub roundtrip: fn(&str) -> Result<String, DecodeError>,
}

// ---------------------------------------------------------------------------------------------
// validation
// ---------------------------------------------------------------------------------------------

/// Where a value sits in a document; built on the stack while validating, turned into a JSON
/// pointer (RFC 6901) only when a violation is reported.
#[derive(Clone, Copy, Debug)]
pub struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy, Debug)]
enum Segment<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    /// The document itself.
    pub const fn root() -> Self {
        Path { parent: None, segment: Segment::Root }
    }

    /// The value of property `key` of the object here.
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path { parent: Some(self), segment: Segment::Key(key) }
    }

    /// Item `index` of the array here.
    pub fn index(&'a self, index: usize) -> Path<'a> {
        Path { parent: Some(self), segment: Segment::Index(index) }
    }

    /// The JSON pointer of this path (`""` for the document itself).
    pub fn pointer(&self) -> String {
        let mut out = match self.parent {
            Some(parent) => parent.pointer(),
            None => String::new(),
        };
        match self.segment {
            Segment::Root => {}
            Segment::Key(key) => {
                out.push('/');
                out.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Index(index) => {
                out.push('/');
                out.push_str(&index.to_string());
            }
        }
        out
    }
}

/// One broken constraint: where (a JSON pointer), which keyword, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// JSON pointer of the offending value (`""` for the whole document).
    pub path: String,
    /// The JSON Schema keyword that failed (`minimum`, `oneOf`, `required`, ...; `depth` when the
    /// document is nested deeper than [`MAX_DEPTH`] schema levels).
    pub keyword: &'static str,
    /// What is wrong, e.g. `must be >= 0`.
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.path.is_empty() { "/" } else { &self.path };
        write!(formatter, "{at}: {}", self.message)
    }
}

/// Every broken constraint of a value (never empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                formatter.write_str("; ")?;
            }
            error.fmt(formatter)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Where violations are collected.
pub type Errors = Vec<ValidationError>;

/// A type whose values are checked against its JSON Schema. Every generated type implements it;
/// the checks are generated from the schema (every keyword, exactly as JSON Schema defines it) and
/// run on the JSON value, so [`decode`] rejects what the schema rejects before serde converts.
pub trait Validate: Serialize {
    /// Appends every violation of `value` (which sits at `path`) against this type's schema.
    fn validate_json(value: &Value, path: &Path<'_>, errors: &mut Errors)
    where
        Self: Sized;

    /// `Ok(())`, or every violation found (the value is encoded to JSON and checked).
    fn validate(&self) -> Result<(), ValidationErrors>
    where
        Self: Sized,
    {
        let mut errors = Vec::new();
        self.validate_at(&Path::root(), &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(errors))
        }
    }

    /// Appends the violations of this value, which sits at `path`, to `errors`.
    fn validate_at(&self, path: &Path<'_>, errors: &mut Errors)
    where
        Self: Sized,
    {
        match serde_json::to_value(self) {
            Ok(value) => Self::validate_json(&value, path, errors),
            Err(error) => errors.push(ValidationError {
                path: path.pointer(),
                keyword: "serialize",
                message: error.to_string(),
            }),
        }
    }
}

macro_rules! no_constraints {
    ($($t:ty),*) => {
        $(
            impl Validate for $t {
                fn validate_json(_value: &Value, _path: &Path<'_>, _errors: &mut Errors) {}
            }
        )*
    };
}

no_constraints!(bool, i8, i16, i32, i64, u8, u16, u32, u64, f64, String, Number, Value, ());
no_constraints!(Map<String, Value>);

macro_rules! tuples {
    ($(($($name:ident $index:tt),+)),*) => {
        $(
            impl<$($name: Validate),+> Validate for ($($name,)+) {
                fn validate_json(value: &Value, path: &Path<'_>, errors: &mut Errors) {
                    if let Value::Array(items) = value {
                        $(
                            if let Some(item) = items.get($index) {
                                $name::validate_json(item, &path.index($index), errors);
                            }
                        )+
                    }
                }
            }
        )*
    };
}

tuples!(
    (A 0),
    (A 0, B 1),
    (A 0, B 1, C 2),
    (A 0, B 1, C 2, D 3),
    (A 0, B 1, C 2, D 3, E 4),
    (A 0, B 1, C 2, D 3, E 4, F 5),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
);

impl<T: Validate> Validate for Box<T> {
    fn validate_json(value: &Value, path: &Path<'_>, errors: &mut Errors) {
        T::validate_json(value, path, errors);
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate_json(value: &Value, path: &Path<'_>, errors: &mut Errors) {
        if !value.is_null() {
            T::validate_json(value, path, errors);
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_json(value: &Value, path: &Path<'_>, errors: &mut Errors) {
        if let Value::Array(items) = value {
            for (index, item) in items.iter().enumerate() {
                T::validate_json(item, &path.index(index), errors);
            }
        }
    }
}

impl<T: Validate> Validate for BTreeMap<String, T> {
    fn validate_json(value: &Value, path: &Path<'_>, errors: &mut Errors) {
        if let Value::Object(map) = value {
            for (key, item) in map {
                T::validate_json(item, &path.key(key), errors);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// the engine of the generated schema checks
// ---------------------------------------------------------------------------------------------

/// How many schema levels a check may nest (references and applicators included) before the
/// document is rejected with the keyword `depth`, instead of overflowing the stack.
pub const MAX_DEPTH: usize = 400;

/// A generated schema check: is `value` (at `path`) valid? `seen`, when given, receives the
/// properties and items the check evaluated (for `unevaluatedProperties`/`unevaluatedItems`).
pub type NodeFn = fn(&Value, &mut Cx, &Path<'_>, Out<'_>) -> bool;

/// Where a check reports what it evaluated, if anyone asks.
pub type Out<'a> = Option<&'a mut Seen>;

/// Runs the check `node` on `value` and appends its violations to `errors`.
pub fn run(node: NodeFn, value: &Value, path: &Path<'_>, errors: &mut Errors) {
    let mut cx = Cx::default();
    if !node(value, &mut cx, path, None) && cx.errors.is_empty() {
        cx.errors.push(ValidationError {
            path: path.pointer(),
            keyword: "schema",
            message: "is not valid".to_owned(),
        });
    }
    errors.append(&mut cx.errors);
}

/// The state of one validation: the violations, the depth, whether failures are collected or
/// only tested (inside `anyOf`, `oneOf`, `not`, `if`, `contains`, `propertyNames`), and the
/// dynamic scope (`$dynamicRef`).
#[derive(Debug, Default)]
pub struct Cx {
    errors: Errors,
    quiet: u32,
    depth: usize,
    scope: Vec<u32>,
}

impl Cx {
    /// Enters a schema level; `false` (and a `depth` violation) when nested too deeply.
    pub fn enter(&mut self, at: &Path<'_>) -> bool {
        if self.depth > MAX_DEPTH {
            self.fail(at, "depth", "is nested too deeply to validate");
            return false;
        }
        self.depth += 1;
        true
    }

    /// Leaves a schema level.
    pub fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Records a violation (unless only testing); `true` when the check should stop now.
    pub fn fail(&mut self, at: &Path<'_>, keyword: &'static str, message: &str) -> bool {
        if self.quiet == 0 {
            let message = message.to_owned();
            self.errors.push(ValidationError { path: at.pointer(), keyword, message });
        }
        self.quiet > 0
    }

    /// After a subschema failed: `true` when the check should stop now (only testing).
    pub fn stop(&self) -> bool {
        self.quiet > 0
    }

    /// Failures are only tested from here on (until [`Cx::unhush`]).
    pub fn hush(&mut self) {
        self.quiet += 1;
    }

    /// Ends a [`Cx::hush`].
    pub fn unhush(&mut self) {
        self.quiet -= 1;
    }

    /// Enters a schema resource of the dynamic scope.
    pub fn push_scope(&mut self, resource: u32) {
        self.scope.push(resource);
    }

    /// Leaves the innermost schema resource.
    pub fn pop_scope(&mut self) {
        self.scope.pop();
    }

    /// The target of a `$dynamicRef`: the check of the outermost resource in the dynamic scope
    /// that `candidates` knows, else `initial`.
    pub fn dynamic(&self, candidates: fn(u32) -> Option<NodeFn>, initial: NodeFn) -> NodeFn {
        self.scope.iter().find_map(|&resource| candidates(resource)).unwrap_or(initial)
    }
}

/// The branch of a failed `anyOf`/`oneOf` closest to holding (not only of another JSON kind, the
/// fewest violations, then the deepest), whose violations are reported beside the `anyOf`/`oneOf` one.
#[derive(Debug, Default)]
pub struct Closest {
    best: Option<Errors>,
}

impl Closest {
    /// Runs `branch` on `value`, collecting its violations apart.
    pub fn check(&mut self, branch: NodeFn, value: &Value, cx: &mut Cx, at: &Path<'_>) {
        let mut apart = Cx { depth: cx.depth, scope: cx.scope.clone(), ..Cx::default() };
        branch(value, &mut apart, at, None);
        // a branch of another JSON kind (only `type` failed) is the least close
        let score = |errors: &Errors| {
            let kind = errors.iter().all(|e| e.keyword == "type");
            let depth = errors.iter().map(|e| e.path.matches('/').count()).max().unwrap_or(0);
            (kind, errors.len(), usize::MAX - depth)
        };
        if self.best.as_ref().is_none_or(|best| score(&apart.errors) < score(best)) {
            self.best = Some(apart.errors);
        }
    }

    /// Appends the closest branch's violations.
    pub fn report(self, cx: &mut Cx) {
        if let Some(mut errors) = self.best {
            cx.errors.append(&mut errors);
        }
    }
}

/// The properties and items a check evaluated (annotations for `unevaluated*`).
#[derive(Debug, Default)]
pub struct Seen {
    props: std::collections::BTreeSet<String>,
    items: std::collections::BTreeSet<usize>,
    all_items: usize,
}

impl Seen {
    /// Property `key` was evaluated.
    pub fn prop(&mut self, key: &str) {
        if !self.props.contains(key) {
            self.props.insert(key.to_owned());
        }
    }

    /// Item `index` was evaluated.
    pub fn item(&mut self, index: usize) {
        if index >= self.all_items {
            self.items.insert(index);
        }
    }

    /// Whether property `key` was evaluated.
    pub fn has_prop(&self, key: &str) -> bool {
        self.props.contains(key)
    }

    /// Whether item `index` was evaluated.
    pub fn has_item(&self, index: usize) -> bool {
        index < self.all_items || self.items.contains(&index)
    }

    /// Every property of `map` was evaluated.
    pub fn all_props(&mut self, map: &Map<String, Value>) {
        for key in map.keys() {
            self.prop(key);
        }
    }

    /// Items `0..len` were evaluated.
    pub fn all_items(&mut self, len: usize) {
        self.all_items = self.all_items.max(len);
    }

    /// Adds what `other` evaluated.
    pub fn merge(&mut self, other: Seen) {
        self.props.extend(other.props);
        self.items.extend(other.items);
        self.all_items = self.all_items.max(other.all_items);
    }
}

/// Whether `value` is of one of the JSON kinds in `mask` (1 null, 2 boolean, 4 object, 8 array,
/// 16 number, 32 integer, 64 string). An integer is a number with an integral value (`1.0` too),
/// unless `strict` (draft-04: only numbers written without a fraction or exponent).
pub fn has_type(value: &Value, mask: u8, strict: bool) -> bool {
    let bit = match value {
        Value::Null => 1,
        Value::Bool(_) => 2,
        Value::Object(_) => 4,
        Value::Array(_) => 8,
        Value::String(_) => 64,
        Value::Number(number) => {
            if mask & 16 != 0 {
                return true;
            }
            let integral = if strict { !number.is_f64() } else { is_integral(number) };
            return mask & 32 != 0 && integral;
        }
    };
    mask & bit != 0
}

fn is_integral(number: &Number) -> bool {
    if !number.is_f64() {
        return true;
    }
    // the decimal written (exact with serde_json's `arbitrary_precision`: `1e21.5` is no integer)
    number.as_f64().is_some_and(f64::is_finite)
        && decimal(&number.to_string())
            .is_some_and(|(_, digits, exponent)| digits.is_empty() || exponent >= 0)
}

/// `--defaults apply`: the schema's default of a field (its JSON, which the generator checked
/// has the field's type and is accepted by the schema) as the field's type.
///
/// # Panics
///
/// If the default does not have the field's type (the generator keeps such a field an `Option`).
pub fn default_of<T: DeserializeOwned>(json: &Json) -> T {
    match T::deserialize(json.get()) {
        Ok(value) => value,
        Err(error) => panic!("the schema default {} does not decode: {error}", json.text),
    }
}

/// `--defaults apply`: whether a field's value is its default as a JSON value, type included
/// (`1` is not `1.0` nor `true`, `0.0` is not `-0.0`), so that it is not written when encoding.
pub fn is_default<T: Serialize>(value: &T, json: &Json) -> bool {
    serde_json::to_value(value).is_ok_and(|value| same_json(&value, json.get()))
}

/// JSON equality with the number's type: integers by value, floats bit for bit.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.is_f64(), y.is_f64()) {
            (true, true) => x.as_f64().map(f64::to_bits) == y.as_f64().map(f64::to_bits),
            (false, false) => x.to_string() == y.to_string(),
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, a)| y.get(k).is_some_and(|b| same_json(a, b)))
        }
        _ => a == b,
    }
}

/// A constant of the schema (`const`, `enum`), parsed from its JSON text on first use.
#[derive(Debug)]
pub struct Json {
    text: &'static str,
    value: std::sync::OnceLock<Value>,
}

impl Json {
    /// The constant written as `text` (JSON).
    pub const fn new(text: &'static str) -> Self {
        Json { text, value: std::sync::OnceLock::new() }
    }

    /// The value.
    pub fn get(&self) -> &Value {
        self.value.get_or_init(|| serde_json::from_str(self.text).unwrap_or(Value::Null))
    }
}

/// JSON equality: numbers by value (`1` equals `1.0`), objects regardless of key order.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => compare_numbers(x, y) == Some(Ordering::Equal),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, a)| y.get(k).is_some_and(|b| json_eq(a, b)))
        }
        _ => a == b,
    }
}

/// `enum`: whether `value` equals (JSON equality) one of the items of the array `values`.
pub fn json_in(value: &Value, values: &Value) -> bool {
    values.as_array().is_some_and(|values| values.iter().any(|v| json_eq(value, v)))
}

/// `uniqueItems`: the index of the first item equal (JSON equality) to an earlier one.
pub fn duplicate(items: &[Value]) -> Option<usize> {
    (1..items.len()).find(|&i| items[..i].iter().any(|earlier| json_eq(earlier, &items[i])))
}

/// A bound of the schema: an integer (exact) or a float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Num {
    /// An integer.
    Int(i128),
    /// A number with a fraction or an exponent.
    Float(f64),
}

impl From<&Number> for Num {
    fn from(value: &Number) -> Self {
        if let Some(int) = value.as_i64() {
            Self::Int(i128::from(int))
        } else if let Some(int) = value.as_u64() {
            Self::Int(i128::from(int))
        } else if let Some(int) =
            (!value.is_f64()).then(|| value.to_string().parse::<i128>().ok()).flatten()
        {
            // an integer beyond 64 bits (serde_json's `arbitrary_precision`)
            Self::Int(int)
        } else {
            Self::Float(value.as_f64().unwrap_or(f64::NAN))
        }
    }
}

/// Exact comparison of an integer with a float.
fn cmp_int_float(int: i128, float: f64) -> Option<Ordering> {
    if float.is_nan() {
        return None;
    }
    let floor = float.floor();
    if floor >= 1.7e38 {
        return Some(Ordering::Less);
    }
    if floor < -1.7e38 {
        return Some(Ordering::Greater);
    }
    #[allow(clippy::cast_possible_truncation)]
    let whole = floor as i128;
    match int.cmp(&whole) {
        Ordering::Equal if float > floor => Some(Ordering::Less),
        other => Some(other),
    }
}

/// Exact comparison of a JSON number with a bound.
pub fn compare(value: &Number, bound: Num) -> Option<Ordering> {
    if let Some(text) = beyond_i128(value) {
        // only with serde_json's `arbitrary_precision`: compare the decimals
        let bound = match bound {
            Num::Int(int) => int.to_string(),
            Num::Float(float) if float.is_finite() => format!("{float:e}"),
            Num::Float(_) => return None,
        };
        return Some(cmp_decimal(&text, &bound));
    }
    match (Num::from(value), bound) {
        (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
        (Num::Float(a), Num::Float(b)) => a.partial_cmp(&b),
        (Num::Int(a), Num::Float(b)) => cmp_int_float(a, b),
        (Num::Float(a), Num::Int(b)) => cmp_int_float(b, a).map(Ordering::reverse),
    }
}

/// Exact comparison of two JSON numbers (JSON equality of numbers).
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    match (beyond_i128(a), beyond_i128(b)) {
        (None, None) => compare(a, Num::from(b)),
        (Some(x), Some(y)) => Some(cmp_decimal(&x, &y)),
        (Some(x), None) => Some(cmp_decimal(&x, &number_text(b))),
        (None, Some(y)) => Some(cmp_decimal(&number_text(a), &y)),
    }
}

/// The decimal text of an integer neither `i128` nor `f64` holds exactly (there are such numbers
/// only with serde_json's `arbitrary_precision` feature, which `--integers exact` enables).
fn beyond_i128(value: &Number) -> Option<String> {
    if value.is_f64() || value.as_i64().is_some() || value.as_u64().is_some() {
        return None;
    }
    let text = value.to_string();
    text.parse::<i128>().is_err().then_some(text)
}

/// Exact comparison of two decimal texts (`-12`, `1.5e3`).
fn cmp_decimal(a: &str, b: &str) -> Ordering {
    let (Some((na, da, ea)), Some((nb, db, eb))) = (decimal(a), decimal(b)) else {
        return Ordering::Equal;
    };
    let sign = |negative: bool, digits: &[u8]| match (digits.is_empty(), negative) {
        (true, _) => 0,
        (false, true) => -1,
        (false, false) => 1,
    };
    let (sa, sb) = (sign(na, &da), sign(nb, &db));
    if sa != sb || sa == 0 {
        return sa.cmp(&sb);
    }
    // same sign, both non-zero: compare the magnitudes (number of digits before the point, then
    // the digits), reversed for negative numbers
    let magnitude =
        |digits: &[u8], exponent: i64| i64::try_from(digits.len()).unwrap_or(i64::MAX) + exponent;
    let by_size = magnitude(&da, ea).cmp(&magnitude(&db, eb)).then_with(|| {
        let n = da.len().max(db.len());
        let pad =
            |d: &[u8]| d.iter().copied().chain(std::iter::repeat(0)).take(n).collect::<Vec<u8>>();
        pad(&da).cmp(&pad(&db))
    });
    if sa < 0 {
        by_size.reverse()
    } else {
        by_size
    }
}

/// `value < bound`.
pub fn lt(value: &Number, bound: Num) -> bool {
    compare(value, bound) == Some(Ordering::Less)
}

/// `value > bound`.
pub fn gt(value: &Number, bound: Num) -> bool {
    compare(value, bound) == Some(Ordering::Greater)
}

/// `value <= bound`.
pub fn le(value: &Number, bound: Num) -> bool {
    matches!(compare(value, bound), Some(Ordering::Less | Ordering::Equal))
}

/// `value >= bound`.
pub fn ge(value: &Number, bound: Num) -> bool {
    matches!(compare(value, bound), Some(Ordering::Greater | Ordering::Equal))
}

/// A decimal `digits × 10^exponent` (no leading or trailing zero digits; zero has no digits).
fn decimal(text: &str) -> Option<(bool, Vec<u8>, i64)> {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], text[at + 1..].parse::<i64>().ok()?),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = whole.bytes().chain(fraction.bytes()).map(|b| b - b'0').collect();
    let mut exponent = exponent - i64::try_from(fraction.len()).ok()?;
    while digits.first() == Some(&0) {
        digits.remove(0);
    }
    while digits.last() == Some(&0) {
        digits.pop();
        exponent += 1;
    }
    Some((negative, digits, exponent))
}

/// The decimal text of a JSON number: integers exactly, floats as their shortest round-trip text.
fn number_text(value: &Number) -> String {
    if value.is_f64() {
        format!("{:e}", value.as_f64().unwrap_or(f64::NAN))
    } else {
        value.to_string()
    }
}

/// `multipleOf`, exact for the decimals the two numbers are written as (`0.0075` is a multiple of
/// `0.0001`); `factor` is the schema's decimal text.
pub fn multiple_of(value: &Number, factor: &str) -> bool {
    let (Some((_, x, ex)), Some((_, m, em))) = (decimal(&number_text(value)), decimal(factor))
    else {
        return false;
    };
    if x.is_empty() {
        return true;
    }
    if m.is_empty() || ex < em || m.len() > 36 {
        // x has a decimal digit finer than m's (and no trailing zero): not a multiple
        return m.len() > 36 && multiple_of_f64(value, factor);
    }
    let modulus = m.iter().fold(0u128, |acc, &d| acc * 10 + u128::from(d));
    let mut rest = x.iter().fold(0u128, |acc, &d| (acc * 10 + u128::from(d)) % modulus);
    for _ in 0..(ex - em) {
        rest = rest * 10 % modulus;
        if rest == 0 {
            break;
        }
    }
    rest == 0
}

fn multiple_of_f64(value: &Number, factor: &str) -> bool {
    let quotient = value.as_f64().unwrap_or(f64::NAN) / factor.parse::<f64>().unwrap_or(f64::NAN);
    quotient.is_finite() && quotient.fract() == 0.0
}
