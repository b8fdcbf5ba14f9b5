//! What changed after a signature, and whether it was allowed.
//!
//! For every revision after the one a signature covers, the revision is compared with the
//! one before it, object by object, by resolving both views — not by looking at which
//! objects an update appended — so re-pointed object numbers (xref-only updates), `/Root`
//! and `/Pages` swaps, generation bumps, freed objects, objects inside object streams (also
//! those whose container an update replaced) and hybrid `/XRefStm` sections are all seen.
//! The bytes of each such revision must be a well-formed incremental update
//! ([`bytes`]); an object that a strict reader cannot read there is a change a repairing
//! reader would show differently, and so is not allowed.
//!
//! Each change is explained in human terms ("page 1 content stream replaced", "annotation
//! FreeText added on page 1 over text", "field Comment filled", "DSS added") and classified
//! under [`Permissions`]:
//!
//! - **always**: new signatures (the signature dictionary, its field and widget, the
//!   `/Annots` and `/AcroForm /Fields` bookkeeping, the new widget's appearance), `/DSS` and
//!   its contents, document time-stamps; also `/Info` `/ModDate` / `/Producer`, XMP metadata
//!   and a higher declared `/Version` (not displayed content);
//! - **certified P=2** (or an approval signature with form filling allowed by the caller):
//!   also filling existing fields (`/V`, `/AS`, regenerated `/AP`), and signing;
//! - **certified P=3**: also adding, changing or deleting annotations other than widgets —
//!   except annotations that paint text or images, or are of a type that can hide content,
//!   over signed content (the Evil Annotation Attack countermeasure);
//! - **certified P=1**: nothing but DSS and document time-stamps.
//!
//! Field locks (FieldMDP transforms, `/Lock`) forbid filling or signing the fields they name.
//! A signature widget added after a signature must not paint over page content (Sneaky
//! Signature Attack), except over at most half of an earlier signature's widget (Decree
//! 30/2020 Appendix I: the organisation's seal overlaps the official's signature); moving or
//! resizing a widget is a change to the field, not filling. Everything else is a disallowed
//! modification.
//!
//! **Roles.** A changed object is judged by every role it plays, not only by the one its
//! classifier looked at: [`roles::RoleMap`] walks each view (pages with contents, resources
//! and annotations in every appearance and state, the form, DSS, metadata, structure tree,
//! other catalog entries, `/Info`) and `check_roles` turns an allowed change into a
//! disallowed one when the object also plays a role the verdict did not cover (page
//! content that is also metadata, a field's appearance that is also another annotation's).
//! Named rules for the routine updates of real signers, each reported by name in the
//! change's reason: `catalog-rewritten`, `info-rewritten`, `form-defaults`,
//! `structure-tree`, `unreferenced-object`, `xref-stream`. A filled field may not cover
//! signed text or images. Role maps are built only for revisions after a signature, when
//! first needed: a file without later updates does not build them.

mod annots;
pub mod bytes;
mod catalog;
mod dss;
mod fields;
pub mod overlay;
pub mod permissions;
#[cfg(feature = "render")]
pub mod raster;
pub mod render;
pub mod roles;

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeSet, HashMap, HashSet};

use crate::form::Field;
use crate::pdf::{Dict, Document, ObjRef, Object, PdfError, Stream, StreamData, XrefEntry};
use crate::report::Change;

use overlay::{Boxed, Painted};
pub use permissions::Permissions;
use roles::{Role, RoleMap};

use annots::*;
use catalog::*;
use dss::*;
use fields::*;

/// Objects visited at most when collecting what a structure reaches.
const REACH_BUDGET: usize = 1_000_000;


/// Structural equality of two objects: spans and stream data locations are ignored, stream
/// data is compared by content.
pub(crate) fn same(doc: &Document, a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::String(x), Object::String(y)) => x.bytes == y.bytes,
        (Object::Array(x), Object::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(doc, p, q))
        }
        (Object::Dict(x), Object::Dict(y)) => same_dict(doc, x, y),
        (Object::Stream(x), Object::Stream(y)) => {
            same_dict(doc, &x.dict, &y.dict)
                && stream_bytes(doc, x).ok() == stream_bytes(doc, y).ok()
                && stream_bytes(doc, x).is_ok()
        }
        (Object::Real(x), Object::Real(y)) => x == y,
        (Object::Integer(x), Object::Real(y)) | (Object::Real(y), Object::Integer(x)) => {
            (*x as f64) == *y
        }
        _ => a == b,
    }
}

fn same_dict(doc: &Document, x: &Dict, y: &Dict) -> bool {
    x.len() == y.len()
        && x.iter()
            .all(|(k, v)| y.get(k).is_some_and(|w| same(doc, v, w)))
}

fn stream_bytes(doc: &Document, s: &Stream) -> Result<Vec<u8>, PdfError> {
    match &s.data {
        StreamData::Bytes(b) => Ok(b.clone()),
        StreamData::InFile(_) => doc.stream_raw(s),
    }
}

/// The keys whose values differ between two dictionaries (added, removed or changed).
pub(crate) fn changed_keys(doc: &Document, old: &Dict, new: &Dict) -> Vec<String> {
    let mut keys = BTreeSet::new();
    for (k, v) in old.iter() {
        if !new.get(k).is_some_and(|w| same(doc, v, w)) {
            keys.insert(String::from_utf8_lossy(k).into_owned());
        }
    }
    for (k, _) in new.iter() {
        if !old.contains(k) {
            keys.insert(String::from_utf8_lossy(k).into_owned());
        }
    }
    keys.into_iter().collect()
}

/// Every object reachable from `start` in revision `rev` (references followed, bounded;
/// references to missing objects are included).
pub(crate) fn reachable(doc: &Document, rev: usize, start: &Object) -> HashSet<ObjRef> {
    let mut seen = HashSet::new();
    let mut stack = vec![start.clone()];
    while let Some(o) = stack.pop() {
        if seen.len() >= REACH_BUDGET {
            break;
        }
        match o {
            Object::Ref(r) if seen.insert(r) => {
                if let Ok(obj) = doc.resolve_in(rev, r) {
                    stack.push(obj);
                }
            }
            Object::Array(a) => stack.extend(a),
            Object::Dict(d) => stack.extend(d.iter().map(|(_, v)| v.clone())),
            Object::Stream(s) => stack.extend(s.dict.iter().map(|(_, v)| v.clone())),
            _ => {}
        }
    }
    seen
}

/// The references in an array (resolved in `rev` if `o` is itself a reference), and whether
/// it held anything that is not a reference.
fn ref_list(doc: &Document, rev: usize, o: Option<&Object>) -> (Vec<ObjRef>, bool) {
    let Some(o) = o else {
        return (Vec::new(), false);
    };
    let resolved = doc.deref_in(rev, o).unwrap_or(Object::Null);
    match resolved.as_array() {
        Some(a) => (
            a.iter().filter_map(Object::as_ref).collect(),
            a.iter().any(|x| x.as_ref().is_none()),
        ),
        None => (Vec::new(), !matches!(resolved, Object::Null)),
    }
}

fn text_of(d: &Dict, key: &[u8]) -> String {
    d.get(key)
        .and_then(Object::as_string)
        .map(|s| s.to_text())
        .unwrap_or_default()
}

fn name_of(n: Option<&[u8]>) -> String {
    n.map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_default()
}

/// The changes made by every revision after `signed_rev` (0-based), in order.
pub(crate) fn changes_after(
    doc: &Document,
    signed_rev: usize,
    perms: &Permissions,
) -> Result<Vec<Change>, PdfError> {
    let mut out = Vec::new();
    let repaired = doc.repaired_revisions();
    for new in signed_rev + 1..doc.revisions().len() {
        if repaired.contains(&new) {
            out.push(change(
                new,
                None,
                format!("revision {}'s cross-reference entries point at the wrong bytes (repaired by scanning to read the file)", new + 1),
                false,
                "a well-formed incremental update lists where its objects are; readers that repair differently may show a different document",
            ));
        }
        for (description, reason) in bytes::revision_problems(doc, new) {
            out.push(change(new, None, description, false, reason));
        }
        analyze_revision(doc, new, perms, &mut out)?;
    }
    Ok(out)
}

fn change(
    rev: usize,
    r: Option<ObjRef>,
    description: impl Into<String>,
    allowed: bool,
    reason: impl Into<String>,
) -> Change {
    Change {
        revision: rev + 1,
        description: description.into(),
        object: r.map(|r| format!("{} {}", r.num, r.gen)),
        allowed,
        reason: reason.into(),
        roles: Vec::new(),
    }
}

/// An object as one view resolves it.
#[derive(Debug, Clone)]
enum Seen {
    Obj(Object),
    Unreadable(String),
}

/// Context of one revision's analysis.
struct Cx<'a> {
    doc: &'a Document,
    old: usize,
    new: usize,
    perms: &'a Permissions,
    old_fields: Vec<Field>,
    new_fields: Vec<Field>,
    /// Field objects and widgets of the old view → index into `old_fields`.
    old_field_of: HashMap<ObjRef, usize>,
    /// Objects (field and widgets) of signature fields new in this revision → index into
    /// `new_fields`.
    new_sig_fields: HashMap<ObjRef, usize>,
    /// `/V` of every signature field in the new view.
    sig_values: HashSet<ObjRef>,
    /// New objects that belong to something judged elsewhere, with a label.
    allowed_new: HashMap<ObjRef, String>,
    /// New objects listed in a page's `/Annots` (judged with the page).
    listed_new: HashSet<ObjRef>,
    /// Pages of the old and new views.
    old_pages: Vec<ObjRef>,
    new_pages: Vec<ObjRef>,
    /// Indirect `/Annots` arrays → their page.
    annots_owner: HashMap<ObjRef, ObjRef>,
    /// Indirect `/AcroForm /Fields` arrays.
    fields_arrays: HashSet<ObjRef>,
    /// Content streams of old pages → page.
    page_contents: HashMap<ObjRef, ObjRef>,
    /// Indirect `/V` values of old fields → field index.
    value_objects: HashMap<ObjRef, usize>,
    /// Appearance streams of old fields and annotations → (field index or none, annotation).
    appearance_of: HashMap<ObjRef, (Option<usize>, ObjRef)>,
    root: Option<ObjRef>,
    old_doc_reach: OnceCell<HashSet<u32>>,
    dss_reach: OnceCell<HashSet<u32>>,
    page_reach: OnceCell<HashSet<u32>>,
    boxes: RefCell<HashMap<ObjRef, Vec<Boxed>>>,
    pages_done: RefCell<HashSet<ObjRef>>,
    fields_done: RefCell<bool>,
    /// The roles of every object in the old and the new view (built when first needed).
    old_roles: OnceCell<RoleMap>,
    new_roles: OnceCell<RoleMap>,
    /// Objects judged elsewhere (a catalog or `/Info` rewritten as a new object).
    judged_elsewhere: HashSet<ObjRef>,
}

impl Cx<'_> {
    fn old_roles(&self) -> &RoleMap {
        self.old_roles
            .get_or_init(|| RoleMap::build(self.doc, self.old))
    }
    fn new_roles(&self) -> &RoleMap {
        self.new_roles
            .get_or_init(|| RoleMap::build(self.doc, self.new))
    }
    /// The roles of object `num` in either view.
    fn roles_of(&self, num: u32) -> Vec<Role> {
        let mut v: Vec<Role> = self.old_roles().of(num).to_vec();
        v.extend_from_slice(self.new_roles().of(num));
        v.sort();
        v.dedup();
        v
    }
    /// Whether this revision adds a signature field (or a document time-stamp field).
    fn adds_signature(&self) -> bool {
        !self.new_sig_fields.is_empty()
    }
    /// The objects of an old field: its dictionary and its widgets.
    fn field_objects(&self, i: usize) -> Vec<u32> {
        let f = &self.old_fields[i];
        f.object
            .into_iter()
            .chain(f.widgets.iter().copied())
            .map(|r| r.num)
            .collect()
    }
    fn is_new(&self, r: ObjRef) -> bool {
        matches!(self.doc.resolve_in(self.old, r), Ok(Object::Null) | Err(_))
    }
    fn obj(&self, rev: usize, r: ObjRef) -> Object {
        self.doc.resolve_in(rev, r).unwrap_or(Object::Null)
    }
    fn dict(&self, rev: usize, r: ObjRef) -> Dict {
        self.obj(rev, r).as_dict().cloned().unwrap_or_default()
    }
    fn page_label(&self, page: ObjRef) -> String {
        let pos = self
            .new_pages
            .iter()
            .position(|p| *p == page)
            .or_else(|| self.old_pages.iter().position(|p| *p == page));
        match pos {
            Some(i) => format!("page {}", i + 1),
            None => format!("page object {}", page.num),
        }
    }
    /// Object numbers the signed document (without its DSS) references, defined or not.
    fn old_doc_reach(&self) -> &HashSet<u32> {
        self.old_doc_reach.get_or_init(|| {
            let mut start = Vec::new();
            if let Some(r) = self.root {
                start.push(Object::Ref(r));
                if let Ok(c) = self.doc.catalog_in(self.old) {
                    start.extend(
                        c.iter()
                            .filter(|(k, _)| *k != b"DSS")
                            .map(|(_, v)| v.clone()),
                    );
                }
            }
            if let Some(i) = self.doc.trailer(self.old).get(b"Info") {
                start.push(i.clone());
            }
            let mut set = HashSet::new();
            for s in start {
                // Do not walk into the catalog again (it would reach /DSS).
                if matches!(&s, Object::Ref(r) if Some(*r) == self.root) {
                    set.insert(self.root.map_or(0, |r| r.num));
                    continue;
                }
                set.extend(reachable(self.doc, self.old, &s).into_iter().map(|r| r.num));
            }
            set
        })
    }
    /// Object numbers the DSS reaches in either view.
    fn dss_reach(&self) -> &HashSet<u32> {
        self.dss_reach.get_or_init(|| {
            let mut set = HashSet::new();
            for rev in [self.old, self.new] {
                if let Some(d) = self
                    .doc
                    .catalog_in(rev)
                    .ok()
                    .and_then(|c| c.get(b"DSS").cloned())
                {
                    set.extend(reachable(self.doc, rev, &d).into_iter().map(|r| r.num));
                }
            }
            set
        })
    }
    /// Object numbers that page contents and resources reach in the old view.
    fn page_reach(&self) -> &HashSet<u32> {
        self.page_reach.get_or_init(|| {
            let mut set = HashSet::new();
            for p in &self.old_pages {
                let d = self.dict(self.old, *p);
                for k in [&b"Contents"[..], b"Resources"] {
                    if let Some(v) = d.get(k) {
                        set.extend(reachable(self.doc, self.old, v).into_iter().map(|r| r.num));
                    }
                }
            }
            set
        })
    }
    /// The page an annotation is on in `rev` (its `/P`, else the page listing it).
    fn page_of(&self, rev: usize, annot: ObjRef, d: &Dict) -> Option<ObjRef> {
        let pages = if rev == self.new {
            &self.new_pages
        } else {
            &self.old_pages
        };
        if let Some(p) = d.get_ref(b"P").filter(|p| pages.contains(p)) {
            return Some(p);
        }
        pages.iter().copied().find(|p| {
            let pd = self.dict(rev, *p);
            ref_list(self.doc, rev, pd.get(b"Annots"))
                .0
                .contains(&annot)
        })
    }
    /// What the signed (old) view paints on `page`, besides `ignore`.
    fn covered(&self, page: ObjRef, rect: &overlay::Rect, ignore: ObjRef) -> Option<Painted> {
        if !self.old_pages.contains(&page) {
            return Some(Painted::Unknown);
        }
        let mut cache = self.boxes.borrow_mut();
        let boxes = cache
            .entry(page)
            .or_insert_with(|| overlay::painted_boxes(self.doc, self.old, page, &[]));
        let others: Vec<Boxed> = boxes.to_vec();
        drop(cache);
        // An annotation is not covered by itself.
        let own = overlay::rect_in(self.doc, self.old, &self.dict(self.old, ignore));
        // Decree 30/2020 Appendix I: the organisation's seal overlaps the left third of the
        // official's signature. A new signature appearance may cover part of an earlier
        // signature's widget (at most half of it, so that signature stays legible); not more,
        // and nothing else.
        let signatures = self.signature_widget_rects();
        let filtered: Vec<Boxed> = others
            .into_iter()
            .filter(|(b, k)| {
                !(*k == Painted::Annotation
                    && (Some(*b) == own
                        || (signatures.iter().any(|s| same_rect(s, b))
                            && overlap_area(rect, b) <= 0.5 * overlap_area(b, b))))
            })
            .collect();
        overlay::covers(rect, &filtered)
    }
    /// The signed page content (text, images, unreadable content; not graphics and not
    /// annotations) that `rect`, shrunk by a point on each side, covers on `page`.
    fn covered_content(&self, page: ObjRef, rect: &overlay::Rect) -> Option<Painted> {
        if !self.old_pages.contains(&page) {
            return Some(Painted::Unknown);
        }
        let mut cache = self.boxes.borrow_mut();
        let boxes = cache
            .entry(page)
            .or_insert_with(|| overlay::painted_boxes(self.doc, self.old, page, &[]));
        let content: Vec<Boxed> = boxes
            .iter()
            .filter(|(_, k)| matches!(k, Painted::Text | Painted::Image | Painted::Unknown))
            .copied()
            .collect();
        drop(cache);
        let inner = [rect[0] + 1.0, rect[1] + 1.0, rect[2] - 1.0, rect[3] - 1.0];
        overlay::covers(&inner, &content)
    }
    /// The rectangles of the widgets of the old view's signature fields.
    fn signature_widget_rects(&self) -> Vec<overlay::Rect> {
        self.old_fields
            .iter()
            .filter(|f| f.is_signature())
            .flat_map(|f| f.widgets.iter())
            .filter_map(|w| overlay::rect_in(self.doc, self.old, &self.dict(self.old, *w)))
            .collect()
    }
    fn is_doc_timestamp_field(&self, i: usize) -> bool {
        let f = &self.new_fields[i];
        f.value
            .as_ref()
            .and_then(|v| self.doc.deref_in(self.new, v).ok())
            .and_then(|v| {
                v.as_dict()
                    .and_then(|d| d.get_name(b"Type").map(<[u8]>::to_vec))
            })
            .as_deref()
            == Some(b"DocTimeStamp")
    }
    fn may_add_signature_field(&self, i: usize) -> bool {
        self.perms.signing || self.is_doc_timestamp_field(i)
    }
}

fn analyze_revision(
    doc: &Document,
    new: usize,
    perms: &Permissions,
    out: &mut Vec<Change>,
) -> Result<(), PdfError> {
    let old = new - 1;
    let revision = &doc.revisions()[new];

    // No encryption may appear (the catalog and /Info are judged once the views are known).
    let old_root = doc.trailer(old).get_ref(b"Root");
    if doc.trailer(new).contains(b"Encrypt") && !doc.trailer(old).contains(b"Encrypt") {
        out.push(change(
            new,
            None,
            "encryption was added",
            false,
            "encrypting changes how every object is read",
        ));
    }
    let old_fields = crate::form::fields_in(doc, old)?;
    let new_fields = crate::form::fields_in(doc, new)?;
    let old_pages = doc.pages_in(old).unwrap_or_default();
    let new_pages = match doc.pages_in(new) {
        Ok(p) => p,
        Err(e) => {
            out.push(change(
                new,
                None,
                format!("the page tree cannot be read: {e}"),
                false,
                "a page tree a strict reader cannot read may be shown differently by others",
            ));
            Vec::new()
        }
    };
    let mut cx = Cx {
        doc,
        old,
        new,
        perms,
        old_fields,
        new_fields,
        old_field_of: HashMap::new(),
        new_sig_fields: HashMap::new(),
        sig_values: HashSet::new(),
        allowed_new: HashMap::new(),
        listed_new: HashSet::new(),
        old_pages,
        new_pages,
        annots_owner: HashMap::new(),
        fields_arrays: HashSet::new(),
        page_contents: HashMap::new(),
        value_objects: HashMap::new(),
        appearance_of: HashMap::new(),
        root: old_root,
        old_doc_reach: OnceCell::new(),
        dss_reach: OnceCell::new(),
        page_reach: OnceCell::new(),
        boxes: RefCell::new(HashMap::new()),
        pages_done: RefCell::new(HashSet::new()),
        fields_done: RefCell::new(false),
        old_roles: OnceCell::new(),
        new_roles: OnceCell::new(),
        judged_elsewhere: HashSet::new(),
    };
    prepare(&mut cx);
    rewritten_catalog_and_info(&mut cx, out);

    // The object numbers to compare: this revision's entries, and objects of older
    // revisions stored in object streams this revision redefines.
    let mut nums: BTreeSet<u32> = revision
        .entries
        .keys()
        .copied()
        .filter(|&n| n != 0)
        .collect();
    let containers: HashSet<u32> = revision
        .entries
        .iter()
        .filter(|(_, e)| matches!(e, XrefEntry::InUse { .. }))
        .map(|(&n, _)| n)
        .collect();
    if !containers.is_empty() {
        for n in doc.object_numbers_in(new) {
            if let Some((rv, XrefEntry::Compressed { stream, .. })) = doc.entry_in(new, n) {
                if rv < new && containers.contains(&stream) {
                    nums.insert(n);
                }
            }
        }
    }

    for num in nums {
        let new_entry = doc.entry_in(new, num).map(|(_, e)| e);
        let old_entry = doc.entry_in(old, num).map(|(_, e)| e);
        let gen_of = |e: Option<XrefEntry>| match e {
            Some(XrefEntry::InUse { gen, .. }) => Some(gen),
            Some(XrefEntry::Compressed { .. }) => Some(0),
            _ => None,
        };
        let (old_gen, new_gen) = (gen_of(old_entry), gen_of(new_entry));
        let see = |rev: usize, gen: Option<u16>| match gen {
            None => Seen::Obj(Object::Null),
            Some(g) => match doc.resolve_in(rev, ObjRef::new(num, g)) {
                Ok(o) => Seen::Obj(o),
                Err(e) => Seen::Unreadable(e.to_string()),
            },
        };
        let (old_seen, new_seen) = (see(old, old_gen), see(new, new_gen));
        let r = ObjRef::new(num, new_gen.or(old_gen).unwrap_or(0));
        let new_obj = match new_seen {
            Seen::Obj(o) => o,
            Seen::Unreadable(e) => {
                out.push(change(
                    new,
                    Some(r),
                    format!("object {num} cannot be read in revision {}: {e}", new + 1),
                    false,
                    "an object a strict reader cannot read may be shown differently by a repairing reader",
                ));
                continue;
            }
        };
        // This revision's own xref stream is bookkeeping.
        if let Some(XrefEntry::InUse { offset, .. }) = revision.entries.get(&num) {
            if revision.xref_offsets.contains(offset)
                && matches!(&new_obj, Object::Stream(s) if s.dict.get_name(b"Type") == Some(b"XRef"))
                && matches!(old_seen, Seen::Obj(Object::Null))
            {
                continue;
            }
        }
        let old_obj = match old_seen {
            Seen::Obj(o) => o,
            Seen::Unreadable(e) => {
                out.push(change(
                    new,
                    Some(r),
                    format!("object {num}, unreadable in the signed revision ({e}), was redefined"),
                    false,
                    "not a signature, validation data or permitted change",
                ));
                continue;
            }
        };
        if let (Some(a), Some(b)) = (old_gen, new_gen) {
            if a != b {
                out.push(change(
                    new,
                    Some(r),
                    format!("object {num} was given a new generation ({a} → {b})"),
                    false,
                    "re-numbered objects change what references resolve to",
                ));
                continue;
            }
        }
        if same(doc, &old_obj, &new_obj) {
            continue;
        }
        // Object streams are containers: their objects are compared one by one.
        if new_obj.as_dict().and_then(|d| d.get_name(b"Type")) == Some(b"ObjStm")
            && matches!(old_obj, Object::Null)
        {
            continue;
        }
        let start = out.len();
        if let Some(judged) = classify(&cx, r, &old_obj, &new_obj, out) {
            check_roles(&cx, r, &judged, &mut out[start..]);
        }
    }
    Ok(())
}

/// A change is allowed only if it is allowed for every role its object plays: the changes
/// `changes` made to `r`, allowed when `r` is judged as playing the roles `judged`, become
/// disallowed if `r` plays another role in either view (validation data excepted, which
/// any change may touch). The roles are reported when they decide or when there are
/// several.
fn check_roles(cx: &Cx<'_>, r: ObjRef, judged: &[Role], changes: &mut [Change]) {
    let roles = cx.roles_of(r.num);
    let extra: Vec<Role> = roles
        .iter()
        .copied()
        .filter(|ro| !judged.contains(ro) && *ro != Role::Dss)
        .collect();
    let id = format!("{} {}", r.num, r.gen);
    for c in changes
        .iter_mut()
        .filter(|c| c.object.as_deref() == Some(id.as_str()))
    {
        if roles.len() > 1 || (c.allowed && !extra.is_empty()) {
            c.roles = roles.iter().map(|x| x.describe()).collect();
        }
        if c.allowed && !extra.is_empty() {
            c.allowed = false;
            c.reason = format!(
                "the object is also {}; a change must be allowed for every role an object plays",
                extra
                    .iter()
                    .map(|x| x.describe())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
}

/// Precomputes what the new revision's new structures are and reach.
fn prepare(cx: &mut Cx<'_>) {
    let doc = cx.doc;
    let (old, new) = (cx.old, cx.new);
    for (i, f) in cx.old_fields.iter().enumerate() {
        if let Some(r) = f.object {
            cx.old_field_of.insert(r, i);
        }
        for w in &f.widgets {
            cx.old_field_of.insert(*w, i);
        }
        if let Some(v) = f.dict.get(b"V").and_then(Object::as_ref) {
            if !f.is_signature() {
                cx.value_objects.insert(v, i);
            }
        }
        let holders = f.object.into_iter().chain(f.widgets.iter().copied());
        for h in holders {
            let d = cx.dict(old, h);
            for ap in appearance_streams(doc, old, &d) {
                cx.appearance_of.insert(ap, (Some(i), h));
            }
        }
    }
    let old_field_objs: HashSet<ObjRef> = cx.old_fields.iter().filter_map(|f| f.object).collect();
    let add_reach = |cx: &mut Cx<'_>, from: &Object, label: String| {
        for r in reachable(doc, new, from) {
            if cx.is_new(r) {
                cx.allowed_new.entry(r).or_insert_with(|| label.clone());
            }
        }
    };
    for (i, f) in cx.new_fields.clone().iter().enumerate() {
        if f.is_signature() {
            if let Some(v) = f.value.as_ref().and_then(Object::as_ref) {
                cx.sig_values.insert(v);
                if cx.is_new(v) {
                    // The signature dictionary's own indirect parts (/Reference, /Prop_Build).
                    let d = cx.obj(new, v);
                    if let Some(d) = d.as_dict() {
                        for (_, val) in d.iter() {
                            add_reach(cx, val, "signature data added".into());
                        }
                    }
                }
            }
        }
        let Some(r) = f.object else { continue };
        let is_new_field = !old_field_objs.contains(&r) && cx.is_new(r);
        if f.is_signature() && is_new_field {
            cx.new_sig_fields.insert(r, i);
            for w in &f.widgets {
                cx.new_sig_fields.insert(*w, i);
            }
        }
        // Appearances of new signature fields, and new appearances of existing fields.
        for h in std::iter::once(r).chain(f.widgets.iter().copied()) {
            if let Some(ap) = cx.dict(new, h).get(b"AP").cloned() {
                let label = if f.is_signature() && is_new_field {
                    format!("appearance of signature field {} added", f.name)
                } else {
                    format!("appearance of field {} added", f.name)
                };
                add_reach(cx, &ap, label);
            }
        }
        if !f.is_signature() && !is_new_field {
            if let Some(v) = f.dict.get(b"V").and_then(Object::as_ref) {
                if cx.is_new(v) {
                    cx.allowed_new
                        .entry(v)
                        .or_insert_with(|| format!("value of field {} added", f.name));
                }
            }
        }
    }
    // DSS.
    if let Some(dss) = doc
        .catalog_in(new)
        .ok()
        .and_then(|c| c.get(b"DSS").cloned())
    {
        add_reach(cx, &dss, "validation data (DSS) added".into());
    }
    // AcroForm /DR additions and the indirect /Fields array.
    for rev in [old, new] {
        if let Ok(Some((_, acro))) = crate::form::acroform_in(doc, rev) {
            if let Some(f) = acro.get(b"Fields").and_then(Object::as_ref) {
                cx.fields_arrays.insert(f);
            }
            if rev == new {
                if let Some(dr) = acro.get(b"DR") {
                    add_reach(cx, dr, "form default resources added".into());
                }
            }
        }
    }
    // Pages: indirect /Annots arrays, and new annotations listed on them.
    for (rev, pages) in [(old, cx.old_pages.clone()), (new, cx.new_pages.clone())] {
        for p in pages {
            let pd = cx.dict(rev, p);
            if let Some(a) = pd.get(b"Annots").and_then(Object::as_ref) {
                cx.annots_owner.insert(a, p);
            }
            if rev == old {
                if let Some(c) = pd.get(b"Contents") {
                    let mut list: Vec<ObjRef> = c.as_ref().into_iter().collect();
                    list.extend(ref_list(doc, old, Some(c)).0);
                    for s in list {
                        cx.page_contents.entry(s).or_insert(p);
                    }
                }
            }
            if rev == new {
                for a in ref_list(doc, new, pd.get(b"Annots")).0 {
                    if cx.is_new(a) {
                        cx.listed_new.insert(a);
                        let ad = cx.dict(new, a);
                        for key in [&b"AP"[..], b"Popup"] {
                            if let Some(v) = ad.get(key) {
                                add_reach(cx, v, "appearance of annotation added".into());
                            }
                        }
                    }
                }
            } else {
                for a in ref_list(doc, old, pd.get(b"Annots")).0 {
                    if cx.old_field_of.contains_key(&a) {
                        continue;
                    }
                    let ad = cx.dict(old, a);
                    for ap in appearance_streams(doc, old, &ad) {
                        cx.appearance_of.entry(ap).or_insert((None, a));
                    }
                }
            }
        }
    }
}

/// Judges one changed object; returns the roles its verdict took into account (`None`: no
/// role check needed, e.g. for objects that are new or deleted).
fn classify(
    cx: &Cx<'_>,
    r: ObjRef,
    old_obj: &Object,
    new_obj: &Object,
    out: &mut Vec<Change>,
) -> Option<Vec<Role>> {
    let doc = cx.doc;
    let rev = cx.new;
    let is_added = matches!(old_obj, Object::Null);

    if matches!(new_obj, Object::Null) {
        // Deleted (freed, or re-pointed to nothing).
        if let Some(od) = old_obj.as_dict() {
            if is_annotation(od) && od.get_name(b"Subtype") != Some(b"Widget") {
                let listed = cx.new_pages.iter().any(|p| {
                    ref_list(doc, rev, cx.dict(rev, *p).get(b"Annots"))
                        .0
                        .contains(&r)
                });
                let ok = cx.perms.annotations && !listed;
                out.push(change(
                    rev,
                    Some(r),
                    format!("annotation {} deleted", name_of(od.get_name(b"Subtype"))),
                    ok,
                    cx.perms.annotation_reason(ok),
                ));
                return Some(vec![Role::Annotation(r.num)]);
            }
        }
        out.push(change(
            rev,
            Some(r),
            format!("object {} ({}) was deleted", r.num, describe(old_obj)),
            false,
            "deleting objects after signing is not allowed",
        ));
        return None;
    }

    if is_added {
        classify_added(cx, r, new_obj, out);
        return None;
    }

    let (Some(od), Some(nd)) = (old_obj.as_dict(), new_obj.as_dict()) else {
        return classify_other(cx, r, new_obj, out);
    };
    if Some(r) == cx.root {
        classify_catalog(cx, r, od, nd, out);
        return Some(vec![Role::Catalog]);
    }
    if doc.trailer(rev).get_ref(b"Info") == Some(r) {
        let keys = changed_keys(doc, od, nd);
        let ok = keys
            .iter()
            .all(|k| matches!(k.as_str(), "ModDate" | "Producer"));
        out.push(change(
            rev,
            Some(r),
            format!("document information changed ({})", keys.join(", ")),
            ok,
            if ok {
                "modification date and producer updates are allowed"
            } else {
                "document metadata may not change after signing"
            },
        ));
        return Some(vec![Role::Info]);
    }
    if is_xmp(cx, r) && catalog_ref(cx, b"Metadata") == Some(r) {
        xmp_change(cx, r, old_obj, new_obj, "XMP metadata stream updated", out);
        return Some(vec![Role::Metadata]);
    }
    if let Some(&i) = cx.old_field_of.get(&r) {
        classify_field(cx, r, i, od, nd, out);
        return Some(
            cx.field_objects(i)
                .into_iter()
                .flat_map(|x| [Role::Field(x), Role::Annotation(x)])
                .collect(),
        );
    }
    if od.get_name(b"Type") == Some(b"Page") || nd.get_name(b"Type") == Some(b"Page") {
        classify_page(cx, r, od, nd, out);
        return Some(vec![Role::Page(r.num)]);
    }
    if catalog_ref(cx, b"AcroForm") == Some(r) {
        classify_acroform(cx, r, od, nd, out);
        return Some(vec![Role::Form]);
    }
    if is_annotation(od) && od.get_name(b"Subtype") != Some(b"Widget") {
        classify_annotation_change(cx, r, od, nd, out);
        return Some(vec![Role::Annotation(r.num)]);
    }
    classify_other(cx, r, new_obj, out)
}

fn catalog_ref(cx: &Cx<'_>, key: &[u8]) -> Option<ObjRef> {
    cx.doc.catalog_in(cx.new).ok().and_then(|c| c.get_ref(key))
}

/// Changed objects that are neither the catalog, a page, a field nor an annotation.
fn classify_other(
    cx: &Cx<'_>,
    r: ObjRef,
    new_obj: &Object,
    out: &mut Vec<Change>,
) -> Option<Vec<Role>> {
    let rev = cx.new;
    if let Some(&page) = cx.annots_owner.get(&r) {
        annots_diff(cx, page, out);
        return Some(vec![Role::AnnotsArray(page.num)]);
    }
    if cx.fields_arrays.contains(&r) {
        fields_diff(cx, r, out);
        return Some(vec![Role::FieldsArray]);
    }
    if is_dss_container(cx, r, new_obj)
        || (cx.dss_reach().contains(&r.num)
            && !cx.old_doc_reach().contains(&r.num)
            && matches!(new_obj, Object::Stream(_)))
    {
        out.push(change(
            rev,
            Some(r),
            "DSS (validation data) updated in place",
            true,
            "validation data is always allowed",
        ));
        return Some(vec![Role::Dss]);
    }
    if let Some(&page) = cx.page_contents.get(&r) {
        out.push(change(
            rev,
            Some(r),
            format!("{} content stream replaced", cx.page_label(page)),
            false,
            "page content may not change after signing",
        ));
        return None;
    }
    if let Some(&i) = cx.value_objects.get(&r) {
        let f = &cx.old_fields[i];
        fill_change(cx, r, f, format!("field {} filled", f.name), out);
        return Some(
            cx.field_objects(i)
                .into_iter()
                .map(Role::FieldValue)
                .collect(),
        );
    }
    if let Some(&(field, annot)) = cx.appearance_of.get(&r) {
        // An appearance stream rewritten in place: filling (fields) or an annotation change.
        // Not when the page's own content or resources use the same object.
        if !cx.page_reach().contains(&r.num) {
            match field {
                Some(i) => {
                    let f = &cx.old_fields[i];
                    if !f.is_signature() {
                        fill_change(
                            cx,
                            r,
                            f,
                            format!("appearance of field {} regenerated", f.name),
                            out,
                        );
                        return Some(
                            cx.field_objects(i)
                                .into_iter()
                                .map(Role::Appearance)
                                .collect(),
                        );
                    }
                }
                None => {
                    let ok = cx.perms.annotations;
                    let nd = cx.dict(rev, annot);
                    let label = cx
                        .page_of(rev, annot, &nd)
                        .map(|p| cx.page_label(p))
                        .unwrap_or_else(|| "no page".into());
                    out.push(change(
                        rev,
                        Some(r),
                        format!(
                            "appearance of annotation {} on {label} changed",
                            name_of(nd.get_name(b"Subtype"))
                        ),
                        ok,
                        cx.perms.annotation_reason(ok),
                    ));
                    return Some(vec![Role::Appearance(annot.num)]);
                }
            }
        }
    }
    if structure_change(cx, r, out) {
        return Some(vec![Role::StructTree]);
    }
    out.push(change(
        rev,
        Some(r),
        format!("{} changed", describe(new_obj)),
        false,
        "not a signature, validation data or permitted change",
    ));
    None
}

fn classify_added(cx: &Cx<'_>, r: ObjRef, new_obj: &Object, out: &mut Vec<Change>) {
    let rev = cx.new;
    if cx.judged_elsewhere.contains(&r) {
        return;
    }
    if cx.old_doc_reach().contains(&r.num) {
        out.push(change(
            rev,
            Some(r),
            format!(
                "object {} ({}), which the signed revision references but does not define, was added",
                r.num,
                describe(new_obj)
            ),
            false,
            "defining a referenced object changes what the signed document shows",
        ));
        return;
    }
    let nd = new_obj.as_dict();
    let ty = nd.and_then(|d| d.get_name(b"Type"));
    let is_sig_dict = matches!(ty, Some(b"Sig" | b"DocTimeStamp"))
        || nd.is_some_and(|d| d.contains(b"ByteRange") && d.contains(b"Contents"));
    if is_sig_dict {
        let ts = ty == Some(b"DocTimeStamp");
        let what = if ts {
            "document time-stamp added"
        } else {
            "signature added"
        };
        if !cx.sig_values.contains(&r) {
            out.push(change(
                rev,
                Some(r),
                format!("{what}, but no signature field holds it"),
                false,
                "a signature dictionary no field uses is not a signature of the document",
            ));
        } else if ts {
            out.push(change(
                rev,
                Some(r),
                what,
                true,
                "document time-stamps are always allowed",
            ));
        } else {
            let ok = cx.perms.signing;
            out.push(change(rev, Some(r), what, ok, cx.perms.signing_reason(ok)));
        }
        return;
    }
    if let Some(&i) = cx.new_sig_fields.get(&r) {
        new_signature_field(cx, r, i, out);
        return;
    }
    if is_xmp(cx, r) && catalog_ref(cx, b"Metadata") == Some(r) {
        let old_xmp = cx
            .doc
            .catalog_in(cx.old)
            .ok()
            .and_then(|c| c.get(b"Metadata").cloned())
            .and_then(|m| cx.doc.deref_in(cx.old, &m).ok())
            .unwrap_or(Object::Null);
        xmp_change(cx, r, &old_xmp, new_obj, "XMP metadata stream added", out);
        return;
    }
    if catalog_ref(cx, b"AcroForm") == Some(r) {
        if let Some(nd) = nd {
            classify_acroform(cx, r, &Dict::new(), nd, out);
            return;
        }
    }
    if let Some(&page) = cx.annots_owner.get(&r) {
        annots_diff(cx, page, out);
        return;
    }
    if cx.fields_arrays.contains(&r) {
        fields_diff(cx, r, out);
        return;
    }
    if cx.listed_new.contains(&r) {
        // Judged with the page that lists it.
        return;
    }
    if let Some(label) = cx.allowed_new.get(&r) {
        out.push(change(
            rev,
            Some(r),
            label.clone(),
            true,
            "part of a change judged on its own",
        ));
        return;
    }
    if structure_change(cx, r, out) {
        return;
    }
    // Rule "unreferenced object": nothing in the new view reaches it (and the signed view
    // did not reference it, checked above), so no reader shows it.
    let new_roles = cx.new_roles();
    if new_roles.complete && new_roles.of(r.num).is_empty() {
        let xref = matches!(new_obj, Object::Stream(s) if s.dict.get_name(b"Type") == Some(b"XRef"));
        out.push(change(
            rev,
            Some(r),
            if xref {
                format!(
                    "cross-reference stream object {} added (hybrid-reference update)",
                    r.num
                )
            } else {
                format!(
                    "object {} ({}) added, which nothing in the document references",
                    r.num,
                    describe(new_obj)
                )
            },
            true,
            if xref {
                "rule xref-stream: the cross-reference stream of an update (as PDFBox writes for hybrid files) is bookkeeping"
            } else {
                "rule unreferenced-object: an object nothing references is not part of the document"
            },
        ));
        return;
    }
    let mut c = change(
        rev,
        Some(r),
        format!("{} added", describe(new_obj)),
        false,
        "not a signature, validation data or permitted change",
    );
    c.roles = cx
        .new_roles()
        .of(r.num)
        .iter()
        .map(|x| x.describe())
        .collect();
    out.push(c);
}

/// A short human description of an object ("page", "annotation FreeText", "stream").
pub(crate) fn describe(o: &Object) -> String {
    match o {
        Object::Stream(s) => match s
            .dict
            .get_name(b"Type")
            .or_else(|| s.dict.get_name(b"Subtype"))
        {
            Some(t) => format!("{} stream", String::from_utf8_lossy(t)),
            None => "stream".into(),
        },
        Object::Dict(d) => match (d.get_name(b"Type"), d.get_name(b"Subtype")) {
            (Some(b"Annot"), Some(st)) | (None, Some(st)) if d.contains(b"Rect") => {
                format!("annotation {}", String::from_utf8_lossy(st))
            }
            (Some(t), _) => format!("{} dictionary", String::from_utf8_lossy(t)),
            _ if d.contains(b"FT") => "form field".into(),
            _ => "dictionary".into(),
        },
        other => other.type_name().to_string(),
    }
}
