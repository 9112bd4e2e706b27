//! The HTTP transport, as the StepFlow 0.9 runtime speaks it: every message is a `POST /`; a
//! request is answered `200 application/json`, or, from its first callback on, with a
//! `text/event-stream` (header `stepflow-instance-id`) whose events are the callbacks and whose
//! last event is the answer; the runtime POSTs its answers to the callbacks (`202 ""`).
//! Subprocess mode: listen on 127.0.0.1 (port 0 by default) and print `{"port": N}` on stdout;
//! SIGTERM or SIGINT ends the process with status 0.
//!
//! Copied verbatim into generated output (the generator prepends its header). hyper 1.x (server,
//! http1) on tokio, no framework.

use std::convert::Infallible;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};

use hyper::body::{Body as HttpBody, Bytes, Frame, Incoming as IncomingBody};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Request as HttpRequest, Response as HttpResponse, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::protocol::{
    Id, Method, Request, INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND,
};
use crate::rpc::{self, BoxFuture, Caller, Incoming, Outgoing, RpcError, Settled};
use crate::server::Server;

/// The header carrying the instance id on event streams (the runtime copies it back).
pub const INSTANCE_ID_HEADER: &str = "stepflow-instance-id";

const ACCEPTED: &str = "\"\"";

/// A response body: all at once, or a stream of server-sent events.
pub enum Body {
    /// The whole body.
    Full(Option<Bytes>),
    /// Events as they come; ends when the sender goes.
    Stream(mpsc::UnboundedReceiver<Bytes>),
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Body::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Body::Stream(events) => events.poll_recv(cx).map(|e| e.map(|d| Ok(Frame::data(d)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }
}

fn json_response(status: StatusCode, body: String) -> HttpResponse<Body> {
    let length = body.len();
    let mut response = HttpResponse::new(Body::Full(Some(Bytes::from(body))));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    response
}

/// What the handler of one request sends to the HTTP exchange.
enum Out {
    Event(String),
    Answer(String),
}

/// One POSTed request: answered with JSON, or with an event stream once it calls back.
struct Exchange {
    app: Arc<HttpApp>,
    events: mpsc::UnboundedSender<Out>,
    ids: Mutex<Vec<String>>,
}

impl Caller for Exchange {
    fn call(&self, method: Method, params: Value) -> BoxFuture<'_, Result<Value, RpcError>> {
        Box::pin(async move {
            let (id, text, receiver) = self.app.outgoing.start(method, &params)?;
            self.ids.lock().unwrap_or_else(|e| e.into_inner()).push(id.clone());
            if self.events.send(Out::Event(text)).is_err() {
                self.app.outgoing.forget(&id);
                return Err(RpcError::transport("the client went away"));
            }
            rpc::wait(receiver).await
        })
    }
}

/// The HTTP transport's state: the server and our callbacks waiting for their answers.
pub struct HttpApp {
    server: Arc<Server>,
    outgoing: Outgoing,
    instance: String,
}

impl HttpApp {
    /// An app serving `server`.
    pub fn new(server: Arc<Server>) -> Self {
        let instance = rpc::instance_id();
        Self { server, outgoing: Outgoing::new(&instance), instance }
    }

    /// Answers one HTTP request.
    pub async fn serve(self: Arc<Self>, request: HttpRequest<IncomingBody>) -> HttpResponse<Body> {
        let path = request.uri().path();
        let method = request.method().as_str();
        if path == "/health" {
            return if method == "GET" || method == "HEAD" {
                json_response(StatusCode::OK, r#"{"status":"healthy"}"#.to_string())
            } else {
                let body = r#"{"error":"method not allowed"}"#.to_string();
                json_response(StatusCode::METHOD_NOT_ALLOWED, body)
            };
        }
        if !path.is_empty() && path != "/" {
            return json_response(StatusCode::NOT_FOUND, r#"{"error":"not found"}"#.to_string());
        }
        if method != "POST" {
            let body = r#"{"error":"method not allowed"}"#.to_string();
            let mut response = json_response(StatusCode::METHOD_NOT_ALLOWED, body);
            response.headers_mut().insert("allow", HeaderValue::from_static("POST"));
            return response;
        }
        let ctype = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if ctype != "application/json" {
            let shown = if ctype.is_empty() { "(none)" } else { ctype.as_str() };
            let shown = Value::from(shown);
            let text = format!("Unsupported content type {shown}: use application/json");
            let body = rpc::error_text(None, INVALID_REQUEST, &text, None);
            return json_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, body);
        }
        match self.body(request.into_body()).await {
            Ok(data) => self.message(&data).await,
            Err(head) => {
                let id = rpc::prefix_id(&head);
                let limit = self.server.max_message;
                let text = format!("Invalid message: more than the limit of {limit} bytes");
                let body = rpc::error_text(id.as_ref(), INVALID_REQUEST, &text, None);
                json_response(StatusCode::PAYLOAD_TOO_LARGE, body)
            }
        }
    }

    /// The body, or its first KiB when it is over the limit (the rest is read and dropped).
    async fn body(&self, mut body: IncomingBody) -> Result<Vec<u8>, Vec<u8>> {
        let limit = self.server.max_message;
        let mut data: Vec<u8> = Vec::new();
        let mut over: Option<Vec<u8>> = None;
        loop {
            let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
            let Some(Ok(frame)) = frame else {
                break;
            };
            let Ok(chunk) = frame.into_data() else {
                continue;
            };
            if let Some(head) = over.as_mut() {
                if head.len() < 1024 {
                    head.extend_from_slice(&chunk[..chunk.len().min(1024 - head.len())]);
                }
                continue;
            }
            data.extend_from_slice(&chunk);
            if data.len() > limit {
                data.truncate(1024);
                over = Some(std::mem::take(&mut data));
            }
        }
        match over {
            Some(head) => Err(head),
            None => Ok(data),
        }
    }

    /// Handles one POSTed JSON-RPC message.
    pub async fn message(self: &Arc<Self>, data: &[u8]) -> HttpResponse<Body> {
        match rpc::decode(data, |id| self.outgoing.method_of(id)) {
            Incoming::Request(request) => self.exchange(request).await,
            Incoming::Notification(notification) => {
                self.server.notify(&notification);
                json_response(StatusCode::ACCEPTED, ACCEPTED.to_string())
            }
            Incoming::Response { id, result } => self.settled(Some(&id), Ok(result)),
            Incoming::Error { id, error } => self.settled(id.as_ref(), Err(error)),
            Incoming::Invalid { code, message, id, claimed } => {
                if claimed == rpc::Claimed::Response && id.is_some() {
                    let error = RpcError::new(code, message.clone(), None);
                    self.outgoing.settle(id.as_ref(), Err(error));
                }
                let ok = code == METHOD_NOT_FOUND || code == INVALID_PARAMS;
                let status = if ok { StatusCode::OK } else { StatusCode::BAD_REQUEST };
                json_response(status, rpc::error_text(id.as_ref(), code, &message, None))
            }
        }
    }

    fn settled(&self, id: Option<&Id>, answer: Result<Value, RpcError>) -> HttpResponse<Body> {
        if self.outgoing.settle(id, answer) == Settled::Unknown {
            let id_text = rpc::id_text(id);
            let text =
                format!("Invalid message: no request with id {id_text} is waiting for an answer");
            let body = rpc::error_text(id, INVALID_REQUEST, &text, None);
            json_response(StatusCode::BAD_REQUEST, body)
        } else {
            json_response(StatusCode::ACCEPTED, ACCEPTED.to_string())
        }
    }

    async fn exchange(self: &Arc<Self>, request: Request) -> HttpResponse<Body> {
        let (events, mut received) = mpsc::unbounded_channel::<Out>();
        let exchange = Arc::new(Exchange {
            app: Arc::clone(self),
            events: events.clone(),
            ids: Mutex::new(Vec::new()),
        });
        let server = Arc::clone(&self.server);
        let caller: Arc<dyn Caller> = Arc::clone(&exchange) as Arc<dyn Caller>;
        tokio::spawn(async move {
            let text = rpc::answer(request, |r| server.handle(r, caller)).await;
            let _ = events.send(Out::Answer(text));
        });
        let first = match received.recv().await {
            Some(Out::Answer(text)) => return json_response(StatusCode::OK, text),
            Some(Out::Event(text)) => text,
            None => {
                let body = rpc::error_text(None, INTERNAL_ERROR, "Internal error: no answer", None);
                return json_response(StatusCode::INTERNAL_SERVER_ERROR, body);
            }
        };
        let (body, stream) = mpsc::unbounded_channel::<Bytes>();
        let _ = body.send(Bytes::from(format!("data: {first}\n\n")));
        let app = Arc::clone(self);
        tokio::spawn(async move {
            while let Some(out) = received.recv().await {
                let (text, last) = match out {
                    Out::Event(text) => (text, false),
                    Out::Answer(text) => (text, true),
                };
                if body.send(Bytes::from(format!("data: {text}\n\n"))).is_err() {
                    let ids = std::mem::take(
                        &mut *exchange.ids.lock().unwrap_or_else(|e| e.into_inner()),
                    );
                    app.outgoing.fail_all(&ids, "the client went away");
                    app.server.warn("http: client went away before the answer");
                    break;
                }
                if last {
                    break;
                }
            }
        });
        let mut response = HttpResponse::new(Body::Stream(stream));
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        headers.insert("cache-control", HeaderValue::from_static("no-cache"));
        if let Ok(value) = HeaderValue::from_str(&self.instance) {
            headers.insert(INSTANCE_ID_HEADER, value);
        }
        response
    }
}

/// Serves HTTP on `host:port` until the process ends. Binds first, then (with `announce`)
/// prints exactly `{"port": N}` and a newline on stdout.
pub async fn serve_http(
    server: Arc<Server>,
    host: &str,
    port: u16,
    announce: bool,
) -> std::io::Result<()> {
    let listener = TcpListener::bind((host, port)).await?;
    let port = listener.local_addr()?.port();
    if announce {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{{\"port\": {port}}}")?;
        stdout.flush()?;
    }
    let app = Arc::new(HttpApp::new(server));
    let stop = shutdown();
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => return Ok(()),
        };
        let (stream, _) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                app.server.warn(&format!("http: accept failed: {error}"));
                continue;
            }
        };
        let app = Arc::clone(&app);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let app = Arc::clone(&app);
                async move { Ok::<_, Infallible>(app.serve(request).await) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            // a connection that fails (the client went away) ends quietly
            let _ = connection.await;
        });
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C): `serve_http` then returns and `main` exits 0.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
