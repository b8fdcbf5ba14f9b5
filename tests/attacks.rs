//! The published attacks on PDF signatures, built by code from valid signed documents, and
//! their benign counterparts. Every attack must be reported not valid with its specific
//! reason; every benign change must be accepted, by kyso and by pyHanko.
//!
//! - Universal Signature Forgery (USF), Incremental Saving Attack (ISA), Signature Wrapping
//!   (SWA): Mladenov et al., "1 Trillion Dollar Refund", CCS 2019.
//! - Shadow attacks (hide, replace, hide-and-replace): Mainka et al., NDSS 2021.
//! - Evil Annotation (EAA) and Sneaky Signature (SSA) attacks on certified documents:
//!   Rohlmann et al., IEEE S&P 2021.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use kyso::pdf::{Dict, Document, IncrementalUpdate, ObjRef, Object, PdfString, Stream, StreamData};
use kyso::report::{CheckStatus, FileReport, Indication, SignatureReport, SubIndication};
use kyso::sign::SignOptions;
use kyso::validate::{ValidationOptions, Validator};
use kyso_testkit::SampleOptions;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn form_sample() -> Vec<u8> {
    sample(&SampleOptions {
        with_form: true,
        ..Default::default()
    })
}

fn signed() -> Vec<u8> {
    sign_default(&sample_default())
}

fn certify(input: &[u8], p: u8) -> Vec<u8> {
    sign_with(
        input,
        &pki().rsa,
        &SignOptions {
            certify: Some(p),
            field: Some("Signature1".into()),
            ..Default::default()
        },
    )
}

fn sign_field(input: &[u8], field: &str) -> Vec<u8> {
    sign_with(
        input,
        &pki().ec,
        &SignOptions {
            field: Some(field.into()),
            ..Default::default()
        },
    )
}

fn open(b: &[u8]) -> Document {
    Document::from_bytes(b.to_vec()).unwrap()
}

/// Appends an incremental update built by `f` with kyso's writer.
fn update(base: &[u8], f: impl FnOnce(&Document, &mut IncrementalUpdate)) -> Vec<u8> {
    let doc = open(base);
    let mut up = IncrementalUpdate::new(&doc);
    f(&doc, &mut up);
    let mut out = base.to_vec();
    up.write(&doc, &mut out).unwrap();
    out
}

fn stream(dict: Dict, data: &[u8]) -> Object {
    Object::Stream(Stream {
        dict,
        data: StreamData::Bytes(data.to_vec()),
    })
}

fn form_xobject(bbox: [i64; 4], data: &[u8]) -> Object {
    let mut d = Dict::new();
    d.set("Type", Object::name("XObject"));
    d.set("Subtype", Object::name("Form"));
    d.set(
        "BBox",
        bbox.iter().map(|&v| Object::Integer(v)).collect::<Vec<_>>(),
    );
    let mut fonts = Dict::new();
    fonts.set("F1", ObjRef::new(2, 0));
    let mut res = Dict::new();
    res.set("Font", fonts);
    d.set("Resources", res);
    stream(d, data)
}

fn rect(r: [i64; 4]) -> Object {
    Object::Array(r.iter().map(|&v| Object::Integer(v)).collect())
}

fn lit(s: &str) -> Object {
    Object::String(PdfString::literal(s.as_bytes().to_vec()))
}

fn page1(doc: &Document) -> ObjRef {
    doc.pages_in(doc.last_revision()).unwrap()[0]
}

fn root(doc: &Document) -> ObjRef {
    doc.trailer(doc.last_revision()).get_ref(b"Root").unwrap()
}

fn last_dict(doc: &Document, r: ObjRef) -> Dict {
    doc.resolve(r).unwrap().as_dict().cloned().unwrap()
}

/// Appends `r` to page 1's direct `/Annots` (or creates it) in `up`.
fn add_to_annots(doc: &Document, up: &mut IncrementalUpdate, r: ObjRef) {
    let p = page1(doc);
    let mut pd = last_dict(doc, p);
    let mut annots = pd
        .get(b"Annots")
        .and_then(Object::as_array)
        .map(<[Object]>::to_vec)
        .unwrap_or_default();
    annots.push(Object::Ref(r));
    pd.set("Annots", annots);
    up.put(p, Object::Dict(pd));
}

/// Adds a field to the catalog's direct `/AcroForm /Fields` in `up`.
fn add_to_fields(doc: &Document, up: &mut IncrementalUpdate, r: ObjRef) {
    let c = root(doc);
    let mut cd = last_dict(doc, c);
    let mut acro = cd
        .get(b"AcroForm")
        .and_then(Object::as_dict)
        .cloned()
        .expect("a direct AcroForm");
    let mut fields = acro
        .get(b"Fields")
        .and_then(Object::as_array)
        .map(<[Object]>::to_vec)
        .unwrap_or_default();
    fields.push(Object::Ref(r));
    acro.set("Fields", fields);
    cd.set("AcroForm", acro);
    up.put(c, Object::Dict(cd));
}

/// An xref entry for a hand-made update.
enum Entry {
    /// `offset gen n`
    At(u64, u16),
    /// `0 gen f`
    Free(u16),
}

/// Appends a hand-made update: `objects` (number, generation, body) each listed in a classic
/// xref table, plus `extra` entries (re-pointing, freeing); the trailer carries /Size, /Prev,
/// /Root, /Info, /ID of the newest revision (unless `trailer` gives them) and `trailer`.
fn append_raw(
    base: &[u8],
    objects: &[(u32, u16, &[u8])],
    extra: &[(u32, Entry)],
    trailer: &str,
) -> Vec<u8> {
    let doc = open(base);
    let last = doc.last_revision();
    let t = doc.trailer(last);
    let mut out = base.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut entries: Vec<(u32, String)> = Vec::new();
    for (num, gen, body) in objects {
        entries.push((num.to_owned(), format!("{:010} {gen:05} n\r\n", out.len())));
        out.extend_from_slice(format!("{num} {gen} obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    for (num, e) in extra {
        entries.push((
            *num,
            match e {
                Entry::At(o, g) => format!("{o:010} {g:05} n\r\n"),
                Entry::Free(g) => format!("0000000000 {g:05} f\r\n"),
            },
        ));
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n");
    for (num, e) in &entries {
        out.extend_from_slice(format!("{num} 1\n{e}").as_bytes());
    }
    let size = t.get_int(b"Size").unwrap().max(
        entries
            .iter()
            .map(|(n, _)| i64::from(*n) + 1)
            .max()
            .unwrap_or(0),
    );
    let mut tr = String::from("<<");
    if !trailer.contains("/Size") {
        tr.push_str(&format!("/Size {size}"));
    }
    if !trailer.contains("/Prev") {
        tr.push_str(&format!("/Prev {}", doc.revisions()[last].xref_offsets[0]));
    }
    for key in [&b"Root"[..], b"Info", b"ID"] {
        let k = String::from_utf8_lossy(key);
        if let Some(v) = t.get(key) {
            if !trailer.contains(&format!("/{k}")) {
                tr.push_str(&format!("/{k} "));
                tr.push_str(&String::from_utf8_lossy(&v.to_bytes()));
            }
        }
    }
    tr.push_str(trailer);
    tr.push_str(">>");
    out.extend_from_slice(format!("trailer\n{tr}\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    out
}

/// The byte offset of `needle` (last occurrence).
fn rfind(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .rposition(|w| w == needle)
        .unwrap_or_else(|| panic!("{} not found", String::from_utf8_lossy(needle)))
}

fn show(r: &FileReport) -> String {
    kyso::report::render_text(r)
}

/// The signature of revision order `i`.
fn sig(r: &FileReport, i: usize) -> &SignatureReport {
    r.signatures
        .get(i)
        .unwrap_or_else(|| panic!("no signature #{i}:\n{}", show(r)))
}

/// The file is not valid, signature `i` is TOTAL-FAILED / DISALLOWED_MODIFICATION, and a
/// disallowed change's description contains `needle` (and its reason `why`, if given).
fn disallowed(r: &FileReport, i: usize, needle: &str, why: Option<&str>) {
    let s = sig(r, i);
    assert!(!r.valid, "{}", show(r));
    assert_eq!(s.indication, Indication::TotalFailed, "{}", show(r));
    assert_eq!(
        s.sub_indication,
        Some(SubIndication::DisallowedModification),
        "{}",
        show(r)
    );
    assert!(
        s.changes.iter().any(|c| !c.allowed
            && c.description.contains(needle)
            && why.is_none_or(|w| c.reason.contains(w))),
        "no disallowed change {needle:?} ({why:?}):\n{}",
        show(r)
    );
    let m = s.checks.iter().find(|c| c.id == "modifications").unwrap();
    assert_eq!(m.status, CheckStatus::Failed);
}

/// Signature `i` fails a structural check `check` whose message contains `needle`, with
/// FORMAT_FAILURE.
fn format_failure(r: &FileReport, i: usize, check: &str, needle: &str) {
    let s = sig(r, i);
    assert!(!r.valid, "{}", show(r));
    assert_eq!(s.indication, Indication::TotalFailed, "{}", show(r));
    assert_eq!(
        s.sub_indication,
        Some(SubIndication::FormatFailure),
        "{}",
        show(r)
    );
    assert!(
        s.checks.iter().any(|c| c.id == check
            && c.status == CheckStatus::Failed
            && c.message.contains(needle)),
        "no failed {check} check {needle:?}:\n{}",
        show(r)
    );
}

/// Every signature passes, every change is allowed, and no rendered page changed outside
/// the permitted changes.
fn accepted(r: &FileReport) {
    assert!(r.valid, "{}", show(r));
    for s in &r.signatures {
        assert!(s.changes.iter().all(|c| c.allowed), "{}", show(r));
        if let Some(g) = &s.rendering {
            // The renderer reads every file of this suite: a skip would hide a blind spot.
            assert_ne!(g.status, kyso::RenderingStatus::Skipped, "{g:?}");
            assert!(g.regions.iter().all(|x| x.permitted), "{g:?}");
        }
    }
}

fn verify_with(bytes: &[u8], allow_form_filling: bool) -> FileReport {
    Validator::new(ValidationOptions {
        trust: trust_root(),
        allow_form_filling,
        rendering: kyso::RenderCheck::AllPages,
        ..Default::default()
    })
    .validate_bytes("test.pdf", bytes)
}

/// pyHanko accepts every signature of the file (intact, trusted, no suspicious changes).
fn pyhanko_accepts(name: &str, bytes: &[u8]) {
    let w = Workspace::new();
    let f = w.write(&format!("{name}.pdf"), bytes);
    if let Some(d) = std::env::var_os("KYSO_KEEP_DIR") {
        std::fs::write(Path::new(&d).join(format!("{name}.pdf")), bytes).unwrap();
    }
    let o = Command::new(peer("pyhanko"))
        .args([
            "sign",
            "validate",
            "--no-revocation-check",
            "--trust-replace",
            "--trust",
        ])
        .arg(w.path("root.pem"))
        .arg(&f)
        .output()
        .unwrap();
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert!(o.status.success(), "pyHanko rejected {name}:\n{out}");
    let lines: Vec<&str> = out.lines().filter(|l| l.contains(":INTACT:")).collect();
    assert!(!lines.is_empty(), "{name}: {out}");
    for l in lines {
        assert!(l.contains("INTACT:TRUSTED"), "{name}: {out}");
        assert!(!l.contains("SUSPICIOUS"), "{name}: {out}");
    }
}

/// pyHanko (a known, documented difference) rejects what kyso accepts; `why` is in its
/// output. Every signature is still intact and trusted for pyHanko.
fn pyhanko_differs(name: &str, bytes: &[u8], why: &str) {
    let w = Workspace::new();
    let f = w.write(&format!("{name}.pdf"), bytes);
    let o = Command::new(peer("pyhanko"))
        .args([
            "sign",
            "validate",
            "--no-revocation-check",
            "--trust-replace",
            "--trust",
        ])
        .arg(w.path("root.pem"))
        .arg(&f)
        .output()
        .unwrap();
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert!(
        !o.status.success(),
        "pyHanko now accepts {name}; update the README:\n{out}"
    );
    assert!(out.contains(why), "{name}: {out}");
    assert!(out.contains("INTACT:TRUSTED"), "{name}: {out}");
}

/// Replaces `old` (first occurrence at or after `from`) by `new` padded with spaces to the
/// same length.
fn patch(bytes: &[u8], from: usize, old: &[u8], new: &[u8]) -> Vec<u8> {
    assert!(
        new.len() <= old.len(),
        "replacement longer than the original"
    );
    let at = from
        + bytes[from..]
            .windows(old.len())
            .position(|w| w == old)
            .unwrap_or_else(|| panic!("{} not found", String::from_utf8_lossy(old)));
    let mut out = bytes.to_vec();
    let mut repl = new.to_vec();
    repl.resize(old.len(), b' ');
    out[at..at + old.len()].copy_from_slice(&repl);
    out
}

/// Where the newest signature dictionary starts, and its /ByteRange and /Contents text.
struct SigText {
    dict_start: usize,
    br: [usize; 4],
    br_text: Vec<u8>,
    contents_text: Vec<u8>,
}

fn sig_text(bytes: &[u8]) -> SigText {
    let at = rfind(bytes, b"/ByteRange [");
    let dict_start = rfind(&bytes[..at], b" obj\n");
    let close = at + bytes[at..].iter().position(|&c| c == b']').unwrap();
    let br_text = bytes[at..=close].to_vec();
    let nums: Vec<usize> =
        String::from_utf8_lossy(&br_text["/ByteRange [".len()..br_text.len() - 1])
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
    let br = [nums[0], nums[1], nums[2], nums[3]];
    let contents_text = bytes[br[1] - b"/Contents ".len()..br[2]].to_vec();
    SigText {
        dict_start,
        br,
        br_text,
        contents_text,
    }
}

// ---------------------------------------------------------------------------------------
// Universal Signature Forgery and Signature Wrapping: the signature dictionary
// ---------------------------------------------------------------------------------------

#[test]
fn usf_contents_variants_are_named_failures() {
    let good = signed();
    let t = sig_text(&good);
    let zeros: Vec<u8> = std::iter::once(b'<')
        .chain(std::iter::repeat_n(b'0', t.br[2] - t.br[1] - 2))
        .chain(std::iter::once(b'>'))
        .collect();
    let contents_hex = &good[t.br[1]..t.br[2]];
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            patch(&good, t.dict_start, &t.contents_text, b"/Contentz 0"),
            "the signature dictionary has no /Contents",
        ),
        (
            patch(&good, t.dict_start, &t.contents_text, b"/Contents null"),
            "/Contents is null",
        ),
        (
            patch(&good, t.dict_start, &t.contents_text, b"/Contents 1 0 R"),
            "/Contents is an indirect reference; it must be a direct string",
        ),
        (
            patch(&good, t.dict_start, &t.contents_text, b"/Contents <>"),
            "/Contents is empty",
        ),
        (
            patch(&good, t.dict_start, contents_hex, &zeros),
            "/Contents holds only zero bytes (an unsigned placeholder)",
        ),
        (
            patch(&good, t.dict_start, &t.contents_text, b"/Contents 42"),
            "/Contents is a integer, not a string",
        ),
    ];
    for (bad, msg) in cases {
        let r = verify(&bad);
        format_failure(&r, 0, "signature-dictionary", msg);
    }
}

#[test]
fn usf_and_wrapping_byte_range_variants_are_named_failures() {
    let good = signed();
    let t = sig_text(&good);
    let [_, a, b, c] = t.br;
    let len = good.len();
    let br = |s: &str| format!("/ByteRange {s}").into_bytes();
    let cases: Vec<(Vec<u8>, String)> = vec![
        (br("null"), "/ByteRange is a null, not an array".into()),
        (b"/ByteRangx [0 1 2 3]".to_vec(), "the signature dictionary has no /ByteRange".into()),
        (br("5 0 R"), "/ByteRange is an indirect reference; it must be a direct array".into()),
        (br("[0 0 0 0]"), "the /ByteRange gap [0, 0) is not this dictionary's /Contents".into()),
        (br(&format!("[0 {a} {b}]")), "/ByteRange has 3 numbers; exactly two ranges".into()),
        (br(&format!("[0 {a} {b} 1 {} 2]", c - 1)), "/ByteRange has 6 numbers; exactly two ranges".into()),
        (br(&format!("[0 -{a} {b} {c}]")), "/ByteRange holds a negative number".into()),
        (br(&format!("[1 {} {b} {c}]", a - 1)), "/ByteRange does not start at 0 (starts at 1)".into()),
        (br(&format!("[0 {a} {} {}]", a - 10, c + 10)), "/ByteRange ranges overlap".into()),
        (br(&format!("[0 {a} {b} {}]", c + 100)), format!("past the end of the file ({len} bytes)")),
        // Signature wrapping: the gap is not (only) this dictionary's /Contents.
        (br(&format!("[0 {a} {} {}]", b + 20, c - 20)), format!("the /ByteRange gap [{a}, {}) is not this dictionary's /Contents string at [{a}, {b})", b + 20)),
        (br(&format!("[0 {} {b} {c}]", a - 30)), format!("the /ByteRange gap [{}, {b}) is not this dictionary's /Contents string", a - 30)),
    ];
    for (text, msg) in cases {
        let bad = patch(&good, t.dict_start, &t.br_text, &text);
        let r = verify(&bad);
        format_failure(&r, 0, "signature-dictionary", &msg);
    }
}

#[test]
fn signature_wrapping_with_relocated_signed_part_is_a_format_failure() {
    // SWA: the attacker copies the second signed part to the end of the file, puts new
    // objects in between, and points /ByteRange at the copy: the gap then holds more than
    // this dictionary's /Contents.
    let good = signed();
    let t = sig_text(&good);
    let [_, a, b, c] = t.br;
    let mut bad = good.clone();
    bad.extend_from_slice(b"9999 0 obj\n(malicious)\nendobj\n");
    let copy_at = bad.len();
    bad.extend_from_slice(&good[b..]);
    let text = format!("/ByteRange [0 {a} {copy_at} {c}]").into_bytes();
    let bad = patch(&bad, t.dict_start, &t.br_text, &text);
    let r = verify(&bad);
    format_failure(
        &r,
        0,
        "signature-dictionary",
        &format!("the /ByteRange gap [{a}, {copy_at}) is not this dictionary's /Contents string at [{a}, {b})"),
    );
}

#[test]
fn signed_part_ending_inside_a_revision_is_a_coverage_failure() {
    // Sign, then append an update; shorten the signed part so it ends inside the update.
    let two = update(&signed(), |doc, up| {
        let r = up.alloc();
        up.put(r, Object::Integer(1));
        let _ = doc;
    });
    let t = sig_text(&two[..two.len() - 100]);
    let [_, a, b, c] = t.br;
    let text = format!("/ByteRange [0 {a} {b} {}]", c + 40).into_bytes();
    let bad = patch(&two, t.dict_start, &t.br_text, &text);
    let r = verify(&bad);
    format_failure(&r, 0, "coverage", "which is not the end of any revision");
}

#[test]
fn legacy_and_unknown_sub_filters_are_named_failures() {
    let good = signed();
    let t = sig_text(&good);
    let cases: Vec<(&[u8], &[u8], &str)> = vec![
        (
            b"/SubFilter /ETSI.CAdES.detached",
            b"/SubFilter /adbe.x509.rsa_sha1",
            "legacy /SubFilter adbe.x509.rsa_sha1",
        ),
        (
            b"/SubFilter /ETSI.CAdES.detached",
            b"/SubFilter /ETSI.CAdES.detachex",
            "unknown /SubFilter ETSI.CAdES.detachex",
        ),
        (
            b"/SubFilter /ETSI.CAdES.detached",
            b"/SubFiltex /ETSI.CAdES.detached",
            "the signature dictionary has no /SubFilter",
        ),
    ];
    for (old, new, msg) in cases {
        let bad = patch(&good, t.dict_start, old, new);
        let r = verify(&bad);
        format_failure(&r, 0, "signature-dictionary", msg);
    }
    // /Filter only names the preferred handler (the /SubFilter decides the format): an
    // unknown or missing one is a remark, and this tampered dictionary then fails on its
    // signed bytes, not on its /Filter (tests/signer_variants.rs signs such dictionaries
    // for real, and they are valid).
    for new in [&b"/Filter /Evil.Handler"[..], b"/Filtex /Adobe.PPKLite"] {
        let bad = patch(&good, t.dict_start, b"/Filter /Adobe.PPKLite", new);
        let r = verify(&bad);
        let s = sig(&r, 0);
        assert!(!r.valid);
        let c = s
            .checks
            .iter()
            .find(|c| c.id == "signature-dictionary")
            .unwrap();
        assert_eq!(c.status, CheckStatus::Warning, "{}", show(&r));
        assert_eq!(
            s.sub_indication,
            Some(SubIndication::HashFailure),
            "{}",
            show(&r)
        );
    }
    // adbe.x509.rsa_sha1 with a /Cert entry, as legacy signers wrote it.
    let bad = patch(
        &good,
        t.dict_start,
        b"/Filter /Adobe.PPKLite/SubFilter /ETSI.CAdES.detached",
        b"/Cert<00>/SubFilter/adbe.x509.rsa_sha1",
    );
    format_failure(
        &verify(&bad),
        0,
        "signature-dictionary",
        "legacy /SubFilter adbe.x509.rsa_sha1",
    );
}

// ---------------------------------------------------------------------------------------
// Incremental Saving Attack
// ---------------------------------------------------------------------------------------

#[test]
fn isa_replacing_the_content_stream_in_place() {
    let bad = update(&signed(), |doc, up| {
        let p = page1(doc);
        let c = last_dict(doc, p).get_ref(b"Contents").unwrap();
        up.put(
            c,
            stream(Dict::new(), b"BT /F1 24 Tf 72 700 Td (PAID IN FULL) Tj ET"),
        );
    });
    disallowed(
        &verify(&bad),
        0,
        "page 1 content stream replaced",
        Some("page content may not change after signing"),
    );
}

#[test]
fn isa_pointing_the_page_at_a_new_content_stream() {
    let bad = update(&signed(), |doc, up| {
        let p = page1(doc);
        let s = up.alloc();
        up.put(
            s,
            stream(Dict::new(), b"BT /F1 24 Tf 72 700 Td (PAID IN FULL) Tj ET"),
        );
        let mut pd = last_dict(doc, p);
        pd.set("Contents", s);
        up.put(p, Object::Dict(pd));
    });
    let r = verify(&bad);
    disallowed(&r, 0, "page 1 content stream replaced", None);
    disallowed(&r, 0, "stream added", None);
}

#[test]
fn isa_with_a_decoy_signature_is_still_disallowed() {
    // The update adds an unreferenced signature dictionary to look like a signing update.
    let base = signed();
    let t = sig_text(&base);
    let decoy = [
        &b"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached"[..],
        &t.contents_text,
        b"/ByteRange[0 1 2 3]>>",
    ]
    .concat();
    let doc = open(&base);
    let content = last_dict(&doc, page1(&doc)).get_ref(b"Contents").unwrap();
    let evil = b"<</Length 43>>stream\nBT /F1 24 Tf 72 700 Td (PAID IN FULL) Tj ET\nendstream";
    let bad = append_raw(&base, &[(50, 0, &decoy), (content.num, 0, evil)], &[], "");
    let r = verify(&bad);
    disallowed(
        &r,
        0,
        "signature added, but no signature field holds it",
        None,
    );
    disallowed(&r, 0, "page 1 content stream replaced", None);
}

#[test]
fn isa_objects_without_an_xref_are_not_valid() {
    // Objects appended after the signed %%EOF with a copy of the old trailer: readers that
    // repair the file show them; the final startxref still names the signed xref.
    let mut bad = signed();
    let sx = {
        let doc = open(&bad);
        doc.revisions().last().unwrap().xref_offsets[0]
    };
    bad.extend_from_slice(
        format!("3 0 obj\n<</Length 43>>stream\nBT /F1 24 Tf 72 700 Td (PAID IN FULL) Tj ET\nendstream\nendobj\nstartxref\n{sx}\n%%EOF\n")
            .as_bytes(),
    );
    let r = verify(&bad);
    assert!(!r.valid, "{}", show(&r));
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "trailing-bytes")
        .unwrap_or_else(|| panic!("{}", show(&r)));
    assert_eq!(f.status, CheckStatus::Failed);
}

#[test]
fn isa_unlisted_object_inside_an_update_is_not_valid() {
    // A well-formed-looking update plus an object its xref does not list: a repairing
    // reader would pick up this second definition of the content stream.
    let base = signed();
    let doc = open(&base);
    let mut bad = base.clone();
    bad.extend_from_slice(
        b"3 0 obj\n<</Length 43>>stream\nBT /F1 24 Tf 72 700 Td (PAID IN FULL) Tj ET\nendstream\nendobj\n",
    );
    // Then a legitimate-looking DSS update, written by hand after the injected object.
    let dss_at = bad.len();
    bad.extend_from_slice(b"40 0 obj\n<</Certs[]>>\nendobj\n");
    let c = root(&doc);
    let mut cd = last_dict(&doc, c);
    cd.set("DSS", ObjRef::new(40, 0));
    let cat_at = bad.len();
    bad.extend_from_slice(format!("{} 0 obj\n", c.num).as_bytes());
    bad.extend_from_slice(&Object::Dict(cd).to_bytes());
    bad.extend_from_slice(b"\nendobj\n");
    let xref = bad.len();
    let prev = doc.revisions().last().unwrap().xref_offsets[0];
    bad.extend_from_slice(
        format!(
            "xref\n{} 1\n{cat_at:010} 00000 n\r\n40 1\n{dss_at:010} 00000 n\r\ntrailer\n<</Size 41/Prev {prev}/Root {} 0 R/Info 6 0 R>>\nstartxref\n{xref}\n%%EOF\n",
            c.num, c.num
        )
        .as_bytes(),
    );
    let rep = verify(&bad);
    disallowed(
        &rep,
        0,
        &format!(
            "bytes {}–{dss_at} of revision 3 are not an object its cross-reference section lists",
            base.len()
        ),
        Some("bytes no cross-reference section accounts for"),
    );
    // Everything else in the update is allowed: the injected bytes alone decide.
    assert_eq!(
        sig(&rep, 0).changes.iter().filter(|c| !c.allowed).count(),
        1,
        "{}",
        show(&rep)
    );
}

#[test]
fn isa_update_that_startxref_does_not_reach_is_not_valid() {
    // Update A changes the content; update B's /Prev skips A, so A's bytes (objects and
    // xref) lie inside B's revision without being part of it.
    let base = signed();
    let a = update(&base, |doc, up| {
        let c = last_dict(doc, page1(doc)).get_ref(b"Contents").unwrap();
        up.put(
            c,
            stream(Dict::new(), b"BT /F1 24 Tf 72 700 Td (PAID) Tj ET"),
        );
    });
    let doc = open(&base);
    let prev = doc.revisions().last().unwrap().xref_offsets[0];
    let bad = append_raw(&a, &[(60, 0, b"(note)")], &[], &format!("/Prev {prev}"));
    let r = verify(&bad);
    assert_eq!(
        r.revisions,
        open(&base).revisions().len() + 1,
        "{}",
        show(&r)
    );
    disallowed(
        &r,
        0,
        "are not an object its cross-reference section lists",
        None,
    );
}

#[test]
fn isa_xref_entry_pointing_at_another_object_is_disallowed() {
    // An xref-only update that re-points the content stream's number at the bytes of
    // another object: a repairing reader would scan for the right object instead.
    let base = signed();
    let doc = open(&base);
    let font_at = doc.offset_of(doc.last_revision(), 2).unwrap();
    let bad = append_raw(&base, &[], &[(3, Entry::At(font_at, 0))], "");
    let r = verify(&bad);
    // kyso repairs the entry for reading (the object is found by scanning), and the update
    // that needed it is a disallowed change.
    disallowed(
        &r,
        0,
        "revision 3's cross-reference entries point at the wrong bytes",
        Some("readers that repair differently"),
    );
}

// ---------------------------------------------------------------------------------------
// Shadow attacks (prepared before signing, activated by an update after it)
// ---------------------------------------------------------------------------------------

/// A base whose page shows a cover image (object `cover`) over hidden text, plus an
/// unreferenced, alternative page-content stream and an alternative catalog and page tree:
/// what a shadow attacker plants before the victim signs.
struct Shadow {
    signed: Vec<u8>,
    cover: ObjRef,
    alt_content: ObjRef,
    alt_catalog: ObjRef,
    alt_pages: ObjRef,
    empty_cover: u64,
    planted_content: u64,
}

fn shadow_base() -> Shadow {
    let base = sample_default();
    let mut cover = ObjRef::new(0, 0);
    let mut alt_content = cover;
    let mut alt_catalog = cover;
    let mut alt_pages = cover;
    let prepared = update(&base, |doc, up| {
        let p = page1(doc);
        let mut pd = last_dict(doc, p);
        cover = up.alloc();
        up.put(cover, form_xobject([0, 0, 300, 60], b"1 g 0 0 300 60 re f"));
        let hidden = up.alloc();
        up.put(
            hidden,
            stream(
                Dict::new(),
                b"BT /F1 20 Tf 80 620 Td (Amount: 1,000,000 EUR) Tj ET",
            ),
        );
        let draw = up.alloc();
        up.put(
            draw,
            stream(Dict::new(), b"q 1 0 0 1 72 600 cm /Cover Do Q"),
        );
        let old = pd.get(b"Contents").cloned().unwrap();
        pd.set(
            "Contents",
            vec![old, Object::Ref(hidden), Object::Ref(draw)],
        );
        let mut res = pd
            .get(b"Resources")
            .and_then(Object::as_dict)
            .cloned()
            .unwrap();
        let mut xo = Dict::new();
        xo.set("Cover", cover);
        res.set("XObject", xo);
        pd.set("Resources", res);
        up.put(p, Object::Dict(pd.clone()));
        // The alternative document: another page tree and catalog, unreferenced.
        alt_content = up.alloc();
        up.put(
            alt_content,
            stream(
                Dict::new(),
                b"BT /F1 20 Tf 80 620 Td (Amount: 9,000,000 EUR) Tj ET",
            ),
        );
        alt_pages = up.alloc();
        let alt_page = up.alloc();
        let mut ap = pd.clone();
        ap.set("Contents", alt_content);
        ap.set("Parent", alt_pages);
        up.put(alt_page, Object::Dict(ap));
        let mut pages = Dict::new();
        pages.set("Type", Object::name("Pages"));
        pages.set("Kids", vec![Object::Ref(alt_page)]);
        pages.set("Count", Object::Integer(1));
        up.put(alt_pages, Object::Dict(pages));
        alt_catalog = up.alloc();
        let mut cat = Dict::new();
        cat.set("Type", Object::name("Catalog"));
        cat.set("Pages", alt_pages);
        up.put(alt_catalog, Object::Dict(cat));
    });
    // Dead bytes in the same revision: a second, empty definition of the cover and of the
    // visible content stream, listed by no xref (comment-free, as an attacker would write
    // them before the xref).
    let xref_at = rfind(&prepared, b"\nxref\n") + 1;
    let mut planted = prepared[..xref_at].to_vec();
    let empty_cover = planted.len() as u64;
    planted.extend_from_slice(
        format!(
            "{} 0 obj\n<</Type/XObject/Subtype/Form/BBox[0 0 300 60]/Length 0>>stream\n\nendstream\nendobj\n",
            cover.num
        )
        .as_bytes(),
    );
    let planted_content = planted.len() as u64;
    planted.extend_from_slice(
        b"3 0 obj\n<</Length 51>>stream\nBT /F1 18 Tf 72 770 Td (Amount: 9,000,000 EUR) Tj ET\nendstream\nendobj\n",
    );
    let shift = planted.len() - xref_at;
    // Shift the xref's startxref to the new position.
    let mut rest = prepared[xref_at..].to_vec();
    let sx_at = rfind(&rest, b"startxref\n") + b"startxref\n".len();
    let end = sx_at + rest[sx_at..].iter().position(|&c| c == b'\n').unwrap();
    let new_sx = format!("{}", xref_at + shift);
    rest.splice(sx_at..end, new_sx.bytes());
    planted.extend_from_slice(&rest);
    let signed = sign_default(&planted);
    let r = verify(&signed);
    assert!(
        r.valid,
        "the shadow base must be valid when signed:\n{}",
        show(&r)
    );
    Shadow {
        signed,
        cover,
        alt_content,
        alt_catalog,
        alt_pages,
        empty_cover,
        planted_content,
    }
}

#[test]
fn shadow_hide_by_freeing_the_cover() {
    let s = shadow_base();
    let bad = append_raw(&s.signed, &[], &[(s.cover.num, Entry::Free(1))], "");
    disallowed(
        &verify(&bad),
        0,
        &format!("object {} (XObject stream) was deleted", s.cover.num),
        None,
    );
}

#[test]
fn shadow_hide_by_repointing_the_cover_at_planted_bytes() {
    // Xref-only update: the cover's number now names the planted, empty definition.
    let s = shadow_base();
    let bad = append_raw(
        &s.signed,
        &[],
        &[(s.cover.num, Entry::At(s.empty_cover, 0))],
        "",
    );
    disallowed(&verify(&bad), 0, "XObject stream changed", None);
}

#[test]
fn shadow_hide_by_generation_bump() {
    // The cover is redefined with generation 1: "N 0 R" no longer resolves to it.
    let s = shadow_base();
    let body: &[u8] = b"<</Type/XObject/Subtype/Form/BBox[0 0 1 1]/Length 0>>stream\n\nendstream";
    let bad = append_raw(&s.signed, &[(s.cover.num, 1, body)], &[], "");
    disallowed(
        &verify(&bad),
        0,
        &format!("object {} was given a new generation (0 → 1)", s.cover.num),
        None,
    );
}

#[test]
fn shadow_replace_by_repointing_the_content_at_planted_bytes() {
    let s = shadow_base();
    let bad = append_raw(&s.signed, &[], &[(3, Entry::At(s.planted_content, 0))], "");
    disallowed(&verify(&bad), 0, "page 1 content stream replaced", None);
}

#[test]
fn shadow_replace_font() {
    let s = shadow_base();
    let bad = update(&s.signed, |_, up| {
        let mut f = Dict::new();
        f.set("Type", Object::name("Font"));
        f.set("Subtype", Object::name("Type1"));
        f.set("BaseFont", Object::name("Symbol"));
        up.put(ObjRef::new(2, 0), Object::Dict(f));
    });
    disallowed(&verify(&bad), 0, "Font dictionary changed", None);
}

#[test]
fn shadow_replace_form_field_value_after_approval() {
    let base = sign_field(&form_sample(), "Signature1");
    let bad = update(&base, |doc, up| {
        let c = ObjRef::new(6, 0);
        let mut d = last_dict(doc, c);
        d.set("V", lit("Refund 1,000,000"));
        up.put(c, Object::Dict(d));
    });
    disallowed(
        &verify(&bad),
        0,
        "field Comment filled",
        Some("form filling after an approval signature is not allowed"),
    );
}

#[test]
fn shadow_hide_and_replace_root_swap() {
    // The trailer's /Root now names the planted catalog, which the update gives the real
    // form (so the signature still shows).
    let s = shadow_base();
    let doc = open(&s.signed);
    let real = last_dict(&doc, root(&doc));
    let mut alt = last_dict(&doc, s.alt_catalog);
    alt.set("AcroForm", real.get(b"AcroForm").cloned().unwrap());
    let body = Object::Dict(alt).to_bytes();
    let bad = append_raw(
        &s.signed,
        &[(s.alt_catalog.num, 0, &body)],
        &[],
        &format!("/Root {} 0 R", s.alt_catalog.num),
    );
    let r = verify(&bad);
    disallowed(
        &r,
        0,
        "the document catalog (/Root) was replaced by another object",
        None,
    );
    // Without the form, the swap hides the signature: not valid either.
    let bare = append_raw(
        &s.signed,
        &[],
        &[],
        &format!("/Root {} 0 R", s.alt_catalog.num),
    );
    let r = verify(&bare);
    assert!(!r.valid, "{}", show(&r));
    assert!(
        r.findings.iter().any(|f| f.id == "unreachable-signature"),
        "{}",
        show(&r)
    );
}

#[test]
fn shadow_hide_and_replace_pages_swap() {
    let s = shadow_base();
    let bad = update(&s.signed, |doc, up| {
        let c = root(doc);
        let mut cd = last_dict(doc, c);
        cd.set("Pages", s.alt_pages);
        up.put(c, Object::Dict(cd));
    });
    disallowed(&verify(&bad), 0, "page tree (/Pages) replaced", None);
}

#[test]
fn shadow_hide_and_replace_by_repointing_the_page_tree() {
    // Xref-only: the original /Pages number now resolves to the planted page tree's bytes.
    let s = shadow_base();
    let doc = open(&s.signed);
    let alt_at = doc
        .offset_of(doc.last_revision(), s.alt_content.num)
        .unwrap();
    let _ = alt_at;
    let pages_at = doc.offset_of(doc.last_revision(), s.alt_pages.num).unwrap();
    // Object 1 (the page tree root) re-pointed at a copy of the alternative tree.
    let mut bad = s.signed.clone();
    let copy_at = bad.len() as u64;
    let alt = last_dict(&doc, s.alt_pages);
    bad.extend_from_slice(
        format!(
            "1 0 obj\n{}\nendobj\n",
            String::from_utf8_lossy(&Object::Dict(alt).to_bytes())
        )
        .as_bytes(),
    );
    let _ = pages_at;
    // Append a table that lists only the re-pointed entry.
    let bad = {
        let prev = doc.revisions().last().unwrap().xref_offsets[0];
        let xref = bad.len();
        let mut b = bad;
        let t = doc.trailer(doc.last_revision());
        b.extend_from_slice(
            format!(
                "xref\n1 1\n{copy_at:010} 00000 n\r\ntrailer\n<</Size {}/Prev {prev}/Root {} 0 R>>\nstartxref\n{xref}\n%%EOF\n",
                t.get_int(b"Size").unwrap(),
                root(&doc).num
            )
            .as_bytes(),
        );
        b
    };
    disallowed(&verify(&bad), 0, "Pages dictionary changed", None);
}

#[test]
fn shadow_hide_by_switching_a_layer_on() {
    // Optional content prepared before signing (hidden layer), switched on afterwards.
    let base = update(&sample_default(), |doc, up| {
        let oc = up.alloc();
        let mut ocg = Dict::new();
        ocg.set("Type", Object::name("OCG"));
        ocg.set("Name", lit("Hidden"));
        up.put(oc, Object::Dict(ocg));
        let c = root(doc);
        let mut cd = last_dict(doc, c);
        let mut d = Dict::new();
        d.set("OFF", vec![Object::Ref(oc)]);
        let mut props = Dict::new();
        props.set("OCGs", vec![Object::Ref(oc)]);
        props.set("D", d);
        cd.set("OCProperties", props);
        up.put(c, Object::Dict(cd));
    });
    let signed = sign_default(&base);
    assert!(verify(&signed).valid);
    let bad = update(&signed, |doc, up| {
        let c = root(doc);
        let mut cd = last_dict(doc, c);
        let mut props = cd
            .get(b"OCProperties")
            .and_then(Object::as_dict)
            .cloned()
            .unwrap();
        props.set("D", Dict::new());
        cd.set("OCProperties", props);
        up.put(c, Object::Dict(cd));
    });
    disallowed(
        &verify(&bad),
        0,
        "optional content (layer visibility) changed",
        None,
    );
}

// ---------------------------------------------------------------------------------------
// Certification: Evil Annotation and Sneaky Signature attacks
// ---------------------------------------------------------------------------------------

fn free_text_over_title(doc: &Document, up: &mut IncrementalUpdate) -> ObjRef {
    let ap = up.alloc();
    up.put(
        ap,
        form_xobject(
            [0, 0, 340, 40],
            b"1 g 0 0 340 40 re f 0 g BT /F1 18 Tf 2 12 Td (PAID IN FULL) Tj ET",
        ),
    );
    let a = up.alloc();
    let mut d = Dict::new();
    d.set("Type", Object::name("Annot"));
    d.set("Subtype", Object::name("FreeText"));
    d.set("Rect", rect([60, 760, 400, 800]));
    d.set("Contents", lit("PAID IN FULL"));
    d.set("DA", lit("/Helv 18 Tf 0 g"));
    d.set("F", Object::Integer(4));
    d.set("P", page1(doc));
    let mut apd = Dict::new();
    apd.set("N", ap);
    d.set("AP", apd);
    up.put(a, Object::Dict(d));
    add_to_annots(doc, up, a);
    a
}

fn stamp_over_title(doc: &Document, up: &mut IncrementalUpdate) -> ObjRef {
    let ap = up.alloc();
    up.put(
        ap,
        form_xobject([0, 0, 200, 50], b"1 0 0 rg 0 0 200 50 re f"),
    );
    let a = up.alloc();
    let mut d = Dict::new();
    d.set("Type", Object::name("Annot"));
    d.set("Subtype", Object::name("Stamp"));
    d.set("Rect", rect([70, 765, 270, 815]));
    d.set("Name", Object::name("Approved"));
    d.set("F", Object::Integer(4));
    d.set("P", page1(doc));
    let mut apd = Dict::new();
    apd.set("N", ap);
    d.set("AP", apd);
    up.put(a, Object::Dict(d));
    add_to_annots(doc, up, a);
    a
}

#[test]
fn eaa_free_text_on_a_p2_certified_document() {
    let cert = certify(&form_sample(), 2);
    let bad = update(&cert, |doc, up| {
        free_text_over_title(doc, up);
    });
    let r = verify(&bad);
    assert_eq!(sig(&r, 0).kind, "certification");
    disallowed(
        &r,
        0,
        "annotation FreeText added on page 1",
        Some("the certification (P=2) does not allow annotations"),
    );
}

#[test]
fn eaa_free_text_over_text_on_a_p3_certified_document() {
    let cert = certify(&form_sample(), 3);
    let bad = update(&cert, |doc, up| {
        free_text_over_title(doc, up);
    });
    disallowed(
        &verify(&bad),
        0,
        "annotation FreeText added on page 1 over text",
        Some("Evil Annotation Attack"),
    );
}

#[test]
fn eaa_stamp_over_text_on_a_p3_certified_document() {
    let cert = certify(&form_sample(), 3);
    let bad = update(&cert, |doc, up| {
        stamp_over_title(doc, up);
    });
    disallowed(
        &verify(&bad),
        0,
        "annotation Stamp added on page 1 over text",
        None,
    );
}

#[test]
fn eaa_annotation_after_an_approval_signature() {
    let bad = update(&signed(), |doc, up| {
        free_text_over_title(doc, up);
    });
    disallowed(
        &verify(&bad),
        0,
        "annotation FreeText added on page 1",
        Some("annotations may not change after an approval signature"),
    );
}

#[test]
fn eaa_moving_a_sticky_note_over_text_on_p3() {
    // A benign sticky note, later changed to show text over the certified content.
    let cert = certify(&form_sample(), 3);
    let mut note = ObjRef::new(0, 0);
    let noted = update(&cert, |doc, up| {
        note = sticky_note(doc, up);
    });
    accepted(&verify(&noted));
    let bad = update(&noted, |doc, up| {
        let mut d = last_dict(doc, note);
        d.set("Rect", rect([60, 760, 400, 800]));
        d.set("Subtype", Object::name("FreeText"));
        up.put(note, Object::Dict(d));
    });
    disallowed(
        &verify(&bad),
        0,
        "annotation FreeText changed on page 1 over text",
        None,
    );
}

/// Adds an empty signature field with a visible appearance over the title.
fn sneaky_field(doc: &Document, up: &mut IncrementalUpdate, name: &str, r: [i64; 4]) -> ObjRef {
    let ap = up.alloc();
    up.put(
        ap,
        form_xobject(
            [0, 0, r[2] - r[0], r[3] - r[1]],
            b"1 g 0 0 340 40 re f 0 g BT /F1 18 Tf 2 12 Td (Refund: 1,000,000) Tj ET",
        ),
    );
    let f = up.alloc();
    let mut d = Dict::new();
    d.set("Type", Object::name("Annot"));
    d.set("Subtype", Object::name("Widget"));
    d.set("FT", Object::name("Sig"));
    d.set("T", lit(name));
    d.set("F", Object::Integer(4));
    d.set("Rect", rect(r));
    d.set("P", page1(doc));
    let mut apd = Dict::new();
    apd.set("N", ap);
    d.set("AP", apd);
    up.put(f, Object::Dict(d));
    add_to_annots(doc, up, f);
    add_to_fields(doc, up, f);
    f
}

#[test]
fn ssa_new_signature_widget_over_text_on_a_p2_certified_document() {
    let cert = certify(&form_sample(), 2);
    let with_field = update(&cert, |doc, up| {
        sneaky_field(doc, up, "Sneaky", [60, 760, 400, 800]);
    });
    let bad = sign_field(&with_field, "Sneaky");
    let r = verify(&bad);
    disallowed(
        &r,
        0,
        "signature field Sneaky added over text on page 1",
        Some("Sneaky Signature Attack"),
    );
    // The attacker's own signature is intact: only the certification reports the attack.
    assert_eq!(
        sig(&r, 1).indication,
        Indication::TotalPassed,
        "{}",
        show(&r)
    );
}

#[test]
fn ssa_new_signature_widget_over_a_form_field() {
    let cert = certify(&form_sample(), 2);
    let with_field = update(&cert, |doc, up| {
        // Over the Comment text field at [72 700 372 720].
        sneaky_field(doc, up, "Sneaky", [100, 690, 300, 730]);
    });
    let bad = sign_field(&with_field, "Sneaky");
    disallowed(
        &verify(&bad),
        0,
        "signature field Sneaky added over a form field or annotation on page 1",
        None,
    );
}

#[test]
fn ssa_existing_empty_signature_field_moved_over_text() {
    // The certifier left an empty field for a co-signer; the attacker moves it over the
    // certified text and gives it an appearance while signing.
    let base = update(&form_sample(), |doc, up| {
        let f = up.alloc();
        let mut d = Dict::new();
        d.set("Type", Object::name("Annot"));
        d.set("Subtype", Object::name("Widget"));
        d.set("FT", Object::name("Sig"));
        d.set("T", lit("CoSigner"));
        d.set("F", Object::Integer(4));
        d.set("Rect", rect([400, 50, 550, 100]));
        d.set("P", page1(doc));
        up.put(f, Object::Dict(d));
        add_to_annots(doc, up, f);
        add_to_fields(doc, up, f);
    });
    let cert = certify(&base, 2);
    let doc = open(&cert);
    let field = kyso::form::fields_in(&doc, doc.last_revision())
        .unwrap()
        .into_iter()
        .find(|f| f.name == "CoSigner")
        .unwrap()
        .object
        .unwrap();
    let moved = update(&cert, |doc, up| {
        let ap = up.alloc();
        up.put(
            ap,
            form_xobject([0, 0, 340, 40], b"0 g BT /F1 18 Tf 2 12 Td (VOID) Tj ET"),
        );
        let mut d = last_dict(doc, field);
        d.set("Rect", rect([60, 760, 400, 800]));
        let mut apd = Dict::new();
        apd.set("N", ap);
        d.set("AP", apd);
        up.put(field, Object::Dict(d));
    });
    let bad = sign_field(&moved, "CoSigner");
    disallowed(
        &verify(&bad),
        0,
        "signature field CoSigner changed (AP, Rect)",
        Some("a signature field may only receive a new signature"),
    );
}

#[test]
fn certification_p1_forbids_further_signatures() {
    let cert = certify(&form_sample(), 1);
    // kyso refuses to sign it.
    let err = kyso::sign::sign_pdf(&cert, &signer_for(&pki().ec), &SignOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("certified with P=1"), "{err}");
    // A signature added anyway (by a tool that ignores P): sign a copy whose /P reads 2,
    // then restore the certified bytes.
    let at = rfind(&cert, b"/P 1");
    let mut loosened = cert.clone();
    loosened[at + 3] = b'2';
    let mut bad = sign_field(&loosened, "Signature2");
    bad[at + 3] = b'1';
    let r = verify(&bad);
    assert_eq!(sig(&r, 0).docmdp_level.map(|l| l.p()), Some(1));
    disallowed(
        &r,
        0,
        "signature added",
        Some("the certification (P=1) allows no further signatures"),
    );
}

#[test]
fn certification_must_be_the_first_signature() {
    // An approval signature, then a certification written by a tool that does not check.
    let first = sign_field(&form_sample(), "Signature1");
    let prepared = kyso::sign::prepare(
        &first,
        &SignOptions::default(),
        kyso::time::now(),
        kyso::sign::cms_capacity(
            &signer_for(&pki().rsa),
            &SignOptions::default(),
            kyso::time::now(),
        )
        .unwrap(),
        {
            let mut d = Dict::new();
            d.set(
                "Reference",
                vec![Object::Dict(kyso::sign::certify::docmdp_reference(2))],
            );
            d
        },
    )
    .unwrap();
    let digest = prepared.digest(kyso::crypto::DigestAlgorithm::Sha256);
    let s = signer_for(&pki().rsa);
    let cms = kyso::sign::build_cms(&s, &SignOptions::default(), kyso::time::now(), &digest, &[])
        .unwrap();
    let bad = prepared.embed(&cms).unwrap();
    let r = verify(&bad);
    let c = sig(&r, 1);
    assert_eq!(c.kind, "certification", "{}", show(&r));
    format_failure(
        &r,
        1,
        "certification",
        "a certification signature must be the document's first signature; 1 signature precedes it",
    );
    // kyso itself refuses to certify a signed document.
    let err = kyso::sign::sign_pdf(
        &first,
        &signer_for(&pki().rsa),
        &SignOptions {
            certify: Some(2),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("already signed"), "{err}");
}

#[test]
fn field_locks_are_enforced_on_both_sides() {
    // Signature1 locks Comment and Witness once signed.
    let base = update(&form_sample(), |doc, up| {
        let w = up.alloc();
        let mut d = Dict::new();
        d.set("Type", Object::name("Annot"));
        d.set("Subtype", Object::name("Widget"));
        d.set("FT", Object::name("Sig"));
        d.set("T", lit("Witness"));
        d.set("F", Object::Integer(132));
        d.set("Rect", rect([0, 0, 0, 0]));
        d.set("P", page1(doc));
        up.put(w, Object::Dict(d));
        add_to_annots(doc, up, w);
        add_to_fields(doc, up, w);
        let s1 = ObjRef::new(5, 0);
        let mut sd = last_dict(doc, s1);
        let mut lock = Dict::new();
        lock.set("Type", Object::name("SigFieldLock"));
        lock.set("Action", Object::name("Include"));
        lock.set("Fields", vec![lit("Comment"), lit("Witness")]);
        sd.set("Lock", lock);
        up.put(s1, Object::Dict(sd));
    });
    let signed = sign_field(&base, "Signature1");
    // The signature dictionary carries the FieldMDP transform.
    assert!(
        signed
            .windows(b"/TransformMethod /FieldMDP".len())
            .any(|w| w == b"/TransformMethod /FieldMDP"),
        "no FieldMDP reference written"
    );
    assert!(verify(&signed).valid);
    // Signing the locked Witness field is refused.
    let err = kyso::sign::sign_pdf(
        &signed,
        &signer_for(&pki().ec),
        &SignOptions {
            field: Some("Witness".into()),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "field Witness is locked by the signature in field Signature1"
    );
    // Filling the locked Comment field is disallowed even when form filling is allowed.
    let filled = update(&signed, |doc, up| {
        let c = ObjRef::new(6, 0);
        let mut d = last_dict(doc, c);
        d.set("V", lit("changed"));
        up.put(c, Object::Dict(d));
    });
    disallowed(
        &verify_with(&filled, true),
        0,
        "field Comment filled",
        Some("field Comment is locked by the signature in field Signature1"),
    );
}

// ---------------------------------------------------------------------------------------
// Object streams, hybrid files
// ---------------------------------------------------------------------------------------

fn xref_stream_sample() -> Vec<u8> {
    sample(&SampleOptions {
        xref_stream: true,
        pages: 2,
        ..Default::default()
    })
}

/// A compressed object of the newest revision: (number, container, index).
fn compressed_object(doc: &Document) -> (u32, u32, u32) {
    let last = doc.last_revision();
    for n in doc.object_numbers_in(last) {
        if let Some((_, kyso::pdf::XrefEntry::Compressed { stream, index })) = doc.entry_in(last, n)
        {
            if let Ok(Object::Dict(d)) = doc.resolve(ObjRef::new(n, 0)) {
                if d.get_name(b"Type") == Some(b"Font") {
                    return (n, stream, index);
                }
            }
        }
    }
    panic!("no compressed font object");
}

#[test]
fn replacing_an_object_stream_container_is_disallowed() {
    // The update redefines the object stream that holds the font: the objects inside it
    // change although the update lists none of them.
    let base = sign_default(&xref_stream_sample());
    let doc = open(&base);
    let (font, container, _) = compressed_object(&doc);
    let Object::Stream(s) = doc.resolve(ObjRef::new(container, 0)).unwrap() else {
        panic!()
    };
    let data = doc.stream_decoded(&s).unwrap();
    let text = String::from_utf8_lossy(&data).replace("Helvetica", "Symbol   ");
    let mut d = Dict::new();
    d.set("Type", Object::name("ObjStm"));
    d.set("N", s.dict.get(b"N").cloned().unwrap());
    d.set("First", s.dict.get(b"First").cloned().unwrap());
    let bad = update(&base, |_, up| {
        up.put(ObjRef::new(container, 0), stream(d, text.as_bytes()));
    });
    let r = verify(&bad);
    disallowed(&r, 0, "Font dictionary changed", None);
    assert!(
        sig(&r, 0)
            .changes
            .iter()
            .any(|c| c.object.as_deref() == Some(&format!("{font} 0"))),
        "{}",
        show(&r)
    );
}

#[test]
fn hybrid_update_whose_xref_stream_contradicts_its_table_is_disallowed() {
    let base = signed();
    let doc = open(&base);
    let size = doc.trailer(doc.last_revision()).get_int(b"Size").unwrap() as u32;
    let (objstm, xstm) = (size, size + 1);
    let mut out = base.clone();
    // An object stream with a different font as object 2.
    let body = b"2 0 <</Type/Font/Subtype/Type1/BaseFont/Symbol>>";
    let os_at = out.len();
    out.extend_from_slice(
        format!(
            "{objstm} 0 obj\n<</Type/ObjStm/N 1/First 4/Length {}>>stream\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    // The /XRefStm stream: object 2 compressed in the new object stream.
    let mut data = vec![2u8];
    data.extend_from_slice(&objstm.to_be_bytes());
    data.extend_from_slice(&[0, 0]);
    let xs_at = out.len();
    out.extend_from_slice(
        format!(
            "{xstm} 0 obj\n<</Type/XRef/Size {}/W[1 4 2]/Index[2 1]/Length {}>>stream\n",
            xstm + 1,
            data.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    // The table: it keeps object 2 where it was (a pre-1.5 reader's view).
    let font_at = doc.offset_of(doc.last_revision(), 2).unwrap();
    let xref = out.len();
    let prev = doc.revisions().last().unwrap().xref_offsets[0];
    out.extend_from_slice(
        format!(
            "xref\n2 1\n{font_at:010} 00000 n\r\n{objstm} 2\n{os_at:010} 00000 n\r\n{xs_at:010} 00000 n\r\ntrailer\n<</Size {}/Prev {prev}/Root {} 0 R/Info 6 0 R/XRefStm {xs_at}>>\nstartxref\n{xref}\n%%EOF\n",
            xstm + 1,
            root(&doc).num
        )
        .as_bytes(),
    );
    let r = verify(&out);
    disallowed(
        &r,
        0,
        "the xref table and its /XRefStm stream disagree about object 2",
        None,
    );
}

#[test]
fn hybrid_update_hiding_a_change_in_its_xref_stream_is_disallowed() {
    // The table does not mention object 2; only the /XRefStm stream re-points it.
    let base = signed();
    let doc = open(&base);
    let size = doc.trailer(doc.last_revision()).get_int(b"Size").unwrap() as u32;
    let (objstm, xstm) = (size, size + 1);
    let mut out = base.clone();
    let body = b"2 0 <</Type/Font/Subtype/Type1/BaseFont/Symbol>>";
    let os_at = out.len();
    out.extend_from_slice(
        format!(
            "{objstm} 0 obj\n<</Type/ObjStm/N 1/First 4/Length {}>>stream\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let mut data = vec![2u8];
    data.extend_from_slice(&objstm.to_be_bytes());
    data.extend_from_slice(&[0, 0]);
    let xs_at = out.len();
    out.extend_from_slice(
        format!(
            "{xstm} 0 obj\n<</Type/XRef/Size {}/W[1 4 2]/Index[2 1]/Length {}>>stream\n",
            xstm + 1,
            data.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = out.len();
    let prev = doc.revisions().last().unwrap().xref_offsets[0];
    out.extend_from_slice(
        format!(
            "xref\n{objstm} 2\n{os_at:010} 00000 n\r\n{xs_at:010} 00000 n\r\ntrailer\n<</Size {}/Prev {prev}/Root {} 0 R/Info 6 0 R/XRefStm {xs_at}>>\nstartxref\n{xref}\n%%EOF\n",
            xstm + 1,
            root(&doc).num
        )
        .as_bytes(),
    );
    disallowed(&verify(&out), 0, "Font dictionary changed", None);
}

// ---------------------------------------------------------------------------------------
// Dangling references, cycles, self-references
// ---------------------------------------------------------------------------------------

#[test]
fn defining_an_object_the_signed_revision_references_is_disallowed() {
    // The signed page draws content stream 77, which does not exist when signing (an empty
    // page part); DSS-shaped bookkeeping later defines it.
    let base = update(&sample_default(), |doc, up| {
        let p = page1(doc);
        let mut pd = last_dict(doc, p);
        let old = pd.get(b"Contents").cloned().unwrap();
        pd.set("Contents", vec![old, Object::Ref(ObjRef::new(77, 0))]);
        up.put(p, Object::Dict(pd));
    });
    let signed = sign_default(&base);
    assert!(verify(&signed).valid);
    let bad = update(&signed, |doc, up| {
        up.put(
            ObjRef::new(77, 0),
            stream(Dict::new(), b"BT /F1 24 Tf 72 700 Td (PAID) Tj ET"),
        );
        let c = root(doc);
        let mut cd = last_dict(doc, c);
        let mut dss = Dict::new();
        dss.set("Certs", vec![Object::Ref(ObjRef::new(77, 0))]);
        cd.set("DSS", dss);
        up.put(c, Object::Dict(cd));
    });
    disallowed(
        &verify(&bad),
        0,
        "object 77 (stream), which the signed revision references but does not define, was added",
        None,
    );
}

#[test]
fn prev_cycles_terminate_and_are_not_valid() {
    let base = signed();
    // The new section's /Prev names itself.
    let xref = base.len() + "40 0 obj\n1\nendobj\n".len();
    let bad = append_raw(&base, &[(40, 0, b"1")], &[], &format!("/Prev {xref}"));
    let r = verify(&bad);
    assert!(!r.valid);
    // The loop makes the cross-references unreadable; they are rebuilt for reading, and no
    // signature can be valid.
    assert!(
        r.findings.iter().any(|f| f.id == "xref-repaired"
            && f.status == kyso::report::CheckStatus::Failed
            && f.message.contains("loops back")),
        "{}",
        show(&r)
    );
    // Two sections naming each other.
    let one = append_raw(&base, &[(40, 0, b"1")], &[], "");
    let first_xref = rfind(&one, b"\nxref\n") + 1;
    let two = append_raw(&one, &[(41, 0, b"2")], &[], "");
    let second_xref = rfind(&two, b"\nxref\n") + 1;
    let prev_text = format!("/Prev {}", rfind(&one[..first_xref], b"\nxref\n") + 1);
    let looped = patch(
        &two,
        first_xref,
        prev_text.as_bytes(),
        format!("/Prev {second_xref}").as_bytes(),
    );
    let r = verify(&looped);
    assert!(!r.valid, "{}", show(&r));
}

#[test]
fn self_referencing_objects_terminate_and_are_not_valid() {
    let base = signed();
    let doc = open(&base);
    let size = doc.trailer(doc.last_revision()).get_int(b"Size").unwrap() as u32;
    let (a, b, c) = (size, size + 1, size + 2);
    let p = page1(&doc);
    let mut pd = last_dict(&doc, p);
    pd.set("Annots", ObjRef::new(a, 0));
    let page = String::from_utf8_lossy(&Object::Dict(pd).to_bytes()).into_owned();
    let field = format!("<</FT/Tx/T(Loop)/Kids[{b} 0 R]/Parent {b} 0 R>>");
    let bad = append_raw(
        &base,
        &[
            (a, 0, format!("[{a} 0 R {b} 0 R]").as_bytes()),
            (b, 0, field.as_bytes()),
            (c, 0, format!("{c} 0 R").as_bytes()),
            (p.num, 0, page.as_bytes()),
        ],
        &[],
        "",
    );
    let r = verify(&bad);
    assert!(!r.valid, "{}", show(&r));
    // A page tree that contains itself.
    let bad = append_raw(
        &base,
        &[(1, 0, b"<</Type/Pages/Kids[1 0 R 4 0 R]/Count 2>>")],
        &[],
        "",
    );
    let r = verify(&bad);
    assert!(!r.valid, "{}", show(&r));
    disallowed(&r, 0, "Pages dictionary changed", None);
}

// ---------------------------------------------------------------------------------------
// Benign changes: kyso and pyHanko both accept
// ---------------------------------------------------------------------------------------

fn add_dss(base: &[u8]) -> Vec<u8> {
    update(base, |doc, up| {
        let cert = up.alloc();
        up.put(cert, stream(Dict::new(), pki().intermediate.cert.der()));
        let dss = up.alloc();
        let mut d = Dict::new();
        d.set("Certs", vec![Object::Ref(cert)]);
        up.put(dss, Object::Dict(d));
        let c = root(doc);
        let mut cd = last_dict(doc, c);
        cd.set("DSS", dss);
        up.put(c, Object::Dict(cd));
    })
}

#[test]
fn benign_dss_after_signing() {
    let ok = add_dss(&signed());
    let r = verify(&ok);
    accepted(&r);
    assert!(
        sig(&r, 0)
            .changes
            .iter()
            .any(|c| c.description == "DSS added"),
        "{}",
        show(&r)
    );
    pyhanko_accepts("dss", &ok);
}

#[test]
fn benign_document_timestamp_shape_is_an_allowed_change() {
    // A DocTimeStamp-shaped update (structure only: its token is not a real time-stamp).
    for base in [signed(), certify(&form_sample(), 1)] {
        let t = sig_text(&base);
        let ts = update(&base, |doc, up| {
            let v = up.alloc();
            let mut d = Dict::new();
            d.set("Type", Object::name("DocTimeStamp"));
            d.set("Filter", Object::name("Adobe.PPKLite"));
            d.set("SubFilter", Object::name("ETSI.RFC3161"));
            d.set("ByteRange", vec![Object::Integer(0); 4]);
            d.set("Contents", PdfString::hex(vec![1u8; 16]));
            up.put(v, Object::Dict(d));
            let f = up.alloc();
            let mut fd = Dict::new();
            fd.set("Type", Object::name("Annot"));
            fd.set("Subtype", Object::name("Widget"));
            fd.set("FT", Object::name("Sig"));
            fd.set("T", lit("Timestamp1"));
            fd.set("V", v);
            fd.set("F", Object::Integer(132));
            fd.set("Rect", rect([0, 0, 0, 0]));
            fd.set("P", page1(doc));
            up.put(f, Object::Dict(fd));
            add_to_annots(doc, up, f);
            let c = root(doc);
            let mut cd = last_dict(doc, c);
            match cd.get(b"AcroForm").cloned() {
                Some(Object::Ref(ar)) => {
                    let mut acro = last_dict(doc, ar);
                    let mut fields = acro
                        .get(b"Fields")
                        .and_then(Object::as_array)
                        .map(<[Object]>::to_vec)
                        .unwrap();
                    fields.push(Object::Ref(f));
                    acro.set("Fields", fields);
                    up.put(ar, Object::Dict(acro));
                }
                _ => {
                    let mut acro = cd
                        .get(b"AcroForm")
                        .and_then(Object::as_dict)
                        .cloned()
                        .unwrap();
                    let mut fields = acro
                        .get(b"Fields")
                        .and_then(Object::as_array)
                        .map(<[Object]>::to_vec)
                        .unwrap();
                    fields.push(Object::Ref(f));
                    acro.set("Fields", fields);
                    cd.set("AcroForm", acro);
                    up.put(c, Object::Dict(cd));
                }
            }
        });
        let _ = t;
        let r = verify(&ts);
        let s = r
            .signatures
            .iter()
            .find(|s| s.field == "Signature1")
            .unwrap_or_else(|| panic!("{}", show(&r)));
        assert_eq!(s.indication, Indication::TotalPassed, "{}", show(&r));
        assert!(s.changes.iter().all(|c| c.allowed), "{}", show(&r));
        assert!(
            s.changes
                .iter()
                .any(|c| c.description == "document time-stamp added"),
            "{}",
            show(&r)
        );
    }
}

fn fill_comment(base: &[u8], value: &str) -> Vec<u8> {
    update(base, |doc, up| {
        let ap = up.alloc();
        up.put(
            ap,
            form_xobject(
                [0, 0, 300, 20],
                format!("/Tx BMC BT /F1 10 Tf 2 6 Td ({value}) Tj ET EMC").as_bytes(),
            ),
        );
        let c = ObjRef::new(6, 0);
        let mut d = last_dict(doc, c);
        d.set("V", lit(value));
        let mut apd = Dict::new();
        apd.set("N", ap);
        d.set("AP", apd);
        up.put(c, Object::Dict(d));
    })
}

#[test]
fn benign_p2_fill_then_sign() {
    let cert = certify(&form_sample(), 2);
    let filled = fill_comment(&cert, "Approved");
    let r = verify(&filled);
    accepted(&r);
    assert_eq!(sig(&r, 0).kind, "certification");
    assert_eq!(sig(&r, 0).docmdp_level.map(|l| l.p()), Some(2));
    assert!(
        sig(&r, 0)
            .changes
            .iter()
            .any(|c| c.description == "field Comment filled"
                && c.reason == "the certification (P=2) allows form filling"),
        "{}",
        show(&r)
    );
    let both = sign_field(&filled, "Signature2");
    let r = verify(&both);
    accepted(&r);
    assert_eq!(r.signatures.len(), 2);
    pyhanko_accepts("p2-fill-sign", &both);
}

#[test]
fn form_filling_after_approval_is_an_option() {
    let base = sign_field(&form_sample(), "Signature1");
    let filled = fill_comment(&base, "Approved");
    disallowed(&verify(&filled), 0, "field Comment filled", None);
    let r = verify_with(&filled, true);
    accepted(&r);
    assert!(
        sig(&r, 0)
            .changes
            .iter()
            .any(|c| c.description == "field Comment filled"
                && c.reason
                    .contains("allowed by the validation option allow_form_filling")),
        "{}",
        show(&r)
    );
    // Moving the field is not filling, even with the option.
    let moved = update(&base, |doc, up| {
        let c = ObjRef::new(6, 0);
        let mut d = last_dict(doc, c);
        d.set("Rect", rect([72, 760, 372, 780]));
        up.put(c, Object::Dict(d));
    });
    disallowed(
        &verify_with(&moved, true),
        0,
        "field Comment moved or resized",
        None,
    );
}

fn sticky_note(doc: &Document, up: &mut IncrementalUpdate) -> ObjRef {
    let icon = up.alloc();
    up.put(
        icon,
        form_xobject(
            [0, 0, 20, 20],
            b"1 1 0 rg 0 0 20 20 re f 0 G 2 2 16 16 re S",
        ),
    );
    let note = up.alloc();
    let popup = up.alloc();
    let mut d = Dict::new();
    d.set("Type", Object::name("Annot"));
    d.set("Subtype", Object::name("Text"));
    d.set("Rect", rect([540, 800, 560, 820]));
    d.set("Contents", lit("Checked, fine."));
    d.set("Name", Object::name("Comment"));
    d.set("F", Object::Integer(28));
    d.set("P", page1(doc));
    d.set("Popup", popup);
    let mut apd = Dict::new();
    apd.set("N", icon);
    d.set("AP", apd);
    up.put(note, Object::Dict(d));
    let mut pd = Dict::new();
    pd.set("Type", Object::name("Annot"));
    pd.set("Subtype", Object::name("Popup"));
    pd.set("Rect", rect([560, 700, 590, 820]));
    pd.set("Parent", note);
    pd.set("F", Object::Integer(28));
    up.put(popup, Object::Dict(pd));
    add_to_annots(doc, up, note);
    // add_to_annots rewrote page 1; add the popup to the same dict.
    let p = page1(doc);
    if let Some(Object::Dict(mut pg)) = up.objects().get(&p).cloned() {
        let mut annots = pg
            .get(b"Annots")
            .and_then(Object::as_array)
            .map(<[Object]>::to_vec)
            .unwrap();
        annots.push(Object::Ref(popup));
        pg.set("Annots", annots);
        up.put(p, Object::Dict(pg));
    }
    note
}

#[test]
fn benign_p3_sticky_note() {
    let cert = certify(&form_sample(), 3);
    let noted = update(&cert, |doc, up| {
        sticky_note(doc, up);
    });
    let r = verify(&noted);
    accepted(&r);
    assert!(
        sig(&r, 0)
            .changes
            .iter()
            .any(|c| c.description == "annotation Text added on page 1"),
        "{}",
        show(&r)
    );
    // pyHanko's standard diff policy does not support P=3 (it says so and rejects the note):
    // a known limitation of the peer, pinned here.
    pyhanko_differs("p3-note", &noted, "not designed to support DocMDP level 3");
    // On a P=2 document the same note is not allowed.
    let cert2 = certify(&form_sample(), 2);
    let noted2 = update(&cert2, |doc, up| {
        sticky_note(doc, up);
    });
    disallowed(&verify(&noted2), 0, "annotation Text added on page 1", None);
}

#[test]
fn benign_second_signature_and_visible_signature_in_blank_space() {
    let two = sign_with(&signed(), &pki().ec, &SignOptions::default());
    accepted(&verify(&two));
    pyhanko_accepts("two", &two);
    // A visible signature field placed where the page is blank is allowed.
    let cert = certify(&form_sample(), 2);
    let with_field = update(&cert, |doc, up| {
        sneaky_field(doc, up, "Visible", [350, 100, 550, 160]);
    });
    let both = sign_field(&with_field, "Visible");
    let r = verify(&both);
    accepted(&r);
    // pyHanko's default policy rejects every new visible signature field after a
    // certification (stricter than ISO 32000 P=2); after an approval signature both accept.
    pyhanko_differs("visible-after-cert", &both, "Error in diff operation");
    let approval = sign_field(&form_sample(), "Signature1");
    let with_field = update(&approval, |doc, up| {
        sneaky_field(doc, up, "Visible", [350, 100, 550, 160]);
    });
    let both = sign_field(&with_field, "Visible");
    accepted(&verify(&both));
    pyhanko_accepts("visible-blank", &both);
}

#[test]
fn benign_object_streams() {
    let once = sign_default(&xref_stream_sample());
    accepted(&verify(&once));
    let twice = sign_with(&once, &pki().ec, &SignOptions::default());
    accepted(&verify(&twice));
    let dss = add_dss(&twice);
    accepted(&verify(&dss));
    pyhanko_accepts("objstm", &dss);
}

#[test]
fn benign_linearized_file() {
    let w = Workspace::new();
    let plain = w.write(
        "plain.pdf",
        &sample(&SampleOptions {
            pages: 3,
            ..Default::default()
        }),
    );
    let lin = w.path("lin.pdf");
    let o = Command::new(peer("qpdf"))
        .arg("--linearize")
        .arg(&plain)
        .arg(&lin)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let lin = std::fs::read(&lin).unwrap();
    let once = sign_default(&lin);
    accepted(&verify(&once));
    let twice = sign_with(&once, &pki().ec, &SignOptions::default());
    let r = verify(&twice);
    accepted(&r);
    pyhanko_accepts("linearized", &twice);
    // An attack on the linearized file is still seen.
    let bad = update(&once, |doc, up| {
        let c = last_dict(doc, page1(doc)).get_ref(b"Contents").unwrap();
        up.put(
            c,
            stream(Dict::new(), b"BT /F1 24 Tf 72 700 Td (PAID) Tj ET"),
        );
    });
    disallowed(&verify(&bad), 0, "page 1 content stream replaced", None);
    let _ = Path::new("");
}

#[test]
fn benign_updates_made_before_signing() {
    let edited = update(&sample_default(), |doc, up| {
        let c = last_dict(doc, page1(doc)).get_ref(b"Contents").unwrap();
        up.put(
            c,
            stream(
                Dict::new(),
                b"BT /F1 18 Tf 72 770 Td (Edited before signing) Tj ET",
            ),
        );
    });
    let edited = update(&edited, |doc, up| {
        free_text_over_title(doc, up);
    });
    let s = sign_default(&edited);
    let r = verify(&s);
    accepted(&r);
    assert_eq!(sig(&r, 0).coverage.as_ref().unwrap().kind, "whole-file");
    pyhanko_accepts("edited-before", &s);
}

#[test]
fn certified_signature_report_shows_kind_and_level() {
    let cert = certify(&form_sample(), 3);
    let r = verify(&cert);
    accepted(&r);
    let s = sig(&r, 0);
    assert_eq!(s.kind, "certification");
    assert_eq!(s.docmdp_level.map(|l| l.p()), Some(3));
    let c = s.checks.iter().find(|c| c.id == "certification").unwrap();
    assert_eq!(
        c.message,
        "certification signature (DocMDP P=3): later revisions may add form filling, signing and annotations"
    );
    let text = show(&r);
    assert!(
        text.contains("(certification, P=3): TOTAL-PASSED"),
        "{text}"
    );
    // The catalog names it and the dictionary carries the DocMDP transform.
    let doc = open(&cert);
    let perms = kyso::diff::permissions::perms_docmdp(&doc, doc.last_revision()).unwrap();
    let sd = last_dict(&doc, perms);
    assert_eq!(
        kyso::diff::permissions::transforms(&doc, doc.last_revision(), &sd).docmdp,
        Some(3)
    );
    pyhanko_accepts("certified", &cert);
}

#[test]
fn cli_certify_flag() {
    let w = Workspace::new();
    let input = w.write("in.pdf", &form_sample());
    let out = w.path("cert.pdf");
    let o = kyso(&[
        "sign",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--p12",
        w.path("rsa.p12").to_str().unwrap(),
        "--password-file",
        w.path("p12.pass").to_str().unwrap(),
        "--certify",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = kyso(&[
        "verify",
        out.to_str().unwrap(),
        "--trust",
        w.path("root.pem").to_str().unwrap(),
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(json["signatures"][0]["kind"], "certification", "{json}");
    assert_eq!(json["signatures"][0]["docmdp_level"], 2, "{json}");
    // Certifying again is refused (exit 2), and so is a level that does not exist.
    let again = kyso(&[
        "sign",
        out.to_str().unwrap(),
        "-o",
        w.path("again.pdf").to_str().unwrap(),
        "--p12",
        w.path("rsa.p12").to_str().unwrap(),
        "--password-file",
        w.path("p12.pass").to_str().unwrap(),
        "--certify",
        "1",
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already signed"),
        "{}",
        stderr(&again)
    );
    let bad = kyso(&[
        "sign",
        input.to_str().unwrap(),
        "-o",
        "x.pdf",
        "--certify",
        "4",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------------
// Roles: an object is judged by every role it plays (issue 12)
// ---------------------------------------------------------------------------------------

fn content_of(doc: &Document) -> ObjRef {
    last_dict(doc, page1(doc)).get_ref(b"Contents").unwrap()
}

fn stream_dict(doc: &Document, r: ObjRef) -> Dict {
    doc.resolve(r).unwrap().as_stream().unwrap().dict.clone()
}

/// Replaces stream `r` in place with `data` (its dictionary kept, /Length rewritten).
fn rewrite_stream(doc: &Document, up: &mut IncrementalUpdate, r: ObjRef, data: &[u8]) {
    let mut d = stream_dict(doc, r);
    d.remove(b"Length");
    d.remove(b"Filter");
    up.put(r, stream(d, data));
}

#[test]
fn role_page_content_declared_as_metadata_is_page_content() {
    // Before signing, the page's content stream is also declared as the XMP metadata.
    let base = update(&sample_default(), |doc, up| {
        let c = content_of(doc);
        let mut d = stream_dict(doc, c);
        let data = doc
            .stream_decoded(doc.resolve(c).unwrap().as_stream().unwrap())
            .unwrap();
        d.remove(b"Length");
        d.remove(b"Filter");
        d.set("Type", Object::name("Metadata"));
        d.set("Subtype", Object::name("XML"));
        up.put(c, stream(d, &data));
        let r = root(doc);
        let mut cd = last_dict(doc, r);
        cd.set("Metadata", c);
        up.put(r, Object::Dict(cd));
    });
    let signed = sign_default(&base);
    assert!(verify(&signed).valid);
    let forged = update(&signed, |doc, up| {
        rewrite_stream(
            doc,
            up,
            content_of(doc),
            b"BT /F1 18 Tf 72 770 Td (Amount: 1,000,000) Tj ET",
        );
    });
    let r = verify(&forged);
    disallowed(
        &r,
        0,
        "XMP metadata stream updated",
        Some("content of page object"),
    );
    let c = sig(&r, 0).changes.iter().find(|c| !c.allowed).unwrap();
    assert!(
        c.roles.iter().any(|x| x.contains("document metadata")),
        "{}",
        show(&r)
    );
}

/// A P=2 certified form whose Comment field's appearance stream is prepared by `f` before
/// certifying; returns (certified file, appearance stream).
fn certified_with_comment_appearance(
    f: impl FnOnce(&Document, &mut IncrementalUpdate, ObjRef),
) -> (Vec<u8>, ObjRef) {
    let mut ap_ref = None;
    let base = update(&form_sample(), |doc, up| {
        let ap = up.alloc();
        up.put(ap, form_xobject([0, 0, 300, 20], b"/Tx BMC EMC"));
        let c = ObjRef::new(6, 0);
        let mut d = last_dict(doc, c);
        let mut apd = Dict::new();
        apd.set("N", ap);
        d.set("AP", apd);
        up.put(c, Object::Dict(d));
        f(doc, up, ap);
        ap_ref = Some(ap);
    });
    (certify(&base, 2), ap_ref.unwrap())
}

#[test]
fn role_field_appearance_shared_with_another_annotation_is_refused() {
    // The Comment field's appearance is also a FreeText annotation's appearance elsewhere on
    // the page: "filling" the field rewrites what the other annotation shows.
    let (cert, ap) = certified_with_comment_appearance(|doc, up, ap| {
        let a = up.alloc();
        let mut d = Dict::new();
        d.set("Type", Object::name("Annot"));
        d.set("Subtype", Object::name("FreeText"));
        d.set("Rect", rect([72, 600, 372, 620]));
        d.set("DA", lit("/Helv 10 Tf 0 g"));
        d.set("F", Object::Integer(4));
        d.set("P", page1(doc));
        let mut apd = Dict::new();
        apd.set("N", ap);
        d.set("AP", apd);
        up.put(a, Object::Dict(d));
        let p = page1(doc);
        let mut pd = last_dict(doc, p);
        let mut annots = pd
            .get(b"Annots")
            .and_then(Object::as_array)
            .unwrap()
            .to_vec();
        annots.push(Object::Ref(a));
        pd.set("Annots", annots);
        up.put(p, Object::Dict(pd));
    });
    assert!(verify(&cert).valid, "{}", show(&verify(&cert)));
    let forged = update(&cert, |doc, up| {
        rewrite_stream(
            doc,
            up,
            ap,
            b"/Tx BMC BT /F1 10 Tf 2 6 Td (Total: 9,999) Tj ET EMC",
        );
    });
    disallowed(
        &verify(&forged),
        0,
        "appearance of field Comment regenerated",
        Some("also appearance of annotation"),
    );
    // The same rewrite of an appearance only the field uses is filling.
    let (cert, ap) = certified_with_comment_appearance(|_, _, _| {});
    let filled = update(&cert, |doc, up| {
        rewrite_stream(
            doc,
            up,
            ap,
            b"/Tx BMC BT /F1 10 Tf 2 6 Td (Approved) Tj ET EMC",
        );
    });
    accepted(&verify(&filled));
}

#[test]
fn role_field_value_that_is_a_page_xobject_is_refused() {
    // The Comment field's /V is (before certification) a stream the page paints as an
    // XObject: rewriting the "value" rewrites the page.
    let mut v_ref = None;
    let base = update(&form_sample(), |doc, up| {
        let v = up.alloc();
        up.put(
            v,
            form_xobject([0, 0, 300, 40], b"BT /F1 12 Tf 0 10 Td (Net: 100) Tj ET"),
        );
        let c = ObjRef::new(6, 0);
        let mut d = last_dict(doc, c);
        d.set("V", v);
        up.put(c, Object::Dict(d));
        let p = page1(doc);
        let mut pd = last_dict(doc, p);
        let mut res = pd
            .get(b"Resources")
            .and_then(Object::as_dict)
            .unwrap()
            .clone();
        let mut xo = Dict::new();
        xo.set("Fx", v);
        res.set("XObject", xo);
        pd.set("Resources", res);
        up.put(p, Object::Dict(pd));
        let c = content_of(doc);
        let data = doc
            .stream_decoded(doc.resolve(c).unwrap().as_stream().unwrap())
            .unwrap();
        let mut data = data.to_vec();
        data.extend_from_slice(b"\nq 1 0 0 1 72 600 cm /Fx Do Q\n");
        rewrite_stream(doc, up, c, &data);
        v_ref = Some(v);
    });
    let cert = certify(&base, 2);
    assert!(verify(&cert).valid, "{}", show(&verify(&cert)));
    let v = v_ref.unwrap();
    let forged = update(&cert, |doc, up| {
        rewrite_stream(doc, up, v, b"BT /F1 12 Tf 0 10 Td (Net: 900,000) Tj ET");
    });
    disallowed(
        &verify(&forged),
        0,
        "field Comment filled",
        Some("a page resource"),
    );
}

// ---------------------------------------------------------------------------------------
// Routine updates of real signers (named rules), each with an attack twin (issue 12)
// ---------------------------------------------------------------------------------------

/// Rewrites the catalog as a new object with `f` applied, pointing the trailer at it.
fn rewrite_catalog(base: &[u8], f: impl FnOnce(&mut Dict)) -> Vec<u8> {
    let doc = open(base);
    let mut cd = last_dict(&doc, root(&doc));
    f(&mut cd);
    let num = doc.trailer(doc.last_revision()).get_int(b"Size").unwrap() as u32;
    let mut body = Vec::new();
    Object::Dict(cd).write_to(&mut body);
    append_raw(base, &[(num, 0, &body)], &[], &format!("/Root {num} 0 R"))
}

#[test]
fn rule_catalog_rewritten_as_a_new_object() {
    let base = signed();
    let same = rewrite_catalog(&base, |_| {});
    let r = verify(&same);
    accepted(&r);
    assert!(
        sig(&r, 0)
            .changes
            .iter()
            .any(|c| c.reason.contains("rule catalog-rewritten")),
        "{}",
        show(&r)
    );
    // And later updates of the rewritten catalog are judged as usual.
    accepted(&verify(&add_dss(&same)));
    // Twin: the rewritten catalog also opens the document with an action.
    let twin = rewrite_catalog(&base, |cd| {
        let mut a = Dict::new();
        a.set("S", Object::name("JavaScript"));
        a.set("JS", lit("app.alert('x')"));
        cd.set("OpenAction", a);
    });
    disallowed(
        &verify(&twin),
        0,
        "document catalog entry /OpenAction changed",
        None,
    );
}

#[test]
fn rule_info_rewritten_as_a_new_object() {
    // Give the document an /Info before signing.
    let plain = sample_default();
    let num = open(&plain).trailer(0).get_int(b"Size").unwrap() as u32;
    let unsigned = append_raw(
        &plain,
        &[(num, 0, b"<< /Title (Invoice 42) /Producer (kyso test) >>")],
        &[],
        &format!("/Info {num} 0 R"),
    );
    let base = sign_default(&unsigned);
    let doc = open(&base);
    let info = doc.trailer(doc.last_revision()).get_ref(b"Info").unwrap();
    let rewrite = |title: &str| {
        let mut d = last_dict(&doc, info);
        d.set("Title", lit(title));
        d.set("Producer", lit("PDFBox"));
        d.set("ModDate", lit("D:20261203120000Z"));
        let num = doc.trailer(doc.last_revision()).get_int(b"Size").unwrap() as u32;
        let mut body = Vec::new();
        Object::Dict(d).write_to(&mut body);
        append_raw(&base, &[(num, 0, &body)], &[], &format!("/Info {num} 0 R"))
    };
    let r = verify(&rewrite("Invoice 42"));
    accepted(&r);
    assert!(
        sig(&r, 0)
            .changes
            .iter()
            .any(|c| c.reason.contains("rule info-rewritten")),
        "{}",
        show(&r)
    );
    disallowed(&verify(&rewrite("Invoice 43")), 0, "/Info", None);
}

#[test]
fn rule_unreferenced_new_objects_are_reported_and_allowed() {
    let base = signed();
    let ok = update(&base, |_, up| {
        let o = up.alloc();
        up.put(
            o,
            stream(Dict::new(), b"BT /F1 18 Tf 72 770 Td (never shown) Tj ET"),
        );
    });
    let r = verify(&ok);
    accepted(&r);
    assert!(
        sig(&r, 0).changes.iter().any(|c| c
            .description
            .contains("which nothing in the document references")),
        "{}",
        show(&r)
    );
    // Twin: the same stream, referenced by the page as a second content stream.
    let twin = update(&base, |doc, up| {
        let o = up.alloc();
        up.put(
            o,
            stream(
                Dict::new(),
                b"BT /F1 18 Tf 72 700 Td (Amount: 1,000,000) Tj ET",
            ),
        );
        let p = page1(doc);
        let mut pd = last_dict(doc, p);
        let c = pd.get(b"Contents").cloned().unwrap();
        pd.set("Contents", vec![c, Object::Ref(o)]);
        up.put(p, Object::Dict(pd));
    });
    disallowed(&verify(&twin), 0, "content stream replaced", None);
}

/// An empty signature field added in an update (as a signer does before signing it).
fn empty_signature_field(doc: &Document, up: &mut IncrementalUpdate, name: &str) -> ObjRef {
    let f = up.alloc();
    let mut d = Dict::new();
    d.set("Type", Object::name("Annot"));
    d.set("Subtype", Object::name("Widget"));
    d.set("FT", Object::name("Sig"));
    d.set("T", lit(name));
    d.set("F", Object::Integer(132));
    d.set("Rect", rect([0, 0, 0, 0]));
    d.set("P", page1(doc));
    up.put(f, Object::Dict(d));
    add_to_annots(doc, up, f);
    f
}

/// Sets the form's /DA and replaces its /DR font (and adds `field` to /Fields) in `up`.
fn set_form_defaults(
    doc: &Document,
    up: &mut IncrementalUpdate,
    field: Option<ObjRef>,
    need_appearances: bool,
) {
    let c = root(doc);
    let mut cd = last_dict(doc, c);
    let mut acro = cd
        .get(b"AcroForm")
        .and_then(Object::as_dict)
        .cloned()
        .unwrap();
    if let Some(f) = field {
        let mut fields = acro
            .get(b"Fields")
            .and_then(Object::as_array)
            .unwrap()
            .to_vec();
        fields.push(Object::Ref(f));
        acro.set("Fields", fields);
        acro.set("SigFlags", Object::Integer(3));
    }
    acro.set("DA", lit("/Cour 9 Tf 0 0 1 rg"));
    let font = up.alloc();
    let mut fd = Dict::new();
    fd.set("Type", Object::name("Font"));
    fd.set("Subtype", Object::name("Type1"));
    fd.set("BaseFont", Object::name("Courier"));
    up.put(font, Object::Dict(fd));
    let mut fonts = Dict::new();
    fonts.set("Helv", font);
    let mut dr = Dict::new();
    dr.set("Font", fonts);
    acro.set("DR", dr);
    if need_appearances {
        acro.set("NeedAppearances", Object::Bool(true));
    }
    cd.set("AcroForm", acro);
    up.put(c, Object::Dict(cd));
}

#[test]
fn rule_form_defaults_set_when_a_signature_field_is_added() {
    let base = sign_field(&form_sample(), "Signature1");
    let ok = update(&base, |doc, up| {
        let f = empty_signature_field(doc, up, "Signature2");
        set_form_defaults(doc, up, Some(f), false);
    });
    let r = verify(&ok);
    accepted(&r);
    assert!(
        sig(&r, 0)
            .changes
            .iter()
            .any(|c| c.reason.contains("rule form-defaults")),
        "{}",
        show(&r)
    );
    // Twin: the same without adding a signature field.
    let twin = update(&base, |doc, up| set_form_defaults(doc, up, None, false));
    disallowed(&verify(&twin), 0, "form default appearance (/DA) set", None);
    disallowed(&verify(&twin), 0, "form default resources replaced", None);
    // Twin: with NeedAppearances, viewers redraw the existing fields from /DA and /DR.
    let twin = update(&base, |doc, up| {
        let f = empty_signature_field(doc, up, "Signature2");
        set_form_defaults(doc, up, Some(f), true);
    });
    disallowed(&verify(&twin), 0, "form", None);
}

/// A tagged version of the sample: a structure tree with a Document element.
fn tagged_sample() -> Vec<u8> {
    update(&form_sample(), |doc, up| {
        let str_root = up.alloc();
        let document = up.alloc();
        let nums = up.alloc();
        let mut e = Dict::new();
        e.set("Type", Object::name("StructElem"));
        e.set("S", Object::name("Document"));
        e.set("P", str_root);
        e.set("Alt", lit("Invoice"));
        e.set("K", Object::Array(Vec::new()));
        up.put(document, Object::Dict(e));
        let mut pt = Dict::new();
        pt.set("Nums", Object::Array(Vec::new()));
        up.put(nums, Object::Dict(pt));
        let mut sr = Dict::new();
        sr.set("Type", Object::name("StructTreeRoot"));
        sr.set("K", document);
        sr.set("ParentTree", nums);
        sr.set("ParentTreeNextKey", Object::Integer(0));
        up.put(str_root, Object::Dict(sr));
        let c = root(doc);
        let mut cd = last_dict(doc, c);
        cd.set("StructTreeRoot", str_root);
        let mut mi = Dict::new();
        mi.set("Marked", Object::Bool(true));
        cd.set("MarkInfo", mi);
        up.put(c, Object::Dict(cd));
    })
}

/// Tags a new signature widget as Acrobat does: a Form element with an OBJR, appended to
/// the Document element, registered in the parent tree. `alt` changes the Document
/// element's /Alt at the same time (the attack twin).
fn tag_new_widget(doc: &Document, up: &mut IncrementalUpdate, widget: ObjRef, alt: Option<&str>) {
    let c = root(doc);
    let cd = last_dict(doc, c);
    let sr_ref = cd.get_ref(b"StructTreeRoot").unwrap();
    let mut sr = last_dict(doc, sr_ref);
    let document = sr.get_ref(b"K").unwrap();
    let nums = sr.get_ref(b"ParentTree").unwrap();
    let elem = up.alloc();
    let mut objr = Dict::new();
    objr.set("Type", Object::name("OBJR"));
    objr.set("Obj", widget);
    objr.set("Pg", page1(doc));
    let mut e = Dict::new();
    e.set("Type", Object::name("StructElem"));
    e.set("S", Object::name("Form"));
    e.set("P", document);
    e.set("Pg", page1(doc));
    e.set("K", objr);
    up.put(elem, Object::Dict(e));
    let mut dd = last_dict(doc, document);
    let mut k = dd.get(b"K").and_then(Object::as_array).unwrap().to_vec();
    k.push(Object::Ref(elem));
    dd.set("K", k);
    if let Some(a) = alt {
        dd.set("Alt", lit(a));
    }
    up.put(document, Object::Dict(dd));
    let mut pt = last_dict(doc, nums);
    pt.set("Nums", vec![Object::Integer(0), Object::Ref(elem)]);
    up.put(nums, Object::Dict(pt));
    sr.set("ParentTreeNextKey", Object::Integer(1));
    up.put(sr_ref, Object::Dict(sr));
    let mut wd = up_dict(doc, up, widget);
    wd.set("StructParent", Object::Integer(0));
    up.put(widget, Object::Dict(wd));
}

fn up_dict(doc: &Document, up: &IncrementalUpdate, r: ObjRef) -> Dict {
    up.objects()
        .get(&r)
        .and_then(|o| o.as_dict().cloned())
        .unwrap_or_else(|| last_dict(doc, r))
}

#[test]
fn rule_structure_tree_entries_for_a_new_signature_widget() {
    let base = sign_field(&tagged_sample(), "Signature1");
    assert!(verify(&base).valid, "{}", show(&verify(&base)));
    let ok = update(&base, |doc, up| {
        let f = empty_signature_field(doc, up, "Signature2");
        add_to_fields(doc, up, f);
        tag_new_widget(doc, up, f, None);
    });
    let r = verify(&ok);
    accepted(&r);
    assert!(
        sig(&r, 0)
            .changes
            .iter()
            .any(|c| c.reason.contains("rule structure-tree")),
        "{}",
        show(&r)
    );
    // Twin: the same update also rewrites what a screen reader says for the document.
    let twin = update(&base, |doc, up| {
        let f = empty_signature_field(doc, up, "Signature2");
        add_to_fields(doc, up, f);
        tag_new_widget(doc, up, f, Some("Paid in full"));
    });
    disallowed(&verify(&twin), 0, "StructElem dictionary changed", None);
}

#[test]
fn rule_annots_turned_from_direct_into_indirect() {
    let base = sign_field(&form_sample(), "Signature1");
    let build = |extra: bool| {
        update(&base, |doc, up| {
            let f = empty_signature_field(doc, up, "Signature2");
            let p = page1(doc);
            let mut pd = up_dict(doc, up, p);
            let mut list = pd
                .get(b"Annots")
                .and_then(Object::as_array)
                .unwrap()
                .to_vec();
            if extra {
                let a = free_text_over_title(doc, up);
                list.push(Object::Ref(a));
                pd = up_dict(doc, up, p);
                list.dedup();
            }
            let arr = up.alloc();
            up.put(arr, Object::Array(list));
            pd.set("Annots", arr);
            up.put(p, Object::Dict(pd));
            add_to_fields(doc, up, f);
        })
    };
    accepted(&verify(&build(false)));
    disallowed(&verify(&build(true)), 0, "annotation FreeText added", None);
}

// ---------------------------------------------------------------------------------------
// Everything that paints counts (issue 12)
// ---------------------------------------------------------------------------------------

/// A P=3 certified sample and a stamp over its title made by `f` (which gets the stamp's
/// dictionary and the update).
fn p3_stamp(f: impl FnOnce(&mut Dict, &mut IncrementalUpdate)) -> FileReport {
    let cert = certify(&form_sample(), 3);
    let attacked = update(&cert, |doc, up| {
        let a = stamp_over_title(doc, up);
        let mut d = up_dict(doc, up, a);
        f(&mut d, up);
        up.put(a, Object::Dict(d));
    });
    verify(&attacked)
}

#[test]
fn paint_indirect_rect_is_resolved() {
    let r = p3_stamp(|d, up| {
        let rr = up.alloc();
        up.put(rr, rect([70, 765, 270, 815]));
        d.set("Rect", rr);
    });
    disallowed(&r, 0, "annotation Stamp added on page 1 over text", None);
}

#[test]
fn paint_printed_only_and_hidden_annotations_count() {
    for flags in [4 | 32, 2, 32] {
        let r = p3_stamp(|d, _| d.set("F", Object::Integer(flags)));
        disallowed(&r, 0, "annotation Stamp added on page 1 over text", None);
    }
}

#[test]
fn paint_rollover_and_down_appearances_count() {
    for key in ["R", "D"] {
        let r = p3_stamp(|d, up| {
            let empty = up.alloc();
            up.put(empty, form_xobject([0, 0, 200, 50], b""));
            let forged = up.alloc();
            up.put(
                forged,
                form_xobject([0, 0, 200, 50], b"1 0 0 rg 0 0 200 50 re f"),
            );
            let mut apd = Dict::new();
            apd.set("N", empty);
            apd.set(key, forged);
            d.set("AP", apd);
        });
        disallowed(&r, 0, "annotation Stamp added on page 1 over text", None);
    }
    // A state other than the current one.
    let r = p3_stamp(|d, up| {
        let empty = up.alloc();
        up.put(empty, form_xobject([0, 0, 200, 50], b""));
        let forged = up.alloc();
        up.put(
            forged,
            form_xobject([0, 0, 200, 50], b"1 0 0 rg 0 0 200 50 re f"),
        );
        let mut states = Dict::new();
        states.set("Off", empty);
        states.set("On", forged);
        let mut apd = Dict::new();
        apd.set("N", states);
        d.set("AP", apd);
        d.set("AS", Object::name("Off"));
    });
    disallowed(&r, 0, "annotation Stamp added on page 1 over text", None);
}

/// A sample whose page 1 content is `content`, certified P=2, then a signature widget at
/// `r` added: the report.
fn widget_over(content: &[u8], r: [i64; 4]) -> FileReport {
    let base = update(&form_sample(), |doc, up| {
        rewrite_stream(doc, up, content_of(doc), content);
    });
    let cert = certify(&base, 2);
    let attacked = update(&cert, |doc, up| {
        sneaky_field(doc, up, "Signature2", r);
    });
    verify(&attacked)
}

#[test]
fn paint_text_extents_honour_the_text_state() {
    // Blank space per a naive width estimate (6 glyphs of 0.6 em at 72..137) — but the
    // text state moves the glyphs under the widget at 200..300.
    let widget = [200, 595, 300, 625];
    for content in [
        &b"BT /F1 18 Tf 40 Tc 72 600 Td (ABCDEF) Tj ET"[..],
        b"BT /F1 18 Tf 60 Tw 72 600 Td (A B C D) Tj ET",
        b"BT /F1 18 Tf 400 Tz 72 600 Td (ABCDEF) Tj ET",
        b"BT /F1 18 Tf 0 -100 Ts 72 700 Td (ABCDEFGHIJKLMNOP) Tj ET",
        b"BT /F1 18 Tf 3 0 0 1 72 600 Tm (ABCDEF) Tj ET",
        b"BT /F1 18 Tf 72 600 Td [(AB) -8000 (CD)] TJ ET",
        b"BT /F1 18 Tf 0 60 (ABCDEF) \" ET",
    ] {
        let content = if content.ends_with(b"\" ET") {
            b"BT /F1 18 Tf 72 600 Td 0 40 (ABCDEF) \" ET".to_vec()
        } else {
            content.to_vec()
        };
        let r = widget_over(&content, widget);
        disallowed(&r, 0, "over text", None);
    }
    // The same widget beside plain text is allowed.
    let r = widget_over(b"BT /F1 18 Tf 72 600 Td (ABCDEF) Tj ET", widget);
    accepted(&r);
}

/// The sample form with the Comment field moved (before signing) to `rect`.
fn comment_at(r: [i64; 4]) -> Vec<u8> {
    update(&form_sample(), |doc, up| {
        let c = ObjRef::new(6, 0);
        let mut d = last_dict(doc, c);
        d.set("Rect", rect(r));
        up.put(c, Object::Dict(d));
    })
}

#[test]
fn shadow_replace_by_filling_an_empty_field_over_signed_text() {
    // EU DSS "replace" shadow attack: an empty field lies over signed text; filling it later
    // paints over that text. Not allowed even where form filling is.
    let over_title = comment_at([60, 760, 400, 800]);
    let approval = sign_field(&over_title, "Signature1");
    let filled = fill_comment(&approval, "PAID IN FULL");
    disallowed(
        &verify_with(&filled, true),
        0,
        "field Comment filled over signed text",
        None,
    );
    let cert = certify(&over_title, 2);
    let filled = fill_comment(&cert, "PAID IN FULL");
    disallowed(
        &verify(&filled),
        0,
        "field Comment filled over signed text",
        None,
    );
    // Benign twin: the field in blank space is filled.
    let cert = certify(&comment_at([72, 500, 372, 520]), 2);
    accepted(&verify(&fill_comment(&cert, "Approved")));
}

// ---------------------------------------------------------------------------------------
// Real signers: PDFBox (Debian libpdfbox2-java) adds a signature with its incremental save
// ---------------------------------------------------------------------------------------

const PDFBOX_CP: &str =
    "/usr/share/java/pdfbox2.jar:/usr/share/java/fontbox2.jar:/usr/share/java/commons-logging.jar";

/// `input` after PDFBox added a signature field and a signature with `saveIncremental`
/// (the signature's CMS is a placeholder: only the update's shape matters here). `tamper`
/// makes the same save also change the page's crop box.
fn pdfbox_sign(input: &[u8], tamper: bool) -> Vec<u8> {
    let extra: &[&str] = if tamper { &["tamper"] } else { &[] };
    pdfbox_run(
        "PdfboxSign",
        include_bytes!("peers/PdfboxSign.java"),
        input,
        extra,
    )
}

/// Compiles and runs one of the PDFBox peer programs in `tests/peers/` on `input`:
/// `java CLASS in.pdf out.pdf cert.der EXTRA…` (the test signer's certificate).
fn pdfbox_run(class: &str, source: &[u8], input: &[u8], extra: &[&str]) -> Vec<u8> {
    let w = Workspace::new();
    let src = w.write(&format!("{class}.java"), source);
    let dir = w.path("classes");
    std::fs::create_dir_all(&dir).unwrap();
    let javac = Command::new("javac")
        .args(["-cp", PDFBOX_CP, "-d"])
        .arg(&dir)
        .arg(&src)
        .output()
        .expect("javac (JDK) and Debian libpdfbox2-java are needed");
    assert!(javac.status.success(), "{}", stderr(&javac));
    let inp = w.write("in.pdf", input);
    let out = w.path("out.pdf");
    let cert = w.write("cert.der", pki().rsa.cert.der());
    let o = Command::new("java")
        .arg("-cp")
        .arg(format!("{}:{PDFBOX_CP}", dir.display()))
        .arg(class)
        .arg(&inp)
        .arg(&out)
        .arg(&cert)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::read(out).unwrap()
}

#[test]
fn real_pdfbox_validation_data_update_is_allowed_and_its_twin_refused() {
    // PDFBox (as EU DSS's PAdES-LT does) adds /DSS with /Certs and a /VRI entry keyed by the
    // SHA-1 of the signature's /Contents, by an incremental save, after kyso's signature.
    for base in [signed(), sign_default(&xref_stream_sample())] {
        let lt = pdfbox_run(
            "PdfboxDss",
            include_bytes!("peers/PdfboxDss.java"),
            &base,
            &[],
        );
        let doc = open(&lt);
        let cat = doc.catalog_in(doc.last_revision()).unwrap();
        let dss = doc
            .deref_in(doc.last_revision(), cat.get(b"DSS").unwrap())
            .unwrap();
        assert!(
            dss.as_dict().unwrap().contains(b"VRI"),
            "PDFBox wrote a VRI"
        );
        let r = verify(&lt);
        accepted(&r);
        assert!(
            sig(&r, 0)
                .changes
                .iter()
                .any(|c| c.description.contains("DSS")),
            "{}",
            show(&r)
        );
        // The suite's validator renders every page: nothing changed on it.
        let g = sig(&r, 0).rendering.as_ref().unwrap();
        assert_eq!(g.status, kyso::RenderingStatus::Compared, "{g:?}");
        assert!(g.regions.is_empty(), "{g:?}");
        // Twin: the same save also turns the page.
        let bad = pdfbox_run(
            "PdfboxDss",
            include_bytes!("peers/PdfboxDss.java"),
            &base,
            &["tamper"],
        );
        disallowed(&verify(&bad), 0, "page 1 entry /Rotate", None);
    }
}

#[test]
fn real_pdfbox_signature_after_kyso_is_an_allowed_change() {
    for base in [
        signed(),
        sign_default(&xref_stream_sample()),
        sign_field(&form_sample(), "Signature1"),
    ] {
        let both = pdfbox_sign(&base, false);
        let r = verify(&both);
        let s = sig(&r, 0);
        assert_eq!(s.indication, Indication::TotalPassed, "{}", show(&r));
        assert!(!s.changes.is_empty(), "{}", show(&r));
        assert!(s.changes.iter().all(|c| c.allowed), "{}", show(&r));
        // Twin: the same save also crops the page.
        let r = verify(&pdfbox_sign(&base, true));
        disallowed(&r, 0, "page 1 entry /CropBox changed", None);
    }
}
