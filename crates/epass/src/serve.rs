//! `epass serve`: the HTTP server with graceful shutdown, the outbox worker beside it.

use tokio::net::TcpListener;

use crate::app::{AppState, StartError, router};
use crate::config::Config;

/// Runs until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn run(config: Config) -> Result<(), ServeError> {
    let listen = config.listen;
    let demo = config.demo;
    let state = AppState::new(config).await?;
    if demo {
        // On a first start the seed prints how to log in as every role.
        crate::demo::seed_if_empty(&state).await?;
    }
    // Every authority signs with its own keys; a new one gets them at the next start.
    for authority in crate::store::orgs::authorities(state.db.pool())
        .await
        .map_err(StartError::from)?
    {
        crate::actions::keys::ensure_authority_keys(
            &state.db,
            &state.pii,
            &crate::actions::Actor::default(),
            authority.id,
        )
        .await?;
    }
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| ServeError::Bind(listen.to_string(), e))?;
    tracing::info!(address = %listen, engine = ?state.db.engine(), "epass listening");
    println!("epass listening on http://{listen}");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let refresher = spawn_bundle_refresh(state.clone(), stop_rx.clone());
    let minute_sweeps = spawn_minute_sweeps(state.clone(), stop_rx.clone());
    let tree_heads = spawn_tree_heads(state.clone(), stop_rx.clone());
    let alerts = spawn_alert_scan(state.clone(), stop_rx.clone());
    let statistics = spawn_statistics(state.clone(), stop_rx.clone());
    let licences = spawn_licence_sync(state.clone(), stop_rx.clone());
    let worker = crate::outbox::Worker::from_config(state.db.clone(), &state.config.outbox)
        .map_err(ServeError::Outbox)?
        .spawn(stop_rx);
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(ServeError::Io)?;
    let _ = stop_tx.send(true);
    // The worker finishes the message in hand and stops; its leases expire for any other node.
    let _ = worker.await;
    let _ = refresher.await;
    let _ = minute_sweeps.await;
    let _ = tree_heads.await;
    let _ = alerts.await;
    let _ = statistics.await;
    let _ = licences.await;
    tracing::info!("epass stopped");
    Ok(())
}

/// Publishes a signed tree head of the audit log at the configured interval, when it has grown.
fn spawn_tree_heads(
    state: AppState,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let seconds = state.config.log.tree_head_interval_seconds;
        if seconds == 0 {
            return;
        }
        let mut every = tokio::time::interval(std::time::Duration::from_secs(seconds));
        loop {
            tokio::select! {
                _ = every.tick() => {
                    match crate::actions::log::publish(&state.db, &state.pii, true).await {
                        Ok(Some(head)) => tracing::debug!(size = head.size, "tree head published"),
                        Ok(None) => {}
                        Err(e) => tracing::warn!(error = %e, "cannot publish a tree head"),
                    }
                }
                _ = stop.changed() => break,
            }
        }
    })
}

/// Computes alerts every `[alerts] interval_s` (see `actions::alerts::scan`; safe on several
/// nodes at once). A scan that left rows for the next batch is followed by another at once.
fn spawn_alert_scan(
    state: AppState,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let config = state.config.alerts.clone();
        if config.interval_s == 0 {
            return;
        }
        let mut every = tokio::time::interval(std::time::Duration::from_secs(config.interval_s));
        loop {
            tokio::select! {
                _ = every.tick() => {
                    loop {
                        match crate::actions::alerts::scan(&state.db, &config).await {
                            Ok(r) => {
                                if !r.raised.is_empty() {
                                    tracing::info!(raised = r.raised.len(), "alerts raised");
                                }
                                if r.more && !*stop.borrow() {
                                    continue;
                                }
                            }
                            Err(e) => tracing::warn!(error = %e, "cannot scan for alerts"),
                        }
                        break;
                    }
                }
                _ = stop.changed() => break,
            }
        }
    })
}

/// Rolls the log's new leaves up into the dashboard's statistics every `[statistics]
/// interval_s` (see `actions::statistics::roll_up`; safe on several nodes at once), a bounded
/// batch per transaction until caught up or told to stop.
fn spawn_statistics(
    state: AppState,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let seconds = state.config.statistics.interval_s;
        if seconds == 0 {
            return;
        }
        let batch = crate::actions::statistics::BATCH_LEAVES;
        let mut every = tokio::time::interval(std::time::Duration::from_secs(seconds));
        loop {
            tokio::select! {
                _ = every.tick() => {
                    while !*stop.borrow() {
                        match crate::actions::statistics::roll_up_step(&state.db, batch).await {
                            Ok(r) if r.leaves == batch => continue,
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e, "cannot roll up statistics"),
                        }
                        break;
                    }
                }
                _ = stop.changed() => break,
            }
        }
    })
}

/// Keeps every authority's published bundle fresh (see `actions::keys::refresh_bundles`).
fn spawn_bundle_refresh(
    state: AppState,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tokio::select! {
                _ = every.tick() => {
                    match crate::actions::keys::refresh_bundles(&state.db, &state.pii).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(bundles = n, "republished stale bundles"),
                        Err(e) => tracing::warn!(error = %e, "cannot refresh bundles"),
                    }
                }
                _ = stop.changed() => break,
            }
        }
    })
}

/// Every five minutes: every live driving licence against its registry (see
/// `actions::licences::sync`), so a registry that changed — imported or asked over HTTP —
/// re-issues, suspends or revokes the licences it concerns.
fn spawn_licence_sync(
    state: AppState,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
        let link_base = state.config.public_url();
        let actor = crate::actions::Actor::default();
        loop {
            tokio::select! {
                _ = every.tick() => {
                    let registry = state.registry.as_ref();
                    match crate::actions::licences::sync::sync(
                        &state.db, &state.pii, registry, &link_base, &actor, None,
                    ).await {
                        Ok(r) if r.reissued + r.suspended + r.resumed + r.revoked == 0 => {}
                        Ok(r) => tracing::info!(reissued = r.reissued, suspended = r.suspended,
                            resumed = r.resumed, revoked = r.revoked, "licences follow the registry"),
                        Err(e) => tracing::warn!(error = %e, "cannot sync licences"),
                    }
                }
                _ = stop.changed() => break,
            }
        }
    })
}

/// Every minute: reminders for documents owed and suspension when their deadline has passed
/// (`actions::owed::sweep`), and registry imports whose node was cut off marked failed
/// (`actions::registry_imports::sweep_interrupted`); both safe on several nodes at once.
fn spawn_minute_sweeps(
    state: AppState,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = every.tick() => {
                    let now = crate::store::now_ms();
                    match crate::actions::owed::sweep(&state.db, &state.pii, now).await {
                        Ok(r) if r == crate::actions::owed::SweepReport::default() => {}
                        Ok(r) => tracing::info!(reminded = r.reminded, suspended = r.suspended,
                            lapsed = r.lapsed, "owed documents swept"),
                        Err(e) => tracing::warn!(error = %e, "cannot sweep owed documents"),
                    }
                    match crate::actions::registry_imports::sweep_interrupted(&state.db, now).await {
                        Ok(0) => {}
                        Ok(n) => tracing::warn!(runs = n, "registry imports cut off, marked failed"),
                        Err(e) => tracing::warn!(error = %e, "cannot sweep registry imports"),
                    }
                }
                _ = stop.changed() => break,
            }
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("demo data: {0}")]
    Demo(#[from] crate::actions::ActionError),
    #[error("outbox: {0}")]
    Outbox(crate::outbox::WorkerError),
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    #[error("server: {0}")]
    Io(std::io::Error),
}

/// Structured logs to stderr: human text by default, JSON lines when asked.
pub fn init_tracing(format: crate::config::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("EPASS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests) is harmless: the first subscriber stays.
    let _ = match format {
        crate::config::LogFormat::Json => builder.json().try_init(),
        crate::config::LogFormat::Text => builder.try_init(),
    };
}
