//! The cryptographic checks of one signature (ETSI EN 319 102-1 building blocks, in order):
//! format (CMS structure, attributes), identification of the signing certificate (ISC), the
//! digest and the signature value (CV), the certificate chain (XCV) and its time checks,
//! and the algorithms (SAV).

use crate::crypto::SchemeKeys as _;
use crate::report::{CheckId, CheckStatus};
use crate::cms::{self, SignedData, SignerIdentifier, SignerInfo};
use crate::crypto::{oids, DigestAlgorithm};
use crate::pdf::source::Source;
use crate::pki::{CertPath, Certificate, PathError};
use crate::report::SubIndication;
use crate::tsp::TimeStampToken;

use super::cache::ValidationCache;
use super::ltv::{LtvContext, Role};
use super::sigdict::{SignatureDictionary, SubFilter};
use super::{CheckList, ValidationOptions};

/// Chunk size for hashing signed bytes: large enough for throughput, small enough to keep
/// memory flat on huge files.
const HASH_CHUNK: usize = 256 << 10;

/// What the cryptographic checks found, for the report.
#[derive(Debug, Default)]
pub(crate) struct CryptoFacts {
    /// The signing certificate, if identified.
    pub signer: Option<Certificate>,
    /// The path to an anchor, if built.
    pub path: Option<CertPath>,
    /// Digest algorithm name.
    pub digest_algorithm: Option<String>,
    /// Signature algorithm name.
    pub signature_algorithm: Option<String>,
    /// Signing time from the CMS signing-time attribute.
    pub cms_signing_time: Option<i64>,
    /// PAdES baseline level, when the signature is PAdES.
    pub pades_level: Option<crate::PadesLevel>,
    /// The best signature time, when a valid time-stamp proves it.
    pub proven_time: Option<i64>,
    /// Whether a valid signature time-stamp is present.
    pub timestamped: bool,
}

/// Hashes the signed ranges of `sd` from the source, streaming.
pub(crate) fn hash_signed_ranges(
    source: &Source,
    sd: &SignatureDictionary,
    alg: DigestAlgorithm,
) -> std::io::Result<Vec<u8>> {
    let mut h = alg.hasher();
    for r in sd.signed_ranges() {
        source.for_each_chunk(r.start, r.end - r.start, HASH_CHUNK, &mut |c| h.update(c))?;
    }
    Ok(h.finish())
}

/// [`check_cms`] with a cache for certificates, paths and the embedded-certificate check,
/// shared across the signatures and files of a batch (see [`ValidationCache`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_cms_with(
    source: &Source,
    sd: &SignatureDictionary,
    opts: &ValidationOptions,
    cache: &ValidationCache,
    validation_time: i64,
    checks: &mut CheckList,
    ctx: &LtvContext<'_>,
) -> CryptoFacts {
    let mut facts = CryptoFacts::default();

    // Format: the CMS structure.
    let signed = match cms::parse_signed_data(&sd.contents) {
        Ok(s) => s,
        Err(e) => {
            checks.fail(
                CheckId::CmsStructure,
                format!("/Contents is not a CMS SignedData: {e}"),
                SubIndication::FormatFailure,
            );
            return facts;
        }
    };
    let si = match signed.signer_infos.as_slice() {
        [si] => si,
        [] => {
            checks.fail(
                CheckId::CmsStructure,
                "the CMS has no SignerInfo",
                SubIndication::FormatFailure,
            );
            return facts;
        }
        many => {
            checks.fail(
                CheckId::CmsStructure,
                format!(
                    "the CMS has {} SignerInfos; a PDF signature has exactly one",
                    many.len()
                ),
                SubIndication::FormatFailure,
            );
            return facts;
        }
    };
    let Some(digest) = si.digest() else {
        checks.fail(
            CheckId::Algorithms,
            format!("unknown digest algorithm {}", si.digest_algorithm.oid),
            SubIndication::CryptoConstraintsFailure,
        );
        return facts;
    };
    facts.digest_algorithm = Some(digest.name().to_string());
    let Some(scheme) = si.scheme() else {
        checks.fail(
            CheckId::Algorithms,
            format!("unknown signature algorithm {}", si.signature_algorithm.oid),
            SubIndication::CryptoConstraintsFailure,
        );
        return facts;
    };
    facts.signature_algorithm = Some(scheme.name());
    if let Err(msg) = check_structure(sd, &signed, si) {
        checks.fail(CheckId::CmsStructure, msg, SubIndication::FormatFailure);
        return facts;
    }
    checks.pass(
        CheckId::CmsStructure,
        format!("CMS SignedData, one SignerInfo, {}", sd.sub_filter_name),
    );
    facts.cms_signing_time = si.signing_time();

    // ISC: identify the signing certificate.
    let mut embedded: Vec<Certificate> = Vec::new();
    for (i, der) in signed.certificates.iter().enumerate() {
        match cache.certificate(der) {
            Ok(c) => embedded.push(c),
            Err(e) => {
                checks.fail(
                    CheckId::CmsStructure,
                    format!("certificate #{} in the CMS is malformed: {e}", i + 1),
                    SubIndication::FormatFailure,
                );
                return facts;
            }
        }
    }
    let corrupted = cache.embedded_check(&embedded, &opts.extra_certificates, &opts.trust, || {
        corrupted_certificate(&embedded, opts)
    });
    if let Some(bad) = corrupted.and_then(|i| embedded.get(i)) {
        checks.fail(
            CheckId::CmsStructure,
            format!("the CMS carries a corrupted certificate: {}'s signature does not verify with its issuer's key", bad.subject()),
            SubIndication::FormatFailure,
        );
        return facts;
    }
    let mut pool = embedded;
    pool.extend(opts.extra_certificates.iter().cloned());
    pool.extend(ctx.certificates().iter().cloned());
    let signer = pool.iter().find(|c| match &si.sid {
        SignerIdentifier::IssuerAndSerial { issuer, serial } => {
            c.matches_issuer_serial(issuer, serial)
        }
        SignerIdentifier::SubjectKeyId(ski) => c.subject_key_id() == Some(ski.as_slice()),
    });
    let Some(signer) = signer.cloned() else {
        checks.indeterminate(
            CheckId::SignerCertificate,
            "the signer's certificate is not in the CMS nor among the extra certificates given",
            SubIndication::NoSigningCertificateFound,
        );
        return facts;
    };
    facts.signer = Some(signer.clone());
    checks.pass(
        CheckId::SignerCertificate,
        format!("signed by {}", signer.subject()),
    );

    // ESS signing-certificate(-v2): binds the signature to this certificate.
    match si.signing_certificate() {
        Some(Ok(ids)) => match ids.first() {
            Some(id) if id.hash_algorithm.digest(signer.der()) == id.cert_hash => {
                let serial_ok = id.issuer_serial.as_ref().is_none_or(|(_, serial)| strip0(serial) == strip0(signer.serial()));
                if serial_ok {
                    if sd.sub_filter == SubFilter::CadesDetached {
                        facts.pades_level = Some(crate::PadesLevel::BB);
                    }
                    checks.pass(CheckId::EssSigningCertificate, "the signed attributes name this certificate");
                } else {
                    checks.indeterminate(
                        CheckId::EssSigningCertificate,
                        "the signing-certificate attribute's serial number is not the signer's",
                        SubIndication::NoSigningCertificateFound,
                    );
                }
            }
            Some(_) => checks.indeterminate(
                CheckId::EssSigningCertificate,
                "the signing-certificate attribute names a different certificate than the one used",
                SubIndication::NoSigningCertificateFound,
            ),
            None => checks.fail(CheckId::EssSigningCertificate, "empty signing-certificate attribute", SubIndication::FormatFailure),
        },
        Some(Err(e)) => checks.fail(CheckId::EssSigningCertificate, format!("malformed signing-certificate attribute: {e}"), SubIndication::FormatFailure),
        None if sd.sub_filter == SubFilter::CadesDetached => checks.warn(
            CheckId::EssSigningCertificate,
            "no signing-certificate(-v2) attribute: not a PAdES baseline signature (the certificate is not bound)",
        ),
        None => checks.warn(CheckId::EssSigningCertificate, "no signing-certificate attribute (allowed for adbe.pkcs7.detached)"),
    }

    // CV: digest of the signed bytes, then the signature value.
    let content_digest = match hash_signed_ranges(
        source,
        sd,
        if sd.sub_filter == SubFilter::Pkcs7Sha1 {
            DigestAlgorithm::Sha1
        } else {
            digest
        },
    ) {
        Ok(d) => d,
        Err(e) => {
            checks.indeterminate(
                CheckId::MessageDigest,
                format!("could not read the signed bytes: {e}"),
                SubIndication::SignedDataNotFound,
            );
            return facts;
        }
    };
    let signed_content_digest = if sd.sub_filter == SubFilter::Pkcs7Sha1 {
        match &signed.encap_content {
            Some(c) if *c == content_digest => digest.digest(c),
            Some(_) => {
                checks.fail(
                    CheckId::MessageDigest,
                    "the SHA-1 digest in the CMS content does not match the signed bytes",
                    SubIndication::HashFailure,
                );
                return facts;
            }
            None => {
                checks.fail(
                    CheckId::MessageDigest,
                    "adbe.pkcs7.sha1 signature without encapsulated digest",
                    SubIndication::FormatFailure,
                );
                return facts;
            }
        }
    } else {
        content_digest
    };
    match &si.signed_attrs_der {
        Some(attrs) => {
            match si.message_digest() {
                Some(md) if md == signed_content_digest => checks.pass(
                    CheckId::MessageDigest,
                    format!("{} of the signed bytes matches", digest.name()),
                ),
                Some(_) => {
                    checks.fail(
                        CheckId::MessageDigest,
                        "the document's digest does not match the signed digest: the signed bytes were changed",
                        SubIndication::HashFailure,
                    );
                    return facts;
                }
                None => {
                    checks.fail(
                        CheckId::MessageDigest,
                        "the signed attributes have no message-digest",
                        SubIndication::FormatFailure,
                    );
                    return facts;
                }
            }
            match scheme.verify(signer.public_key(), attrs, &si.signature) {
                Ok(true) => checks.pass(
                    CheckId::SignatureValue,
                    format!("{} signature verifies with the signer's key", scheme.name()),
                ),
                Ok(false) => {
                    checks.fail(
                        CheckId::SignatureValue,
                        "the signature value does not verify with the signer's public key",
                        SubIndication::SigCryptoFailure,
                    );
                    return facts;
                }
                Err(_) => {
                    checks.fail(
                        CheckId::SignatureValue,
                        format!(
                            "the signature algorithm {} does not fit the signer's {} key",
                            scheme.name(),
                            signer.key_info().algorithm
                        ),
                        SubIndication::SigCryptoFailure,
                    );
                    return facts;
                }
            }
        }
        None => {
            match scheme.verify_digest(signer.public_key(), &signed_content_digest, &si.signature) {
                Ok(true) => checks.pass(
                    CheckId::SignatureValue,
                    format!(
                        "{} signature (no signed attributes) verifies",
                        scheme.name()
                    ),
                ),
                Ok(false) => {
                    checks.fail(
                        CheckId::SignatureValue,
                        "the signature does not verify over the signed bytes",
                        SubIndication::SigCryptoFailure,
                    );
                    return facts;
                }
                Err(_) => {
                    checks.fail(
                        CheckId::SignatureValue,
                        "the signature could not be checked with the signer's key",
                        SubIndication::SigCryptoFailure,
                    );
                    return facts;
                }
            }
        }
    }

    // SAV: algorithms and key sizes.
    let key = signer.key_info();
    if digest.is_weak() || scheme.digest().is_weak() {
        checks.indeterminate(
            CheckId::Algorithms,
            format!(
                "{} is no longer accepted for signatures",
                scheme.digest().name()
            ),
            SubIndication::CryptoConstraintsFailureNoPoe,
        );
    } else if key.is_weak() {
        checks.indeterminate(
            CheckId::Algorithms,
            format!(
                "{}-{} keys are too weak (RSA needs 2048 bits, EC 256)",
                key.algorithm, key.bits
            ),
            SubIndication::CryptoConstraintsFailureNoPoe,
        );
    } else {
        checks.pass(
            CheckId::Algorithms,
            format!("{}, {}-bit {} key", scheme.name(), key.bits, key.algorithm),
        );
    }

    // Proofs of existence: signature time-stamps over the signature value, and document
    // time-stamps covering the signature.
    let doc_poe = ctx.doc_timestamp_poe(sd.signed_end());
    let mut stamp_times = Vec::new();
    let mut stamp_paths = Vec::new();
    // A signature time-stamp that is present must be valid (ETSI EN 319 102-1 §5.6.2.x:
    // a broken one is a broken signature, not an absent one): one whose imprint is not
    // this signature's value (grafted from another signature, or computed over the signed
    // attributes) fails with HASH_FAILURE, a token that cannot be read or does not verify
    // fails, a TSA that cannot be trusted leaves the signature undecided.
    for der in si.timestamp_tokens() {
        let token = match TimeStampToken::from_der(der) {
            Ok(t) => t,
            Err(e) => {
                checks.fail(
                    CheckId::SignatureTimestamp,
                    format!("the signature time-stamp cannot be read: {e}"),
                    SubIndication::FormatFailure,
                );
                continue;
            }
        };
        if !token.imprint_covers(&si.signature) {
            let what = match &si.signed_attrs_der {
                Some(attrs) if token.imprint_covers(attrs) => {
                    "it was computed over the signed attributes, not over the signature value"
                }
                _ => "it was made for other data (for example grafted from another signature)",
            };
            checks.fail(
                CheckId::SignatureTimestamp,
                format!(
                    "the signature time-stamp of {} is not over this signature's value: {what}",
                    crate::time::format_rfc3339(token.info.gen_time)
                ),
                SubIndication::HashFailure,
            );
            continue;
        }
        let mut sub = CheckList::default();
        let judged = ctx.check_token(&token, doc_poe.map(|d| d.gen_time), &mut sub);
        let first_bad = sub.first_not_clean();
        checks.merge(sub);
        match (judged, first_bad) {
            (Some(f), None) => {
                checks.pass(
                    CheckId::SignatureTimestamp,
                    format!(
                        "the signature existed at {} (signature time-stamp by {})",
                        crate::time::format_rfc3339(f.gen_time),
                        f.tsa.subject()
                    ),
                );
                stamp_times.push(f.gen_time);
                stamp_paths.push(f.path);
            }
            (_, Some((CheckStatus::Failed, sub))) => checks.fail(
                CheckId::SignatureTimestamp,
                "the signature time-stamp is not valid",
                sub.unwrap_or(SubIndication::SigCryptoFailure),
            ),
            (_, Some((_, sub))) => checks.indeterminate(
                CheckId::SignatureTimestamp,
                "the signature time-stamp cannot be validated",
                sub.unwrap_or(SubIndication::NoCertificateChainFound),
            ),
            (None, None) => checks.indeterminate(
                CheckId::SignatureTimestamp,
                "the signature time-stamp cannot be validated",
                SubIndication::CertificateChainGeneralFailure,
            ),
        }
    }
    facts.timestamped = !stamp_times.is_empty();
    let proven = stamp_times
        .iter()
        .copied()
        .chain(doc_poe.map(|d| d.gen_time))
        .min();
    facts.proven_time = proven;
    let claimed = sd.signing_time.or(facts.cms_signing_time);
    match (proven, claimed) {
        (Some(t), Some(c)) if c > t + CLAIM_TOLERANCE => checks.warn(
            CheckId::SigningTime,
            format!(
                "the claimed signing time {} is later than the proven time {}",
                crate::time::format_rfc3339(c),
                crate::time::format_rfc3339(t)
            ),
        ),
        (Some(t), _) => checks.pass(
            CheckId::SigningTime,
            format!(
                "a {} proves the signature existed at {}",
                if facts.timestamped { "signature time-stamp" } else { "document time-stamp" },
                crate::time::format_rfc3339(t)
            ),
        ),
        (None, Some(c)) => checks.warn(
            CheckId::SigningTime,
            format!(
                "the signing time {} is only claimed: no time-stamp proves it, so the signature is judged at the validation time",
                crate::time::format_rfc3339(c)
            ),
        ),
        (None, None) => checks.warn(CheckId::SigningTime, "no signing time is claimed and no time-stamp proves one"),
    }

    // XCV: chain to a trust anchor, key usage, validity in time, revocation.
    check_chain(
        &signer,
        &pool,
        opts,
        cache,
        claimed,
        proven,
        validation_time,
        checks,
        &mut facts,
        ctx,
    );

    // PAdES level above B-B: B-T with a proof of existence, B-LT with the validation data in
    // the DSS, B-LTA with a document time-stamp over it.
    if facts.pades_level.is_some() && proven.is_some() {
        facts.pades_level = Some(crate::PadesLevel::BT);
        if let Some(path) = &facts.path {
            if ctx.dss_covers(path) && stamp_paths.iter().all(|p| ctx.dss_covers(p)) {
                facts.pades_level = Some(if ctx.archive_covers(sd.signed_end()) {
                    crate::PadesLevel::BLTA
                } else {
                    crate::PadesLevel::BLT
                });
            }
        }
    }
    facts
}

/// How much later than the proven time a claimed signing time may be (clock skew).
const CLAIM_TOLERANCE: i64 = 300;

fn strip0(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[i..]
}

/// An embedded certificate whose issuer is at hand (embedded, extra, or an anchor) but
/// whose signature does not verify with that issuer's key: a CMS that was tampered with
/// after signing (certificates are not covered by the signature), or a broken producer.
fn corrupted_certificate(embedded: &[Certificate], opts: &ValidationOptions) -> Option<usize> {
    embedded.iter().position(|c| {
        let mut issuers = embedded
            .iter()
            .chain(opts.extra_certificates.iter())
            .chain(opts.trust.anchors().iter())
            .filter(|i| i.subject_der() == c.issuer_der())
            .filter(|i| match (c.authority_key_id(), i.subject_key_id()) {
                (Some(a), Some(k)) => a == k,
                _ => true,
            })
            .peekable();
        issuers.peek().is_some() && !issuers.any(|i| c.is_signed_by(i))
    })
}

fn check_structure(
    sd: &SignatureDictionary,
    signed: &SignedData,
    si: &SignerInfo,
) -> Result<(), String> {
    let sid_version = match si.sid {
        SignerIdentifier::IssuerAndSerial { .. } => 1,
        SignerIdentifier::SubjectKeyId(_) => 3,
    };
    if si.version != sid_version {
        return Err(format!(
            "SignerInfo version {} does not match its signer identifier (expected {sid_version})",
            si.version
        ));
    }
    if !matches!(signed.version, 1 | 3 | 4 | 5) || (sid_version == 3 && signed.version < 3) {
        return Err(format!(
            "SignedData version {} is not valid for its contents",
            signed.version
        ));
    }
    if !signed
        .digest_algorithms
        .iter()
        .any(|a| a.oid == si.digest_algorithm.oid)
    {
        return Err(
            "the SignedData digestAlgorithms do not list the signer's digest algorithm".into(),
        );
    }
    if signed.encap_content.is_some() && sd.sub_filter != SubFilter::Pkcs7Sha1 {
        return Err("the CMS carries its own content; a detached signature is required".into());
    }
    let expected_ct = oids::DATA;
    if signed.encap_content_type != expected_ct {
        return Err(format!(
            "encapsulated content type {} is not id-data",
            signed.encap_content_type
        ));
    }
    if si.signed_attrs.is_some() {
        let (ct, n_ct) = si.signed_attr(oids::CONTENT_TYPE);
        let (_, n_md) = si.signed_attr(oids::MESSAGE_DIGEST);
        if ct.is_none() || n_ct != 1 || n_md != 1 {
            return Err(
                "signed attributes must hold exactly one content-type and one message-digest"
                    .into(),
            );
        }
        if si.content_type().as_deref() != Some(signed.encap_content_type.as_str()) {
            return Err(
                "the content-type attribute does not match the encapsulated content type".into(),
            );
        }
    } else if sd.sub_filter == SubFilter::CadesDetached {
        return Err("ETSI.CAdES.detached requires signed attributes".into());
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn check_chain(
    signer: &Certificate,
    pool: &[Certificate],
    opts: &ValidationOptions,
    cache: &ValidationCache,
    claimed: Option<i64>,
    proven: Option<i64>,
    validation_time: i64,
    checks: &mut CheckList,
    facts: &mut CryptoFacts,
    ctx: &LtvContext<'_>,
) {
    // Key usage of the signing certificate; then its extended key usage (RFC 5280
    // §4.2.1.12), as Adobe decides: when present it must allow signing documents.
    if !signer.eku_allows_document_signing() {
        let found = signer
            .extended_key_usage()
            .unwrap_or_default()
            .iter()
            .map(|o| crate::pki::cert::eku_name(o))
            .collect::<Vec<_>>();
        checks.fail(
            CheckId::KeyUsage,
            format!(
                "the signer's certificate is restricted to other purposes by its extended key usage ({}); signing documents needs anyExtendedKeyUsage, documentSigning, emailProtection, Microsoft document signing or Adobe Authentic Documents",
                if found.is_empty() { "empty".to_string() } else { found.join(", ") }
            ),
            SubIndication::SigConstraintsFailure,
        );
    } else { match signer.key_usage() {
        Some(ku) if !(ku.digital_signature || ku.non_repudiation) => checks.indeterminate(
            CheckId::KeyUsage,
            "the signer's certificate allows neither digitalSignature nor nonRepudiation",
            SubIndication::ChainConstraintsFailure,
        ),
        Some(_) => checks.pass(CheckId::KeyUsage, "the signer's certificate allows signing"),
        None => checks.warn(
            CheckId::KeyUsage,
            "the signer's certificate has no keyUsage extension",
        ),
    } }

    if opts.trust.is_empty() {
        checks.indeterminate(
            CheckId::CertificateChain,
            "no trust anchors were given, so the signer cannot be trusted (use --trust or a trust profile)",
            SubIndication::NoCertificateChainFound,
        );
        return;
    }
    let mut built = cache.build_path(&opts.trust, signer, pool);
    let mut fetched_note = String::new();
    let mut aia_problems: Vec<String> = Vec::new();
    if let (Err(PathError::NoChain { .. }), Some(source)) = (&built, &opts.issuer_source) {
        let completion = crate::pki::aia::complete(&opts.trust, signer, pool, source.as_ref());
        if !completion.added.is_empty() {
            let mut wider = pool.to_vec();
            wider.extend(completion.added.iter().cloned());
            built = cache.build_path(&opts.trust, signer, &wider);
            if let Ok(p) = &built {
                let used: Vec<String> = p
                    .certificates
                    .iter()
                    .filter(|c| completion.added.contains(c))
                    .map(|c| c.subject().common_name().unwrap_or("?").to_string())
                    .collect();
                if !used.is_empty() {
                    fetched_note = format!(
                        " (fetched by the certificates' caIssuers URLs: {})",
                        used.join(", ")
                    );
                }
            }
        }
        if built.is_err() {
            aia_problems = completion.problems;
        }
    }
    let path = match built {
        Ok(p) => p,
        Err(e) => {
            let sub = match e {
                PathError::NoChain { .. } => SubIndication::NoCertificateChainFound,
                PathError::NotCa { .. }
                    | PathError::PathLenExceeded { .. }
                    | PathError::NameConstraints { .. } => {
                    SubIndication::ChainConstraintsFailure
                }
                _ => SubIndication::CertificateChainGeneralFailure,
            };
            let mut msg = e.to_string();
            for p in &aia_problems {
                msg.push_str("; ");
                msg.push_str(p);
            }
            checks.indeterminate(CheckId::CertificateChain, msg, sub);
            return;
        }
    };
    let names: Vec<String> = path
        .certificates
        .iter()
        .map(|c| c.subject().common_name().unwrap_or("?").to_string())
        .collect();
    checks.pass(
        CheckId::CertificateChain,
        format!(
            "chains to the trust anchor: {}{fetched_note}",
            names.join(" → ")
        ),
    );
    for c in path
        .certificates
        .iter()
        .skip(1)
        .take(path.certificates.len().saturating_sub(2))
    {
        if c.key_info().is_weak() {
            checks.indeterminate(
                CheckId::Algorithms,
                format!(
                    "CA certificate {} has a weak {}-{} key",
                    c.subject(),
                    c.key_info().algorithm,
                    c.key_info().bits
                ),
                SubIndication::CryptoConstraintsFailureNoPoe,
            );
        }
    }

    let fmt = crate::time::format_rfc3339;
    if let Some(t) = proven {
        // A proven signing time: every certificate must have been valid then; expiring
        // since is fine (the revocation check below then needs the document's evidence).
        let at_t = path.check_validity_at(t);
        for p in &at_t {
            checks.fail(
                CheckId::ValidityPeriod,
                format!(
                    "{} was {} at the proven signing time {} (valid {} to {})",
                    p.subject,
                    if p.expired {
                        "expired"
                    } else {
                        "not yet valid"
                    },
                    fmt(t),
                    fmt(p.not_before),
                    fmt(p.not_after)
                ),
                if p.expired {
                    SubIndication::Expired
                } else {
                    SubIndication::NotYetValid
                },
            );
        }
        if at_t.is_empty() {
            let since: Vec<String> = path
                .check_validity_at(validation_time)
                .iter()
                .filter(|p| p.expired)
                .map(|p| format!("{} expired on {}", p.subject, fmt(p.not_after)))
                .collect();
            if since.is_empty() {
                checks.pass(
                    CheckId::ValidityPeriod,
                    "every certificate of the chain is within its validity period",
                );
            } else {
                checks.pass(
                    CheckId::ValidityPeriod,
                    format!(
                        "every certificate of the chain was valid at the proven signing time {}; since then {}",
                        fmt(t),
                        since.join(", ")
                    ),
                );
            }
        }
    } else {
        // Without a time-stamp, the claimed time is checked, and the chain must be valid at
        // the validation time (ETSI EN 319 102-1 §5.5).
        let mut ok = true;
        if let Some(t) = claimed {
            for p in path.check_validity_at(t) {
                ok = false;
                let sub = if p.expired {
                    SubIndication::OutOfBoundsNoPoe
                } else {
                    SubIndication::NotYetValid
                };
                checks.indeterminate(
                    CheckId::ValidityPeriod,
                    format!(
                        "{} was {} at the claimed signing time {} (valid {} to {})",
                        p.subject,
                        if p.expired {
                            "expired"
                        } else {
                            "not yet valid"
                        },
                        fmt(t),
                        fmt(p.not_before),
                        fmt(p.not_after)
                    ),
                    sub,
                );
            }
        }
        if ok {
            for p in path.check_validity_at(validation_time) {
                ok = false;
                let (sub, what) = if p.expired {
                    (SubIndication::OutOfBoundsNoPoe, "expired")
                } else {
                    (SubIndication::NotYetValid, "not yet valid")
                };
                checks.indeterminate(
                    CheckId::ValidityPeriod,
                    format!(
                        "{} is {what} at the validation time {} (valid {} to {}) and no time-stamp proves the signature existed before",
                        p.subject,
                        fmt(validation_time),
                        fmt(p.not_before),
                        fmt(p.not_after)
                    ),
                    sub,
                );
            }
        }
        if ok {
            checks.pass(
                CheckId::ValidityPeriod,
                "every certificate of the chain is within its validity period",
            );
        }
    }
    ctx.check_path_revocation(
        &path,
        proven.unwrap_or(validation_time),
        Role::Signer {
            proven: proven.is_some(),
        },
        checks,
    );
    facts.path = Some(path);
}
