//! Streams a stored blob as DHIS2's `/data` endpoints do (dhis2-api.md §3.7, §4.6).

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{StreamExt, stream};

use super::model::FileResource;
use super::state::AppState;
use super::version::Change;
use super::web_message::WebMessage;

/// Bytes read per blocking-pool hop: large reads, few hops.
const CHUNK: usize = 256 * 1024;

/// `Content-Disposition: filename=<name>`: raw, unquoted. The servlet container writes header
/// values as ISO-8859-1, so Latin-1 letters arrive as single (non-UTF-8) bytes and anything
/// beyond Latin-1, or a control character, as `?`.
pub fn content_disposition(name: &str) -> HeaderValue {
    let mut bytes = b"filename=".to_vec();
    for c in name.chars() {
        let code = c as u32;
        let byte = if (0x20..0x7f).contains(&code) || (0xa0..=0xff).contains(&code) {
            code as u8
        } else {
            b'?'
        };
        bytes.push(byte);
    }
    HeaderValue::from_bytes(&bytes).unwrap_or_else(|_| HeaderValue::from_static("filename=file"))
}

/// The 500 of a download whose blob is not in the store yet: `Content-Type` was already set to
/// the file's type, so the error body does not render and arrives empty.
fn not_stored(content_type: &str) -> Response {
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// A `/data` answer for `fr`, requested at `path`: "not stored yet" while PENDING, else the
/// blob, cut short by a pending fault for `path` (the link's pacing is the front
/// middleware's).
pub async fn serve_stored(state: &AppState, fr: &FileResource, path: &str) -> Response {
    if !fr.is_stored() {
        return not_stored(&fr.content_type);
    }
    let drop_after = state.faults.take_drop_after(path);
    serve(state, &fr.blob, &fr.content_type, &fr.name, drop_after).await
}

/// 200 with the blob, `Content-Type`, `Content-Length`, `Content-Disposition` and the security
/// headers; with `drop_after`, only that many bytes before the connection is cut.
async fn serve(
    state: &AppState,
    path: &Path,
    content_type: &str,
    name: &str,
    drop_after: Option<u64>,
) -> Response {
    let file = match tokio::fs::File::open(path).await {
        Ok(file) => file,
        Err(e) => {
            tracing::debug!("emulator: a stored blob does not open: {e}");
            // The store's IOException, in each release's words (§3.7, §13.2).
            let (message, dev_message) = if state.version.has(Change::Texts243) {
                (
                    "Failed to fetch file resource from storage",
                    "Exception occurred while fetching file resource from the storage backend",
                )
            } else {
                (
                    "Failed fetching the file from storage",
                    "There was an exception when trying to fetch the file from the storage backend",
                )
            };
            return WebMessage::error(StatusCode::INTERNAL_SERVER_ERROR, message)
                .dev_message(dev_message)
                .into_response();
        }
    };
    let length = match file.metadata().await {
        Ok(meta) => meta.len(),
        Err(_) => 0,
    };
    let chunks = file_chunks(file.into_std().await);
    let body = match drop_after {
        None => Body::from_stream(chunks),
        Some(limit) => Body::from_stream(cut_after(chunks, limit)),
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(header::CONTENT_DISPOSITION, content_disposition(name));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("script-src 'none'; "),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "x-xss-protection",
        HeaderValue::from_static("1; mode=block"),
    );
    response
}

/// The file as `CHUNK`-sized `Bytes`, each read on the blocking pool straight into the buffer
/// that is sent (tokio's `File` would read into its own buffer and copy).
fn file_chunks(
    file: std::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    stream::unfold(Some(file), |file| async move {
        let file = file?;
        let read = tokio::task::spawn_blocking(move || {
            let mut buffer = Vec::with_capacity(CHUNK);
            let n = (&file).take(CHUNK as u64).read_to_end(&mut buffer)?;
            Ok::<_, std::io::Error>((file, buffer, n))
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|read| read);
        match read {
            Ok((_, _, 0)) => None,
            Ok((file, buffer, _)) => Some((Ok(Bytes::from(buffer)), Some(file))),
            Err(e) => Some((Err(e), None)),
        }
    })
    // A compressing layer (`--compress`, a JSON file) may ask again after the end.
    .fuse()
}

/// Passes `limit` bytes through, then fails the body so hyper aborts the connection.
fn cut_after<S>(chunks: S, limit: u64) -> impl futures_util::Stream<Item = std::io::Result<Bytes>>
where
    S: futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
{
    stream::unfold(
        (Box::pin(chunks), 0u64, false),
        move |(mut chunks, sent, done)| async move {
            if done {
                return None;
            }
            if sent >= limit {
                // Let hyper flush what was sent before the connection is torn down.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let cut = std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "emulator fault: connection dropped",
                );
                return Some((Err(cut), (chunks, sent, true)));
            }
            match chunks.next().await? {
                Err(e) => Some((Err(e), (chunks, sent, true))),
                Ok(chunk) => {
                    let room = usize::try_from(limit - sent).unwrap_or(usize::MAX);
                    let chunk = if chunk.len() > room {
                        chunk.slice(..room)
                    } else {
                        chunk
                    };
                    let sent = sent + chunk.len() as u64;
                    Some((Ok(chunk), (chunks, sent, false)))
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_is_raw_latin1() {
        assert_eq!(
            content_disposition("a b.pdf").as_bytes(),
            b"filename=a b.pdf"
        );
        assert_eq!(
            content_disposition("r\u{e9}sum\u{e9}\u{2013}x\n.txt").as_bytes(),
            b"filename=r\xe9sum\xe9?x?.txt"
        );
    }
}
