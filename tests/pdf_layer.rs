//! Integration tests of the PDF layer: hand-built files of every xref flavour, incremental
//! updates, linearized files (made with qpdf), hostile inputs and writer round trips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::io::Write as _;
use std::process::Command;

use kyso::pdf::object::{Dict, ObjRef, Object, PdfString, Stream, StreamData};
use kyso::pdf::{filter, Document, IncrementalUpdate, PdfError, XrefEntry, XrefKind};

/// Everything lives in `pdf` so that `cargo test pdf` selects these tests.
mod pdf {
    use super::*;

    // ---------------------------------------------------------------------------------------------
    // Builders

    /// Appends objects `(num, body)` and a classic xref section to `out`. `prev`: previous
    /// startxref. Returns the new startxref.
    fn append_table_section(
        out: &mut Vec<u8>,
        objs: &[(u32, &[u8])],
        size: u32,
        prev: Option<u64>,
        extra_trailer: &str,
        with_free_head: bool,
    ) -> u64 {
        let mut offsets = Vec::new();
        for (num, body) in objs {
            offsets.push((*num, out.len() as u64));
            out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        offsets.sort();
        let xref = out.len() as u64;
        out.extend_from_slice(b"xref\n");
        if with_free_head {
            out.extend_from_slice(b"0 1\n0000000000 65535 f\r\n");
        }
        let mut i = 0;
        while i < offsets.len() {
            let mut j = i;
            while j + 1 < offsets.len() && offsets[j + 1].0 == offsets[j].0 + 1 {
                j += 1;
            }
            out.extend_from_slice(format!("{} {}\n", offsets[i].0, j - i + 1).as_bytes());
            for (_, off) in &offsets[i..=j] {
                out.extend_from_slice(format!("{off:010} 00000 n\r\n").as_bytes());
            }
            i = j + 1;
        }
        let prev = prev.map(|p| format!(" /Prev {p}")).unwrap_or_default();
        out.extend_from_slice(
        format!("trailer\n<< /Size {size} /Root 1 0 R{prev}{extra_trailer} >>\nstartxref\n{xref}\n%%EOF\n")
            .as_bytes(),
    );
        xref
    }

    const CATALOG: &[u8] = b"<< /Type /Catalog /Pages 2 0 R >>";
    const PAGES: &[u8] = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
    const PAGE: &[u8] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R >>";
    const CONTENT: &[u8] = b"<< /Length 10 >>\nstream\nBT 1 Tf\nET\nendstream";

    /// A classic-table PDF: catalog, pages, one page, object 4 = `<< /V 0 /S (hello) >>`,
    /// object 5 a content stream.
    fn classic_pdf() -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
        append_table_section(
            &mut out,
            &[
                (1, CATALOG),
                (2, PAGES),
                (3, PAGE),
                (4, b"<< /V 0 /S (hello) /H <48 49> >>"),
                (5, CONTENT),
            ],
            6,
            None,
            "",
            true,
        );
        out
    }

    fn startxref_of(pdf: &[u8]) -> u64 {
        let at = pdf.windows(9).rposition(|w| w == b"startxref").unwrap();
        let s = std::str::from_utf8(&pdf[at + 9..]).unwrap();
        s.split_whitespace().next().unwrap().parse().unwrap()
    }

    /// Appends an update changing object 4 to `/V v`.
    fn add_update(pdf: &mut Vec<u8>, v: i64, extra: &[(u32, &[u8])], size: u32) {
        let prev = startxref_of(pdf);
        let body = format!("<< /V {v} >>");
        let mut objs: Vec<(u32, &[u8])> = vec![(4, body.as_bytes())];
        objs.extend_from_slice(extra);
        append_table_section(pdf, &objs, size, Some(prev), "", false);
    }

    fn v_of(doc: &Document, rev: usize) -> i64 {
        doc.resolve_in(rev, ObjRef::new(4, 0))
            .unwrap()
            .as_dict()
            .unwrap()
            .get_int(b"V")
            .unwrap()
    }

    fn lopdf_doc(pages: usize) -> lopdf::Document {
        use lopdf::{dictionary, Object as L, Stream as LS};
        let mut doc = lopdf::Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let mut kids = Vec::new();
        for i in 0..pages {
            let content = LS::new(
                dictionary! {},
                format!("BT /F1 12 Tf ({i}) Tj ET").into_bytes(),
            );
            let cid = doc.add_object(content);
            let page = doc.add_object(dictionary! {
                "Type" => "Page", "Parent" => pages_id, "Contents" => cid,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            });
            kids.push(L::Reference(page));
        }
        let count = kids.len() as i64;
        doc.objects.insert(
            pages_id,
            L::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
        );
        let info = doc.add_object(dictionary! { "Title" => L::string_literal("kyso test") });
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        doc.trailer.set("Info", info);
        doc
    }

    fn modern_pdf(pages: usize) -> Vec<u8> {
        let mut doc = lopdf_doc(pages);
        let mut out = Vec::new();
        doc.save_modern(&mut out).unwrap();
        out
    }

    fn qpdf(args: &[&str]) -> std::process::Output {
        Command::new("qpdf")
            .args(args)
            .output()
            .expect("qpdf is installed")
    }

    fn qpdf_check(bytes: &[u8]) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("check.pdf");
        std::fs::write(&p, bytes).unwrap();
        let out = qpdf(&["--check", p.to_str().unwrap()]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "qpdf --check failed: {text}");
        assert!(!text.contains("WARNING"), "qpdf --check warned: {text}");
    }

    /// Runs `qpdf ARGS in.pdf out.pdf` and returns the output.
    fn qpdf_convert(input: &[u8], args: &[&str]) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("in.pdf"), dir.path().join("out.pdf"));
        std::fs::write(&a, input).unwrap();
        let mut all = args.to_vec();
        all.push(a.to_str().unwrap());
        all.push(b.to_str().unwrap());
        let out = qpdf(&all);
        // 0: success, 3: success with warnings.
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(3),
            "{out:?}"
        );
        std::fs::read(b).unwrap()
    }

    fn linearize(input: &[u8], extra: &[&str]) -> Vec<u8> {
        let mut args = vec!["--linearize"];
        args.extend_from_slice(extra);
        qpdf_convert(input, &args)
    }

    /// Resolves everything reachable through the public API; must never panic.
    fn exercise(doc: &Document) {
        for rev in 0..doc.revisions().len() {
            for num in doc.object_numbers_in(rev) {
                if let Ok(Object::Stream(s)) = doc.resolve_in(rev, ObjRef::new(num, 0)) {
                    let _ = doc.stream_decoded(&s);
                }
            }
            let _ = doc.pages_in(rev);
            let _ = doc.catalog_in(rev);
        }
    }

    fn resolve_all_ok(doc: &Document) {
        for rev in 0..doc.revisions().len() {
            for num in doc.object_numbers_in(rev) {
                let (_, e) = doc.entry_in(rev, num).unwrap();
                let gen = match e {
                    XrefEntry::InUse { gen, .. } => gen,
                    _ => 0,
                };
                let o = doc.resolve_in(rev, ObjRef::new(num, gen));
                assert!(o.is_ok(), "rev {rev} obj {num}: {o:?}");
                if let Ok(Object::Stream(s)) = o {
                    doc.stream_decoded(&s).unwrap();
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Classic tables and incremental updates

    #[test]
    fn classic_table() {
        let pdf = classic_pdf();
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        assert_eq!(doc.header_version(), "1.7");
        assert_eq!(doc.revisions().len(), 1);
        let r = &doc.revisions()[0];
        assert_eq!(r.kind, XrefKind::Table);
        assert_eq!(r.end, Some(pdf.len() as u64));
        assert_eq!(r.eof_marker, Some(pdf.len() as u64 - 6));
        assert_eq!(r.startxref, Some(startxref_of(&pdf)));
        assert_eq!(r.xref_offsets, vec![startxref_of(&pdf)]);
        assert_eq!(doc.object_numbers_in(0), vec![1, 2, 3, 4, 5]);
        assert_eq!(doc.pages_in(0).unwrap(), vec![ObjRef::new(3, 0)]);
        let o4 = doc.resolve(ObjRef::new(4, 0)).unwrap();
        let s = o4
            .as_dict()
            .unwrap()
            .get(b"S")
            .unwrap()
            .as_string()
            .unwrap()
            .clone();
        assert_eq!(s.bytes, b"hello");
        let span = s.span.clone().unwrap();
        assert_eq!(&pdf[span.start as usize..span.end as usize], b"(hello)");
        let h = o4
            .as_dict()
            .unwrap()
            .get(b"H")
            .unwrap()
            .as_string()
            .unwrap();
        assert!(h.hex && h.bytes == b"HI");
        assert_eq!(
            &pdf[h.span.clone().unwrap().start as usize..h.span.clone().unwrap().end as usize],
            b"<48 49>"
        );
        let Object::Stream(st) = doc.resolve(ObjRef::new(5, 0)).unwrap() else {
            panic!()
        };
        assert_eq!(doc.stream_raw(&st).unwrap(), b"BT 1 Tf\nET");
        // Missing, free and wrong-generation references are null.
        assert_eq!(doc.resolve(ObjRef::new(99, 0)).unwrap(), Object::Null);
        assert_eq!(doc.resolve(ObjRef::new(0, 65535)).unwrap(), Object::Null);
        assert_eq!(doc.resolve(ObjRef::new(4, 1)).unwrap(), Object::Null);
        assert!(doc.resolve_in(7, ObjRef::new(4, 0)).is_err());
    }

    #[test]
    fn leading_garbage_keeps_absolute_offsets() {
        let mut pdf = vec![b'x'; 500];
        pdf.extend_from_slice(b"\n%PDF-1.4\n");
        append_table_section(
            &mut pdf,
            &[(1, CATALOG), (2, PAGES), (3, PAGE), (5, CONTENT)],
            6,
            None,
            "",
            true,
        );
        let doc = Document::from_bytes(pdf).unwrap();
        assert_eq!(doc.header_version(), "1.4");
        assert_eq!(doc.pages_in(0).unwrap().len(), 1);

        let mut far = vec![b'x'; 1100];
        far.extend_from_slice(b"%PDF-1.4\n");
        assert!(matches!(Document::from_bytes(far), Err(PdfError::NotPdf)));
    }

    #[test]
    fn two_and_three_incremental_updates() {
        let mut pdf = classic_pdf();
        let end0 = pdf.len() as u64;
        add_update(&mut pdf, 1, &[], 6);
        let end1 = pdf.len() as u64;
        add_update(&mut pdf, 2, &[(6, b"<< /New true >>")], 7);
        let end2 = pdf.len() as u64;
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        assert_eq!(doc.revisions().len(), 3);
        let ends: Vec<_> = doc.revisions().iter().map(|r| r.end).collect();
        assert_eq!(ends, vec![Some(end0), Some(end1), Some(end2)]);
        assert_eq!((v_of(&doc, 0), v_of(&doc, 1), v_of(&doc, 2)), (0, 1, 2));
        assert_eq!(doc.entry_in(2, 4).unwrap().0, 2);
        assert_eq!(doc.entry_in(2, 1).unwrap().0, 0);
        assert_eq!(doc.resolve_in(1, ObjRef::new(6, 0)).unwrap(), Object::Null);
        assert!(doc
            .resolve_in(2, ObjRef::new(6, 0))
            .unwrap()
            .as_dict()
            .is_some());
        assert_eq!(doc.object_numbers_in(2), vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(doc.revisions()[2].entries.len(), 2);
        for (i, r) in doc.revisions().iter().enumerate() {
            assert_eq!(r.index, i);
            assert_eq!(r.startxref, Some(r.xref_offsets[0]));
        }

        // A third update that deletes object 6 (free entry).
        let prev = startxref_of(&pdf);
        let xref = pdf.len() as u64;
        pdf.extend_from_slice(
        format!("xref\n6 1\n0000000000 00001 f\r\ntrailer\n<< /Size 7 /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\r\n")
            .as_bytes(),
    );
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        assert_eq!(doc.revisions().len(), 4);
        assert_eq!(doc.revisions()[3].end, Some(pdf.len() as u64));
        assert_eq!(doc.resolve_in(3, ObjRef::new(6, 0)).unwrap(), Object::Null);
        assert!(doc
            .resolve_in(2, ObjRef::new(6, 0))
            .unwrap()
            .as_dict()
            .is_some());
        assert_eq!(doc.object_numbers_in(3), vec![1, 2, 3, 4, 5]);
        assert_eq!(v_of(&doc, 3), 2);
    }

    #[test]
    fn garbage_after_eof() {
        let mut pdf = classic_pdf();
        let end = pdf.len() as u64;
        pdf.extend_from_slice(b"\x00\x01 some trailing junk that is not PDF\n\n");
        let doc = Document::from_bytes(pdf).unwrap();
        assert_eq!(doc.revisions()[0].end, Some(end));
        assert_eq!(doc.pages_in(0).unwrap().len(), 1);
    }

    #[test]
    fn xref_entry_whitespace_variants_and_obj_header_whitespace() {
        // Entries terminated by " \n" and by "\n" only; object header preceded by white space.
        let mut pdf = b"%PDF-1.4\n".to_vec();
        let o1 = pdf.len();
        pdf.extend_from_slice(b"  \n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
        let o2 = pdf.len();
        pdf.extend_from_slice(b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n");
        let xref = pdf.len();
        pdf.extend_from_slice(
            format!("xref\r\n0 3\r\n0000000000 65535 f \n{o1:010} 00000 n \n{o2:010} 00000 n\n")
                .as_bytes(),
        );
        pdf.extend_from_slice(
            format!("trailer<</Size 3/Root 1 0 R>>\r\nstartxref\r\n{xref}\r\n%%EOF").as_bytes(),
        );
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        assert_eq!(doc.revisions()[0].end, Some(pdf.len() as u64));
        assert_eq!(
            doc.catalog_in(0).unwrap().get_ref(b"Pages"),
            Some(ObjRef::new(2, 0))
        );
        assert_eq!(doc.pages_in(0).unwrap(), vec![]);
    }

    // ---------------------------------------------------------------------------------------------
    // Streams

    #[test]
    fn indirect_and_wrong_lengths() {
        let mut pdf = b"%PDF-1.4\n".to_vec();
        append_table_section(
            &mut pdf,
            &[
                (1, CATALOG),
                (2, PAGES),
                (3, PAGE),
                (4, b"<< /Length 6 0 R >>\nstream\nabcdef\nendstream"),
                (5, b"<< /Length 99 >>\nstream\nwrong length\nendstream"),
                (6, b"6"),
                (7, b"<< /Length 7 0 R >>\nstream\nself\r\nendstream"),
                (8, b"<< /Length 9 0 R >>\nstream\nchain\nendstream"),
                (9, b"10 0 R"),
                (10, b"5"),
            ],
            11,
            None,
            "",
            true,
        );
        let doc = Document::from_bytes(pdf).unwrap();
        let raw = |n: u32| match doc.resolve(ObjRef::new(n, 0)).unwrap() {
            Object::Stream(s) => (doc.stream_raw(&s).unwrap(), s.dict.get_int(b"Length")),
            o => panic!("{o:?}"),
        };
        assert_eq!(raw(4), (b"abcdef".to_vec(), Some(6)));
        assert_eq!(raw(5), (b"wrong length".to_vec(), Some(99)));
        assert_eq!(raw(7), (b"self".to_vec(), Some(4)));
        // 9 0 R resolves to a reference, not an integer: fall back to scanning.
        assert_eq!(raw(8).0, b"chain".to_vec());
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let mut body = vec![b'['; 10_000];
        body.extend(vec![b']'; 10_000]);
        let mut dict = b"<< /A ".to_vec();
        for _ in 0..5000 {
            dict.extend_from_slice(b"<< /A ");
        }
        let mut pdf = b"%PDF-1.4\n".to_vec();
        append_table_section(
            &mut pdf,
            &[(1, CATALOG), (2, &body), (3, &dict)],
            4,
            None,
            "",
            true,
        );
        let doc = Document::from_bytes(pdf).unwrap();
        assert!(matches!(
            doc.resolve(ObjRef::new(2, 0)),
            Err(PdfError::LimitExceeded(_))
        ));
        assert!(doc.resolve(ObjRef::new(3, 0)).is_err());
    }

    #[test]
    fn an_entry_pointing_at_another_object_is_repaired_and_recorded() {
        let mut pdf = classic_pdf();
        // Point object 4's entry at object 3.
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        let off3 = doc.offset_of(0, 3).unwrap();
        let off4 = doc.offset_of(0, 4).unwrap();
        let xref = startxref_of(&pdf) as usize;
        let needle = format!("{off4:010} 00000 n");
        let at = xref
            + pdf[xref..]
                .windows(needle.len())
                .position(|w| w == needle.as_bytes())
                .unwrap();
        pdf[at..at + 10].copy_from_slice(format!("{off3:010}").as_bytes());
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        assert!(doc.repaired_revisions().is_empty());
        // Object 4 is found where it really is (by scanning), and the repair is recorded.
        let good = Document::from_bytes(classic_pdf()).unwrap();
        assert_eq!(
            doc.resolve(ObjRef::new(4, 0)).unwrap(),
            good.resolve(ObjRef::new(4, 0)).unwrap()
        );
        assert_eq!(doc.repaired_revisions(), vec![0]);
        // check_offsets finds it without reading the object.
        let doc = Document::from_bytes(pdf).unwrap();
        doc.check_offsets();
        assert_eq!(doc.repaired_revisions(), vec![0]);
        // An object that is nowhere else stays an error.
        assert!(off3 != off4);
    }

    // ---------------------------------------------------------------------------------------------
    // Xref streams, object streams, hybrid files

    #[test]
    fn xref_stream_and_object_streams() {
        let pdf = modern_pdf(3);
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        assert_eq!(doc.revisions().len(), 1);
        let r = &doc.revisions()[0];
        assert_eq!(r.kind, XrefKind::Stream);
        assert!(r
            .entries
            .values()
            .any(|e| matches!(e, XrefEntry::Compressed { .. })));
        assert_eq!(
            r.end,
            Some(pdf.len() as u64)
                .filter(|_| pdf.ends_with(b"\n"))
                .or(Some(pdf.len() as u64))
        );
        assert_eq!(doc.pages_in(0).unwrap().len(), 3);
        resolve_all_ok(&doc);
        let info = doc.trailer(0).get_ref(b"Info").unwrap();
        let title = doc.resolve(info).unwrap();
        let t = title
            .as_dict()
            .unwrap()
            .get(b"Title")
            .unwrap()
            .as_string()
            .unwrap();
        assert_eq!(t.bytes, b"kyso test");
        assert_eq!(t.span, None, "objects from object streams have no spans");
    }

    /// A hybrid file: a table for the catalog and pages, an xref stream (/XRefStm) for objects in
    /// an object stream. The table entry of object 7 (free) takes precedence over the stream's.
    fn hybrid_pdf() -> Vec<u8> {
        let mut pdf = b"%PDF-1.5\n".to_vec();
        let mut offs = std::collections::BTreeMap::new();
        fn put(
            pdf: &mut Vec<u8>,
            offs: &mut std::collections::BTreeMap<u32, u64>,
            num: u32,
            body: &[u8],
        ) {
            offs.insert(num, pdf.len() as u64);
            pdf.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
            pdf.extend_from_slice(body);
            pdf.extend_from_slice(b"\nendobj\n");
        }
        put(
            &mut pdf,
            &mut offs,
            1,
            b"<< /Type /Catalog /Pages 2 0 R /Extra 6 0 R >>",
        );
        put(
            &mut pdf,
            &mut offs,
            2,
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        );
        put(
            &mut pdf,
            &mut offs,
            3,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>",
        );
        // Object stream 4 holding objects 6 and 7.
        let objs = b"<< /InStream true /S (x) >> 42";
        let header = b"6 0 7 28 ";
        let mut content = header.to_vec();
        content.extend_from_slice(objs);
        let comp = filter::flate_encode(&content);
        let mut body = format!(
            "<< /Type /ObjStm /N 2 /First {} /Filter /FlateDecode /Length {} >>\nstream\n",
            header.len(),
            comp.len()
        )
        .into_bytes();
        body.extend_from_slice(&comp);
        body.extend_from_slice(b"\nendstream");
        put(&mut pdf, &mut offs, 4, &body);
        // Xref stream 5 for objects 4..7 (PNG Up predictor).
        let xs_off = pdf.len() as u64;
        let rows: Vec<[u8; 4]> = vec![
            [1, (offs[&4] >> 8) as u8, offs[&4] as u8, 0],
            [1, (xs_off >> 8) as u8, xs_off as u8, 0],
            [2, 0, 4, 0],
            [2, 0, 4, 1],
        ];
        let mut pred = Vec::new();
        let mut prev = [0u8; 4];
        for row in &rows {
            pred.push(2u8);
            for i in 0..4 {
                pred.push(row[i].wrapping_sub(prev[i]));
            }
            prev = *row;
        }
        let comp = filter::flate_encode(&pred);
        let mut body = format!(
        "<< /Type /XRef /Size 8 /W [1 2 1] /Index [4 4] /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >> /Length {} >>\nstream\n",
        comp.len()
    )
    .into_bytes();
        body.extend_from_slice(&comp);
        body.extend_from_slice(b"\nendstream");
        put(&mut pdf, &mut offs, 5, &body);
        let xref = pdf.len();
        pdf.extend_from_slice(b"xref\n0 4\n0000000000 65535 f\r\n");
        for n in 1..=3 {
            pdf.extend_from_slice(format!("{:010} 00000 n\r\n", offs[&n]).as_bytes());
        }
        pdf.extend_from_slice(b"7 1\n0000000000 00001 f\r\n");
        pdf.extend_from_slice(
            format!(
                "trailer\n<< /Size 8 /Root 1 0 R /XRefStm {xs_off} >>\nstartxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        );
        pdf
    }

    #[test]
    fn hybrid_file() {
        let pdf = hybrid_pdf();
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        assert_eq!(doc.revisions().len(), 1);
        let r = &doc.revisions()[0];
        assert_eq!(r.kind, XrefKind::Hybrid);
        assert_eq!(r.xref_offsets.len(), 2);
        assert_eq!(r.end, Some(pdf.len() as u64));
        let six = doc.resolve(ObjRef::new(6, 0)).unwrap();
        assert_eq!(
            six.as_dict().unwrap().get(b"InStream"),
            Some(&Object::Bool(true))
        );
        assert!(matches!(
            doc.entry_in(0, 7),
            Some((0, XrefEntry::Free { .. }))
        ));
        assert_eq!(doc.resolve(ObjRef::new(7, 0)).unwrap(), Object::Null);
        assert_eq!(doc.pages_in(0).unwrap(), vec![ObjRef::new(3, 0)]);
        qpdf_check(&pdf);
    }

    // ---------------------------------------------------------------------------------------------
    // Linearized files

    #[test]
    fn linearized_files_are_one_revision() {
        for extra in [&[][..], &["--object-streams=generate"][..]] {
            let lin = linearize(&modern_pdf(4), extra);
            let doc = Document::from_bytes(lin.clone()).unwrap();
            assert_eq!(doc.revisions().len(), 1, "{extra:?}");
            let r = &doc.revisions()[0];
            assert_eq!(r.xref_offsets.len(), 2);
            assert!(r.xref_offsets[0] < r.xref_offsets[1]);
            assert_eq!(r.end, Some(lin.len() as u64));
            assert_eq!(doc.pages_in(0).unwrap().len(), 4);
            resolve_all_ok(&doc);

            // An incremental update on top is a second revision.
            let mut up = IncrementalUpdate::new(&doc);
            let n = up.alloc();
            up.put(n, Object::Dict(Dict::new()));
            let mut out = lin.clone();
            up.write(&doc, &mut out).unwrap();
            qpdf_check(&out);
            let doc2 = Document::from_bytes(out.clone()).unwrap();
            assert_eq!(doc2.revisions().len(), 2);
            assert_eq!(doc2.revisions()[0].end, Some(lin.len() as u64));
            assert_eq!(doc2.pages_in(1).unwrap().len(), 4);
            assert_eq!(doc2.resolve_in(0, n).unwrap(), Object::Null);
            assert!(doc2.resolve_in(1, n).unwrap().as_dict().is_some());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Hostile input

    #[test]
    fn prev_loop_is_detected() {
        let mut pdf = b"%PDF-1.4\n".to_vec();
        append_table_section(&mut pdf, &[(1, CATALOG)], 2, Some(0), "", true);
        // Make /Prev point at the section itself.
        let xref = startxref_of(&pdf);
        let s = String::from_utf8_lossy(&pdf).replace("/Prev 0", &format!("/Prev {xref}"));
        let pdf = s.into_bytes();
        // Detected, and the cross-references rebuilt for reading (never trusted for signatures).
        let doc = Document::from_bytes(pdf).unwrap();
        assert!(
            doc.rebuilt().unwrap().contains("loops back"),
            "{:?}",
            doc.rebuilt()
        );

        // Two sections pointing at each other (fixed-width /Prev so offsets do not move).
        let mut pdf = b"%PDF-1.4\n".to_vec();
        append_table_section(
            &mut pdf,
            &[(1, CATALOG)],
            2,
            None,
            " /Prev 0000000000",
            true,
        );
        add_update(&mut pdf, 1, &[], 6);
        let second = startxref_of(&pdf);
        let s = String::from_utf8_lossy(&pdf).replacen(
            "/Prev 0000000000",
            &format!("/Prev {second:010}"),
            1,
        );
        let doc = Document::from_bytes(s.into_bytes()).unwrap();
        let why = doc.rebuilt().unwrap();
        assert!(
            why.contains(&format!("loops back to offset {second}")),
            "{why}"
        );
    }

    #[test]
    fn startxref_past_eof_and_truncation() {
        let mut pdf = classic_pdf();
        let len = pdf.len();
        let s = String::from_utf8_lossy(&pdf).into_owned();
        let sx = startxref_of(&pdf);
        let bad = s.replace(&format!("startxref\n{sx}\n"), "startxref\n999999\n");
        let doc = Document::from_bytes(bad.into_bytes()).unwrap();
        assert!(
            doc.rebuilt().unwrap().contains("past the end"),
            "{:?}",
            doc.rebuilt()
        );
        assert!(matches!(
            Document::from_bytes(b"%PDF-1.4\n".to_vec()),
            Err(PdfError::MalformedXref(_))
        ));
        assert!(matches!(
            Document::from_bytes(b"hello".to_vec()),
            Err(PdfError::NotPdf)
        ));
        // Every truncation fails cleanly or opens.
        for cut in (0..len).rev() {
            pdf.truncate(cut);
            if let Ok(doc) = Document::from_bytes(pdf.clone()) {
                exercise(&doc);
            }
        }
    }

    #[test]
    fn huge_sizes_are_rejected() {
        // Subsection larger than the file.
        let pdf = b"%PDF-1.4\nxref\n0 4000000000\n0000000000 65535 f\r\ntrailer\n<< /Size 4000000000 >>\nstartxref\n9\n%%EOF\n".to_vec();
        assert!(matches!(
            Document::from_bytes(pdf),
            Err(PdfError::MalformedXref(_) | PdfError::LimitExceeded(_))
        ));
        // Xref stream with huge /W and /Size.
        for dict in [
            "/W [1 99 1] /Size 3",
            "/W [1 2 1] /Size 99999999999",
            "/W [1 2] /Size 1",
            "/W [0 0 0] /Size 1",
        ] {
            let mut pdf = b"%PDF-1.5\n".to_vec();
            let off = pdf.len();
            pdf.extend_from_slice(format!("1 0 obj\n<< /Type /XRef {dict} /Length 4 >>\nstream\n\x01\x00\x09\x00\nendstream\nendobj\nstartxref\n{off}\n%%EOF\n").as_bytes());
            let r = Document::from_bytes(pdf);
            assert!(
                matches!(
                    r,
                    Err(PdfError::MalformedXref(_) | PdfError::LimitExceeded(_))
                ),
                "{dict}: {:?}",
                r.err()
            );
        }
    }

    #[test]
    fn page_tree_cycles_are_errors() {
        let mut pdf = b"%PDF-1.4\n".to_vec();
        append_table_section(
            &mut pdf,
            &[
                (1, CATALOG),
                (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
                (3, b"<< /Type /Pages /Kids [2 0 R] >>"),
            ],
            4,
            None,
            "",
            true,
        );
        let doc = Document::from_bytes(pdf).unwrap();
        assert!(matches!(doc.pages_in(0), Err(PdfError::Malformed { .. })));
    }

    #[test]
    fn large_file_is_read_on_demand() {
        let mut pdf = b"%PDF-1.4\n".to_vec();
        let big = vec![b'A'; 5 << 20];
        let mut body = format!("<< /Length {} >>\nstream\n", big.len()).into_bytes();
        body.extend_from_slice(&big);
        body.extend_from_slice(b"\nendstream");
        append_table_section(
            &mut pdf,
            &[(1, CATALOG), (2, PAGES), (3, PAGE), (5, &body)],
            6,
            None,
            "",
            true,
        );
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&pdf).unwrap();
        f.flush().unwrap();
        let doc = Document::open(f.path()).unwrap();
        assert!(matches!(
            doc.source(),
            kyso::pdf::source::Source::File { .. }
        ));
        assert_eq!(doc.pages_in(0).unwrap(), vec![ObjRef::new(3, 0)]);
        let Object::Stream(s) = doc.resolve(ObjRef::new(5, 0)).unwrap() else {
            panic!()
        };
        let StreamData::InFile(span) = &s.data else {
            panic!()
        };
        assert_eq!(span.end - span.start, big.len() as u64);
        assert_eq!(doc.revisions()[0].end, Some(pdf.len() as u64));
    }

    // ---------------------------------------------------------------------------------------------
    // Writer

    fn sig_like_update(doc: &Document) -> (IncrementalUpdate, ObjRef) {
        let mut up = IncrementalUpdate::new(doc);
        let sig = up.alloc();
        let mut d = Dict::new();
        d.set("Type", Object::name("Sig"));
        d.set("Contents", PdfString::hex(vec![0u8; 16]));
        up.put(sig, Object::Dict(d));
        let content = up.alloc();
        let mut sd = Dict::new();
        sd.set("Filter", Object::name("FlateDecode"));
        up.put(
            content,
            Object::Stream(Stream {
                dict: sd,
                data: StreamData::Bytes(filter::flate_encode(b"q Q")),
            }),
        );
        (up, sig)
    }

    #[test]
    fn writer_round_trip_table() {
        let pdf = classic_pdf();
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        let (mut up, sig) = sig_like_update(&doc);
        // Change object 4 too.
        up.put(
            ObjRef::new(4, 0),
            Object::Dict({
                let mut d = Dict::new();
                d.set("V", Object::Integer(7));
                d
            }),
        );
        let mut out = pdf.clone();
        let w = up.write(&doc, &mut out).unwrap();
        assert!(out.starts_with(&pdf));
        assert_eq!(w.len, out.len() as u64);
        qpdf_check(&out);
        let doc2 = Document::from_bytes(out.clone()).unwrap();
        assert_eq!(doc2.revisions().len(), 2);
        assert_eq!(doc2.revisions()[1].kind, XrefKind::Table);
        assert_eq!(doc2.revisions()[1].xref_offsets[0], w.startxref);
        assert_eq!(doc2.revisions()[1].end, Some(out.len() as u64));
        assert_eq!(doc2.revisions()[0].end, Some(pdf.len() as u64));
        assert_eq!((v_of(&doc2, 0), v_of(&doc2, 1)), (0, 7));
        let span = &w.objects[&sig];
        assert!(out[span.start as usize..].starts_with(format!("{} 0 obj", sig.num).as_bytes()));
        assert!(out[..span.end as usize].ends_with(b"endobj"));
        let s = doc2.resolve(sig).unwrap();
        let c = s
            .as_dict()
            .unwrap()
            .get(b"Contents")
            .unwrap()
            .as_string()
            .unwrap();
        let cs = c.span.clone().unwrap();
        assert!(cs.start >= span.start && cs.end <= span.end);
        assert_eq!(
            doc2.trailer(1).get_int(b"Prev"),
            Some(startxref_of(&pdf) as i64)
        );
        assert_eq!(doc2.trailer(1).get_int(b"Size"), Some(8));
        resolve_all_ok(&doc2);

        // And once more on top (three revisions).
        let (up, _) = sig_like_update(&doc2);
        let mut out2 = out.clone();
        up.write(&doc2, &mut out2).unwrap();
        qpdf_check(&out2);
        let doc3 = Document::from_bytes(out2).unwrap();
        assert_eq!(doc3.revisions().len(), 3);
    }

    #[test]
    fn writer_round_trip_xref_stream() {
        let pdf = modern_pdf(2);
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        let (up, sig) = sig_like_update(&doc);
        let mut out = pdf.clone();
        let w = up.write(&doc, &mut out).unwrap();
        assert!(out.starts_with(&pdf));
        qpdf_check(&out);
        let doc2 = Document::from_bytes(out.clone()).unwrap();
        assert_eq!(doc2.revisions().len(), 2);
        let r = &doc2.revisions()[1];
        assert_eq!(r.kind, XrefKind::Stream);
        assert_eq!(r.xref_offsets[0], w.startxref);
        assert_eq!(r.end, Some(out.len() as u64));
        assert!(doc2.resolve_in(1, sig).unwrap().as_dict().is_some());
        assert_eq!(doc2.resolve_in(0, sig).unwrap(), Object::Null);
        assert_eq!(doc2.pages_in(1).unwrap().len(), 2);
        assert_eq!(doc2.trailer(1).get(b"Root"), doc.trailer(0).get(b"Root"));
        assert_eq!(doc2.trailer(1).get(b"Info"), doc.trailer(0).get(b"Info"));
        resolve_all_ok(&doc2);

        // A second update on top: three revisions, each with its own end.
        let (up, sig2) = sig_like_update(&doc2);
        let mut out2 = out.clone();
        up.write(&doc2, &mut out2).unwrap();
        qpdf_check(&out2);
        let doc3 = Document::from_bytes(out2.clone()).unwrap();
        let ends: Vec<_> = doc3.revisions().iter().map(|r| r.end).collect();
        assert_eq!(ends[1..], [Some(out.len() as u64), Some(out2.len() as u64)]);
        assert!(doc3.resolve_in(2, sig2).unwrap().as_dict().is_some());
        assert_eq!(doc3.resolve_in(1, sig2).unwrap(), Object::Null);
        assert!(sig2.num > sig.num);
    }

    #[test]
    fn writer_xref_stream_wide_offsets() {
        // A 100 KB content stream pushes offsets past 16 bits; qpdf turns the file into
        // xref-stream form.
        let big = format!(
            "<< /Length 100000 >>\nstream\n{}\nendstream",
            "%".repeat(100_000)
        );
        let mut classic = b"%PDF-1.5\n".to_vec();
        append_table_section(
            &mut classic,
            &[(1, CATALOG), (2, PAGES), (3, PAGE), (5, big.as_bytes())],
            6,
            None,
            "",
            true,
        );
        let pdf = qpdf_convert(
            &classic,
            &["--object-streams=generate", "--compress-streams=n"],
        );
        assert!(pdf.len() > 65_536);
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        assert_eq!(doc.revisions()[0].kind, XrefKind::Stream);
        let (up, sig) = sig_like_update(&doc);
        let mut out = pdf.clone();
        up.write(&doc, &mut out).unwrap();
        qpdf_check(&out);
        let doc2 = Document::from_bytes(out).unwrap();
        let w = doc2
            .trailer(1)
            .get(b"W")
            .unwrap()
            .as_array()
            .unwrap()
            .to_vec();
        assert_eq!(
            w,
            vec![Object::Integer(1), Object::Integer(3), Object::Integer(2)]
        );
        assert!(doc2.resolve(sig).unwrap().as_dict().is_some());
        assert_eq!(doc2.pages_in(1).unwrap().len(), 1);
        resolve_all_ok(&doc2);
    }

    #[test]
    fn writer_round_trip_hybrid_and_in_file_streams() {
        let pdf = hybrid_pdf();
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        let mut up = IncrementalUpdate::new(&doc);
        // Re-put an existing stream whose data is still in the file.
        let four = doc.resolve(ObjRef::new(4, 0)).unwrap();
        let copy = up.alloc();
        up.put(copy, four);
        let mut out = pdf.clone();
        up.write(&doc, &mut out).unwrap();
        qpdf_check(&out);
        let doc2 = Document::from_bytes(out).unwrap();
        assert_eq!(doc2.revisions()[1].kind, XrefKind::Table);
        let Object::Stream(s) = doc2.resolve(copy).unwrap() else {
            panic!()
        };
        assert!(doc2.stream_decoded(&s).unwrap().starts_with(b"6 0 7 28"));
        assert!(doc2.resolve(ObjRef::new(6, 0)).unwrap().as_dict().is_some());
    }

    #[test]
    fn writer_refuses_encrypted_documents_it_cannot_open() {
        let mut pdf = b"%PDF-1.4\n".to_vec();
        append_table_section(
            &mut pdf,
            &[
                (1, CATALOG),
                (2, PAGES),
                (3, PAGE),
                (6, b"<< /Filter /Standard >>"),
            ],
            7,
            None,
            " /Encrypt 6 0 R",
            true,
        );
        let doc = Document::from_bytes(pdf.clone()).unwrap();
        // An encryption dictionary without /O, /U, /P: the document cannot be opened, so no
        // update can be encrypted for it.
        assert!(doc.security().is_none());
        assert!(
            doc.security_error().unwrap().contains("/O"),
            "{:?}",
            doc.security_error()
        );
        let up = IncrementalUpdate::new(&doc);
        let mut out = pdf;
        assert!(matches!(
            up.write(&doc, &mut out),
            Err(PdfError::PasswordRequired)
        ));
    }

    #[test]
    fn document_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<Document>();
    }

    #[test]
    fn opening_small_files_is_fast() {
        let pdf = modern_pdf(20);
        let start = std::time::Instant::now();
        for _ in 0..100 {
            let doc = Document::from_bytes(pdf.clone()).unwrap();
            let _ = doc.pages_in(0).unwrap();
        }
        let per = start.elapsed() / 100;
        assert!(
            per < std::time::Duration::from_millis(5),
            "{per:?} per open"
        );
    }

    // ---------------------------------------------------------------------------------------------
    // Property test: mutations never panic

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        fn seeds() -> &'static [Vec<u8>] {
            static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
            SEEDS.get_or_init(|| {
                let mut updated = classic_pdf();
                add_update(
                    &mut updated,
                    3,
                    &[(6, b"<< /Length 6 0 R >>\nstream\nxx\nendstream")],
                    7,
                );
                let lin = linearize(&modern_pdf(2), &["--object-streams=generate"]);
                vec![classic_pdf(), modern_pdf(2), hybrid_pdf(), updated, lin]
            })
        }

        #[derive(Debug, Clone)]
        enum Mutation {
            Flip(usize, u8),
            Truncate(usize),
            Insert(usize, Vec<u8>),
            Delete(usize, usize),
        }

        fn mutation() -> impl Strategy<Value = Mutation> {
            prop_oneof![
                (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Flip(a, b)),
                any::<usize>().prop_map(Mutation::Truncate),
                (
                    any::<usize>(),
                    prop::collection::vec(
                        prop_oneof![
                            Just(b'0'),
                            Just(b'9'),
                            Just(b' '),
                            Just(b'\n'),
                            Just(b'<'),
                            Just(b'>'),
                            Just(b'['),
                            Just(b'('),
                            Just(b'R'),
                            any::<u8>()
                        ],
                        1..8,
                    )
                )
                    .prop_map(|(a, v)| Mutation::Insert(a, v)),
                (any::<usize>(), 1usize..20).prop_map(|(a, n)| Mutation::Delete(a, n)),
            ]
        }

        fn apply(mut b: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
            for m in muts {
                if b.is_empty() {
                    break;
                }
                match m {
                    Mutation::Flip(a, v) => {
                        let i = a % b.len();
                        b[i] = *v;
                    }
                    Mutation::Truncate(a) => b.truncate(a % b.len()),
                    Mutation::Insert(a, v) => {
                        let i = a % b.len();
                        b.splice(i..i, v.iter().copied());
                    }
                    Mutation::Delete(a, n) => {
                        let i = a % b.len();
                        let e = (i + n).min(b.len());
                        b.drain(i..e);
                    }
                }
            }
            b
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(
                std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(400)
            ))]
            #[test]
            fn mutated_pdfs_never_panic(seed in 0usize..5, muts in prop::collection::vec(mutation(), 1..6)) {
                let bytes = apply(seeds()[seed].clone(), &muts);
                if let Ok(doc) = Document::from_bytes(bytes) {
                    exercise(&doc);
                }
            }
        }
    }

    /// The same bytes read through positioned reads (small windows that must grow) and from
    /// memory resolve to the same objects.
    fn same_through_file_source(pdf: &[u8]) {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(pdf).unwrap();
        f.flush().unwrap();
        let file = std::fs::File::open(f.path()).unwrap();
        let src = kyso::pdf::source::Source::File {
            file: std::sync::Arc::new(file),
            len: pdf.len() as u64,
            modified: None,
        };
        let fdoc = Document::from_source(src).unwrap();
        let mdoc = Document::from_bytes(pdf.to_vec()).unwrap();
        assert_eq!(fdoc.revisions().len(), mdoc.revisions().len());
        for rev in 0..mdoc.revisions().len() {
            assert_eq!(fdoc.revisions()[rev].entries, mdoc.revisions()[rev].entries);
            assert_eq!(fdoc.revisions()[rev].end, mdoc.revisions()[rev].end);
            for num in mdoc.object_numbers_in(rev) {
                let r = ObjRef::new(num, 0);
                let (a, b) = (fdoc.resolve_in(rev, r), mdoc.resolve_in(rev, r));
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "rev {rev} object {num}");
                if let (Ok(Object::Stream(a)), Ok(Object::Stream(b))) = (a, b) {
                    assert_eq!(fdoc.stream_raw(&a).unwrap(), mdoc.stream_raw(&b).unwrap());
                }
            }
            assert_eq!(fdoc.pages_in(rev).ok(), mdoc.pages_in(rev).ok());
        }
    }

    #[test]
    fn file_windows_grow_across_boundaries() {
        for pad in (4040..4110).step_by(3) {
            let big_stream = format!(
                "<< /Pad ({}) /Length 3 >>\nstream\nabc\nendstream",
                "x".repeat(pad)
            );
            let big_array = format!("[{}]", "1 0 R ".repeat(pad / 2));
            let mut pdf = b"%PDF-1.4\n".to_vec();
            append_table_section(
                &mut pdf,
                &[
                    (1, CATALOG),
                    (2, PAGES),
                    (3, PAGE),
                    (4, big_stream.as_bytes()),
                    (5, big_array.as_bytes()),
                ],
                6,
                None,
                "",
                true,
            );
            same_through_file_source(&pdf);
        }
        let mut updated = classic_pdf();
        add_update(&mut updated, 3, &[], 6);
        // A large xref table (600 entries, 12 KB).
        let bodies: Vec<String> = (4..600).map(|i| format!("<< /I {i} >>")).collect();
        let mut objs: Vec<(u32, &[u8])> = vec![(1, CATALOG), (2, PAGES), (3, PAGE)];
        objs.extend(
            bodies
                .iter()
                .enumerate()
                .map(|(i, b)| (i as u32 + 4, b.as_bytes())),
        );
        let mut many = b"%PDF-1.4\n".to_vec();
        append_table_section(&mut many, &objs, 600, None, "", true);
        for pdf in [
            many,
            modern_pdf(300),
            hybrid_pdf(),
            linearize(&modern_pdf(3), &["--object-streams=generate"]),
            updated,
        ] {
            same_through_file_source(&pdf);
        }
    }
}
