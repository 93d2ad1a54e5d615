//! QR codes: render credential text as SVG or PNG (error correction M), and find credentials
//! in a PNG/JPEG image or photo (with `rqrr`, which copes with perspective and background).

use image::{GrayImage, ImageFormat, Luma};
use qrcode::{EcLevel, QrCode};
use std::fmt;
use std::io::Cursor;

/// Largest side, in pixels, an image is scanned at (larger photos are scaled down first).
pub const MAX_SCAN_SIDE: u32 = 2400;

/// Why a QR code could not be rendered or read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum QrError {
    /// The text does not fit a QR code.
    TooLong,
    /// The image could not be decoded (with detail).
    Image(String),
    /// No readable QR code was found.
    NotFound,
}

impl fmt::Display for QrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong => f.write_str("text too long for a QR code"),
            Self::Image(e) => write!(f, "cannot read image: {e}"),
            Self::NotFound => f.write_str("no readable QR code found"),
        }
    }
}

impl std::error::Error for QrError {}

fn code(text: &str) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|_| QrError::TooLong)
}

/// The QR version (1–40) the text needs at error correction M.
pub fn qr_version(text: &str) -> Result<i16, QrError> {
    match code(text)?.version() {
        qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => Ok(v),
    }
}

/// An SVG document of the QR code (quiet zone included).
pub fn render_svg(text: &str) -> Result<String, QrError> {
    Ok(code(text)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(256, 256)
        .build())
}

/// A greyscale raster of the QR code with `module_px` pixels per module.
pub fn render_luma(text: &str, module_px: u32) -> Result<GrayImage, QrError> {
    Ok(code(text)?
        .render::<Luma<u8>>()
        .module_dimensions(module_px.max(1), module_px.max(1))
        .build())
}

/// A PNG file of the QR code with `module_px` pixels per module.
pub fn render_png(text: &str, module_px: u32) -> Result<Vec<u8>, QrError> {
    let img = render_luma(text, module_px)?;
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .map_err(|e| QrError::Image(e.to_string()))?;
    Ok(out)
}

/// Every QR code text found in an encoded image (PNG or JPEG).
pub fn decode_image(bytes: &[u8]) -> Result<Vec<String>, QrError> {
    let img = image::load_from_memory(bytes).map_err(|e| QrError::Image(e.to_string()))?;
    decode_luma(&img.to_luma8())
}

/// Every QR code text found in a greyscale image.
pub fn decode_luma(img: &GrayImage) -> Result<Vec<String>, QrError> {
    let (w, h) = img.dimensions();
    let scaled;
    let img = if w.max(h) > MAX_SCAN_SIDE {
        let f = f64::from(MAX_SCAN_SIDE) / f64::from(w.max(h));
        let (nw, nh) = ((f64::from(w) * f) as u32, (f64::from(h) * f) as u32);
        scaled = image::imageops::resize(img, nw.max(1), nh.max(1), image::imageops::Triangle);
        &scaled
    } else {
        img
    };
    // rqrr is third-party code fed with untrusted pixels: contain any panic.
    let found = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
            img.get_pixel(x as u32, y as u32)[0]
        });
        prepared
            .detect_grids()
            .into_iter()
            .filter_map(|g| g.decode().ok().map(|(_, s)| s))
            .collect::<Vec<_>>()
    }))
    .map_err(|_| QrError::Image("QR decoder failed".into()))?;
    if found.is_empty() {
        Err(QrError::NotFound)
    } else {
        Ok(found)
    }
}
