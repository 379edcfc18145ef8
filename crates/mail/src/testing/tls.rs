//! Implicit TLS in front of a plain test server (IMAPS on 993, SMTPS on 465 in real
//! life): a loopback port that terminates TLS with the test certificate and relays
//! the bytes to the server's plain port. The servers themselves offer only STARTTLS.

use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::{TEST_CERTIFICATE_PEM, TEST_KEY_PEM};

pub(crate) struct TlsTerminator {
    pub(crate) port: u16,
    task: JoinHandle<()>,
}

impl TlsTerminator {
    pub(crate) async fn start(backend_port: u16) -> TlsTerminator {
        let certificates: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(TEST_CERTIFICATE_PEM.as_bytes())
                .collect::<Result<_, _>>()
                .expect("the test certificate");
        let key = PrivateKeyDer::from_pem_slice(TEST_KEY_PEM.as_bytes()).expect("the test key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .expect("a server configuration");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(socket).await else {
                        return;
                    };
                    let Ok(mut plain) = TcpStream::connect(("127.0.0.1", backend_port)).await
                    else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        TlsTerminator { port, task }
    }
}

impl Drop for TlsTerminator {
    fn drop(&mut self) {
        self.task.abort();
    }
}
