#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Importing the national procedure catalog: a fixture of our own making (always), and the
//! real National Public Service Portal data in `../shared/vn-realworld/catalog/` (read from
//! there, never committed).

use std::path::{Path, PathBuf};

use kyso::policy::{
    import_catalog, Catalog, CatalogErrorKind, ImportInput, ImportSources, Mode, RequiredSignature,
    SubmissionMethod,
};

fn testdata(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/catalog")
            .join(name),
    )
    .unwrap()
}

fn fixture() -> kyso::policy::Imported {
    let (n, d, o) = (
        testdata("national-sample.csv"),
        testdata("details-sample.jsonl"),
        testdata("overlay-sample.toml"),
    );
    import_catalog(&ImportSources {
        national: Some(ImportInput {
            name: "national.csv",
            text: &n,
        }),
        details: Some(ImportInput {
            name: "details.jsonl",
            text: &d,
        }),
        overlay: Some(ImportInput {
            name: "overlay.toml",
            text: &o,
        }),
    })
    .unwrap()
}

#[test]
fn the_fixture_imports_every_procedure_and_warns_about_odd_ones() {
    let im = fixture();
    let c = &im.catalog;
    // 5 in the CSV + 1 only in the details: nothing dropped.
    assert_eq!(c.procedures.len(), 6);
    assert_eq!(im.stats.procedures, 6);
    assert_eq!(im.stats.national, 5);
    assert_eq!(im.stats.detailed, 3);
    assert_eq!(im.stats.full_process, 2);
    assert_eq!(im.stats.online_only, 1);
    assert_eq!(im.stats.no_paper, 1);
    assert_eq!(im.stats.with_result_rules, 1);
    let w: Vec<String> = im.warnings.iter().map(ToString::to_string).collect();
    let has = |needle: &str| w.iter().any(|x| x.contains(needle));
    assert!(has("national.csv:4: code: procedure code \" 1.900002\" has spaces around it; imported as \"1.900002\""), "{w:#?}");
    assert!(has("national.csv:5: code: procedure code \"1.9000033\" does not have the usual national shape"), "{w:#?}");
    assert!(
        has("national.csv:6: code: procedure code \"1.900004-Xoa\""),
        "{w:#?}"
    );
    assert!(
        has("details.jsonl:3: code: procedure 1.900006 is not in the national catalog"),
        "{w:#?}"
    );
    assert!(has("details.jsonl:3: submission_methods: procedure 1.900006: unknown submission method \"FAX\""), "{w:#?}");
    assert!(
        has(
            "details.jsonl:1: components: procedure 1.900001: 1 component(s) share a national code"
        ),
        "{w:#?}"
    );
    assert!(
        has("overlay.toml:13: no_paper: procedure 1.999999 is not in the imported national data"),
        "{w:#?}"
    );
    assert_eq!(w.len(), 7, "{w:#?}");

    // A name with a line break, whitespace-normalised; CSV facts kept.
    let p = c.procedure("1.900001").unwrap();
    assert_eq!(p.name, "Cấp giấy phép mẫu (thủ tục ví dụ của kyso)");
    assert_eq!(p.mode, Some(Mode::ToanTrinh));
    assert_eq!(
        p.submission_methods,
        vec![
            SubmissionMethod::Online,
            SubmissionMethod::Direct,
            SubmissionMethod::Postal
        ]
    );
    // Toàn trình and listing paper methods, but the province's decision refuses paper.
    assert!(!p.paper_accepted);
    assert_eq!(p.no_paper.as_ref().unwrap().decision, "999/QĐ-UBND");
    assert_eq!(
        p.no_paper.as_ref().unwrap().date.as_deref(),
        Some("2025-01-02")
    );
    // The overlay's rename reached the agency.
    assert_eq!(p.agency, "Sở Khoa học và Công nghệ");
    let n = p.national.as_ref().unwrap();
    assert_eq!(n.kind.as_deref(), Some("STANDARD"));
    assert_eq!(n.authority.as_deref(), Some("Bộ Ví dụ"));
    assert_eq!(n.departments, vec!["Sở Ví dụ các tỉnh, thành phố"]);
    assert_eq!(n.target_groups, vec!["Công dân Việt Nam", "Doanh nghiệp"]);
    assert_eq!(n.decision.as_deref(), Some("1/QĐ-BVD"));
    assert_eq!(n.legal_bases, vec!["Nghị định số 1/2020/NĐ-CP"]);
    assert_eq!(n.results[0].code.as_deref(), Some("KQ.G99.000001"));
    // Components keep their national codes and flags; duplicate codes get unique ids.
    let ids: Vec<&str> = p.components.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "000.00.00.G99-KQ000001",
            "000.00.00.G99-KQ000002",
            "000.00.00.G99-KQ000002-2"
        ]
    );
    let first = &p.components[0];
    assert!(first.required && first.electronic_form && first.signed);
    assert_eq!((first.originals, first.copies), (1, 0));
    assert_eq!(
        p.components[2].code.as_deref(),
        Some("000.00.00.G99-KQ000002")
    );
    assert_eq!(
        p.components[2].case.as_deref(),
        Some("- Trường hợp là hợp tác xã:")
    );
    let r = p.result.as_ref().unwrap();
    assert_eq!(
        r.signatures,
        vec![RequiredSignature::Official, RequiredSignature::Agency]
    );
    assert!(r
        .agency_patterns
        .matches("CN=SỞ KHOA HỌC VÀ CÔNG NGHỆ, O=UBND TỈNH VÍ DỤ, C=VN"));

    // Paper follows the methods where no decision says otherwise.
    assert!(c.procedure("1.900006").unwrap().paper_accepted);
    assert!(!c.procedure("2.900005").unwrap().paper_accepted);
    assert_eq!(
        c.procedure("2.900005").unwrap().name,
        "Khai báo \"mẫu\", trực tuyến"
    );
    // A component without a code gets a positional id.
    assert_eq!(
        c.procedure("2.900005").unwrap().components[0].id,
        "thanh-phan-1"
    );
    // Procedures only in the CSV: mode not stated.
    assert_eq!(c.procedure("1.900002").unwrap().mode, None);
    assert_eq!(
        c.procedure("1.9000033").unwrap().name,
        "Thủ tục có mã bảy chữ số"
    );
    // Metadata from the overlay.
    assert_eq!(c.title, "Danh mục mẫu của tỉnh Ví Dụ");
    assert_eq!(c.province.as_deref(), Some("Ví Dụ"));
}

#[test]
fn an_imported_catalog_round_trips_through_toml() {
    let im = fixture();
    let again = Catalog::from_toml(&im.catalog.to_toml(), "again").unwrap();
    let a = serde_json::to_value(&im.catalog.procedures).unwrap();
    let mut b = serde_json::to_value(&again.procedures).unwrap();
    // Only the line numbers may differ (they point into each text); here both come from the
    // same writer.
    assert_eq!(a, b);
    // And the example catalog, written and read back, is the same catalog.
    let ex = Catalog::example().unwrap();
    let back = Catalog::from_toml(&ex.to_toml(), "ex").unwrap();
    let strip = |v: &mut serde_json::Value| {
        for p in v.as_array_mut().unwrap() {
            p.as_object_mut().unwrap().remove("line");
        }
    };
    let mut x = serde_json::to_value(&ex.procedures).unwrap();
    strip(&mut x);
    b = serde_json::to_value(&back.procedures).unwrap();
    strip(&mut b);
    assert_eq!(x, b);
    assert_eq!(back.example, ex.example);
    assert_eq!(back.title, ex.title);
}

#[test]
fn malformed_inputs_are_errors_with_their_line() {
    let bad_json = "{\"code\": \"1.900001\"}\nnot json\n";
    let e = import_catalog(&ImportSources {
        details: Some(ImportInput {
            name: "d.jsonl",
            text: bad_json,
        }),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.kind, CatalogErrorKind::Syntax);
    assert!(
        e.to_string()
            .starts_with("d.jsonl:2: not a procedure record"),
        "{e}"
    );

    let e = import_catalog(&ImportSources {
        national: Some(ImportInput {
            name: "n.csv",
            text: "ma,ten\n1.000001,A\n",
        }),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.kind, CatalogErrorKind::MissingField);
    assert!(e.to_string().contains("no \"code\" column"), "{e}");

    let e = import_catalog(&ImportSources {
        national: Some(ImportInput {
            name: "n.csv",
            text: "code,name\n1.000001,\"A\n",
        }),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.to_string(), "n.csv:2: a quoted field is never closed");

    let csv = "code,name\n1.000001,A\n";
    let e = import_catalog(&ImportSources {
        national: Some(ImportInput { name: "n.csv", text: csv }),
        overlay: Some(ImportInput {
            name: "o.toml",
            text: "[[result]]\ncodes = [\"1.000001\"]\nsignatures = [\"agency\"]\ntrust_profiles = [\"nowhere\"]\n",
        }),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.kind, CatalogErrorKind::UnknownProfile);
    assert_eq!(e.line, Some(4));
    let e = import_catalog(&ImportSources {
        national: Some(ImportInput {
            name: "n.csv",
            text: csv,
        }),
        overlay: Some(ImportInput {
            name: "o.toml",
            text: "[[no_paper]]\ndecision = \"1/QĐ\"\ncodes = []\ncolour = 1\n",
        }),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.kind, CatalogErrorKind::UnknownField);

    assert!(import_catalog(&ImportSources::default()).is_err());
    // Garbage never panics.
    for junk in [
        "\"",
        "code\n\"",
        "code,name\n,\n",
        "\u{feff}",
        "code\n\u{0}\n",
        "code\r\n\r\n",
    ] {
        let _ = import_catalog(&ImportSources {
            national: Some(ImportInput {
                name: "j",
                text: junk,
            }),
            details: Some(ImportInput {
                name: "j",
                text: junk,
            }),
            ..Default::default()
        });
    }
}

/// The real data, if the shared folder is beside the checkout.
fn shared_catalog_dir() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("KYSO_SHARED_DIR").map(PathBuf::from),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(|d| d.join("vn-realworld/catalog"))
        .find(|d| d.join("national-catalog-5670.csv").is_file())
}

#[test]
fn the_real_national_catalog_imports_every_procedure() {
    let Some(dir) = shared_catalog_dir() else {
        eprintln!(
            "NOTE: ../shared/vn-realworld/catalog is not beside this checkout (set KYSO_SHARED_DIR); \
             the real-data import was not exercised, the fixture tests were"
        );
        return;
    };
    let n = std::fs::read_to_string(dir.join("national-catalog-5670.csv")).unwrap();
    let d = std::fs::read_to_string(dir.join("procedure-details-502.jsonl")).unwrap();
    let im = import_catalog(&ImportSources {
        national: Some(ImportInput {
            name: "national-catalog-5670.csv",
            text: &n,
        }),
        details: Some(ImportInput {
            name: "procedure-details-502.jsonl",
            text: &d,
        }),
        overlay: None,
    })
    .unwrap();
    let c = &im.catalog;
    assert_eq!(c.procedures.len(), 5670);
    assert_eq!(im.stats.national, 5670);
    assert_eq!(im.stats.detailed, 502);
    assert_eq!(im.stats.full_process, 72);
    assert_eq!(im.stats.online_only, 4);
    // "Toàn trình" does not mean no paper: 68 of the 72 still accept it.
    let full: Vec<_> = c
        .procedures
        .iter()
        .filter(|p| p.mode == Some(Mode::ToanTrinh))
        .collect();
    assert_eq!(full.len(), 72);
    assert_eq!(full.iter().filter(|p| p.paper_accepted).count(), 68);
    assert_eq!(
        c.procedures.iter().filter(|p| p.mode.is_some()).count(),
        502
    );
    // The four odd codes are kept (one trimmed) and each warned about with its line.
    for code in ["1.014325", "1.0133611", "1.014955-Xoa", "2.009182739"] {
        assert!(c.procedure(code).is_some(), "{code}");
        assert!(
            im.warnings
                .iter()
                .any(|w| w.reason.contains(&format!("{code:?}"))
                    && w.source_name == "national-catalog-5670.csv"
                    && w.line.is_some()),
            "{code}"
        );
    }
    // Two different procedures share 1.014325 once the space is removed: both are kept.
    assert!(im.warnings.iter().any(|w| w.line == Some(3184)
        && w.reason == "procedure code 1.014325 is also used on line 3183 by another procedure; this one is imported as 1.014325-2"), "{:#?}", im.warnings);
    assert_ne!(
        c.procedure("1.014325").unwrap().name,
        c.procedure("1.014325-2").unwrap().name
    );
    let code_warnings = im
        .warnings
        .iter()
        .filter(|w| w.field.as_deref() == Some("code"))
        .count();
    assert_eq!(code_warnings, 5, "{:#?}", im.warnings);
    // Every component and result kept.
    let comps: usize = d
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["components"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(im.stats.components, comps);
    assert_eq!(comps, 3504);

    // A detailed procedure, field by field.
    let p = c.procedure("1.000080").unwrap();
    assert_eq!(p.mode, Some(Mode::MotPhan));
    assert!(p.paper_accepted);
    let nf = p.national.as_ref().unwrap();
    assert_eq!(nf.decision.as_deref(), Some("163/QĐ-BTP"));
    assert_eq!(nf.authority.as_deref(), Some("Bộ Tư pháp"));
    assert!(nf
        .results
        .iter()
        .any(|r| r.code.as_deref() == Some("KQ.G15.000033")));
    let k = p
        .components
        .iter()
        .find(|c| c.id == "000.00.00.G15-KQ003362")
        .unwrap();
    assert!(!k.required);
    assert_eq!(k.originals, 1);
    assert_eq!(k.case.as_deref(), Some("* Giấy tờ phải nộp:"));
    // A fully online, online-only procedure.
    let p = c.procedure("1.003677").unwrap();
    assert_eq!(p.name, "Khai báo tạm vắng");
    assert_eq!(p.mode, Some(Mode::ToanTrinh));
    assert_eq!(p.submission_methods, vec![SubmissionMethod::Online]);
    assert!(!p.paper_accepted);
    assert_eq!(p.agency, "Công an cấp Xã");
    assert_eq!(p.components.len(), 3);
    assert_eq!(
        p.components[2].code.as_deref(),
        Some("G01.000.000.000-KQ1893")
    );
    assert_eq!((p.components[2].originals, p.components[2].copies), (1, 1));
    // A procedure only in the CSV.
    let p = c.procedure("1.000005").unwrap();
    assert_eq!(p.mode, None);
    let nf = p.national.as_ref().unwrap();
    assert_eq!(nf.kind.as_deref(), Some("STANDARD"));
    assert_eq!(nf.state.as_deref(), Some("ACTIVE"));
    assert_eq!(nf.authority.as_deref(), Some("Bộ Tài chính"));
    // A provincial copy's code finds the national entry.
    assert_eq!(c.procedure("1.003677.H19").unwrap().code, "1.003677");
    // The written TOML loads back (the returned catalog is that reload) and says nothing
    // worse than the odd codes.
    let again = Catalog::from_toml(&im.toml, "imported.toml").unwrap();
    assert_eq!(again.procedures.len(), 5670);
    assert_eq!(again.warnings.len(), 4, "{:#?}", again.warnings);
}
