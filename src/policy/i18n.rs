//! Messages of the policy report in Vietnamese (the default) and English. Rules produce
//! language-independent [`Msg`] values; the report renders them in the language asked for.
//! Every text is UTF-8 with the Vietnamese diacritics written out (precomposed, NFC).

use serde::Serialize;

use super::catalog::{Mode, SignerKind};
use super::classify::{Basis, CertKind};

/// Report language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Tiếng Việt (the default: TT 15/2025/TT-BKHCN Art. 6 asks for reports in Vietnamese).
    #[default]
    Vi,
    /// English.
    En,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "vi" => Ok(Lang::Vi),
            "en" => Ok(Lang::En),
            _ => Err(format!("unknown language {s:?}: expected \"vi\" or \"en\"")),
        }
    }
}

impl Lang {
    /// Picks the text for this language.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

/// A message about one rule outcome. The fields are the values the text shows (subjects as
/// printed, component names from the catalog, details from the validator in English).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[allow(missing_docs)] // the field names say what they hold
pub enum Msg {
    /// The file could not be read as a signed PDF.
    Unreadable { detail: String },
    /// The file has no signature.
    NoSignature,
    /// R0 passed.
    IntegrityOk,
    /// R0 failed.
    IntegrityFailed { detail: String },
    /// R0 undecided.
    IntegrityUndecided { detail: String },
    /// R1 passed.
    AgencySigned { subject: String },
    /// R1: no organisation signature at all.
    NoOrganisationSignature,
    /// R1: an organisation signed, but not the competent agency.
    OrganisationNotCompetent { subject: String, agency: String },
    /// R1/R2/R16: the kind of a certificate could not be decided.
    KindUnknown { subject: String, basis: Basis },
    /// R2 passed.
    OfficialSigned { subject: String },
    /// R2: no personal signature at all.
    NoPersonalSignature,
    /// R2: a person signed, but not an official of the competent agency.
    PersonNotOfficial { subject: String, agency: String },
    /// R3 passed.
    OrderOk,
    /// R3: a signature after the organisation signature.
    SignedAfterAgency { subject: String },
    /// R3: an update after the organisation signature that is not DSS or a time-stamp.
    ChangedAfterAgency { description: String },
    /// R3: the official signed after the agency.
    OfficialAfterAgency { subject: String },
    /// R7 passed.
    ChainsTo { profile: String },
    /// R7: chains to another profile.
    ChainsToOtherProfile {
        profile: String,
        expected: Vec<String>,
    },
    /// R7: chains to an anchor of no profile.
    ChainsToUnknownAnchor {
        anchor: String,
        expected: Vec<String>,
    },
    /// R7: no chain.
    NoChain {
        expected: Vec<String>,
        detail: String,
    },
    /// R7 undecided.
    ChainUndecided { detail: String },
    /// R8 passed.
    CertificateValid { at: String, proven: bool },
    /// R8 failed.
    CertificateInvalid { detail: String },
    /// R8 undecided.
    CertificateUndecided { detail: String },
    /// R10 passed.
    ValidationDataEmbedded { level: String },
    /// R10 failed.
    NoValidationData { level: String },
    /// R11 passed.
    Timestamped,
    /// R11 failed.
    NoTimestamp,
    /// R12 passed.
    AlgorithmsOk { description: String },
    /// R12: digest not accepted.
    DigestNotAccepted { digest: String },
    /// R12: algorithm unknown.
    AlgorithmUnknown,
    /// R12: key algorithm not accepted.
    KeyAlgorithmNotAccepted { algorithm: String },
    /// R12: key too short.
    KeyTooShort {
        algorithm: String,
        bits: u32,
        min: u32,
    },
    /// R12: RSA PKCS#1 v1.5 where RSASSA-PSS is asked for.
    Pkcs1v15 { description: String },
    /// R12: the validator's algorithm check failed.
    ValidatorAlgorithms { detail: String },
    /// R13 passed.
    LevelOk { level: String, required: String },
    /// R13 failed.
    LevelTooLow { level: String, required: String },
    /// R13: not a PAdES signature.
    NotPades { required: String },
    /// R16 passed.
    ComponentPresent {
        component: String,
        subject: Option<String>,
    },
    /// R16: a required component is missing.
    ComponentMissing { component: String },
    /// R16: a missing component must come on paper (một phần).
    ComponentOnPaper { component: String },
    /// R16/R17: a component is not signed.
    ComponentNotSigned { component: String },
    /// R16: signed by the wrong kind of signer.
    ComponentWrongSigner {
        component: String,
        expected: SignerKind,
        subject: String,
        actual: CertKind,
    },
    /// R16: a file that is no component of the procedure.
    ExtraFile { file: String },
    /// R17 passed.
    ScanSignedByOneStop { component: String, subject: String },
    /// R17: a scan not signed by a one-stop official's personal certificate.
    ScanNotSignedByOneStop { component: String, subject: String },
    /// A signature that fills no role of the procedure.
    ExtraSignature { subject: String },
}

fn profiles(list: &[String]) -> String {
    list.join(", ")
}

/// The kind of certificate, in words.
pub(crate) fn kind_text(k: CertKind, lang: Lang) -> &'static str {
    match k {
        CertKind::Individual => lang.pick("cá nhân", "individual"),
        CertKind::Organisation => lang.pick("tổ chức", "organisation"),
        CertKind::Unknown => lang.pick("không xác định", "unknown"),
    }
}

/// The signer kind a component asks for, in words.
pub(crate) fn signer_kind_text(k: SignerKind, lang: Lang) -> &'static str {
    match k {
        SignerKind::Individual => lang.pick("cá nhân", "an individual"),
        SignerKind::Organisation => lang.pick("tổ chức", "an organisation"),
        SignerKind::Any => lang.pick("cá nhân hoặc tổ chức", "an individual or an organisation"),
    }
}

/// The mode, in words.
pub(crate) fn mode_text(m: Option<Mode>, lang: Lang) -> &'static str {
    match m {
        Some(Mode::ToanTrinh) => lang.pick("toàn trình", "toàn trình: fully online"),
        Some(Mode::MotPhan) => lang.pick("một phần", "một phần: partly online"),
        None => lang.pick("chưa rõ mức độ trực tuyến", "online mode not stated"),
    }
}

/// Why a certificate was classified so, in words.
pub(crate) fn basis_text(b: &Basis, lang: Lang) -> String {
    match (b, lang) {
        (Basis::CatalogPattern { pattern }, Lang::Vi) => {
            format!("theo mẫu trong danh mục {pattern:?}")
        }
        (Basis::CatalogPattern { pattern }, Lang::En) => format!("catalog pattern {pattern:?}"),
        (Basis::PersonalIdentifier { kind }, Lang::Vi) => format!("có số định danh cá nhân {kind}"),
        (Basis::PersonalIdentifier { kind }, Lang::En) => format!("personal identifier {kind}"),
        (Basis::OrganisationIdentifier { kind }, Lang::Vi) => format!("có mã số tổ chức {kind}"),
        (Basis::OrganisationIdentifier { kind }, Lang::En) => {
            format!("organisation identifier {kind}")
        }
        (Basis::AgencyName { word }, Lang::Vi) => format!("tên viết hoa bắt đầu bằng \"{word}\""),
        (Basis::AgencyName { word }, Lang::En) => {
            format!("upper-case name starting with \"{word}\"")
        }
        (Basis::PersonalName, Lang::Vi) => "tên người".to_string(),
        (Basis::PersonalName, Lang::En) => "a person's name".to_string(),
        (Basis::Ambiguous { word }, Lang::Vi) => {
            format!(
                "tên không viết hoa nhưng bắt đầu bằng \"{word}\": không rõ cá nhân hay tổ chức"
            )
        }
        (Basis::Ambiguous { word }, Lang::En) => {
            format!("mixed-case name starting with \"{word}\": person or organisation is unclear")
        }
        (Basis::NoRule, Lang::Vi) => "không quy tắc nào áp dụng".to_string(),
        (Basis::NoRule, Lang::En) => "no rule applies".to_string(),
    }
}

impl Msg {
    /// A stable identifier of the message (kebab-case), for programs.
    pub fn id(&self) -> &'static str {
        match self {
            Msg::Unreadable { .. } => "unreadable",
            Msg::NoSignature => "no-signature",
            Msg::IntegrityOk => "integrity-ok",
            Msg::IntegrityFailed { .. } => "integrity-failed",
            Msg::IntegrityUndecided { .. } => "integrity-undecided",
            Msg::AgencySigned { .. } => "agency-signed",
            Msg::NoOrganisationSignature => "no-organisation-signature",
            Msg::OrganisationNotCompetent { .. } => "organisation-not-competent",
            Msg::KindUnknown { .. } => "kind-unknown",
            Msg::OfficialSigned { .. } => "official-signed",
            Msg::NoPersonalSignature => "no-personal-signature",
            Msg::PersonNotOfficial { .. } => "person-not-official",
            Msg::OrderOk => "order-ok",
            Msg::SignedAfterAgency { .. } => "signed-after-agency",
            Msg::ChangedAfterAgency { .. } => "changed-after-agency",
            Msg::OfficialAfterAgency { .. } => "official-after-agency",
            Msg::ChainsTo { .. } => "chains-to-profile",
            Msg::ChainsToOtherProfile { .. } => "chains-to-other-profile",
            Msg::ChainsToUnknownAnchor { .. } => "chains-to-unknown-anchor",
            Msg::NoChain { .. } => "no-chain",
            Msg::ChainUndecided { .. } => "chain-undecided",
            Msg::CertificateValid { .. } => "certificate-valid",
            Msg::CertificateInvalid { .. } => "certificate-invalid",
            Msg::CertificateUndecided { .. } => "certificate-undecided",
            Msg::ValidationDataEmbedded { .. } => "validation-data-embedded",
            Msg::NoValidationData { .. } => "no-validation-data",
            Msg::Timestamped => "timestamped",
            Msg::NoTimestamp => "no-timestamp",
            Msg::AlgorithmsOk { .. } => "algorithms-ok",
            Msg::DigestNotAccepted { .. } => "digest-not-accepted",
            Msg::AlgorithmUnknown => "algorithm-unknown",
            Msg::KeyAlgorithmNotAccepted { .. } => "key-algorithm-not-accepted",
            Msg::KeyTooShort { .. } => "key-too-short",
            Msg::Pkcs1v15 { .. } => "rsa-pkcs1v15",
            Msg::ValidatorAlgorithms { .. } => "validator-algorithms",
            Msg::LevelOk { .. } => "level-ok",
            Msg::LevelTooLow { .. } => "level-too-low",
            Msg::NotPades { .. } => "not-pades",
            Msg::ComponentPresent { .. } => "component-present",
            Msg::ComponentMissing { .. } => "component-missing",
            Msg::ComponentOnPaper { .. } => "component-on-paper",
            Msg::ComponentNotSigned { .. } => "component-not-signed",
            Msg::ComponentWrongSigner { .. } => "component-wrong-signer",
            Msg::ExtraFile { .. } => "extra-file",
            Msg::ScanSignedByOneStop { .. } => "scan-signed-by-one-stop",
            Msg::ScanNotSignedByOneStop { .. } => "scan-not-signed-by-one-stop",
            Msg::ExtraSignature { .. } => "extra-signature",
        }
    }

    /// The message in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        use Lang::{En, Vi};
        match (self, lang) {
            (Msg::Unreadable { detail }, Vi) => format!("không đọc được tệp như một PDF đã ký: {detail}"),
            (Msg::Unreadable { detail }, En) => format!("the file cannot be read as a signed PDF: {detail}"),
            (Msg::NoSignature, Vi) => "tệp không có chữ ký số nào".into(),
            (Msg::NoSignature, En) => "the file has no digital signature".into(),
            (Msg::IntegrityOk, Vi) => "chữ ký toàn vẹn và đúng về mật mã".into(),
            (Msg::IntegrityOk, En) => "the signature is intact and cryptographically valid".into(),
            (Msg::IntegrityFailed { detail }, Vi) => format!("chữ ký không hợp lệ: {detail}"),
            (Msg::IntegrityFailed { detail }, En) => format!("the signature is not valid: {detail}"),
            (Msg::IntegrityUndecided { detail }, Vi) => format!("chưa xác định được tính toàn vẹn của chữ ký: {detail}"),
            (Msg::IntegrityUndecided { detail }, En) => format!("the signature's integrity could not be established: {detail}"),
            (Msg::AgencySigned { subject }, Vi) => format!("có chữ ký số của cơ quan: {subject}"),
            (Msg::AgencySigned { subject }, En) => format!("signed by the agency: {subject}"),
            (Msg::NoOrganisationSignature, Vi) => {
                "không có chữ ký số của tổ chức (cơ quan có thẩm quyền) trên kết quả".into()
            }
            (Msg::NoOrganisationSignature, En) => {
                "the result carries no organisation signature of the competent agency".into()
            }
            (Msg::OrganisationNotCompetent { subject, agency }, Vi) => {
                format!("chữ ký của tổ chức {subject} không phải của cơ quan có thẩm quyền ({agency})")
            }
            (Msg::OrganisationNotCompetent { subject, agency }, En) => {
                format!("the organisation signature by {subject} is not the competent agency's ({agency})")
            }
            (Msg::KindUnknown { subject, basis }, Vi) => format!(
                "không xác định được chứng thư của {subject} là của cá nhân hay tổ chức ({}); hãy thêm mẫu vào danh mục",
                basis_text(basis, Vi)
            ),
            (Msg::KindUnknown { subject, basis }, En) => format!(
                "cannot tell whether the certificate of {subject} is an individual's or an organisation's ({}); add a pattern to the catalog",
                basis_text(basis, En)
            ),
            (Msg::OfficialSigned { subject }, Vi) => format!("có chữ ký số cá nhân của người có thẩm quyền: {subject}"),
            (Msg::OfficialSigned { subject }, En) => format!("signed personally by the competent official: {subject}"),
            (Msg::NoPersonalSignature, Vi) => "không có chữ ký số cá nhân của người có thẩm quyền".into(),
            (Msg::NoPersonalSignature, En) => "no personal signature of the competent official".into(),
            (Msg::PersonNotOfficial { subject, agency }, Vi) => {
                format!("người ký {subject} không phải người có thẩm quyền của {agency}")
            }
            (Msg::PersonNotOfficial { subject, agency }, En) => {
                format!("the signer {subject} is not a competent official of {agency}")
            }
            (Msg::OrderOk, Vi) => "thứ tự ký đúng: cá nhân trước, cơ quan sau cùng".into(),
            (Msg::OrderOk, En) => "signing order is right: personal first, organisation last".into(),
            (Msg::SignedAfterAgency { subject }, Vi) => {
                format!("{subject} ký sau chữ ký của cơ quan; sau chữ ký của cơ quan chỉ được thêm DSS và dấu thời gian")
            }
            (Msg::SignedAfterAgency { subject }, En) => format!(
                "{subject} signed after the organisation signature; only DSS and document time-stamps may follow it"
            ),
            (Msg::OfficialAfterAgency { subject }, Vi) => {
                format!("người có thẩm quyền {subject} ký sau cơ quan; chữ ký cá nhân phải có trước")
            }
            (Msg::OfficialAfterAgency { subject }, En) => {
                format!("the official {subject} signed after the agency; the personal signature comes first")
            }
            (Msg::ChangedAfterAgency { description }, Vi) => {
                format!("tài liệu được cập nhật sau chữ ký của cơ quan (không phải DSS hay dấu thời gian): {description}")
            }
            (Msg::ChangedAfterAgency { description }, En) => {
                format!("the document was updated after the organisation signature (not DSS or a time-stamp): {description}")
            }
            (Msg::ChainsTo { profile }, Vi) => format!("chuỗi chứng thư đến gốc tin cậy của hồ sơ tin cậy {profile}"),
            (Msg::ChainsTo { profile }, En) => format!("the certificate chains to the trust anchor of profile {profile}"),
            (Msg::ChainsToOtherProfile { profile, expected }, Vi) => format!(
                "chuỗi chứng thư đến gốc của {profile}, nhưng thủ tục yêu cầu {}",
                profiles(expected)
            ),
            (Msg::ChainsToOtherProfile { profile, expected }, En) => {
                format!("the certificate chains to {profile}, but the procedure requires {}", profiles(expected))
            }
            (Msg::ChainsToUnknownAnchor { anchor, expected }, Vi) => format!(
                "chuỗi chứng thư đến {anchor}, không thuộc hồ sơ tin cậy nào được yêu cầu ({})",
                profiles(expected)
            ),
            (Msg::ChainsToUnknownAnchor { anchor, expected }, En) => {
                format!("the certificate chains to {anchor}, which belongs to none of {}", profiles(expected))
            }
            (Msg::NoChain { expected, detail }, Vi) => {
                format!("không xây dựng được chuỗi chứng thư đến {}: {detail}", profiles(expected))
            }
            (Msg::NoChain { expected, detail }, En) => {
                format!("no certificate chain to {}: {detail}", profiles(expected))
            }
            (Msg::ChainUndecided { detail }, Vi) => format!("chưa xác định được chuỗi chứng thư: {detail}"),
            (Msg::ChainUndecided { detail }, En) => format!("the certificate chain could not be established: {detail}"),
            (Msg::CertificateValid { at, proven: true }, Vi) => {
                format!("chứng thư còn hiệu lực tại thời điểm ký được chứng minh bằng dấu thời gian ({at})")
            }
            (Msg::CertificateValid { at, proven: true }, En) => {
                format!("the certificate was valid at the signing time proven by a time-stamp ({at})")
            }
            (Msg::CertificateValid { at, proven: false }, Vi) => format!("chứng thư còn hiệu lực khi kiểm tra ({at})"),
            (Msg::CertificateValid { at, proven: false }, En) => format!("the certificate is valid at {at}"),
            (Msg::CertificateInvalid { detail }, Vi) => format!("chứng thư không còn hiệu lực hoặc đã bị thu hồi: {detail}"),
            (Msg::CertificateInvalid { detail }, En) => format!("the certificate is not valid or is revoked: {detail}"),
            (Msg::CertificateUndecided { detail }, Vi) => {
                format!("chưa xác định được hiệu lực của chứng thư tại thời điểm ký: {detail}")
            }
            (Msg::CertificateUndecided { detail }, En) => {
                format!("whether the certificate was valid when signing cannot be established: {detail}")
            }
            (Msg::ValidationDataEmbedded { level }, Vi) => format!("dữ liệu kiểm tra hiệu lực được nhúng ({level})"),
            (Msg::ValidationDataEmbedded { level }, En) => format!("validation data is embedded ({level})"),
            (Msg::NoValidationData { level }, Vi) => format!(
                "chưa nhúng dữ liệu kiểm tra hiệu lực (chứng thư, trạng thái thu hồi): mức {level}, yêu cầu B-LT trở lên"
            ),
            (Msg::NoValidationData { level }, En) => format!(
                "validation data (certificates, revocation status) is not embedded: level {level}, B-LT or better required"
            ),
            (Msg::Timestamped, Vi) => "có dấu thời gian".into(),
            (Msg::Timestamped, En) => "the signature is time-stamped".into(),
            (Msg::NoTimestamp, Vi) => "chữ ký không có dấu thời gian, trong khi thủ tục yêu cầu".into(),
            (Msg::NoTimestamp, En) => "the signature has no time-stamp, which the procedure requires".into(),
            (Msg::AlgorithmsOk { description }, Vi) => format!("thuật toán đạt yêu cầu: {description}"),
            (Msg::AlgorithmsOk { description }, En) => format!("algorithms accepted: {description}"),
            (Msg::DigestNotAccepted { digest }, Vi) => {
                format!("hàm băm {digest} không được chấp nhận (chỉ SHA-2, SHA-3)")
            }
            (Msg::DigestNotAccepted { digest }, En) => format!("digest {digest} is not accepted (SHA-2 and SHA-3 only)"),
            (Msg::AlgorithmUnknown, Vi) => "không xác định được thuật toán của chữ ký".into(),
            (Msg::AlgorithmUnknown, En) => "the signature's algorithms are unknown".into(),
            (Msg::KeyAlgorithmNotAccepted { algorithm }, Vi) => {
                format!("loại khóa {algorithm} không được chấp nhận (RSA hoặc ECDSA)")
            }
            (Msg::KeyAlgorithmNotAccepted { algorithm }, En) => {
                format!("key type {algorithm} is not accepted (RSA or ECDSA)")
            }
            (Msg::KeyTooShort { algorithm, bits, min }, Vi) => {
                format!("khóa {algorithm} {bits} bit ngắn hơn mức tối thiểu {min} bit")
            }
            (Msg::KeyTooShort { algorithm, bits, min }, En) => {
                format!("the {algorithm} key has {bits} bits, fewer than the minimum {min}")
            }
            (Msg::Pkcs1v15 { description }, Vi) => format!(
                "{description}: chữ ký RSA dùng PKCS#1 v1.5, trong khi Thông tư 15/2025/TT-BKHCN yêu cầu RSASSA-PSS"
            ),
            (Msg::Pkcs1v15 { description }, En) => {
                format!("{description}: RSA PKCS#1 v1.5 where TT 15/2025/TT-BKHCN asks for RSASSA-PSS")
            }
            (Msg::ValidatorAlgorithms { detail }, Vi) => format!("kiểm tra thuật toán không đạt: {detail}"),
            (Msg::ValidatorAlgorithms { detail }, En) => format!("the algorithm check failed: {detail}"),
            (Msg::LevelOk { level, required }, Vi) => format!("chữ ký PAdES mức {level} (yêu cầu tối thiểu {required})"),
            (Msg::LevelOk { level, required }, En) => format!("PAdES signature at level {level} (at least {required} required)"),
            (Msg::LevelTooLow { level, required }, Vi) => {
                format!("chữ ký PAdES mức {level}, thấp hơn mức yêu cầu {required}")
            }
            (Msg::LevelTooLow { level, required }, En) => {
                format!("PAdES level {level} is below the required {required}")
            }
            (Msg::NotPades { required }, Vi) => {
                format!("chữ ký không theo định dạng PAdES (ETSI.CAdES.detached), trong khi thủ tục yêu cầu mức {required}")
            }
            (Msg::NotPades { required }, En) => {
                format!("not a PAdES (ETSI.CAdES.detached) signature; the procedure requires level {required}")
            }
            (Msg::ComponentPresent { component, subject: Some(s) }, Vi) => {
                format!("thành phần \"{component}\" có trong hồ sơ và được ký bởi {s}")
            }
            (Msg::ComponentPresent { component, subject: Some(s) }, En) => {
                format!("component \"{component}\" is present and signed by {s}")
            }
            (Msg::ComponentPresent { component, subject: None }, Vi) => {
                format!("thành phần \"{component}\" có trong hồ sơ (không yêu cầu ký số)")
            }
            (Msg::ComponentPresent { component, subject: None }, En) => {
                format!("component \"{component}\" is present (no signature required)")
            }
            (Msg::ComponentMissing { component }, Vi) => {
                format!("thiếu thành phần hồ sơ bắt buộc \"{component}\"")
            }
            (Msg::ComponentMissing { component }, En) => format!("required component \"{component}\" is missing"),
            (Msg::ComponentOnPaper { component }, Vi) => format!(
                "thành phần \"{component}\" không có trong hồ sơ điện tử: phải nộp bản giấy (thủ tục một phần)"
            ),
            (Msg::ComponentOnPaper { component }, En) => format!(
                "component \"{component}\" is not in the electronic dossier: it must be delivered on paper (partly online procedure)"
            ),
            (Msg::ComponentNotSigned { component }, Vi) => format!("thành phần \"{component}\" chưa được ký số"),
            (Msg::ComponentNotSigned { component }, En) => format!("component \"{component}\" is not digitally signed"),
            (Msg::ComponentWrongSigner { component, expected, subject, actual }, Vi) => format!(
                "thành phần \"{component}\" phải do {} ký, nhưng người ký {subject} là {}",
                signer_kind_text(*expected, Vi),
                kind_text(*actual, Vi)
            ),
            (Msg::ComponentWrongSigner { component, expected, subject, actual }, En) => format!(
                "component \"{component}\" must be signed by {}, but the signer {subject} is {}",
                signer_kind_text(*expected, En),
                match actual {
                    CertKind::Individual => "an individual",
                    CertKind::Organisation => "an organisation",
                    CertKind::Unknown => "of unknown kind",
                }
            ),
            (Msg::ExtraFile { file }, Vi) => format!("tệp {file} không thuộc thành phần hồ sơ nào của thủ tục"),
            (Msg::ExtraFile { file }, En) => format!("file {file} is no component of the procedure"),
            (Msg::ScanSignedByOneStop { component, subject }, Vi) => {
                format!("bản quét \"{component}\" được công chức một cửa {subject} ký bằng chứng thư cá nhân")
            }
            (Msg::ScanSignedByOneStop { component, subject }, En) => format!(
                "the scan \"{component}\" is signed by the one-stop official {subject} with a personal certificate"
            ),
            (Msg::ScanNotSignedByOneStop { component, subject }, Vi) => format!(
                "bản quét \"{component}\" phải do công chức một cửa ký bằng chứng thư cá nhân; người ký: {subject}"
            ),
            (Msg::ScanNotSignedByOneStop { component, subject }, En) => format!(
                "the scan \"{component}\" must be signed by a one-stop official's personal certificate; signed by {subject}"
            ),
            (Msg::ExtraSignature { subject }, Vi) => {
                format!("chữ ký của {subject} không đóng vai trò nào trong thủ tục này")
            }
            (Msg::ExtraSignature { subject }, En) => format!("the signature by {subject} plays no role in this procedure"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse() {
        assert_eq!("vi".parse::<Lang>(), Ok(Lang::Vi));
        assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
        assert!("fr".parse::<Lang>().is_err());
        assert_eq!(Lang::default(), Lang::Vi);
    }

    #[test]
    fn messages_keep_diacritics() {
        let m = Msg::ComponentMissing {
            component: "Đơn đề nghị cấp giấy phép".into(),
        };
        assert_eq!(
            m.text(Lang::Vi),
            "thiếu thành phần hồ sơ bắt buộc \"Đơn đề nghị cấp giấy phép\""
        );
        assert_eq!(
            m.text(Lang::En),
            "required component \"Đơn đề nghị cấp giấy phép\" is missing"
        );
        assert_eq!(m.id(), "component-missing");
    }
}
