//! `kyso._kyso`: the Python extension module of the `kyso` package (see `python/kyso/` for
//! the Python side and `docs/python.md` for the guide).
//!
//! Like the CLI it uses only kyso's public API. Everything slow (validation, signing, policy
//! checks) runs with the GIL released (`Python::detach`), so Python threads verify in
//! parallel. Reports are kyso's own serialisation (`serde`), so `Report.to_dict()` has the
//! schema of `kyso verify --format json`, and `Validator.verify_record()` the columns of
//! `kyso verify --report` (the library's `VerifyRecord`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use pyo3::exceptions::{PyAttributeError, PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyMemoryView, PyTuple};

use kyso::batch::VerifyRecord;
use kyso::pki::{AiaFetcher, Certificate, TrustStore};
use kyso::policy::{Catalog, InputFile, Lang, Policy, PolicyOptions, Profiles};
use kyso::report::FileReport;
use kyso::revocation::{OnlineSource, RevocationPolicy};
use kyso::sign::external::{ExternalSigner, PendingSignature};
use kyso::sign::{KeySigner, SignOptions, SubFilterChoice};
use kyso::validate::{ValidationOptions, Validator as KysoValidator};
use kyso::{DigestAlgorithm, LevelOptions, PadesLevel, TsaClient};

// Rust's allocations in the extension (kyso's documents, reports, caches) go through mimalloc,
// as in the `kyso` binary; Python's objects keep Python's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// ---- Exceptions ----------------------------------------------------------------------------

pyo3::create_exception!(
    kyso,
    KysoError,
    PyException,
    "Base class of kyso's errors. A document that is not valid is a Report, never an error."
);
pyo3::create_exception!(
    kyso,
    CertificateError,
    KysoError,
    "A certificate (trust anchor, chain, signer) that cannot be read."
);
pyo3::create_exception!(
    kyso,
    SignError,
    KysoError,
    "Signing failed; nothing was produced."
);
pyo3::create_exception!(
    kyso,
    SigningKeyError,
    SignError,
    "The key or certificate of a signer cannot be loaded or used (wrong password, mismatched key, token error)."
);
pyo3::create_exception!(
    kyso,
    SignerCertificateError,
    SignError,
    "The signer's certificate may not sign now (expired, not yet valid, wrong key usage)."
);
pyo3::create_exception!(
    kyso,
    DocumentError,
    SignError,
    "The document cannot be signed as asked (not a PDF, field already signed, encrypted, bad signing state)."
);
pyo3::create_exception!(
    kyso,
    TimestampError,
    SignError,
    "Time-stamping failed (the TSA was unreachable, refused, or answered wrongly)."
);
pyo3::create_exception!(
    kyso,
    PolicyError,
    KysoError,
    "A dossier check could not be made (the catalog, a profile or the procedure code); a dossier that breaks rules is a PolicyReport, not an error."
);
pyo3::create_exception!(
    kyso,
    CatalogError,
    PolicyError,
    "The procedure catalog is malformed."
);
pyo3::create_exception!(
    kyso,
    ProfileError,
    PolicyError,
    "A trust profile is unknown or unusable."
);
pyo3::create_exception!(
    kyso,
    ProcedureError,
    PolicyError,
    "The procedure code is malformed, not in the catalog, or has no rules for the role."
);

fn sign_err(e: kyso::SignError) -> PyErr {
    use kyso::SignError as E;
    let msg = e.to_string();
    match e {
        E::Key(_) => SigningKeyError::new_err(msg),
        E::Certificate(_) => SignerCertificateError::new_err(msg),
        E::Document(_) | E::Pdf(_) | E::Appearance(_) => DocumentError::new_err(msg),
        E::Timestamp(_) => TimestampError::new_err(msg),
        _ => SignError::new_err(msg),
    }
}

fn cert_err(e: kyso::CertError) -> PyErr {
    CertificateError::new_err(e.to_string())
}

fn profile_err(e: kyso::policy::ProfileError) -> PyErr {
    ProfileError::new_err(e.to_string())
}

fn policy_err(e: kyso::policy::PolicyError) -> PyErr {
    use kyso::policy::PolicyError as E;
    let msg = e.to_string();
    match e {
        E::Catalog(_) => CatalogError::new_err(msg),
        E::Profile(_) => ProfileError::new_err(msg),
        E::BadProcedureCode { .. } | E::UnknownProcedure { .. } | E::NoResultRules { .. } => {
            ProcedureError::new_err(msg)
        }
        _ => PolicyError::new_err(msg),
    }
}

// ---- Arguments -------------------------------------------------------------------------------

/// A document or certificate given as bytes or as a path.
enum Input {
    Bytes(Vec<u8>),
    Path(PathBuf),
}

impl Input {
    fn from_py(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Input> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Input::Bytes(b.as_bytes().to_vec()));
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(Input::Bytes(b.to_vec()));
        }
        if obj.is_instance_of::<PyMemoryView>() {
            let b = obj.call_method0("tobytes")?;
            return Ok(Input::Bytes(b.cast::<PyBytes>()?.as_bytes().to_vec()));
        }
        obj.extract::<PathBuf>().map(Input::Path).map_err(|_| {
            PyTypeError::new_err(format!(
                "{what}: expected bytes or a path (str or os.PathLike), got {}",
                obj.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })
    }

    /// The bytes (reads a path; an I/O error becomes Python's `OSError` of its kind).
    fn read(self) -> PyResult<Vec<u8>> {
        match self {
            Input::Bytes(b) => Ok(b),
            Input::Path(p) => read_path(&p),
        }
    }
}

fn read_path(p: &Path) -> PyResult<Vec<u8>> {
    std::fs::read(p).map_err(|e| {
        let err = PyErr::from(e);
        // Keep the OSError subclass (FileNotFoundError, …) and name the file.
        Python::attach(|py| {
            let _ = err.value(py).setattr("filename", p.display().to_string());
        });
        err
    })
}

fn optional_input(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<Vec<u8>>> {
    obj.filter(|o| !o.is_none())
        .map(|o| Input::from_py(o, what)?.read())
        .transpose()
}

/// Certificates from a list of paths or PEM/DER bytes.
fn certificates(items: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Vec<Certificate>> {
    let mut out = Vec::new();
    let Some(items) = items.filter(|o| !o.is_none()) else {
        return Ok(out);
    };
    if items.cast::<PyBytes>().is_ok() || items.extract::<PathBuf>().is_ok() {
        // One certificate file or blob given alone.
        let data = Input::from_py(items, what)?.read()?;
        return Certificate::from_pem_or_der(&data).map_err(cert_err);
    }
    for item in items.try_iter()? {
        let data = Input::from_py(&item?, what)?.read()?;
        out.extend(Certificate::from_pem_or_der(&data).map_err(cert_err)?);
    }
    Ok(out)
}

/// A time: `datetime` (naive = local time, as Python's `timestamp()`), RFC 3339 text, or
/// Unix seconds.
fn time_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<i64>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    if let Ok(s) = obj.extract::<String>() {
        return kyso::time::parse_rfc3339(&s).map(Some).ok_or_else(|| {
            PyValueError::new_err(format!("at: cannot read {s:?} as an RFC 3339 time"))
        });
    }
    if obj.hasattr("timestamp")? {
        let t: f64 = obj.call_method0("timestamp")?.extract()?;
        return Ok(Some(t.floor() as i64));
    }
    if let Ok(t) = obj.extract::<i64>() {
        return Ok(Some(t));
    }
    if let Ok(t) = obj.extract::<f64>() {
        if t.is_finite() {
            return Ok(Some(t.floor() as i64));
        }
    }
    Err(PyTypeError::new_err(
        "at: expected a datetime, an RFC 3339 string or Unix seconds",
    ))
}

fn lang_arg(lang: &str) -> PyResult<Lang> {
    lang.parse::<Lang>().map_err(PyValueError::new_err)
}

fn digest_arg(d: &str) -> PyResult<DigestAlgorithm> {
    match d.to_ascii_lowercase().replace('-', "").as_str() {
        "sha256" => Ok(DigestAlgorithm::Sha256),
        "sha384" => Ok(DigestAlgorithm::Sha384),
        "sha512" => Ok(DigestAlgorithm::Sha512),
        _ => Err(PyValueError::new_err(format!(
            "digest: {d:?} is not one of \"sha256\", \"sha384\", \"sha512\""
        ))),
    }
}

// ---- JSON values as Python objects -----------------------------------------------------------

fn to_py(py: Python<'_>, v: &serde_json::Value) -> PyResult<Py<PyAny>> {
    use serde_json::Value;
    Ok(match v {
        Value::Null => py.None(),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                n.as_f64()
                    .unwrap_or(f64::NAN)
                    .into_pyobject(py)?
                    .into_any()
                    .unbind()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any().unbind(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(to_py(py, x)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(m) => map_to_py(py, m)?.into_any().unbind(),
    })
}

fn map_to_py<'py>(
    py: Python<'py>,
    m: &serde_json::Map<String, serde_json::Value>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, x) in m {
        d.set_item(k, to_py(py, x)?)?;
    }
    Ok(d)
}

/// A value's JSON: the text (fields in their struct's order, as the CLI prints it) and the
/// same as a map, for attribute lookup.
struct Json {
    text: String,
    map: serde_json::Map<String, serde_json::Value>,
}

impl Json {
    fn of<T: serde::Serialize>(t: &T) -> PyResult<Json> {
        let internal = |e: serde_json::Error| KysoError::new_err(format!("internal: {e}"));
        let text = serde_json::to_string(t).map_err(internal)?;
        match serde_json::from_str(&text).map_err(internal)? {
            serde_json::Value::Object(map) => Ok(Json { text, map }),
            _ => Err(KysoError::new_err(
                "internal: a report is not a JSON object",
            )),
        }
    }

    /// As a dict, keys in the CLI's order (Python's `json.loads` of the text).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = py
            .import("json")?
            .call_method1("loads", (self.text.as_str(),))?;
        Ok(d.cast_into::<PyDict>()?)
    }

    fn to_json(&self, py: Python<'_>, indent: Option<usize>) -> PyResult<String> {
        match indent {
            None => Ok(self.text.clone()),
            Some(_) => dumps(py, self.to_dict(py)?.into_any().unbind(), indent),
        }
    }

    /// A field as an attribute: absent optional fields are None.
    fn attr(
        &self,
        py: Python<'_>,
        name: &str,
        optional: &[&str],
        kind: &str,
    ) -> PyResult<Py<PyAny>> {
        match self.map.get(name) {
            Some(v) => to_py(py, v),
            None if optional.contains(&name) => Ok(py.None()),
            None => Err(PyAttributeError::new_err(format!(
                "'{kind}' object has no attribute '{name}'"
            ))),
        }
    }

    fn str_field(&self, name: &str) -> &str {
        self.map.get(name).and_then(|v| v.as_str()).unwrap_or("")
    }
}

fn dumps(py: Python<'_>, obj: Py<PyAny>, indent: Option<usize>) -> PyResult<String> {
    let json = py.import("json")?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("ensure_ascii", false)?;
    if let Some(i) = indent {
        kwargs.set_item("indent", i)?;
    }
    json.call_method("dumps", (obj,), Some(&kwargs))?.extract()
}

// ---- Report ----------------------------------------------------------------------------------

/// Optional fields (absent from the JSON when empty): None as attributes.
const REPORT_OPTIONAL: &[&str] = &["sub_indication"];
const SIGNATURE_OPTIONAL: &[&str] = &[
    "sub_indication",
    "reason",
    "location",
    "contact_info",
    "name",
    "docmdp_level",
];
const CHECK_OPTIONAL: &[&str] = &["sub_indication"];

/// The report on one file. Attributes are the fields of `kyso verify --format json`.
#[pyclass(frozen, module = "kyso", name = "Report")]
struct Report {
    /// As validated (English: what batch records are made of, as in `kyso verify --report`).
    report: Arc<FileReport>,
    lang: Lang,
    bytes: u64,
    ms: f64,
    /// The report in `lang` (made on first use).
    localized: OnceLock<FileReport>,
    json: OnceLock<Json>,
}

impl Report {
    fn new(report: FileReport, lang: Lang, bytes: u64, ms: f64) -> Self {
        Report {
            report: Arc::new(report),
            lang,
            bytes,
            ms,
            localized: OnceLock::new(),
            json: OnceLock::new(),
        }
    }

    fn localized(&self) -> &FileReport {
        if self.lang == Lang::En {
            return &self.report;
        }
        self.localized.get_or_init(|| {
            let mut r = (*self.report).clone();
            kyso::report::localize(&mut r, self.lang);
            r
        })
    }

    fn json(&self) -> PyResult<&Json> {
        if let Some(j) = self.json.get() {
            return Ok(j);
        }
        let j = Json::of(self.localized())?;
        Ok(self.json.get_or_init(|| j))
    }
}

#[pymethods]
impl Report {
    /// Whether the file is valid: at least one signature, every signature TOTAL-PASSED,
    /// and no file-level finding failed.
    #[getter]
    fn valid(&self) -> bool {
        self.report.valid
    }

    /// The file as given (the path, or the `name` given with bytes).
    #[getter]
    fn file(&self) -> &str {
        &self.report.file
    }

    /// `TOTAL-PASSED`, `TOTAL-FAILED` or `INDETERMINATE`.
    #[getter]
    fn indication(&self) -> &'static str {
        self.report.indication.as_str()
    }

    /// The ETSI sub-indication that decided the verdict (`HASH_FAILURE`, …), or None.
    #[getter]
    fn sub_indication(&self) -> Option<String> {
        self.report
            .sub_indication
            .map(kyso::batch::sub_indication_str)
    }

    /// The signatures, in revision order.
    #[getter]
    fn signatures(&self, py: Python<'_>) -> PyResult<Vec<Py<Signature>>> {
        self.localized()
            .signatures
            .iter()
            .map(|s| {
                Py::new(
                    py,
                    Signature {
                        json: Json::of(s)?,
                        checks: s.checks.iter().map(Json::of).collect::<PyResult<_>>()?,
                    },
                )
            })
            .collect()
    }

    /// File-level findings (trailing bytes, not a PDF, …).
    #[getter]
    fn findings(&self, py: Python<'_>) -> PyResult<Vec<Py<Part>>> {
        self.localized()
            .findings
            .iter()
            .map(|f| {
                Py::new(
                    py,
                    Part {
                        json: Json::of(f)?,
                        kind: "Finding",
                    },
                )
            })
            .collect()
    }

    /// Size of the file in bytes.
    #[getter]
    fn size(&self) -> u64 {
        self.bytes
    }

    /// Time spent validating, in milliseconds.
    #[getter]
    fn ms(&self) -> f64 {
        self.ms
    }

    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        self.json()?.attr(py, name, REPORT_OPTIONAL, "Report")
    }

    /// The report as a dict: exactly the JSON object of `kyso verify --format json`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.json()?.to_dict(py)
    }

    /// The report as JSON text: the line `kyso verify --format json` prints (`indent` for
    /// pretty printing).
    #[pyo3(signature = (indent=None))]
    fn to_json(&self, py: Python<'_>, indent: Option<usize>) -> PyResult<String> {
        self.json()?.to_json(py, indent)
    }

    /// The report as text for people (as `kyso verify` prints it).
    fn to_text(&self) -> String {
        kyso::report::render_text_lang(&self.report, self.lang)
    }

    /// The report's line of a batch report: the columns of `kyso verify --report` (file,
    /// status, indication, sub_indication, reason, message, signatures, signers,
    /// signer_sha256, bytes, ms).
    fn to_record<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let rec = VerifyRecord::from_report(&self.report, self.bytes, self.ms, false);
        Json::of(&rec)?.to_dict(py)
    }

    fn __bool__(&self) -> bool {
        self.report.valid
    }

    fn __repr__(&self) -> String {
        format!(
            "<kyso.Report {:?} {}{}: {}>",
            self.report.file,
            self.report.indication.as_str(),
            self.sub_indication()
                .map(|s| format!("/{s}"))
                .unwrap_or_default(),
            self.report.summary
        )
    }

    fn __str__(&self) -> String {
        self.to_text()
    }
}

/// One signature of a report; attributes are its fields in the JSON report.
#[pyclass(frozen, module = "kyso", name = "Signature")]
struct Signature {
    json: Json,
    checks: Vec<Json>,
}

#[pymethods]
impl Signature {
    /// The checks of this signature.
    #[getter]
    fn checks(&self, py: Python<'_>) -> PyResult<Vec<Py<Part>>> {
        self.checks
            .iter()
            .map(|c| {
                Py::new(
                    py,
                    Part {
                        json: Json {
                            text: c.text.clone(),
                            map: c.map.clone(),
                        },
                        kind: "Check",
                    },
                )
            })
            .collect()
    }

    /// Whether this signature is TOTAL-PASSED.
    #[getter]
    fn valid(&self) -> bool {
        self.json.str_field("indication") == "TOTAL-PASSED"
    }

    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        self.json.attr(py, name, SIGNATURE_OPTIONAL, "Signature")
    }

    /// The signature as a dict (its object in the JSON report).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.json.to_dict(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "<kyso.Signature {:?} {}>",
            self.json.str_field("field"),
            self.json.str_field("indication")
        )
    }
}

/// A check of a signature, or a finding of a file: `id`, `status`, `message`
/// (and `sub_indication` for checks).
#[pyclass(frozen, module = "kyso", name = "Check")]
struct Part {
    json: Json,
    kind: &'static str,
}

#[pymethods]
impl Part {
    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        self.json.attr(py, name, CHECK_OPTIONAL, self.kind)
    }

    /// As a dict (its object in the JSON report).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.json.to_dict(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "<kyso.{} {} {}>",
            self.kind,
            self.json.str_field("id"),
            self.json.str_field("status")
        )
    }
}

// ---- Validator -------------------------------------------------------------------------------

/// Verifies PDF files. Make one and reuse it: it keeps kyso's certificate and path caches
/// across calls and threads.
#[pyclass(frozen, module = "kyso", name = "Validator")]
struct Validator {
    inner: KysoValidator,
    lang: Lang,
}

impl Validator {
    /// The validator for a call: this one, or one at another time.
    fn at_time(&self, at: Option<i64>) -> std::borrow::Cow<'_, KysoValidator> {
        match at {
            Some(t) if self.inner.options().validation_time != Some(t) => {
                let mut opts = self.inner.options().clone();
                opts.validation_time = Some(t);
                std::borrow::Cow::Owned(KysoValidator::new(opts))
            }
            _ => std::borrow::Cow::Borrowed(&self.inner),
        }
    }
}

/// Validates one input with the GIL released: (report, size, ms).
fn validate(
    py: Python<'_>,
    v: &KysoValidator,
    input: Input,
    name: Option<String>,
) -> std::io::Result<(FileReport, u64, f64)> {
    py.detach(|| {
        let t = Instant::now();
        let (report, bytes) = match input {
            Input::Bytes(b) => {
                let name = name.unwrap_or_else(|| "<bytes>".into());
                (v.validate_bytes(&name, &b), b.len() as u64)
            }
            Input::Path(p) => {
                let mut r = v.validate_file(&p)?;
                if let Some(n) = name {
                    r.file = n;
                }
                (r, std::fs::metadata(&p).map_or(0, |m| m.len()))
            }
        };
        Ok((report, bytes, t.elapsed().as_secs_f64() * 1e3))
    })
}

#[pymethods]
impl Validator {
    #[new]
    #[pyo3(signature = (trust=None, *, profiles=None, certs=None, revocation="soft-fail", offline=false, at=None, allow_form_filling=false, trust_dir=None, lang="en", password=None, rendering="changed"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        trust: Option<&Bound<'_, PyAny>>,
        profiles: Option<Vec<String>>,
        certs: Option<&Bound<'_, PyAny>>,
        revocation: &str,
        offline: bool,
        at: Option<&Bound<'_, PyAny>>,
        allow_form_filling: bool,
        trust_dir: Option<PathBuf>,
        lang: &str,
        password: Option<String>,
        rendering: &str,
    ) -> PyResult<Self> {
        let mut store = TrustStore::new();
        for c in certificates(trust, "trust")? {
            store.add(c);
        }
        let mut extra = certificates(certs, "certs")?;
        let profiles = profiles.unwrap_or_default();
        if !profiles.is_empty() {
            let dir = trust_dir.or_else(|| {
                std::env::var_os("KYSO_TRUST_DIR")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            });
            let all = match dir {
                Some(d) => Profiles::load_dir(&d).map_err(profile_err)?,
                None => Profiles::bundled(),
            };
            let names: Vec<&str> = profiles.iter().map(String::as_str).collect();
            let (t, intermediates) = all.trust_material(&names).map_err(profile_err)?;
            for c in t.anchors() {
                store.add(c.clone());
            }
            extra.extend(intermediates);
        }
        let revocation_policy = match revocation {
            "require" => RevocationPolicy::Require,
            "soft-fail" | "soft_fail" => RevocationPolicy::SoftFail,
            "off" => RevocationPolicy::Off,
            other => {
                return Err(PyValueError::new_err(format!(
                    "revocation: {other:?} is not one of \"require\", \"soft-fail\", \"off\""
                )))
            }
        };
        let rendering = match rendering {
            "changed" => kyso::RenderCheck::Changed,
            "all" => kyso::RenderCheck::AllPages,
            "off" => kyso::RenderCheck::Off,
            other => {
                return Err(PyValueError::new_err(format!(
                    "rendering: {other:?} is not one of \"changed\", \"all\", \"off\""
                )))
            }
        };
        let inner = KysoValidator::new(ValidationOptions {
            trust: store,
            extra_certificates: extra,
            validation_time: time_arg(at)?,
            allow_form_filling,
            revocation_policy,
            revocation_source: if offline {
                None
            } else {
                Some(Arc::new(OnlineSource::default()) as Arc<dyn kyso::RevocationSource>)
            },
            issuer_source: if offline {
                None
            } else {
                Some(Arc::new(AiaFetcher::default()) as Arc<dyn kyso::IssuerSource>)
            },
            // Encrypted documents that the empty password does not open.
            document_password: password.map(kyso::DocumentPassword::new),
            rendering,
        });
        Ok(Validator {
            inner,
            lang: lang_arg(lang)?,
        })
    }

    /// Verifies a document given as bytes or as a path. Returns a Report whether or not the
    /// document is valid; raises OSError only when a path cannot be read.
    #[pyo3(signature = (document, *, at=None, name=None))]
    fn verify(
        &self,
        py: Python<'_>,
        document: &Bound<'_, PyAny>,
        at: Option<&Bound<'_, PyAny>>,
        name: Option<String>,
    ) -> PyResult<Report> {
        let input = Input::from_py(document, "document")?;
        let path = match &input {
            Input::Path(p) => Some(p.clone()),
            Input::Bytes(_) => None,
        };
        let v = self.at_time(time_arg(at)?);
        let (report, bytes, ms) = validate(py, &v, input, name).map_err(|e| {
            let err = PyErr::from(e);
            if let Some(p) = path {
                let _ = err.value(py).setattr("filename", p.display().to_string());
            }
            err
        })?;
        Ok(Report::new(report, self.lang, bytes, ms))
    }

    /// Verifies a document and returns its line of a batch report (a dict with the columns
    /// of `kyso verify --report`). A file that cannot be read gives a record with status
    /// `error`, as in a batch, not an exception.
    #[pyo3(signature = (document, *, at=None, name=None))]
    fn verify_record<'py>(
        &self,
        py: Python<'py>,
        document: &Bound<'py, PyAny>,
        at: Option<&Bound<'py, PyAny>>,
        name: Option<String>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let input = Input::from_py(document, "document")?;
        let shown = match (&name, &input) {
            (Some(n), _) => n.clone(),
            (None, Input::Path(p)) => p.display().to_string(),
            (None, Input::Bytes(_)) => "<bytes>".into(),
        };
        let v = self.at_time(time_arg(at)?);
        let t = Instant::now();
        let rec = match validate(py, &v, input, name) {
            Ok((report, bytes, ms)) => VerifyRecord::from_report(&report, bytes, ms, false),
            Err(e) => VerifyRecord::from_error(shown, &e, t.elapsed().as_secs_f64() * 1e3),
        };
        Json::of(&rec)?.to_dict(py)
    }

    /// The validation time this validator uses (RFC 3339), or None for "now".
    #[getter]
    fn at(&self) -> Option<String> {
        self.inner
            .options()
            .validation_time
            .map(kyso::time::format_rfc3339)
    }

    /// The number of trust anchors.
    #[getter]
    fn anchors(&self) -> usize {
        self.inner.options().trust.anchors().len()
    }

    fn __repr__(&self) -> String {
        let o = self.inner.options();
        format!(
            "<kyso.Validator anchors={} revocation={:?} offline={}>",
            o.trust.anchors().len(),
            serde_json::to_value(o.revocation_policy)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            o.revocation_source.is_none()
        )
    }
}

// ---- Signing ---------------------------------------------------------------------------------

/// A signing key with its certificate chain: a PKCS#12 file, PEM files, or a key on a
/// PKCS#11 token or HSM.
#[pyclass(frozen, module = "kyso", name = "Signer")]
struct Signer {
    inner: Arc<dyn kyso::Signer>,
}

#[pymethods]
impl Signer {
    /// A signer from a PKCS#12 (.p12/.pfx) file or its bytes.
    #[staticmethod]
    #[pyo3(signature = (p12, password, *, digest="sha256", pss=false))]
    fn from_pkcs12(
        p12: &Bound<'_, PyAny>,
        password: &str,
        digest: &str,
        pss: bool,
    ) -> PyResult<Self> {
        let d = digest_arg(digest)?;
        let data = Input::from_py(p12, "p12")?.read()?;
        let s = KeySigner::from_pkcs12(&data, password)
            .and_then(|s| s.with_algorithm(d, pss))
            .map_err(sign_err)?;
        Ok(Signer { inner: Arc::new(s) })
    }

    /// A signer from a PEM private key and certificate (paths or bytes), with an optional
    /// PEM chain (intermediates, root).
    #[staticmethod]
    #[pyo3(signature = (key, cert, chain=None, *, digest="sha256", pss=false))]
    fn from_pem(
        key: &Bound<'_, PyAny>,
        cert: &Bound<'_, PyAny>,
        chain: Option<&Bound<'_, PyAny>>,
        digest: &str,
        pss: bool,
    ) -> PyResult<Self> {
        let d = digest_arg(digest)?;
        let key = Input::from_py(key, "key")?.read()?;
        let cert = Input::from_py(cert, "cert")?.read()?;
        let chain = optional_input(chain, "chain")?;
        let s = KeySigner::from_pem(&key, &cert, chain.as_deref())
            .and_then(|s| s.with_algorithm(d, pss))
            .map_err(sign_err)?;
        Ok(Signer { inner: Arc::new(s) })
    }

    /// A signer for a key on a PKCS#11 token or HSM (e.g. SoftHSM, a USB token).
    #[staticmethod]
    #[pyo3(signature = (module, *, pin=None, token_label=None, slot=None, key_label=None, key_id=None, chain=None, digest="sha256", pss=false))]
    #[allow(clippy::too_many_arguments)]
    fn from_pkcs11(
        py: Python<'_>,
        module: PathBuf,
        pin: Option<String>,
        token_label: Option<String>,
        slot: Option<u64>,
        key_label: Option<String>,
        key_id: Option<&Bound<'_, PyAny>>,
        chain: Option<&Bound<'_, PyAny>>,
        digest: &str,
        pss: bool,
    ) -> PyResult<Self> {
        let key_id = match key_id.filter(|k| !k.is_none()) {
            None => None,
            Some(k) => match k.extract::<String>() {
                Ok(h) => Some(
                    kyso::sign::external::decode_hex(&h.replace(':', "")).ok_or_else(|| {
                        PyValueError::new_err(format!("key_id: {h:?} is not hex"))
                    })?,
                ),
                Err(_) => Some(k.extract::<Vec<u8>>()?),
            },
        };
        let opts = kyso::Pkcs11Options {
            slot,
            token_label,
            key_label,
            key_id,
            digest: digest_arg(digest)?,
            pss,
            chain: certificates(chain, "chain")?,
            ..kyso::Pkcs11Options::default()
        };
        let signer = py
            .detach(|| {
                kyso::Pkcs11Module::load(&module).and_then(|m| m.signer(&opts, pin.as_deref()))
            })
            .map_err(sign_err)?;
        Ok(Signer {
            inner: Arc::new(signer),
        })
    }

    /// The signer's certificate subject.
    #[getter]
    fn subject(&self) -> String {
        self.inner.certificate().subject().to_string()
    }

    /// The signer's certificate, DER.
    #[getter]
    fn certificate<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.certificate().der())
    }

    fn __repr__(&self) -> String {
        format!("<kyso.Signer {:?}>", self.subject())
    }
}

fn level_arg(level: &str) -> PyResult<PadesLevel> {
    PadesLevel::parse(level).ok_or_else(|| {
        PyValueError::new_err(format!(
            "level: {level:?} is not one of \"B-B\", \"B-T\", \"B-LT\", \"B-LTA\""
        ))
    })
}

fn subfilter_arg(s: &str) -> PyResult<SubFilterChoice> {
    match s {
        "pades" | "ETSI.CAdES.detached" => Ok(SubFilterChoice::Pades),
        "pkcs7" | "adbe.pkcs7.detached" => Ok(SubFilterChoice::Pkcs7),
        _ => Err(PyValueError::new_err(format!(
            "subfilter: {s:?} is not \"pades\" or \"pkcs7\""
        ))),
    }
}

/// Signing options shared by `sign` and `prepare`.
#[allow(clippy::too_many_arguments)]
fn sign_options(
    field: Option<String>,
    reason: Option<String>,
    location: Option<String>,
    contact_info: Option<String>,
    name: Option<String>,
    subfilter: &str,
    certify: Option<u8>,
    signing_time: Option<&Bound<'_, PyAny>>,
) -> PyResult<SignOptions> {
    if certify.is_some_and(|c| !(1..=3).contains(&c)) {
        return Err(PyValueError::new_err("certify: 1, 2 or 3"));
    }
    Ok(SignOptions {
        field,
        reason,
        location,
        contact_info,
        name,
        sub_filter: subfilter_arg(subfilter)?,
        signing_time: time_arg(signing_time)?,
        certify,
        ..SignOptions::default()
    })
}

/// Signs a PDF (bytes or a path) and returns the signed PDF's bytes (the input is never
/// modified).
#[pyfunction]
#[pyo3(signature = (document, signer, *, level="B-B", tsa=None, tsa_trust=None, tsa_timeout=60.0, field=None, reason=None, location=None, contact_info=None, name=None, subfilter="pades", certify=None, signing_time=None, revocation_check=true))]
#[allow(clippy::too_many_arguments)]
fn sign<'py>(
    py: Python<'py>,
    document: &Bound<'py, PyAny>,
    signer: &Signer,
    level: &str,
    tsa: Option<String>,
    tsa_trust: Option<&Bound<'py, PyAny>>,
    tsa_timeout: f64,
    field: Option<String>,
    reason: Option<String>,
    location: Option<String>,
    contact_info: Option<String>,
    name: Option<String>,
    subfilter: &str,
    certify: Option<u8>,
    signing_time: Option<&Bound<'py, PyAny>>,
    revocation_check: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let level = level_arg(level)?;
    let opts = sign_options(
        field,
        reason,
        location,
        contact_info,
        name,
        subfilter,
        certify,
        signing_time,
    )?;
    if tsa.is_some() && level < PadesLevel::BT {
        return Err(PyValueError::new_err("tsa needs level B-T, B-LT or B-LTA"));
    }
    if !(tsa_timeout.is_finite() && tsa_timeout >= 1.0) {
        return Err(PyValueError::new_err(
            "tsa_timeout must be at least 1 second",
        ));
    }
    let tsa = match tsa {
        None => None,
        Some(url) => {
            let mut c =
                TsaClient::with_timeout(&url, std::time::Duration::from_secs_f64(tsa_timeout));
            let anchors = certificates(tsa_trust, "tsa_trust")?;
            if !anchors.is_empty() {
                let mut store = TrustStore::new();
                for a in anchors {
                    store.add(a);
                }
                c.trust = Some(store);
            }
            Some(c)
        }
    };
    let lvl = LevelOptions {
        level,
        tsa,
        revocation: Some(Arc::new(OnlineSource::default())),
        skip_revocation_check: !revocation_check,
        extra_certificates: Vec::new(),
    };
    let input = Input::from_py(document, "document")?.read()?;
    let inner = signer.inner.clone();
    let out = py
        .detach(|| kyso::sign::levels::sign(&input, inner.as_ref(), &opts, &lvl))
        .map_err(sign_err)?;
    Ok(PyBytes::new(py, &out.pdf))
}

/// The first phase of two-phase signing: the prepared PDF, and what to sign.
#[pyclass(frozen, module = "kyso", name = "Prepared")]
struct Prepared {
    pdf: Vec<u8>,
    state: PendingSignature,
}

#[pymethods]
impl Prepared {
    /// The prepared PDF (keep it as it is for `finish`).
    #[getter]
    fn pdf<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.pdf)
    }
    /// The signing state as JSON (not secret; `finish` checks it against the PDF).
    #[getter]
    fn state(&self) -> String {
        self.state.to_json()
    }
    /// The digest a digest-signing service signs (of the signed attributes).
    #[getter]
    fn digest<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.state.to_be_signed_digest)
    }
    /// The signed attributes (DER): the message a raw signature is computed over.
    #[getter]
    fn signed_attributes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.state.signed_attributes)
    }
    /// The digest algorithm (`sha256`, …).
    #[getter]
    fn digest_algorithm(&self) -> &'static str {
        self.state.digest_algorithm.name()
    }
    /// The signature scheme (e.g. `rsa-pkcs1v15-sha256`).
    #[getter]
    fn scheme(&self) -> String {
        self.state.scheme.name()
    }
    fn __repr__(&self) -> String {
        format!(
            "<kyso.Prepared {} bytes, sign {} with {}>",
            self.pdf.len(),
            self.state.digest_algorithm.name(),
            self.state.scheme.name()
        )
    }
}

/// Two-phase signing, phase 1: prepares the PDF for a signer whose key is elsewhere (a
/// remote signing service, an HSM behind an API) from the signer's certificate alone.
#[pyfunction]
#[pyo3(signature = (document, certificate, *, chain=None, digest="sha256", pss=false, reserve=0, field=None, reason=None, location=None, contact_info=None, name=None, subfilter="pades", certify=None, signing_time=None))]
#[allow(clippy::too_many_arguments)]
fn prepare(
    py: Python<'_>,
    document: &Bound<'_, PyAny>,
    certificate: &Bound<'_, PyAny>,
    chain: Option<&Bound<'_, PyAny>>,
    digest: &str,
    pss: bool,
    reserve: usize,
    field: Option<String>,
    reason: Option<String>,
    location: Option<String>,
    contact_info: Option<String>,
    name: Option<String>,
    subfilter: &str,
    certify: Option<u8>,
    signing_time: Option<&Bound<'_, PyAny>>,
) -> PyResult<Prepared> {
    let opts = sign_options(
        field,
        reason,
        location,
        contact_info,
        name,
        subfilter,
        certify,
        signing_time,
    )?;
    let mut certs = certificates(Some(certificate), "certificate")?;
    if certs.is_empty() {
        return Err(CertificateError::new_err("certificate: no certificate"));
    }
    let cert = certs.remove(0);
    certs.extend(certificates(chain, "chain")?);
    let d = digest_arg(digest)?;
    let signer = ExternalSigner::new(cert, certs)
        .and_then(|s| s.with_algorithm(d, pss))
        .map_err(sign_err)?
        .with_extra_capacity(reserve);
    let input = Input::from_py(document, "document")?.read()?;
    let prepared = py
        .detach(|| kyso::sign::external::prepare_external(&input, &signer, &opts))
        .map_err(sign_err)?;
    Ok(Prepared {
        pdf: prepared.pdf,
        state: prepared.state,
    })
}

/// Two-phase signing, phase 2: embeds the signature (over the signed attributes: raw bytes,
/// or text in hex, base64 or PEM, or a `pathlib.Path` to a file of those; or a complete
/// CMS) into the prepared PDF and returns the signed PDF.
#[pyfunction]
#[pyo3(signature = (prepared, signature, state=None))]
fn finish<'py>(
    py: Python<'py>,
    prepared: &Bound<'py, PyAny>,
    signature: &Bound<'py, PyAny>,
    state: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let (pdf, state) = if let Ok(p) = prepared.cast::<Prepared>() {
        let p = p.get();
        (p.pdf.clone(), p.state.clone())
    } else {
        let pdf = Input::from_py(prepared, "prepared")?.read()?;
        let Some(state) = state.filter(|s| !s.is_none()) else {
            return Err(PyTypeError::new_err(
                "finish: give the Prepared object, or the prepared PDF and its state",
            ));
        };
        let text = match state.extract::<String>() {
            Ok(s) => s,
            Err(_) => String::from_utf8(Input::from_py(state, "state")?.read()?)
                .map_err(|_| DocumentError::new_err("state: not a kyso signing state"))?,
        };
        (pdf, PendingSignature::from_json(&text).map_err(sign_err)?)
    };
    // Text is the signature itself (hex, base64 or PEM); a path object names a file.
    let raw = match signature.extract::<String>() {
        Ok(text) => text.into_bytes(),
        Err(_) => Input::from_py(signature, "signature")?.read()?,
    };
    let sig = kyso::sign::external::decode_signature_file(&raw);
    let signed = py
        .detach(|| kyso::sign::external::finish_external(&pdf, &state, &sig))
        .map_err(sign_err)?;
    Ok(PyBytes::new(py, &signed))
}

// ---- Dossier checks --------------------------------------------------------------------------

/// The result of a dossier check: compliant or not, rule by rule. Attributes are the fields
/// of `kyso check --format json`.
#[pyclass(frozen, module = "kyso", name = "PolicyReport")]
struct PolicyReport {
    report: kyso::policy::PolicyReport,
    json: Json,
}

#[pymethods]
impl PolicyReport {
    /// Whether the dossier complies with the procedure.
    #[getter]
    fn compliant(&self) -> bool {
        self.report.is_compliant()
    }

    /// The identifiers of the rules that failed.
    #[getter]
    fn failed_rules(&self) -> Vec<&'static str> {
        self.report.failed_rules()
    }

    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        self.json.attr(py, name, &[], "PolicyReport")
    }

    /// As a dict: the JSON object of `kyso check --format json`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.json.to_dict(py)
    }

    /// As JSON text.
    #[pyo3(signature = (indent=None))]
    fn to_json(&self, py: Python<'_>, indent: Option<usize>) -> PyResult<String> {
        self.json.to_json(py, indent)
    }

    /// As text for people (`verbose` lists the rules that passed too).
    #[pyo3(signature = (verbose=false))]
    fn to_text(&self, verbose: bool) -> String {
        kyso::policy::render_text(&self.report, verbose)
    }

    fn __bool__(&self) -> bool {
        self.report.is_compliant()
    }

    fn __repr__(&self) -> String {
        format!(
            "<kyso.PolicyReport compliant={} failed={:?}>",
            self.report.is_compliant(),
            self.report.failed_rules()
        )
    }
}

/// A dossier's files: paths (directories give their `*.pdf` files, sorted), bytes, or
/// `(name, bytes)` pairs.
fn dossier(files: &Bound<'_, PyAny>) -> PyResult<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut add = |item: &Bound<'_, PyAny>, i: usize| -> PyResult<()> {
        if let Ok(t) = item.cast::<PyTuple>() {
            if t.len() == 2 {
                let name: String = t.get_item(0)?.extract()?;
                let data = Input::from_py(&t.get_item(1)?, "files")?.read()?;
                out.push((name, data));
                return Ok(());
            }
        }
        match Input::from_py(item, "files")? {
            Input::Bytes(b) => out.push((format!("file-{}.pdf", i + 1), b)),
            Input::Path(p) if p.is_dir() => {
                let mut found: Vec<PathBuf> = std::fs::read_dir(&p)?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|f| {
                        f.is_file() && f.extension().is_some_and(|x| x.eq_ignore_ascii_case("pdf"))
                    })
                    .collect();
                found.sort();
                if found.is_empty() {
                    return Err(PyValueError::new_err(format!(
                        "{}: no *.pdf files in the directory",
                        p.display()
                    )));
                }
                for f in found {
                    let data = read_path(&f)?;
                    out.push((f.display().to_string(), data));
                }
            }
            Input::Path(p) => {
                let data = read_path(&p)?;
                out.push((p.display().to_string(), data));
            }
        }
        Ok(())
    };
    if files.extract::<PathBuf>().is_ok() || files.cast::<PyBytes>().is_ok() {
        add(files, 0)?;
    } else {
        for (i, item) in files.try_iter()?.enumerate() {
            add(&item?, i)?;
        }
    }
    Ok(out)
}

/// Anchors per profile: `{"vn-gov": [paths or PEM/DER bytes], …}`.
fn profile_anchors(
    arg: Option<&Bound<'_, PyDict>>,
    profiles: &mut Profiles,
    replace: bool,
) -> PyResult<()> {
    let Some(d) = arg else { return Ok(()) };
    for (k, v) in d.iter() {
        let name: String = k.extract()?;
        let items: Vec<Bound<'_, PyAny>> =
            if v.cast::<PyBytes>().is_ok() || v.extract::<PathBuf>().is_ok() {
                vec![v]
            } else {
                v.try_iter()?.collect::<PyResult<_>>()?
            };
        for (i, item) in items.iter().enumerate() {
            let data = Input::from_py(item, "anchors")?.read()?;
            let r = if replace && i == 0 {
                profiles.replace_anchors(&name, &data)
            } else {
                profiles.add_anchors(&name, &data)
            };
            r.map_err(profile_err)?;
        }
    }
    Ok(())
}

/// Checks a dossier (a submission or a result) against a procedure of a catalog.
#[pyfunction]
#[pyo3(signature = (files, procedure, role, *, catalog=None, lang="vi", at=None, allow_form_filling=false, add_anchors=None, replace_anchors=None))]
#[allow(clippy::too_many_arguments)]
fn check(
    py: Python<'_>,
    files: &Bound<'_, PyAny>,
    procedure: String,
    role: &str,
    catalog: Option<&Bound<'_, PyAny>>,
    lang: &str,
    at: Option<&Bound<'_, PyAny>>,
    allow_form_filling: bool,
    add_anchors: Option<&Bound<'_, PyDict>>,
    replace_anchors: Option<&Bound<'_, PyDict>>,
) -> PyResult<PolicyReport> {
    let result = match role {
        "submission" => false,
        "result" => true,
        _ => {
            return Err(PyValueError::new_err(format!(
                "role: {role:?} is not \"submission\" or \"result\""
            )))
        }
    };
    let catalog = match catalog.filter(|c| !c.is_none()) {
        None => Catalog::example().map_err(|e| CatalogError::new_err(e.to_string()))?,
        Some(c) => match Input::from_py(c, "catalog")? {
            Input::Path(p) => {
                Catalog::from_path(&p).map_err(|e| CatalogError::new_err(e.to_string()))?
            }
            Input::Bytes(b) => {
                let text = String::from_utf8(b)
                    .map_err(|_| CatalogError::new_err("catalog: not UTF-8 TOML"))?;
                Catalog::from_toml(&text, "<catalog>")
                    .map_err(|e| CatalogError::new_err(e.to_string()))?
            }
        },
    };
    let mut profiles = Profiles::bundled();
    profile_anchors(replace_anchors, &mut profiles, true)?;
    profile_anchors(add_anchors, &mut profiles, false)?;
    let options = PolicyOptions {
        lang: lang_arg(lang)?,
        validation_time: time_arg(at)?,
        allow_form_filling,
    };
    let contents = dossier(files)?;
    let policy = Policy::new(catalog, profiles).with_options(options);
    let report = py
        .detach(|| {
            let inputs: Vec<InputFile<'_>> =
                contents.iter().map(|(n, b)| InputFile::new(n, b)).collect();
            if result {
                policy.check_result(&procedure, &inputs)
            } else {
                policy.check_submission(&procedure, &inputs)
            }
        })
        .map_err(policy_err)?;
    let json = Json::of(&report)?;
    Ok(PolicyReport { report, json })
}

/// The version of kyso this module was built from.
const VERSION: &str = env!("CARGO_PKG_VERSION");

#[pymodule]
#[pyo3(name = "_kyso")]
fn kyso_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", VERSION)?;
    m.add_class::<Validator>()?;
    m.add_class::<Report>()?;
    m.add_class::<Signature>()?;
    m.add_class::<Part>()?;
    m.add_class::<Signer>()?;
    m.add_class::<Prepared>()?;
    m.add_class::<PolicyReport>()?;
    m.add_function(wrap_pyfunction!(sign, m)?)?;
    m.add_function(wrap_pyfunction!(prepare, m)?)?;
    m.add_function(wrap_pyfunction!(finish, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add("KysoError", py.get_type::<KysoError>())?;
    m.add("CertificateError", py.get_type::<CertificateError>())?;
    m.add("SignError", py.get_type::<SignError>())?;
    m.add("SigningKeyError", py.get_type::<SigningKeyError>())?;
    m.add(
        "SignerCertificateError",
        py.get_type::<SignerCertificateError>(),
    )?;
    m.add("DocumentError", py.get_type::<DocumentError>())?;
    m.add("TimestampError", py.get_type::<TimestampError>())?;
    m.add("PolicyError", py.get_type::<PolicyError>())?;
    m.add("CatalogError", py.get_type::<CatalogError>())?;
    m.add("ProfileError", py.get_type::<ProfileError>())?;
    m.add("ProcedureError", py.get_type::<ProcedureError>())?;
    Ok(())
}
