//! Signing with PKCS#11 devices: USB tokens (those the Vietnamese CAs and the Government
//! Cipher Committee issue), smart cards and HSMs, through the vendor's PKCS#11 module.
//!
//! [`Pkcs11Module::load`] loads and initialises a module; [`Pkcs11Module::signer`] finds the
//! token, logs in once, finds the private key, reads its certificate (and the chain, where
//! the token holds it) and returns a [`Pkcs11Signer`], which signs any number of documents in
//! that one session. [`Pkcs11Module::list`] describes slots, tokens, keys and certificates.
//!
//! Mechanisms: RSA PKCS#1 v1.5 (`CKM_SHA*_RSA_PKCS`, or `CKM_RSA_PKCS` over a DigestInfo),
//! RSASSA-PSS (`CKM_SHA*_RSA_PKCS_PSS`, or `CKM_RSA_PKCS_PSS` over the digest), ECDSA
//! (`CKM_ECDSA_SHA*`, or `CKM_ECDSA` over the digest; `r || s` is converted to DER). The
//! hashing mechanism is used when the token offers it, the raw one (hashing on the host)
//! otherwise or when [`Pkcs11Options::hash_on_host`] asks for it.
//!
//! Every signature the token returns is verified with the certificate's public key before it
//! is used. When the token goes away (pulled out, session closed), the failing call and every
//! later one return `SignError::Key` — never a panic — and documents already signed are
//! unaffected. The PIN is handed to the module and never kept: `AuthPin` zeroes it on drop.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{
    Attribute, AttributeType, CertificateType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;

use crate::crypto::SchemeKeys as _;
use crate::crypto::{DigestAlgorithm, SignatureScheme};
use crate::pki::Certificate;

use super::external::{digest_info, ecdsa_raw_to_der};
use super::{scheme_for_certificate, SignError, Signer};

/// A loaded and initialised PKCS#11 module (`.so` / `.dll` of the token's vendor, SoftHSM's
/// `libsofthsm2.so`, …).
pub struct Pkcs11Module {
    ctx: Pkcs11,
    path: PathBuf,
}

impl std::fmt::Debug for Pkcs11Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pkcs11Module({})", self.path.display())
    }
}

/// Which token, which key, which algorithm.
#[derive(Debug, Clone)]
pub struct Pkcs11Options {
    /// The slot ID (as listed by [`Pkcs11Module::list`]).
    pub slot: Option<u64>,
    /// The token label. Without slot and label, the only token present is used.
    pub token_label: Option<String>,
    /// The private key's `CKA_LABEL`.
    pub key_label: Option<String>,
    /// The private key's `CKA_ID`. Without label and ID, the only private key is used.
    pub key_id: Option<Vec<u8>>,
    /// The digest algorithm (ECDSA keys use at least the curve's size).
    pub digest: DigestAlgorithm,
    /// RSASSA-PSS instead of PKCS#1 v1.5 (RSA keys).
    pub pss: bool,
    /// More chain certificates (intermediates), besides those found on the token.
    pub chain: Vec<Certificate>,
    /// Hash on the host and use the raw mechanism (`CKM_RSA_PKCS`, `CKM_RSA_PKCS_PSS`,
    /// `CKM_ECDSA`) even when the token offers a hashing one.
    pub hash_on_host: bool,
}

impl Default for Pkcs11Options {
    fn default() -> Self {
        Pkcs11Options {
            slot: None,
            token_label: None,
            key_label: None,
            key_id: None,
            digest: DigestAlgorithm::Sha256,
            pss: false,
            chain: Vec::new(),
            hash_on_host: false,
        }
    }
}

/// A slot as [`Pkcs11Module::list`] describes it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SlotListing {
    /// The slot ID (for `--slot`).
    pub slot: u64,
    /// The slot description.
    pub description: String,
    /// The slot manufacturer.
    pub manufacturer: String,
    /// The token in the slot, if one is present.
    pub token: Option<TokenListing>,
}

/// A token as [`Pkcs11Module::list`] describes it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenListing {
    /// The token label (for `--token-label`).
    pub label: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// Serial number.
    pub serial_number: String,
    /// Whether the token is initialised.
    pub initialized: bool,
    /// Whether a login is needed for private objects.
    pub login_required: bool,
    /// Whether the PIN is entered on the device (PIN pad).
    pub protected_authentication_path: bool,
    /// Whether the user PIN is locked.
    pub user_pin_locked: bool,
    /// Whether the listing logged in (private keys are listed only then).
    pub logged_in: bool,
    /// The signature mechanisms kyso can use that the token offers.
    pub signing_mechanisms: Vec<String>,
    /// Keys and certificates.
    pub objects: Vec<ObjectListing>,
}

/// A key or certificate on a token.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ObjectListing {
    /// `private-key`, `public-key` or `certificate`.
    pub class: String,
    /// `CKA_LABEL` (for `--key-label`).
    pub label: String,
    /// `CKA_ID`, hex (for `--key-id`).
    pub id: String,
    /// `RSA` or `EC` for keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_type: Option<String>,
    /// Certificate subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Certificate issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Certificate serial number, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Certificate end of validity (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
}

/// A signer whose key is on a PKCS#11 token. It holds one logged-in session (behind a mutex,
/// so the signer is `Send + Sync`); signing many documents logs in once. Dropping it closes
/// the session, which logs out.
pub struct Pkcs11Signer {
    session: Mutex<Option<Session>>,
    key: ObjectHandle,
    token: String,
    cert: Certificate,
    chain: Vec<Certificate>,
    scheme: SignatureScheme,
    token_hashes: bool,
}

impl std::fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Pkcs11Signer(token {:?}, {}, {:?})",
            self.token,
            self.cert.subject(),
            self.scheme
        )
    }
}

/// A short description of a PKCS#11 failure (the return value's name, not cryptoki's
/// paragraph).
fn describe(e: &CkError) -> String {
    match e {
        CkError::Pkcs11(rv, func) => {
            let what = match rv {
                RvError::PinIncorrect => "wrong PIN",
                RvError::PinLocked => "the PIN is locked",
                RvError::PinExpired => "the PIN has expired",
                RvError::PinLenRange => "the PIN has the wrong length",
                RvError::DeviceRemoved | RvError::TokenNotPresent => "the token was removed",
                RvError::SessionHandleInvalid | RvError::SessionClosed => {
                    "the token session was closed (token removed?)"
                }
                RvError::ObjectHandleInvalid | RvError::KeyHandleInvalid => {
                    "the key is no longer on the token (token removed?)"
                }
                RvError::DeviceError => "the device failed",
                RvError::UserNotLoggedIn => "not logged in",
                RvError::KeyFunctionNotPermitted => "the key may not sign",
                _ => "",
            };
            if what.is_empty() {
                format!("{rv:?} in C_{func:?}")
            } else {
                format!("{what} ({rv:?} in C_{func:?})")
            }
        }
        other => other.to_string(),
    }
}

/// Whether the failure means the token or session is gone for good.
fn is_gone(e: &CkError) -> bool {
    matches!(
        e,
        CkError::Pkcs11(
            RvError::DeviceRemoved
                | RvError::TokenNotPresent
                | RvError::TokenNotRecognized
                | RvError::SessionHandleInvalid
                | RvError::SessionClosed
                | RvError::DeviceError
                | RvError::SlotIdInvalid
                | RvError::CryptokiNotInitialized
                | RvError::UserNotLoggedIn
                | RvError::KeyHandleInvalid
                | RvError::ObjectHandleInvalid,
            _
        )
    )
}

fn key_error(context: &str, e: &CkError) -> SignError {
    SignError::Key(format!("{context}: {}", describe(e)))
}

/// Hex (lowercase) for IDs.
fn hex(b: &[u8]) -> String {
    super::hex_upper(b).to_ascii_lowercase()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Pkcs11Module {
    /// Loads the module at `path` and initialises it (an already initialised module, e.g.
    /// loaded twice in one process, is fine).
    ///
    /// # Errors
    /// `SignError::Key` when the library cannot be loaded or initialised.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, SignError> {
        let path = path.as_ref().to_path_buf();
        let ctx = Pkcs11::new(&path).map_err(|e| {
            SignError::Key(format!(
                "cannot load the PKCS#11 module {}: {e}",
                path.display()
            ))
        })?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => {
                return Err(key_error(
                    &format!("cannot initialise the PKCS#11 module {}", path.display()),
                    &e,
                ))
            }
        }
        Ok(Pkcs11Module { ctx, path })
    }

    /// The module's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The slot holding the token `opts` names (slot ID or token label), or the only token.
    fn find_slot(&self, opts: &Pkcs11Options) -> Result<(Slot, String), SignError> {
        let slots = self
            .ctx
            .get_slots_with_token()
            .map_err(|e| key_error("cannot list the token slots", &e))?;
        let mut tokens = Vec::new();
        for s in slots {
            if let Ok(info) = self.ctx.get_token_info(s) {
                if info.token_initialized() {
                    tokens.push((s, info.label().trim_end().to_string()));
                }
            }
        }
        let names = |t: &[(Slot, String)]| {
            t.iter()
                .map(|(s, l)| format!("{l:?} in slot {}", s.id()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let chosen: Vec<(Slot, String)> = tokens
            .iter()
            .filter(|(s, l)| {
                opts.slot.is_none_or(|id| s.id() == id)
                    && opts.token_label.as_ref().is_none_or(|want| l == want)
            })
            .cloned()
            .collect();
        match chosen.len() {
            1 => Ok(chosen.into_iter().next().unwrap_or_else(|| unreachable!())),
            0 if tokens.is_empty() => Err(SignError::Key(format!(
                "no token is present for the PKCS#11 module {}",
                self.path.display()
            ))),
            0 => Err(SignError::Key(format!(
                "no token matches{}{} (tokens present: {})",
                opts.slot.map(|s| format!(" slot {s}")).unwrap_or_default(),
                opts.token_label
                    .as_ref()
                    .map(|l| format!(" label {l:?}"))
                    .unwrap_or_default(),
                names(&tokens)
            ))),
            _ => Err(SignError::Key(format!(
                "several tokens are present ({}): choose one with a token label or slot",
                names(&chosen)
            ))),
        }
    }

    /// Opens a session on the token `opts` selects, logs in with `pin` (`None`: a token
    /// without login, or a PIN pad), finds the key and its certificate, and returns the
    /// signer. The PIN is not kept.
    ///
    /// # Errors
    /// `SignError::Key` for a missing or ambiguous token, key or certificate, a wrong PIN,
    /// unsupported mechanisms; `SignError::Certificate` is not checked here (signing does).
    pub fn signer(
        &self,
        opts: &Pkcs11Options,
        pin: Option<&str>,
    ) -> Result<Pkcs11Signer, SignError> {
        let (slot, token) = self.find_slot(opts)?;
        let info = self
            .ctx
            .get_token_info(slot)
            .map_err(|e| key_error("cannot read the token", &e))?;
        let session = self
            .ctx
            .open_ro_session(slot)
            .map_err(|e| key_error(&format!("cannot open a session on token {token:?}"), &e))?;
        login(
            &session,
            &token,
            info.login_required(),
            info.protected_authentication_path(),
            pin,
        )?;

        // The private key.
        let key = find_key(&session, &token, opts)?;
        let key_attrs = session
            .get_attributes(
                key,
                &[
                    AttributeType::Id,
                    AttributeType::Label,
                    AttributeType::KeyType,
                    AttributeType::Modulus,
                    AttributeType::AlwaysAuthenticate,
                ],
            )
            .map_err(|e| key_error("cannot read the private key", &e))?;
        let mut key_id = Vec::new();
        let mut key_label = Vec::new();
        let mut key_type = None;
        let mut modulus = None;
        for a in key_attrs {
            match a {
                Attribute::Id(v) => key_id = v,
                Attribute::Label(v) => key_label = v,
                Attribute::KeyType(t) => key_type = Some(t),
                Attribute::Modulus(m) => modulus = Some(m),
                Attribute::AlwaysAuthenticate(true) => {
                    return Err(SignError::Key(
                        "the key needs its PIN for every signature (CKA_ALWAYS_AUTHENTICATE), \
                         which kyso does not support yet"
                            .into(),
                    ))
                }
                _ => {}
            }
        }
        let ec_point = if key_type == Some(KeyType::EC) {
            public_ec_point(&session, &key_id)
        } else {
            None
        };
        let material = KeyMaterial { modulus, ec_point };

        // Its certificate, and the chain the token holds.
        let token_certs = certificates(&session)?;
        let cert =
            pick_certificate(&token_certs, &key_id, &key_label, &material).ok_or_else(|| {
                SignError::Key(format!(
                    "no certificate for the key {:?} (id {}) on token {token:?}",
                    text(&key_label),
                    hex(&key_id)
                ))
            })?;
        let mut pool: Vec<Certificate> = token_certs.into_iter().map(|(_, c)| c).collect();
        pool.extend(opts.chain.iter().cloned());
        let chain = build_chain(&cert, &pool, &opts.chain);

        let scheme = scheme_for_certificate(&cert, opts.digest, opts.pss)?;
        let mechanisms = self
            .ctx
            .get_mechanism_list(slot)
            .map_err(|e| key_error("cannot list the token's mechanisms", &e))?;
        let hashing = hashing_mechanism(scheme).map(|m| m.mechanism_type());
        let raw = raw_mechanism(scheme).map(|m| m.mechanism_type());
        let token_hashes = match (hashing, raw) {
            (Some(h), _) if !opts.hash_on_host && mechanisms.contains(&h) => true,
            (_, Some(r)) if mechanisms.contains(&r) => false,
            _ => {
                return Err(SignError::Key(format!(
                    "token {token:?} offers no mechanism for {} ({})",
                    scheme.name(),
                    [hashing, raw]
                        .iter()
                        .flatten()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" or ")
                )))
            }
        };
        Ok(Pkcs11Signer {
            session: Mutex::new(Some(session)),
            key,
            token,
            cert,
            chain,
            scheme,
            token_hashes,
        })
    }

    /// Describes the slots and tokens: token details, signature mechanisms, certificates and
    /// public keys, and — when `pin` is given — private keys, logging in to the one token
    /// `opts` selects (slot, label, or the only token). With a slot or label in `opts`, only
    /// that token is listed.
    ///
    /// # Errors
    /// `SignError::Key` when the module fails, or a PIN is given and no single token is
    /// selected, or the login fails.
    pub fn list(
        &self,
        opts: &Pkcs11Options,
        pin: Option<&str>,
    ) -> Result<Vec<SlotListing>, SignError> {
        let login_slot = match pin {
            Some(_) => Some(self.find_slot(opts)?.0),
            None => None,
        };
        let slots = self
            .ctx
            .get_all_slots()
            .map_err(|e| key_error("cannot list the slots", &e))?;
        let mut out = Vec::new();
        for slot in slots {
            if opts.slot.is_some_and(|id| id != slot.id()) {
                continue;
            }
            let info = self
                .ctx
                .get_slot_info(slot)
                .map_err(|e| key_error("cannot read a slot", &e))?;
            let token = if info.token_present() {
                let t = self.list_token(slot, login_slot == Some(slot), pin)?;
                if opts
                    .token_label
                    .as_ref()
                    .is_some_and(|l| t.as_ref().is_none_or(|t| &t.label != l))
                {
                    continue;
                }
                t
            } else {
                if opts.token_label.is_some() {
                    continue;
                }
                None
            };
            out.push(SlotListing {
                slot: slot.id(),
                description: info.slot_description().trim_end().to_string(),
                manufacturer: info.manufacturer_id().trim_end().to_string(),
                token,
            });
        }
        Ok(out)
    }

    fn list_token(
        &self,
        slot: Slot,
        log_in: bool,
        pin: Option<&str>,
    ) -> Result<Option<TokenListing>, SignError> {
        let Ok(info) = self.ctx.get_token_info(slot) else {
            return Ok(None);
        };
        let label = info.label().trim_end().to_string();
        let mechanisms = self.ctx.get_mechanism_list(slot).unwrap_or_default();
        let signing_mechanisms = SIGNING_MECHANISMS
            .iter()
            .filter(|m| mechanisms.contains(m))
            .map(ToString::to_string)
            .collect();
        let mut t = TokenListing {
            label: label.clone(),
            manufacturer: info.manufacturer_id().trim_end().to_string(),
            model: info.model().trim_end().to_string(),
            serial_number: info.serial_number().trim_end().to_string(),
            initialized: info.token_initialized(),
            login_required: info.login_required(),
            protected_authentication_path: info.protected_authentication_path(),
            user_pin_locked: info.user_pin_locked(),
            logged_in: false,
            signing_mechanisms,
            objects: Vec::new(),
        };
        if !info.token_initialized() {
            return Ok(Some(t));
        }
        let session = self
            .ctx
            .open_ro_session(slot)
            .map_err(|e| key_error(&format!("cannot open a session on token {label:?}"), &e))?;
        if log_in {
            login(
                &session,
                &label,
                info.login_required(),
                info.protected_authentication_path(),
                pin,
            )?;
            t.logged_in = true;
        }
        for (class, name) in [
            (ObjectClass::PRIVATE_KEY, "private-key"),
            (ObjectClass::PUBLIC_KEY, "public-key"),
            (ObjectClass::CERTIFICATE, "certificate"),
        ] {
            let handles = session
                .find_objects(&[Attribute::Class(class)])
                .map_err(|e| key_error("cannot list the token's objects", &e))?;
            for h in handles {
                let attrs = session
                    .get_attributes(
                        h,
                        &[
                            AttributeType::Label,
                            AttributeType::Id,
                            AttributeType::KeyType,
                            AttributeType::Value,
                        ],
                    )
                    .unwrap_or_default();
                let mut o = ObjectListing {
                    class: name.into(),
                    label: String::new(),
                    id: String::new(),
                    key_type: None,
                    subject: None,
                    issuer: None,
                    serial: None,
                    not_after: None,
                };
                for a in attrs {
                    match a {
                        Attribute::Label(v) => o.label = text(&v),
                        Attribute::Id(v) => o.id = hex(&v),
                        Attribute::KeyType(k) => {
                            o.key_type = Some(match k {
                                KeyType::RSA => "RSA".into(),
                                KeyType::EC => "EC".into(),
                                other => other.to_string(),
                            })
                        }
                        Attribute::Value(v) if class == ObjectClass::CERTIFICATE => {
                            if let Ok(c) = Certificate::from_der(&v) {
                                o.subject = Some(c.subject().to_string());
                                o.issuer = Some(c.issuer().to_string());
                                o.serial = Some(c.serial_hex());
                                o.not_after = Some(crate::time::format_rfc3339(c.not_after()));
                            }
                        }
                        _ => {}
                    }
                }
                t.objects.push(o);
            }
        }
        Ok(Some(t))
    }
}

/// The mechanisms [`TokenListing::signing_mechanisms`] reports.
const SIGNING_MECHANISMS: [MechanismType; 13] = [
    MechanismType::RSA_PKCS,
    MechanismType::SHA256_RSA_PKCS,
    MechanismType::SHA384_RSA_PKCS,
    MechanismType::SHA512_RSA_PKCS,
    MechanismType::RSA_PKCS_PSS,
    MechanismType::SHA256_RSA_PKCS_PSS,
    MechanismType::SHA384_RSA_PKCS_PSS,
    MechanismType::SHA512_RSA_PKCS_PSS,
    MechanismType::ECDSA,
    MechanismType::ECDSA_SHA256,
    MechanismType::ECDSA_SHA384,
    MechanismType::ECDSA_SHA512,
    MechanismType::ECDSA_SHA224,
];

/// Logs `session` in as the user.
fn login(
    session: &Session,
    token: &str,
    login_required: bool,
    pin_pad: bool,
    pin: Option<&str>,
) -> Result<(), SignError> {
    if !login_required {
        return Ok(());
    }
    let result = match pin {
        Some(p) => {
            let pin = AuthPin::from(p); // zeroed on drop
            session.login(UserType::User, Some(&pin))
        }
        None if pin_pad => session.login(UserType::User, None),
        None => {
            return Err(SignError::Key(format!(
                "token {token:?} needs a PIN to sign"
            )))
        }
    };
    match result {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(e) => Err(key_error(&format!("cannot log in to token {token:?}"), &e)),
    }
}

/// The one private key matching the label/ID in `opts`.
fn find_key(
    session: &Session,
    token: &str,
    opts: &Pkcs11Options,
) -> Result<ObjectHandle, SignError> {
    let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
    if let Some(l) = &opts.key_label {
        template.push(Attribute::Label(l.as_bytes().to_vec()));
    }
    if let Some(id) = &opts.key_id {
        template.push(Attribute::Id(id.clone()));
    }
    let keys = session
        .find_objects(&template)
        .map_err(|e| key_error("cannot search the token's keys", &e))?;
    let describe_keys = || {
        session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
            .unwrap_or_default()
            .into_iter()
            .map(|k| {
                let attrs = session
                    .get_attributes(k, &[AttributeType::Label, AttributeType::Id])
                    .unwrap_or_default();
                let mut label = String::new();
                let mut id = String::new();
                for a in attrs {
                    match a {
                        Attribute::Label(v) => label = text(&v),
                        Attribute::Id(v) => id = hex(&v),
                        _ => {}
                    }
                }
                format!("{label:?} (id {id})")
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match keys.as_slice() {
        [k] => Ok(*k),
        [] => Err(SignError::Key(format!(
            "no private key{}{} on token {token:?} (keys: {})",
            opts.key_label
                .as_ref()
                .map(|l| format!(" labelled {l:?}"))
                .unwrap_or_default(),
            opts.key_id
                .as_ref()
                .map(|id| format!(" with id {}", hex(id)))
                .unwrap_or_default(),
            describe_keys()
        ))),
        _ => Err(SignError::Key(format!(
            "several private keys on token {token:?} match ({}): choose one by label or id",
            describe_keys()
        ))),
    }
}

/// What identifies a private key's public half, where the token tells.
struct KeyMaterial {
    modulus: Option<Vec<u8>>,
    ec_point: Option<Vec<u8>>,
}

impl KeyMaterial {
    /// `Some(true/false)` when the certificate's key can be compared, `None` when not.
    fn matches(&self, cert: &Certificate) -> Option<bool> {
        let key = cert.public_key();
        if let (Some(m), Ok(rsa)) = (&self.modulus, key.rsa()) {
            return Some(strip_zeros(m) == strip_zeros(&rsa.n().to_vec()));
        }
        if let (Some(p), Ok(ec)) = (&self.ec_point, key.ec_key()) {
            let mut ctx = openssl::bn::BigNumContext::new().ok()?;
            let point = ec
                .public_key()
                .to_bytes(
                    ec.group(),
                    openssl::ec::PointConversionForm::UNCOMPRESSED,
                    &mut ctx,
                )
                .ok()?;
            // CKA_EC_POINT is a DER OCTET STRING of the point (some tokens give it bare).
            return Some(p == &point || p == &crate::der::octet_string(&point));
        }
        None
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let skip = b.iter().take_while(|&&x| x == 0).count();
    &b[skip..]
}

/// The `CKA_EC_POINT` of the public key object with `id`, if the token has one.
fn public_ec_point(session: &Session, id: &[u8]) -> Option<Vec<u8>> {
    if id.is_empty() {
        return None;
    }
    let handles = session
        .find_objects(&[
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::Id(id.to_vec()),
        ])
        .ok()?;
    let [h] = handles.as_slice() else {
        return None;
    };
    session
        .get_attributes(*h, &[AttributeType::EcPoint])
        .ok()?
        .into_iter()
        .find_map(|a| match a {
            Attribute::EcPoint(p) => Some(p),
            _ => None,
        })
}

/// Every X.509 certificate on the token with its `CKA_ID` and `CKA_LABEL`.
type TokenCert = ((Vec<u8>, Vec<u8>), Certificate);

fn certificates(session: &Session) -> Result<Vec<TokenCert>, SignError> {
    let handles = session
        .find_objects(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(CertificateType::X_509),
        ])
        .map_err(|e| key_error("cannot search the token's certificates", &e))?;
    let mut out = Vec::new();
    for h in handles {
        let attrs = session
            .get_attributes(
                h,
                &[
                    AttributeType::Id,
                    AttributeType::Label,
                    AttributeType::Value,
                ],
            )
            .map_err(|e| key_error("cannot read a certificate on the token", &e))?;
        let (mut id, mut label, mut value) = (Vec::new(), Vec::new(), None);
        for a in attrs {
            match a {
                Attribute::Id(v) => id = v,
                Attribute::Label(v) => label = v,
                Attribute::Value(v) => value = Some(v),
                _ => {}
            }
        }
        if let Some(c) = value.and_then(|v| Certificate::from_der(&v).ok()) {
            out.push(((id, label), c));
        }
    }
    Ok(out)
}

/// The key's certificate: same `CKA_ID` (else same label) and, where the token lets us
/// compare, the same public key; else any certificate with the same public key.
fn pick_certificate(
    certs: &[TokenCert],
    key_id: &[u8],
    key_label: &[u8],
    key: &KeyMaterial,
) -> Option<Certificate> {
    let by_name = certs
        .iter()
        .filter(|((id, label), _)| {
            if key_id.is_empty() {
                !key_label.is_empty() && label == key_label
            } else {
                id == key_id
            }
        })
        .map(|(_, c)| c)
        .find(|c| key.matches(c) != Some(false));
    by_name
        .or_else(|| {
            certs
                .iter()
                .map(|(_, c)| c)
                .find(|c| key.matches(c) == Some(true))
        })
        .cloned()
}

/// The chain above `cert` from `pool` (issuer by name and signature), then `extra`.
fn build_chain(
    cert: &Certificate,
    pool: &[Certificate],
    extra: &[Certificate],
) -> Vec<Certificate> {
    let mut chain: Vec<Certificate> = Vec::new();
    let mut current = cert.clone();
    while chain.len() < 8 && !current.is_self_issued() {
        let Some(issuer) = pool.iter().find(|c| {
            *c != &current
                && c.subject_der() == current.issuer_der()
                && current.is_signed_by(c)
                && !chain.contains(c)
        }) else {
            break;
        };
        chain.push(issuer.clone());
        current = issuer.clone();
    }
    for c in extra {
        if c != cert && !chain.contains(c) {
            chain.push(c.clone());
        }
    }
    chain
}

fn mgf(d: DigestAlgorithm) -> Option<PkcsMgfType> {
    Some(match d {
        DigestAlgorithm::Sha1 => PkcsMgfType::MGF1_SHA1,
        DigestAlgorithm::Sha224 => PkcsMgfType::MGF1_SHA224,
        DigestAlgorithm::Sha256 => PkcsMgfType::MGF1_SHA256,
        DigestAlgorithm::Sha384 => PkcsMgfType::MGF1_SHA384,
        DigestAlgorithm::Sha512 => PkcsMgfType::MGF1_SHA512,
        _ => return None,
    })
}

fn hash_mechanism_type(d: DigestAlgorithm) -> Option<MechanismType> {
    Some(match d {
        DigestAlgorithm::Sha1 => MechanismType::SHA1,
        DigestAlgorithm::Sha224 => MechanismType::SHA224,
        DigestAlgorithm::Sha256 => MechanismType::SHA256,
        DigestAlgorithm::Sha384 => MechanismType::SHA384,
        DigestAlgorithm::Sha512 => MechanismType::SHA512,
        _ => return None,
    })
}

fn pss_params(
    digest: DigestAlgorithm,
    mgf_digest: DigestAlgorithm,
    salt_len: u32,
) -> Option<PkcsPssParams> {
    Some(PkcsPssParams {
        hash_alg: hash_mechanism_type(digest)?,
        mgf: mgf(mgf_digest)?,
        s_len: u64::from(salt_len).into(),
    })
}

/// The mechanism that hashes on the token, if PKCS#11 has one for `scheme`.
fn hashing_mechanism(scheme: SignatureScheme) -> Option<Mechanism<'static>> {
    use DigestAlgorithm as D;
    Some(match scheme {
        SignatureScheme::RsaPkcs1 { digest } => match digest {
            D::Sha1 => Mechanism::Sha1RsaPkcs,
            D::Sha224 => Mechanism::Sha224RsaPkcs,
            D::Sha256 => Mechanism::Sha256RsaPkcs,
            D::Sha384 => Mechanism::Sha384RsaPkcs,
            D::Sha512 => Mechanism::Sha512RsaPkcs,
            _ => return None,
        },
        SignatureScheme::RsaPss {
            digest,
            mgf_digest,
            salt_len,
        } => {
            let p = pss_params(digest, mgf_digest, salt_len)?;
            match digest {
                D::Sha1 => Mechanism::Sha1RsaPkcsPss(p),
                D::Sha256 => Mechanism::Sha256RsaPkcsPss(p),
                D::Sha384 => Mechanism::Sha384RsaPkcsPss(p),
                D::Sha512 => Mechanism::Sha512RsaPkcsPss(p),
                _ => return None,
            }
        }
        SignatureScheme::Ecdsa { digest } => match digest {
            D::Sha1 => Mechanism::EcdsaSha1,
            D::Sha224 => Mechanism::EcdsaSha224,
            D::Sha256 => Mechanism::EcdsaSha256,
            D::Sha384 => Mechanism::EcdsaSha384,
            D::Sha512 => Mechanism::EcdsaSha512,
            _ => return None,
        },
        _ => return None,
    })
}

/// The mechanism that signs a digest computed on the host.
fn raw_mechanism(scheme: SignatureScheme) -> Option<Mechanism<'static>> {
    Some(match scheme {
        SignatureScheme::RsaPkcs1 { .. } => Mechanism::RsaPkcs,
        SignatureScheme::RsaPss {
            digest,
            mgf_digest,
            salt_len,
        } => Mechanism::RsaPkcsPss(pss_params(digest, mgf_digest, salt_len)?),
        SignatureScheme::Ecdsa { .. } => Mechanism::Ecdsa,
        _ => return None,
    })
}

impl Pkcs11Signer {
    /// The label of the token the key is on.
    pub fn token_label(&self) -> &str {
        &self.token
    }

    /// Whether the token hashes (a `CKM_SHA*_…` mechanism) or kyso hashes and the token signs
    /// the digest.
    pub fn token_hashes(&self) -> bool {
        self.token_hashes
    }

    /// Logs out and closes the session now (dropping the signer does the same, quietly).
    ///
    /// # Errors
    /// When the token reports a failure (e.g. it was removed).
    pub fn close(self) -> Result<(), SignError> {
        let session = self
            .session
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(s) = session {
            let _ = s.logout();
            s.close()
                .map_err(|e| key_error(&format!("closing the session on {:?}", self.token), &e))?;
        }
        Ok(())
    }

    fn sign_on_token(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let (mechanism, data) = if self.token_hashes {
            (hashing_mechanism(self.scheme), message.to_vec())
        } else {
            let digest = self.scheme.digest().digest(message);
            let data = match self.scheme {
                SignatureScheme::RsaPkcs1 { digest: d } => digest_info(d, &digest),
                _ => digest,
            };
            (raw_mechanism(self.scheme), data)
        };
        let mechanism = mechanism
            .ok_or_else(|| SignError::Internal("no PKCS#11 mechanism for the scheme".into()))?;
        let mut guard = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(session) = guard.as_ref() else {
            return Err(SignError::Key(format!(
                "token {:?} is no longer available (it was removed or its session closed \
                 during an earlier signature)",
                self.token
            )));
        };
        match session.sign(&mechanism, self.key, &data) {
            Ok(sig) => Ok(sig),
            Err(e) => {
                if is_gone(&e) {
                    // The session is dead: drop it (closing fails quietly) so that every
                    // later document fails fast with the same clean error.
                    *guard = None;
                }
                Err(key_error(
                    &format!("token {:?} could not sign", self.token),
                    &e,
                ))
            }
        }
    }
}

impl Signer for Pkcs11Signer {
    fn certificate(&self) -> &Certificate {
        &self.cert
    }
    fn chain(&self) -> &[Certificate] {
        &self.chain
    }
    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let sig = self.sign_on_token(message)?;
        let sig = match self.scheme {
            SignatureScheme::Ecdsa { .. } => ecdsa_raw_to_der(&sig)?,
            _ => sig,
        };
        match self.scheme.verify(self.cert.public_key(), message, &sig) {
            Ok(true) => Ok(sig),
            _ => Err(SignError::Key(format!(
                "the signature from token {:?} does not verify with the certificate of {}: \
                 the certificate does not belong to the key, or the token signed wrongly",
                self.token,
                self.cert.subject()
            ))),
        }
    }
}

/// A text rendering of [`Pkcs11Module::list`]'s result, for `kyso tokens`.
pub fn render_listing(slots: &[SlotListing]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    if slots.is_empty() {
        s.push_str("no slots\n");
    }
    for slot in slots {
        let _ = writeln!(s, "slot {}: {}", slot.slot, slot.description);
        let Some(t) = &slot.token else {
            s.push_str("  no token\n");
            continue;
        };
        let _ = writeln!(
            s,
            "  token {:?}: {} {} (serial {}){}{}{}",
            t.label,
            t.manufacturer,
            t.model,
            t.serial_number,
            if t.initialized {
                ""
            } else {
                ", not initialised"
            },
            if t.protected_authentication_path {
                ", PIN pad"
            } else {
                ""
            },
            if t.user_pin_locked {
                ", PIN LOCKED"
            } else {
                ""
            },
        );
        if !t.signing_mechanisms.is_empty() {
            let _ = writeln!(s, "  mechanisms: {}", t.signing_mechanisms.join(", "));
        }
        for o in &t.objects {
            let _ = write!(s, "  {} {:?} id {}", o.class, o.label, o.id);
            if let Some(k) = &o.key_type {
                let _ = write!(s, " {k}");
            }
            if let Some(sub) = &o.subject {
                let _ = write!(
                    s,
                    "\n    subject: {sub}\n    issuer:  {}\n    serial:  {}, valid until {}",
                    o.issuer.as_deref().unwrap_or(""),
                    o.serial.as_deref().unwrap_or(""),
                    o.not_after.as_deref().unwrap_or("")
                );
            }
            s.push('\n');
        }
        if t.initialized && t.login_required && !t.logged_in {
            s.push_str("  (private keys are listed after logging in: give the PIN)\n");
        }
    }
    s
}
