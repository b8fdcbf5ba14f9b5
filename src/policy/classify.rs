//! Individual or organisation? Vietnamese certificates do not say so in a standard field, so
//! kyso decides from the subject with these rules, first match wins:
//!
//! 1. **Catalog patterns.** The procedure's `[procedure.classification]` patterns, then the
//!    catalog's `[classification]` patterns (`organisation = [...]`, `individual = [...]`,
//!    regular expressions over the subject DN as printed, e.g. `CN=SỞ TƯ PHÁP, O=…, C=VN`).
//! 2. **Personal identifier.** A `UID` attribute (0.9.2342.19200300.100.1.1) with `CCCD:`
//!    (citizen ID), `CMND:` (old ID card) or `HC:` (passport) → individual. This wins over an
//!    organisation identifier in the same subject: a certificate naming both a person's ID and
//!    their employer's tax code is that person's.
//! 3. **Organisation identifier.** A `UID` with `MST:` (tax code) or `MNS:` (budget-unit
//!    code) → organisation.
//! 4. **Agency name.** A common name written in upper case that starts with an agency word —
//!    `SỞ`, `ỦY BAN`/`UỶ BAN`, `UBND`, `CỤC`, `CHI CỤC`, `TỔNG CỤC`, `BỘ`, `BAN`, `TRUNG TÂM`,
//!    `PHÒNG`, `VĂN PHÒNG`, `HỘI ĐỒNG`, `KHO BẠC`, `CÔNG AN`, `THANH TRA`, `TÒA ÁN`/`TOÀ ÁN`,
//!    `VIỆN`, `BỆNH VIỆN`, `TRƯỜNG`, `ĐẠI HỌC`, `CÔNG TY`, `TỔNG CÔNG TY`, `HỢP TÁC XÃ`,
//!    `NGÂN HÀNG` — followed by more words → organisation (e.g. `TỔNG CỤC THUẾ`). A common
//!    name without any diacritics (older certificates) is compared without diacritics, except
//!    for words that would then read as a family name (`TRUONG`, `VIEN`).
//! 5. **Personal name.** A common name in mixed case that does not start with an agency word
//!    (`Nguyễn Văn An`), or an upper-case one that starts with a common Vietnamese family name
//!    (`NGUYỄN VĂN AN`) → individual.
//! 6. Otherwise: **unknown** — rules that need the kind cannot decide, and the report says to
//!    add a catalog pattern. A mixed-case name that starts with an agency word (`Sở Tư pháp`)
//!    is unknown too: agencies' certificates are normally upper case.

use serde::Serialize;

use super::catalog::ClassificationOverrides;
use crate::pki::VnIdentifier;
use crate::report::CertificateSummary;

/// What a certificate belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertKind {
    /// A person.
    Individual,
    /// An organisation (agency, company).
    Organisation,
    /// Could not be decided.
    Unknown,
}

/// Which rule decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum Basis {
    /// A catalog pattern matched.
    CatalogPattern {
        /// The pattern.
        pattern: String,
    },
    /// A personal identifier (`CCCD`, `CMND`, `HC`).
    PersonalIdentifier {
        /// The prefix.
        kind: String,
    },
    /// An organisation identifier (`MST`, `MNS`).
    OrganisationIdentifier {
        /// The prefix.
        kind: String,
    },
    /// The common name is an agency's or company's name.
    AgencyName {
        /// The agency word it starts with.
        word: String,
    },
    /// The common name reads as a person's name.
    PersonalName,
    /// Mixed-case name starting with an agency word.
    Ambiguous {
        /// The agency word.
        word: String,
    },
    /// No rule applied.
    NoRule,
}

/// The decision and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Classification {
    /// The kind.
    pub kind: CertKind,
    /// The rule that decided.
    pub basis: Basis,
}

/// Agency words, upper case with diacritics, longest first so that `CHI CỤC` wins over `CỤC`.
const AGENCY_WORDS: &[&str] = &[
    "TỔNG CÔNG TY",
    "VĂN PHÒNG",
    "TRUNG TÂM",
    "BỆNH VIỆN",
    "HỢP TÁC XÃ",
    "NGÂN HÀNG",
    "THANH TRA",
    "HỘI ĐỒNG",
    "TỔNG CỤC",
    "ĐẠI HỌC",
    "CHI CỤC",
    "CÔNG TY",
    "KHO BẠC",
    "CÔNG AN",
    "ỦY BAN",
    "UỶ BAN",
    "TÒA ÁN",
    "TOÀ ÁN",
    "TRƯỜNG",
    "PHÒNG",
    "VIỆN",
    "UBND",
    "CỤC",
    "BAN",
    "SỞ",
    "BỘ",
];

/// Agency words that must not be compared without diacritics (they would read as family
/// names: Trương, Viên).
const NO_FOLD: &[&str] = &["TRƯỜNG", "VIỆN", "BỆNH VIỆN"];

/// Common Vietnamese family names, upper case.
const FAMILY_NAMES: &[&str] = &[
    "NGUYỄN", "TRẦN", "LÊ", "PHẠM", "HOÀNG", "HUỲNH", "PHAN", "VŨ", "VÕ", "ĐẶNG", "BÙI", "ĐỖ",
    "HỒ", "NGÔ", "DƯƠNG", "LÝ", "ĐINH", "TRƯƠNG", "ĐOÀN", "LƯƠNG", "TRỊNH", "LÂM", "LƯU", "PHÙNG",
    "TRIỆU", "QUÁCH", "VƯƠNG", "HÀ", "TÔ", "TẠ", "MAI", "CAO", "CHU", "THÁI", "KIỀU", "KHỔNG",
    "TĂNG", "LA", "MẠC", "DIỆP", "TỐNG", "HẦU", "ÂU",
];

/// The attributes of a subject DN as kyso prints it (`CN=…, OU=…, O=…, C=VN`, RFC 4514
/// escapes), in the printed order.
pub(crate) fn parse_subject(subject: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = subject.chars().peekable();
    let mut parts = Vec::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ',' | '+' => {
                parts.push(std::mem::take(&mut cur));
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
            }
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// Classifies a certificate from its report summary.
pub(crate) fn classify_summary(
    c: &CertificateSummary,
    overrides: &[&ClassificationOverrides],
) -> Classification {
    classify(
        &c.subject,
        c.common_name.as_deref(),
        &c.identifiers,
        overrides,
    )
}

/// Classifies a subject (`subject` as printed, its CN, its `UID` identifiers).
pub(crate) fn classify(
    subject: &str,
    common_name: Option<&str>,
    identifiers: &[VnIdentifier],
    overrides: &[&ClassificationOverrides],
) -> Classification {
    // 1. Catalog patterns.
    for o in overrides {
        for (patterns, kind) in [
            (&o.organisation, CertKind::Organisation),
            (&o.individual, CertKind::Individual),
        ] {
            if let Some(p) = patterns.first_match(subject) {
                return Classification {
                    kind,
                    basis: Basis::CatalogPattern {
                        pattern: p.to_string(),
                    },
                };
            }
        }
    }
    // 2, 3. Identifiers.
    let kind_of = |id: &VnIdentifier| id.kind.trim().to_ascii_uppercase();
    if let Some(id) = identifiers
        .iter()
        .find(|id| matches!(kind_of(id).as_str(), "CCCD" | "CMND" | "HC"))
    {
        return Classification {
            kind: CertKind::Individual,
            basis: Basis::PersonalIdentifier { kind: kind_of(id) },
        };
    }
    if let Some(id) = identifiers
        .iter()
        .find(|id| matches!(kind_of(id).as_str(), "MST" | "MNS"))
    {
        return Classification {
            kind: CertKind::Organisation,
            basis: Basis::OrganisationIdentifier { kind: kind_of(id) },
        };
    }
    // 4, 5. The common name.
    let attrs;
    let cn = match common_name {
        Some(cn) => cn,
        None => {
            attrs = parse_subject(subject);
            match attrs.iter().find(|(k, _)| k == "CN") {
                Some((_, v)) => v.as_str(),
                None => {
                    return Classification {
                        kind: CertKind::Unknown,
                        basis: Basis::NoRule,
                    }
                }
            }
        }
    };
    let cn = cn.trim();
    let has_lower = cn.chars().any(char::is_lowercase);
    let upper = cn.to_uppercase();
    let word = agency_word(&upper);
    match (word, has_lower) {
        (Some(w), false) => Classification {
            kind: CertKind::Organisation,
            basis: Basis::AgencyName { word: w },
        },
        (Some(w), true) => Classification {
            kind: CertKind::Unknown,
            basis: Basis::Ambiguous { word: w },
        },
        (None, true) if cn.split_whitespace().count() >= 2 => Classification {
            kind: CertKind::Individual,
            basis: Basis::PersonalName,
        },
        (None, false) if starts_with_family_name(&upper) => Classification {
            kind: CertKind::Individual,
            basis: Basis::PersonalName,
        },
        _ => Classification {
            kind: CertKind::Unknown,
            basis: Basis::NoRule,
        },
    }
}

/// The agency word an upper-case name starts with (followed by at least one more word).
fn agency_word(upper: &str) -> Option<String> {
    let ascii = upper.is_ascii();
    let words: Vec<&str> = upper.split_whitespace().collect();
    let name = words.join(" ");
    for w in AGENCY_WORDS {
        let (probe, hit) = if ascii {
            if NO_FOLD.contains(w) {
                continue;
            }
            let f = fold(w);
            (f.clone(), starts_with_word(&name, &f))
        } else {
            (w.to_string(), starts_with_word(&name, w))
        };
        if hit && name.len() > probe.len() {
            return Some(w.to_string());
        }
    }
    None
}

fn starts_with_word(name: &str, word: &str) -> bool {
    name.strip_prefix(word)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

fn starts_with_family_name(upper: &str) -> bool {
    let Some(first) = upper.split_whitespace().next() else {
        return false;
    };
    if upper.split_whitespace().count() < 2 {
        return false;
    }
    if upper.is_ascii() {
        FAMILY_NAMES.iter().any(|f| fold(f) == first)
    } else {
        FAMILY_NAMES.contains(&first)
    }
}

/// Removes Vietnamese diacritics (precomposed letters and combining marks): "TỔNG CỤC" →
/// "TONG CUC".
pub(crate) fn fold(s: &str) -> String {
    const GROUPS: &[(&str, char)] = &[
        ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
        ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", 'A'),
        ("èéẻẽẹêềếểễệ", 'e'),
        ("ÈÉẺẼẸÊỀẾỂỄỆ", 'E'),
        ("ìíỉĩị", 'i'),
        ("ÌÍỈĨỊ", 'I'),
        ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
        ("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", 'O'),
        ("ùúủũụưừứửữự", 'u'),
        ("ÙÚỦŨỤƯỪỨỬỮỰ", 'U'),
        ("ỳýỷỹỵ", 'y'),
        ("ỲÝỶỸỴ", 'Y'),
        ("đ", 'd'),
        ("Đ", 'D'),
    ];
    s.chars()
        .filter(|c| !('\u{0300}'..='\u{036F}').contains(c))
        .map(|c| {
            GROUPS
                .iter()
                .find(|(set, _)| set.contains(c))
                .map_or(c, |(_, base)| *base)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::catalog::Patterns;

    fn id(kind: &str, value: &str) -> VnIdentifier {
        VnIdentifier {
            kind: kind.into(),
            value: value.into(),
        }
    }

    fn kind(subject: &str, ids: &[VnIdentifier]) -> (CertKind, Basis) {
        let c = classify(subject, None, ids, &[]);
        (c.kind, c.basis)
    }

    #[test]
    fn personal_identifiers_make_an_individual() {
        for k in ["CCCD", "CMND", "HC", "cccd"] {
            let (kd, b) = kind("CN=NGUYEN VAN AN, C=VN", &[id(k, "001099012345")]);
            assert_eq!(kd, CertKind::Individual, "{k}");
            assert_eq!(
                b,
                Basis::PersonalIdentifier {
                    kind: k.to_ascii_uppercase()
                }
            );
        }
    }

    #[test]
    fn organisation_identifiers_make_an_organisation() {
        let (k, b) = kind(
            "CN=Chi cục thuế Khu vực Quận 12 - Huyện Hóc Môn, L=Hà Nội, C=VN",
            &[id("MST", "0301519977-029")],
        );
        assert_eq!(k, CertKind::Organisation);
        assert_eq!(b, Basis::OrganisationIdentifier { kind: "MST".into() });
        assert_eq!(
            kind("CN=Trường Tiểu học A, C=VN", &[id("MNS", "1234567")]).0,
            CertKind::Organisation
        );
    }

    #[test]
    fn a_personal_identifier_wins_over_an_employers_tax_code() {
        let (k, _) = kind(
            "CN=Lê Thị Bình, O=CÔNG TY TNHH ABC, C=VN",
            &[id("MST", "0101234567"), id("CCCD", "079190000001")],
        );
        assert_eq!(k, CertKind::Individual);
    }

    #[test]
    fn upper_case_agency_names_are_organisations() {
        for (cn, word) in [
            ("TỔNG CỤC THUẾ", "TỔNG CỤC"),
            ("CHI CỤC THUẾ QUẬN 1", "CHI CỤC"),
            ("CỤC THUẾ TỈNH VĨNH LONG", "CỤC"),
            ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH VĨNH LONG", "SỞ"),
            ("ỦY BAN NHÂN DÂN TỈNH BÀ RỊA - VŨNG TÀU", "ỦY BAN"),
            ("UỶ BAN NHÂN DÂN HUYỆN A", "UỶ BAN"),
            ("UBND XÃ B", "UBND"),
            ("BỘ TÀI CHÍNH", "BỘ"),
            ("BAN QUẢN LÝ CÁC KHU CÔNG NGHIỆP", "BAN"),
            ("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "TRUNG TÂM"),
            ("PHÒNG TÀI NGUYÊN VÀ MÔI TRƯỜNG", "PHÒNG"),
            ("VĂN PHÒNG ĐĂNG KÝ ĐẤT ĐAI", "VĂN PHÒNG"),
        ] {
            let (k, b) = kind(&format!("CN={cn}, O=BỘ TÀI CHÍNH, C=VN"), &[]);
            assert_eq!(k, CertKind::Organisation, "{cn}");
            assert_eq!(b, Basis::AgencyName { word: word.into() }, "{cn}");
        }
    }

    #[test]
    fn ascii_agency_names_are_compared_without_diacritics() {
        assert_eq!(
            kind("CN=TONG CUC THUE, C=VN", &[]).0,
            CertKind::Organisation
        );
        assert_eq!(
            kind("CN=UY BAN NHAN DAN TINH VINH LONG, C=VN", &[]).0,
            CertKind::Organisation
        );
        // "TRUONG" is the family name Trương as often as the word Trường.
        assert_eq!(kind("CN=TRUONG VAN AN, C=VN", &[]).0, CertKind::Individual);
    }

    #[test]
    fn an_agency_word_must_be_a_whole_word_followed_by_a_name() {
        // "BỘ" alone, or "BỘI…", is not an agency name.
        assert_ne!(kind("CN=BỘ, C=VN", &[]).0, CertKind::Organisation);
        assert_ne!(kind("CN=SỞI ĐÁ, C=VN", &[]).0, CertKind::Organisation);
    }

    #[test]
    fn personal_names_are_individuals() {
        let (k, b) = kind(
            "CN=Nguyễn Văn An, OU=Sở Thông tin và Truyền thông, O=UBND tỉnh Vĩnh Long, C=VN",
            &[],
        );
        assert_eq!((k, b), (CertKind::Individual, Basis::PersonalName));
        assert_eq!(kind("CN=TRẦN THỊ HOA, C=VN", &[]).0, CertKind::Individual);
        assert_eq!(kind("CN=NGUYEN VAN AN, C=VN", &[]).0, CertKind::Individual);
    }

    #[test]
    fn undecidable_subjects_are_unknown() {
        assert_eq!(
            kind("CN=ACME, C=VN", &[]),
            (CertKind::Unknown, Basis::NoRule)
        );
        assert_eq!(
            kind("O=Nowhere, C=VN", &[]),
            (CertKind::Unknown, Basis::NoRule)
        );
        assert_eq!(
            kind("CN=Sở Tư pháp tỉnh A, C=VN", &[]),
            (
                CertKind::Unknown,
                Basis::Ambiguous {
                    word: "SỞ".into()
                }
            )
        );
    }

    #[test]
    fn catalog_patterns_override_everything() {
        let o = ClassificationOverrides {
            organisation: Patterns::new(&["(?i)CN=Sở Tư pháp"]).unwrap(),
            individual: Patterns::new(&["CN=TỔNG CỤC THUẾ"]).unwrap(),
        };
        let c = classify("CN=Sở Tư pháp tỉnh A, C=VN", None, &[], &[&o]);
        assert_eq!(c.kind, CertKind::Organisation);
        assert_eq!(
            c.basis,
            Basis::CatalogPattern {
                pattern: "(?i)CN=Sở Tư pháp".into()
            }
        );
        let c = classify("CN=TỔNG CỤC THUẾ, C=VN", None, &[id("MST", "1")], &[&o]);
        assert_eq!(c.kind, CertKind::Individual);
    }

    #[test]
    fn subjects_are_split_with_escapes() {
        let a = parse_subject(r"CN=CÔNG TY A\, B, OU=X+UID=MST:1, C=VN");
        assert_eq!(
            a,
            vec![
                ("CN".to_string(), "CÔNG TY A, B".to_string()),
                ("OU".to_string(), "X".to_string()),
                ("UID".to_string(), "MST:1".to_string()),
                ("C".to_string(), "VN".to_string())
            ]
        );
    }

    #[test]
    fn folding_removes_vietnamese_diacritics() {
        assert_eq!(fold("TỔNG CỤC THUẾ Đà Nẵng"), "TONG CUC THUE Da Nang");
        assert_eq!(fold("Ho\u{0302}\u{0300}"), "Ho");
    }
}
