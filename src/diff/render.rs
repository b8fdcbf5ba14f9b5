//! The rendering backstop: render the pages of the signed revision and of the current one
//! and compare their pixels. It can only add failures to the structural analysis.
//!
//! The plan (this file) is made with kyso's own reader: for each page, the objects that
//! decide what it shows — the page dictionary without `/Annots`, everything it reaches
//! (contents, resources, fonts, images, forms, groups), the attributes it inherits from
//! the page tree and the catalog's `/OCProperties` — and each of its annotations with what
//! they reach (appearances in every state). A page is rendered when its content inputs
//! differ between the two revisions, or when an annotation was added, removed or changed
//! that the permissions do not cover (a widget — a new signature, a filled field — is
//! covered; other annotations only when the certification allows annotations). A page whose
//! inputs are the same object for object renders the same, so a file whose later updates
//! only add signatures, DSS and time-stamps renders nothing.
//!
//! The rendering itself ([`super::raster`], feature `render`) runs the pure-Rust `hayro`
//! rasterizer on a worker thread, bounded in pages, pixels, image sizes and time; its panic
//! or error is "could not run", reported, never a crash and never a pass.

use std::cell::Cell;
use std::collections::{BTreeSet, HashSet};

use super::overlay::{self, Rect};
use super::{same, Permissions};
use crate::pdf::{Dict, Document, ObjRef, Object};

/// Objects walked at most per page or annotation before it simply counts as changed.
const WALK_BUDGET: usize = 200_000;
/// Objects walked at most for a whole plan (pages sharing a large resource graph would
/// otherwise walk it once per page).
const PLAN_BUDGET: usize = 2_000_000;

/// Keys not followed when collecting what a page or annotation shows: links back up the
/// tree (`/Parent`, `/P`) and the page's annotations (judged one by one).
const NOT_FOLLOWED: [&[u8]; 2] = [b"Parent", b"P"];

/// Which pages to render for one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Pages whose content changed or that gained, lost or changed an annotation the
    /// permissions do not cover (the backstop of verification).
    Unpermitted,
    /// Pages where anything shown changed, permitted annotations included (pictures).
    AnyChange,
    /// Every page.
    All,
}

/// An annotation's change between the two revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnnotChange {
    Added,
    Removed,
    Changed,
}

/// One page of the plan.
#[derive(Debug, Clone)]
pub(crate) struct PagePlan {
    /// 0-based page index (the same in both revisions).
    pub index: usize,
    /// Annotations added, removed or changed, with their rectangle (the old one for an
    /// annotation that existed, the new one for an added one) and whether the permissions
    /// cover it.
    pub annotations: Vec<(AnnotChange, Option<Rect>, bool)>,
    /// Whether the page is to be rendered.
    pub render: bool,
}

impl PagePlan {
    /// The rectangles of the permitted annotation changes (user space).
    pub(crate) fn permitted(&self) -> Vec<Rect> {
        self.annotations
            .iter()
            .filter(|(_, _, ok)| *ok)
            .filter_map(|(_, r, _)| *r)
            .collect()
    }
}

/// What to render after the signature that covers revision `old`.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub pages: Vec<PagePlan>,
    /// The plan stopped walking at [`PLAN_BUDGET`]: pages not compared count as changed.
    pub over_budget: bool,
    /// Page counts of the signed and the current revision.
    pub old_pages: usize,
    pub new_pages: usize,
}

impl Plan {
    /// Pages to render (0-based).
    pub(crate) fn to_render(&self) -> Vec<usize> {
        self.pages
            .iter()
            .filter(|p| p.render)
            .map(|p| p.index)
            .collect()
    }
}

/// Compares what each page shows in revision `old` (signed) and `new` (current).
pub(crate) fn plan(
    doc: &Document,
    old: usize,
    new: usize,
    perms: &Permissions,
    scope: Scope,
) -> Result<Plan, crate::pdf::PdfError> {
    let old_pages = doc.pages_in(old)?;
    let new_pages = doc.pages_in(new)?;
    let changed_nums: HashSet<u32> = doc.revisions()[old + 1..=new]
        .iter()
        .flat_map(|r| r.entries.keys().copied())
        .collect();
    let budget = Cell::new(PLAN_BUDGET);
    let w = Walker {
        doc,
        old,
        new,
        changed: &changed_nums,
        budget: &budget,
    };
    let oc_same = w.same_inputs(&oc_properties(doc, old), &oc_properties(doc, new));
    let mut pages = Vec::new();
    for (index, (&op, &np)) in old_pages.iter().zip(&new_pages).enumerate() {
        let od = doc.resolve_in(old, op).ok().and_then(|o| o.as_dict().cloned());
        let nd = doc.resolve_in(new, np).ok().and_then(|o| o.as_dict().cloned());
        let (Some(od), Some(nd)) = (od, nd) else {
            pages.push(PagePlan {
                index,
                annotations: Vec::new(),
                render: true,
            });
            continue;
        };
        let content_changed = !oc_same
            || op != np
            || !w.same_inputs(&content_roots(doc, old, &od), &content_roots(doc, new, &nd));
        let annotations = annotation_changes(&w, &od, &nd, perms);
        let render = match scope {
            Scope::All => true,
            Scope::AnyChange => content_changed || !annotations.is_empty(),
            Scope::Unpermitted => content_changed || annotations.iter().any(|(_, _, ok)| !ok),
        };
        pages.push(PagePlan {
            index,
            annotations,
            render,
        });
    }
    Ok(Plan {
        pages,
        over_budget: budget.get() == 0,
        old_pages: old_pages.len(),
        new_pages: new_pages.len(),
    })
}

fn oc_properties(doc: &Document, rev: usize) -> Vec<Object> {
    doc.catalog_in(rev)
        .ok()
        .and_then(|c| c.get(b"OCProperties").cloned())
        .into_iter()
        .collect()
}

/// The objects that decide what a page's content shows: its dictionary without `/Annots`
/// (and without `/Parent`, whose inheritable attributes are added instead).
fn content_roots(doc: &Document, rev: usize, page: &Dict) -> Vec<Object> {
    let mut d = Dict::new();
    for (k, v) in page.iter() {
        if k != b"Annots" && k != b"Parent" {
            d.push_raw(k.to_vec(), v.clone());
        }
    }
    let mut roots = vec![Object::Dict(d)];
    for key in [
        &b"Resources"[..],
        &b"MediaBox"[..],
        &b"CropBox"[..],
        &b"Rotate"[..],
    ] {
        if !page.contains(key) {
            roots.push(crate::pdf::inherited(doc, rev, page, key).unwrap_or(Object::Null));
        }
    }
    roots
}

/// Compares what objects show in the two revisions, within the plan's budget.
struct Walker<'a> {
    doc: &'a Document,
    old: usize,
    new: usize,
    /// Object numbers a revision after `old` redefined.
    changed: &'a HashSet<u32>,
    budget: &'a Cell<usize>,
}

impl Walker<'_> {
    /// Whether `old_roots` (in `old`) and `new_roots` (in `new`) show the same: equal root
    /// objects, the same set of reachable objects, and each reachable object that a later
    /// revision redefined equal in both. Past a budget: not the same.
    fn same_inputs(&self, old_roots: &[Object], new_roots: &[Object]) -> bool {
        let doc = self.doc;
        if old_roots.len() != new_roots.len()
            || old_roots
                .iter()
                .zip(new_roots)
                .any(|(a, b)| !same(doc, a, b))
        {
            return false;
        }
        let (Some(a), Some(b)) = (self.walk(self.old, old_roots), self.walk(self.new, new_roots))
        else {
            return false;
        };
        a == b
            && a.iter().filter(|r| self.changed.contains(&r.num)).all(|&r| {
                match (doc.resolve_in(self.old, r), doc.resolve_in(self.new, r)) {
                    (Ok(x), Ok(y)) => same(doc, &x, &y),
                    (Err(_), Err(_)) => true,
                    _ => false,
                }
            })
    }

    /// Every object reachable from `roots` in `rev` without following [`NOT_FOLLOWED`]
    /// keys; `None` past the per-walk or the plan's budget.
    fn walk(&self, rev: usize, roots: &[Object]) -> Option<BTreeSet<ObjRef>> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<Object> = roots.to_vec();
        while let Some(o) = stack.pop() {
            if seen.len() >= WALK_BUDGET {
                return None;
            }
            match o {
                Object::Ref(r) if seen.insert(r) => {
                    let left = self.budget.get().checked_sub(1)?;
                    self.budget.set(left);
                    if let Ok(obj) = self.doc.resolve_in(rev, r) {
                        stack.push(obj);
                    }
                }
                Object::Array(a) => stack.extend(a),
                Object::Dict(d) => push_values(&d, &mut stack),
                Object::Stream(s) => push_values(&s.dict, &mut stack),
                _ => {}
            }
        }
        Some(seen)
    }
}

fn push_values(d: &Dict, stack: &mut Vec<Object>) {
    stack.extend(
        d.iter()
            .filter(|(k, _)| !NOT_FOLLOWED.contains(k))
            .map(|(_, v)| v.clone()),
    );
}

/// An annotation of a page: its reference (if indirect) and dictionary.
fn annotations_of(doc: &Document, rev: usize, page: &Dict) -> Vec<(Option<ObjRef>, Dict)> {
    let Some(Ok(Object::Array(a))) = page.get(b"Annots").map(|a| doc.deref_in(rev, a)) else {
        return Vec::new();
    };
    a.iter()
        .filter_map(|o| {
            let d = doc.deref_in(rev, o).ok()?.as_dict()?.clone();
            Some((o.as_ref(), d))
        })
        .collect()
}

fn annotation_changes(
    w: &Walker<'_>,
    od: &Dict,
    nd: &Dict,
    perms: &Permissions,
) -> Vec<(AnnotChange, Option<Rect>, bool)> {
    let (doc, old, new) = (w.doc, w.old, w.new);
    let before = annotations_of(doc, old, od);
    let after = annotations_of(doc, new, nd);
    let covered = |d: &Dict| {
        let widget = d.get_name(b"Subtype") == Some(&b"Widget"[..]);
        (widget && (perms.signing || perms.form_filling)) || perms.annotations
    };
    let mut out = Vec::new();
    // Annotations are matched by reference; direct ones by position among direct ones.
    let key = |i: usize, r: Option<ObjRef>| match r {
        Some(r) => (r.num, r.gen, 0usize),
        None => (0, 0, i + 1),
    };
    let old_keys: Vec<_> = before.iter().enumerate().map(|(i, (r, _))| key(i, *r)).collect();
    let new_keys: Vec<_> = after.iter().enumerate().map(|(i, (r, _))| key(i, *r)).collect();
    for (i, (r, d)) in after.iter().enumerate() {
        match old_keys.iter().position(|k| *k == new_keys[i]) {
            None => out.push((
                AnnotChange::Added,
                overlay::rect_in(doc, new, d),
                covered(d),
            )),
            Some(j) => {
                let (_, od) = &before[j];
                let roots_old = [r.map(Object::Ref).unwrap_or(Object::Dict(od.clone()))];
                let roots_new = [r.map(Object::Ref).unwrap_or(Object::Dict(d.clone()))];
                let same_inputs = w.same_inputs(&roots_old, &roots_new);
                if !same_inputs {
                    // Its painting must stay where it was: the old rectangle.
                    out.push((
                        AnnotChange::Changed,
                        overlay::rect_in(doc, old, od),
                        covered(od) && covered(d),
                    ));
                }
            }
        }
    }
    for (j, (_, d)) in before.iter().enumerate() {
        if !new_keys.contains(&old_keys[j]) {
            out.push((
                AnnotChange::Removed,
                overlay::rect_in(doc, old, d),
                covered(d),
            ));
        }
    }
    out
}

/// Images larger than this (width × height, in pixels) are not handed to the renderer.
const MAX_IMAGE_PIXELS: i64 = 40_000_000;

/// Why a page's images may not be handed to the renderer: an image whose declared size is
/// over the budget, or more reachable objects than can be checked.
fn image_budget(doc: &Document, rev: usize, page: &Dict, index: usize) -> Result<(), String> {
    let budget = Cell::new(WALK_BUDGET);
    let none = HashSet::new();
    let w = Walker {
        doc,
        old: rev,
        new: rev,
        changed: &none,
        budget: &budget,
    };
    let Some(seen) = w.walk(rev, &content_roots(doc, rev, page)) else {
        return Err(format!(
            "page {} reaches more objects than the image check's budget",
            index + 1
        ));
    };
    for r in seen {
        let Ok(o) = doc.resolve_in(rev, r) else {
            continue;
        };
        let Some(s) = o.as_stream() else { continue };
        if s.dict.get_name(b"Subtype") != Some(&b"Image"[..]) {
            continue;
        }
        let w = s.dict.get_int(b"Width").unwrap_or(0);
        let h = s.dict.get_int(b"Height").unwrap_or(0);
        if w < 0 || h < 0 || w.saturating_mul(h) > MAX_IMAGE_PIXELS {
            return Err(format!(
                "page {} holds an image of {w} × {h} pixels, over the renderer's budget",
                index + 1
            ));
        }
    }
    Ok(())
}

/// The rendering backstop for the signature that covers revision `covered` (0-based) of
/// `doc`, under `perms`; `password` opens an encrypted document.
pub fn backstop(
    doc: &Document,
    covered: usize,
    perms: &Permissions,
    password: Option<&[u8]>,
    check: crate::validate::RenderCheck,
) -> crate::report::Rendering {
    use crate::report::{Rendering, RenderingStatus};
    use crate::validate::RenderCheck;
    let skipped = |reason: String, checked: usize| Rendering {
        status: RenderingStatus::Skipped,
        reason,
        pages_checked: checked,
        pages_rendered: 0,
        regions: Vec::new(),
    };
    let scope = match check {
        RenderCheck::Off => {
            return skipped("turned off (ValidationOptions::rendering)".into(), 0);
        }
        RenderCheck::Changed => Scope::Unpermitted,
        RenderCheck::AllPages => Scope::All,
    };
    let plan = match plan(doc, covered, doc.last_revision(), perms, scope) {
        Ok(p) => p,
        Err(e) => return skipped(format!("the pages cannot be read: {e}"), 0),
    };
    let checked = plan.pages.len();
    if plan.over_budget && scope != Scope::All {
        return skipped(
            format!(
                "the pages' rendering inputs are larger than the comparison's budget ({PLAN_BUDGET} objects)"
            ),
            checked,
        );
    }
    let mut regions = Vec::new();
    if plan.old_pages != plan.new_pages {
        // A page added or removed after signing: the page itself is the changed region.
        for index in plan.old_pages.min(plan.new_pages)..plan.old_pages.max(plan.new_pages) {
            let rev = if plan.new_pages > plan.old_pages {
                doc.last_revision()
            } else {
                covered
            };
            let rect = doc
                .pages_in(rev)
                .ok()
                .and_then(|p| p.get(index).copied())
                .and_then(|r| doc.resolve_in(rev, r).ok())
                .and_then(|o| o.as_dict().map(|d| overlay::media_box(doc, rev, d)))
                .unwrap_or([0.0, 0.0, 612.0, 842.0]);
            regions.push(crate::report::ChangedRegion {
                page: index + 1,
                rect,
                permitted: false,
            });
        }
    }
    let pages = plan.to_render();
    if pages.is_empty() {
        return Rendering {
            status: if regions.is_empty() {
                RenderingStatus::NotNeeded
            } else {
                RenderingStatus::Compared
            },
            reason: if regions.is_empty() {
                format!(
                    "no page's content changed after signing and every annotation change is permitted ({checked} page(s) checked)"
                )
            } else {
                format!("the document has {} page(s) now, {} when signed", plan.new_pages, plan.old_pages)
            },
            pages_checked: checked,
            pages_rendered: 0,
            regions,
        };
    }
    match render_plan(doc, covered, &plan, &pages, password) {
        Err(why) if regions.is_empty() => skipped(why, checked),
        Err(_) => Rendering {
            status: RenderingStatus::Compared,
            reason: format!(
                "the document has {} page(s) now, {} when signed",
                plan.new_pages, plan.old_pages
            ),
            pages_checked: checked,
            pages_rendered: 0,
            regions,
        },
        Ok(found) => {
            let rendered = pages.len();
            regions.extend(found);
            let outside = regions.iter().filter(|r| !r.permitted).count();
            Rendering {
                status: RenderingStatus::Compared,
                reason: if outside == 0 {
                    format!("{rendered} page(s) rendered in the signed and the current revision: no pixel changed outside the permitted changes")
                } else {
                    format!("{rendered} page(s) rendered in the signed and the current revision: {outside} region(s) changed outside the permitted changes")
                },
                pages_checked: checked,
                pages_rendered: rendered,
                regions,
            }
        }
    }
}

/// Renders `pages` of the plan and returns the changed regions (with the budget's checks).
#[cfg(feature = "render")]
fn render_plan(
    doc: &Document,
    covered: usize,
    plan: &Plan,
    pages: &[usize],
    password: Option<&[u8]>,
) -> Result<Vec<crate::report::ChangedRegion>, String> {
    let mut out = Vec::new();
    render_pages(doc, covered, pages, password, &mut |pair| {
        let permitted = plan
            .pages
            .get(pair.index)
            .map(PagePlan::permitted)
            .unwrap_or_default();
        for (rect, ok) in super::raster::changed_regions(&pair, &permitted) {
            out.push(crate::report::ChangedRegion {
                page: pair.index + 1,
                rect,
                permitted: ok,
            });
        }
    })?;
    Ok(out)
}

#[cfg(not(feature = "render"))]
fn render_plan(
    _doc: &Document,
    _covered: usize,
    _plan: &Plan,
    _pages: &[usize],
    _password: Option<&[u8]>,
) -> Result<Vec<crate::report::ChangedRegion>, String> {
    Err("kyso was built without the `render` feature".into())
}

/// Renders `pages` (0-based) of revision `covered` and of the last revision, within the
/// budget, handing each pair to `on_pair` as it is done.
#[cfg(feature = "render")]
pub fn render_pages(
    doc: &Document,
    covered: usize,
    pages: &[usize],
    password: Option<&[u8]>,
    on_pair: &mut dyn FnMut(super::raster::PagePair),
) -> Result<(), String> {
    let budget = super::raster::Budget::default();
    if pages.len() > budget.max_pages {
        return Err(format!(
            "{} pages would need rendering; the budget is {}",
            pages.len(),
            budget.max_pages
        ));
    }
    const MAX_FILE: u64 = 256 << 20;
    if doc.len() > MAX_FILE {
        return Err(format!(
            "the file is {} MiB; the renderer is given files up to {} MiB",
            doc.len() >> 20,
            MAX_FILE >> 20
        ));
    }
    for rev in [covered, doc.last_revision()] {
        let list = doc.pages_in(rev).map_err(|e| e.to_string())?;
        for &i in pages {
            let Some(d) = list
                .get(i)
                .and_then(|r| doc.resolve_in(rev, *r).ok())
                .and_then(|o| o.as_dict().cloned())
            else {
                continue;
            };
            image_budget(doc, rev, &d, i)?;
        }
    }
    let password = match password {
        None => String::new(),
        Some(p) => String::from_utf8(p.to_vec())
            .map_err(|_| "the document password is not UTF-8, which the renderer needs".to_string())?,
    };
    let signed_len = doc.revisions()[covered]
        .end
        .and_then(|e| usize::try_from(e).ok())
        .ok_or("the signed revision has no end of file marker")?;
    let file: std::sync::Arc<[u8]> = match doc.source() {
        crate::pdf::source::Source::Memory(b) => b.clone(),
        src => {
            let len = usize::try_from(src.len()).map_err(|e| e.to_string())?;
            src.read(0, len).map_err(|e| e.to_string())?.into_owned().into()
        }
    };
    super::raster::render_pairs(file, signed_len, password, pages.to_vec(), &budget, on_pair)
}
