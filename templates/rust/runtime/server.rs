//! A StepFlow component server: components register by name with typed input and output, get a
//! [`Context`] for the `blobs/put` / `blobs/get` callbacks, and are served over STDIO or HTTP
//! (StepFlow 0.9 subprocess mode). The error codes are the Python target's: unknown component
//! -32001, input that fails its validator -32602, a component's failure the method table's
//! execution-failed code (-32003 at 0.9), plus the JSON-RPC ones of the transports.
//!
//! Copied verbatim into generated output (the generator prepends its header). `components.rs`,
//! generated from a component manifest, registers an implementation of its `Components` trait.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::protocol::{Method, Notification, Request, INVALID_PARAMS, METHOD_NOT_FOUND};
use crate::rpc::{BoxFuture, Caller, RpcError, DEFAULT_MAX_MESSAGE};
use crate::runtime::{decode_value, DecodeError, Validate};

/// The error code of an unknown component.
pub const COMPONENT_NOT_FOUND: i64 = -32001;
/// The error code of a component that failed (the 0.9 SDK's).
pub const DEFAULT_EXECUTION_FAILED: i64 = -32003;
/// The protocol version `initialize` answers.
pub const PROTOCOL_VERSION: i64 = 1;

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Failed,
    Exact(i64),
    InvalidInput(Vec<String>),
}

/// Why a component did not produce its output.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentError {
    kind: Kind,
    message: String,
    data: Option<Value>,
}

impl ComponentError {
    /// A failure: answered with the execution-failed code, "Component execution failed: ...".
    pub fn new(message: impl Into<String>) -> Self {
        let message = message.into();
        Self { kind: Kind::Failed, message, data: None }
    }

    /// Answered with exactly this code, message and data.
    pub fn rpc(code: i64, message: impl Into<String>, data: Option<Value>) -> Self {
        let message = message.into();
        Self { kind: Kind::Exact(code), message, data }
    }

    /// An input that does not fit the component's input schema (-32602).
    pub fn invalid_input(error: &DecodeError) -> Self {
        let problems = match error {
            DecodeError::Invalid(errors) => errors.0.iter().map(ToString::to_string).collect(),
            DecodeError::Json(error) => vec![error.to_string()],
        };
        Self { kind: Kind::InvalidInput(problems), message: error.to_string(), data: None }
    }

    /// The error's message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ComponentError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for ComponentError {}

impl From<String> for ComponentError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&str> for ComponentError {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}

/// A failed callback fails the component (its text in the message).
impl From<RpcError> for ComponentError {
    fn from(error: RpcError) -> Self {
        Self::new(error.to_string())
    }
}

/// What a component gets besides its input: the execute's identity and the callbacks.
pub struct Context {
    caller: Arc<dyn Caller>,
    component: String,
    attempt: u32,
    observability: Value,
}

impl Context {
    /// A context for `component` calling back through `caller`.
    pub fn new(
        caller: Arc<dyn Caller>,
        component: &str,
        attempt: u32,
        observability: Value,
    ) -> Self {
        Self { caller, component: component.to_string(), attempt, observability }
    }

    /// The component as the runtime named it (`/math`).
    pub fn component(&self) -> &str {
        &self.component
    }

    /// The attempt number, 1-based.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The execute's observability context; copied into every callback.
    pub fn observability(&self) -> &Value {
        &self.observability
    }

    /// Sends a callback to the runtime (its observability added) and waits for its result.
    pub async fn call(
        &self,
        method: Method,
        params: Map<String, Value>,
    ) -> Result<Value, RpcError> {
        let mut params = params;
        params.insert("observability".to_string(), self.observability.clone());
        self.caller.call(method, Value::Object(params)).await
    }

    /// Stores `data` in the runtime's blob store (`blobs/put`, type `data`); its id.
    pub async fn put_blob(&self, data: Value) -> Result<String, RpcError> {
        self.put_blob_as(data, "data").await
    }

    /// Stores `data` as a blob of type `blob_type` (`data`, `flow`...); its id.
    pub async fn put_blob_as(&self, data: Value, blob_type: &str) -> Result<String, RpcError> {
        let mut params = Map::new();
        params.insert("data".to_string(), data);
        params.insert("blob_type".to_string(), Value::from(blob_type));
        let result = self.call(Method::BlobsPut, params).await?;
        match result.get("blob_id").and_then(Value::as_str) {
            Some(id) => Ok(id.to_string()),
            None => Err(RpcError::transport("blobs/put answered without a blob_id")),
        }
    }

    /// The data of blob `blob_id` (`blobs/get`).
    pub async fn get_blob(&self, blob_id: &str) -> Result<Value, RpcError> {
        let mut params = Map::new();
        params.insert("blob_id".to_string(), Value::from(blob_id));
        let mut result = self.call(Method::BlobsGet, params).await?;
        match result.get_mut("data") {
            Some(data) => Ok(data.take()),
            None => Err(RpcError::transport("blobs/get answered without data")),
        }
    }
}

type Execute =
    Arc<dyn Fn(Value, Context) -> BoxFuture<'static, Result<Value, ComponentError>> + Send + Sync>;

/// A component: its function and what `components/list` reports about it.
#[derive(Clone)]
pub struct Component {
    name: String,
    description: Option<String>,
    input_schema: Option<Value>,
    output_schema: Option<Value>,
    execute: Execute,
}

impl Component {
    /// A component taking and returning JSON values as received (no validation).
    pub fn untyped<F>(name: &str, execute: F) -> Self
    where
        F: Fn(Value, Context) -> BoxFuture<'static, Result<Value, ComponentError>>
            + Send
            + Sync
            + 'static,
    {
        Self {
            name: name.to_string(),
            description: None,
            input_schema: None,
            output_schema: None,
            execute: Arc::new(execute),
        }
    }

    /// A component of `implementation`: its input is decoded and validated
    /// ([`decode_value`]; -32602 when it does not fit), `call` runs it, its output is encoded.
    pub fn typed<C, I, O>(
        name: &str,
        implementation: &Arc<C>,
        call: for<'a> fn(&'a C, I, &'a Context) -> BoxFuture<'a, Result<O, ComponentError>>,
    ) -> Self
    where
        C: Send + Sync + 'static,
        I: DeserializeOwned + Validate + Send + 'static,
        O: Serialize + 'static,
    {
        let implementation = Arc::clone(implementation);
        Self::untyped(name, move |input, context| {
            let implementation = Arc::clone(&implementation);
            Box::pin(async move {
                let input: I =
                    decode_value(&input).map_err(|e| ComponentError::invalid_input(&e))?;
                let output = call(&implementation, input, &context).await?;
                serde_json::to_value(output)
                    .map_err(|e| ComponentError::new(format!("the output does not encode: {e}")))
            })
        })
    }

    /// With this description.
    pub fn description(mut self, description: Option<&str>) -> Self {
        self.description = description.map(str::to_string);
        self
    }

    /// With these canonical schemas (reported verbatim by `components/list` and `components/info`).
    pub fn schemas(mut self, input: Value, output: Value) -> Self {
        self.input_schema = Some(input);
        self.output_schema = Some(output);
        self
    }

    /// With this description and these canonical schemas (JSON text, parsed here, once).
    ///
    /// # Panics
    /// When a schema is not JSON text (the generated ones always are).
    pub fn described(self, description: Option<&str>, input: &str, output: &str) -> Self {
        let parse = |text: &str| -> Value {
            serde_json::from_str(text).expect("a generated schema is JSON")
        };
        self.description(description).schemas(parse(input), parse(output))
    }

    fn info(&self) -> Value {
        let mut out = Map::new();
        out.insert("component".to_string(), Value::from(self.name.as_str()));
        if let Some(description) = &self.description {
            out.insert("description".to_string(), Value::from(description.as_str()));
        }
        if let Some(schema) = &self.input_schema {
            out.insert("input_schema".to_string(), schema.clone());
        }
        if let Some(schema) = &self.output_schema {
            out.insert("output_schema".to_string(), schema.clone());
        }
        Value::Object(out)
    }
}

/// Which transport `main` serves without `--stdio` or `--http`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Newline-delimited JSON-RPC on stdin/stdout.
    Stdio,
    /// HTTP as StepFlow 0.9 speaks it (subprocess mode).
    Http,
}

/// The component server: a registry of components and the `clientToServer` handlers.
pub struct Server {
    components: BTreeMap<String, Component>,
    execution_failed: i64,
    /// Largest message accepted, in bytes (STDIO line, HTTP body).
    pub max_message: usize,
    /// What `main` serves without `--stdio` or `--http` (default HTTP, what StepFlow 0.9 speaks).
    pub default_transport: Transport,
    level: u8,
}

impl Default for Server {
    fn default() -> Self {
        Self::new(DEFAULT_EXECUTION_FAILED)
    }
}

fn rank(level: &str) -> u8 {
    match level.to_ascii_lowercase().as_str() {
        "debug" => 10,
        "info" => 20,
        "error" => 40,
        "critical" => 50,
        _ => 30,
    }
}

impl Server {
    /// An empty server answering a component's failure with `execution_failed`.
    pub fn new(execution_failed: i64) -> Self {
        let level = std::env::var("LOG_LEVEL").map(|l| rank(&l)).unwrap_or(30);
        Self {
            components: BTreeMap::new(),
            execution_failed,
            max_message: DEFAULT_MAX_MESSAGE,
            default_transport: Transport::Http,
            level,
        }
    }

    /// Sets the log level: debug, info, warning, error, critical.
    pub fn set_log_level(&mut self, level: &str) {
        self.level = rank(level);
    }

    /// Logs a warning (transport problems) on stderr.
    pub fn warn(&self, message: &str) {
        if self.level <= 30 {
            eprintln!("{message}");
        }
    }

    /// Logs at info level (a component's failure) on stderr.
    pub fn info(&self, message: &str) {
        if self.level <= 20 {
            eprintln!("{message}");
        }
    }

    /// Registers a component as `/<name>` (a leading `/` is kept).
    ///
    /// # Panics
    /// When a component of that name is registered already.
    pub fn component(&mut self, mut component: Component) -> &mut Self {
        if !component.name.starts_with('/') {
            component.name = format!("/{}", component.name);
        }
        let name = component.name.clone();
        assert!(
            self.components.insert(name.clone(), component).is_none(),
            "component {name} is registered twice"
        );
        self
    }

    fn lookup(&self, component: &str) -> Result<&Component, RpcError> {
        let found = self.components.get(component).or_else(|| {
            let slashed = format!("/{component}");
            self.components.get(&slashed)
        });
        found.ok_or_else(|| {
            let message = format!("Component '{component}' not found");
            RpcError::new(COMPONENT_NOT_FOUND, message, Some(json!({ "component": component })))
        })
    }

    /// Answers one request (the transports' handler).
    pub fn handle(
        self: &Arc<Self>,
        request: Request,
        caller: Arc<dyn Caller>,
    ) -> BoxFuture<'static, Result<Value, RpcError>> {
        let server = Arc::clone(self);
        Box::pin(async move {
            match request {
                Request::Initialize(_) => {
                    Ok(json!({ "server_protocol_version": PROTOCOL_VERSION }))
                }
                Request::ComponentsList(_) => {
                    let list: Vec<Value> =
                        server.components.values().map(Component::info).collect();
                    Ok(json!({ "components": list }))
                }
                Request::ComponentsInfo(request) => {
                    let entry = server.lookup(&request.params.component)?;
                    Ok(json!({ "info": entry.info() }))
                }
                Request::ComponentsExecute(request) => {
                    let params = request.params;
                    let observability =
                        serde_json::to_value(&params.observability).unwrap_or(Value::Null);
                    let context =
                        Context::new(caller, &params.component, params.attempt, observability);
                    server.execute(&params.component, params.input, context).await
                }
                other => {
                    let message = format!("Method not found: {}", other.method());
                    Err(RpcError::new(METHOD_NOT_FOUND, message, None))
                }
            }
        })
    }

    /// Handles one notification (`initialized`; nothing to do).
    pub fn notify(&self, notification: &Notification) {
        self.info(&format!("notification {}", notification.method()));
    }

    async fn execute(
        &self,
        component: &str,
        input: Value,
        context: Context,
    ) -> Result<Value, RpcError> {
        let entry = self.lookup(component)?;
        let name = entry.name.clone();
        match (entry.execute)(input, context).await {
            Ok(output) => Ok(json!({ "output": output })),
            Err(error) => Err(match error.kind {
                Kind::Exact(code) => RpcError::new(code, error.message, error.data),
                Kind::InvalidInput(problems) => {
                    let message = format!("Invalid input for component {name}: {}", error.message);
                    let data = json!({ "component": name, "problems": problems });
                    RpcError::new(INVALID_PARAMS, message, Some(data))
                }
                Kind::Failed => {
                    self.info(&format!("component {name} failed: {}", error.message));
                    let message = format!("Component execution failed: {}", error.message);
                    let data = error.data.unwrap_or_else(
                        || json!({ "component": name, "exception": "ComponentError" }),
                    );
                    RpcError::new(self.execution_failed, message, Some(data))
                }
            }),
        }
    }

    /// Serves on stdin/stdout until stdin closes, then finishes the work in flight.
    pub async fn serve_stdio(self) -> std::io::Result<()> {
        crate::stdio::serve_stdio(Arc::new(self)).await
    }

    /// Serves HTTP on `host:port` (port 0: any), printing `{"port": N}` once listening.
    pub async fn serve_http(self, host: &str, port: u16) -> std::io::Result<()> {
        crate::http::serve_http(Arc::new(self), host, port, true).await
    }

    /// The command line of a server: `--stdio | --http [--host H] [--port N]
    /// [--max-message BYTES] [--log-level debug|info|warning|error|critical]`.
    pub async fn main(mut self, args: Vec<String>) -> std::io::Result<()> {
        let mut transport = self.default_transport;
        let mut host = "127.0.0.1".to_string();
        let mut port: u16 = 0;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next().ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!("{arg} needs a value"),
                    )
                })
            };
            match arg.as_str() {
                "--stdio" => transport = Transport::Stdio,
                "--http" => transport = Transport::Http,
                "--host" => host = value()?,
                "--port" => port = number(&value()?)?,
                "--max-message" => self.max_message = number(&value()?)?,
                "--log-level" => self.set_log_level(&value()?),
                other => {
                    let message = format!("unknown argument {other}");
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, message));
                }
            }
        }
        match transport {
            Transport::Http => self.serve_http(&host, port).await,
            Transport::Stdio => self.serve_stdio().await,
        }
    }
}

fn number<T: std::str::FromStr>(text: &str) -> std::io::Result<T> {
    text.parse().map_err(|_| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("not a number: {text}"))
    })
}

/// Runs `server.main` with the process's arguments on a tokio runtime; the exit code (2 for a
/// bad command line or a failed transport, with the reason on stderr).
pub fn run(server: Server) -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the tokio runtime: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    match runtime.block_on(server.main(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            std::process::ExitCode::from(2)
        }
    }
}
