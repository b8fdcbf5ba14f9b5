//! PKI integration tests: real Vietnamese CA and agency certificates (testdata/pki-vn) and the
//! generated test PKI (kyso_testkit).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::PathBuf;
use std::process::Command;

use kyso::pki::{Certificate, PathError, TrustStore};
use kyso_testkit::{sample_pdf, CertSpec, SampleOptions, TestPki};

/// 2025-06-01T00:00:00Z
const JUNE_2025: i64 = 1_748_736_000;
/// 2027-01-01T00:00:00Z
const JAN_2027: i64 = 1_798_761_600;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/pki-vn")
        .join(name)
}

fn load(name: &str) -> Certificate {
    let data = std::fs::read(testdata(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut certs = Certificate::from_pem_or_der(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(certs.len(), 1, "{name} holds one certificate");
    certs.remove(0)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

const REAL: [&str; 7] = [
    "agency-chi-cuc-thue-q12-legacy-hierarchy.pem",
    "agency-tong-cuc-thue.pem",
    "ca-phuc-vu-co-quan-nha-nuoc-g2.pem",
    "rootca-chuyen-dung-chinh-phu-g2.pem",
    "vietnam-national-root-ca.pem",
    "vnpt-ca-sha2.pem",
    "vnpt-smartca-rs-ca.pem",
];

/// The fingerprints listed in testdata/pki-vn/README.md, by file name.
fn readme_fingerprints() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(testdata("README.md")).unwrap();
    let mut out = Vec::new();
    for line in readme.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | file | subject | issuer | valid | fingerprint |
        let file = cells[1].trim_matches('`').to_string();
        let fingerprint = cells[5].trim_matches('`').to_string();
        out.push((file, fingerprint));
    }
    out
}

#[test]
fn real_certificates_parse_with_readme_fingerprints() {
    let listed = readme_fingerprints();
    assert_eq!(listed.len(), REAL.len(), "README lists every fixture");
    for name in REAL {
        let cert = load(name);
        let expected = &listed
            .iter()
            .find(|(f, _)| f == name)
            .unwrap_or_else(|| panic!("{name} not in README"))
            .1;
        assert_eq!(&cert.fingerprint(), expected, "{name}");
        assert_eq!(cert.key_info().algorithm, "RSA", "{name}");
        assert!(!cert.has_unknown_critical_extension(), "{name}");
    }
}

#[test]
fn real_names_print_in_vietnamese() {
    let root = load("rootca-chuyen-dung-chinh-phu-g2.pem");
    assert_eq!(
        root.subject().common_name(),
        Some("RootCA chuyên dùng Chính phủ G2")
    );
    assert_eq!(
        root.subject().to_string(),
        "CN=RootCA chuyên dùng Chính phủ G2, O=Ban Cơ yếu Chính phủ, C=VN"
    );
    assert!(root.is_self_issued());

    let agency = load("agency-tong-cuc-thue.pem");
    assert_eq!(agency.subject().common_name(), Some("TỔNG CỤC THUẾ"));
    assert_eq!(
        agency.subject().to_string(),
        "CN=TỔNG CỤC THUẾ, O=BỘ TÀI CHÍNH, L=Hà Nội, C=VN"
    );
    assert_eq!(
        agency.issuer().common_name(),
        Some("CA phục vụ các cơ quan Nhà nước G2")
    );

    let ca = load("ca-phuc-vu-co-quan-nha-nuoc-g2.pem");
    assert_eq!(
        ca.subject().common_name(),
        Some("CA phục vụ các cơ quan Nhà nước G2")
    );
    assert_eq!(ca.basic_constraints(), Some((true, Some(0))));
    let ku = ca.key_usage().unwrap();
    assert!(ku.key_cert_sign && ku.crl_sign && !ku.digital_signature);
    assert_eq!(ca.subject_key_id(), agency.authority_key_id());

    // Attributes come out in encoding order; Display reverses them.
    let vnpt = load("vnpt-ca-sha2.pem");
    assert_eq!(
        vnpt.subject().to_string(),
        "C=VN, O=VIETNAM POSTS AND TELECOMMUNICATIONS GROUP, CN=VNPT-CA SHA2"
    );
    assert_eq!(vnpt.subject().attributes[0].label, "CN");
}

#[test]
fn legacy_agency_certificate_facts() {
    let cert = load("agency-chi-cuc-thue-q12-legacy-hierarchy.pem");
    let subject = cert.subject();
    assert_eq!(
        subject.common_name(),
        Some("Chi cục thuế Khu vực Quận 12 - Huyện Hóc Môn")
    );
    assert_eq!(
        subject.values("OU"),
        vec!["Tổng Cục thuế", "Cục thuế Thành phố Hồ Chí Minh"]
    );
    let ids = subject.vn_identifiers();
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0].kind, "MST");
    assert_eq!(ids[0].value, "0301519977-029");
    assert_eq!(
        cert.issuer().to_string(),
        "CN=Co quan chung thuc so Bo Tai chinh, O=Ban Co yeu Chinh phu, C=VN"
    );
    assert!(!cert.ocsp_urls().is_empty(), "OCSP URL");
    assert!(
        cert.ocsp_urls().iter().all(|u| u.starts_with("http")),
        "{:?}",
        cert.ocsp_urls()
    );
    assert!(!cert.crl_urls().is_empty(), "CRL URL");
    assert!(
        cert.crl_urls().iter().all(|u| u.contains("ca.gov.vn")),
        "{:?}",
        cert.crl_urls()
    );
    assert_eq!(cert.basic_constraints(), Some((false, None)));
    let ku = cert.key_usage().unwrap();
    assert!(ku.digital_signature && ku.non_repudiation && !ku.key_cert_sign);
    assert_eq!(cert.not_before(), 1_600_156_436); // 2020-09-15 07:53:56Z
}

#[test]
fn government_chain_builds_and_validity_depends_on_time() {
    let root = load("rootca-chuyen-dung-chinh-phu-g2.pem");
    let ca = load("ca-phuc-vu-co-quan-nha-nuoc-g2.pem");
    let agency = load("agency-tong-cuc-thue.pem");
    let vnpt = load("vnpt-ca-sha2.pem");
    let mut store = TrustStore::new();
    store.add(root.clone());
    store.add(root.clone());
    assert_eq!(store.anchors().len(), 1, "duplicate anchors are ignored");

    // Unrelated candidates are skipped.
    let path = store.build_path(&agency, &[vnpt, ca.clone()]).unwrap();
    assert_eq!(
        path.certificates,
        vec![agency.clone(), ca.clone(), root.clone()]
    );
    assert_eq!(path.leaf(), &agency);
    assert_eq!(path.anchor(), &root);
    assert!(path.check_validity_at(JUNE_2025).is_empty());

    let problems = path.check_validity_at(JAN_2027);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].index, 0);
    assert!(problems[0].expired);
    assert_eq!(
        problems[0].subject,
        "CN=TỔNG CỤC THUẾ, O=BỘ TÀI CHÍNH, L=Hà Nội, C=VN"
    );

    // Before the CA existed, the CA and the root are "not yet valid" too.
    let problems = path.check_validity_at(1_500_000_000);
    assert_eq!(
        problems
            .iter()
            .map(|p| (p.index, p.expired))
            .collect::<Vec<_>>(),
        [(0, false), (1, false), (2, false)]
    );

    // Without the intermediate there is no chain.
    assert_eq!(
        store.build_path(&agency, &[]),
        Err(PathError::NoChain {
            issuer: "CN=CA phục vụ các cơ quan Nhà nước G2, O=Ban Cơ yếu Chính phủ, C=VN".into()
        })
    );
    // The root itself is a path of one.
    assert_eq!(
        store.build_path(&root, &[]).unwrap().certificates,
        vec![root]
    );
}

#[test]
fn public_chain_builds() {
    let root = load("vietnam-national-root-ca.pem");
    let vnpt = load("vnpt-ca-sha2.pem");
    let mut store = TrustStore::new();
    store.add(root.clone());
    let path = store.build_path(&vnpt, &[]).unwrap();
    assert_eq!(path.certificates, vec![vnpt, root]);
    assert!(path.check_validity_at(JUNE_2025).is_empty());
}

#[test]
fn legacy_agency_certificate_has_no_chain() {
    let legacy = load("agency-chi-cuc-thue-q12-legacy-hierarchy.pem");
    let candidates: Vec<Certificate> = REAL.iter().map(|n| load(n)).collect();
    for root in [
        "rootca-chuyen-dung-chinh-phu-g2.pem",
        "vietnam-national-root-ca.pem",
    ] {
        let mut store = TrustStore::new();
        store.add(load(root));
        let err = store.build_path(&legacy, &candidates).unwrap_err();
        assert_eq!(
            err,
            PathError::NoChain {
                issuer: "CN=Co quan chung thuc so Bo Tai chinh, O=Ban Co yeu Chinh phu, C=VN"
                    .into()
            },
            "{root}"
        );
    }
}

#[test]
fn real_certificates_do_not_cross_chain() {
    // The agency certificate must not chain to the public root, nor VNPT to the government root.
    let mut public = TrustStore::new();
    public.add(load("vietnam-national-root-ca.pem"));
    let agency = load("agency-tong-cuc-thue.pem");
    let ca = load("ca-phuc-vu-co-quan-nha-nuoc-g2.pem");
    assert!(matches!(
        public.build_path(&agency, &[ca]),
        Err(PathError::NoChain { .. })
    ));
}

#[test]
fn test_pki_rsa_and_ec_leaves_chain_to_root() {
    let pki = TestPki::shared();
    let mut store = TrustStore::new();
    store.add(pki.root.cert.clone());
    let candidates = [pki.intermediate.cert.clone()];
    for leaf in [&pki.rsa, &pki.ec, &pki.weak_rsa] {
        let path = store.build_path(&leaf.cert, &candidates).unwrap();
        assert_eq!(
            path.certificates,
            vec![
                leaf.cert.clone(),
                pki.intermediate.cert.clone(),
                pki.root.cert.clone()
            ]
        );
        assert!(path.check_validity_at(now()).is_empty());
    }
    assert_eq!(
        pki.rsa.cert.subject().to_string(),
        "UID=CCCD:001099012345, CN=Nguyễn Văn An, O=kyso test PKI, L=Hà Nội, C=VN"
    );
    assert_eq!(pki.ec.cert.key_info().curve.as_deref(), Some("P-256"));
    assert_eq!(
        pki.ec.cert.subject().vn_identifiers()[0].value,
        "1500123456"
    );
    assert_eq!(pki.weak_rsa.cert.key_info().bits, 1024);
    assert!(pki.weak_rsa.cert.key_info().is_weak());
    assert_eq!(
        pki.root.cert.subject().to_string(),
        "CN=kyso Test Root CA, O=kyso test PKI, C=VN"
    );
}

#[test]
fn lookalike_leaf_does_not_chain_to_the_real_root() {
    let pki = TestPki::shared();
    let mut store = TrustStore::new();
    store.add(pki.root.cert.clone());
    // Same subjects as the real root / RSA leaf...
    assert_eq!(
        pki.lookalike_root.cert.subject_der(),
        pki.root.cert.subject_der()
    );
    assert_eq!(
        pki.lookalike_leaf.cert.issuer_der(),
        pki.root.cert.subject_der()
    );
    assert_eq!(pki.lookalike_leaf.cert.subject(), pki.rsa.cert.subject());
    // ...but the leaf's authorityKeyIdentifier names the look-alike key, so the real root is
    // not even a candidate issuer: NoChain, naming the (look-alike) issuer's subject.
    assert_ne!(
        pki.lookalike_leaf.cert.authority_key_id(),
        pki.root.cert.subject_key_id()
    );
    let root_name = "CN=kyso Test Root CA, O=kyso test PKI, C=VN".to_string();
    assert_eq!(
        store.build_path(
            &pki.lookalike_leaf.cert,
            std::slice::from_ref(&pki.intermediate.cert)
        ),
        Err(PathError::NoChain {
            issuer: root_name.clone()
        })
    );
    // Given the look-alike root as an intermediate candidate, the leaf chains to it (its
    // signature verifies), and the look-alike root, self-signed and without an
    // authorityKeyIdentifier, names the real root as its issuer: the real root is tried and its
    // key does not verify the look-alike's signature. BadSignature (outranks NoChain), on the
    // look-alike root.
    assert!(pki.lookalike_root.cert.authority_key_id().is_none());
    let candidates = [
        pki.lookalike_root.cert.clone(),
        pki.intermediate.cert.clone(),
    ];
    assert_eq!(
        store.build_path(&pki.lookalike_leaf.cert, &candidates),
        Err(PathError::BadSignature { subject: root_name })
    );
}

#[test]
fn forged_key_identifier_gives_bad_signature() {
    // A forger who also copies the real root's key identifier gets past name and key-id
    // matching, and fails on the signature itself.
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::x509::extension::AuthorityKeyIdentifier;
    use openssl::x509::X509Builder;
    let pki = TestPki::shared();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(pki.rsa.x509.subject_name()).unwrap();
    b.set_issuer_name(pki.root.x509.subject_name()).unwrap();
    b.set_pubkey(&pki.lookalike_leaf.key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    let aki = AuthorityKeyIdentifier::new()
        .keyid(true)
        .build(&b.x509v3_context(Some(&pki.root.x509), None))
        .unwrap();
    b.append_extension(aki).unwrap();
    b.sign(&pki.lookalike_root.key, MessageDigest::sha256())
        .unwrap();
    let forged = Certificate::from_der(&b.build().to_der().unwrap()).unwrap();
    assert_eq!(forged.authority_key_id(), pki.root.cert.subject_key_id());

    let mut store = TrustStore::new();
    store.add(pki.root.cert.clone());
    assert_eq!(
        store.build_path(&forged, &[]),
        Err(PathError::BadSignature {
            subject: pki.rsa.cert.subject().to_string()
        })
    );
}

#[test]
fn intermediate_without_ca_flag_is_not_ca() {
    let pki = TestPki::shared();
    let not_ca = pki.root.issue(&CertSpec::leaf("kyso Not A CA"));
    let leaf = not_ca.issue(&CertSpec::leaf("Đỗ Văn Lá"));
    let mut store = TrustStore::new();
    store.add(pki.root.cert.clone());
    match store.build_path(&leaf.cert, std::slice::from_ref(&not_ca.cert)) {
        Err(PathError::NotCa { subject, reason }) => {
            assert_eq!(subject, "CN=kyso Not A CA");
            assert!(reason.contains("cA"), "{reason}");
        }
        other => panic!("expected NotCa, got {other:?}"),
    }
}

#[test]
fn pathlen_zero_intermediate_cannot_have_a_sub_ca() {
    let pki = TestPki::shared();
    assert_eq!(
        pki.intermediate.cert.basic_constraints(),
        Some((true, Some(0)))
    );
    let sub_ca = pki.intermediate.issue(&CertSpec::ca("kyso Sub CA"));
    let leaf = sub_ca.issue(&CertSpec::leaf("Bùi Thị Sâu"));
    let mut store = TrustStore::new();
    store.add(pki.root.cert.clone());
    assert_eq!(
        store.build_path(
            &leaf.cert,
            &[sub_ca.cert.clone(), pki.intermediate.cert.clone()]
        ),
        Err(PathError::PathLenExceeded {
            subject: pki.intermediate.cert.subject().to_string()
        })
    );
    // The sub-CA itself (an intermediate's direct subject) is fine.
    assert!(store
        .build_path(&sub_ca.cert, std::slice::from_ref(&pki.intermediate.cert))
        .is_ok());
}

#[test]
fn expired_and_not_yet_valid_leaves_are_reported() {
    let pki = TestPki::shared();
    let mut store = TrustStore::new();
    store.add(pki.root.cert.clone());
    let now = now();
    let path = store
        .build_path(
            &pki.expired.cert,
            std::slice::from_ref(&pki.intermediate.cert),
        )
        .unwrap();
    let problems = path.check_validity_at(now);
    assert_eq!(problems.len(), 1);
    assert_eq!((problems[0].index, problems[0].expired), (0, true));
    assert!(problems[0].not_after < now);
    // It was valid eighteen months ago.
    assert!(path.check_validity_at(now - 548 * 86_400).is_empty());

    let path = store
        .build_path(
            &pki.not_yet_valid.cert,
            std::slice::from_ref(&pki.intermediate.cert),
        )
        .unwrap();
    let problems = path.check_validity_at(now);
    assert_eq!(problems.len(), 1);
    assert_eq!((problems[0].index, problems[0].expired), (0, false));
}

#[test]
fn no_signing_usage_leaf_lacks_digital_signature() {
    let pki = TestPki::shared();
    let ku = pki
        .no_signing_usage
        .cert
        .key_usage()
        .expect("keyUsage present");
    assert!(!ku.digital_signature && !ku.non_repudiation);
    assert!(ku.key_encipherment);
    let ku = pki.rsa.cert.key_usage().unwrap();
    assert!(ku.digital_signature && ku.non_repudiation && !ku.key_encipherment);
}

#[test]
fn pkcs12_parses_back() {
    let pki = TestPki::shared();
    let der = pki.rsa.pkcs12("mật khẩu 123", &pki.chain());
    let p12 = openssl::pkcs12::Pkcs12::from_der(&der).unwrap();
    assert!(p12.parse2("wrong").is_err());
    let parsed = p12.parse2("mật khẩu 123").unwrap();
    assert_eq!(parsed.cert.unwrap().to_der().unwrap(), pki.rsa.cert.der());
    let key = parsed.pkey.unwrap();
    assert!(key.public_eq(&pki.rsa.key));
    let ca: Vec<Vec<u8>> = parsed
        .ca
        .unwrap()
        .iter()
        .map(|c| c.to_der().unwrap())
        .collect();
    assert_eq!(ca.len(), 2);
    assert!(ca.contains(&pki.intermediate.cert.der().to_vec()));
    assert!(ca.contains(&pki.root.cert.der().to_vec()));

    // The PEM forms load back too.
    let pem = [
        pki.rsa.cert_pem(),
        pki.rsa.key_pem(),
        pki.intermediate.cert_pem(),
    ]
    .concat();
    let certs = Certificate::from_pem_or_der(&pem).unwrap();
    assert_eq!(
        certs,
        vec![pki.rsa.cert.clone(), pki.intermediate.cert.clone()]
    );
    let key = openssl::pkey::PKey::private_key_from_pem(&pki.rsa.key_pem()).unwrap();
    assert!(key.public_eq(&pki.rsa.key));
}

/// Runs `qpdf --check` on a PDF; fails the test if qpdf is missing or unhappy.
fn qpdf_check(pdf: &[u8], what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sample.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("qpdf is required for this test (install qpdf): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Exit status 0 = OK, 3 = warnings: both fail here.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: qpdf --check failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("No syntax or stream encoding errors found"),
        "{what}: {stdout}"
    );
}

#[test]
fn sample_pdfs_pass_qpdf_check() {
    for xref_stream in [false, true] {
        for with_form in [false, true] {
            for (pages, padding) in [(1, 0), (3, 1234)] {
                let opts = SampleOptions {
                    pages,
                    xref_stream,
                    title: "Tờ khai (thuế) \\ test".into(),
                    padding,
                    with_form,
                };
                let pdf = sample_pdf(&opts);
                assert!(pdf.starts_with(b"%PDF-1."));
                assert!(pdf.len() > padding, "{opts:?}");
                let what = format!("{opts:?}");
                qpdf_check(&pdf, &what);
                let has_xref_table = pdf.windows(6).any(|w| w == b"\nxref\n" || w == b"\rxref\n");
                assert_eq!(has_xref_table, !xref_stream, "{what}");
                assert_eq!(contains(&pdf, b"/XRef"), xref_stream, "{what}");
                assert_eq!(contains(&pdf, b"/ObjStm"), xref_stream, "{what}");
                let json = qpdf_json(&pdf);
                let page_list = json["pages"].as_array().unwrap();
                assert_eq!(page_list.len(), pages, "{what}");
                let images = page_list[0]["images"].as_array().unwrap();
                if padding > 0 {
                    assert_eq!(images.len(), 1, "{what}");
                    assert_eq!(images[0]["width"], 500);
                    assert_eq!(images[0]["height"], padding.div_ceil(500));
                    assert_eq!(
                        images[0]["filter"][0],
                        serde_json::Value::Null,
                        "uncompressed"
                    );
                } else {
                    assert!(images.is_empty(), "{what}");
                }
                let fields: Vec<(String, String)> = json["acroform"]["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| {
                        (
                            f["fullname"].as_str().unwrap().into(),
                            f["fieldtype"].as_str().unwrap().into(),
                        )
                    })
                    .collect();
                if with_form {
                    assert_eq!(
                        fields,
                        [
                            ("Signature1".into(), "/Sig".into()),
                            ("Comment".into(), "/Tx".into())
                        ],
                        "{what}"
                    );
                    for f in json["acroform"]["fields"].as_array().unwrap() {
                        assert_eq!(f["pageposfrom1"], 1, "{what}");
                    }
                } else {
                    assert!(fields.is_empty(), "{what}");
                }
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// qpdf's JSON view (version 2) of a PDF's pages and form (for structural assertions).
fn qpdf_json(pdf: &[u8]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sample.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("qpdf")
        .args(["--json=2", "--json-key=pages", "--json-key=acroform"])
        .arg(&file)
        .output()
        .expect("qpdf");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs the `openssl` command-line tool in `dir`; fails the test if it is missing or fails.
fn openssl_cli(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("the openssl command is required for this test: {e}"));
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn rsa_pss_signed_certificates_chain() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pss = [
        "-sha256",
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:32",
    ];
    let mut root_args = vec![
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key",
    ];
    root_args.extend([
        "-out",
        "root.pem",
        "-subj",
        "/C=VN/CN=PSS Root",
        "-days",
        "30",
    ]);
    root_args.extend([
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    root_args.extend(pss);
    openssl_cli(d, &root_args);
    openssl_cli(
        d,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=PSS Leaf",
        ],
    );
    let mut leaf_args = vec![
        "x509", "-req", "-in", "leaf.csr", "-CA", "root.pem", "-CAkey", "root.key",
    ];
    leaf_args.extend(["-days", "10", "-out", "leaf.pem"]);
    leaf_args.extend(pss);
    openssl_cli(d, &leaf_args);

    let root = Certificate::from_pem_or_der(&std::fs::read(d.join("root.pem")).unwrap())
        .unwrap()
        .remove(0);
    let leaf = Certificate::from_pem_or_der(&std::fs::read(d.join("leaf.pem")).unwrap())
        .unwrap()
        .remove(0);
    assert_eq!(leaf.signature_algorithm_oid(), "1.2.840.113549.1.1.10");
    assert_eq!(
        leaf.signature_algorithm_params().map(|p| p[0]),
        Some(0x30),
        "RSASSA-PSS-params SEQUENCE"
    );
    assert!(leaf.is_signed_by(&root));
    assert!(!leaf.is_signed_by(&leaf));
    let mut store = TrustStore::new();
    store.add(root.clone());
    let path = store.build_path(&leaf, &[]).unwrap();
    assert_eq!(path.certificates, vec![leaf, root]);
    assert!(path.check_validity_at(now()).is_empty());
}

#[test]
fn real_vietnamese_signers_pass_the_document_signing_eku_rule() {
    // The agency certificates carry clientAuth, emailProtection and Microsoft smart card
    // logon: emailProtection is one of the purposes Adobe accepts for signing documents.
    for name in [
        "agency-chi-cuc-thue-q12-legacy-hierarchy.pem",
        "agency-tong-cuc-thue.pem",
    ] {
        let c = load(name);
        let ekus = c.extended_key_usage().expect("an EKU extension");
        assert!(
            ekus.iter().any(|e| e == "1.3.6.1.5.5.7.3.4"),
            "{name}: {ekus:?}"
        );
        assert!(c.eku_allows_document_signing(), "{name}: {ekus:?}");
    }
    // CA certificates without the extension are not restricted.
    for name in REAL.iter().filter(|n| !n.starts_with("agency")) {
        let c = load(name);
        assert!(c.eku_allows_document_signing(), "{name}");
    }
    // Only these purposes count; a TLS-only certificate does not sign documents.
    let pki = TestPki::shared();
    for (eku, ok) in [
        ("clientAuth", false),
        ("serverAuth,clientAuth", false),
        ("timeStamping", false),
        ("emailProtection", true),
        ("1.3.6.1.5.5.7.3.36", true),
        ("1.3.6.1.4.1.311.10.3.12", true),
        ("1.2.840.113583.1.1.5", true),
        ("2.5.29.37.0", true),
    ] {
        let mut spec = CertSpec::leaf("EKU");
        spec.extended_key_usage = eku.into();
        let c = pki.intermediate.issue(&spec).cert;
        assert_eq!(c.eku_allows_document_signing(), ok, "{eku}");
    }
    assert_eq!(kyso::pki::DOCUMENT_SIGNING_EKUS.len(), 5);
}
