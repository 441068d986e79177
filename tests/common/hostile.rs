//! Small hostile HTTP/1.1 servers on 127.0.0.1, written for one fault each: a script gets every
//! request's head and the connection, and writes whatever bytes, at whatever pace, the fault
//! needs (an answer before the body is read, a trickle, a body that never ends, echoed headers).
//! One request per connection (`Connection: close`); the server stops when dropped.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The head of a request as the server read it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// The path with its query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The path without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// A query parameter's raw value.
    pub fn query(&self, key: &str) -> Option<&str> {
        let (_, query) = self.target.split_once('?')?;
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

/// One accepted connection, its request head already read.
pub struct Conn {
    stream: BufReader<TcpStream>,
}

impl Conn {
    /// Reads the request body (Content-Length or chunked).
    pub async fn read_body(&mut self, request: &Request) -> Vec<u8> {
        let mut body = Vec::new();
        if let Some(length) = request
            .header("content-length")
            .and_then(|v| v.trim().parse::<usize>().ok())
        {
            body.resize(length, 0);
            let _ = self.stream.read_exact(&mut body).await;
        } else if request
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        {
            loop {
                let mut size_line = String::new();
                if self.stream.read_line(&mut size_line).await.unwrap_or(0) == 0 {
                    break;
                }
                let size = usize::from_str_radix(size_line.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; size + 2];
                if size == 0 || self.stream.read_exact(&mut chunk).await.is_err() {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        }
        body
    }

    pub async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.get_mut().write_all(bytes).await?;
        self.stream.get_mut().flush().await
    }

    /// A status line and headers; `Connection: close` is added.
    pub async fn head(&mut self, status: u16, headers: &[(&str, &str)]) -> std::io::Result<()> {
        let mut text = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        for (key, value) in headers {
            text.push_str(&format!("{key}: {value}\r\n"));
        }
        text.push_str("Connection: close\r\n\r\n");
        self.write(text.as_bytes()).await
    }

    /// A whole answer with an honest Content-Length.
    pub async fn respond(&mut self, status: u16, content_type: &str, body: &[u8]) {
        let length = body.len().to_string();
        let _ = self
            .head(
                status,
                &[("Content-Type", content_type), ("Content-Length", &length)],
            )
            .await;
        let _ = self.write(body).await;
    }

    pub async fn json(&mut self, status: u16, body: &serde_json::Value) {
        self.respond(status, "application/json", body.to_string().as_bytes())
            .await;
    }

    /// One chunk of a `Transfer-Encoding: chunked` body (an empty one ends the body).
    pub async fn chunk(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let mut framed = format!("{:x}\r\n", bytes.len()).into_bytes();
        framed.extend_from_slice(bytes);
        framed.extend_from_slice(b"\r\n");
        self.write(&framed).await
    }

    /// Writes `bytes` one at a time, `every` apart, until the client hangs up.
    pub async fn trickle(&mut self, bytes: &[u8], every: Duration) {
        for byte in bytes {
            if self.write(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(every).await;
        }
    }

    /// Announces a long (100 kB) JSON body, then sends a byte every 50 ms: never idle for a
    /// read timeout, so only a total deadline ends it.
    pub async fn trickle_json(mut self) {
        let _ = self
            .head(
                200,
                &[
                    ("Content-Type", "application/json"),
                    ("Content-Length", "100000"),
                ],
            )
            .await;
        self.trickle(&[b' '; 100_000], Duration::from_millis(50))
            .await;
    }

    /// Reads what the client sent first (one read), for raw scripts that answer after it.
    pub async fn read_some(&mut self) -> Vec<u8> {
        let mut buffer = vec![0u8; 16 * 1024];
        let read = self.stream.read(&mut buffer).await.unwrap_or(0);
        buffer.truncate(read);
        buffer
    }

    /// Waits until the client closes the connection (or `limit` passes), reading and dropping
    /// what it sends.
    pub async fn linger(&mut self, limit: Duration) {
        let mut sink = [0u8; 8192];
        let _ = tokio::time::timeout(limit, async {
            while matches!(self.stream.read(&mut sink).await, Ok(n) if n > 0) {}
        })
        .await;
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        401 => "Unauthorized",
        404 => "Not Found",
        409 => "Conflict",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

/// A running hostile server. Dropping it stops it.
pub struct Hostile {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Request>>>,
    accepted: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Hostile {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request head received so far, in order.
    pub fn seen(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }

    /// The address as an https:// URL (for a client that must find no TLS there).
    pub fn https_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Connections accepted so far (with or without a readable request).
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// How many requests went to a path ending in `end` (query ignored).
    pub fn count(&self, method: &str, end: &str) -> usize {
        self.seen()
            .iter()
            .filter(|r| r.method == method && r.path().ends_with(end))
            .count()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a server that hands each request to `script`.
pub async fn serve<F, Fut>(script: F) -> Hostile
where
    F: Fn(Request, Conn) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let script = Arc::new(script);
    start(move |seen, mut stream| {
        let script = script.clone();
        async move {
            let Some(request) = read_head(&mut stream).await else {
                return;
            };
            seen.lock().unwrap().push(request.clone());
            script(request, Conn { stream }).await;
        }
    })
    .await
}

/// Starts a server that hands each connection to `script` before reading anything from it:
/// for servers that answer whatever arrives (plain HTTP answering a TLS handshake).
pub async fn serve_raw<F, Fut>(script: F) -> Hostile
where
    F: Fn(Conn) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let script = Arc::new(script);
    start(move |_, stream| script(Conn { stream })).await
}

async fn start<F, Fut>(handle: F) -> Hostile
where
    F: Fn(Arc<Mutex<Vec<Request>>>, BufReader<TcpStream>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let accepted = Arc::new(AtomicUsize::new(0));
    let task = {
        let seen = seen.clone();
        let accepted = accepted.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(handle(seen.clone(), BufReader::new(stream)));
            }
        })
    };
    Hostile {
        addr,
        seen,
        accepted,
        task,
    }
}

async fn read_head(stream: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    stream.read_line(&mut line).await.ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((key, value)) = line.split_once(':') {
            headers.push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    Some(Request {
        method,
        target,
        headers,
    })
}

/// A file resource as DHIS2 2.41 writes it, for scripts that answer metadata reads.
pub fn file_resource_json(
    uid: &str,
    name: &str,
    length: u64,
    md5: Option<&str>,
) -> serde_json::Value {
    let mut value = serde_json::json!({
        "id": uid, "name": name, "displayName": name,
        "contentType": "application/octet-stream", "contentLength": length,
        "domain": "DOCUMENT", "storageStatus": "STORED",
        "created": "2025-03-04T10:11:12.345", "lastUpdated": "2025-03-04T10:11:12.345"
    });
    if let Some(md5) = md5 {
        value["contentMd5"] = md5.into();
    }
    value
}

/// A document pointing at file resource `fr`.
pub fn document_json(uid: &str, name: &str, fr: &str) -> serde_json::Value {
    serde_json::json!({
        "id": uid, "name": name, "displayName": name, "url": fr, "external": false,
        "created": "2025-03-04T10:11:12.345", "lastUpdated": "2025-03-04T10:11:12.345"
    })
}
