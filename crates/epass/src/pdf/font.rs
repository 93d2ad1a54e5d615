//! The CJK font of printed passes: found on disk (configured, or the usual Debian paths), the
//! face chosen in a collection (`.ttc`), and embedded as a subset — only the glyphs a PDF uses —
//! in a Type 0 font with a ToUnicode map, so the Chinese text renders everywhere and can be
//! copied or extracted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use ttf_parser::{Face, GlyphId};

/// Where a CJK font usually is on Debian and Ubuntu, best first: `fonts-wqy-microhei`,
/// `fonts-noto-cjk`, `fonts-wqy-zenhei`, `fonts-arphic-uming`, `fonts-droid-fallback`.
pub const DEFAULT_FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
];

/// A character every usable face must have: the 通 of 通行证.
const PROBE: char = '通';

/// Why no font could be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FontError {
    #[error("no CJK font configured: none of {} exists", .0.join(", "))]
    NotFound(Vec<String>),
    #[error("font {0} cannot be used: {1}")]
    Unusable(String, String),
}

/// A font file in memory and the face of it that is used.
pub struct LoadedFont {
    pub path: PathBuf,
    data: Vec<u8>,
    index: u32,
}

impl std::fmt::Debug for LoadedFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LoadedFont({}, face {}, {} bytes)",
            self.path.display(),
            self.index,
            self.data.len()
        )
    }
}

/// Finds and keeps the font; a font installed after start is found by the next request.
#[derive(Debug, Default)]
pub struct FontSource {
    path: Option<PathBuf>,
    index: Option<u32>,
    loaded: RwLock<Option<Arc<LoadedFont>>>,
}

impl FontSource {
    /// `path` from configuration (`None`: search [`DEFAULT_FONT_PATHS`]); `index` picks the
    /// face of a collection (`None`: the first Simplified Chinese face, else the first with CJK).
    #[must_use]
    pub fn new(path: Option<PathBuf>, index: Option<u32>) -> Self {
        Self {
            path,
            index,
            loaded: RwLock::new(None),
        }
    }

    /// The font, loading it on first use.
    ///
    /// # Errors
    /// No candidate file exists, or the one found is not a usable CJK font.
    pub fn get(&self) -> Result<Arc<LoadedFont>, FontError> {
        // A poisoned lock only means another request panicked mid-load; the slot is still sound.
        if let Some(font) = self
            .loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            return Ok(font.clone());
        }
        let candidates: Vec<PathBuf> = match &self.path {
            Some(p) => vec![p.clone()],
            None => DEFAULT_FONT_PATHS.iter().map(PathBuf::from).collect(),
        };
        let Some(path) = candidates.iter().find(|p| p.is_file()) else {
            return Err(FontError::NotFound(
                candidates.iter().map(|p| p.display().to_string()).collect(),
            ));
        };
        let font = Arc::new(load(path, self.index)?);
        *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = Some(font.clone());
        Ok(font)
    }
}

fn load(path: &Path, index: Option<u32>) -> Result<LoadedFont, FontError> {
    let unusable = |why: String| FontError::Unusable(path.display().to_string(), why);
    let data = std::fs::read(path).map_err(|e| unusable(e.to_string()))?;
    let faces = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
    let index = match index {
        Some(i) => i,
        None => {
            choose_face(&data, faces).ok_or_else(|| unusable("no face has CJK glyphs".into()))?
        }
    };
    let face = Face::parse(&data, index).map_err(|e| unusable(e.to_string()))?;
    if face.glyph_index(PROBE).is_none() {
        return Err(unusable(format!("face {index} has no Chinese glyphs")));
    }
    Ok(LoadedFont {
        path: path.to_owned(),
        data,
        index,
    })
}

/// In a collection, the first Simplified Chinese face (its family name says "SC"), else the
/// first face with Chinese glyphs.
fn choose_face(data: &[u8], faces: u32) -> Option<u32> {
    let mut first_cjk = None;
    for i in 0..faces {
        let Ok(face) = Face::parse(data, i) else {
            continue;
        };
        if face.glyph_index(PROBE).is_none() {
            continue;
        }
        first_cjk.get_or_insert(i);
        let simplified = face.names().into_iter().any(|n| {
            n.name_id == ttf_parser::name_id::FAMILY
                && n.to_string().is_some_and(|s| s.contains(" SC"))
        });
        if simplified {
            return Some(i);
        }
    }
    first_cjk
}

/// The glyphs one document uses, in the order first drawn.
pub struct Glyphs<'f> {
    font: &'f LoadedFont,
    face: Face<'f>,
    remapper: subsetter::GlyphRemapper,
    /// New glyph id → (advance in font units, the text it stands for).
    used: BTreeMap<u16, (u16, char)>,
    units_per_em: f32,
}

impl std::fmt::Debug for Glyphs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Glyphs({:?}, {} used)", self.font, self.used.len())
    }
}

impl<'f> Glyphs<'f> {
    /// # Errors
    /// The font no longer parses (it did when loaded).
    pub fn new(font: &'f LoadedFont) -> Result<Self, FontError> {
        let face = Face::parse(&font.data, font.index)
            .map_err(|e| FontError::Unusable(font.path.display().to_string(), e.to_string()))?;
        let units_per_em = f32::from(face.units_per_em().max(1));
        Ok(Self {
            font,
            face,
            remapper: subsetter::GlyphRemapper::new(),
            used: BTreeMap::new(),
            units_per_em,
        })
    }

    fn glyph(&self, c: char) -> GlyphId {
        self.face.glyph_index(c).unwrap_or(GlyphId(0))
    }

    /// The width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| f32::from(self.face.glyph_hor_advance(self.glyph(c)).unwrap_or(0)))
            .sum::<f32>()
            * size
            / self.units_per_em
    }

    /// The 2-byte codes (subset glyph ids, which are the CIDs) that draw `text`.
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let old = self.glyph(c);
            let new = self.remapper.remap(old.0);
            let advance = self.face.glyph_hor_advance(old).unwrap_or(0);
            self.used.entry(new).or_insert((advance, c));
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }

    /// Writes the Type 0 font with its subset, widths and ToUnicode map under `ids[0]`
    /// (`ids` are five fresh references).
    ///
    /// # Errors
    /// The subsetter refuses the font.
    pub fn write(&self, pdf: &mut Pdf, ids: [Ref; 5]) -> Result<(), FontError> {
        let [type0, cid, descriptor, file, cmap_id] = ids;
        let subset =
            subsetter::subset(&self.font.data, self.font.index, &self.remapper).map_err(|e| {
                FontError::Unusable(self.font.path.display().to_string(), e.to_string())
            })?;
        let cff = self.face.tables().cff.is_some();
        let name = format!("EPASSA+{}", postscript_name(&self.face));
        let scale = 1000.0 / self.units_per_em;
        let info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        pdf.type0_font(type0)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap_id);
        let mut cid_font = pdf.cid_font(cid);
        cid_font
            .subtype(if cff {
                CidFontType::Type0
            } else {
                CidFontType::Type2
            })
            .base_font(Name(name.as_bytes()))
            .system_info(info)
            .font_descriptor(descriptor)
            .default_width(1000.0);
        if !cff {
            cid_font.cid_to_gid_map_predefined(Name(b"Identity"));
        }
        let mut widths = cid_font.widths();
        for (gid, (advance, _)) in &self.used {
            widths.consecutive(*gid, [f32::from(*advance) * scale]);
        }
        widths.finish();
        cid_font.finish();

        let bbox = self.face.global_bounding_box();
        let mut d = pdf.font_descriptor(descriptor);
        d.name(Name(name.as_bytes()))
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(self.face.ascender()) * scale)
            .descent(f32::from(self.face.descender()) * scale)
            .cap_height(
                f32::from(self.face.capital_height().unwrap_or(self.face.ascender())) * scale,
            )
            .stem_v(80.0);
        if cff {
            d.font_file3(file);
        } else {
            d.font_file2(file);
        }
        d.finish();

        let compressed = super::deflate(&subset);
        let mut stream = pdf.stream(file, &compressed);
        stream.filter(Filter::FlateDecode);
        if cff {
            stream.pair(Name(b"Subtype"), Name(b"OpenType"));
        }
        stream.finish();

        let mut cmap = UnicodeCmap::new(Name(b"Custom"), info);
        for (gid, (_, c)) in &self.used {
            cmap.pair(*gid, *c);
        }
        let cmap = cmap.finish();
        pdf.cmap(cmap_id, &cmap)
            .name(Name(b"Custom"))
            .system_info(info);
        Ok(())
    }
}

/// The face's PostScript name with only the characters a PDF name should hold.
fn postscript_name(face: &Face<'_>) -> String {
    let name = face
        .names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|n| n.to_string())
        .unwrap_or_else(|| "CJK".into());
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if clean.is_empty() {
        "CJK".into()
    } else {
        clean
    }
}
