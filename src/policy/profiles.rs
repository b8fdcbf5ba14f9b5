//! Trust profiles: named sets of trust anchors plus known intermediate certificates, for
//! Vietnam's two signature hierarchies. Both are bundled in the crate (`include_bytes!` of
//! the public certificates in `testdata/pki-vn/`):
//!
//! | profile | trust anchor (SHA-256) | known intermediates |
//! |---|---|---|
//! | `vn-public` | Vietnam National Root CA (NEAC), [`VN_NATIONAL_ROOT_SHA256`] | VNPT-CA SHA2, [`VNPT_CA_SHA2_SHA256`]; VNPT SmartCA RS, [`VNPT_SMARTCA_RS_SHA256`] |
//! | `vn-gov` | RootCA chuyên dùng Chính phủ G2 (Ban Cơ yếu Chính phủ), [`VN_GOV_ROOT_G2_SHA256`] | CA phục vụ các cơ quan Nhà nước G2, [`VN_GOV_CA_G2_SHA256`] |
//!
//! Intermediates are path-building candidates, never anchors: a certificate they issued is
//! trusted only through the chain to the profile's anchor, every signature checked.
//! VNPT SmartCA RS issues VNPT's cloud (remote) signing certificates; it expired on
//! 2026-11-18, so a SmartCA signature without a time-stamp validates only at a time inside
//! its validity (`--at` the signing time).
//!
//! A profile may name the time-stamp authority its CA publishes ([`TrustProfile::tsa_url`]);
//! users keep their own profiles as TOML files ([`TrustProfile::to_toml`],
//! [`Profiles::load_dir`]).
//!
//! Compare the fingerprints with the ones the operators publish (rootca.gov.vn, ca.gov.vn)
//! before relying on them. Users can add anchors to a profile, replace its anchors, or define
//! their own profiles ([`Profiles::add_anchors`], [`Profiles::replace_anchors`],
//! [`Profiles::insert`]).
//!
//! Fingerprints are computed here from the bundled DER with SHA-256, so the rules that compare
//! a report's `chain_sha256` with a profile (R7) need no certificate parsing.

use std::collections::BTreeMap;

use base64::Engine as _;
use sha2::Digest as _;

use crate::pki::Certificate;

/// Names of the bundled profiles.
pub(crate) const BUNDLED_PROFILE_NAMES: &[&str] = &["vn-public", "vn-gov"];

/// SHA-256 of the Vietnam National Root CA (NEAC), anchor of `vn-public` (2014-04-15 →
/// 2039-04-15).
pub const VN_NATIONAL_ROOT_SHA256: &str =
    "BA:C8:BF:60:9A:B4:20:A8:EE:17:80:D7:4F:4D:E5:C7:F7:18:49:59:D2:A7:37:5B:0A:75:E4:C2:9F:09:08:E7";
/// SHA-256 of VNPT-CA SHA2, intermediate of `vn-public` (2024-08-30 → 2029-08-30).
pub const VNPT_CA_SHA2_SHA256: &str =
    "7D:6B:A5:24:53:17:F9:ED:5D:8B:C7:65:A4:63:4D:26:AC:63:40:D3:6B:9F:58:4D:F3:B5:2D:9C:4A:81:A3:06";
/// SHA-256 of VNPT SmartCA RS, intermediate of `vn-public`: the issuing CA of VNPT SmartCA
/// cloud signatures (2021-11-18 → 2026-11-18).
pub const VNPT_SMARTCA_RS_SHA256: &str =
    "95:CF:8F:36:C9:86:E0:C0:F7:E0:37:61:B1:7D:78:04:07:2C:B6:44:B2:35:A8:F1:C6:21:07:F8:80:4A:48:89";
/// SHA-256 of RootCA chuyên dùng Chính phủ G2, anchor of `vn-gov` (2018-08-22 → 2048-08-14).
pub const VN_GOV_ROOT_G2_SHA256: &str =
    "F0:4B:A4:B4:59:A7:C9:A1:B9:71:AD:9B:1C:B8:33:E6:95:A8:0C:79:AE:A6:3B:17:4B:66:A7:0E:DF:E2:FD:B8";
/// SHA-256 of "CA phục vụ các cơ quan Nhà nước G2", intermediate of `vn-gov` (2018-08-22 →
/// 2048-08-14).
pub const VN_GOV_CA_G2_SHA256: &str =
    "D8:CA:B7:A4:AE:F9:2E:6B:B2:50:9D:7C:61:CE:E7:B4:4F:37:31:B2:D2:10:74:96:35:30:27:7B:36:6F:AE:4B";

const VN_NATIONAL_ROOT_PEM: &[u8] =
    include_bytes!("../../testdata/pki-vn/vietnam-national-root-ca.pem");
const VNPT_CA_SHA2_PEM: &[u8] = include_bytes!("../../testdata/pki-vn/vnpt-ca-sha2.pem");
const VNPT_SMARTCA_RS_PEM: &[u8] = include_bytes!("../../testdata/pki-vn/vnpt-smartca-rs-ca.pem");
const VN_GOV_ROOT_G2_PEM: &[u8] =
    include_bytes!("../../testdata/pki-vn/rootca-chuyen-dung-chinh-phu-g2.pem");
const VN_GOV_CA_G2_PEM: &[u8] =
    include_bytes!("../../testdata/pki-vn/ca-phuc-vu-co-quan-nha-nuoc-g2.pem");

/// Errors handling profiles.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// No profile of this name.
    #[error("unknown trust profile {name:?} (known: {known})")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The known names, comma separated.
        known: String,
    },
    /// A profile file that cannot be read or written.
    #[error("trust profile file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A profile name that cannot be a file name.
    #[error("invalid trust profile name {0:?} (letters, digits, '-', '_' and '.')")]
    BadName(String),
    /// Certificates that could not be read.
    #[error("trust profile {name:?}: {reason}")]
    BadCertificate {
        /// The profile.
        name: String,
        /// Why.
        reason: String,
    },
}

/// A named set of trust anchors and known intermediates (DER).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustProfile {
    /// Name (`vn-public`, `vn-gov`, or a user's).
    pub name: String,
    /// What it is, in Vietnamese.
    pub description: String,
    /// The time-stamp authority the profile's CA publishes (`http://…`), used by
    /// `kyso sign --level B-T --trust-profile NAME` when no `--tsa` is given.
    pub tsa_url: Option<String>,
    anchors: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
}

impl TrustProfile {
    /// A profile from DER certificates.
    pub fn new(
        name: &str,
        description: &str,
        anchors: Vec<Vec<u8>>,
        intermediates: Vec<Vec<u8>>,
    ) -> Self {
        TrustProfile {
            name: name.into(),
            description: description.into(),
            tsa_url: None,
            anchors,
            intermediates,
        }
    }
    /// A profile from a certificate bundle (PEM, DER, or PKCS#7 `.p7b`/`.p7c` such as NEAC's):
    /// its self-signed certificates become anchors, the others intermediates (path-building
    /// candidates).
    ///
    /// # Errors
    /// Input without certificates, or with no self-signed one.
    pub fn from_bundle(name: &str, description: &str, data: &[u8]) -> Result<Self, ProfileError> {
        let mut p = TrustProfile::new(name, description, Vec::new(), Vec::new());
        p.add_bundle(data)?;
        if p.anchors.is_empty() {
            return Err(ProfileError::BadCertificate {
                name: name.into(),
                reason: "the bundle has no self-signed (root) certificate to use as an anchor"
                    .into(),
            });
        }
        Ok(p)
    }
    /// Adds a bundle's certificates: self-signed ones as anchors, the others as
    /// intermediates; returns how many were new.
    ///
    /// # Errors
    /// Input without certificates.
    pub fn add_bundle(&mut self, data: &[u8]) -> Result<usize, ProfileError> {
        let certs = Certificate::from_bundle(data).map_err(|e| ProfileError::BadCertificate {
            name: self.name.clone(),
            reason: e.to_string(),
        })?;
        let mut added = 0;
        for c in certs {
            let der = c.der().to_vec();
            if self.anchors.contains(&der) || self.intermediates.contains(&der) {
                continue;
            }
            if c.is_self_issued() && c.is_signed_by(&c) {
                self.anchors.push(der);
            } else {
                self.intermediates.push(der);
            }
            added += 1;
        }
        Ok(added)
    }
    /// Adds `other`'s anchors and intermediates (and its TSA URL when it names one).
    pub fn merge(&mut self, other: &TrustProfile) {
        for a in &other.anchors {
            if !self.anchors.contains(a) {
                self.anchors.push(a.clone());
            }
        }
        for i in &other.intermediates {
            if !self.intermediates.contains(i) && !self.anchors.contains(i) {
                self.intermediates.push(i.clone());
            }
        }
        if other.tsa_url.is_some() {
            self.tsa_url.clone_from(&other.tsa_url);
        }
    }
    /// Every certificate (anchors first) as PEM text.
    pub fn to_pem(&self) -> String {
        self.anchors
            .iter()
            .chain(&self.intermediates)
            .map(|d| pem(d))
            .collect()
    }
    /// The profile as a TOML document (see [`TrustProfile::from_toml`]).
    pub fn to_toml(&self) -> String {
        let file = ProfileFile {
            name: self.name.clone(),
            description: self.description.clone(),
            tsa_url: self.tsa_url.clone(),
            anchors: self.anchors.iter().map(|d| pem(d)).collect(),
            intermediates: self.intermediates.iter().map(|d| pem(d)).collect(),
        };
        toml::to_string(&file).unwrap_or_default()
    }
    /// Reads a profile file: `name`, `description`, optional `tsa_url`, and `anchors` and
    /// `intermediates` as arrays of PEM strings.
    ///
    /// # Errors
    /// Malformed TOML or certificates.
    pub fn from_toml(text: &str) -> Result<Self, ProfileError> {
        let f: ProfileFile = toml::from_str(text).map_err(|e| ProfileError::File {
            path: String::new(),
            reason: e.to_string(),
        })?;
        let read = |pems: &[String]| -> Result<Vec<Vec<u8>>, ProfileError> {
            let mut out = Vec::new();
            for p in pems {
                out.extend(read_certificates(&f.name, p.as_bytes())?);
            }
            Ok(out)
        };
        let mut p = TrustProfile::new(
            &f.name,
            &f.description,
            read(&f.anchors)?,
            read(&f.intermediates)?,
        );
        p.tsa_url = f.tsa_url;
        Ok(p)
    }
    /// The anchors' DER.
    pub fn anchors_der(&self) -> &[Vec<u8>] {
        &self.anchors
    }
    /// The intermediates' DER.
    pub fn intermediates_der(&self) -> &[Vec<u8>] {
        &self.intermediates
    }
    /// SHA-256 fingerprints of the anchors (uppercase hex with colons).
    pub fn anchor_fingerprints(&self) -> Vec<String> {
        self.anchors.iter().map(|d| fingerprint(d)).collect()
    }
    /// SHA-256 fingerprints of the intermediates.
    pub fn intermediate_fingerprints(&self) -> Vec<String> {
        self.intermediates.iter().map(|d| fingerprint(d)).collect()
    }
    /// Whether a fingerprint (any case, with or without colons) is one of the anchors'.
    pub fn has_anchor(&self, sha256: &str) -> bool {
        let want = normalize_fingerprint(sha256);
        self.anchors
            .iter()
            .any(|d| normalize_fingerprint(&fingerprint(d)) == want)
    }
    /// The anchors, parsed.
    ///
    /// # Errors
    /// A certificate kyso cannot parse.
    pub fn anchors(&self) -> Result<Vec<Certificate>, ProfileError> {
        self.parse(&self.anchors)
    }
    /// The intermediates, parsed.
    ///
    /// # Errors
    /// A certificate kyso cannot parse.
    pub fn intermediates(&self) -> Result<Vec<Certificate>, ProfileError> {
        self.parse(&self.intermediates)
    }
    fn parse(&self, ders: &[Vec<u8>]) -> Result<Vec<Certificate>, ProfileError> {
        ders.iter()
            .map(|d| {
                Certificate::from_der(d).map_err(|e| ProfileError::BadCertificate {
                    name: self.name.clone(),
                    reason: e.to_string(),
                })
            })
            .collect()
    }
}

/// A trust profile file (TOML).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tsa_url: Option<String>,
    #[serde(default)]
    anchors: Vec<String>,
    #[serde(default)]
    intermediates: Vec<String>,
}

/// PEM text of one DER certificate.
fn pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Whether `name` can name a profile file.
pub(crate) fn valid_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The bundled profile of this name.
pub(crate) fn bundled(name: &str) -> Option<TrustProfile> {
    match name {
        "vn-public" => Some(TrustProfile::new(
            "vn-public",
            "Chứng thư số công cộng: Vietnam National Root CA (NEAC, Trung tâm Chứng thực điện tử quốc gia)",
            pem_blocks(VN_NATIONAL_ROOT_PEM),
            [pem_blocks(VNPT_CA_SHA2_PEM), pem_blocks(VNPT_SMARTCA_RS_PEM)].concat(),
        )),
        "vn-gov" => Some(TrustProfile::new(
            "vn-gov",
            "Chứng thư số chuyên dùng công vụ: RootCA chuyên dùng Chính phủ G2 (Ban Cơ yếu Chính phủ)",
            pem_blocks(VN_GOV_ROOT_G2_PEM),
            pem_blocks(VN_GOV_CA_G2_PEM),
        )),
        _ => None,
    }
}

/// A set of named profiles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profiles {
    map: BTreeMap<String, TrustProfile>,
}

impl Profiles {
    /// No profiles.
    pub fn empty() -> Self {
        Profiles::default()
    }
    /// The bundled profiles (`vn-public`, `vn-gov`).
    pub fn bundled() -> Self {
        let mut p = Profiles::default();
        for n in BUNDLED_PROFILE_NAMES {
            if let Some(t) = bundled(n) {
                p.insert(t);
            }
        }
        p
    }
    /// The bundled profiles, then the user's profile files (`*.toml`) of `dir` in name
    /// order: a file whose profile has a bundled profile's name adds its certificates (and
    /// TSA URL) to it; others add new profiles. A missing directory adds nothing.
    ///
    /// # Errors
    /// A file that cannot be read or parsed.
    pub fn load_dir(dir: &std::path::Path) -> Result<Self, ProfileError> {
        let mut p = Profiles::bundled();
        for profile in read_profile_dir(dir)? {
            p.merge_in(profile);
        }
        Ok(p)
    }
    /// Adds a profile, merging it into an existing one of the same name.
    pub fn merge_in(&mut self, profile: TrustProfile) {
        match self.map.get_mut(&profile.name) {
            Some(existing) => existing.merge(&profile),
            None => self.insert(profile),
        }
    }
    /// Adds or replaces a profile.
    pub fn insert(&mut self, profile: TrustProfile) {
        self.map.insert(profile.name.clone(), profile);
    }
    /// The profile of this name.
    pub fn get(&self, name: &str) -> Option<&TrustProfile> {
        self.map.get(name)
    }
    /// The profile of this name, or an error naming the known ones.
    ///
    /// # Errors
    /// [`ProfileError::Unknown`].
    pub fn require(&self, name: &str) -> Result<&TrustProfile, ProfileError> {
        self.map.get(name).ok_or_else(|| self.unknown(name))
    }
    /// Profile names.
    pub fn names(&self) -> Vec<&str> {
        self.map.keys().map(String::as_str).collect()
    }
    /// Every profile.
    pub fn iter(&self) -> impl Iterator<Item = &TrustProfile> {
        self.map.values()
    }
    fn unknown(&self, name: &str) -> ProfileError {
        ProfileError::Unknown {
            name: name.into(),
            known: self.names().join(", "),
        }
    }
    /// Adds anchors (PEM bundle or DER) to a profile.
    ///
    /// # Errors
    /// Unknown profile, or input that is not certificates.
    pub fn add_anchors(&mut self, name: &str, pem_or_der: &[u8]) -> Result<(), ProfileError> {
        let certs = read_certificates(name, pem_or_der)?;
        let unknown = self.unknown(name);
        let p = self.map.get_mut(name).ok_or(unknown)?;
        for c in certs {
            if !p.anchors.contains(&c) {
                p.anchors.push(c);
            }
        }
        Ok(())
    }
    /// Replaces a profile's anchors (PEM bundle or DER); its intermediates stay.
    ///
    /// # Errors
    /// Unknown profile, or input that is not certificates.
    pub fn replace_anchors(&mut self, name: &str, pem_or_der: &[u8]) -> Result<(), ProfileError> {
        let certs = read_certificates(name, pem_or_der)?;
        let unknown = self.unknown(name);
        let p = self.map.get_mut(name).ok_or(unknown)?;
        p.anchors = certs;
        Ok(())
    }
    /// The profiles whose anchors include this fingerprint.
    pub fn profiles_with_anchor(&self, sha256: &str) -> Vec<&str> {
        self.map
            .values()
            .filter(|p| p.has_anchor(sha256))
            .map(|p| p.name.as_str())
            .collect()
    }
}

/// The profile files of `dir` (`*.toml`, name order); none when `dir` does not exist.
fn read_profile_dir(dir: &std::path::Path) -> Result<Vec<TrustProfile>, ProfileError> {
    let err = |path: &std::path::Path, e: &dyn std::fmt::Display| ProfileError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(err(dir, &e)),
    };
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files.iter().take(1000) {
        let text = std::fs::read_to_string(f).map_err(|e| err(f, &e))?;
        let profile = TrustProfile::from_toml(&text).map_err(|e| match e {
            ProfileError::File { reason, .. } => err(f, &reason),
            other => err(f, &other),
        })?;
        out.push(profile);
    }
    Ok(out)
}

/// Writes (or extends) the user profile `name` in `dir` with a certificate bundle (PEM, DER
/// or PKCS#7): self-signed certificates become anchors, others intermediates. `tsa_url`,
/// when given, replaces the file's. Returns the file written and the profile as saved.
///
/// # Errors
/// Invalid name, unreadable bundle, I/O.
pub fn add_to_profile_dir(
    dir: &std::path::Path,
    name: &str,
    bundle: &[u8],
    tsa_url: Option<&str>,
) -> Result<(std::path::PathBuf, TrustProfile), ProfileError> {
    if !valid_profile_name(name) {
        return Err(ProfileError::BadName(name.into()));
    }
    let path = dir.join(format!("{name}.toml"));
    let io = |e: std::io::Error| ProfileError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut profile = match std::fs::read_to_string(&path) {
        Ok(text) => TrustProfile::from_toml(&text).map_err(|e| ProfileError::File {
            path: path.display().to_string(),
            reason: match e {
                ProfileError::File { reason, .. } => reason,
                other => other.to_string(),
            },
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            TrustProfile::new(name, "Hồ sơ tin cậy của người dùng", Vec::new(), Vec::new())
        }
        Err(e) => return Err(io(e)),
    };
    profile.add_bundle(bundle)?;
    if let Some(u) = tsa_url {
        profile.tsa_url = Some(u.to_string());
    }
    if profile.anchors.is_empty() && bundled(name).is_none() {
        return Err(ProfileError::BadCertificate {
            name: name.into(),
            reason: "a new profile needs a self-signed (root) certificate as its anchor".into(),
        });
    }
    std::fs::create_dir_all(dir).map_err(io)?;
    crate::io::write_atomic(&path, profile.to_toml().as_bytes(), true).map_err(io)?;
    Ok((path, profile))
}

fn read_certificates(name: &str, data: &[u8]) -> Result<Vec<Vec<u8>>, ProfileError> {
    let certs = Certificate::from_pem_or_der(data).map_err(|e| ProfileError::BadCertificate {
        name: name.into(),
        reason: e.to_string(),
    })?;
    Ok(certs.iter().map(|c| c.der().to_vec()).collect())
}

/// SHA-256 of DER as uppercase hex with colons (the report's spelling).
pub(crate) fn fingerprint(der: &[u8]) -> String {
    let d = sha2::Sha256::digest(der);
    d.iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Uppercase hex without separators.
pub(crate) fn normalize_fingerprint(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The DER of every `CERTIFICATE` block of a PEM text (bundled, trusted input).
fn pem_blocks(pem: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(pem);
    let mut out = Vec::new();
    let mut inside = false;
    let mut b64 = String::new();
    for line in text.lines() {
        let l = line.trim();
        if l == "-----BEGIN CERTIFICATE-----" {
            inside = true;
            b64.clear();
        } else if l == "-----END CERTIFICATE-----" {
            inside = false;
            if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b64.as_bytes()) {
                out.push(der);
            }
        } else if inside {
            b64.push_str(l);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_fingerprints_match_the_documented_ones() {
        let public = bundled("vn-public").unwrap();
        assert_eq!(
            public.anchor_fingerprints(),
            vec![VN_NATIONAL_ROOT_SHA256.to_string()]
        );
        assert_eq!(
            public.intermediate_fingerprints(),
            vec![
                VNPT_CA_SHA2_SHA256.to_string(),
                VNPT_SMARTCA_RS_SHA256.to_string()
            ]
        );
        let gov = bundled("vn-gov").unwrap();
        assert_eq!(
            gov.anchor_fingerprints(),
            vec![VN_GOV_ROOT_G2_SHA256.to_string()]
        );
        assert_eq!(
            gov.intermediate_fingerprints(),
            vec![VN_GOV_CA_G2_SHA256.to_string()]
        );
        assert!(bundled("vn-other").is_none());
    }

    #[test]
    fn anchors_are_found_by_fingerprint_in_any_spelling() {
        let p = Profiles::bundled();
        assert_eq!(p.names(), vec!["vn-gov", "vn-public"]);
        let lower = VN_GOV_ROOT_G2_SHA256.replace(':', "").to_lowercase();
        assert_eq!(p.profiles_with_anchor(&lower), vec!["vn-gov"]);
        assert_eq!(
            p.profiles_with_anchor(VN_NATIONAL_ROOT_SHA256),
            vec!["vn-public"]
        );
        // An intermediate is not an anchor.
        assert!(p.profiles_with_anchor(VN_GOV_CA_G2_SHA256).is_empty());
    }

    #[test]
    fn unknown_profile_is_an_error_naming_the_known_ones() {
        let p = Profiles::bundled();
        let e = p.require("vn-xyz").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown trust profile \"vn-xyz\" (known: vn-gov, vn-public)"
        );
    }
}
