//! Uploaded documents: what kind of file the bytes are, decided by their content and never by a
//! name, and proof that an image is an image (it decodes) and a PDF is a whole PDF.

use std::io::Cursor;

use crate::domain::pass_type::DocumentKind;
use crate::i18n::{Lang, Localized};

/// The stable code of a document kind, as stored and in URLs.
pub fn kind_code(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::IdCard => "id_card",
        DocumentKind::DrivingLicence => "driving_licence",
        DocumentKind::VehicleLicence => "vehicle_licence",
        DocumentKind::TestReport => "test_report",
        DocumentKind::Other => "other",
    }
}

/// The kind named by its code, if any.
pub fn parse_kind(code: &str) -> Option<DocumentKind> {
    [
        DocumentKind::IdCard,
        DocumentKind::DrivingLicence,
        DocumentKind::VehicleLicence,
        DocumentKind::TestReport,
        DocumentKind::Other,
    ]
    .into_iter()
    .find(|k| kind_code(*k) == code)
}

/// The kinds of file accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentType {
    Jpeg,
    Png,
    Pdf,
}

impl ContentType {
    pub fn mime(self) -> &'static str {
        match self {
            ContentType::Jpeg => "image/jpeg",
            ContentType::Png => "image/png",
            ContentType::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ContentType::Jpeg => "jpg",
            ContentType::Png => "png",
            ContentType::Pdf => "pdf",
        }
    }

    /// The type announced by the first bytes (magic numbers), if it is one we accept.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ContentType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ContentType::Png)
        } else if bytes.starts_with(b"%PDF-") {
            Some(ContentType::Pdf)
        } else {
            None
        }
    }
}

/// Why bytes are not an acceptable document.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("empty file")]
    Empty,
    #[error("not a JPEG, PNG or PDF file")]
    UnsupportedType,
    #[error("a damaged or incomplete {0:?} file: {1}")]
    Corrupt(ContentType, String),
}

impl Localized for DocumentError {
    fn code(&self) -> &'static str {
        match self {
            DocumentError::Empty => "document.empty",
            DocumentError::UnsupportedType => "document.unsupported_type",
            DocumentError::Corrupt(..) => "document.corrupt",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (DocumentError::Empty, Lang::Zh) => "文件为空。".into(),
            (DocumentError::Empty, Lang::En) => "The file is empty.".into(),
            (DocumentError::UnsupportedType, Lang::Zh) => {
                "仅接受 JPEG、PNG 图片或 PDF 文件（按文件内容判断，与文件名无关）。".into()
            }
            (DocumentError::UnsupportedType, Lang::En) => {
                "Only JPEG or PNG images and PDF files are accepted (judged by the content, \
                 not the file name)."
                    .into()
            }
            (DocumentError::Corrupt(t, _), Lang::Zh) => {
                format!(
                    "文件已损坏或不完整，无法作为 {} 打开。",
                    t.extension().to_uppercase()
                )
            }
            (DocumentError::Corrupt(t, _), Lang::En) => format!(
                "The file is damaged or incomplete: it does not open as a {}.",
                t.extension().to_uppercase()
            ),
        }
    }
}

/// Largest image accepted, in pixels per side and in decoded bytes: a phone photo fits, a
/// decompression bomb does not.
const MAX_SIDE: u32 = 12_000;
const MAX_DECODED_BYTES: u64 = 256 << 20;

/// The type of the bytes, once proven: images must decode in full, a PDF must start with its
/// header and end with its end-of-file marker.
pub fn inspect(bytes: &[u8]) -> Result<ContentType, DocumentError> {
    if bytes.is_empty() {
        return Err(DocumentError::Empty);
    }
    let kind = ContentType::sniff(bytes).ok_or(DocumentError::UnsupportedType)?;
    match kind {
        ContentType::Jpeg | ContentType::Png => decode_image(bytes, kind)?,
        ContentType::Pdf => check_pdf(bytes)?,
    }
    Ok(kind)
}

fn decode_image(bytes: &[u8], kind: ContentType) -> Result<(), DocumentError> {
    let corrupt = |why: String| DocumentError::Corrupt(kind, why);
    // A JPEG decoder fills a cut-off scan with grey rather than failing, so a whole file must
    // also end with its End Of Image marker (trailing zero padding is tolerated).
    if kind == ContentType::Jpeg {
        let end = bytes.iter().rposition(|b| *b != 0).unwrap_or(0);
        if end < 1 || bytes[end - 1..=end] != [0xFF, 0xD9] {
            return Err(corrupt("no end-of-image marker".into()));
        }
    }
    let format = match kind {
        ContentType::Jpeg => image::ImageFormat::Jpeg,
        _ => image::ImageFormat::Png,
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| corrupt(e.to_string()))?;
    if image.width() == 0 || image.height() == 0 {
        return Err(corrupt("no pixels".into()));
    }
    Ok(())
}

fn check_pdf(bytes: &[u8]) -> Result<(), DocumentError> {
    // The `%%EOF` marker ends every complete PDF; writers may add a line break or a little
    // padding after it, so look in the last kilobyte.
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(DocumentError::Corrupt(
            ContentType::Pdf,
            "no end-of-file marker".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let img = image::RgbImage::from_pixel(4, 3, image::Rgb([200, 10, 10]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_png_is_recognised_by_its_content() {
        assert_eq!(inspect(&png()), Ok(ContentType::Png));
    }

    #[test]
    fn text_is_refused_whatever_it_is_called() {
        assert_eq!(
            inspect(b"hello, I am a .png"),
            Err(DocumentError::UnsupportedType)
        );
        assert_eq!(inspect(b""), Err(DocumentError::Empty));
    }

    #[test]
    fn a_cut_png_does_not_decode() {
        let whole = png();
        let cut = &whole[..whole.len() - 20];
        assert!(matches!(
            inspect(cut),
            Err(DocumentError::Corrupt(ContentType::Png, _))
        ));
    }

    #[test]
    fn a_pdf_needs_its_end_marker() {
        assert_eq!(inspect(b"%PDF-1.4\n1 0 obj\n%%EOF\n"), Ok(ContentType::Pdf));
        assert!(inspect(b"%PDF-1.4\n1 0 obj\n").is_err());
    }

    #[test]
    fn kinds_round_trip_through_their_codes() {
        for code in [
            "id_card",
            "driving_licence",
            "vehicle_licence",
            "test_report",
            "other",
        ] {
            assert_eq!(parse_kind(code).map(kind_code), Some(code));
        }
        assert_eq!(parse_kind("passport"), None);
    }
}
