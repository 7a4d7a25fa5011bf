//! The accept loop. We drive hyper ourselves (instead of `axum::serve`) for one reason:
//! the `drop` and `hang` faults must be able to close a client's TCP connection without
//! writing a response, and only the task that owns the connection can do that. Each
//! request carries a [`ConnControl`] for its connection. The same loop serves the TLS port
//! (`tls.rs`), the handshake first.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// Lets a handler close the connection its request arrived on.
#[derive(Clone, Default)]
pub struct ConnControl {
    kill: Arc<Notify>,
    /// The connection came in on the TLS port.
    pub tls: bool,
}

impl ConnControl {
    /// Drops the connection (no response bytes are written). Stores a permit, so it works
    /// even before the connection task starts waiting.
    pub fn kill(&self) {
        self.kill.notify_one();
    }
}

/// Serves `app` on `listener` forever (HTTP/1.1, keep-alive); over TLS with `tls`.
pub async fn serve(listener: TcpListener, app: Router, tls: Option<TlsAcceptor>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // e.g. EMFILE: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_connection(stream, app, false).await,
                Some(acceptor) => {
                    // A client that never finishes its handshake is dropped.
                    let handshake =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream));
                    if let Ok(Ok(stream)) = handshake.await {
                        serve_connection(stream, app, true).await;
                    }
                }
            }
        });
    }
}

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

async fn serve_connection<S>(stream: S, app: Router, tls: bool)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let ctl = ConnControl {
        tls,
        ..ConnControl::default()
    };
    let per_request = ctl.clone();
    let svc = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(per_request.clone());
        app.clone().oneshot(req.map(Body::new))
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        _ = conn => {}
        _ = ctl.kill.notified() => {}
    }
}
