//! Stateless two-phase signing: the state between `prepare` and `finish` travels with the
//! client as a token, `base64url(payload) "." base64url(HMAC-SHA256(key, payload))`, where the
//! payload is `{"exp": UNIX, "pending": <PendingSignature JSON>}`. Any replica holding the
//! same key can finish what another prepared; a changed byte anywhere is refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kyso::PendingSignature;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use serde::{Deserialize, Serialize};

/// Why a token is refused (the client sees one code, `invalid_state_token`).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    /// Not `payload.mac`, or not base64.
    #[error("the state token is malformed")]
    Malformed,
    /// The MAC does not match: changed, or made with another key.
    #[error("the state token is not authentic (changed, or made by a server with another key)")]
    BadMac,
    /// Past its lifetime.
    #[error("the state token has expired; prepare again")]
    Expired,
    /// Authentic, but the content is not a signing state.
    #[error("the state token's content is not a signing state")]
    BadContent,
    /// The MAC could not be computed.
    #[error("internal error computing the token MAC")]
    Crypto,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    exp: i64,
    pending: serde_json::Value,
}

/// The server's token key.
pub struct TokenKey {
    key: Vec<u8>,
    ttl: i64,
}

impl TokenKey {
    /// A key and a token lifetime in seconds.
    pub fn new(key: Vec<u8>, ttl_secs: u64) -> Self {
        TokenKey {
            key,
            ttl: i64::try_from(ttl_secs).unwrap_or(i64::MAX),
        }
    }

    /// A random 32-byte key.
    ///
    /// # Errors
    /// The random generator failed.
    pub fn random(ttl_secs: u64) -> Result<Self, TokenError> {
        let mut key = vec![0u8; 32];
        openssl::rand::rand_bytes(&mut key).map_err(|_| TokenError::Crypto)?;
        Ok(Self::new(key, ttl_secs))
    }

    fn mac(&self, data: &[u8]) -> Result<Vec<u8>, TokenError> {
        let pkey = PKey::hmac(&self.key).map_err(|_| TokenError::Crypto)?;
        let mut s = Signer::new(MessageDigest::sha256(), &pkey).map_err(|_| TokenError::Crypto)?;
        s.update(data).map_err(|_| TokenError::Crypto)?;
        s.sign_to_vec().map_err(|_| TokenError::Crypto)
    }

    /// Seals a pending signature, valid until `now + ttl`.
    ///
    /// # Errors
    /// The MAC could not be computed.
    pub fn seal(&self, pending: &PendingSignature, now: i64) -> Result<String, TokenError> {
        let pending: serde_json::Value =
            serde_json::from_str(&pending.to_json()).map_err(|_| TokenError::BadContent)?;
        let payload = serde_json::to_vec(&Payload {
            exp: now.saturating_add(self.ttl),
            pending,
        })
        .map_err(|_| TokenError::BadContent)?;
        let mac = self.mac(&payload)?;
        Ok(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(mac)
        ))
    }

    /// Checks a token's MAC and lifetime and returns the pending signature.
    ///
    /// # Errors
    /// See [`TokenError`].
    pub fn open(&self, token: &str, now: i64) -> Result<PendingSignature, TokenError> {
        let (p, m) = token.trim().split_once('.').ok_or(TokenError::Malformed)?;
        let payload = URL_SAFE_NO_PAD
            .decode(p)
            .map_err(|_| TokenError::Malformed)?;
        let mac = URL_SAFE_NO_PAD
            .decode(m)
            .map_err(|_| TokenError::Malformed)?;
        let expected = self.mac(&payload)?;
        if mac.len() != expected.len() || !openssl::memcmp::eq(&mac, &expected) {
            return Err(TokenError::BadMac);
        }
        let payload: Payload =
            serde_json::from_slice(&payload).map_err(|_| TokenError::BadContent)?;
        if now > payload.exp {
            return Err(TokenError::Expired);
        }
        PendingSignature::from_json(&payload.pending.to_string())
            .map_err(|_| TokenError::BadContent)
    }
}
