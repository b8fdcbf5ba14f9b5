//! Procedure policies for Vietnam's online public services: does a submission or a result
//! meet the rules of its administrative procedure?
//!
//! Data flows one way: bytes → [`crate::validate`] (a [`FileReport`] per file: integrity,
//! chain, validity, level) → `rules` (pure functions over the reports and the
//! `catalog` entry) → a `PolicyReport` with a verdict (compliant / not compliant /
//! cannot decide), every rule outcome with its legal source and the signature it concerns,
//! in Vietnamese or English.
//!
//! - `catalog`: the procedure catalog (TOML, documented in `docs/catalog.md`), with an
//!   example catalog bundled.
//! - `import`: the National Public Service Portal's data (CSV, JSON Lines) and a provincial
//!   overlay into a catalog ([`import_catalog`]); writing a catalog as TOML.
//! - `profiles`: the bundled trust profiles `vn-public` (Vietnam National Root CA) and
//!   `vn-gov` (RootCA chuyên dùng Chính phủ G2), with their fingerprints.
//! - `classify`: individual or organisation certificate.
//! - `rules`: R0–R17 as pure functions.
//! - `report`, `i18n`: the report and its texts.
//!
//! A portal backend holds the dossier in memory:
//!
//! ```no_run
//! use kyso::policy::{InputFile, Policy};
//!
//! let policy = Policy::example()?; // or Policy::new(Catalog::from_path(..)?, Profiles::bundled())
//! let form = std::fs::read("don-de-nghi.pdf")?;
//! let report = policy.check_submission("2.001098", &[InputFile::new("don-de-nghi.pdf", &form)])?;
//! println!("{}", kyso::policy::render_text(&report, false));
//! if !report.is_compliant() { /* refuse the dossier, show report.outcomes */ }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The policy does no I/O except where [`Catalog::from_path`] reads a catalog file.

internal_mod! {
    catalog;
    classify;
    i18n;
    import;
    profiles;
    report;
    rules;
}

use serde::Serialize;

pub use catalog::{
    normalize_code, Algorithms, Catalog, CatalogError, CatalogErrorKind, CatalogWarning,
    ClassificationOverrides, Component, Mode, NationalFacts, NoPaperDecision, Origin, Patterns,
    Pkcs1Policy, Procedure, RequiredSignature, ResultDocument, ResultRules, SignerKind,
    SubmissionMethod,
};
pub use classify::{Basis, CertKind};
pub use i18n::{Lang, Msg};
pub use import::{
    import_catalog, ImportInput, ImportSources, ImportStats, Imported, MAX_IMPORT_INPUT,
};
pub use profiles::{
    add_to_profile_dir, ProfileError, Profiles, TrustProfile, VNPT_CA_SHA2_SHA256,
    VNPT_SMARTCA_RS_SHA256, VN_GOV_CA_G2_SHA256, VN_GOV_ROOT_G2_SHA256, VN_NATIONAL_ROOT_SHA256,
};
pub use report::{
    render_text, FileInfo, PolicyReport, ProcedureInfo, RuleOutcome, SignatureInfo, SignatureRef,
};
pub use rules::{Outcome, RuleId, SignatureRole, Status, Verdict};

use crate::pki::{Certificate, TrustStore};
use crate::report::FileReport;
use crate::validate::{ValidationOptions, Validator};

/// What a dossier is checked as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// What the applicant submits (hồ sơ).
    Submission,
    /// What the agency issues (kết quả).
    Result,
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "submission" => Ok(Role::Submission),
            "result" => Ok(Role::Result),
            _ => Err(format!(
                "unknown role {s:?}: expected \"submission\" or \"result\""
            )),
        }
    }
}

/// Errors that stop a check (a dossier that breaks rules is not an error: it gets a report).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The catalog is malformed.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A trust profile is unknown or unusable.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// Not a procedure code.
    #[error("{code:?} is not a procedure code: expected a digit then letters, digits, '.' or '-', e.g. \"1.014464\", \"1.001193.02\" or \"1.014464.H12\"")]
    BadProcedureCode {
        /// The code given.
        code: String,
    },
    /// The code is not in the catalog.
    #[error("procedure {code} is not in the catalog {catalog:?}")]
    UnknownProcedure {
        /// The code given.
        code: String,
        /// The catalog's title.
        catalog: String,
    },
    /// The catalog has no result rules for the procedure.
    #[error("the catalog has no result rules for procedure {code} (no [procedure.result] table)")]
    NoResultRules {
        /// The code.
        code: String,
    },
    /// No files.
    #[error("the dossier is empty: give at least one file")]
    EmptyDossier,
}

/// Options of a check.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    /// Report language (Vietnamese by default).
    pub lang: Lang,
    /// Validate as of this time (Unix seconds); `None` = now.
    pub validation_time: Option<i64>,
    /// Accept form filling after approval signatures (see [`ValidationOptions`]).
    pub allow_form_filling: bool,
}

/// One file of a dossier, in memory.
#[derive(Debug, Clone, Copy)]
pub struct InputFile<'a> {
    /// Its name (used in reports, and to find its component when `component` is `None`).
    pub name: &'a str,
    /// The PDF.
    pub bytes: &'a [u8],
    /// The submission component it is (catalog `id`); `None`: from the name.
    pub component: Option<&'a str>,
}

impl<'a> InputFile<'a> {
    /// A file whose component is found from its name.
    pub fn new(name: &'a str, bytes: &'a [u8]) -> Self {
        InputFile {
            name,
            bytes,
            component: None,
        }
    }
    /// A file of a named component.
    pub fn component(name: &'a str, bytes: &'a [u8], component: &'a str) -> Self {
        InputFile {
            name,
            bytes,
            component: Some(component),
        }
    }
}

/// A catalog, trust profiles and options: checks dossiers. Build once, share across
/// requests (it is `Send + Sync`).
#[derive(Debug, Clone)]
pub struct Policy {
    catalog: Catalog,
    profiles: Profiles,
    options: PolicyOptions,
}

impl Policy {
    /// A policy over a catalog and trust profiles.
    pub fn new(catalog: Catalog, profiles: Profiles) -> Self {
        Policy {
            catalog,
            profiles,
            options: PolicyOptions::default(),
        }
    }

    /// The bundled example catalog with the bundled profiles.
    ///
    /// # Errors
    /// Only if the bundled catalog were malformed (a unit test makes sure it is not).
    pub fn example() -> Result<Self, PolicyError> {
        Ok(Policy::new(Catalog::example()?, Profiles::bundled()))
    }

    /// Sets the options.
    #[must_use]
    pub fn with_options(mut self, options: PolicyOptions) -> Self {
        self.options = options;
        self
    }

    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The trust profiles.
    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    /// The options.
    pub fn options(&self) -> &PolicyOptions {
        &self.options
    }

    /// The procedure with this code.
    ///
    /// # Errors
    /// [`PolicyError::BadProcedureCode`], [`PolicyError::UnknownProcedure`].
    pub fn procedure(&self, code: &str) -> Result<&Procedure, PolicyError> {
        if !catalog::code_has_valid_shape(catalog::normalize_code(code)) {
            return Err(PolicyError::BadProcedureCode { code: code.into() });
        }
        self.catalog
            .procedure(code)
            .ok_or_else(|| PolicyError::UnknownProcedure {
                code: code.into(),
                catalog: self.catalog.title.clone(),
            })
    }

    /// A validator trusting every profile's anchors, with the profiles' intermediates as
    /// extra certificates (R7 then tells which profile a chain reached).
    ///
    /// # Errors
    /// A profile certificate that cannot be parsed.
    pub fn validator(&self) -> Result<Validator, PolicyError> {
        let names: Vec<&str> = self.profiles.names();
        let (trust, extra) = self.profiles.trust_material(&names)?;
        Ok(Validator::new(ValidationOptions {
            trust,
            extra_certificates: extra,
            validation_time: self.options.validation_time,
            allow_form_filling: self.options.allow_form_filling,
            ..Default::default()
        }))
    }

    /// Checks a submission held in memory: validates every file, then applies the
    /// procedure's submission rules (R16, R17 and the signature rules).
    ///
    /// # Errors
    /// Unknown procedure, empty dossier, unusable profiles. A dossier that breaks rules
    /// yields a report, not an error.
    pub fn check_submission(
        &self,
        procedure: &str,
        components: &[InputFile<'_>],
    ) -> Result<PolicyReport, PolicyError> {
        self.check(procedure, Role::Submission, components)
    }

    /// Checks a result held in memory (every file is a result document): R1, R2, R3 and the
    /// signature rules.
    ///
    /// # Errors
    /// As [`Policy::check_submission`], plus [`PolicyError::NoResultRules`].
    pub fn check_result(
        &self,
        procedure: &str,
        files: &[InputFile<'_>],
    ) -> Result<PolicyReport, PolicyError> {
        self.check(procedure, Role::Result, files)
    }

    fn check(
        &self,
        procedure: &str,
        role: Role,
        files: &[InputFile<'_>],
    ) -> Result<PolicyReport, PolicyError> {
        let proc = self.procedure(procedure)?;
        self.preflight(proc, role, files.len())?;
        let validator = self.validator()?;
        let reports: Vec<(FileReport, Option<String>)> = files
            .iter()
            .map(|f| {
                let component = match role {
                    Role::Result => None,
                    Role::Submission => f
                        .component
                        .map(str::to_string)
                        .or_else(|| rules::component_for_file(proc, f.name).map(|c| c.id.clone())),
                };
                (validator.validate_bytes(f.name, f.bytes), component)
            })
            .collect();
        self.evaluate(procedure, role, &reports)
    }

    fn preflight(&self, proc: &Procedure, role: Role, n: usize) -> Result<(), PolicyError> {
        if n == 0 {
            return Err(PolicyError::EmptyDossier);
        }
        let names: Vec<&String> = match role {
            Role::Result => match &proc.result {
                Some(r) => r.trust_profiles.iter().collect(),
                None => {
                    return Err(PolicyError::NoResultRules {
                        code: proc.code.clone(),
                    })
                }
            },
            Role::Submission => proc
                .components
                .iter()
                .flat_map(|c| c.trust_profiles.iter())
                .collect(),
        };
        for n in names {
            self.profiles.require(n)?;
        }
        Ok(())
    }

    /// Applies the rules to validation reports already made (pure: no validation, no I/O).
    /// Each report comes with its submission component id, if any (ignored for results).
    ///
    /// # Errors
    /// Unknown procedure, empty dossier, unknown profiles, no result rules.
    pub fn evaluate(
        &self,
        procedure: &str,
        role: Role,
        reports: &[(FileReport, Option<String>)],
    ) -> Result<PolicyReport, PolicyError> {
        let proc = self.procedure(procedure)?;
        self.preflight(proc, role, reports.len())?;
        let files: Vec<rules::DossierFile<'_>> = reports
            .iter()
            .map(|(r, c)| rules::DossierFile {
                report: r,
                component: if role == Role::Submission {
                    c.as_deref()
                } else {
                    None
                },
            })
            .collect();
        let ctx = rules::Context {
            procedure: proc,
            catalog_classification: &self.catalog.classification,
            profiles: &self.profiles,
        };
        let ev = match (role, &proc.result) {
            (Role::Result, Some(r)) => rules::evaluate_result(&ctx, r, &files),
            (Role::Result, None) => {
                return Err(PolicyError::NoResultRules {
                    code: proc.code.clone(),
                })
            }
            (Role::Submission, _) => rules::evaluate_submission(&ctx, &files),
        };
        Ok(report::build(
            &self.catalog,
            proc,
            role,
            &files,
            &ev,
            self.options.lang,
        ))
    }
}

impl Profiles {
    /// A trust store with the anchors of the named profiles, and their intermediates as
    /// extra certificates for path building (for `kyso verify --trust-profile`).
    ///
    /// # Errors
    /// Unknown profile, unparsable certificate.
    pub fn trust_material(
        &self,
        names: &[&str],
    ) -> Result<(TrustStore, Vec<Certificate>), ProfileError> {
        let mut trust = TrustStore::new();
        let mut extra = Vec::new();
        for n in names {
            let p = self.require(n)?;
            for c in p.anchors()? {
                trust.add(c);
            }
            for c in p.intermediates()? {
                if !extra.contains(&c) {
                    extra.push(c);
                }
            }
        }
        Ok((trust, extra))
    }
}
