//! Assembling a signature: the signature dictionary with its placeholders, the field and
//! widget, the incremental update, the CMS, and embedding it (the machinery under
//! [`sign_pdf`](super::sign_pdf), document time-stamps, certification and two-phase signing).

use crate::cms;
use crate::crypto::DigestAlgorithm;
use crate::pdf::{Dict, Document, IncrementalUpdate, ObjRef, Object, PdfString};

use super::{certify, SignError, SignOptions, Signer, SubFilterChoice};

/// Width of each `/ByteRange` number placeholder (files up to 9,999,999,999 bytes).
pub(crate) const BR_WIDTH: usize = 10;

/// `opts` with a visible signature's `{name}` and `{org}` filled from the signer's
/// certificate where not given (call before [`prepare`] when signing in steps).
pub(crate) fn with_signer_identity(opts: &SignOptions, signer: &dyn Signer) -> SignOptions {
    let mut opts = opts.clone();
    if let Some(v) = opts.visible.as_mut() {
        v.fill_identity(signer.certificate(), opts.name.as_deref());
    }
    opts
}

/// The certificates kyso embeds in the CMS: the signer's and its intermediates; self-signed
/// roots are left out (a verifier must hold them as trust anchors, so a copy in the CMS only
/// adds bytes that no signature protects).
pub(crate) fn embedded_certificates(signer: &dyn Signer) -> Vec<Vec<u8>> {
    std::iter::once(signer.certificate().der().to_vec())
        .chain(
            signer
                .chain()
                .iter()
                .filter(|c| !c.is_self_issued())
                .map(|c| c.der().to_vec()),
        )
        .collect()
}

/// The signing-time attribute's value: only `adbe.pkcs7.detached` carries one (PAdES puts the
/// time in `/M` and forbids it in the CMS).
pub(crate) fn time_attribute(opts: &SignOptions, now: i64) -> Option<i64> {
    (opts.sub_filter == SubFilterChoice::Pkcs7).then_some(now)
}

/// The exact size of the CMS this signer will produce (its signature at maximal length),
/// without unsigned attributes: the placeholder size for [`prepare`].
///
/// # Errors
/// When the CMS cannot be built.
pub fn cms_capacity(signer: &dyn Signer, opts: &SignOptions, now: i64) -> Result<usize, SignError> {
    let digest = signer.scheme().digest();
    let dummy_attrs = cms::build_signed_attributes(
        digest,
        &vec![0u8; digest.output_len()],
        signer.certificate().der(),
        time_attribute(opts, now),
    )?;
    let dummy_sig = vec![0xFFu8; signer.max_signature_len()];
    Ok(cms::build_signed_data(
        digest,
        signer.scheme(),
        signer.certificate().der(),
        &embedded_certificates(signer),
        &dummy_attrs,
        &dummy_sig,
        &[],
    )?
    .len())
}

/// Signs `document_digest` and assembles the CMS: signed attributes (content type, message
/// digest, signing-certificate-v2, and the signing time for `adbe.pkcs7.detached`), the
/// signature, and `unsigned_attrs` (DER of each Attribute, e.g. a signature time-stamp).
///
/// # Errors
/// When the signer fails or the CMS cannot be built.
pub fn build_cms(
    signer: &dyn Signer,
    opts: &SignOptions,
    now: i64,
    document_digest: &[u8],
    unsigned_attrs: &[Vec<u8>],
) -> Result<Vec<u8>, SignError> {
    let digest = signer.scheme().digest();
    let attrs = cms::build_signed_attributes(
        digest,
        document_digest,
        signer.certificate().der(),
        time_attribute(opts, now),
    )?;
    let signature = signer.sign(&attrs)?;
    Ok(cms::build_signed_data(
        digest,
        signer.scheme(),
        signer.certificate().der(),
        &embedded_certificates(signer),
        &attrs,
        &signature,
        unsigned_attrs,
    )?)
}

/// A document with its signature update written and an empty `/Contents` placeholder.
#[derive(Debug, Clone)]
pub struct PreparedDocument {
    /// The whole output: input + update, with the placeholder zeroed.
    pub bytes: Vec<u8>,
    /// The `/ByteRange` written: `[0, a, b, c]`.
    pub byte_range: [usize; 4],
    /// Capacity of the placeholder in bytes of CMS.
    pub capacity: usize,
    /// The signature dictionary's object.
    pub signature_object: ObjRef,
}

impl PreparedDocument {
    /// The digest of the signed ranges (everything but the placeholder).
    pub fn digest(&self, alg: DigestAlgorithm) -> Vec<u8> {
        let [_, a, b, _] = self.byte_range;
        let mut h = alg.hasher();
        h.update(&self.bytes[..a]);
        h.update(&self.bytes[b..]);
        h.finish()
    }

    /// Puts `cms_der` (hex-encoded, zero-padded) into the placeholder.
    ///
    /// # Errors
    /// `Internal` when the CMS is larger than the placeholder.
    pub fn embed(mut self, cms_der: &[u8]) -> Result<Vec<u8>, SignError> {
        if cms_der.len() > self.capacity {
            return Err(SignError::Internal(format!(
                "the CMS ({} bytes) outgrew its placeholder ({})",
                cms_der.len(),
                self.capacity
            )));
        }
        let hex = hex_upper(cms_der);
        let at = self.byte_range[1] + 1;
        self.bytes[at..at + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(self.bytes)
    }
}

/// Writes the signature update for `input`: a signature dictionary (with `extra` entries
/// merged in, e.g. `/Reference` for certification) whose `/Contents` placeholder holds
/// `capacity` bytes, the field (new or existing per `opts`), and the bookkeeping; then writes
/// `/ByteRange` in place.
///
/// # Errors
/// When the input cannot be read or signed as asked.
pub fn prepare(
    input: &[u8],
    opts: &SignOptions,
    now: i64,
    capacity: usize,
    extra: Dict,
) -> Result<PreparedDocument, SignError> {
    let mut sig_dict = signature_dictionary(opts, now, capacity);
    for (k, v) in extra.iter() {
        sig_dict.set(k.to_vec(), v.clone());
    }
    let visible = opts
        .visible
        .as_ref()
        .map(|vis| VisibleContext { opts, vis, now });
    prepare_with(
        input,
        sig_dict,
        opts.field.as_deref(),
        capacity,
        Some(opts),
        visible,
    )
}

/// Opens `input` to append an update. An encrypted document is opened with `password` (else
/// the empty user password) and its update will be encrypted with the document's key; when
/// `signing`, its permissions must allow signing as Acrobat reads them (the owner password
/// always does).
///
/// # Errors
/// An unreadable input; an encrypted one that the password does not open or whose
/// permissions forbid signing (the message says which and how to proceed).
pub(crate) fn open_for_update(
    input: &[u8],
    password: Option<&super::DocumentPassword>,
    signing: bool,
) -> Result<Document, SignError> {
    let mut doc = Document::from_bytes(input.to_vec())?;
    if let Some(why) = doc.rebuilt() {
        return Err(SignError::Document(format!(
            "{why}: kyso does not append to a file whose revisions it cannot tell apart; rewrite it first (for example `qpdf in.pdf fixed.pdf`)"
        )));
    }
    if !doc.is_encrypted() {
        return Ok(doc);
    }
    if let Some(pw) = password {
        doc.unlock(pw.bytes()).map_err(|e| match e {
            crate::pdf::PdfError::PasswordRequired => SignError::Document(
                "the document is encrypted and the password given opens it neither as its user nor as its owner".into(),
            ),
            other => SignError::Document(format!("the document's encryption: {other}")),
        })?;
    }
    let Some(sec) = doc.security() else {
        return Err(SignError::Document(format!(
            "the document is encrypted and cannot be opened without its password ({}); give it (kyso sign --pdf-password-file FILE or --pdf-password-env VAR)",
            doc.security_error().unwrap_or("no password given")
        )));
    };
    if signing && !sec.may_sign() {
        return Err(SignError::Document(format!(
            "the document's permissions forbid signing (/P {:#010x}: neither \"fill in form fields\" nor \"add annotations and fill forms\" is allowed); its owner password lifts the restriction",
            sec.permissions
        )));
    }
    Ok(doc)
}

/// What a visible signature's widget is built from.
#[derive(Clone, Copy)]
pub(crate) struct VisibleContext<'a> {
    opts: &'a SignOptions,
    vis: &'a crate::appearance::VisibleSignature,
    now: i64,
}

/// Writes an update holding `sig_dict` — a signature or document time-stamp dictionary whose
/// `/Contents` placeholder holds `capacity` bytes and whose `/ByteRange` is the placeholder
/// [`signature_dictionary`] writes — in the field named `field` (an existing empty signature
/// field, or a new one), with the bookkeeping; then writes `/ByteRange` in place.
pub(crate) fn prepare_dictionary(
    input: &[u8],
    sig_dict: Dict,
    field: Option<&str>,
    capacity: usize,
) -> Result<PreparedDocument, SignError> {
    prepare_with(input, sig_dict, field, capacity, None, None)
}

/// [`prepare_dictionary`], for a signature (`mdp`: its options) honouring and writing
/// certification and field locks ([`certify`]), with a visible signature's widget when
/// `visible` is given.
pub(crate) fn prepare_with(
    input: &[u8],
    mut sig_dict: Dict,
    field: Option<&str>,
    capacity: usize,
    mdp: Option<&SignOptions>,
    visible: Option<VisibleContext<'_>>,
) -> Result<PreparedDocument, SignError> {
    let doc = open_for_update(
        input,
        mdp.and_then(|o| o.document_password.as_ref()),
        true,
    )?;
    let mut update = IncrementalUpdate::new(&doc);
    let sig_ref = update.alloc();
    if let Some(opts) = mdp {
        let references = certify::references(&doc, opts)?;
        if !references.is_empty() {
            let mut all = sig_dict
                .get(b"Reference")
                .and_then(Object::as_array)
                .map(<[Object]>::to_vec)
                .unwrap_or_default();
            all.extend(references);
            sig_dict.set("Reference", all);
        }
    }
    update.put(sig_ref, Object::Dict(sig_dict));
    add_field(&doc, &mut update, sig_ref, field, visible)?;
    if mdp.is_some_and(|o| o.certify.is_some()) {
        certify::add_perms(&doc, &mut update, sig_ref)?;
    }

    let mut out = input.to_vec();
    let written = update.write(&doc, &mut out)?;
    let span = written
        .objects
        .get(&sig_ref)
        .ok_or_else(|| SignError::Internal("signature object not written".into()))?;
    let (start, end) = (to_usize(span.start)?, to_usize(span.end)?);

    // Locate the placeholders inside the written signature dictionary.
    let obj_bytes = &out[start..end];
    let contents_at = start
        + find(obj_bytes, b"/Contents <")
            .ok_or_else(|| SignError::Internal("no /Contents placeholder".into()))?
        + b"/Contents ".len();
    let contents_end = contents_at + 2 + 2 * capacity;
    let br_at = start
        + find(obj_bytes, b"/ByteRange [")
            .ok_or_else(|| SignError::Internal("no /ByteRange placeholder".into()))?
        + b"/ByteRange ".len();
    let total = out.len();
    let br = [0, contents_at, contents_end, total - contents_end];
    let mut br_text = format!("[{} {} {} {}", br[0], br[1], br[2], br[3]);
    // The placeholder as serialized: "[0 9999999999 9999999999 9999999999]".
    let br_len = 3 + 3 * (BR_WIDTH + 1);
    while br_text.len() < br_len - 1 {
        br_text.push(' ');
    }
    br_text.push(']');
    if br_text.len() != br_len || out.get(br_at + br_len - 1) != Some(&b']') {
        return Err(SignError::Internal("ByteRange placeholder mismatch".into()));
    }
    out[br_at..br_at + br_len].copy_from_slice(br_text.as_bytes());
    Ok(PreparedDocument {
        bytes: out,
        byte_range: br,
        capacity,
        signature_object: sig_ref,
    })
}

pub(crate) fn to_usize(v: u64) -> Result<usize, SignError> {
    usize::try_from(v).map_err(|_| SignError::Internal("offset overflow".into()))
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// Uppercase hex.
pub fn hex_upper(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(char::from(DIGITS[usize::from(x >> 4)]));
        s.push(char::from(DIGITS[usize::from(x & 0x0F)]));
    }
    s
}

pub(crate) fn signature_dictionary(opts: &SignOptions, now: i64, cms_len: usize) -> Dict {
    let mut d = Dict::new();
    d.set("Type", Object::name("Sig"));
    d.set("Filter", Object::name("Adobe.PPKLite"));
    d.set(
        "SubFilter",
        Object::name(match opts.sub_filter {
            SubFilterChoice::Pades => "ETSI.CAdES.detached",
            SubFilterChoice::Pkcs7 => "adbe.pkcs7.detached",
        }),
    );
    let placeholder = 9_999_999_999i64;
    d.set(
        "ByteRange",
        vec![
            Object::Integer(0),
            Object::Integer(placeholder),
            Object::Integer(placeholder),
            Object::Integer(placeholder),
        ],
    );
    d.set("Contents", PdfString::hex(vec![0u8; cms_len]));
    d.set(
        "M",
        PdfString::literal(crate::time::format_pdf_date(now).into_bytes()),
    );
    for (key, v) in [
        ("Reason", &opts.reason),
        ("Location", &opts.location),
        ("ContactInfo", &opts.contact_info),
        ("Name", &opts.name),
    ] {
        if let Some(v) = v {
            d.set(
                key,
                PdfString::literal(crate::pdf::object::encode_text_string(v)),
            );
        }
    }
    d
}

/// Builds the visible signature's widget (place and appearance, as new objects of `update`).
pub(crate) fn visible_widget(
    doc: &Document,
    update: &mut IncrementalUpdate,
    opts: &SignOptions,
    vis: &crate::appearance::VisibleSignature,
    now: i64,
) -> Result<crate::appearance::Widget, SignError> {
    let values = crate::appearance::TemplateValues {
        name: vis
            .signer_name
            .clone()
            .or_else(|| opts.name.clone())
            .unwrap_or_default(),
        org: vis.organization.clone().unwrap_or_default(),
        time: crate::appearance::vietnam_time(now),
        reason: opts.reason.clone().unwrap_or_default(),
        location: opts.location.clone().unwrap_or_default(),
    };
    Ok(crate::appearance::build_widget(doc, update, vis, &values)?)
}

/// A visible signature in an existing field: the field's own page and rectangle.
pub(crate) fn existing_field_appearance(
    doc: &Document,
    update: &mut IncrementalUpdate,
    opts: &SignOptions,
    vis: &crate::appearance::VisibleSignature,
    field: &crate::form::Field,
    now: i64,
) -> Result<Object, SignError> {
    use crate::appearance::{Placement, Rect};
    let last = doc.last_revision();
    let name = &field.name;
    if vis.placement != Placement::Auto {
        return Err(SignError::Document(format!(
            "field {name} already has its place on the page; sign it without a rectangle or anchor"
        )));
    }
    let rect: Vec<f64> = field
        .dict
        .get(b"Rect")
        .and_then(|r| doc.deref_in(last, r).ok())
        .and_then(|r| {
            r.as_array()
                .map(|a| a.iter().filter_map(Object::as_number).collect())
        })
        .unwrap_or_default();
    let rect = (rect.len() == 4)
        .then(|| Rect::new(rect[0], rect[1], rect[2], rect[3]))
        .filter(|r| r.width() > 0.0 && r.height() > 0.0)
        .ok_or_else(|| {
            SignError::Document(format!(
                "field {name} is invisible (no area, or not a merged field and widget); a visible signature needs a new field"
            ))
        })?;
    let pages = doc.pages_in(last)?;
    let page = field
        .dict
        .get_ref(b"P")
        .and_then(|p| pages.iter().position(|x| *x == p))
        .ok_or_else(|| SignError::Document(format!("field {name} names no page (/P)")))?;
    let mut v = vis.clone();
    v.placement = Placement::Rect(rect);
    v.page = page + 1;
    v.allow_overlap = true; // the document's author placed the field
    Ok(visible_widget(doc, update, opts, &v, now)?.ap_object())
}

/// Adds the signature to a field: an existing empty signature field with the requested
/// name, or a new field (a merged field/widget: invisible on page 1, or visible where
/// `opts.visible` says).
pub(crate) fn add_field(
    doc: &Document,
    update: &mut IncrementalUpdate,
    sig_ref: ObjRef,
    field: Option<&str>,
    visible: Option<VisibleContext<'_>>,
) -> Result<(), SignError> {
    let last = doc.last_revision();
    let fields = crate::form::fields_in(doc, last)?;
    if let Some(name) = field {
        if let Some(f) = fields.iter().find(|f| f.name == name) {
            if !f.is_signature() {
                return Err(SignError::Document(format!(
                    "field {name} is not a signature field"
                )));
            }
            if f.value.as_ref().is_some_and(|v| !matches!(v, Object::Null)) {
                return Err(SignError::Document(format!(
                    "field {name} is already signed"
                )));
            }
            let r = f.object.ok_or_else(|| {
                SignError::Document(format!("field {name} is not an indirect object"))
            })?;
            let mut d = f.dict.clone();
            d.set("V", sig_ref);
            if let Some(v) = &visible {
                d.set(
                    "AP",
                    existing_field_appearance(doc, update, v.opts, v.vis, f, v.now)?,
                );
            }
            update.put(r, Object::Dict(d));
            ensure_sig_flags(doc, update)?;
            return Ok(());
        }
    }
    let name = match field {
        Some(n) => n.to_string(),
        None => (1..)
            .map(|i| format!("Signature{i}"))
            .find(|n| !fields.iter().any(|f| &f.name == n))
            .unwrap_or_default(),
    };
    let widget = match &visible {
        Some(v) => Some(visible_widget(doc, update, v.opts, v.vis, v.now)?),
        None => None,
    };
    let pages = doc.pages_in(last)?;
    let page_ref = match &widget {
        Some(w) => w.page,
        None => *pages
            .first()
            .ok_or_else(|| SignError::Document("the document has no pages".into()))?,
    };

    let field_ref = update.alloc();
    let mut field = Dict::new();
    field.set("Type", Object::name("Annot"));
    field.set("Subtype", Object::name("Widget"));
    field.set("FT", Object::name("Sig"));
    field.set(
        "T",
        PdfString::literal(crate::pdf::object::encode_text_string(&name)),
    );
    field.set("V", sig_ref);
    field.set("F", Object::Integer(132));
    match &widget {
        Some(w) => {
            field.set("Rect", w.rect_object());
            field.set("AP", w.ap_object());
        }
        None => field.set(
            "Rect",
            vec![
                Object::Integer(0),
                Object::Integer(0),
                Object::Integer(0),
                Object::Integer(0),
            ],
        ),
    }
    field.set("P", page_ref);
    update.put(field_ref, Object::Dict(field));

    // Page /Annots.
    let page = doc.resolve_in(last, page_ref)?;
    let mut page_dict = page
        .as_dict()
        .cloned()
        .ok_or_else(|| SignError::Document("the page is not a dictionary".into()))?;
    if append_ref(doc, update, &mut page_dict, b"Annots", field_ref)? {
        update.put(page_ref, Object::Dict(page_dict));
    }

    // AcroForm /Fields and /SigFlags.
    let catalog_ref = doc
        .trailer(last)
        .get_ref(b"Root")
        .ok_or_else(|| SignError::Document("the trailer has no /Root".into()))?;
    let mut catalog = doc.catalog_in(last)?;
    match catalog.get(b"AcroForm").cloned() {
        Some(Object::Ref(ar)) => {
            let mut acro = doc
                .resolve_in(last, ar)?
                .as_dict()
                .cloned()
                .unwrap_or_default();
            push_field(doc, update, &mut acro, field_ref)?;
            acro.set("SigFlags", Object::Integer(3));
            update.put(ar, Object::Dict(acro));
        }
        Some(Object::Dict(mut acro)) => {
            push_field(doc, update, &mut acro, field_ref)?;
            acro.set("SigFlags", Object::Integer(3));
            catalog.set("AcroForm", acro);
            update.put(catalog_ref, Object::Dict(catalog));
        }
        _ => {
            let ar = update.alloc();
            let mut acro = Dict::new();
            acro.set("Fields", vec![Object::Ref(field_ref)]);
            acro.set("SigFlags", Object::Integer(3));
            update.put(ar, Object::Dict(acro));
            catalog.set("AcroForm", ar);
            update.put(catalog_ref, Object::Dict(catalog));
        }
    }
    Ok(())
}

pub(crate) fn push_field(
    doc: &Document,
    update: &mut IncrementalUpdate,
    acro: &mut Dict,
    field_ref: ObjRef,
) -> Result<(), SignError> {
    append_ref(doc, update, acro, b"Fields", field_ref).map(|_| ())
}

/// Appends `r` to the array `dict[key]`: in place when the array is an indirect object (the
/// array object goes into the update), else in `dict` (creating the array if absent).
/// Returns whether `dict` itself changed.
pub(crate) fn append_ref(
    doc: &Document,
    update: &mut IncrementalUpdate,
    dict: &mut Dict,
    key: &[u8],
    r: ObjRef,
) -> Result<bool, SignError> {
    let last = doc.last_revision();
    match dict.get(key).cloned() {
        Some(Object::Ref(ar)) => {
            let mut arr = doc
                .resolve_in(last, ar)?
                .as_array()
                .map(<[Object]>::to_vec)
                .unwrap_or_default();
            arr.push(Object::Ref(r));
            update.put(ar, Object::Array(arr));
            Ok(false)
        }
        Some(Object::Array(mut arr)) => {
            arr.push(Object::Ref(r));
            dict.set(key.to_vec(), arr);
            Ok(true)
        }
        _ => {
            dict.set(key.to_vec(), vec![Object::Ref(r)]);
            Ok(true)
        }
    }
}

pub(crate) fn ensure_sig_flags(doc: &Document, update: &mut IncrementalUpdate) -> Result<(), SignError> {
    let last = doc.last_revision();
    let catalog_ref = doc
        .trailer(last)
        .get_ref(b"Root")
        .ok_or_else(|| SignError::Document("the trailer has no /Root".into()))?;
    let mut catalog = doc.catalog_in(last)?;
    match catalog.get(b"AcroForm").cloned() {
        Some(Object::Ref(ar)) => {
            let mut acro = doc
                .resolve_in(last, ar)?
                .as_dict()
                .cloned()
                .unwrap_or_default();
            if acro.get_int(b"SigFlags") != Some(3) {
                acro.set("SigFlags", Object::Integer(3));
                update.put(ar, Object::Dict(acro));
            }
        }
        Some(Object::Dict(mut acro)) if acro.get_int(b"SigFlags") != Some(3) => {
            acro.set("SigFlags", Object::Integer(3));
            catalog.set("AcroForm", acro);
            update.put(catalog_ref, Object::Dict(catalog));
        }
        _ => {}
    }
    Ok(())
}
