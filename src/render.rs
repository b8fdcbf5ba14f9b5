//! Pictures of what changed after a signature: each changed page rendered as signed and as
//! it is now, side by side, the changed regions outlined (`kyso diff --png`).
//!
//! Red outlines are changes outside the permitted ones; blue outlines are permitted changes
//! (new signature widgets, filled fields, annotations a P=3 certification allows). The same
//! renderer and comparison run as the rendering backstop of verification
//! ([`crate::RenderCheck`]).

use std::sync::Arc;

use crate::report::ChangedRegion;
use crate::sign::DocumentPassword;

/// One page that changed after the signed revision.
#[derive(Debug, Clone)]
pub struct PagePicture {
    /// The page (1-based).
    pub page: usize,
    /// Where its pixels changed.
    pub regions: Vec<ChangedRegion>,
    /// The signed (left) and current (right) renderings side by side, as a PNG.
    pub png: Vec<u8>,
}

/// Why pictures could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PictureError {
    /// The document cannot be read.
    #[error("the document cannot be read: {0}")]
    Pdf(#[from] crate::pdf::PdfError),
    /// The revision does not exist, or is the last one (nothing changed after it).
    #[error("revision {revision} has no later revision to compare with ({revisions} revision(s) in the file)")]
    NoLaterRevision {
        /// The revision asked for (1-based).
        revision: usize,
        /// Revisions in the file.
        revisions: usize,
    },
    /// The renderer could not run (budget, error, panic).
    #[error("the pages cannot be rendered: {0}")]
    Render(String),
}

/// Renders, for each page that changed after revision `revision` (1-based: the revision a
/// signature covers, [`crate::report::Coverage::revision`]), the signed and the current page.
/// `annotations_permitted`: whether annotations other than widgets count as permitted
/// changes (a P=3 certification).
///
/// # Errors
/// See [`PictureError`].
pub fn pictures_after(
    bytes: impl Into<Arc<[u8]>>,
    revision: usize,
    password: Option<&DocumentPassword>,
    annotations_permitted: bool,
) -> Result<Vec<PagePicture>, PictureError> {
    let mut doc = crate::pdf::Document::from_bytes(bytes)?;
    if let Some(p) = password {
        if doc.is_encrypted() && doc.security_error().is_some() {
            doc.unlock(p.bytes())?;
        }
    }
    let revisions = doc.revisions().len();
    if revision == 0 || revision >= revisions {
        return Err(PictureError::NoLaterRevision {
            revision,
            revisions,
        });
    }
    let covered = revision - 1;
    let mut perms = crate::diff::Permissions::for_signature(true);
    perms.annotations = annotations_permitted;
    let plan = crate::diff::render::plan(
        &doc,
        covered,
        doc.last_revision(),
        &perms,
        crate::diff::render::Scope::AnyChange,
    )?;
    let pages = plan.to_render();
    if pages.is_empty() {
        return Ok(Vec::new());
    }
    let pw = password.filter(|_| doc.is_encrypted()).map(|p| p.bytes());
    let mut out = Vec::new();
    let mut failed = None;
    crate::diff::render::render_pages(&doc, covered, &pages, pw, &mut |pair| {
        let permitted = plan
            .pages
            .get(pair.index)
            .map(crate::diff::render::PagePlan::permitted)
            .unwrap_or_default();
        let regions = crate::diff::raster::changed_regions(&pair, &permitted);
        match crate::diff::raster::side_by_side_png(&pair, &regions) {
            Ok(png) => out.push(PagePicture {
                page: pair.index + 1,
                regions: regions
                    .into_iter()
                    .map(|(rect, permitted)| ChangedRegion {
                        page: pair.index + 1,
                        rect,
                        permitted,
                    })
                    .collect(),
                png,
            }),
            Err(e) => failed = Some(e),
        }
    })
    .map_err(PictureError::Render)?;
    if let Some(e) = failed {
        return Err(PictureError::Render(e));
    }
    Ok(out)
}
