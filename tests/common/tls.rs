//! A private CA made in the test, and a loopback HTTPS server with a certificate it signed, for
//! the tests of trusting an internal CA (`ca_file`, `SSL_CERT_FILE`). The server answers every
//! request with the JSON a script gives for its path; one request per connection.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A CA certificate (PEM, for clients to trust) and a server certificate it signed for
/// 127.0.0.1.
pub struct PrivateCa {
    pub ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
}

impl PrivateCa {
    pub fn new() -> PrivateCa {
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Ministry of Health test CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
        let server_key = rcgen::KeyPair::generate().expect("server key");
        let server_params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .expect("server certificate");
        PrivateCa {
            ca_pem: ca_cert.pem(),
            server_chain: vec![server_cert.der().clone()],
            server_key: server_key.serialize_der(),
        }
    }
}

/// A running HTTPS server; it stops accepting when dropped.
pub struct TlsServer {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl TlsServer {
    pub fn base_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
    }
}

/// Serves HTTPS on 127.0.0.1 with `ca`'s server certificate; `answer` maps a request path
/// (query left out) to a JSON body sent with 200.
pub fn serve(
    ca: &PrivateCa,
    answer: impl Fn(&str) -> serde_json::Value + Send + Sync + 'static,
) -> TlsServer {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ca.server_key.clone()));
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(ca.server_chain.clone(), key)
        .expect("server certificate");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    let accepted = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let answer = Arc::new(answer);
    {
        let accepted = accepted.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                accepted.fetch_add(1, Ordering::SeqCst);
                let config = config.clone();
                let answer = answer.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
                    let connection = rustls::ServerConnection::new(config).expect("connection");
                    let mut tls = rustls::StreamOwned::new(connection, stream);
                    let Some(path) = read_request_path(&mut BufReader::new(&mut tls)) else {
                        // A client that refuses our certificate ends here, in the handshake.
                        return;
                    };
                    let body = answer(&path).to_string();
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = tls.write_all(head.as_bytes());
                    let _ = tls.write_all(body.as_bytes());
                    let _ = tls.flush();
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                });
            }
        });
    }
    TlsServer {
        addr,
        accepted,
        stop,
    }
}

/// The path (query left out) of the request whose head `reader` holds, the head read whole.
fn read_request_path(reader: &mut impl BufRead) -> Option<String> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let target = line.split_whitespace().nth(1)?;
    let path = target.split('?').next()?.to_string();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header.trim().is_empty() {
            return Some(path);
        }
    }
}

/// What a DHIS2 2.41 answers to the paths a connection check and a list ask for.
pub fn dhis2_answer(path: &str) -> serde_json::Value {
    if path.ends_with("/system/info") {
        serde_json::json!({"version": "2.41.7", "systemName": "Ministry DHIS2"})
    } else if path.ends_with("/me") {
        serde_json::json!({"id": "M5zQapPyTZI", "username": "admin", "authorities": ["ALL"]})
    } else {
        serde_json::json!({
            "pager": {"page": 1, "pageCount": 1, "total": 1, "pageSize": 50},
            "documents": [super::hostile::document_json("RTkjSgLtdI6", "Behind the CA", "TacExtJuMmW")]
        })
    }
}
