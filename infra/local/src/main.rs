//! `wangban-local`: the whole platform in one process on SQLite + local files.
//!
//! `WANGBAN_ADDR` (default 127.0.0.1:8080) and `WANGBAN_DATA_DIR` (default ./data); the other
//! variables are those of `wangban_shared::config`. Seeds the demo catalogue, staff and published
//! complaints and letters on first start.
//!
//! On SIGINT or SIGTERM it stops accepting connections and gives requests in flight
//! [`SHUTDOWN_GRACE`] to finish; then it exits anyway (status 1), so a client holding a
//! half-sent request cannot keep it alive. A second Ctrl-C exits at once (status 130).

use std::{future::IntoFuture, net::SocketAddr, time::Duration};

use axum::Router;
use tokio::net::TcpListener;
use wangban_shared::{
    config::{AppContext, Links},
    runtime, seed,
};

/// How long requests in flight may take to finish once a shutdown was asked for.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    runtime::init_tracing();
    let addr: SocketAddr = std::env::var("WANGBAN_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:8080".into())
        .parse()
        .map_err(|e| format!("WANGBAN_ADDR: {e}"))?;
    let ctx = AppContext::from_env(Links::EMBEDDED).await?;
    let outcome = seed::load_catalogue(ctx.store.as_ref(), ctx.docs.as_ref()).await?;
    tracing::info!(?outcome, "demo catalogue");
    seed_staff(&ctx).await?;
    let demo = seed::load_demo_submissions(ctx.store.as_ref()).await?;
    tracing::info!(created = demo, "demo complaints and letters");
    let loaded = wangban_interaction::demo::seed(&ctx).await?;
    tracing::info!(loaded, "demo interaction data");
    tokio::spawn(sweep_forever(ctx.clone()));
    let listener = TcpListener::bind(addr).await.map_err(|e| format!("bind {addr}: {e}"))?;
    tracing::info!(%addr, "wangban local server listening");
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match serve(listener, wangban_local::app(ctx), shutdown(), SHUTDOWN_GRACE, interrupt).await? {
        Stopped::Drained => {
            tracing::info!("stopped");
            Ok(())
        }
        Stopped::GraceExpired => {
            tracing::warn!(
                grace_seconds = SHUTDOWN_GRACE.as_secs(),
                "requests still in flight; exiting anyway"
            );
            std::process::exit(1)
        }
        Stopped::Interrupted => {
            tracing::warn!("interrupted again; exiting at once");
            std::process::exit(130)
        }
    }
}

/// How [`serve`] ended.
#[derive(Debug, PartialEq, Eq)]
enum Stopped {
    /// Every connection finished after the shutdown signal.
    Drained,
    /// Connections were still open when the grace period ran out.
    GraceExpired,
    /// `interrupt` fired while draining.
    Interrupted,
}

/// Serves `app` until `signal`, then drains connections for at most `grace`, or until
/// `interrupt` (polled only once `signal` fired, so it can wait for a second Ctrl-C).
async fn serve(
    listener: TcpListener,
    app: Router,
    signal: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
    interrupt: impl Future<Output = ()>,
) -> std::io::Result<Stopped> {
    let (signalled, on_signal) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            signal.await;
            tracing::info!("shutting down");
            let _ = signalled.send(());
        })
        .into_future();
    let deadline = async {
        if on_signal.await.is_err() {
            // The server ended without a signal; its own result decides.
            std::future::pending::<()>().await;
        }
        tokio::select! {
            () = tokio::time::sleep(grace) => Stopped::GraceExpired,
            () = interrupt => Stopped::Interrupted,
        }
    };
    tokio::select! {
        result = server => result.map(|()| Stopped::Drained),
        stopped = deadline => Ok(stopped),
    }
}

/// Creates the demo staff on first start; their password comes from `WANGBAN_DEMO_PASSWORD` or
/// is generated and printed once, here, for local use only.
async fn seed_staff(ctx: &AppContext) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let configured = std::env::var("WANGBAN_DEMO_PASSWORD").ok().filter(|p| !p.is_empty());
    let password = configured.clone().unwrap_or_else(seed::generate_password);
    let created = seed::load_demo_staff(ctx.store.as_ref(), &password, ctx.clock.now()).await?;
    if created > 0 && configured.is_none() {
        // Deliberately not through the log: a password must not reach log storage.
        eprintln!(
            "\n  Demo staff accounts created (clerk-, reviewer- and admin-<departmentId>, admin, supervisor).\n  \
             Their password, shown only this once: {password}\n  \
             (set WANGBAN_DEMO_PASSWORD before the first start to choose it; local use only)\n"
        );
    }
    tracing::info!(created, "demo staff");
    Ok(())
}

/// The statutory clock: deemed acceptance, every `WANGBAN_SWEEP_SECONDS` (default 60).
async fn sweep_forever(ctx: AppContext) {
    let seconds = std::env::var("WANGBAN_SWEEP_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60u64);
    let mut timer = tokio::time::interval(std::time::Duration::from_secs(seconds.max(1)));
    loop {
        timer.tick().await;
        if let Err(e) = wangban_decision::sweeper::sweep(&ctx).await {
            tracing::error!(code = e.code, "sweep failed");
        }
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use axum::routing::post;

    use super::*;

    async fn start(
        grace: Duration,
        interrupt: impl Future<Output = ()> + Send + 'static,
    ) -> (SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<Stopped>>)
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route("/", post(|body: String| async move { body }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let signal = async {
            let _ = stopped.await;
        };
        (addr, stop, tokio::spawn(serve(listener, app, signal, grace, interrupt)))
    }

    /// Connects and sends the headers and part of a body, then keeps the connection open.
    async fn half_sent_request(addr: SocketAddr) -> std::net::TcpStream {
        let mut client = std::net::TcpStream::connect(addr).unwrap();
        client.write_all(b"POST / HTTP/1.1\r\nHost: local\r\nContent-Length: 100\r\n\r\nhalf").unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await; // the server is reading the body
        client
    }

    async fn outcome(server: tokio::task::JoinHandle<std::io::Result<Stopped>>) -> Stopped {
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("the server stops within the grace period")
            .unwrap()
            .unwrap()
    }

    #[tokio::test]
    async fn an_idle_server_stops_at_once() {
        let (_, stop, server) = start(Duration::from_secs(60), std::future::pending()).await;
        stop.send(()).unwrap();
        assert_eq!(outcome(server).await, Stopped::Drained);
    }

    #[tokio::test]
    async fn a_half_sent_request_holds_shutdown_only_for_the_grace_period() {
        let (addr, stop, server) = start(Duration::from_millis(300), std::future::pending()).await;
        let _client = half_sent_request(addr).await;
        stop.send(()).unwrap();
        assert_eq!(outcome(server).await, Stopped::GraceExpired);
    }

    #[tokio::test]
    async fn a_second_interrupt_stops_at_once() {
        let (interrupt, interrupted) = tokio::sync::oneshot::channel::<()>();
        let interrupted = async {
            let _ = interrupted.await;
        };
        let (addr, stop, server) = start(Duration::from_secs(60), interrupted).await;
        let _client = half_sent_request(addr).await;
        stop.send(()).unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        interrupt.send(()).unwrap();
        assert_eq!(outcome(server).await, Stopped::Interrupted);
    }
}
