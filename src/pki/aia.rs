//! Missing intermediates fetched from the certificate's Authority Information Access
//! (RFC 5280 §4.2.2.1, id-ad-caIssuers), as pyHanko and EU DSS do.
//!
//! Validation does no I/O of its own: it asks an [`IssuerSource`] only when the caller put
//! one in [`crate::validate::ValidationOptions::issuer_source`] (the `kyso` command line
//! does unless `--offline`). [`AiaFetcher`] is the built-in source: `http://` URLs only
//! (the certificates are signed, so no transport security is needed, and path building checks
//! every signature anyway), responses in DER, PEM or PKCS#7 certs-only (`.p7b`/`.p7c`),
//! each URL fetched at most once per fetcher (cache), bounded in size ([`MAX_AIA_RESPONSE`])
//! and time, at most [`MAX_URLS_PER_CERTIFICATE`] URLs per certificate.
//!
//! A fetched certificate is only a *candidate* intermediate: it still has to chain to one of
//! the caller's trust anchors, with every signature and CA constraint checked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::net::HttpTransport;

use super::{Certificate, TrustStore};

/// Largest caIssuers response accepted (1 MiB: a CA bundle is a few KiB).
pub const MAX_AIA_RESPONSE: usize = 1 << 20;
/// caIssuers URLs tried per certificate.
pub const MAX_URLS_PER_CERTIFICATE: usize = 4;
/// Rounds of fetching when completing one path (issuer of the issuer of …).
pub(crate) const MAX_ROUNDS: usize = 4;
/// Certificates added to one path-building pool by fetching.
pub(crate) const MAX_FETCHED_PER_PATH: usize = 32;

/// What an [`IssuerSource`] found for one certificate.
#[derive(Debug, Clone, Default)]
pub struct FetchedIssuers {
    /// Candidate issuer certificates (not yet checked: path building checks them).
    pub certificates: Vec<Certificate>,
    /// What went wrong, one line each ("caIssuers http://…: timed out").
    pub problems: Vec<String>,
}

/// Finds candidate issuers of a certificate, usually by fetching its caIssuers URLs.
/// Implementations must be cheap to call repeatedly for the same certificate (cache).
pub trait IssuerSource: Send + Sync + std::fmt::Debug {
    /// Candidate issuers of `cert`.
    fn fetch_issuers(&self, cert: &Certificate) -> FetchedIssuers;
}

/// Fetches the certificates named by caIssuers URLs over an [`HttpTransport`], caching
/// each URL's answer (success or failure) for the fetcher's life.
#[derive(Debug)]
pub struct AiaFetcher {
    transport: Arc<dyn HttpTransport>,
    cache: Mutex<HashMap<String, Result<Vec<Certificate>, String>>>,
}

#[cfg(feature = "online")]
impl Default for AiaFetcher {
    /// The built-in HTTP client: 5 s to connect, 10 s per read, 20 s in all, 1 MiB.
    fn default() -> Self {
        let http = crate::net::HttpClient {
            connect_timeout: std::time::Duration::from_secs(5),
            io_timeout: std::time::Duration::from_secs(10),
            total_timeout: std::time::Duration::from_secs(20),
            max_response: MAX_AIA_RESPONSE,
            tls_roots: Vec::new(),
        };
        AiaFetcher::new(Arc::new(http))
    }
}

impl AiaFetcher {
    /// A fetcher over `transport` (responses larger than [`MAX_AIA_RESPONSE`] are refused
    /// whatever the transport's own limit).
    pub fn new(transport: Arc<dyn HttpTransport>) -> Self {
        AiaFetcher {
            transport,
            cache: Mutex::default(),
        }
    }

    /// The certificates at one URL (cached).
    ///
    /// # Errors
    /// Unsupported scheme, network failure, oversized or unreadable response.
    pub fn fetch_url(&self, url: &str) -> Result<Vec<Certificate>, String> {
        if let Some(r) = self.cache.lock().ok().and_then(|c| c.get(url).cloned()) {
            return r;
        }
        let r = self.fetch_uncached(url);
        if let Ok(mut c) = self.cache.lock() {
            c.insert(url.to_string(), r.clone());
        }
        r
    }

    fn fetch_uncached(&self, url: &str) -> Result<Vec<Certificate>, String> {
        crate::net::HttpUrl::parse(url).map_err(|e| e.to_string())?;
        let resp = self.transport.get(url).map_err(|e| e.to_string())?;
        if resp.body.len() > MAX_AIA_RESPONSE {
            return Err(format!("response larger than {MAX_AIA_RESPONSE} bytes"));
        }
        Certificate::from_bundle(&resp.body).map_err(|e| e.to_string())
    }
}

impl IssuerSource for AiaFetcher {
    fn fetch_issuers(&self, cert: &Certificate) -> FetchedIssuers {
        let mut out = FetchedIssuers::default();
        for url in cert.ca_issuer_urls().iter().take(MAX_URLS_PER_CERTIFICATE) {
            match self.fetch_url(url) {
                Ok(certs) => {
                    for c in certs {
                        if !out.certificates.contains(&c) {
                            out.certificates.push(c);
                        }
                    }
                }
                Err(e) => out.problems.push(format!("caIssuers {url}: {e}")),
            }
        }
        out
    }
}

/// Certificates fetched to complete a path, and the problems met.
#[derive(Debug, Clone, Default)]
pub(crate) struct Completion {
    /// New candidates (not already in the pool or among the anchors).
    pub(crate) added: Vec<Certificate>,
    /// Fetch problems.
    pub(crate) problems: Vec<String>,
}

/// Fetches candidate issuers for `leaf` and, round after round, for the fetched
/// certificates whose own issuer is still missing: a certificate is asked about when no
/// anchor and no pool certificate has its issuer's name. Bounded by [`MAX_ROUNDS`] and
/// [`MAX_FETCHED_PER_PATH`].
pub(crate) fn complete(
    trust: &TrustStore,
    leaf: &Certificate,
    pool: &[Certificate],
    source: &dyn IssuerSource,
) -> Completion {
    let mut out = Completion::default();
    let known = |c: &Certificate, added: &[Certificate]| {
        trust.anchors().contains(c) || pool.contains(c) || added.contains(c)
    };
    let has_issuer = |c: &Certificate, added: &[Certificate]| {
        trust
            .anchors()
            .iter()
            .chain(pool)
            .chain(added)
            .any(|i| i.subject_der() == c.issuer_der() && i != c)
    };
    // The leaf, and the pool's certificates above it by name: the partial path.
    let mut ask = vec![leaf.clone()];
    let mut current = leaf.clone();
    for _ in 0..super::path::MAX_PATH_LEN {
        let Some(up) = pool
            .iter()
            .find(|i| i.subject_der() == current.issuer_der() && !ask.contains(i))
        else {
            break;
        };
        ask.push(up.clone());
        current = up.clone();
    }
    for _ in 0..MAX_ROUNDS {
        let mut next = Vec::new();
        for c in &ask {
            let wanted = c == leaf || !has_issuer(c, &out.added);
            if c.is_self_issued() || !wanted {
                continue;
            }
            let f = source.fetch_issuers(c);
            out.problems.extend(f.problems);
            for n in f.certificates {
                if out.added.len() >= MAX_FETCHED_PER_PATH {
                    return out;
                }
                if !known(&n, &out.added) {
                    out.added.push(n.clone());
                    next.push(n);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        ask = next;
    }
    out
}
