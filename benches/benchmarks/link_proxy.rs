//! A slow link between a client and a server on loopback: a TCP proxy that holds every byte
//! half a round trip in each direction, lets bytes through no faster than the link's rate,
//! adds one round trip before a connection carries anything (TCP's handshake), and counts the
//! bytes each way and the connections.
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Bytes read from a socket at a time: a few TCP segments.
const CHUNK: usize = 16 * 1024;

/// What a link is: its round trip and its rate (the same both ways).
#[derive(Clone, Copy, Debug)]
pub struct Link {
    pub rtt: Duration,
    pub mbit: f64,
}

impl Link {
    /// How long `bytes` take to go through at the link's rate.
    pub fn transfer_time(&self, bytes: u64) -> Duration {
        Duration::from_secs_f64(bytes as f64 * 8.0 / (self.mbit * 1_000_000.0))
    }
}

/// What went over the link.
#[derive(Default)]
pub struct Counters {
    /// Client to server.
    pub up: AtomicU64,
    /// Server to client.
    pub down: AtomicU64,
    pub connections: AtomicUsize,
}

impl Counters {
    pub fn snapshot(&self) -> (u64, u64, usize) {
        (
            self.up.load(Ordering::SeqCst),
            self.down.load(Ordering::SeqCst),
            self.connections.load(Ordering::SeqCst),
        )
    }
}

pub struct LinkProxy {
    pub url: String,
    pub counters: Arc<Counters>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for LinkProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl LinkProxy {
    /// A proxy on 127.0.0.1 in front of `upstream`, behaving as `link`. Call inside a runtime.
    pub async fn start(upstream: SocketAddr, link: Link) -> std::io::Result<LinkProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let counters = Arc::new(Counters::default());
        let shared = counters.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let counters = shared.clone();
                tokio::spawn(async move {
                    let _ = carry(client, upstream, link, counters).await;
                });
            }
        });
        Ok(LinkProxy {
            url,
            counters,
            task,
        })
    }
}

/// One connection: a round trip for the handshake, then both directions through the link.
async fn carry(
    client: TcpStream,
    upstream: SocketAddr,
    link: Link,
    counters: Arc<Counters>,
) -> std::io::Result<()> {
    let server = TcpStream::connect(upstream).await?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    tokio::time::sleep(link.rtt).await;
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let up = direction(client_read, server_write, link, counters.clone(), true);
    let down = direction(server_read, client_write, link, counters, false);
    let _ = tokio::join!(up, down);
    Ok(())
}

/// Bytes from `from` reach `to` half a round trip after they left, no sooner than the link's
/// rate allows after the bytes before them.
async fn direction(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    link: Link,
    counters: Arc<Counters>,
    up: bool,
) {
    let (sender, mut receiver) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let one_way = link.rtt / 2;
    let reading = async move {
        let mut free_at = Instant::now();
        let mut buffer = vec![0; CHUNK];
        loop {
            let read = match from.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => read,
            };
            let counter = if up { &counters.up } else { &counters.down };
            counter.fetch_add(read as u64, Ordering::SeqCst);
            free_at = free_at.max(Instant::now()) + link.transfer_time(read as u64);
            if sender
                .send((free_at + one_way, buffer[..read].to_vec()))
                .is_err()
            {
                break;
            }
        }
    };
    let writing = async move {
        while let Some((due, bytes)) = receiver.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&bytes).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reading, writing);
}
