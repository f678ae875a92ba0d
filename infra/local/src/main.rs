//! `wangban-local`: the whole platform in one process on SQLite + local files.
//!
//! `WANGBAN_ADDR` (default 127.0.0.1:8080) and `WANGBAN_DATA_DIR` (default ./data); the other
//! variables are those of `wangban_shared::config`. Seeds the demo catalogue on first start.

use std::net::SocketAddr;

use wangban_shared::{
    config::{AppContext, Links},
    runtime, seed,
};

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
    tokio::spawn(sweep_forever(ctx.clone()));
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("bind {addr}: {e}"))?;
    tracing::info!(%addr, "wangban local server listening");
    axum::serve(listener, wangban_local::app(ctx)).with_graceful_shutdown(shutdown()).await?;
    tracing::info!("stopped");
    Ok(())
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
            "\n  Demo staff accounts created (clerk-<departmentId>, reviewer-<departmentId>, admin, supervisor).\n  \
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
    tracing::info!("shutting down");
}
