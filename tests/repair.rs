//! Damaged cross-references, repaired for reading (as other readers do) but never trusted for
//! signed bytes: a file whose original revision has offsets a few bytes off reads, and a
//! signature added after it is valid with a warning; a broken last cross-reference section
//! is rebuilt by scanning so the file can be inspected, and no signature is valid; an update
//! with damaged cross-references after a signature makes that signature not valid.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::*;
use kyso::report::{CheckStatus, FindingId};

/// Inserts `n` spaces after the header line, shifting every object (the xref offsets are
/// now `n` bytes short) but keeping `startxref` right.
fn shift_objects(pdf: &[u8], n: usize) -> Vec<u8> {
    let eol = pdf.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut out = pdf[..eol].to_vec();
    out.extend(std::iter::repeat_n(b' ', n));
    out.extend_from_slice(&pdf[eol..]);
    let at = out.windows(9).rposition(|w| w == b"startxref").unwrap();
    let tail = String::from_utf8_lossy(&out[at..]).into_owned();
    let num: u64 = tail.split_whitespace().nth(1).unwrap().parse().unwrap();
    out.truncate(at);
    out.extend_from_slice(format!("startxref\n{}\n%%EOF\n", num + n as u64).as_bytes());
    out
}

fn finding(r: &kyso::report::FileReport, id: FindingId) -> Option<&kyso::report::Finding> {
    r.findings.iter().find(|f| f.id == id)
}

#[test]
fn a_signature_after_a_sloppy_original_is_valid_with_a_warning() {
    let sloppy = shift_objects(&sample_default(), 3);
    // The original reads: its objects are found where they really are.
    let doc = kyso::pdf::Document::from_bytes(sloppy.clone()).unwrap();
    assert!(doc.pages_in(0).is_ok());
    doc.check_offsets();
    assert_eq!(doc.repaired_revisions(), vec![0]);
    assert!(doc.rebuilt().is_none());
    // kyso signs it (a well-formed update), and the signature is valid: the damage is in what
    // the signer saw, not in what the signature added.
    let signed = sign_default(&sloppy);
    let r = verify(&signed);
    assert!(r.valid, "{}", kyso::report::render_text(&r));
    let f = finding(&r, FindingId::XrefRepaired).expect("the repair is reported");
    assert_eq!(f.status, CheckStatus::Warning);
    assert!(f.message.contains("revision(s) 1 "), "{}", f.message);
    // A clean file reports no repair.
    assert!(finding(
        &verify(&sign_default(&sample_default())),
        FindingId::XrefRepaired
    )
    .is_none());
}

#[test]
fn a_broken_last_xref_is_rebuilt_for_reading_and_no_signature_is_valid() {
    let signed = sign_default(&sample_default());
    assert!(verify(&signed).valid);
    // An update whose startxref points at garbage (a truncated or corrupted last section).
    let mut broken = signed.clone();
    broken.extend_from_slice(b"\n7 0 obj\n(junk)\nendobj\nxref\n0 1\ngarbage\nstartxref\n");
    broken.extend_from_slice(format!("{}\n%%EOF\n", signed.len() + 25).as_bytes());
    let doc = kyso::pdf::Document::from_bytes(broken.clone()).unwrap();
    assert!(doc.rebuilt().is_some());
    assert!(
        doc.pages_in(doc.last_revision()).is_ok(),
        "inspectable after the rebuild"
    );
    let r = verify(&broken);
    assert!(!r.valid);
    let f = finding(&r, FindingId::XrefRepaired).expect("the rebuild is reported");
    assert_eq!(f.status, CheckStatus::Failed);
    assert!(f.message.contains("rebuilt by scanning"), "{}", f.message);
    assert!(
        !r.signatures.is_empty(),
        "the signature is found and judged"
    );
    assert!(r.signatures.iter().all(|s| !s.is_valid()));
    // The command line shows it too, and does not call the file unreadable.
    let w = Workspace::new();
    let p = w.write("broken.pdf", &broken);
    let o = kyso(&["inspect", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn an_update_with_damaged_xref_after_a_signature_breaks_it() {
    let signed = sign_default(&sample_default());
    // A second revision added by hand whose xref entry is 2 bytes off.
    let start = signed.len() as u64 - 3; // into the previous "%%EOF"
    let mut pdf = signed.clone();
    pdf.extend_from_slice(b"\n  99 0 obj\n(added later)\nendobj\n");
    let xref = pdf.len();
    let size = 100;
    let prev = {
        let at = signed.windows(9).rposition(|w| w == b"startxref").unwrap();
        String::from_utf8_lossy(&signed[at + 9..])
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    pdf.extend_from_slice(
        format!(
            "xref\n99 1\n{start:010} 00000 n\r\ntrailer\n<< /Size {size} /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    let r = verify(&pdf);
    assert!(!r.valid, "{}", kyso::report::render_text(&r));
    let f = finding(&r, FindingId::XrefRepaired).expect("the repair is reported");
    assert!(
        f.message.contains(&format!("revision(s) {} ", r.revisions)),
        "{}",
        f.message
    );
    let text = kyso::report::render_text(&r);
    assert!(text.contains("point at the wrong bytes"), "{text}");
}

#[test]
fn garbage_without_objects_is_still_an_error() {
    for junk in [
        &b"%PDF-1.7\nnothing here\n%%EOF\n"[..],
        b"%PDF-1.4\n1 0 obj\n(x)\nendobj\n",
    ] {
        assert!(kyso::pdf::Document::from_bytes(junk.to_vec()).is_err());
    }
}

#[test]
fn kyso_refuses_to_sign_a_file_whose_xref_had_to_be_rebuilt() {
    let signed = sign_default(&sample_default());
    let mut broken = signed.clone();
    broken.extend_from_slice(b"\nxref\ngarbage\nstartxref\n");
    broken.extend_from_slice(format!("{}\n%%EOF\n", signed.len() + 1).as_bytes());
    let p = pki();
    let e = kyso::sign::sign_pdf(
        &broken,
        &signer_for(&p.rsa),
        &kyso::sign::SignOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("rebuilt by scanning"), "{e}");
    // A damaged original whose objects are merely misplaced is signed (see above).
    assert!(kyso::sign::sign_pdf(
        &shift_objects(&sample_default(), 2),
        &signer_for(&p.rsa),
        &Default::default()
    )
    .is_ok());
}
