//! `wangban-local`: the whole platform in one process on SQLite + local files.
//!
//! `WANGBAN_ADDR` (default 127.0.0.1:8080) and `WANGBAN_DATA_DIR` (default ./data); the other
//! variables are those of `wangban_shared::config`. Seeds the demo catalogue on first start.

use std::net::SocketAddr;

use wangban_shared::{config::AppContext, runtime, seed};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    runtime::init_tracing();
    let addr: SocketAddr = std::env::var("WANGBAN_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:8080".into())
        .parse()
        .map_err(|e| format!("WANGBAN_ADDR: {e}"))?;
    let ctx = AppContext::from_env()?;
    let outcome = seed::load_catalogue(ctx.store.as_ref(), ctx.docs.as_ref()).await?;
    tracing::info!(?outcome, "demo catalogue");
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("bind {addr}: {e}"))?;
    tracing::info!(%addr, "wangban local server listening");
    axum::serve(listener, wangban_local::app(ctx)).with_graceful_shutdown(shutdown()).await?;
    tracing::info!("stopped");
    Ok(())
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
    tracing::info!("shutting down");
}
