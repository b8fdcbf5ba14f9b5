//! Long-term validation end to end, against real services on loopback (OpenSSL's OCSP
//! responder and time-stamp authority, CRLs over HTTP; see `common/ltv.rs`): the RFC 3161
//! client, OCSP/CRL fetching and verification, the pre-signing check, signing at B-T, B-LT
//! and B-LTA, extending files, and validation in time — offline, years later.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;
#[path = "common/ltv.rs"]
mod ltv_env;

use std::sync::Arc;

use kyso::net::{HttpTransport, NetError, Response};
use kyso::report::{CheckStatus, FileReport, Indication, SignatureReport, SubIndication};
use kyso::revocation::evidence::{Evidence, Origin, Verdict};
use kyso::revocation::{OnlineSource, RevocationPolicy, RevocationSource};
use kyso::sign::levels::{self, LevelOptions, PadesLevel};
use kyso::sign::{SignError, SignOptions};
use kyso::tsp::{TsaClient, TspError};
use kyso::validate::{ValidationOptions, Validator};
use kyso_testkit::Issued;
use ltv_env::{LtvEnv, DAY, YEAR};

fn level_opts(env: &LtvEnv, level: PadesLevel) -> LevelOptions {
    LevelOptions {
        level,
        tsa: Some(TsaClient::new(&env.url("/tsa"))),
        revocation: Some(Arc::new(OnlineSource::default())),
        // The root is not in the CMS (kyso leaves anchors out): extending needs it to
        // complete the chains, as `kyso extend --certs root.pem` does.
        extra_certificates: vec![env.root.cert.clone()],
        ..Default::default()
    }
}

fn sign_at(env: &LtvEnv, leaf: &Issued, level: PadesLevel) -> Vec<u8> {
    let input = common::sample_default();
    let out = levels::sign(
        &input,
        &env.signer(leaf),
        &SignOptions::default(),
        &level_opts(env, level),
    )
    .unwrap();
    assert!(
        out.pdf.starts_with(&input),
        "the input is a prefix of the output"
    );
    out.pdf
}

fn validate(
    env: &LtvEnv,
    bytes: &[u8],
    at: Option<i64>,
    online: bool,
    policy: RevocationPolicy,
) -> FileReport {
    let v = Validator::new(ValidationOptions {
        trust: env.trust(),
        validation_time: at,
        revocation_policy: policy,
        revocation_source: online
            .then(|| Arc::new(OnlineSource::default()) as Arc<dyn RevocationSource>),
        ..Default::default()
    });
    v.validate_bytes("ltv.pdf", bytes)
}

fn offline(env: &LtvEnv, bytes: &[u8], at: i64) -> FileReport {
    validate(env, bytes, Some(at), false, RevocationPolicy::SoftFail)
}

fn text(r: &FileReport) -> String {
    kyso::report::render_text(r)
}

fn approval(r: &FileReport) -> &SignatureReport {
    r.signatures
        .iter()
        .find(|s| s.kind != "document-timestamp")
        .unwrap_or_else(|| panic!("{}", text(r)))
}

fn has_check(s: &SignatureReport, id: &str, status: CheckStatus, needle: &str) -> bool {
    s.checks
        .iter()
        .any(|c| c.id == id && c.status == status && c.message.contains(needle))
}

#[test]
fn tsa_client_verifies_tokens() {
    let env = LtvEnv::start();
    let mut tsa = TsaClient::new(&env.url("/tsa"));
    let token = tsa.timestamp(b"hello").unwrap();
    assert!(token.imprint_covers(b"hello"));
    assert_eq!(token.verify(&[]).unwrap(), env.tsa.cert);
    let now = kyso::time::now();
    assert!((token.info.gen_time - now).abs() < 60);
    // The size estimate probes once, then is remembered.
    let before = env.requests("/tsa");
    let est = tsa.token_size_estimate().unwrap();
    assert!(
        est >= token.der.len() && est < token.der.len() + 200,
        "{est} vs {}",
        token.der.len()
    );
    tsa.token_size_estimate().unwrap();
    assert_eq!(env.requests("/tsa"), before + 1);
    // Chain checking against trust anchors.
    tsa.trust = Some(env.trust());
    tsa.timestamp(b"x").unwrap();
    tsa.trust = Some(common::trust_root());
    assert!(matches!(tsa.timestamp(b"x"), Err(TspError::Untrusted(_))));
    // A TSA that is not one, and one that is down.
    assert!(TsaClient::new(&env.url("/crl/inter.crl"))
        .timestamp(b"x")
        .is_err());
    assert!(matches!(
        TsaClient::new(&env.url("/nothing")).timestamp(b"x"),
        Err(TspError::Net(NetError::Status { status: 503, .. }))
    ));
}

/// Answers every request with one recorded body (a replayed OCSP response).
#[derive(Debug)]
struct Replay(Vec<u8>);

impl HttpTransport for Replay {
    fn post(&self, _: &str, _: &str, _: &[u8]) -> Result<Response, NetError> {
        Ok(Response {
            content_type: None,
            body: self.0.clone(),
        })
    }
    fn get(&self, _: &str) -> Result<Response, NetError> {
        Ok(Response {
            content_type: None,
            body: self.0.clone(),
        })
    }
}

#[test]
fn ocsp_and_crl_are_fetched_verified_and_cached() {
    let env = LtvEnv::start();
    let leaf = env.leaf("Nguyễn Văn OCSP");
    let src = OnlineSource::default();
    let f = src.fetch(&leaf.cert, &env.inter.cert);
    assert_eq!(
        (f.ocsp.len(), f.crls.len(), f.certs.len()),
        (1, 0, 0),
        "{f:?}"
    );
    // A delegated responder: its certificate comes along.
    let delegated = env.leaf_with("Delegated", Some("/ocsp/delegated"), false);
    let fd = src.fetch(&delegated.cert, &env.inter.cert);
    assert_eq!(fd.ocsp.len(), 1, "{fd:?}");
    assert_eq!(fd.certs, vec![env.responder.cert.der().to_vec()]);
    let mut ev = Evidence::new();
    ev.add_fetched(&fd);
    assert!(matches!(
        ev.status_at(&delegated.cert, &env.inter.cert, kyso::time::now()),
        Verdict::Good(_)
    ));
    let resp = kyso::revocation::ocsp::OcspResponse::from_der(&fd.ocsp[0]).unwrap();
    assert!(
        resp.verify(&env.inter.cert, &[]).is_ok(),
        "the response carries its responder certificate"
    );
    // The responder is not authorised for another CA's certificates.
    assert!(resp.verify(&env.root.cert, &[]).is_err());
    let mut ev = Evidence::new();
    ev.add_fetched(&f);
    let now = kyso::time::now();
    assert!(
        matches!(ev.status_at(&leaf.cert, &env.inter.cert, now), Verdict::Good(s) if s.kind == "OCSP" && s.origin == Origin::Fetched)
    );
    // Cached: asking again sends nothing.
    let n = env.requests("/ocsp");
    src.fetch(&leaf.cert, &env.inter.cert);
    assert_eq!(env.requests("/ocsp"), n);

    // The intermediate has only a CRL distribution point (the root's CRL).
    let f = src.fetch(&env.inter.cert, &env.root.cert);
    assert_eq!((f.ocsp.len(), f.crls.len()), (0, 1), "{f:?}");
    // A broken OCSP responder: fall back to the CRL, which is downloaded once per run.
    let a = env.leaf_with("OCSP down A", Some("/ocsp/down"), true);
    let b = env.leaf_with("OCSP down B", Some("/ocsp/down"), true);
    let fa = src.fetch(&a.cert, &env.inter.cert);
    assert_eq!((fa.ocsp.len(), fa.crls.len()), (0, 1), "{fa:?}");
    assert!(fa.problems.iter().any(|p| p.contains("503")), "{fa:?}");
    let crl_requests = env.requests("/crl/inter.crl");
    assert_eq!(src.fetch(&b.cert, &env.inter.cert).crls.len(), 1);
    assert_eq!(env.requests("/crl/inter.crl"), crl_requests);

    // Revocation, as OCSP and as CRL say it.
    let revoked = env.leaf("Revoked");
    let when = now - 3600;
    env.revoke(&revoked, when);
    for source in [OnlineSource::default(), OnlineSource::default()] {
        let f = source.fetch(&revoked.cert, &env.inter.cert);
        let mut ev = Evidence::new();
        ev.add_fetched(&f);
        match ev.status_at(&revoked.cert, &env.inter.cert, now) {
            Verdict::Revoked(s) => assert_eq!(
                s.status,
                kyso::revocation::evidence::Status::Revoked {
                    time: when,
                    reason: Some(1)
                }
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            ev.status_at(&revoked.cert, &env.inter.cert, when - 10),
            Verdict::RevokedAfter(_)
        ));
    }
    let crl_only = env.leaf_with("CRL only", None, true);
    env.revoke(&crl_only, when);
    let f = OnlineSource::default().fetch(&crl_only.cert, &env.inter.cert);
    let mut ev = Evidence::new();
    ev.add_fetched(&f);
    assert!(
        matches!(ev.status_at(&crl_only.cert, &env.inter.cert, now), Verdict::Revoked(s) if s.kind == "CRL")
    );

    // A replayed response: its nonce is not the one sent.
    let replay = OnlineSource::new(Arc::new(Replay(
        OnlineSource::default()
            .fetch(&leaf.cert, &env.inter.cert)
            .ocsp[0]
            .clone(),
    )));
    let err = replay
        .query_ocsp(&env.url("/ocsp/inter"), &leaf.cert, &env.inter.cert)
        .unwrap_err();
    assert!(err.to_string().contains("nonce"), "{err}");
    // A response about another certificate, and one signed for another CA, are refused.
    assert!(replay
        .query_ocsp("http://x/", &a.cert, &env.inter.cert)
        .is_err());
    assert!(replay
        .query_ocsp("http://x/", &leaf.cert, &env.root.cert)
        .is_err());
    // Garbage is refused, never a panic.
    for junk in [&b""[..], b"\x30\x03\x0a\x01\x00", &[0x30; 100]] {
        let s = OnlineSource::new(Arc::new(Replay(junk.to_vec())));
        assert!(s
            .query_ocsp("http://x/", &leaf.cert, &env.inter.cert)
            .is_err());
        assert!(s
            .query_crl("http://x/", &leaf.cert, &env.inter.cert)
            .is_err());
    }
}

#[test]
fn a_revoked_signer_is_refused_before_signing() {
    let env = LtvEnv::start();
    let leaf = env.leaf("Revoked signer");
    env.revoke(&leaf, kyso::time::now() - DAY);
    let input = common::sample_default();
    let err = levels::sign(
        &input,
        &env.signer(&leaf),
        &SignOptions::default(),
        &level_opts(&env, PadesLevel::BB),
    )
    .unwrap_err();
    assert!(
        matches!(&err, SignError::Certificate(m) if m.contains("revoked") && m.contains("keyCompromise")),
        "{err}"
    );
    // Skipping the check is possible, and reported.
    let lvl = LevelOptions {
        skip_revocation_check: true,
        ..level_opts(&env, PadesLevel::BB)
    };
    let out = levels::sign(&input, &env.signer(&leaf), &SignOptions::default(), &lvl).unwrap();
    assert!(
        out.notes.iter().any(|n| n.contains("not checked")),
        "{:?}",
        out.notes
    );
    // A good signer passes the check, which names its evidence.
    let good = env.leaf("Good signer");
    let out = levels::sign(
        &input,
        &env.signer(&good),
        &SignOptions::default(),
        &level_opts(&env, PadesLevel::BB),
    )
    .unwrap();
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("not revoked") && n.contains("OCSP")),
        "{:?}",
        out.notes
    );
    // With every service down, the status is unknown: refused.
    let mut env = env;
    env.stop();
    let err = levels::sign(
        &input,
        &env.signer(&good),
        &SignOptions::default(),
        &level_opts(&env, PadesLevel::BB),
    )
    .unwrap_err();
    assert!(
        matches!(&err, SignError::Certificate(m) if m.contains("could not be established")),
        "{err}"
    );
}

#[test]
fn b_t_proves_the_signing_time() {
    let env = LtvEnv::start();
    let leaf = env.leaf("B-T signer");
    let before = kyso::time::now();
    let pdf = sign_at(&env, &leaf, PadesLevel::BT);
    let r = validate(&env, &pdf, None, true, RevocationPolicy::Require);
    assert!(r.valid, "{}", text(&r));
    let s = approval(&r);
    assert!(s.timestamped);
    assert_eq!(s.pades_level, Some(kyso::PadesLevel::BT));
    let proven = kyso::time::parse_rfc3339(s.proven_signing_time.as_deref().unwrap()).unwrap();
    assert!(proven >= before - 2 && proven <= kyso::time::now() + 2);
    assert!(
        has_check(s, "signature-timestamp", CheckStatus::Passed, "existed at"),
        "{}",
        text(&r)
    );
    assert!(
        has_check(s, "signing-time", CheckStatus::Passed, "proves"),
        "{}",
        text(&r)
    );
    assert!(text(&r).contains("proven:"), "{}", text(&r));
    // The placeholder was sized from a probe token: a few dozen bytes of padding, not more.
    let br = &s.coverage.as_ref().unwrap().byte_range;
    let hex = std::str::from_utf8(&pdf[br[1] as usize + 1..br[2] as usize - 1]).unwrap();
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let used = kyso::der::Reader::new(&bytes).read().unwrap().raw.len();
    let spare = bytes.len() - used;
    assert!(
        spare < 300,
        "{spare} bytes of padding for a {used}-byte CMS"
    );
    // A B-B signature's time is only claimed.
    let bb = sign_at(&env, &leaf, PadesLevel::BB);
    let r = validate(&env, &bb, None, true, RevocationPolicy::Require);
    assert!(r.valid, "{}", text(&r));
    let s = approval(&r);
    assert!(!s.timestamped && s.proven_signing_time.is_none());
    assert!(
        has_check(s, "signing-time", CheckStatus::Warning, "only claimed"),
        "{}",
        text(&r)
    );
}

#[test]
fn b_lta_validates_offline_years_later_and_without_its_dss_does_not() {
    let mut env = LtvEnv::start();
    let leaf = env.leaf("Trần Thị LTA");
    let lta = sign_at(&env, &leaf, PadesLevel::BLTA);
    let bt = sign_at(&env, &leaf, PadesLevel::BT);
    let bb = sign_at(&env, &leaf, PadesLevel::BB);
    let doc = kyso::pdf::Document::from_bytes(lta.clone()).unwrap();
    assert_eq!(
        doc.revisions().len(),
        5,
        "original, signature, DSS, document time-stamp, its validation data"
    );
    let dss = kyso::dss::Dss::read(&doc, doc.last_revision())
        .unwrap()
        .unwrap();
    assert!(
        dss.certs.len() >= 4 && !dss.ocsps.is_empty() && !dss.crls.is_empty(),
        "{dss:?}"
    );
    env.stop();

    // Now: valid, at B-LTA.
    let r = offline(&env, &lta, kyso::time::now());
    assert!(r.valid, "{}", text(&r));
    assert_eq!(
        approval(&r).pades_level,
        Some(kyso::PadesLevel::BLTA),
        "{}",
        text(&r)
    );
    assert!(r.offline && r.revocation_policy == kyso::RevocationPolicy::SoftFail);
    let dts = r
        .signatures
        .iter()
        .find(|s| s.kind == "document-timestamp")
        .unwrap();
    assert_eq!(dts.indication, Indication::TotalPassed, "{}", text(&r));

    // Two years on, the signer's certificate has expired: still valid from the embedded data.
    let later = kyso::time::now() + 2 * YEAR;
    assert!(leaf.cert.not_after() < later);
    let r = offline(&env, &lta, later);
    assert!(r.valid, "{}", text(&r));
    let s = approval(&r);
    assert!(
        has_check(s, "validity-period", CheckStatus::Passed, "since then"),
        "{}",
        text(&r)
    );
    assert!(
        has_check(s, "revocation", CheckStatus::Passed, "in the DSS"),
        "{}",
        text(&r)
    );

    // The same signature without the DSS: nothing proves the certificate was not revoked.
    let r = offline(&env, &bt, later);
    assert_eq!(r.indication, Indication::Indeterminate, "{}", text(&r));
    assert_eq!(
        approval(&r).sub_indication,
        Some(SubIndication::TryLater),
        "{}",
        text(&r)
    );
    assert!(
        has_check(
            approval(&r),
            "revocation",
            CheckStatus::Indeterminate,
            "can no longer be obtained"
        ),
        "{}",
        text(&r)
    );
    // And without any time-stamp, nothing proves the signature existed before the expiry.
    let r = offline(&env, &bb, later);
    assert_eq!(
        approval(&r).sub_indication,
        Some(SubIndication::OutOfBoundsNoPoe),
        "{}",
        text(&r)
    );
    // Under the require policy, even now, the B-T file lacks revocation data offline.
    let r = validate(&env, &bt, None, false, RevocationPolicy::Require);
    assert_eq!(
        approval(&r).sub_indication,
        Some(SubIndication::TryLater),
        "{}",
        text(&r)
    );
    let r = validate(&env, &lta, None, false, RevocationPolicy::Require);
    assert_eq!(
        approval(&r).indication,
        Indication::TotalPassed,
        "{}",
        text(&r)
    );
}

#[test]
fn a_certificate_revoked_after_signing() {
    let env = LtvEnv::start();
    let leaf = env.leaf("Revoked later");
    let bt = sign_at(&env, &leaf, PadesLevel::BT);
    let bb = sign_at(&env, &leaf, PadesLevel::BB);
    // Revoked strictly after the time-stamp's second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    env.revoke(&leaf, kyso::time::now());
    let lt = levels::extend(&bt, &level_opts(&env, PadesLevel::BLT)).unwrap();
    assert!(lt.pdf.starts_with(&bt));
    let r = offline(&env, &lt.pdf, kyso::time::now() + DAY);
    assert!(r.valid, "{}", text(&r));
    let s = approval(&r);
    assert_eq!(s.pades_level, Some(kyso::PadesLevel::BLT), "{}", text(&r));
    assert!(
        has_check(
            s,
            "revocation",
            CheckStatus::Passed,
            "after the proven signing time"
        ),
        "{}",
        text(&r)
    );
    // Online validation agrees.
    let r = validate(&env, &bt, None, true, RevocationPolicy::Require);
    assert!(r.valid, "{}", text(&r));
    // Without a time-stamp there is no proof the signature predates the revocation.
    let lt = levels::extend(&bb, &level_opts(&env, PadesLevel::BLT)).unwrap();
    assert!(
        lt.notes.iter().any(|n| n.contains("no time-stamp")),
        "{:?}",
        lt.notes
    );
    let r = offline(&env, &lt.pdf, kyso::time::now());
    assert_eq!(
        approval(&r).indication,
        Indication::Indeterminate,
        "{}",
        text(&r)
    );
    assert_eq!(
        approval(&r).sub_indication,
        Some(SubIndication::RevokedNoPoe),
        "{}",
        text(&r)
    );
}

#[test]
fn archives_are_renewed_before_their_time_stamps_expire() {
    let mut env = LtvEnv::start();
    let leaf = env.leaf("Archive");
    let lta = sign_at(&env, &leaf, PadesLevel::BLTA);
    // TSA 1 and the intermediate expire after three years; TSA 2 (under the root) lasts ten.
    let renewed = levels::extend(
        &lta,
        &LevelOptions {
            tsa: Some(TsaClient::new(&env.url("/tsa2"))),
            ..level_opts(&env, PadesLevel::BLTA)
        },
    )
    .unwrap();
    assert!(renewed.pdf.starts_with(&lta));
    assert_eq!(
        levels::archive_timestamp_expiry(&renewed.pdf, &[]).unwrap(),
        Some(env.tsa2.cert.not_after())
    );
    env.stop();
    let four_years = kyso::time::now() + 4 * YEAR;
    let r = offline(&env, &lta, four_years);
    assert!(!r.valid, "{}", text(&r));
    let dts = r
        .signatures
        .iter()
        .find(|s| s.kind == "document-timestamp")
        .unwrap();
    assert_eq!(
        dts.sub_indication,
        Some(SubIndication::OutOfBoundsNoPoe),
        "{}",
        text(&r)
    );
    let r = offline(&env, &renewed.pdf, four_years);
    assert!(r.valid, "{}", text(&r));
    assert_eq!(r.signatures.len(), 3);
    assert_eq!(approval(&r).pades_level, Some(kyso::PadesLevel::BLTA));
    // The intermediate CA expired too: the chain was valid at the proven time.
    assert!(
        has_check(
            approval(&r),
            "validity-period",
            CheckStatus::Passed,
            "kyso LTV Test Intermediate expired"
        ),
        "{}",
        text(&r)
    );
}

#[test]
fn broken_time_stamps_are_not_proof() {
    let mut env = LtvEnv::start();
    let leaf = env.leaf("Tamper");
    let lta = sign_at(&env, &leaf, PadesLevel::BLTA);
    let bt = sign_at(&env, &leaf, PadesLevel::BT);
    env.stop();
    let r = offline(&env, &lta, kyso::time::now());
    assert!(r.valid, "{}", text(&r));
    let span = |name: &str| {
        let s = r
            .signatures
            .iter()
            .find(|s| s.field.starts_with(name))
            .unwrap();
        let br = &s.coverage.as_ref().unwrap().byte_range;
        (br[1] as usize, br[2] as usize)
    };
    // Flip a hex digit in the middle of the document time-stamp's token: it no longer verifies.
    let (a, b) = span("DocTimeStamp");
    let mut bad = lta.clone();
    let i = a + (b - a) / 3;
    bad[i] = if bad[i] == b'0' { b'1' } else { b'0' };
    let r = offline(&env, &bad, kyso::time::now());
    assert!(!r.valid, "{}", text(&r));
    // Flip a digit of a B-T signature's time-stamp (inside its /Contents, outside its signed
    // bytes): a present but broken time-stamp proves nothing and makes the signature not
    // valid (before issue 13 it was ignored with a warning and the file was valid).
    let r = offline(&env, &bt, kyso::time::now());
    assert!(r.valid, "{}", text(&r));
    let s = approval(&r);
    let br = &s.coverage.as_ref().unwrap().byte_range;
    let (a, b) = (br[1] as usize, br[2] as usize);
    let hex = std::str::from_utf8(&bt[a + 1..b - 1]).unwrap();
    let der: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let sd = kyso::cms::parse_signed_data(&der).unwrap();
    let token = sd.signer_infos[0].timestamp_tokens()[0].to_vec();
    let at = der.windows(token.len()).position(|w| w == token).unwrap() + token.len() - 40;
    let mut bad = bt.clone();
    let pos = a + 1 + 2 * at;
    bad[pos] = if bad[pos] == b'0' { b'1' } else { b'0' };
    let r = offline(&env, &bad, kyso::time::now());
    let s = approval(&r);
    assert!(
        !s.timestamped && s.proven_signing_time.is_none(),
        "{}",
        text(&r)
    );
    assert_eq!(s.pades_level, Some(kyso::PadesLevel::BB), "{}", text(&r));
    assert!(
        has_check(s, "signature-timestamp", CheckStatus::Failed, "not valid"),
        "{}",
        text(&r)
    );
    assert!(!r.valid);
    assert_eq!(
        s.indication,
        kyso::report::Indication::TotalFailed,
        "{}",
        text(&r)
    );
}

#[test]
fn cli_signs_extends_and_verifies_offline() {
    let mut env = LtvEnv::start();
    let leaf = env.leaf("CLI signer");
    let p12 = env.write_p12("cli", &leaf);
    let input = env.path("in.pdf");
    std::fs::write(&input, common::sample_default()).unwrap();
    let (p12s, pw) = (
        p12.display().to_string(),
        env.path("pw.txt").display().to_string(),
    );
    let (ins, root) = (
        input.display().to_string(),
        env.path("root.pem").display().to_string(),
    );
    let dir = env.dir.path().to_path_buf();
    let out = |n: &str| dir.join(n).display().to_string();
    let tsa = env.url("/tsa");

    let o = common::kyso(&[
        "sign",
        &ins,
        "-o",
        &out("bt.pdf"),
        "--p12",
        &p12s,
        "--password-file",
        &pw,
        "--level",
        "B-T",
        "--tsa",
        &tsa,
        "--tsa-trust",
        &root,
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("not revoked"),
        "{}",
        common::stderr(&o)
    );
    let o = common::kyso(&[
        "extend",
        &out("bt.pdf"),
        "-o",
        &out("lta.pdf"),
        "--level",
        "B-LTA",
        "--tsa",
        &tsa,
        "--certs",
        &root,
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("DSS: added"),
        "{}",
        common::stderr(&o)
    );
    // Renewal is skipped while the newest time-stamp's certificate is far from expiry.
    let o = common::kyso(&[
        "extend",
        &out("lta.pdf"),
        "-o",
        &out("lta2.pdf"),
        "--level",
        "B-LTA",
        "--tsa",
        &tsa,
        "--renew-within",
        "30",
    ]);
    assert!(
        o.status.success() && !dir.join("lta2.pdf").exists(),
        "{}",
        common::stderr(&o)
    );
    // A TSA outside the anchors given with --tsa-trust is refused.
    let other_root = dir.join("other-root.pem");
    std::fs::write(&other_root, common::pki().root.cert_pem()).unwrap();
    let other_root = other_root.display().to_string();
    let o = common::kyso(&[
        "sign",
        &ins,
        "-o",
        &out("x.pdf"),
        "--p12",
        &p12s,
        "--password-file",
        &pw,
        "--level",
        "B-T",
        "--tsa",
        &tsa,
        "--tsa-trust",
        &other_root,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("not trusted"),
        "{}",
        common::stderr(&o)
    );
    // Missing TSA, bad level.
    let o = common::kyso(&[
        "sign",
        &ins,
        "-o",
        &out("x.pdf"),
        "--p12",
        &p12s,
        "--password-file",
        &pw,
        "--level",
        "B-T",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    let o = common::kyso(&[
        "sign",
        &ins,
        "-o",
        &out("x.pdf"),
        "--p12",
        &p12s,
        "--password-file",
        &pw,
        "--level",
        "B-X",
    ]);
    assert_eq!(o.status.code(), Some(2));
    env.stop();

    let at = kyso::time::format_rfc3339(kyso::time::now() + 2 * YEAR);
    let o = common::kyso(&[
        "verify",
        &out("lta.pdf"),
        "--trust",
        &root,
        "--offline",
        "--at",
        &at,
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", common::stdout(&o));
    let j: serde_json::Value = serde_json::from_str(common::stdout(&o).trim()).unwrap();
    assert_eq!(j["offline"], true);
    assert_eq!(j["signatures"][0]["pades_level"], "B-LTA", "{j}");
    let o = common::kyso(&[
        "verify",
        &out("bt.pdf"),
        "--trust",
        &root,
        "--offline",
        "--at",
        &at,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", common::stdout(&o));
    assert!(
        common::stdout(&o).contains("TRY_LATER"),
        "{}",
        common::stdout(&o)
    );
    // With the services gone and no --offline, fetching fails and says so.
    let o = common::kyso(&[
        "verify",
        &out("bt.pdf"),
        "--trust",
        &root,
        "--revocation",
        "require",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", common::stdout(&o));
    assert!(
        common::stdout(&o).contains("fetching failed"),
        "{}",
        common::stdout(&o)
    );
}

/// Appends one incremental update made by `f` to `bytes`.
fn update(
    bytes: &[u8],
    f: impl FnOnce(&kyso::pdf::Document, &mut kyso::pdf::IncrementalUpdate),
) -> Vec<u8> {
    let doc = kyso::pdf::Document::from_bytes(bytes.to_vec()).unwrap();
    let mut u = kyso::pdf::IncrementalUpdate::new(&doc);
    f(&doc, &mut u);
    let mut out = bytes.to_vec();
    u.write(&doc, &mut out).unwrap();
    out
}

#[test]
fn dss_updated_in_place_is_allowed_but_not_as_a_disguise() {
    use kyso::pdf::{Dict, Object, Stream, StreamData};
    let env = LtvEnv::start();
    let leaf = env.leaf("In place");
    let lt = sign_at(&env, &leaf, PadesLevel::BLT);
    // pyHanko-style: the existing DSS dictionary gains an entry in place.
    let in_place = update(&lt, |doc, u| {
        let last = doc.last_revision();
        let dss_ref = doc.catalog_in(last).unwrap().get_ref(b"DSS").unwrap();
        let mut dss = doc
            .resolve_in(last, dss_ref)
            .unwrap()
            .as_dict()
            .unwrap()
            .clone();
        let s = u.alloc();
        u.put(
            s,
            Object::Stream(Stream {
                dict: Dict::new(),
                data: StreamData::Bytes(env.tsa2.cert.der().to_vec()),
            }),
        );
        let mut certs = dss.get(b"Certs").unwrap().as_array().unwrap().to_vec();
        certs.push(Object::Ref(s));
        dss.set("Certs", certs);
        u.put(dss_ref, Object::Dict(dss));
    });
    let r = validate(&env, &in_place, None, false, RevocationPolicy::SoftFail);
    assert!(r.valid, "{}", text(&r));
    assert!(
        approval(&r)
            .changes
            .iter()
            .any(|c| c.description.contains("updated in place") && c.allowed),
        "{}",
        text(&r)
    );

    // A page content array shared with the DSS cannot be changed under the DSS's name.
    let base = update(&common::sample_default(), |doc, u| {
        let last = doc.last_revision();
        let page_ref = doc.pages_in(last).unwrap()[0];
        let mut page = doc
            .resolve_in(last, page_ref)
            .unwrap()
            .as_dict()
            .unwrap()
            .clone();
        let contents = page.get(b"Contents").unwrap().clone();
        let arr = u.alloc();
        u.put(arr, Object::Array(vec![contents]));
        page.set("Contents", arr);
        u.put(page_ref, Object::Dict(page));
    });
    let signed = levels::sign(
        &base,
        &env.signer(&leaf),
        &SignOptions::default(),
        &level_opts(&env, PadesLevel::BB),
    )
    .unwrap()
    .pdf;
    let shared = update(&signed, |doc, u| {
        let last = doc.last_revision();
        let page_ref = doc.pages_in(last).unwrap()[0];
        let arr = doc
            .resolve_in(last, page_ref)
            .unwrap()
            .as_dict()
            .unwrap()
            .get_ref(b"Contents")
            .unwrap();
        let catalog_ref = doc.trailer(last).get_ref(b"Root").unwrap();
        let mut catalog = doc.catalog_in(last).unwrap();
        let mut dss = Dict::new();
        dss.set("Certs", arr);
        catalog.set("DSS", dss);
        u.put(catalog_ref, Object::Dict(catalog));
    });
    let r = validate(&env, &shared, None, false, RevocationPolicy::SoftFail);
    assert!(
        r.valid,
        "pointing the DSS at existing objects changes nothing: {}",
        text(&r)
    );
    let attack = update(&shared, |doc, u| {
        let last = doc.last_revision();
        let page_ref = doc.pages_in(last).unwrap()[0];
        let arr = doc
            .resolve_in(last, page_ref)
            .unwrap()
            .as_dict()
            .unwrap()
            .get_ref(b"Contents")
            .unwrap();
        let mut items = doc
            .resolve_in(last, arr)
            .unwrap()
            .as_array()
            .unwrap()
            .to_vec();
        let s = u.alloc();
        u.put(
            s,
            Object::Stream(Stream {
                dict: Dict::new(),
                data: StreamData::Bytes(b"BT /F1 24 Tf 72 72 Td (FORGED) Tj ET".to_vec()),
            }),
        );
        items.push(Object::Ref(s));
        u.put(arr, Object::Array(items));
    });
    let r = validate(&env, &attack, None, false, RevocationPolicy::SoftFail);
    assert!(!r.valid, "{}", text(&r));
    assert_eq!(
        approval(&r).sub_indication,
        Some(SubIndication::DisallowedModification),
        "{}",
        text(&r)
    );
}

#[test]
fn corrupted_revocation_data_and_tokens_never_panic() {
    let env = LtvEnv::start();
    let leaf = env.leaf("Fuzz");
    let src = OnlineSource::default();
    let ocsp = src.fetch(&leaf.cert, &env.inter.cert).ocsp.remove(0);
    let crl = src.fetch(&env.inter.cert, &env.root.cert).crls.remove(0);
    let token = TsaClient::new(&env.url("/tsa"))
        .timestamp(b"fuzz")
        .unwrap()
        .der;
    for original in [&ocsp, &crl, &token] {
        for i in (0..original.len()).step_by(3) {
            for flip in [0x01u8, 0x80, 0xFF] {
                let mut bad = original.clone();
                bad[i] ^= flip;
                if let Ok(r) = kyso::revocation::ocsp::OcspResponse::from_der(&bad) {
                    let _ = r.verify(&env.inter.cert, &[]);
                }
                if let Ok(c) = kyso::revocation::crl::Crl::from_der(&bad) {
                    let _ = c.verify(&env.root.cert);
                    let _ = c.status_of(&env.inter.cert);
                }
                if let Ok(t) = kyso::tsp::TimeStampToken::from_der(&bad) {
                    let _ = t.verify(&[]);
                }
                let mut ev = Evidence::new();
                ev.add_ocsp(&bad, Origin::Dss);
                ev.add_crl(&bad, Origin::Dss);
                let _ = ev.status_at(&leaf.cert, &env.inter.cert, 0);
            }
        }
        for len in 0..original.len().min(200) {
            let _ = kyso::revocation::ocsp::OcspResponse::from_der(&original[..len]);
            let _ = kyso::revocation::crl::Crl::from_der(&original[..len]);
            let _ = kyso::tsp::TimeStampToken::from_der(&original[..len]);
        }
    }
}
