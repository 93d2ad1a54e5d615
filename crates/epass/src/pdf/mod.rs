//! Printable passes (SPEC §3.6: "printed (PDF, A4 and card size)"): the QR code drawn as
//! vectors, and the pass's facts in Chinese and English with an embedded subset of a CJK font.
//! Paper and electronic forms are equally valid, so the paper carries everything a checkpoint
//! officer compares: plate, holder, zones and roads, times, validity, rules and issuer.

pub mod barcode;
pub mod font;
mod layout;
mod licence;

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref};

pub use font::{FontError, FontSource, LoadedFont};
pub use licence::{LicenceSheet, render_licence};

/// Paper sizes, in points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaperSize {
    /// 210 × 297 mm, as the usual 595 × 842 pt.
    A4,
    /// ISO/IEC 7810 ID-1, the size of an ID card: 85.6 × 54 mm.
    Card,
}

impl PaperSize {
    /// `a4` or `card`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "a4" => Some(Self::A4),
            "card" => Some(Self::Card),
            _ => None,
        }
    }

    /// Width and height in points.
    #[must_use]
    pub fn points(self) -> (f32, f32) {
        const MM: f32 = 72.0 / 25.4;
        match self {
            Self::A4 => (595.0, 842.0),
            Self::Card => (85.6 * MM, 54.0 * MM),
        }
    }
}

/// Everything printed on a pass, already in display form.
#[derive(Clone, Debug, Default)]
pub struct PassSheet {
    pub title_zh: String,
    pub title_en: String,
    pub pass_number: String,
    pub plate: Option<String>,
    pub holder_name: String,
    pub holder_id_masked: Option<String>,
    pub zones: Vec<String>,
    pub road_sections: Vec<String>,
    /// e.g. `06:00–22:00`; empty: any time of day.
    pub daily_times: Vec<String>,
    pub valid_from: String,
    pub valid_until: String,
    /// Further facts of the kind (freight origin, destination, cargo…): `(label, value)`.
    pub extra: Vec<(String, String)>,
    /// Printed rules: `(zh, en)`.
    pub rules: Vec<(String, String)>,
    pub issuer: String,
    pub issued_at: String,
    /// Shown in red when the pass is not in force (suspended, revoked, expired).
    pub notice: Option<String>,
    /// The credential text the QR code holds.
    pub credential: String,
}

/// zlib, as PDF's FlateDecode wants it.
pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// Renders the sheet on one page of `size`.
///
/// # Errors
/// The QR code cannot hold the credential, or the font cannot be subset.
pub fn render(sheet: &PassSheet, size: PaperSize, font: &LoadedFont) -> Result<Vec<u8>, FontError> {
    let mut glyphs = font::Glyphs::new(font)?;
    let qr = epass_credential::qr::render_luma(&sheet.credential, 1).map_err(|e| {
        FontError::Unusable("QR code".into(), format!("pass {}: {e}", sheet.pass_number))
    })?;
    let modules: Vec<Vec<bool>> = (0..qr.height())
        .map(|y| {
            (0..qr.width())
                .map(|x| qr.get_pixel(x, y).0[0] < 128)
                .collect()
        })
        .collect();
    let (width, height) = size.points();
    let mut content = Content::new();
    {
        let mut page = layout::Page::new(&mut content, &mut glyphs, width, height);
        match size {
            PaperSize::A4 => layout::a4(&mut page, sheet, &modules),
            PaperSize::Card => layout::card(&mut page, sheet, &modules),
        }
    }
    let content = deflate(&content.finish());

    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut id = || {
        next += 1;
        Ref::new(next - 1)
    };
    let (catalog, pages, page, contents, info) = (id(), id(), id(), id(), id());
    let font_ids = [id(), id(), id(), id(), id()];
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, width, height))
        .parent(pages)
        .contents(contents);
    p.resources().fonts().pair(Name(b"F1"), font_ids[0]);
    p.finish();
    pdf.stream(contents, &content)
        .filter(pdf_writer::Filter::FlateDecode);
    let title = format!("{} {}", sheet.title_zh, sheet.pass_number);
    pdf.document_info(info)
        .title(pdf_writer::TextStr(&title))
        .producer(pdf_writer::TextStr("epass"));
    glyphs.write(&mut pdf, font_ids)?;
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_sizes_are_a4_and_id_1() {
        assert_eq!(PaperSize::A4.points(), (595.0, 842.0));
        let (w, h) = PaperSize::Card.points();
        assert!(
            (w - 242.65).abs() < 0.01 && (h - 153.07).abs() < 0.01,
            "{w}×{h}"
        );
        assert_eq!(PaperSize::parse("card"), Some(PaperSize::Card));
        assert_eq!(PaperSize::parse("letter"), None);
    }
}
