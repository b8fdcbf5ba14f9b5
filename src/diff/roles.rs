//! The roles an object plays in one revision's view of the document, found from every path
//! that reaches it.
//!
//! An object can be reached in several ways at once: a stream can be a page's content and
//! also the catalog's `/Metadata`; an appearance stream can be a field's appearance, another
//! annotation's appearance and a page's XObject. Judging a changed object by the one role a
//! classifier happens to look at lets an attacker change a page under the name of something
//! harmless. The role map walks the whole document once per view — the page tree (contents,
//! resources, other page attributes, annotations with every appearance and state), the form
//! (field tree, values, appearances, default resources), the DSS, the metadata, the
//! structure tree, the other catalog entries and `/Info` — and records, for every object
//! number, each role it was reached in (with the page, annotation or field it belongs to).
//! A change is then allowed only if it is allowed for every role (see `diff::check_roles`).
//!
//! Walks are bounded: each reaches an object at most once, all walks together visit at most
//! [`VISIT_BUDGET`] objects, the page and field trees are followed at most [`MAX_DEPTH`]
//! levels deep, and an object keeps at most [`MAX_ROLES`] roles (more become
//! [`Role::Shared`]). A map whose budget ran out is marked incomplete; an incomplete map
//! cannot show that an object is unreferenced.
//!
//! Generic walks (resources, values, appearances…) stop at the document's structural nodes
//! (pages, page-tree nodes, annotations, fields, the catalog): a node reached that way gets
//! the role of the path (a page that is also a field's value is both), but its own contents
//! keep the roles of its own walk, so that a destination in an outline naming a page does
//! not make that page's annotations "outline data".

use std::collections::{HashMap, HashSet};

use crate::pdf::{Dict, Document, ObjRef, Object};

/// Objects visited at most by all walks of one view together.
pub(crate) const VISIT_BUDGET: usize = 1_000_000;
/// Page-tree, field-tree and structure-tree depth followed at most.
pub(crate) const MAX_DEPTH: usize = 64;
/// Roles recorded at most per object.
pub(crate) const MAX_ROLES: usize = 32;

/// One role of an object (payloads are object numbers of the page, annotation or field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Role {
    /// The document catalog.
    Catalog,
    /// A node of the page tree (or something its inheritable attributes reach).
    PageTree,
    /// A page dictionary.
    Page(u32),
    /// (Part of) a page's content stream.
    PageContent(u32),
    /// Reached from a page's (or page-tree node's) `/Resources`: fonts, images, XObjects…
    PageResource,
    /// Reached from a page's other entries (`/MediaBox`, `/Group`, `/Thumb`, …).
    PageAttribute,
    /// A page's indirect `/Annots` array.
    AnnotsArray(u32),
    /// An annotation dictionary (widgets included).
    Annotation(u32),
    /// Reached from an annotation's `/AP`, in any appearance (`/N`, `/R`, `/D`) and state.
    Appearance(u32),
    /// Reached from an annotation's other entries (`/Rect`, `/MK`, `/BS`, actions, …).
    AnnotationAttribute(u32),
    /// The interactive form dictionary.
    Form,
    /// Reached from the form's `/DR`.
    FormResource,
    /// Reached from the form's other entries (`/CO`, `/XFA`, …).
    FormAttribute,
    /// The form's indirect `/Fields` array.
    FieldsArray,
    /// A field dictionary (non-terminal or terminal).
    Field(u32),
    /// Reached from a (non-signature) field's `/V` or `/DV`.
    FieldValue(u32),
    /// Reached from a field's other entries (`/Lock`, `/SV`, `/Opt`, actions, …).
    FieldAttribute(u32),
    /// Reached from a signature field's `/V`: a signature dictionary and its parts.
    SignatureValue,
    /// Reached from the catalog's `/DSS`.
    Dss,
    /// Reached from the catalog's `/Metadata`.
    Metadata,
    /// Part of the logical structure (`/StructTreeRoot`, its elements, parent tree…).
    StructTree,
    /// Reached from the trailer's `/Info`.
    Info,
    /// Reached from another catalog entry (`/Names`, `/Outlines`, `/OpenAction`, `/OCProperties`,
    /// `/Perms`, …) or from the trailer.
    Document,
    /// More roles than recorded: treated as every role.
    Shared,
}

impl Role {
    /// Whether reaching a structural node in this role makes the node play it.
    fn bears_content(self) -> bool {
        !matches!(
            self,
            Role::Document
                | Role::StructTree
                | Role::AnnotationAttribute(_)
                | Role::FieldAttribute(_)
                | Role::FormAttribute
                | Role::PageAttribute
                | Role::Info
        )
    }

    /// For messages: "page content (page object 4)".
    pub(crate) fn describe(self) -> String {
        match self {
            Role::Catalog => "the document catalog".into(),
            Role::PageTree => "a page-tree node".into(),
            Role::Page(p) => format!("page object {p}"),
            Role::PageContent(p) => format!("content of page object {p}"),
            Role::PageResource => "a page resource".into(),
            Role::PageAttribute => "a page attribute".into(),
            Role::AnnotsArray(p) => format!("the annotation list of page object {p}"),
            Role::Annotation(a) => format!("annotation {a}"),
            Role::Appearance(a) => format!("appearance of annotation {a}"),
            Role::AnnotationAttribute(a) => format!("an entry of annotation {a}"),
            Role::Form => "the form dictionary".into(),
            Role::FormResource => "a form default resource".into(),
            Role::FormAttribute => "an entry of the form dictionary".into(),
            Role::FieldsArray => "the form's field list".into(),
            Role::Field(f) => format!("field object {f}"),
            Role::FieldValue(f) => format!("the value of field object {f}"),
            Role::FieldAttribute(f) => format!("an entry of field object {f}"),
            Role::SignatureValue => "a signature value".into(),
            Role::Dss => "validation data (DSS)".into(),
            Role::Metadata => "document metadata (XMP)".into(),
            Role::StructTree => "the structure tree".into(),
            Role::Info => "the document information dictionary".into(),
            Role::Document => "a document-level entry (names, outlines, actions, layers…)".into(),
            Role::Shared => "shared by many objects".into(),
        }
    }
}

/// The roles of every object number in one view.
#[derive(Debug, Default)]
pub(crate) struct RoleMap {
    roles: HashMap<u32, Vec<Role>>,
    /// False when the visit budget ran out (roles may be missing).
    pub(crate) complete: bool,
}

impl RoleMap {
    /// The roles of object `num` (empty: nothing in the view reaches it).
    pub(crate) fn of(&self, num: u32) -> &[Role] {
        self.roles.get(&num).map(Vec::as_slice).unwrap_or(&[])
    }

    fn add(&mut self, num: u32, role: Role) {
        let v = self.roles.entry(num).or_default();
        if v.contains(&role) || v.contains(&Role::Shared) {
            return;
        }
        if v.len() >= MAX_ROLES {
            v.push(Role::Shared);
        } else {
            v.push(role);
        }
    }

    /// Builds the map of revision `rev`.
    pub(crate) fn build(doc: &Document, rev: usize) -> RoleMap {
        let mut w = Walker {
            doc,
            rev,
            map: RoleMap {
                roles: HashMap::new(),
                complete: true,
            },
            budget: VISIT_BUDGET,
            structural: HashSet::new(),
            fields: HashSet::new(),
        };
        w.run();
        w.map
    }
}

struct Walker<'a> {
    doc: &'a Document,
    rev: usize,
    map: RoleMap,
    budget: usize,
    /// Pages, page-tree nodes, annotations, fields and the catalog: generic walks stop there.
    structural: HashSet<u32>,
    /// The field tree's nodes.
    fields: HashSet<u32>,
}

impl Walker<'_> {
    fn spend(&mut self) -> bool {
        match self.budget.checked_sub(1) {
            Some(b) => {
                self.budget = b;
                true
            }
            None => {
                self.map.complete = false;
                false
            }
        }
    }

    fn resolve(&self, o: &Object) -> Object {
        self.doc.deref_in(self.rev, o).unwrap_or(Object::Null)
    }

    fn dict_of(&self, r: ObjRef) -> Dict {
        self.doc
            .resolve_in(self.rev, r)
            .ok()
            .and_then(|o| o.as_dict().cloned())
            .unwrap_or_default()
    }

    /// Marks everything `start` reaches with `role`, stopping at structural nodes.
    fn reach(&mut self, start: &Object, role: Role) {
        self.reach_skipping(start, role, &[]);
    }

    /// Like [`Self::reach`], not following dictionary entries named in `skip_keys`.
    fn reach_skipping(&mut self, start: &Object, role: Role, skip_keys: &[&[u8]]) {
        let mut seen: HashSet<u32> = HashSet::new();
        let mut stack = vec![start.clone()];
        while let Some(o) = stack.pop() {
            match o {
                Object::Ref(r) => {
                    if !seen.insert(r.num) || !self.spend() {
                        if !self.map.complete {
                            return;
                        }
                        continue;
                    }
                    if self.structural.contains(&r.num) {
                        // A page, annotation, field or the catalog reached from elsewhere:
                        // the path's role counts if it makes the node content (a page that
                        // is also a field's value); a mere mention (an outline's
                        // destination, a structure element's /Pg) does not.
                        if role.bears_content() {
                            self.map.add(r.num, role);
                        }
                        continue;
                    }
                    self.map.add(r.num, role);
                    if let Ok(obj) = self.doc.resolve_in(self.rev, r) {
                        stack.push(obj);
                    }
                }
                Object::Array(a) => stack.extend(a),
                Object::Dict(d) => stack.extend(
                    d.iter()
                        .filter(|(k, _)| !skip_keys.contains(k))
                        .map(|(_, v)| v.clone()),
                ),
                Object::Stream(s) => stack.extend(
                    s.dict
                        .iter()
                        .filter(|(k, _)| !skip_keys.contains(k))
                        .map(|(_, v)| v.clone()),
                ),
                _ => {}
            }
        }
    }

    fn run(&mut self) {
        let trailer = self.doc.trailer(self.rev).clone();
        let root = trailer.get_ref(b"Root");
        let catalog = self.doc.catalog_in(self.rev).unwrap_or_default();
        if let Some(r) = root {
            self.structural.insert(r.num);
            self.map.add(r.num, Role::Catalog);
        }
        // First the structural nodes, so that generic walks stop at them.
        let pages = self.page_tree(&catalog);
        let annots = self.annotations(&pages);
        let fields = self.field_tree(&catalog);
        self.structural.extend(pages.iter().map(|(p, _)| p.num));
        self.structural.extend(annots.iter().map(|(a, _)| a.num));
        self.structural.extend(fields.iter().map(|f| f.num));
        self.fields.extend(fields.iter().map(|f| f.num));

        self.pages(&pages);
        for (a, page) in annots {
            self.annotation(a, page);
        }
        self.form(&catalog, &fields);
        for (k, v) in catalog.iter() {
            match k {
                b"Pages" | b"AcroForm" | b"Type" => {}
                b"DSS" => self.reach(v, Role::Dss),
                b"Metadata" => self.reach(v, Role::Metadata),
                b"StructTreeRoot" => self.reach_skipping(
                    v,
                    Role::StructTree,
                    &[b"Pg", b"Obj", b"Stm", b"StmOwn", b"P"],
                ),
                _ => self.reach(v, Role::Document),
            }
        }
        if let Some(i) = trailer.get(b"Info") {
            self.reach(i, Role::Info);
        }
        for (k, v) in trailer.iter() {
            if !matches!(k, b"Root" | b"Info" | b"Prev" | b"XRefStm") {
                self.reach(v, Role::Document);
            }
        }
    }

    /// The page tree: (node, is a leaf page), breadth first, bounded.
    fn page_tree(&mut self, catalog: &Dict) -> Vec<(ObjRef, bool)> {
        let mut out = Vec::new();
        let Some(top) = catalog.get_ref(b"Pages") else {
            return out;
        };
        let mut seen = HashSet::new();
        let mut level = vec![top];
        for _ in 0..MAX_DEPTH {
            let mut next = Vec::new();
            for n in level {
                if !seen.insert(n.num) || !self.spend() {
                    continue;
                }
                let d = self.dict_of(n);
                match d.get(b"Kids").map(|k| self.resolve(k)) {
                    Some(Object::Array(kids)) if d.get_name(b"Type") != Some(b"Page") => {
                        out.push((n, false));
                        next.extend(kids.iter().filter_map(Object::as_ref));
                    }
                    _ => out.push((n, true)),
                }
            }
            if next.is_empty() {
                break;
            }
            level = next;
        }
        out
    }

    fn pages(&mut self, pages: &[(ObjRef, bool)]) {
        for &(p, leaf) in pages {
            let d = self.dict_of(p);
            self.map
                .add(p.num, if leaf { Role::Page(p.num) } else { Role::PageTree });
            for (k, v) in d.iter() {
                match k {
                    b"Parent" | b"Kids" | b"Annots" | b"Type" => {}
                    b"Contents" if leaf => self.reach(v, Role::PageContent(p.num)),
                    b"Resources" => self.reach(v, Role::PageResource),
                    _ => self.reach(v, Role::PageAttribute),
                }
            }
            if let Some(a) = d.get(b"Annots").and_then(Object::as_ref) {
                self.map.add(a.num, Role::AnnotsArray(p.num));
            }
        }
    }

    /// The annotations listed by the leaf pages: (annotation, page).
    fn annotations(&mut self, pages: &[(ObjRef, bool)]) -> Vec<(ObjRef, u32)> {
        let mut out = Vec::new();
        for &(p, leaf) in pages {
            if !leaf {
                continue;
            }
            let d = self.dict_of(p);
            if let Some(Object::Array(list)) = d.get(b"Annots").map(|a| self.resolve(a)) {
                for a in list.iter().filter_map(Object::as_ref) {
                    if !self.spend() {
                        return out;
                    }
                    out.push((a, p.num));
                }
            }
        }
        out
    }

    fn annotation(&mut self, a: ObjRef, _page: u32) {
        self.map.add(a.num, Role::Annotation(a.num));
        let d = self.dict_of(a);
        for (k, v) in d.iter() {
            match k {
                // The parent field and the page: walked as their own trees.
                b"Parent" | b"P" | b"Type" | b"Subtype" => {}
                b"AP" => self.reach(v, Role::Appearance(a.num)),
                // A widget that is also a field of the form: its field entries are the
                // form's (an orphan widget's are walked here).
                b"V" | b"DV" | b"Kids" | b"Lock" | b"SV" if self.fields.contains(&a.num) => {}
                _ => self.reach(v, Role::AnnotationAttribute(a.num)),
            }
        }
    }

    /// The field tree's nodes (bounded).
    fn field_tree(&mut self, catalog: &Dict) -> Vec<ObjRef> {
        let mut out = Vec::new();
        let Some(Object::Dict(acro)) = catalog.get(b"AcroForm").map(|a| self.resolve(a)) else {
            return out;
        };
        let Some(Object::Array(top)) = acro.get(b"Fields").map(|f| self.resolve(f)) else {
            return out;
        };
        let mut seen = HashSet::new();
        let mut level: Vec<ObjRef> = top.iter().filter_map(Object::as_ref).collect();
        for _ in 0..MAX_DEPTH {
            let mut next = Vec::new();
            for f in level {
                if !seen.insert(f.num) || !self.spend() {
                    continue;
                }
                out.push(f);
                let d = self.dict_of(f);
                if let Some(Object::Array(kids)) = d.get(b"Kids").map(|k| self.resolve(k)) {
                    next.extend(kids.iter().filter_map(Object::as_ref));
                }
            }
            if next.is_empty() {
                break;
            }
            level = next;
        }
        out
    }

    fn form(&mut self, catalog: &Dict, fields: &[ObjRef]) {
        let Some(av) = catalog.get(b"AcroForm") else {
            return;
        };
        if let Some(r) = av.as_ref() {
            self.map.add(r.num, Role::Form);
        }
        let acro = self.resolve(av).as_dict().cloned().unwrap_or_default();
        for (k, v) in acro.iter() {
            match k {
                b"Fields" => {
                    if let Some(r) = v.as_ref() {
                        self.map.add(r.num, Role::FieldsArray);
                    }
                }
                b"DR" => self.reach(v, Role::FormResource),
                _ => self.reach(v, Role::FormAttribute),
            }
        }
        for &f in fields {
            self.map.add(f.num, Role::Field(f.num));
            let d = self.dict_of(f);
            let ft = self.field_type(&d);
            for (k, v) in d.iter() {
                match k {
                    b"Parent" | b"Kids" | b"P" | b"Type" | b"Subtype" => {}
                    b"V" if ft.as_deref() == Some(b"Sig") => self.reach(v, Role::SignatureValue),
                    b"V" | b"DV" => self.reach(v, Role::FieldValue(f.num)),
                    b"AP" => self.reach(v, Role::Appearance(f.num)),
                    _ => self.reach(v, Role::FieldAttribute(f.num)),
                }
            }
        }
    }

    /// A field's `/FT`, inherited (bounded).
    fn field_type(&self, d: &Dict) -> Option<Vec<u8>> {
        let mut d = d.clone();
        for _ in 0..MAX_DEPTH {
            if let Some(t) = d.get_name(b"FT") {
                return Some(t.to_vec());
            }
            d = self.dict_of(d.get_ref(b"Parent")?);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_roles_saturate() {
        let mut m = RoleMap::default();
        for i in 0..100 {
            m.add(7, Role::Appearance(i));
        }
        assert_eq!(m.of(7).len(), MAX_ROLES + 1);
        assert!(m.of(7).contains(&Role::Shared));
        assert!(m.of(8).is_empty());
    }
}
