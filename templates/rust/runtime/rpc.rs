//! JSON-RPC 2.0 plumbing shared by the STDIO and HTTP transports of the component server:
//! decoding a message as the Python target's `decode_message` does (same error codes, same ids),
//! the table of our own requests waiting for their answers, and answering a request.
//!
//! Copied verbatim into generated output (the generator prepends its header); it needs the
//! generated `protocol` module of the crate beside it, serde_json and tokio's `sync`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde_json::Value;
use tokio::sync::oneshot;

use crate::protocol::{
    decode_message_with, Id, Message, Method, Notification, Request, INTERNAL_ERROR,
    INVALID_REQUEST, PARSE_ERROR,
};

/// Largest message accepted (a STDIO line, an HTTP body), in bytes.
pub const DEFAULT_MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// Deepest nesting of arrays and objects accepted in a message (as the Python peers).
pub const MAX_DEPTH: usize = 1000;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A JSON-RPC error: returned by a call the peer answered with an error (or that could not be
/// delivered: [`RpcError::is_transport`]), and answered as it is by a handler.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    /// The JSON-RPC error code.
    pub code: i64,
    /// The error message.
    pub message: String,
    /// The error's data, if any.
    pub data: Option<Value>,
    transport: bool,
}

impl RpcError {
    /// An error with this code, message and data.
    pub fn new(code: i64, message: impl Into<String>, data: Option<Value>) -> Self {
        let message = message.into();
        Self { code, message, data, transport: false }
    }

    /// The message could not be delivered or its answer could not be read (the peer went away).
    pub fn transport(message: impl Into<String>) -> Self {
        let mut error = Self::new(INTERNAL_ERROR, message, None);
        error.transport = true;
        error
    }

    /// Whether the call failed for want of a channel rather than by the peer's answer.
    pub fn is_transport(&self) -> bool {
        self.transport
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.transport {
            write!(formatter, "transport error: {}", self.message)
        } else {
            write!(formatter, "JSON-RPC error {}: {}", self.code, self.message)
        }
    }
}

impl std::error::Error for RpcError {}

/// Sends requests to the peer that sent the message being handled (callbacks).
pub trait Caller: Send + Sync {
    /// Sends `method` with `params` and waits for the result.
    fn call(&self, method: Method, params: Value) -> BoxFuture<'_, Result<Value, RpcError>>;
}

/// The caller of a notification: it has no channel for callbacks.
pub struct NoCaller;

impl Caller for NoCaller {
    fn call(&self, method: Method, _params: Value) -> BoxFuture<'_, Result<Value, RpcError>> {
        let message = format!("cannot send {method}: a notification has no channel for callbacks");
        Box::pin(async move { Err(RpcError::transport(message)) })
    }
}

/// What a message claimed to be: a bad notification is never answered (over STDIO).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claimed {
    /// It has `method` and `id`.
    Request,
    /// It has `method` and no `id`.
    Notification,
    /// It has `result` or `error`.
    Response,
    /// Nothing recognisable.
    Nothing,
}

/// What an incoming message turned out to be.
#[derive(Debug)]
pub enum Incoming {
    /// A request to answer.
    Request(Request),
    /// A notification.
    Notification(Notification),
    /// A successful answer to one of our requests.
    Response {
        /// Its id.
        id: Id,
        /// Its result.
        result: Value,
    },
    /// A failed answer.
    Error {
        /// Its id (`None`: null).
        id: Option<Id>,
        /// Its error.
        error: RpcError,
    },
    /// A message that does not decode.
    Invalid {
        /// The code to answer with.
        code: i64,
        /// The message to answer with.
        message: String,
        /// The id, when it could be read.
        id: Option<Id>,
        /// What the message claimed to be.
        claimed: Claimed,
    },
}

/// The id of a message that cannot be decoded whole (too long, too deep, bad UTF-8), if it comes
/// first: `{"jsonrpc": "2.0", "id": ...` (`jsonrpc` and `method` may come before `id`), as both
/// StepFlow sides write their messages.
pub fn prefix_id(data: &[u8]) -> Option<Id> {
    let head = &data[..data.len().min(1024)];
    let mut p = Prefix { s: head, i: 0 };
    p.ws();
    p.eat(b'{')?;
    loop {
        p.ws();
        let key = p.simple_string(64)?;
        p.ws();
        p.eat(b':')?;
        p.ws();
        if key == b"id" {
            let id = p.id()?;
            p.ws();
            return match p.s.get(p.i) {
                Some(b',') | Some(b'}') => Some(id),
                _ => None,
            };
        }
        if key != b"jsonrpc" && key != b"method" {
            return None;
        }
        p.simple_string(64)?;
        p.ws();
        p.eat(b',')?;
    }
}

struct Prefix<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Prefix<'a> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// A string without escapes of at most `max` bytes.
    fn simple_string(&mut self, max: usize) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        while let Some(&c) = self.s.get(self.i) {
            if c == b'"' {
                let out = &self.s[start..self.i];
                self.i += 1;
                return (out.len() <= max).then_some(out);
            }
            if c == b'\\' {
                return None;
            }
            self.i += 1;
        }
        None
    }

    fn id(&mut self) -> Option<Id> {
        let start = self.i;
        if self.s.get(self.i) == Some(&b'"') {
            self.i += 1;
            let mut chars = 0;
            loop {
                match *self.s.get(self.i)? {
                    b'"' => break,
                    b'\\' => {
                        let next = *self.s.get(self.i + 1)?;
                        if next == b'u' {
                            let hex = self.s.get(self.i + 2..self.i + 6)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.i += 6;
                        } else if b"\"\\/bfnrt".contains(&next) {
                            self.i += 2;
                        } else {
                            return None;
                        }
                    }
                    c if c < 0x20 => return None,
                    _ => self.i += 1,
                }
                chars += 1;
                if chars > 256 * 4 {
                    return None;
                }
            }
            self.i += 1;
            let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
            let value: String = serde_json::from_str(text).ok()?;
            if value.chars().count() > 256 {
                return None;
            }
            return Some(Id::Str(value));
        }
        self.eat(b'-');
        let digits = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        let n = self.i - digits;
        if n == 0 || n > 19 || (n > 1 && self.s[digits] == b'0') {
            return None;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        text.parse::<i64>().ok().map(Id::Int)
    }
}

/// Whether `data` nests arrays and objects more than `limit` deep.
pub fn too_deep(data: &[u8], limit: usize) -> bool {
    if data.len() <= limit * 2 {
        return false;
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut i = 0;
    while i < data.len() {
        let c = data[i];
        if in_string {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_string = false;
            }
        } else if c == b'"' {
            in_string = true;
        } else if c == b'[' || c == b'{' {
            depth += 1;
            if depth > limit {
                return true;
            }
        } else if c == b']' || c == b'}' {
            depth = depth.saturating_sub(1);
        }
        i += 1;
    }
    false
}

fn claimed_kind(value: &Value) -> Claimed {
    let Value::Object(map) = value else {
        return Claimed::Nothing;
    };
    if map.contains_key("method") {
        if map.contains_key("id") {
            Claimed::Request
        } else {
            Claimed::Notification
        }
    } else if map.contains_key("result") || map.contains_key("error") {
        Claimed::Response
    } else {
        Claimed::Nothing
    }
}

fn invalid(code: i64, message: impl Into<String>, id: Option<Id>, claimed: Claimed) -> Incoming {
    Incoming::Invalid { code, message: message.into(), id, claimed }
}

/// Decodes one message (a STDIO line or an HTTP body) and checks it against the envelope and the
/// method table. `method_of` names the method of our request a response answers, so that its
/// result is checked too.
pub fn decode<F>(data: &[u8], method_of: F) -> Incoming
where
    F: FnOnce(&Id) -> Option<Method>,
{
    let Ok(text) = std::str::from_utf8(data) else {
        let message = "Parse error: invalid UTF-8";
        return invalid(PARSE_ERROR, message, prefix_id(data), Claimed::Nothing);
    };
    if too_deep(data, MAX_DEPTH) {
        let message = "Invalid message: nested too deeply";
        return invalid(INVALID_REQUEST, message, prefix_id(data), Claimed::Nothing);
    }
    let claimed = match serde_json::from_str::<Value>(text) {
        Ok(value) => claimed_kind(&value),
        Err(error) => {
            let message = format!("Parse error: {error}");
            return invalid(PARSE_ERROR, message, None, Claimed::Nothing);
        }
    };
    match decode_message_with(text, method_of) {
        Ok(Message::Request(request)) => Incoming::Request(request),
        Ok(Message::Notification(notification)) => Incoming::Notification(notification),
        Ok(Message::Response(response)) => {
            let id = response.id().clone();
            let result = serde_json::to_value(&response)
                .ok()
                .and_then(|mut v| v.get_mut("result").map(Value::take))
                .unwrap_or(Value::Null);
            Incoming::Response { id, result }
        }
        Ok(Message::Error(error)) => Incoming::Error {
            id: error.id,
            error: RpcError::new(error.error.code, error.error.message, error.error.data),
        },
        Err(error) => invalid(error.code, error.message, error.id, claimed),
    }
}

/// An id as JSON text (`null` for none).
pub fn id_text(id: Option<&Id>) -> String {
    match id {
        Some(id) => serde_json::to_string(id).unwrap_or_else(|_| "null".to_string()),
        None => "null".to_string(),
    }
}

/// An error response, as text.
pub fn error_text(id: Option<&Id>, code: i64, message: &str, data: Option<&Value>) -> String {
    let message = Value::from(message);
    let data = data.map(|data| format!(",\"data\":{data}")).unwrap_or_default();
    let id = id_text(id);
    format!(r#"{{"jsonrpc":"2.0","id":{id},"error":{{"code":{code},"message":{message}{data}}}}}"#)
}

/// A successful response, as text.
pub fn result_text(id: &Id, result: &Value) -> String {
    format!(r#"{{"jsonrpc":"2.0","id":{},"result":{result}}}"#, id_text(Some(id)))
}

/// Answers a request: `handle`'s result, or its error as it is.
pub async fn answer<H>(request: Request, handle: H) -> String
where
    H: FnOnce(Request) -> BoxFuture<'static, Result<Value, RpcError>>,
{
    let id = request.id().clone();
    match handle(request).await {
        Ok(result) => result_text(&id, &result),
        Err(error) => error_text(Some(&id), error.code, &error.message, error.data.as_ref()),
    }
}

/// Where the answer to one of our requests arrives.
pub type Reply = oneshot::Receiver<Result<Value, RpcError>>;

struct Pending {
    method: Method,
    reply: oneshot::Sender<Result<Value, RpcError>>,
}

#[derive(Default)]
struct Table {
    pending: HashMap<String, Pending>,
    abandoned: HashSet<String>,
    order: VecDeque<String>,
    closed: Option<String>,
}

/// What [`Outgoing::settle`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    /// A call was waiting for it.
    Settled,
    /// The call was given up on.
    Late,
    /// No call has this id.
    Unknown,
}

/// Our requests waiting for their answers: id -> (method, reply channel).
pub struct Outgoing {
    table: Mutex<Table>,
    prefix: String,
    counter: AtomicU64,
}

impl Outgoing {
    /// An empty table whose ids start with `prefix`.
    pub fn new(prefix: &str) -> Self {
        Self {
            table: Mutex::new(Table::default()),
            prefix: prefix.to_string(),
            counter: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The method of our request with this id, if one is waiting.
    pub fn method_of(&self, id: &Id) -> Option<Method> {
        match id {
            Id::Str(id) => self.lock().pending.get(id).map(|p| p.method),
            Id::Int(_) => None,
        }
    }

    /// Registers a request with a fresh id: its id, its text and the channel of its answer.
    pub fn start(
        &self,
        method: Method,
        params: &Value,
    ) -> Result<(String, String, Reply), RpcError> {
        let mut table = self.lock();
        if let Some(reason) = &table.closed {
            return Err(RpcError::transport(reason.clone()));
        }
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let id = format!("{}-{n}", self.prefix);
        let (reply, receiver) = oneshot::channel();
        table.pending.insert(id.clone(), Pending { method, reply });
        let (id_value, name) = (Value::from(id.as_str()), Value::from(method.name()));
        let text =
            format!(r#"{{"jsonrpc":"2.0","id":{id_value},"method":{name},"params":{params}}}"#);
        Ok((id, text, receiver))
    }

    /// Gives up on the request with this id (it could not be sent).
    pub fn forget(&self, id: &str) {
        let mut table = self.lock();
        if table.pending.remove(id).is_some() {
            table.abandoned.insert(id.to_string());
            table.order.push_back(id.to_string());
            if table.order.len() > 4096 {
                if let Some(old) = table.order.pop_front() {
                    table.abandoned.remove(&old);
                }
            }
        }
    }

    fn take(&self, id: Option<&Id>) -> Option<Pending> {
        match id {
            Some(Id::Str(id)) => self.lock().pending.remove(id),
            _ => None,
        }
    }

    fn was_abandoned(&self, id: Option<&Id>) -> bool {
        match id {
            Some(Id::Str(id)) => self.lock().abandoned.contains(id),
            _ => false,
        }
    }

    /// Resolves the call an answer is for.
    pub fn settle(&self, id: Option<&Id>, answer: Result<Value, RpcError>) -> Settled {
        match self.take(id) {
            Some(pending) => {
                // the caller may have gone: nobody to tell
                let _ = pending.reply.send(answer);
                Settled::Settled
            }
            None if self.was_abandoned(id) => Settled::Late,
            None => Settled::Unknown,
        }
    }

    /// Fails every call with one of these ids (an HTTP exchange that ended).
    pub fn fail_all(&self, ids: &[String], reason: &str) {
        for id in ids {
            if let Some(pending) = self.lock().pending.remove(id) {
                let message = format!("{reason} (while calling {})", pending.method);
                let _ = pending.reply.send(Err(RpcError::transport(message)));
            }
        }
    }

    /// Fails every waiting call, and all later ones.
    pub fn close(&self, reason: &str) {
        let pending: Vec<Pending> = {
            let mut table = self.lock();
            table.closed = Some(reason.to_string());
            table.pending.drain().map(|(_, p)| p).collect()
        };
        for p in pending {
            let message = format!("{reason} (while calling {})", p.method);
            let _ = p.reply.send(Err(RpcError::transport(message)));
        }
    }
}

/// Waits for the answer of a request registered with [`Outgoing::start`].
pub async fn wait(receiver: Reply) -> Result<Value, RpcError> {
    receiver.await.unwrap_or_else(|_| Err(RpcError::transport("the answer channel closed")))
}

/// A process-unique instance id: 16 hex digits (no randomness crate: the standard library's
/// randomly seeded hasher, the time and the process id).
pub fn instance_id() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    hasher.write_u128(now);
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_id_reads_a_leading_id_only() {
        let id = |text: &str| prefix_id(text.as_bytes());
        assert_eq!(id(r#"{"jsonrpc":"2.0","id":7,"params":[[[["#), Some(Id::Int(7)));
        assert_eq!(id(r#" { "method" : "x", "id" : "a\"b" , "#), Some(Id::Str("a\"b".into())));
        assert_eq!(id(r#"{"id":-9223372036854775808}"#), Some(Id::Int(i64::MIN)));
        assert_eq!(id(r#"{"id":9223372036854775808}"#), None);
        assert_eq!(id(r#"{"id":01,"#), None);
        assert_eq!(id(r#"{"id":1.5,"#), None);
        assert_eq!(id(r#"{"params":{},"id":1}"#), None);
        assert_eq!(id(r#"{"jsonrpc":"2.0","id":"\ud800x"#), None);
    }

    #[test]
    fn depth_is_counted_outside_strings() {
        let deep = format!("{}{}", "[".repeat(1001), "]".repeat(1001));
        assert!(too_deep(deep.as_bytes(), MAX_DEPTH));
        let shallow = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        assert!(!too_deep(shallow.as_bytes(), MAX_DEPTH));
        let quoted = format!("[\"{}\"]", "[".repeat(3000));
        assert!(!too_deep(quoted.as_bytes(), MAX_DEPTH));
    }

    #[test]
    fn decode_classifies_and_keeps_the_id() {
        let no_method = |_: &Id| None;
        let bad = decode(b"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"\xff\"}", no_method);
        assert!(matches!(bad, Incoming::Invalid { code: PARSE_ERROR, id: Some(Id::Int(3)), .. }));
        let text = r#"{"jsonrpc":"2.0","method":"initialized","params":{"x":1}}"#;
        let bad = decode(text.as_bytes(), no_method);
        assert!(matches!(bad, Incoming::Invalid { claimed: Claimed::Notification, .. }));
        let text = r#"{"jsonrpc":"2.0","id":"r","result":{"blob_id":"b"}}"#;
        let response = decode(text.as_bytes(), |_| Some(Method::BlobsPut));
        assert!(matches!(response, Incoming::Response { id: Id::Str(_), .. }));
    }

    #[test]
    fn texts_are_compact_json_in_envelope_order() {
        let data = serde_json::json!({"component": "/x"});
        let text = error_text(Some(&Id::Int(1)), -32001, "not \"found\"", Some(&data));
        let expected = r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"not \"found\"","data":{"component":"/x"}}}"#;
        assert_eq!(text, expected);
        assert_eq!(
            error_text(None, -32700, "m", None),
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"m"}}"#
        );
    }

    #[test]
    fn outgoing_settles_once_and_fails_on_close() {
        let outgoing = Outgoing::new("t");
        let (id, text, mut reply) =
            outgoing.start(Method::BlobsGet, &serde_json::json!({})).unwrap();
        assert!(text.starts_with(r#"{"jsonrpc":"2.0","id":"t-0","method":"blobs/get","#));
        assert_eq!(outgoing.method_of(&Id::Str(id.clone())), Some(Method::BlobsGet));
        let key = Id::Str(id.clone());
        assert_eq!(outgoing.settle(Some(&key), Ok(Value::Null)), Settled::Settled);
        assert_eq!(reply.try_recv().unwrap(), Ok(Value::Null));
        assert_eq!(outgoing.settle(Some(&key), Ok(Value::Null)), Settled::Unknown);
        let (id, _, _) = outgoing.start(Method::BlobsGet, &Value::Null).unwrap();
        outgoing.forget(&id);
        assert_eq!(outgoing.settle(Some(&Id::Str(id)), Ok(Value::Null)), Settled::Late);
        let (_, _, mut reply) = outgoing.start(Method::BlobsPut, &Value::Null).unwrap();
        outgoing.close("gone");
        assert!(reply.try_recv().unwrap().unwrap_err().is_transport());
        assert!(outgoing.start(Method::BlobsPut, &Value::Null).is_err());
    }
}
