//! The electronic driving licence on paper: one A4 page with the front page (photo, name,
//! licence number, class codes, validity, the time it was generated, the credential's QR code
//! and a Code 128 barcode of the licence number) and the side page (address, issuing office,
//! points and what each class code allows). The photo is an image XObject; the QR modules and
//! the barcode's bars are filled rectangles, so both print sharp at any size.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref};

use super::FontError;
use super::font::{Glyphs, LoadedFont};
use super::layout::Page;

const INK: (f32, f32, f32) = (0.0, 0.0, 0.0);
const GREY: (f32, f32, f32) = (0.35, 0.35, 0.35);
const BLUE: (f32, f32, f32) = (0.05, 0.2, 0.5);
const RED: (f32, f32, f32) = (0.75, 0.05, 0.05);
const MARGIN: f32 = 56.0;

/// Everything printed on a licence, already in display form.
#[derive(Clone, Debug, Default)]
pub struct LicenceSheet {
    pub licence_number: String,
    pub holder_name: String,
    pub classes: String,
    /// e.g. `2018-06-01 至 2030-06-01`.
    pub valid: String,
    pub issuing_office: String,
    pub address: String,
    pub points: u32,
    /// `(code, zh, en)` of each class code.
    pub class_rules: Vec<(String, String, String)>,
    /// When this PDF was made (China time).
    pub generated_at: String,
    /// The state in both languages (e.g. `有效 Valid`).
    pub state: String,
    /// Shown in red when the licence is not in force, with the reason.
    pub notice: Option<String>,
    /// The credential text the QR code holds, once issued.
    pub credential: Option<String>,
    /// The photo (JPEG or PNG bytes).
    pub photo: Option<Vec<u8>>,
}

/// A decoded photo: width, height and its RGB samples deflated.
struct Image {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

fn photo(bytes: &[u8]) -> Option<Image> {
    let img = image::load_from_memory(bytes).ok()?.to_rgb8();
    Some(Image {
        width: img.width(),
        height: img.height(),
        data: super::deflate(img.as_raw()),
    })
}

fn modules(credential: &str) -> Result<Vec<Vec<bool>>, FontError> {
    let qr = epass_credential::qr::render_luma(credential, 1)
        .map_err(|e| FontError::Unusable("QR code".into(), format!("licence: {e}")))?;
    Ok((0..qr.height())
        .map(|y| {
            (0..qr.width())
                .map(|x| qr.get_pixel(x, y).0[0] < 128)
                .collect()
        })
        .collect())
}

/// Draws the Code 128 bars of `text` in the box `(x, y, width, height)`.
fn barcode(page: &mut Page<'_, '_>, x: f32, y: f32, width: f32, height: f32, text: &str) {
    let bars = super::barcode::bars(text);
    let module = width / bars.modules.max(1) as f32;
    let content = page.content();
    content.set_fill_rgb(0.0, 0.0, 0.0);
    for (bx, bw) in &bars.bars {
        content.rect(x + *bx as f32 * module, y, *bw as f32 * module, height);
    }
    content.fill_nonzero();
}

fn frame(page: &mut Page<'_, '_>, top: f32, bottom: f32, width: f32) {
    page.content()
        .set_stroke_rgb(BLUE.0, BLUE.1, BLUE.2)
        .set_line_width(0.8)
        .rect(MARGIN, bottom, width - 2.0 * MARGIN, top - bottom)
        .stroke();
}

/// One labelled fact; returns the next baseline.
fn fact(
    page: &mut Page<'_, '_>,
    x: f32,
    y: f32,
    width: f32,
    label: (&str, &str),
    value: &str,
) -> f32 {
    page.text(x, y, 9.5, GREY, label.0);
    page.text(x, y - 9.5, 6.5, GREY, label.1);
    let end = page.paragraph(x + 78.0, y, width - 78.0, 11.5, 14.0, 3, INK, value);
    end.min(y - 13.0) - 8.0
}

fn draw(page: &mut Page<'_, '_>, sheet: &LicenceSheet, qr: Option<&[Vec<bool>]>, w: f32, h: f32) {
    page.centred(h - 70.0, 22.0, BLUE, "机动车驾驶证（电子）");
    page.centred(
        h - 88.0,
        10.0,
        GREY,
        "Motor vehicle driving licence (electronic)",
    );

    // The front page.
    let top = h - 104.0;
    let bottom = top - 330.0;
    frame(page, top, bottom, w);
    page.text(MARGIN + 12.0, top - 20.0, 12.0, BLUE, "正页 Front page");
    let (photo_w, photo_h) = (96.0, 128.0);
    let photo_top = top - 34.0;
    page.content()
        .set_stroke_rgb(GREY.0, GREY.1, GREY.2)
        .set_line_width(0.5)
        .rect(MARGIN + 12.0, photo_top - photo_h, photo_w, photo_h)
        .stroke();
    if sheet.photo.is_some() {
        page.content()
            .save_state()
            .transform([
                photo_w,
                0.0,
                0.0,
                photo_h,
                MARGIN + 12.0,
                photo_top - photo_h,
            ])
            .x_object(Name(b"Im1"))
            .restore_state();
    }
    let qr_side = 132.0;
    let x = MARGIN + 12.0 + photo_w + 14.0;
    let facts_w = w - MARGIN - 12.0 - qr_side - 10.0 - x;
    let mut y = photo_top - 10.0;
    y = fact(page, x, y, facts_w, ("姓名", "Name"), &sheet.holder_name);
    y = fact(
        page,
        x,
        y,
        facts_w,
        ("驾驶证号", "Licence No."),
        &sheet.licence_number,
    );
    y = fact(page, x, y, facts_w, ("准驾车型", "Classes"), &sheet.classes);
    y = fact(page, x, y, facts_w, ("有效期", "Valid"), &sheet.valid);
    y = fact(page, x, y, facts_w, ("状态", "Status"), &sheet.state);
    fact(
        page,
        x,
        y,
        facts_w,
        ("生成时间", "Generated"),
        &sheet.generated_at,
    );
    if let Some(modules) = qr {
        page.qr(
            w - MARGIN - 12.0 - qr_side,
            photo_top - qr_side,
            qr_side,
            modules,
        );
    }
    if let Some(notice) = &sheet.notice {
        page.paragraph(
            MARGIN + 12.0,
            bottom + 82.0,
            w - 2.0 * MARGIN - 24.0,
            11.0,
            13.0,
            2,
            RED,
            notice,
        );
    }
    let bar_w = 250.0;
    barcode(
        page,
        (w - bar_w) / 2.0,
        bottom + 26.0,
        bar_w,
        40.0,
        &sheet.licence_number,
    );
    page.centred(bottom + 12.0, 9.0, INK, &sheet.licence_number);

    // The side page.
    let top = bottom - 18.0;
    let bottom = 74.0;
    frame(page, top, bottom, w);
    page.text(MARGIN + 12.0, top - 20.0, 12.0, BLUE, "副页 Side page");
    let x = MARGIN + 12.0;
    let width = w - 2.0 * MARGIN - 24.0;
    let mut y = top - 42.0;
    y = fact(page, x, y, width, ("住址", "Address"), &sheet.address);
    y = fact(
        page,
        x,
        y,
        width,
        ("发证机关", "Issuing office"),
        &sheet.issuing_office,
    );
    y = fact(
        page,
        x,
        y,
        width,
        ("记分", "Points"),
        &format!("{} / 12", sheet.points),
    );
    page.text(x, y, 10.5, BLUE, "准驾车型说明 What each class allows");
    y -= 16.0;
    for (code, zh, en) in &sheet.class_rules {
        if y < bottom + 24.0 {
            break;
        }
        page.text(x, y, 10.5, INK, code);
        y = page.paragraph(x + 30.0, y, width - 30.0, 10.0, 13.0, 2, INK, zh);
        if !en.is_empty() {
            y = page.paragraph(x + 30.0, y + 1.0, width - 30.0, 7.5, 10.0, 2, GREY, en);
        }
        y -= 4.0;
    }
    page.centred(
        54.0,
        8.0,
        GREY,
        "电子驾驶证与纸质驾驶证同等有效，请扫描二维码核验真伪与状态。",
    );
    page.centred(
        42.0,
        7.0,
        GREY,
        "The electronic licence is as valid as the paper one; scan the QR code to verify it and its status.",
    );
}

/// The licence as a one-page A4 PDF.
///
/// # Errors
/// The QR code cannot hold the credential, or the font cannot be subset.
pub fn render_licence(sheet: &LicenceSheet, font: &LoadedFont) -> Result<Vec<u8>, FontError> {
    let mut glyphs = Glyphs::new(font)?;
    let qr = sheet.credential.as_deref().map(modules).transpose()?;
    let image = sheet.photo.as_deref().and_then(photo);
    let (width, height) = super::PaperSize::A4.points();
    let mut content = Content::new();
    {
        let mut page = Page::new(&mut content, &mut glyphs, width, height);
        let sheet = if image.is_none() {
            &LicenceSheet {
                photo: None,
                ..sheet.clone()
            }
        } else {
            sheet
        };
        draw(&mut page, sheet, qr.as_deref(), width, height);
    }
    let content = super::deflate(&content.finish());

    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut id = || {
        next += 1;
        Ref::new(next - 1)
    };
    let (catalog, pages, page, contents, info, image_id) = (id(), id(), id(), id(), id(), id());
    let font_ids = [id(), id(), id(), id(), id()];
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, width, height))
        .parent(pages)
        .contents(contents);
    {
        let mut resources = p.resources();
        resources.fonts().pair(Name(b"F1"), font_ids[0]);
        if image.is_some() {
            resources.x_objects().pair(Name(b"Im1"), image_id);
        }
    }
    p.finish();
    pdf.stream(contents, &content).filter(Filter::FlateDecode);
    if let Some(img) = &image {
        let mut x = pdf.image_xobject(image_id, &img.data);
        x.filter(Filter::FlateDecode);
        x.width(i32::try_from(img.width).unwrap_or(i32::MAX))
            .height(i32::try_from(img.height).unwrap_or(i32::MAX))
            .bits_per_component(8);
        x.color_space().device_rgb();
        x.finish();
    }
    let title = format!("机动车驾驶证 {}", sheet.licence_number);
    pdf.document_info(info)
        .title(pdf_writer::TextStr(&title))
        .producer(pdf_writer::TextStr("epass"));
    glyphs.write(&mut pdf, font_ids)?;
    Ok(pdf.finish())
}
