//! The STDIO transport: one compact JSON-RPC message per line each way (`\n`, `\r\n` accepted,
//! blank lines skipped), both directions multiplexed by id. Every request is handled
//! concurrently; callbacks go out on stdout while the request waits and their answers come back
//! on stdin. A line longer than the limit is skipped as it streams in and answered -32600. On
//! EOF: callbacks still waiting fail, the requests in flight finish and are answered.
//!
//! Copied verbatim into generated output (the generator prepends its header).

use std::sync::Arc;

use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::protocol::{Method, INVALID_REQUEST};
use crate::rpc::{self, BoxFuture, Caller, Claimed, Incoming, Outgoing, RpcError, Settled};
use crate::server::Server;

const HEAD: usize = 1024;

/// A JSON-RPC peer over a line stream pair.
pub struct LinePeer {
    server: Arc<Server>,
    outgoing: Outgoing,
    out: mpsc::UnboundedSender<String>,
}

impl Caller for LinePeer {
    fn call(&self, method: Method, params: Value) -> BoxFuture<'_, Result<Value, RpcError>> {
        Box::pin(async move {
            let (id, text, receiver) = self.outgoing.start(method, &params)?;
            if self.out.send(text).is_err() {
                self.outgoing.forget(&id);
                return Err(RpcError::transport("the output stream is closed"));
            }
            rpc::wait(receiver).await
        })
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c))
}

impl LinePeer {
    fn send(&self, text: String) {
        if self.out.send(text).is_err() {
            self.server.warn("stdio: answer not written: the output stream is closed");
        }
    }

    /// Handles one incoming message (a line without its newline).
    fn receive(self: &Arc<Self>, line: &[u8], tasks: &mut JoinSet<()>) {
        match rpc::decode(line, |id| self.outgoing.method_of(id)) {
            Incoming::Request(request) => {
                let peer = Arc::clone(self);
                tasks.spawn(async move {
                    let caller: Arc<dyn Caller> = Arc::clone(&peer) as Arc<dyn Caller>;
                    let server = Arc::clone(&peer.server);
                    let text = rpc::answer(request, |r| server.handle(r, caller)).await;
                    peer.send(text);
                });
            }
            Incoming::Notification(notification) => self.server.notify(&notification),
            Incoming::Response { id, result } => {
                if self.outgoing.settle(Some(&id), Ok(result)) == Settled::Unknown {
                    let id_text = rpc::id_text(Some(&id));
                    let message = format!(
                        "Invalid message: no request with id {id_text} is waiting for an answer"
                    );
                    self.send(rpc::error_text(Some(&id), INVALID_REQUEST, &message, None));
                }
            }
            Incoming::Error { id, error } => {
                if self.outgoing.settle(id.as_ref(), Err(error.clone())) == Settled::Unknown {
                    // never answer an error answer: two peers could otherwise answer each other forever
                    let id_text = rpc::id_text(id.as_ref());
                    let message = format!(
                        "stdio: error answer to no request (id {id_text}): {}",
                        error.message
                    );
                    self.server.warn(&message);
                }
            }
            Incoming::Invalid { code, message, id, claimed } => {
                if claimed == Claimed::Response && id.is_some() {
                    let error = RpcError::new(code, message.clone(), None);
                    if self.outgoing.settle(id.as_ref(), Err(error)) != Settled::Unknown {
                        return;
                    }
                }
                if claimed == Claimed::Notification {
                    self.server.warn(&format!("stdio: bad notification ignored: {message}"));
                    return;
                }
                self.send(rpc::error_text(id.as_ref(), code, &message, None));
            }
        }
    }

    fn oversized(&self, size: usize, head: &[u8]) {
        let id = rpc::prefix_id(head);
        let limit = self.server.max_message;
        let text = format!("Invalid message: {size} bytes is more than the limit of {limit} bytes");
        if id.is_some() {
            let error = RpcError::new(INVALID_REQUEST, text.clone(), None);
            if self.outgoing.settle(id.as_ref(), Err(error)) != Settled::Unknown {
                return;
            }
        }
        self.server.warn(&format!("stdio: {text}"));
        self.send(rpc::error_text(id.as_ref(), INVALID_REQUEST, &text, None));
    }
}

/// Serves `server` on `input`/`output` until `input` ends, then lets the requests in flight
/// finish and flushes.
pub async fn serve<R, W>(server: Arc<Server>, input: R, output: W) -> std::io::Result<()>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (out, mut lines) = mpsc::unbounded_channel::<String>();
    let writer_server = Arc::clone(&server);
    let writer = tokio::spawn(async move {
        let mut output = output;
        let mut buffer = Vec::new();
        while let Some(text) = lines.recv().await {
            buffer.clear();
            buffer.extend_from_slice(text.as_bytes());
            buffer.push(b'\n');
            // what else is queued goes out in the same write
            while let Ok(more) = lines.try_recv() {
                buffer.extend_from_slice(more.as_bytes());
                buffer.push(b'\n');
            }
            let written = async {
                output.write_all(&buffer).await?;
                output.flush().await
            };
            if let Err(error) = written.await {
                writer_server.warn(&format!("stdio: cannot write: {error}"));
                break;
            }
        }
    });
    let peer = Arc::new(LinePeer {
        server: Arc::clone(&server),
        outgoing: Outgoing::new(&rpc::instance_id()),
        out,
    });
    let mut tasks = JoinSet::new();
    let read = read_lines(&peer, input, &mut tasks).await;
    if let Err(error) = &read {
        server.warn(&format!("stdio: reading failed: {error}"));
    }
    peer.outgoing.close("stdin was closed");
    while tasks.join_next().await.is_some() {}
    drop(peer);
    let _ = writer.await;
    Ok(())
}

async fn read_lines<R: AsyncBufRead + Unpin>(
    peer: &Arc<LinePeer>,
    mut input: R,
    tasks: &mut JoinSet<()>,
) -> std::io::Result<()> {
    let limit = peer.server.max_message;
    let mut parts: Vec<u8> = Vec::new();
    let mut discarding: Option<usize> = None;
    let mut head: Vec<u8> = Vec::new();
    loop {
        // reap the finished tasks as we go
        while tasks.try_join_next().is_some() {}
        let chunk = input.fill_buf().await?;
        if chunk.is_empty() {
            break;
        }
        let size = chunk.len();
        let mut pos = 0;
        while let Some(nl) = chunk[pos..].iter().position(|&b| b == b'\n') {
            let segment = &chunk[pos..pos + nl];
            if let Some(seen) = discarding.take() {
                peer.oversized(seen + segment.len(), &head);
            } else if parts.len() + segment.len() > limit {
                let mut h = parts.clone();
                h.extend_from_slice(&segment[..segment.len().min(HEAD)]);
                h.truncate(HEAD);
                peer.oversized(parts.len() + segment.len(), &h);
            } else if parts.is_empty() {
                if !is_blank(segment) {
                    peer.receive(segment, tasks);
                }
            } else {
                parts.extend_from_slice(segment);
                if !is_blank(&parts) {
                    peer.receive(&parts, tasks);
                }
            }
            parts.clear();
            pos += nl + 1;
        }
        let rest = &chunk[pos..];
        if let Some(seen) = discarding.as_mut() {
            *seen += rest.len();
        } else if !rest.is_empty() {
            parts.extend_from_slice(rest);
            if parts.len() > limit {
                discarding = Some(parts.len());
                head = parts[..HEAD.min(parts.len())].to_vec();
                parts = Vec::new();
            }
        }
        input.consume(size);
    }
    if let Some(seen) = discarding {
        peer.oversized(seen, &head);
    } else if !parts.is_empty() && !is_blank(&parts) {
        peer.receive(&parts, tasks);
    }
    Ok(())
}

/// Serves JSON-RPC on this process's stdin/stdout until stdin ends.
pub async fn serve_stdio(server: Arc<Server>) -> std::io::Result<()> {
    let input = BufReader::with_capacity(64 * 1024, tokio::io::stdin());
    serve(server, input, tokio::io::stdout()).await
}
