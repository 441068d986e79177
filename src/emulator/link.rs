//! The emulator as the far end of a slow link (`EmulatorOptions::link_rate`, `demo-server
//! --link-mbit`): every request body is read, and every answer's body sent, no faster than the
//! link's rate, each body on its own. The latency is held in the front middleware.
use std::time::Duration;

use axum::body::Body;
use axum::body::HttpBody as _;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::{Stream, StreamExt, stream};

/// `request` with its body read at most `bytes_per_second`: a client sending faster waits on
/// TCP's flow control, as it would behind the link.
pub fn paced_request(request: Request, bytes_per_second: u64) -> Request {
    request.map(|body| paced_body(body, bytes_per_second))
}

/// `response` with its body sent at most `bytes_per_second`, keeping the length it had: a
/// paced stream has no size of its own, and hyper would otherwise send it chunked.
pub fn paced_response(response: Response, bytes_per_second: u64) -> Response {
    let length = response.body().size_hint().exact();
    let mut response = response.map(|body| paced_body(body, bytes_per_second));
    if let Some(length) = length {
        response
            .headers_mut()
            .entry(header::CONTENT_LENGTH)
            .or_insert_with(|| HeaderValue::from(length));
    }
    response
}

fn paced_body(body: Body, bytes_per_second: u64) -> Body {
    Body::from_stream(paced(body.into_data_stream(), bytes_per_second))
}

/// The most bytes a paced body lets through at once: a few TCP segments, so a large chunk
/// trickles out as over a link instead of going in one burst.
const SLICE: usize = 16 * 1024;

/// Holds each slice of the body back until the link would have carried it, at
/// `bytes_per_second` from the start of the body.
pub fn paced<S, E>(
    chunks: S,
    bytes_per_second: u64,
) -> impl Stream<Item = Result<Bytes, E>> + Send + 'static
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Send + 'static,
{
    let started = tokio::time::Instant::now();
    let slices = chunks.flat_map(|chunk| {
        let slices: Vec<Result<Bytes, E>> = match chunk {
            Ok(chunk) => (0..chunk.len())
                .step_by(SLICE)
                .map(|at| Ok(chunk.slice(at..chunk.len().min(at + SLICE))))
                .collect(),
            Err(error) => vec![Err(error)],
        };
        stream::iter(slices)
    });
    stream::unfold(
        (Box::pin(slices), 0u64),
        move |(mut slices, sent)| async move {
            let slice = slices.next().await?;
            let sent = sent + slice.as_ref().map_or(0, |slice| slice.len() as u64);
            tokio::time::sleep_until(started + due_after(sent, bytes_per_second)).await;
            Some((slice, (slices, sent)))
        },
    )
    // A compressing layer may ask again after the end.
    .fuse()
}

/// When the link has carried the first `sent` bytes of a body, counted from its start.
fn due_after(sent: u64, bytes_per_second: u64) -> Duration {
    Duration::from_secs_f64(sent as f64 / bytes_per_second.max(1) as f64)
}

/// `--link-mbit N` as bytes per second.
pub fn rate_of_mbit(mbit: u32) -> u64 {
    u64::from(mbit) * 1_000_000 / 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_has_carried_bytes_at_its_rate() {
        assert_eq!(due_after(0, 1_000), Duration::ZERO);
        assert_eq!(due_after(3_000, 1_000), Duration::from_secs(3));
        // --link-mbit 1000: 125,000,000 bytes a second.
        assert_eq!(
            due_after(62_500_000, rate_of_mbit(1000)),
            Duration::from_millis(500)
        );
        // --link-mbit 2: a 1 MiB upload takes 4.19 s.
        assert_eq!(
            due_after(1 << 20, rate_of_mbit(2)),
            Duration::from_secs_f64(4.194304)
        );
    }

    #[tokio::test]
    async fn pacing_keeps_every_byte_in_order_in_slices() {
        let chunk = |i: u8| Bytes::from(vec![i; 40_000]);
        let sent = (0u8..4).map(move |i| Ok::<_, std::io::Error>(chunk(i)));
        let received: Vec<Bytes> = paced(stream::iter(sent), 1_000_000_000)
            .map(|slice| slice.expect("no error"))
            .collect()
            .await;
        assert!(received.iter().all(|slice| slice.len() <= SLICE));
        assert_eq!(
            received.concat(),
            (0u8..4).map(chunk).collect::<Vec<_>>().concat()
        );
    }

    #[tokio::test]
    async fn a_paced_answer_keeps_its_length_and_bytes() {
        let answer = Response::new(Body::from(vec![7u8; 5_000]));
        let paced = paced_response(answer, 1_000_000_000);
        assert_eq!(paced.headers()[header::CONTENT_LENGTH], "5000");
        let body = axum::body::to_bytes(paced.into_body(), usize::MAX)
            .await
            .expect("the body");
        assert_eq!(body, vec![7u8; 5_000]);
    }

    #[tokio::test]
    async fn a_paced_request_body_arrives_whole() {
        let request = Request::new(Body::from(vec![3u8; 70_000]));
        let paced = paced_request(request, 1_000_000_000);
        let body = axum::body::to_bytes(paced.into_body(), usize::MAX)
            .await
            .expect("the body");
        assert_eq!(body, vec![3u8; 70_000]);
    }
}
