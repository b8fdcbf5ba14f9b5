//! The service's TOML configuration (see `docs/service.md`). Unknown keys are refused, so a
//! misspelt limit never silently falls back to its default.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:8080` (the `--listen` option wins).
    pub listen: Option<String>,
    /// Trust material for verification.
    #[serde(default)]
    pub trust: TrustConfig,
    /// Request limits.
    #[serde(default)]
    pub limits: Limits,
    /// Scopes open to requests without an API key. Default: `["verify", "check"]`.
    pub anonymous: Option<Vec<String>>,
    /// API keys (stored as SHA-256 hex of the key) and their scopes.
    #[serde(default)]
    pub api_keys: Vec<ApiKeyConfig>,
    /// Server-side signing keys.
    #[serde(default)]
    pub keys: Vec<KeyConfig>,
    /// Name of the environment variable holding the key that authenticates two-phase
    /// signing state tokens (at least 32 bytes; every replica behind a load balancer needs
    /// the same). Unset: a random key per process (tokens do not survive a restart).
    pub state_key_env: Option<String>,
    /// Lifetime of a state token in seconds (default 3600).
    pub state_ttl_secs: Option<u64>,
    /// JSON Lines audit log of server-side signatures (needed when `keys` is not empty).
    pub audit_log: Option<PathBuf>,
    /// Use only the validation data in the files: fetch no OCSP response or CRL.
    #[serde(default)]
    pub offline: bool,
    /// The procedure catalog for `POST /v1/check` and `GET /v1/catalog/procedures/{code}`
    /// (TOML, e.g. written by `kyso catalog import`). Default: the bundled example catalog.
    pub catalog: Option<PathBuf>,
    /// The time-stamp authority for `level=B-T` and above on `POST /v1/sign`, and for
    /// `POST /v1/extend?level=B-LTA`.
    pub tsa: Option<TsaConfig>,
}

/// `[tsa]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TsaConfig {
    /// The TSA's URL (`http://` or `https://`).
    pub url: String,
    /// Time allowed per attempt in seconds (default 60: Vietnamese TSAs can be slow).
    pub timeout_secs: Option<u64>,
    /// Attempts after a timeout or a failed connection (default 1).
    pub retries: Option<u32>,
}

/// `[trust]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustConfig {
    /// Bundled trust profiles always trusted (`vn-public`, `vn-gov`).
    #[serde(default)]
    pub profiles: Vec<String>,
    /// Trust anchor files (PEM or DER).
    #[serde(default)]
    pub anchors: Vec<PathBuf>,
    /// Extra certificates for chain building (intermediates).
    #[serde(default)]
    pub certs: Vec<PathBuf>,
}

/// `[limits]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body in bytes (default 32 MiB).
    pub body_bytes: usize,
    /// Verifications, checks and signatures run at once on the blocking pool (default: the
    /// number of CPUs).
    pub concurrency: usize,
    /// Requests that may wait for a slot beyond `concurrency`; more get 429 (default 64).
    pub queue: usize,
    /// Time limit of one request in seconds, reading the body included (default 60).
    pub timeout_secs: u64,
    /// Time a client has to send a request's headers, in seconds (default 10); a slow or
    /// stalled client is disconnected. Also the idle time of a kept-alive connection.
    pub header_timeout_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 32 * 1024 * 1024,
            concurrency: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            queue: 64,
            timeout_secs: 60,
            header_timeout_secs: 10,
        }
    }
}

/// `[[api_keys]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConfig {
    /// A name for logs and the audit log (never the key).
    pub id: String,
    /// SHA-256 of the key, hex (e.g. `printf %s KEY | sha256sum`).
    pub sha256: String,
    /// `verify`, `check`, `sign` (two-phase signing), `extend` and `sign:<key-id>`.
    pub scopes: Vec<String>,
}

/// `[[keys]]`: a server-side signing key, in a PKCS#12 file or on a PKCS#11 token (USB token,
/// HSM) that the server logs in to once at start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// The key's id (`POST /v1/sign?key=ID`, scope `sign:ID`).
    pub id: String,
    /// PKCS#12 file.
    pub pkcs12: Option<PathBuf>,
    /// Environment variable holding the PKCS#12 password.
    pub password_env: Option<String>,
    /// PKCS#11 module (the token's or HSM's `.so`/`.dll`).
    pub pkcs11_module: Option<PathBuf>,
    /// The token's label (default: the only token present).
    pub token_label: Option<String>,
    /// The private key's label (default: the only private key).
    pub key_label: Option<String>,
    /// Environment variable holding the token's user PIN (none: a token without login).
    pub pin_env: Option<String>,
}

/// A configuration error.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not valid TOML or not this schema.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A value is unusable.
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Reads a file; relative paths in it are taken from the file's directory.
    ///
    /// # Errors
    /// Unreadable, not TOML, unknown keys.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut c = Config::parse(&text).map_err(|e| match e {
            ConfigError::Invalid(message) => ConfigError::Parse {
                path: path.to_path_buf(),
                message,
            },
            e => e,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        c.trust.anchors.iter_mut().for_each(fix);
        c.trust.certs.iter_mut().for_each(fix);
        for k in &mut c.keys {
            if let Some(p) = k.pkcs12.as_mut() {
                fix(p);
            }
            // A module given as a bare name (`libsofthsm2.so`) is left to the loader's search.
            if let Some(p) = k.pkcs11_module.as_mut() {
                if p.components().count() > 1 {
                    fix(p);
                }
            }
        }
        if let Some(a) = c.audit_log.as_mut() {
            fix(a);
        }
        if let Some(a) = c.catalog.as_mut() {
            fix(a);
        }
        Ok(c)
    }

    /// Parses TOML text.
    ///
    /// # Errors
    /// Not TOML, unknown keys, bad values.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let c: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        c.check()?;
        Ok(c)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let l = &self.limits;
        if l.body_bytes == 0 || l.concurrency == 0 || l.timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "limits: body_bytes, concurrency and timeout_secs must be positive".into(),
            ));
        }
        for k in &self.api_keys {
            if k.sha256.len() != 64 || !k.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(ConfigError::Invalid(format!(
                    "api key {:?}: sha256 must be 64 hex digits (the SHA-256 of the key, not the key)",
                    k.id
                )));
            }
            for s in &k.scopes {
                check_scope(s, &self.keys)?;
            }
        }
        for s in self.anonymous.iter().flatten() {
            if s.starts_with("sign:") {
                return Err(ConfigError::Invalid(format!(
                    "anonymous: {s:?}: server-side signing keys need an API key"
                )));
            }
            check_scope(s, &self.keys)?;
        }
        if !self.keys.is_empty() && self.audit_log.is_none() {
            return Err(ConfigError::Invalid(
                "keys are configured but audit_log is not: every server-side signature is audited"
                    .into(),
            ));
        }
        Ok(())
    }
}

fn check_scope(s: &str, keys: &[KeyConfig]) -> Result<(), ConfigError> {
    match s {
        "verify" | "check" | "sign" | "extend" => Ok(()),
        _ => match s.strip_prefix("sign:") {
            Some(id) if keys.iter().any(|k| k.id == id) => Ok(()),
            Some(id) => Err(ConfigError::Invalid(format!(
                "scope {s:?}: no key with id {id:?} in [[keys]]"
            ))),
            None => Err(ConfigError::Invalid(format!(
                "unknown scope {s:?} (verify, check, sign, extend, sign:<key-id>)"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused() {
        let e = Config::parse("[limits]\nbody_byte = 10\n").unwrap_err();
        assert!(e.to_string().contains("body_byte"), "{e}");
        assert!(Config::parse("listn = \"x\"").is_err());
    }

    #[test]
    fn defaults_and_scopes() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.limits.queue, 64);
        assert!(c.limits.concurrency >= 1);
        let bad = "[[api_keys]]\nid = \"a\"\nsha256 = \"00\"\nscopes = [\"verify\"]\n";
        assert!(Config::parse(bad).is_err());
        let h = "0".repeat(64);
        let unknown_key =
            format!("[[api_keys]]\nid = \"a\"\nsha256 = \"{h}\"\nscopes = [\"sign:seal\"]\n");
        assert!(Config::parse(&unknown_key).is_err());
        let no_audit = "[[keys]]\nid = \"seal\"\npkcs12 = \"a.p12\"\npassword_env = \"P\"\n";
        assert!(Config::parse(no_audit).is_err());
        assert!(Config::parse("anonymous = [\"verify\", \"sign\"]").is_ok());
        assert!(Config::parse("anonymous = [\"everything\"]").is_err());
    }
}
