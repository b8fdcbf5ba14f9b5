//! Validation of signed PDFs: finds every signature, checks each one (structure, integrity,
//! cryptography, certificate chain at the right time, what changed after it), and produces a
//! [`FileReport`].
//!
//! **Architecture invariant:** validation does no network I/O and never writes. When in
//! doubt, the verdict is not "valid": a check that could not run is `NotRun` or
//! `Indeterminate`, never `Passed`.

internal_mod! {
    cache;
    verdict;
    certification;
    ltv;
    sigdict;
    signature;
}

pub use cache::{CacheStats, ValidationCache};

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use crate::pdf::{Document, ObjRef, Object, PdfError};
use crate::pki::{Certificate, TrustStore};
use crate::report::{
    CertificateSummary, Check, CheckId, CheckStatus, Coverage, CoverageKind, FileReport, Finding,
    FindingId, Indication, RenderingStatus, SignatureKind, SignatureReport, SubIndication,
    SCHEMA_VERSION,
};

use sigdict::SignatureDictionary;

/// What to validate against.
#[derive(Debug, Clone, Default)]
pub struct ValidationOptions {
    /// Trust anchors.
    pub trust: TrustStore,
    /// Extra certificates usable to build paths (intermediates not in the CMS).
    pub extra_certificates: Vec<Certificate>,
    /// The time to validate at (Unix seconds); `None` = now.
    pub validation_time: Option<i64>,
    /// Permit form filling after approval signatures (off by default; reported when used).
    pub allow_form_filling: bool,
    /// What to do when a certificate's revocation status cannot be established.
    pub revocation_policy: crate::revocation::RevocationPolicy,
    /// Where to fetch revocation data the document does not carry (OCSP, CRL). `None`:
    /// validate from the document's data alone (offline).
    pub revocation_source: Option<Arc<dyn crate::revocation::RevocationSource>>,
    /// Where to look for intermediates missing from the document and
    /// [`ValidationOptions::extra_certificates`] (caIssuers URLs, see
    /// [`crate::pki::AiaFetcher`]). `None`: build paths from what is at hand (offline).
    pub issuer_source: Option<Arc<dyn crate::pki::IssuerSource>>,
    /// The password of encrypted documents that the empty user password does not open (user
    /// or owner). `None`: only the empty password is tried.
    pub document_password: Option<crate::sign::DocumentPassword>,
    /// The rendering backstop of modification analysis (default: render the pages whose
    /// content changed after a signature).
    pub rendering: RenderCheck,
}

/// The rendering backstop of modification analysis: when every change after a signature
/// was judged allowed, the pages of the signed revision and of the current one are rendered
/// (pure-Rust `hayro`, feature `render`) and compared; pixels changed outside the permitted
/// changes (new signature widgets, filled fields, annotations a certification allows) make
/// the signature `TOTAL-FAILED` / `DISALLOWED_MODIFICATION`. It can only add failures: when
/// it cannot run (budget, renderer error, off) the report says so and the verdict rests on
/// the structural analysis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RenderCheck {
    /// Never render.
    Off,
    /// Render the pages whose content inputs (content streams, resources, inherited
    /// attributes, optional content) changed, or that gained, lost or changed an annotation
    /// the permissions do not cover. A page whose inputs are the same, object for object,
    /// renders the same: files whose later updates only add signatures, validation data and
    /// time-stamps render nothing.
    #[default]
    Changed,
    /// Render every page after every signature with later updates (thorough, slower).
    AllPages,
}

/// Collects checks and derives the signature's indication from them.
#[derive(Debug, Default)]
pub(crate) struct CheckList {
    checks: Vec<Check>,
}

impl CheckList {
    fn push(
        &mut self,
        id: CheckId,
        status: CheckStatus,
        message: String,
        sub: Option<SubIndication>,
    ) {
        self.checks.push(Check {
            id,
            status,
            message,
            sub_indication: sub,
        });
    }
    /// Records a passed check.
    pub(crate) fn pass(&mut self, id: CheckId, message: impl Into<String>) {
        self.push(id, CheckStatus::Passed, message.into(), None);
    }
    /// Records a passed-with-remark check.
    pub(crate) fn warn(&mut self, id: CheckId, message: impl Into<String>) {
        self.push(id, CheckStatus::Warning, message.into(), None);
    }
    /// Records a failed check.
    pub(crate) fn fail(&mut self, id: CheckId, message: impl Into<String>, sub: SubIndication) {
        self.push(id, CheckStatus::Failed, message.into(), Some(sub));
    }
    /// Records a check that was skipped (the message says why).
    pub(crate) fn not_run(&mut self, id: CheckId, message: impl Into<String>) {
        self.push(id, CheckStatus::NotRun, message.into(), None);
    }
    /// Records an undecided check.
    pub(crate) fn indeterminate(
        &mut self,
        id: CheckId,
        message: impl Into<String>,
        sub: SubIndication,
    ) {
        self.push(id, CheckStatus::Indeterminate, message.into(), Some(sub));
    }
    /// Whether each of `ids` was recorded as passed (or passed with a remark).
    pub(crate) fn passed_all(&self, ids: &[CheckId]) -> bool {
        ids.iter().all(|id| {
            self.checks.iter().any(|c| {
                c.id == *id && matches!(c.status, CheckStatus::Passed | CheckStatus::Warning)
            })
        })
    }
    /// The checks.
    pub(crate) fn into_checks(self) -> Vec<Check> {
        self.checks
    }
    /// Whether no check failed or was undecided.
    pub(crate) fn is_clean(&self) -> bool {
        !self
            .checks
            .iter()
            .any(|c| matches!(c.status, CheckStatus::Failed | CheckStatus::Indeterminate))
    }
    /// Appends the checks of `other`.
    pub(crate) fn merge(&mut self, other: CheckList) {
        self.checks.extend(other.checks);
    }
    /// The status and sub-indication of the first check that failed, else of the first
    /// undecided one.
    pub(crate) fn first_not_clean(&self) -> Option<(CheckStatus, Option<SubIndication>)> {
        let find = |st: CheckStatus| {
            self.checks
                .iter()
                .find(|c| c.status == st)
                .map(|c| (c.status, c.sub_indication))
        };
        find(CheckStatus::Failed).or_else(|| find(CheckStatus::Indeterminate))
    }
}

/// Validates documents. Create one per batch and share it across files and threads
/// (`Sync`; clones share the cache): certificates, paths and the embedded-certificate check
/// are cached across files ([`cache::ValidationCache`]).
#[derive(Debug, Clone, Default)]
pub struct Validator {
    options: ValidationOptions,
    cache: std::sync::Arc<cache::ValidationCache>,
}

#[cfg(feature = "internals")]
impl Validator {
    /// Validates an already opened document (for kyso's own tests, which need to change the
    /// file between opening and validating it).
    #[doc(hidden)]
    pub fn validate_opened(&self, name: &str, doc: &Document) -> FileReport {
        self.validate_document(name, doc)
    }
}

/// A signature found in the document's final revision.
#[derive(Debug, Clone)]
struct FoundSignature {
    field: String,
    object: Option<ObjRef>,
    dict: Option<crate::pdf::Dict>,
    field_dict: Option<crate::pdf::Dict>,
}

impl Validator {
    /// A validator with these options.
    pub fn new(options: ValidationOptions) -> Self {
        Validator {
            options,
            cache: Default::default(),
        }
    }

    /// The cache shared by the files this validator (and its clones) validate.
    pub fn cache(&self) -> &cache::ValidationCache {
        &self.cache
    }

    /// The options.
    pub fn options(&self) -> &ValidationOptions {
        &self.options
    }

    /// Validates a file. `Err` only when the file cannot be read at all (I/O); a file that is
    /// not a PDF yields a report that is not valid.
    pub fn validate_file(&self, path: &Path) -> std::io::Result<FileReport> {
        let name = path.display().to_string();
        let source = crate::pdf::source::Source::open(path)?;
        Ok(match Document::from_source(source) {
            Ok(mut doc) => {
                self.unlock(&mut doc);
                self.validate_document(&name, &doc)
            }
            Err(PdfError::Io(e)) => return Err(e),
            Err(e) => self.unreadable(&name, &e),
        })
    }

    /// Opens an encrypted document with the configured password when the empty one did not.
    /// A wrong password leaves it locked: the report then says it cannot be read.
    fn unlock(&self, doc: &mut Document) {
        if let (Some(pw), true, None) = (
            &self.options.document_password,
            doc.is_encrypted(),
            doc.security(),
        ) {
            let _ = doc.unlock(pw.bytes());
        }
    }

    /// Validates a document held in memory.
    pub fn validate_bytes(&self, name: &str, bytes: &[u8]) -> FileReport {
        match Document::from_bytes(bytes.to_vec()) {
            Ok(mut doc) => {
                self.unlock(&mut doc);
                self.validate_document(name, &doc)
            }
            Err(e) => self.unreadable(name, &e),
        }
    }

    fn validation_time(&self) -> i64 {
        self.options
            .validation_time
            .unwrap_or_else(crate::time::now)
    }

    fn empty_report(&self, name: &str) -> FileReport {
        FileReport {
            schema_version: SCHEMA_VERSION,
            file: name.to_string(),
            valid: false,
            indication: Indication::Indeterminate,
            sub_indication: None,
            summary: String::new(),
            validation_time: crate::time::format_rfc3339(self.validation_time()),
            revisions: 0,
            revocation_policy: self.options.revocation_policy,
            offline: self.options.revocation_source.is_none(),
            signatures: Vec::new(),
            findings: Vec::new(),
        }
    }

    fn unreadable(&self, name: &str, e: &PdfError) -> FileReport {
        let mut r = self.empty_report(name);
        let id = if matches!(e, PdfError::NotPdf) {
            FindingId::NotAPdf
        } else {
            FindingId::UnreadableStructure
        };
        r.findings.push(Finding {
            id,
            status: CheckStatus::Failed,
            message: e.to_string(),
        });
        r.conclude();
        r
    }

    /// Validates an opened document.
    pub(crate) fn validate_document(&self, name: &str, doc: &Document) -> FileReport {
        let now = self.validation_time();
        let mut report = self.empty_report(name);
        report.revisions = doc.revisions().len();

        if doc.is_encrypted() {
            match doc.security() {
                Some(sec) => report.findings.push(Finding {
                    id: FindingId::Encrypted,
                    status: CheckStatus::Passed,
                    message: format!(
                        "the document is encrypted ({}); it was read with the {} password",
                        sec.describe(),
                        if sec.owner { "owner" } else { "user" }
                    ),
                }),
                None => {
                    report.findings.push(Finding {
                        id: FindingId::Encrypted,
                        status: CheckStatus::Indeterminate,
                        message: format!(
                            "the document is encrypted and cannot be read: {}",
                            doc.security_error().unwrap_or("no usable password")
                        ),
                    });
                    report.conclude();
                    return report;
                }
            }
        }

        doc.check_offsets();
        if let Some(why) = doc.rebuilt() {
            report.findings.push(Finding {
                id: FindingId::XrefRepaired,
                status: CheckStatus::Failed,
                message: format!("{why}; the revisions cannot be told apart, so no signature can be judged valid"),
            });
        } else {
            let revs = doc.repaired_revisions();
            if !revs.is_empty() {
                let list: Vec<String> = revs.iter().map(|r| (r + 1).to_string()).collect();
                report.findings.push(Finding {
                    id: FindingId::XrefRepaired,
                    status: CheckStatus::Warning,
                    message: format!(
                        "the cross-reference entries of revision(s) {} point at the wrong bytes; the objects were found by scanning the file (signatures that add or follow such a revision are not valid)",
                        list.join(", ")
                    ),
                });
            }
        }

        let fields = match find_signatures(doc) {
            Ok(f) => f,
            Err(e) => {
                report.findings.push(Finding {
                    id: FindingId::UnreadableStructure,
                    status: CheckStatus::Failed,
                    message: format!("the form structure cannot be read: {e}"),
                });
                report.conclude();
                return report;
            }
        };
        let found = fields.signatures;
        if found.is_empty() {
            report.findings.push(Finding {
                id: FindingId::NoSignatures,
                status: CheckStatus::Indeterminate,
                message: if fields.unsigned.is_empty() {
                    "the document has no signatures".into()
                } else {
                    format!(
                        "the document has no signatures (only {} unsigned signature field{})",
                        fields.unsigned.len(),
                        if fields.unsigned.len() == 1 { "" } else { "s" }
                    )
                },
            });
        }
        unsigned_fields_findings(&fields.unsigned, &mut report);
        trailing_bytes_finding(doc, &mut report);
        let placeholders: Vec<ObjRef> = fields.unsigned.iter().filter_map(|u| u.1).collect();
        unreachable_signatures(doc, &found, &placeholders, &mut report);
        let certification = certification::find(
            doc,
            &found
                .iter()
                .map(|f| (f.object, f.dict.as_ref()))
                .collect::<Vec<_>>(),
        );

        // Pool the validation data, then judge document time-stamps newest first (each one's
        // validity proves the existence of what it covers to the older ones), then the rest.
        let contents: Vec<Vec<u8>> = found
            .iter()
            .filter_map(|f| {
                f.dict
                    .as_ref()?
                    .get(b"Contents")?
                    .as_string()
                    .map(|s| s.bytes.clone())
            })
            .collect();
        let refs: Vec<&[u8]> = contents.iter().map(Vec::as_slice).collect();
        let mut ctx = ltv::LtvContext::with_cache(doc, &self.options, now, &refs, &self.cache);
        let mut order: Vec<&FoundSignature> = found.iter().collect();
        order.sort_by_key(|f| {
            let dict = f.dict.as_ref();
            let is_dts = dict.and_then(|d| d.get_name(b"SubFilter")) == Some(b"ETSI.RFC3161");
            let br = dict.map(sigdict::raw_byte_range).unwrap_or_default();
            let end = br
                .get(2)
                .zip(br.get(3))
                .map_or(0, |(a, b)| a.saturating_add(*b));
            (!is_dts, std::cmp::Reverse(end))
        });
        let mut sigs = Vec::new();
        for f in order {
            let judged = self.validate_signature(doc, f, certification, now, &ctx);
            // A valid document time-stamp proves, to the older signatures judged after it,
            // that what it covers existed at its time.
            if let Some(poe) = judged.proof {
                ctx.add_doc_timestamp(poe);
            }
            sigs.push((judged.order, judged.report));
        }
        // Order by signed length (revision order).
        sigs.sort_by_key(|(end, _)| *end);
        report.signatures = sigs.into_iter().map(|(_, s)| s).collect();
        certification::enforce_first(&mut report.signatures);
        // The one place a signature's indication is set: from every check recorded, and the
        // checks its kind requires.
        for s in &mut report.signatures {
            verdict::conclude(s);
        }
        snapshot_finding(doc, &mut report);
        report.conclude();
        report
    }

    fn validate_signature(
        &self,
        doc: &Document,
        found: &FoundSignature,
        certification: Option<certification::Certification>,
        now: i64,
        ctx: &ltv::LtvContext<'_>,
    ) -> Judged {
        let mut checks = CheckList::default();
        let mut rep = SignatureReport {
            field: found.field.clone(),
            object: found.object.map(|r| format!("{} {}", r.num, r.gen)),
            kind: SignatureKind::Approval,
            indication: Indication::Indeterminate,
            sub_indication: None,
            sub_filter: None,
            signer: None,
            chain: Vec::new(),
            chain_sha256: Vec::new(),
            pades_level: None,
            timestamped: false,
            claimed_signing_time: None,
            proven_signing_time: None,
            digest_algorithm: None,
            signature_algorithm: None,
            reason: None,
            location: None,
            contact_info: None,
            name: None,
            docmdp_level: None,
            coverage: None,
            changes: Vec::new(),
            rendering: None,
            checks: Vec::new(),
        };
        let Some(dict) = &found.dict else {
            checks.fail(
                CheckId::SignatureDictionary,
                "the field's /V is not a signature dictionary",
                SubIndication::FormatFailure,
            );
            return finish(rep, checks, 0);
        };
        rep.sub_filter = dict
            .get_name(b"SubFilter")
            .map(|n| String::from_utf8_lossy(n).into_owned());
        let is_cert = certification.is_some_and(|c| Some(c.object) == found.object);
        let sd = match sigdict::check(doc, found.object, dict, is_cert) {
            Ok(sd) => sd,
            Err(msg) => {
                let raw = sigdict::raw_byte_range(dict);
                if !raw.is_empty() {
                    rep.coverage = Some(Coverage {
                        byte_range: raw,
                        kind: CoverageKind::Unclear,
                        revision: None,
                        revisions: doc.revisions().len(),
                        signed_bytes: 0,
                    });
                }
                checks.fail(
                    CheckId::SignatureDictionary,
                    msg,
                    SubIndication::FormatFailure,
                );
                return finish(rep, checks, 0);
            }
        };
        if sd.remarks.is_empty() {
            checks.pass(
                CheckId::SignatureDictionary,
                "/Contents and /ByteRange are well formed and /ByteRange excludes exactly /Contents",
            );
        } else {
            checks.warn(
                CheckId::SignatureDictionary,
                format!(
                    "/Contents and /ByteRange are well formed and /ByteRange excludes exactly /Contents; {}",
                    sd.remarks.join("; ")
                ),
            );
        }
        rep.kind = sd.kind;
        if sd.kind == SignatureKind::Certification {
            let level = match certification {
                Some(c) if is_cert => c.level,
                _ => crate::diff::permissions::transforms(doc, doc.last_revision(), dict)
                    .docmdp
                    .unwrap_or(crate::diff::permissions::DEFAULT_DOCMDP_LEVEL),
            };
            rep.docmdp_level = crate::report::DocMdpLevel::from_p(level.into());
            checks.pass(CheckId::Certification, certification::level_check(level));
        }
        rep.reason = sd.text(b"Reason");
        rep.location = sd.text(b"Location");
        rep.contact_info = sd.text(b"ContactInfo");
        rep.name = sd.text(b"Name");

        // Coverage: the signed bytes must end exactly at the end of a revision.
        let covered = covered_revision(doc, &sd);
        let n = doc.revisions().len();
        rep.coverage = Some(Coverage {
            byte_range: sd
                .byte_range
                .iter()
                .map(|&v| i64::try_from(v).unwrap_or(-1))
                .collect(),
            kind: match covered {
                Some(k) if k + 1 == n && sd.signed_end() == doc.len() => CoverageKind::WholeFile,
                Some(_) => CoverageKind::Revision,
                None => CoverageKind::Unclear,
            },
            revision: covered.map(|k| k + 1),
            revisions: n,
            signed_bytes: sd.signed_len(),
        });
        let Some(covered) = covered else {
            checks.fail(
                CheckId::Coverage,
                format!(
                    "the signed bytes end at {}, which is not the end of any revision",
                    sd.signed_end()
                ),
                SubIndication::FormatFailure,
            );
            return finish(rep, checks, sd.signed_end());
        };
        // The signed revision must have been readable as written.
        if doc.rebuilt().is_some() {
            checks.fail(
                CheckId::Coverage,
                "the file's cross-reference data had to be rebuilt, so which revision the signature covers cannot be told",
                SubIndication::FormatFailure,
            );
            return finish(rep, checks, sd.signed_end());
        }
        if doc.repaired_revisions().contains(&covered) {
            checks.fail(
                CheckId::Coverage,
                format!(
                    "the cross-reference entries of the signed revision {} point at the wrong bytes (kyso repaired them to read the file)",
                    covered + 1
                ),
                SubIndication::FormatFailure,
            );
            return finish(rep, checks, sd.signed_end());
        }
        // The dictionary itself must belong to the signed revision.
        if let Some(r) = sd.object {
            match doc.entry_in(doc.last_revision(), r.num) {
                Some((rev, _)) if rev <= covered => {}
                _ => {
                    checks.fail(
                        CheckId::Coverage,
                        "the signature dictionary is defined outside the bytes it signs",
                        SubIndication::FormatFailure,
                    );
                    return finish(rep, checks, sd.signed_end());
                }
            }
        }
        if covered + 1 == n {
            checks.pass(CheckId::Coverage, "the signature covers the whole document");
        } else {
            checks.pass(
                CheckId::Coverage,
                format!("the signature covers revision {} of {n}", covered + 1),
            );
        }

        let perms = certification::permissions_for(
            doc,
            found.field_dict.as_ref(),
            dict,
            certification.map(|c| (c, c.signed_end.is_some_and(|e| e <= sd.signed_end()))),
            self.options.allow_form_filling,
        );
        if sd.kind == SignatureKind::DocumentTimestamp {
            let proof =
                self.check_document_timestamp(doc, &sd, covered, ctx, &mut rep, &mut checks);
            self.check_modifications(doc, covered, &perms, &mut rep, &mut checks);
            return Judged {
                proof,
                ..finish(rep, checks, sd.signed_end())
            };
        }

        let facts = signature::check_cms_with(
            doc.source(),
            &sd,
            &self.options,
            &self.cache,
            now,
            &mut checks,
            ctx,
        );
        rep.signer = facts.signer.as_ref().map(|c| self.cache.summary(c).0);
        rep.chain = facts
            .path
            .as_ref()
            .map(|p| {
                p.certificates
                    .iter()
                    .map(|c| self.cache.summary(c).1)
                    .collect()
            })
            .unwrap_or_default();
        rep.chain_sha256 = facts
            .path
            .as_ref()
            .map(|p| p.certificates.iter().map(|c| c.fingerprint()).collect())
            .unwrap_or_default();
        rep.pades_level = facts.pades_level;
        rep.digest_algorithm = facts.digest_algorithm;
        rep.signature_algorithm = facts.signature_algorithm;
        rep.claimed_signing_time = sd
            .signing_time
            .or(facts.cms_signing_time)
            .map(crate::time::format_rfc3339);
        rep.proven_signing_time = facts.proven_time.map(crate::time::format_rfc3339);
        rep.timestamped = facts.timestamped;
        self.check_modifications(doc, covered, &perms, &mut rep, &mut checks);
        finish(rep, checks, sd.signed_end())
    }

    /// What changed after a signature or document time-stamp.
    fn check_modifications(
        &self,
        doc: &Document,
        covered: usize,
        perms: &crate::diff::Permissions,
        rep: &mut SignatureReport,
        checks: &mut CheckList,
    ) {
        let changes = crate::diff::changes_after(doc, covered, perms);
        match changes {
            Ok(changes) => {
                let bad = changes.iter().filter(|c| !c.allowed).count();
                if bad > 0 {
                    checks.fail(
                        CheckId::Modifications,
                        format!(
                            "{bad} change{} after signing {} not allowed: {}",
                            if bad == 1 { "" } else { "s" },
                            if bad == 1 { "is" } else { "are" },
                            changes
                                .iter()
                                .find(|c| !c.allowed)
                                .map(|c| c.description.as_str())
                                .unwrap_or("")
                        ),
                        SubIndication::DisallowedModification,
                    );
                } else if changes.is_empty() {
                    checks.pass(CheckId::Modifications, "no changes after signing");
                } else {
                    checks.pass(
                        CheckId::Modifications,
                        format!("{} allowed change(s) after signing", changes.len()),
                    );
                    self.check_rendering(doc, covered, perms, rep, checks);
                }
                rep.changes = changes;
            }
            Err(e) => checks.fail(
                CheckId::Modifications,
                format!("the revisions after this signature cannot be read: {e}"),
                SubIndication::FormatFailure,
            ),
        }
    }

    /// The rendering backstop, after the structural analysis allowed every change.
    fn check_rendering(
        &self,
        doc: &Document,
        covered: usize,
        perms: &crate::diff::Permissions,
        rep: &mut SignatureReport,
        checks: &mut CheckList,
    ) {
        let password = self
            .options
            .document_password
            .as_ref()
            .filter(|_| doc.is_encrypted())
            .map(|p| p.bytes());
        let r =
            crate::diff::render::backstop(doc, covered, perms, password, self.options.rendering);
        let outside: Vec<_> = r.regions.iter().filter(|g| !g.permitted).collect();
        match r.status {
            RenderingStatus::Skipped => {
                checks.not_run(CheckId::Rendering, format!("skipped: {}", r.reason))
            }
            _ if !outside.is_empty() => {
                let g = outside[0];
                checks.fail(
                    CheckId::Rendering,
                    format!(
                        "page {} looks different from when it was signed at [{} {} {} {}]{}, outside any permitted change",
                        g.page,
                        g.rect[0],
                        g.rect[1],
                        g.rect[2],
                        g.rect[3],
                        if outside.len() > 1 {
                            format!(" and {} more region(s)", outside.len() - 1)
                        } else {
                            String::new()
                        }
                    ),
                    SubIndication::DisallowedModification,
                );
            }
            _ => checks.pass(CheckId::Rendering, r.reason.clone()),
        }
        rep.rendering = Some(r);
    }

    /// A document time-stamp (ETSI EN 319 142-1 §5.4.3): the token's imprint over the signed
    /// bytes, the token, and the TSA at the time the token is known to have existed (the
    /// oldest valid later document time-stamp, else the validation time). A valid one is
    /// recorded as a proof of existence for what it covers.
    fn check_document_timestamp(
        &self,
        doc: &Document,
        sd: &SignatureDictionary,
        covered: usize,
        ctx: &ltv::LtvContext<'_>,
        rep: &mut SignatureReport,
        checks: &mut CheckList,
    ) -> Option<ltv::DocTimestampPoe> {
        let token = match crate::tsp::TimeStampToken::from_der(&sd.contents) {
            Ok(t) => t,
            Err(e) => {
                checks.fail(
                    CheckId::CmsStructure,
                    format!("/Contents is not a time-stamp token: {e}"),
                    SubIndication::FormatFailure,
                );
                return None;
            }
        };
        checks.pass(CheckId::CmsStructure, "an RFC 3161 time-stamp token");
        let alg = token.info.imprint_algorithm;
        rep.digest_algorithm = Some(alg.name().to_string());
        rep.signature_algorithm = token
            .signed
            .signer_infos
            .first()
            .and_then(|si| si.scheme())
            .map(|s| s.name());
        match signature::hash_signed_ranges(doc.source(), sd, alg) {
            Ok(d) if d == token.info.imprint => checks.pass(
                CheckId::MessageDigest,
                format!(
                    "{} of the signed bytes matches the time-stamp's imprint",
                    alg.name()
                ),
            ),
            Ok(_) => {
                checks.fail(
                    CheckId::MessageDigest,
                    "the time-stamp's imprint does not match the signed bytes: they were changed",
                    SubIndication::HashFailure,
                );
                return None;
            }
            Err(e) => {
                checks.indeterminate(
                    CheckId::MessageDigest,
                    format!("could not read the signed bytes: {e}"),
                    SubIndication::SignedDataNotFound,
                );
                return None;
            }
        }
        let later = ctx
            .doc_timestamp_poe(sd.signed_end() + 1)
            .map(|d| d.gen_time);
        let facts = ctx.check_token(&token, later, checks);
        rep.proven_signing_time = Some(crate::time::format_rfc3339(token.info.gen_time));
        let f = facts?;
        {
            rep.signer = Some(CertificateSummary::of(&f.tsa));
            rep.chain = f
                .path
                .certificates
                .iter()
                .map(|c| c.subject().to_string())
                .collect();
            rep.chain_sha256 = f
                .path
                .certificates
                .iter()
                .map(|c| c.fingerprint())
                .collect();
            rep.timestamped = true;
        }
        // A proof of existence only from a time-stamp whose every check so far passed and
        // that ran every check a document time-stamp needs before its modification check.
        let proven = checks.is_clean()
            && checks.passed_all(&[
                CheckId::SignatureDictionary,
                CheckId::Coverage,
                CheckId::CmsStructure,
                CheckId::MessageDigest,
                CheckId::TimestampSignature,
                CheckId::TimestampChain,
                CheckId::TimestampValidity,
            ]);
        proven.then(|| ltv::DocTimestampPoe {
            covers_to: sd.byte_range[1],
            gen_time: f.gen_time,
            covers_dss: matches!(crate::dss::Dss::read(doc, covered), Ok(Some(_))),
        })
    }
}

/// A signature judged, before its indication is set by [`verdict::conclude`].
struct Judged {
    /// Where its signed bytes end (orders the report by revision).
    order: u64,
    /// The report, with every check recorded and the indication not yet set.
    report: SignatureReport,
    /// For a valid document time-stamp: what it proves.
    proof: Option<ltv::DocTimestampPoe>,
}

/// Records the checks in the report; the indication is set later, in one place.
fn finish(mut rep: SignatureReport, checks: CheckList, order: u64) -> Judged {
    rep.checks = checks.into_checks();
    Judged {
        order,
        report: rep,
        proof: None,
    }
}

/// The revision whose end the signed bytes reach, if they end exactly at one (allowing the
/// end-of-line after `%%EOF` to be signed or not).
fn covered_revision(doc: &Document, sd: &SignatureDictionary) -> Option<usize> {
    let end = sd.signed_end();
    doc.revisions()
        .iter()
        .position(|r| match (r.eof_marker, r.end) {
            (Some(m), Some(e)) => end >= m + 5 && end <= e,
            _ => false,
        })
}

/// The signature fields of the final revision's AcroForm.
#[derive(Debug, Default)]
struct FoundFields {
    /// Fields holding a signature dictionary (filled, or at least not an empty placeholder).
    signatures: Vec<FoundSignature>,
    /// Fields that are not signed: no `/V`, or an empty placeholder
    /// ([`sigdict::is_unfilled_placeholder`]); the placeholder's object, if indirect.
    unsigned: Vec<(String, Option<ObjRef>)>,
}

/// Signatures reachable from the final revision's AcroForm, and its unsigned signature
/// fields.
fn find_signatures(doc: &Document) -> Result<FoundFields, PdfError> {
    let last = doc.last_revision();
    let mut out = FoundFields::default();
    let mut seen = HashSet::new();
    for f in crate::form::fields_in(doc, last)? {
        if !f.is_signature() {
            continue;
        }
        let Some(v) = &f.value else {
            out.unsigned.push((f.name.clone(), None));
            continue;
        };
        if let Some(r) = v.as_ref() {
            if !seen.insert(r) {
                continue;
            }
        }
        let dict = doc.deref_in(last, v)?.as_dict().cloned();
        let unfilled = match &dict {
            Some(d) => d.is_empty() || sigdict::is_unfilled_placeholder(d, doc.len()),
            None => matches!(doc.deref_in(last, v)?, Object::Null),
        };
        if matches!(v, Object::Null) || unfilled {
            out.unsigned.push((f.name.clone(), v.as_ref()));
            continue;
        }
        out.signatures.push(FoundSignature {
            field: f.name.clone(),
            object: v.as_ref(),
            dict,
            field_dict: Some(f.dict.clone()),
        });
    }
    Ok(out)
}

/// Unsigned signature fields are reported (as warnings: they neither fail nor make a file
/// valid; a file whose only signature fields are unsigned has no signatures).
fn unsigned_fields_findings(unsigned: &[(String, Option<ObjRef>)], report: &mut FileReport) {
    for (name, _) in unsigned {
        report.findings.push(Finding {
            id: FindingId::UnsignedSignatureField,
            status: CheckStatus::Warning,
            message: format!("the signature field \"{name}\" is not signed (an empty placeholder)"),
        });
    }
}

/// One snapshot per validation: a file read on demand (over 4 MiB) that changed while it was
/// validated makes the verdict undecided, never valid.
fn snapshot_finding(doc: &Document, report: &mut FileReport) {
    let problem = match doc.source().check_unchanged() {
        Ok(None) => return,
        Ok(Some(why)) => why,
        Err(e) => format!("the file cannot be checked for changes during validation: {e}"),
    };
    report.findings.push(Finding {
        id: FindingId::FileChanged,
        status: CheckStatus::Indeterminate,
        message: problem,
    });
}

/// Bytes after the final `%%EOF` that are not white space are not part of any revision: they
/// may be an attempt to append unsigned content.
fn trailing_bytes_finding(doc: &Document, report: &mut FileReport) {
    let Some(last) = doc.revisions().last() else {
        return;
    };
    let Some(end) = last.end else {
        report.findings.push(Finding {
            id: FindingId::NoEofMarker,
            status: CheckStatus::Failed,
            message: "the final revision has no %%EOF marker".into(),
        });
        return;
    };
    let len = doc.len();
    if end >= len {
        return;
    }
    let tail = doc.source().read(
        end,
        usize::try_from((len - end).min(1 << 20)).unwrap_or(1 << 20),
    );
    let junk = match tail {
        Ok(t) => {
            t.iter()
                .any(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\0' | b'\x0c'))
                || len - end > 1 << 20
        }
        Err(_) => true,
    };
    if junk {
        report.findings.push(Finding {
            id: FindingId::TrailingBytes,
            status: CheckStatus::Failed,
            message: format!(
                "{} bytes after the final %%EOF are not part of any revision",
                len - end
            ),
        });
    }
}

/// Signature dictionaries (objects with a `/ByteRange`) that the form does not reach: a
/// signature a viewer may show but the form does not list, or leftovers of a wrapping
/// attack. Reported as warnings; they are never validated as signatures.
fn unreachable_signatures(
    doc: &Document,
    found: &[FoundSignature],
    placeholders: &[ObjRef],
    report: &mut FileReport,
) {
    let needle = b"/ByteRange";
    let mut hits = Vec::new();
    let mut carry: Vec<u8> = Vec::new();
    let mut base = 0u64;
    let finder = memchr::memmem::Finder::new(needle);
    let res = doc
        .source()
        .for_each_chunk(0, doc.len(), 1 << 20, &mut |chunk| {
            let mut buf = std::mem::take(&mut carry);
            let start = base - buf.len() as u64;
            buf.extend_from_slice(chunk);
            for i in finder.find_iter(&buf) {
                if hits.len() < 1000 {
                    hits.push(start + i as u64);
                }
            }
            let keep = buf.len().min(needle.len() - 1);
            carry = buf[buf.len() - keep..].to_vec();
            base += chunk.len() as u64;
        });
    if res.is_err() || hits.is_empty() {
        return;
    }
    // Map each hit to the object that contains it: the uncompressed object with the greatest
    // offset at or before it, in any revision.
    let mut offsets: Vec<(u64, u32)> = Vec::new();
    for r in doc.revisions() {
        for (&num, e) in &r.entries {
            if let crate::pdf::XrefEntry::InUse { offset, .. } = e {
                offsets.push((*offset, num));
            }
        }
    }
    offsets.sort_unstable();
    let known: HashSet<u32> = found
        .iter()
        .filter_map(|f| f.object.map(|r| r.num))
        .chain(placeholders.iter().map(|r| r.num))
        .collect();
    let mut reported = HashSet::new();
    for h in hits {
        let i = offsets.partition_point(|(o, _)| *o <= h);
        let Some(&(_, num)) = i.checked_sub(1).and_then(|i| offsets.get(i)) else {
            continue;
        };
        if known.contains(&num) || !reported.insert(num) {
            continue;
        }
        report.findings.push(Finding {
            id: FindingId::UnreachableSignature,
            status: CheckStatus::Warning,
            message: format!(
                "object {num} (at byte {h}) has a /ByteRange but is not a signature of the document's form; it was not validated"
            ),
        });
    }
}
