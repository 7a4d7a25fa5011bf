//! The accept loop. We drive hyper ourselves (instead of `axum::serve`) for one reason:
//! the `drop` and `hang` faults must be able to close a client's TCP connection without
//! writing a response, and only the task that owns the connection can do that. Each
//! request carries a [`ConnControl`] for its connection.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

/// Lets a handler close the connection its request arrived on.
#[derive(Clone, Default)]
pub struct ConnControl {
    kill: Arc<Notify>,
}

impl ConnControl {
    /// Drops the connection (no response bytes are written). Stores a permit, so it works
    /// even before the connection task starts waiting.
    pub fn kill(&self) {
        self.kill.notify_one();
    }
}

/// Serves `app` on `listener` forever (HTTP/1.1, keep-alive).
pub async fn serve(listener: TcpListener, app: Router) {
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
        tokio::spawn(async move {
            let ctl = ConnControl::default();
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
        });
    }
}
