//! kyso over HTTP: `POST /v1/verify`, `/v1/check`, two-phase and server-side signing, health,
//! metrics, an OpenAPI document and a web page. The `kyso` library stays free of any async
//! runtime: this crate puts it behind tokio and axum, running every verification, check and
//! signature on tokio's blocking pool behind a bounded queue.
//!
//! Start it with [`run`] (what `kyso serve` does), or build a [`Service`] and hand its
//! [`Service::router`] to your own server; [`serve`] runs a router on a listener with
//! graceful shutdown.

mod config;
mod error;
mod handlers;
mod metrics;
mod openapi;
mod token;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use kyso::pki::{Certificate, TrustStore};
use kyso::policy::{Catalog, Profiles};
use kyso::revocation::{OnlineSource, RevocationSource};
use kyso::validate::ValidationOptions;
use kyso::KeySigner;
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

pub use config::{ApiKeyConfig, Config, ConfigError, KeyConfig, Limits, TrustConfig};
pub use error::ApiError;
pub use openapi::openapi_document;
pub use token::{TokenError, TokenKey};

/// Every route the router serves, as (method, path): the OpenAPI document is checked
/// against this list by the tests.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("post", "/v1/verify"),
    ("post", "/v1/check"),
    ("post", "/v1/sign/prepare"),
    ("post", "/v1/sign/finish"),
    ("post", "/v1/sign"),
    ("post", "/v1/extend"),
    ("get", "/v1/catalog/procedures/{code}"),
];

/// Options of `kyso serve`.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// The TOML configuration file.
    pub config: Option<PathBuf>,
    /// Address to listen on (wins over the config's `listen`; default `127.0.0.1:8080`).
    pub listen: Option<String>,
    /// Extra trust anchor files.
    pub trust: Vec<PathBuf>,
    /// Extra bundled trust profiles.
    pub trust_profiles: Vec<String>,
}

/// Why the service cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Binding, runtime, files.
    #[error("{0}")]
    Io(String),
    /// Refused for safety (e.g. a public listener without a configuration).
    #[error("{0}")]
    Refused(String),
}

/// The shared state of a running service.
pub(crate) struct Shared {
    pub(crate) validation: ValidationOptions,
    /// A validator with the server's own options, shared by the requests that do not
    /// override them (its caches of certificates and paths then serve every request, as in
    /// a batch).
    pub(crate) validator: kyso::Validator,
    pub(crate) profiles: Profiles,
    pub(crate) catalog: Catalog,
    pub(crate) limits: Limits,
    admission: Arc<Semaphore>,
    work: Arc<Semaphore>,
    anonymous: Vec<String>,
    /// SHA-256 hex (lower case) → (id, scopes).
    api_keys: HashMap<String, (String, Vec<String>)>,
    pub(crate) tokens: TokenKey,
    pub(crate) signers: HashMap<String, Arc<dyn kyso::Signer>>,
    /// The configured time-stamp authority, if any.
    pub(crate) tsa: Option<kyso::TsaClient>,
    pub(crate) audit: Option<Mutex<std::fs::File>>,
    pub(crate) metrics: metrics::Metrics,
    ready: AtomicBool,
}

/// A configured service: its state and its router.
#[derive(Clone)]
pub struct Service {
    shared: Arc<Shared>,
}

/// A slot in the bounded queue of CPU work, taken before the request body is read.
pub(crate) struct Admission {
    _permit: OwnedSemaphorePermit,
}

fn read_file(p: &std::path::Path) -> Result<Vec<u8>, ServeError> {
    std::fs::read(p).map_err(|e| ServeError::Io(format!("cannot read {}: {e}", p.display())))
}

fn load_certs(paths: &[PathBuf]) -> Result<Vec<Certificate>, ServeError> {
    let mut out = Vec::new();
    for p in paths {
        out.extend(
            Certificate::from_pem_or_der(&read_file(p)?)
                .map_err(|e| ServeError::Io(format!("{}: {e}", p.display())))?,
        );
    }
    Ok(out)
}

impl Service {
    /// Builds the service from a configuration. `configured` says whether it came from a
    /// file: without one, only `verify` and `check` are open.
    ///
    /// # Errors
    /// Unreadable trust files or keys, a missing key password, an unknown trust profile.
    pub fn new(config: &Config, configured: bool) -> Result<Service, ServeError> {
        let mut trust = TrustStore::new();
        for c in load_certs(&config.trust.anchors)? {
            trust.add(c);
        }
        let mut extra_certificates = load_certs(&config.trust.certs)?;
        let profiles = Profiles::bundled();
        if !config.trust.profiles.is_empty() {
            let names: Vec<&str> = config.trust.profiles.iter().map(String::as_str).collect();
            let (t, inter) = profiles
                .trust_material(&names)
                .map_err(|e| ServeError::Refused(format!("trust profiles: {e}")))?;
            for c in t.anchors() {
                trust.add(c.clone());
            }
            extra_certificates.extend(inter);
        }
        let validation = ValidationOptions {
            trust,
            extra_certificates,
            revocation_source: if config.offline {
                None
            } else {
                Some(Arc::new(OnlineSource::default()) as Arc<dyn RevocationSource>)
            },
            ..ValidationOptions::default()
        };
        let catalog =
            match &config.catalog {
                Some(p) => Catalog::from_path(p)
                    .map_err(|e| ServeError::Refused(format!("catalog: {e}")))?,
                None => Catalog::example()
                    .map_err(|e| ServeError::Io(format!("bundled catalog: {e}")))?,
            };
        let ttl = config.state_ttl_secs.unwrap_or(3600);
        let tokens = match &config.state_key_env {
            Some(var) => {
                let key = std::env::var(var).map_err(|_| {
                    ServeError::Refused(format!(
                        "state_key_env: environment variable {var} is not set"
                    ))
                })?;
                if key.len() < 32 {
                    return Err(ServeError::Refused(format!(
                        "state_key_env: the key in {var} is shorter than 32 bytes"
                    )));
                }
                TokenKey::new(key.into_bytes(), ttl)
            }
            None => {
                if configured {
                    tracing::warn!(
                    "no state_key_env configured: two-phase signing tokens use a random key of this process (they do not survive a restart and other replicas cannot finish them)"
                );
                }
                TokenKey::random(ttl)
                    .map_err(|e| ServeError::Io(format!("random state key: {e}")))?
            }
        };
        let mut signers: HashMap<String, Arc<dyn kyso::Signer>> = HashMap::new();
        for k in &config.keys {
            let env = |var: &str, what: &str| {
                std::env::var(var).map_err(|_| {
                    ServeError::Refused(format!(
                        "key {}: environment variable {var} ({what}) is not set",
                        k.id
                    ))
                })
            };
            let signer: Arc<dyn kyso::Signer> = match (&k.pkcs12, &k.pkcs11_module) {
                (Some(p12), None) => {
                    let var = k.password_env.as_deref().ok_or_else(|| {
                        ServeError::Refused(format!("key {}: pkcs12 needs password_env", k.id))
                    })?;
                    let password = env(var, "its password")?;
                    Arc::new(
                        KeySigner::from_pkcs12(&read_file(p12)?, &password)
                            .map_err(|e| ServeError::Refused(format!("key {}: {e}", k.id)))?,
                    )
                }
                (None, Some(module)) => {
                    let pin = k.pin_env.as_deref().map(|v| env(v, "the token's PIN")).transpose()?;
                    let m = kyso::sign::pkcs11::Pkcs11Module::load(module)
                        .map_err(|e| ServeError::Refused(format!("key {}: {e}", k.id)))?;
                    let opts = kyso::sign::pkcs11::Pkcs11Options {
                        token_label: k.token_label.clone(),
                        key_label: k.key_label.clone(),
                        ..Default::default()
                    };
                    Arc::new(
                        m.signer(&opts, pin.as_deref())
                            .map_err(|e| ServeError::Refused(format!("key {}: {e}", k.id)))?,
                    )
                }
                _ => {
                    return Err(ServeError::Refused(format!(
                        "key {}: give either pkcs12 (with password_env) or pkcs11_module (with pin_env)",
                        k.id
                    )))
                }
            };
            signers.insert(k.id.clone(), signer);
        }
        let audit = match &config.audit_log {
            Some(p) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| ServeError::Io(format!("audit log {}: {e}", p.display())))?,
            )),
            None => None,
        };
        let anonymous = match (&config.anonymous, configured) {
            (Some(a), true) => a.clone(),
            _ => vec!["verify".to_string(), "check".to_string()],
        };
        let api_keys = config
            .api_keys
            .iter()
            .map(|k| {
                (
                    k.sha256.to_ascii_lowercase(),
                    (k.id.clone(), k.scopes.clone()),
                )
            })
            .collect();
        let limits = config.limits.clone();
        Ok(Service {
            shared: Arc::new(Shared {
                validator: kyso::Validator::new(validation.clone()),
                validation,
                profiles,
                catalog,
                admission: Arc::new(Semaphore::new(
                    limits
                        .concurrency
                        .saturating_add(limits.queue)
                        .min(Semaphore::MAX_PERMITS),
                )),
                work: Arc::new(Semaphore::new(
                    limits.concurrency.min(Semaphore::MAX_PERMITS),
                )),
                limits,
                anonymous,
                api_keys,
                tokens,
                signers,
                tsa: config.tsa.as_ref().map(|t| {
                    let mut c = kyso::TsaClient::with_timeout(
                        &t.url,
                        std::time::Duration::from_secs(t.timeout_secs.unwrap_or(60)),
                    );
                    c.retries = t.retries.unwrap_or(1);
                    c
                }),
                audit,
                metrics: metrics::Metrics::default(),
                ready: AtomicBool::new(true),
            }),
        })
    }

    /// The router: every route of [`ROUTES`] with limits, timeouts, metrics and JSON errors.
    pub fn router(&self) -> Router {
        let s = self.shared.clone();
        let limit = s.limits.body_bytes;
        let timeout = Duration::from_secs(s.limits.timeout_secs);
        Router::new()
            .route("/", get(handlers::page))
            .route("/healthz", get(handlers::healthz))
            .route("/readyz", get(handlers::readyz))
            .route("/metrics", get(handlers::metrics))
            .route("/openapi.json", get(handlers::openapi))
            .route("/v1/verify", post(handlers::verify))
            .route("/v1/check", post(handlers::check))
            .route("/v1/sign/prepare", post(handlers::sign_prepare))
            .route("/v1/sign/finish", post(handlers::sign_finish))
            .route("/v1/sign", post(handlers::sign_server))
            .route("/v1/extend", post(handlers::extend))
            .route("/v1/catalog/procedures/{code}", get(handlers::procedure))
            .layer(DefaultBodyLimit::disable())
            .layer(RequestBodyLimitLayer::new(limit))
            .layer(middleware::from_fn(move |req: Request, next: Next| {
                with_timeout(timeout, req, next)
            }))
            .layer(TraceLayer::new_for_http())
            .layer(CatchPanicLayer::new())
            .layer(middleware::from_fn_with_state(s.clone(), observe))
            .with_state(s)
    }

    /// Marks the service not ready (`/readyz` answers 503), e.g. while shutting down.
    pub fn set_ready(&self, ready: bool) {
        self.shared.ready.store(ready, Ordering::SeqCst);
    }
}

impl Shared {
    pub(crate) fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Checks the caller may use `scope`; returns the API key id when a key was given.
    pub(crate) fn authorize(
        &self,
        headers: &HeaderMap,
        scope: &str,
    ) -> Result<Option<String>, ApiError> {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()));
        match given {
            Some(key) => {
                let hash = hex(&Sha256::digest(key.trim().as_bytes()));
                let Some((id, scopes)) = self.api_keys.get(&hash) else {
                    return Err(ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "invalid_api_key",
                        "the API key is not known",
                    ));
                };
                if scopes.iter().any(|s| s == scope) {
                    Ok(Some(id.clone()))
                } else {
                    Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "forbidden",
                        format!("the API key {id:?} lacks the scope {scope:?}"),
                    ))
                }
            }
            None if self.anonymous.iter().any(|s| s == scope) => Ok(None),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                format!(
                    "an API key with the scope {scope:?} is required (Authorization: Bearer KEY)"
                ),
            )),
        }
    }

    /// Takes a slot in the bounded queue, or 429.
    pub(crate) fn admit(&self) -> Result<Admission, ApiError> {
        match self.admission.clone().try_acquire_owned() {
            Ok(p) => Ok(Admission { _permit: p }),
            Err(_) => {
                self.metrics.rejected("queue_full");
                Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    "the service is busy: too many requests in progress; retry later",
                )
                .with_retry_after(1))
            }
        }
    }

    /// Runs CPU work on the blocking pool once a slot is free.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        admission: Admission,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _work = self.metrics.work();
        let permit = self
            .work
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::internal())?;
        // The permits move into the task: if the request times out, the slot stays taken
        // until the work really ends, so the limit holds.
        tokio::task::spawn_blocking(move || {
            let _slots = (admission, permit);
            f()
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "blocking task failed");
            ApiError::internal()
        })
    }
}

/// Lower-case hex.
pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

async fn with_timeout(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the request did not finish within {} s", limit.as_secs()),
        )
        .with_retry_after(1)
        .into_response(),
    }
}

/// Metrics, and a JSON body for every error produced outside the handlers.
async fn observe(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let start = Instant::now();
    let resp = {
        let _g = s.metrics.in_flight();
        next.run(req).await
    };
    let status = resp.status();
    let resp = if status.as_u16() >= 400
        && !resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            s.metrics.rejected("payload_too_large");
        }
        let mut e = ApiError::from_status(status);
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            e = ApiError::too_large(s.limits.body_bytes);
        }
        e.into_response()
    } else {
        resp
    };
    s.metrics
        .request(&route, status.as_u16(), start.elapsed().as_secs_f64());
    resp
}

/// Refuses a listener that is not loopback when there is no configuration.
///
/// # Errors
/// [`ServeError::Refused`].
pub fn check_listener(addr: &SocketAddr, configured: bool) -> Result<(), ServeError> {
    if !configured && !addr.ip().is_loopback() {
        return Err(ServeError::Refused(format!(
            "refusing to listen on {addr} without a configuration: without --config only loopback addresses are allowed (write a config with api keys to serve a network)"
        )));
    }
    Ok(())
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and
/// finishes the requests in flight.
///
/// # Errors
/// I/O errors of the listener.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: &Service,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let router = service.router();
    let header_timeout = Duration::from_secs(service.shared.limits.header_timeout_secs.max(1));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            a = listener.accept() => a,
        };
        // Reap finished connections so the set does not grow with the server's uptime.
        while connections.try_join_next().is_some() {}
        let (stream, _peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let hyper_service = TowerToHyperService::new(router.clone());
        let mut stop = stop_rx.clone();
        connections.spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), hyper_service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection ended");
                    }
                }
                _ = stop.changed() => {
                    // Finish the request in flight, take no new one on this connection.
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    service.set_ready(false);
    tracing::info!("shutting down: no new connections; finishing requests in flight");
    drop(listener);
    let _ = stop_tx.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// `kyso serve`: loads the configuration, binds, serves until Ctrl-C or SIGTERM.
///
/// # Errors
/// See [`ServeError`].
pub fn run(opts: ServeOptions) -> Result<(), ServeError> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KYSO_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
    let (mut config, configured) = match &opts.config {
        Some(p) => (Config::load(p)?, true),
        None => (Config::default(), false),
    };
    config.trust.anchors.extend(opts.trust.iter().cloned());
    config
        .trust
        .profiles
        .extend(opts.trust_profiles.iter().cloned());
    let listen = opts
        .listen
        .clone()
        .or_else(|| config.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let service = Service::new(&config, configured)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServeError::Io(format!("runtime: {e}")))?;
    rt.block_on(async move {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host(&listen)
            .await
            .map_err(|e| ServeError::Io(format!("--listen {listen}: {e}")))?
            .collect();
        let Some(addr) = addrs.first().copied() else {
            return Err(ServeError::Io(format!("--listen {listen}: no address")));
        };
        for a in &addrs {
            check_listener(a, configured)?;
        }
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| ServeError::Io(format!("cannot listen on {addr}: {e}")))?;
        let local = listener
            .local_addr()
            .map_err(|e| ServeError::Io(e.to_string()))?;
        tracing::info!(
            "kyso serve listening on http://{local}/ ({})",
            if configured {
                "configured"
            } else {
                "no config: verify and check only, loopback only"
            }
        );
        // The test harness and scripts read this line to learn the port.
        eprintln!("listening on http://{local}/");
        serve(listener, &service, shutdown_signal())
            .await
            .map_err(|e| ServeError::Io(e.to_string()))
    })
}
