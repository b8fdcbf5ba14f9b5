//! Certification paths (moved from unit tests: they use the test PKI of kyso-testkit).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use kyso::pki::path::*;
use kyso::pki::Certificate;
use kyso_testkit::{CertSpec, Issued, KeySpec, TestPki};
use openssl::asn1::{Asn1Object, Asn1OctetString, Asn1Time};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Extension, X509NameBuilder};

fn ec_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

fn ec_ca(cn: &str) -> CertSpec {
    CertSpec::ca(cn).with_key(KeySpec::EcP256)
}

fn ec_leaf(cn: &str) -> CertSpec {
    CertSpec::leaf(cn).with_key(KeySpec::EcP256)
}

/// A certificate built by hand, for shapes the testkit does not make.
struct Custom<'a> {
    cn: &'a str,
    issuer: &'a Issued,
    bc: Option<bool>,
    key_cert_sign: Option<bool>,
    key_ids: bool,
    unknown_critical: bool,
}

impl Custom<'_> {
    fn build(&self) -> Issued {
        let key = ec_key();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", self.cn).unwrap();
        let mut b = X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name.build()).unwrap();
        b.set_issuer_name(self.issuer.x509.subject_name()).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
            .unwrap();
        match self.bc {
            Some(true) => b
                .append_extension(BasicConstraints::new().critical().ca().build().unwrap())
                .unwrap(),
            Some(false) => b
                .append_extension(BasicConstraints::new().critical().build().unwrap())
                .unwrap(),
            None => {}
        }
        match self.key_cert_sign {
            Some(true) => b
                .append_extension(KeyUsage::new().key_cert_sign().build().unwrap())
                .unwrap(),
            Some(false) => b
                .append_extension(KeyUsage::new().digital_signature().build().unwrap())
                .unwrap(),
            None => {}
        }
        if self.key_ids {
            let ski = SubjectKeyIdentifier::new()
                .build(&b.x509v3_context(Some(&self.issuer.x509), None))
                .unwrap();
            b.append_extension(ski).unwrap();
            let ctx = b.x509v3_context(Some(&self.issuer.x509), None);
            let aki = AuthorityKeyIdentifier::new()
                .keyid(true)
                .build(&ctx)
                .unwrap();
            b.append_extension(aki).unwrap();
        }
        if self.unknown_critical {
            let oid = Asn1Object::from_str("1.3.6.1.4.1.99999.7").unwrap();
            let value = Asn1OctetString::new_from_bytes(&[0x05, 0x00]).unwrap();
            b.append_extension(X509Extension::new_from_der(&oid, true, &value).unwrap())
                .unwrap();
        }
        b.sign(&self.issuer.key, MessageDigest::sha256()).unwrap();
        let x509 = b.build();
        let cert = Certificate::from_der(&x509.to_der().unwrap()).unwrap();
        Issued { x509, key, cert }
    }
}

fn custom<'a>(cn: &'a str, issuer: &'a Issued) -> Custom<'a> {
    Custom {
        cn,
        issuer,
        bc: Some(true),
        key_cert_sign: Some(true),
        key_ids: true,
        unknown_critical: false,
    }
}

fn store(anchors: &[&Issued]) -> TrustStore {
    let mut s = TrustStore::new();
    for a in anchors {
        s.add(a.cert.clone());
    }
    s
}

fn certs(issued: &[&Issued]) -> Vec<Certificate> {
    issued.iter().map(|i| i.cert.clone()).collect()
}

#[test]
fn anchor_as_leaf_is_a_path_of_one() {
    let pki = TestPki::shared();
    let s = store(&[&pki.root]);
    let path = s.build_path(&pki.root.cert, &[]).unwrap();
    assert_eq!(path.certificates.len(), 1);
    assert_eq!(path.leaf(), path.anchor());
    assert!(!s.is_empty() && TrustStore::new().is_empty());
    // An empty store has no chain for anything.
    assert!(matches!(
        TrustStore::new().build_path(&pki.root.cert, &[]),
        Err(PathError::NoChain { .. })
    ));
}

#[test]
fn backtracks_over_cross_certificates() {
    let trusted = Issued::self_signed(&ec_ca("Trusted Root"));
    let untrusted = Issued::self_signed(&ec_ca("Untrusted Root"));
    let key = ec_key();
    let via_untrusted = untrusted.issue_with_key(&ec_ca("Cross CA"), key.clone());
    let via_trusted = trusted.issue_with_key(&ec_ca("Cross CA"), key);
    let leaf = via_untrusted.issue(&ec_leaf("leaf"));
    let s = store(&[&trusted]);
    let candidates = certs(&[&via_untrusted, &untrusted, &via_trusted]);
    let path = s.build_path(&leaf.cert, &candidates).unwrap();
    assert_eq!(path.certificates, certs(&[&leaf, &via_trusted, &trusted]));
    // With the untrusted root trusted instead, the other branch is taken.
    let s = store(&[&untrusted]);
    let path = s.build_path(&leaf.cert, &candidates).unwrap();
    assert_eq!(
        path.certificates,
        certs(&[&leaf, &via_untrusted, &untrusted])
    );
}

#[test]
fn key_usage_without_key_cert_sign_is_not_ca() {
    let root = Issued::self_signed(&ec_ca("Root"));
    let ca = Custom {
        key_cert_sign: Some(false),
        ..custom("KU CA", &root)
    }
    .build();
    let leaf = ca.issue(&ec_leaf("leaf"));
    match store(&[&root]).build_path(&leaf.cert, &certs(&[&ca])) {
        Err(PathError::NotCa { subject, reason }) => {
            assert_eq!(subject, "CN=KU CA");
            assert!(reason.contains("keyCertSign"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // No basicConstraints at all.
    let ca = Custom {
        bc: None,
        ..custom("No BC", &root)
    }
    .build();
    let leaf = ca.issue(&ec_leaf("leaf"));
    assert!(matches!(
        store(&[&root]).build_path(&leaf.cert, &certs(&[&ca])),
        Err(PathError::NotCa { reason, .. }) if reason.contains("basicConstraints")
    ));
    // An anchor with keyUsage lacking keyCertSign cannot issue either.
    let bad_anchor = Custom {
        key_cert_sign: Some(false),
        ..custom("Anchor KU", &root)
    }
    .build();
    let leaf = bad_anchor.issue(&ec_leaf("leaf"));
    assert!(matches!(
        store(&[&bad_anchor]).build_path(&leaf.cert, &[]),
        Err(PathError::NotCa { .. })
    ));
    // An anchor without basicConstraints is trusted by configuration.
    let v1_like = Custom {
        bc: None,
        key_cert_sign: None,
        ..custom("Anchor without BC", &root)
    }
    .build();
    let leaf = v1_like.issue(&ec_leaf("leaf"));
    assert_eq!(
        store(&[&v1_like])
            .build_path(&leaf.cert, &[])
            .unwrap()
            .certificates
            .len(),
        2
    );
}

#[test]
fn most_specific_error_wins() {
    let root = Issued::self_signed(&ec_ca("Root"));
    let genuine = root.issue(&ec_ca("CA"));
    let leaf = genuine.issue(&ec_leaf("leaf"));
    // A look-alike CA without key identifiers: a name match whose key does not verify.
    let other_root = Issued::self_signed(&ec_ca("Other"));
    let fake = Custom {
        key_ids: false,
        ..custom("CA", &other_root)
    }
    .build();
    let unrelated = store(&[&other_root]);
    // The genuine CA's issuer is missing (NoChain); the fake one gives BadSignature.
    for candidates in [certs(&[&genuine, &fake]), certs(&[&fake, &genuine])] {
        assert_eq!(
            store(&[]).build_path(&leaf.cert, &candidates),
            Err(PathError::BadSignature {
                subject: "CN=leaf".into()
            })
        );
    }
    // Against the other root: the genuine CA leads nowhere, the fake one is refused.
    assert!(matches!(
        unrelated.build_path(&leaf.cert, &certs(&[&genuine, &fake])),
        Err(PathError::BadSignature { .. })
    ));
    // With only the genuine CA: NoChain names the missing issuer.
    assert_eq!(
        store(&[]).build_path(&leaf.cert, &certs(&[&genuine])),
        Err(PathError::NoChain {
            issuer: "CN=Root".into()
        })
    );
}

#[test]
fn unknown_critical_extensions_refused_except_in_anchors() {
    let root = Issued::self_signed(&ec_ca("Root"));
    let ca = Custom {
        unknown_critical: true,
        ..custom("Odd CA", &root)
    }
    .build();
    let leaf = ca.issue(&ec_leaf("leaf"));
    assert_eq!(
        store(&[&root]).build_path(&leaf.cert, &certs(&[&ca])),
        Err(PathError::UnknownCriticalExtension {
            subject: "CN=Odd CA".into()
        })
    );
    // As an anchor, it is trusted by configuration.
    assert!(store(&[&ca]).build_path(&leaf.cert, &[]).is_ok());
    // In the leaf.
    let odd_leaf = Custom {
        unknown_critical: true,
        bc: Some(false),
        ..custom("Odd leaf", &root)
    }
    .build();
    assert_eq!(
        store(&[&root]).build_path(&odd_leaf.cert, &[]),
        Err(PathError::UnknownCriticalExtension {
            subject: "CN=Odd leaf".into()
        })
    );
    assert!(
        store(&[&odd_leaf]).build_path(&odd_leaf.cert, &[]).is_ok(),
        "an anchor itself"
    );
}

#[test]
fn cross_certified_loop_terminates() {
    let a_key = ec_key();
    let b_key = ec_key();
    let a0 = Issued::self_signed_with_key(&ec_ca("A"), a_key.clone());
    let b0 = Issued::self_signed_with_key(&ec_ca("B"), b_key.clone());
    let a_by_b = b0.issue_with_key(&ec_ca("A"), a_key);
    let b_by_a = a0.issue_with_key(&ec_ca("B"), b_key);
    let leaf = a0.issue(&ec_leaf("leaf"));
    let anchor = Issued::self_signed(&ec_ca("Elsewhere"));
    let result = store(&[&anchor]).build_path(&leaf.cert, &certs(&[&a_by_b, &b_by_a]));
    assert!(
        matches!(result, Err(PathError::NoChain { .. })),
        "{result:?}"
    );
}

#[test]
fn pathological_mesh_exhausts_the_budget() {
    let a_key = ec_key();
    let b_key = ec_key();
    let a0 = Issued::self_signed_with_key(&ec_ca("A"), a_key.clone());
    let b0 = Issued::self_signed_with_key(&ec_ca("B"), b_key.clone());
    let mut mesh = Vec::new();
    for _ in 0..3 {
        mesh.push(b0.issue_with_key(&ec_ca("A"), a_key.clone()).cert);
        mesh.push(a0.issue_with_key(&ec_ca("B"), b_key.clone()).cert);
    }
    let leaf = a0.issue(&ec_leaf("leaf"));
    let anchor = Issued::self_signed(&ec_ca("Elsewhere"));
    assert_eq!(
        store(&[&anchor]).build_path(&leaf.cert, &mesh),
        Err(PathError::BudgetExhausted)
    );
}

#[test]
fn path_length_is_bounded() {
    let root = Issued::self_signed(&ec_ca("Root"));
    let mut chain = vec![root.clone()];
    for i in 1..=9 {
        let next = chain[i - 1].issue(&ec_ca(&format!("CA {i}")));
        chain.push(next);
    }
    let s = store(&[&root]);
    let candidates: Vec<Certificate> = chain[1..].iter().map(|c| c.cert.clone()).collect();
    // Leaf under CA 8: leaf + 8 CAs + root = 10 certificates.
    let leaf8 = chain[8].issue(&ec_leaf("leaf 8"));
    assert_eq!(
        s.build_path(&leaf8.cert, &candidates)
            .unwrap()
            .certificates
            .len(),
        MAX_PATH_LEN
    );
    // Leaf under CA 9: 11 certificates, too long.
    let leaf9 = chain[9].issue(&ec_leaf("leaf 9"));
    assert!(matches!(
        s.build_path(&leaf9.cert, &candidates),
        Err(PathError::NoChain { .. })
    ));
}

#[test]
fn path_length_constraints() {
    // A self-issued (key rollover) certificate below a pathlen-0 CA does not count.
    let root = Issued::self_signed(&ec_ca("Root"));
    let mut spec = ec_ca("CA");
    spec.ca = Some(Some(0));
    let ca = root.issue(&spec);
    let rollover = ca.issue(&spec);
    assert!(rollover.cert.is_self_issued());
    let leaf = rollover.issue(&ec_leaf("leaf"));
    let path = store(&[&root])
        .build_path(&leaf.cert, &certs(&[&rollover, &ca]))
        .unwrap();
    assert_eq!(path.certificates, certs(&[&leaf, &rollover, &ca, &root]));

    // An anchor's own pathLenConstraint is honoured.
    let mut anchor_spec = ec_ca("Root 0");
    anchor_spec.ca = Some(Some(0));
    let anchor = Issued::self_signed(&anchor_spec);
    let ca = anchor.issue(&ec_ca("CA under Root 0"));
    let leaf = ca.issue(&ec_leaf("leaf"));
    assert_eq!(
        store(&[&anchor]).build_path(&leaf.cert, &certs(&[&ca])),
        Err(PathError::PathLenExceeded {
            subject: "CN=Root 0".into()
        })
    );
    assert!(store(&[&anchor]).build_path(&ca.cert, &[]).is_ok());
}

#[test]
fn validity_problems_cover_the_anchor() {
    let now = 1_750_000_000;
    let root = Issued::self_signed(&ec_ca("Old Root").with_validity(now - 1000, now - 10));
    let leaf = root.issue(&ec_leaf("leaf").with_validity(now - 100, now + 100));
    let path = store(&[&root]).build_path(&leaf.cert, &[]).unwrap();
    let problems = path.check_validity_at(now);
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0],
        ValidityProblem {
            index: 1,
            subject: "CN=Old Root".into(),
            not_before: now - 1000,
            not_after: now - 10,
            expired: true,
        }
    );
    assert_eq!(path.check_validity_at(now - 50), vec![]);
    let early = path.check_validity_at(now - 2000);
    assert_eq!(
        early
            .iter()
            .map(|p| (p.index, p.expired))
            .collect::<Vec<_>>(),
        [(0, false), (1, false)]
    );
}

#[test]
fn errors_serialize_with_a_kind() {
    let e = PathError::NotCa {
        subject: "CN=x".into(),
        reason: "r".into(),
    };
    assert_eq!(serde_json::to_value(&e).unwrap()["kind"], "not_ca");
    assert_eq!(
        e.to_string(),
        "CN=x is used as an issuer but is not a CA certificate: r"
    );
}

// ---------------------------------------------------------------------------------------
// Name constraints (RFC 5280 §4.2.1.10), applied whatever their criticality
// ---------------------------------------------------------------------------------------

use kyso_testkit::{GeneralNameSpec as Gn, NameConstraintsSpec};

fn dn(attrs: &[(&str, &str)]) -> Vec<(String, String)> {
    attrs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// root → constrained intermediate (both EC) → leaf; the path for `leaf` or its error.
fn constrained_path(
    nc: NameConstraintsSpec,
    leaf_subject: &[(&str, &str)],
    sans: Vec<Gn>,
) -> Result<CertPath, PathError> {
    let root = Issued::self_signed(&ec_ca("NC Root"));
    let mut spec = ec_ca("NC Intermediate");
    spec.name_constraints = Some(nc);
    let inter = root.issue(&spec);
    let mut leaf_spec = ec_leaf("x").with_subject(leaf_subject);
    leaf_spec.subject_alt_names = sans;
    let leaf = inter.issue(&leaf_spec);
    let mut trust = TrustStore::new();
    trust.add(root.cert.clone());
    trust.build_path(&leaf.cert, std::slice::from_ref(&inter.cert))
}

fn nc(critical: bool, permitted: Vec<Gn>, excluded: Vec<Gn>) -> NameConstraintsSpec {
    NameConstraintsSpec {
        critical,
        permitted,
        excluded,
    }
}

fn assert_violation(r: Result<CertPath, PathError>, needle: &str) {
    match r {
        Err(PathError::NameConstraints { reason, ca, .. }) => {
            assert!(reason.contains(needle), "{reason}");
            assert!(ca.contains("NC Intermediate"), "{ca}");
        }
        other => panic!("expected a name-constraints failure, got {other:?}"),
    }
}

#[test]
fn critical_name_constraints_chain_a_leaf_inside_them() {
    // Before name constraints were processed, any CA with critical constraints was refused.
    let bo_tai_chinh = dn(&[("C", "VN"), ("O", "Bộ Tài chính")]);
    for critical in [true, false] {
        let p = constrained_path(
            nc(
                critical,
                vec![
                    Gn::Directory(bo_tai_chinh.clone()),
                    Gn::Dns("mof.gov.vn".into()),
                    Gn::Email(".mof.gov.vn".into()),
                    Gn::Uri(".mof.gov.vn".into()),
                    Gn::Ip(vec![10, 0, 0, 0, 255, 0, 0, 0]),
                ],
                vec![Gn::Dns("secret.mof.gov.vn".into())],
            ),
            &[("C", "VN"), ("O", "BỘ TÀI CHÍNH"), ("CN", "Cục Thuế")],
            vec![
                Gn::Dns("thue.mof.gov.vn".into()),
                Gn::Email("an@thue.mof.gov.vn".into()),
                Gn::Uri("https://thue.mof.gov.vn/x".into()),
                Gn::Ip(vec![10, 1, 2, 3]),
            ],
        );
        assert_eq!(p.unwrap().certificates.len(), 3, "critical = {critical}");
    }
}

#[test]
fn leaf_outside_permitted_subtrees_does_not_chain() {
    let permitted = || {
        vec![
            Gn::Directory(dn(&[("C", "VN"), ("O", "Bộ Tài chính")])),
            Gn::Dns("mof.gov.vn".into()),
            Gn::Email("mof.gov.vn".into()),
            Gn::Uri(".mof.gov.vn".into()),
            Gn::Ip(vec![10, 0, 0, 0, 255, 0, 0, 0]),
        ]
    };
    let inside = [("C", "VN"), ("O", "Bộ Tài chính"), ("CN", "A")];
    for critical in [true, false] {
        // directoryName: another organisation.
        assert_violation(
            constrained_path(
                nc(critical, permitted(), vec![]),
                &[("C", "VN"), ("O", "Bộ Công an"), ("CN", "A")],
                vec![],
            ),
            "directoryName",
        );
        let cases = [
            (Gn::Dns("mof.gov.vn.evil.com".into()), "dNSName"),
            (Gn::Email("an@sub.mof.gov.vn".into()), "rfc822Name"),
            (
                Gn::Uri("https://mof.gov.vn.evil.com/".into()),
                "uniformResourceIdentifier",
            ),
            (Gn::Ip(vec![192, 168, 1, 1]), "iPAddress"),
        ];
        for (san, form) in cases {
            assert_violation(
                constrained_path(nc(critical, permitted(), vec![]), &inside, vec![san]),
                form,
            );
        }
    }
    // An emailAddress attribute in the subject is an rfc822Name too.
    assert_violation(
        constrained_path(
            nc(false, permitted(), vec![]),
            &[("C", "VN"), ("O", "Bộ Tài chính"), ("E", "a@gmail.com")],
            vec![],
        ),
        "rfc822Name",
    );
}

#[test]
fn leaf_inside_excluded_subtrees_does_not_chain() {
    let inside = [("C", "VN"), ("O", "Bộ Tài chính"), ("CN", "A")];
    let excluded = vec![
        Gn::Directory(dn(&[("C", "VN"), ("O", "Bộ Tài chính"), ("OU", "Cấm")])),
        Gn::Dns("evil.vn".into()),
        Gn::Email("evil.vn".into()),
        Gn::Uri(".evil.vn".into()),
        Gn::Ip(vec![10, 9, 0, 0, 255, 255, 0, 0]),
    ];
    for critical in [true, false] {
        assert!(constrained_path(nc(critical, vec![], excluded.clone()), &inside, vec![]).is_ok());
        assert_violation(
            constrained_path(
                nc(critical, vec![], excluded.clone()),
                &[
                    ("C", "VN"),
                    ("O", "Bộ Tài chính"),
                    ("OU", "Cấm"),
                    ("CN", "A"),
                ],
                vec![],
            ),
            "excluded",
        );
        let cases = [
            Gn::Dns("www.evil.vn".into()),
            Gn::Email("x@evil.vn".into()),
            Gn::Uri("http://a.evil.vn:80/".into()),
            Gn::Ip(vec![10, 9, 8, 7]),
        ];
        for san in cases {
            assert_violation(
                constrained_path(nc(critical, vec![], excluded.clone()), &inside, vec![san]),
                "excluded",
            );
        }
    }
}

#[test]
fn anchor_name_constraints_bind_the_whole_path() {
    let mut root_spec = ec_ca("NC Anchor");
    root_spec.name_constraints = Some(nc(true, vec![Gn::Dns("gov.vn".into())], vec![]));
    let root = Issued::self_signed(&root_spec);
    let inter = root.issue(&ec_ca("Plain Intermediate"));
    let mut trust = TrustStore::new();
    trust.add(root.cert.clone());
    for (host, ok) in [("a.gov.vn", true), ("a.gov.vn.com", false)] {
        let mut spec = ec_leaf("leaf");
        spec.subject_alt_names = vec![Gn::Dns(host.into())];
        let leaf = inter.issue(&spec);
        let r = trust.build_path(&leaf.cert, std::slice::from_ref(&inter.cert));
        assert_eq!(r.is_ok(), ok, "{host}: {r:?}");
    }
}
