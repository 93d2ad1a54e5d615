//! Where things go on the page: the A4 sheet and the ID-1 card. Coordinates are PDF points from
//! the bottom-left corner; `y` arguments are baselines.

use pdf_writer::{Content, Name, Str};

use super::PassSheet;
use super::font::Glyphs;

const INK: (f32, f32, f32) = (0.0, 0.0, 0.0);
const GREY: (f32, f32, f32) = (0.35, 0.35, 0.35);
const BLUE: (f32, f32, f32) = (0.05, 0.2, 0.5);
const RED: (f32, f32, f32) = (0.75, 0.05, 0.05);

/// A page being drawn, with the glyphs it uses.
pub struct Page<'a, 'f> {
    content: &'a mut Content,
    glyphs: &'a mut Glyphs<'f>,
    width: f32,
    height: f32,
}

impl std::fmt::Debug for Page<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Page({} × {} pt, {:?})",
            self.width, self.height, self.glyphs
        )
    }
}

impl<'a, 'f> Page<'a, 'f> {
    pub fn new(
        content: &'a mut Content,
        glyphs: &'a mut Glyphs<'f>,
        width: f32,
        height: f32,
    ) -> Self {
        Self {
            content,
            glyphs,
            width,
            height,
        }
    }

    /// The content stream, for what the pass layout does not draw (a licence's photo, bars).
    pub(super) fn content(&mut self) -> &mut Content {
        self.content
    }

    pub(super) fn text(&mut self, x: f32, y: f32, size: f32, colour: (f32, f32, f32), text: &str) {
        let codes = self.glyphs.encode(text);
        self.content
            .set_fill_rgb(colour.0, colour.1, colour.2)
            .begin_text()
            .set_font(Name(b"F1"), size)
            .next_line(x, y)
            .show(Str(&codes))
            .end_text();
    }

    pub(super) fn centred(&mut self, y: f32, size: f32, colour: (f32, f32, f32), text: &str) {
        let x = (self.width - self.glyphs.width(text, size)) / 2.0;
        self.text(x.max(0.0), y, size, colour, text);
    }

    /// Breaks `text` into lines no wider than `width`: between any two Chinese characters, at
    /// spaces in Latin text (a Latin word longer than the line is cut). At most `max` lines;
    /// what does not fit ends the last line with "…".
    pub(super) fn wrap(&self, text: &str, size: f32, width: f32, max: usize) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for word in split_words(text) {
            let candidate = format!("{line}{word}");
            if line.is_empty() || self.glyphs.width(&candidate, size) <= width {
                line = candidate;
            } else {
                lines.push(line.trim_end().to_owned());
                line = word.trim_start().to_owned();
            }
            while self.glyphs.width(&line, size) > width && line.chars().count() > 1 {
                let mut head = String::new();
                for c in line.chars() {
                    if self.glyphs.width(&format!("{head}{c}"), size) > width && !head.is_empty() {
                        break;
                    }
                    head.push(c);
                }
                line = line[head.len()..].to_owned();
                lines.push(head);
            }
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_owned());
        }
        if lines.len() > max {
            lines.truncate(max);
            if let Some(last) = lines.last_mut() {
                while !last.is_empty() && self.glyphs.width(&format!("{last}…"), size) > width {
                    last.pop();
                }
                last.push('…');
            }
        }
        lines
    }

    /// Draws wrapped text from baseline `y` down; returns the baseline after the last line.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn paragraph(
        &mut self,
        x: f32,
        y: f32,
        width: f32,
        size: f32,
        leading: f32,
        max: usize,
        colour: (f32, f32, f32),
        text: &str,
    ) -> f32 {
        let mut y = y;
        for line in self.wrap(text, size, width, max) {
            self.text(x, y, size, colour, &line);
            y -= leading;
        }
        y
    }

    /// Draws the QR modules as filled squares in a `side`-point square with its lower-left
    /// corner at `(x, y)`; runs of dark modules in a row become one rectangle.
    pub(super) fn qr(&mut self, x: f32, y: f32, side: f32, modules: &[Vec<bool>]) {
        let n = modules.len().max(1) as f32;
        let m = side / n;
        self.content.set_fill_rgb(0.0, 0.0, 0.0);
        for (row, cells) in modules.iter().enumerate() {
            let top = y + side - (row as f32 + 1.0) * m;
            let mut col = 0;
            while col < cells.len() {
                if !cells[col] {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < cells.len() && cells[col] {
                    col += 1;
                }
                // A hair of overlap hides the seams some viewers draw between rectangles.
                self.content.rect(
                    x + start as f32 * m,
                    top - 0.01,
                    (col - start) as f32 * m + 0.01,
                    m + 0.02,
                );
            }
        }
        self.content.fill_nonzero();
    }

    pub(super) fn rule(&mut self, x1: f32, x2: f32, y: f32, width: f32) {
        self.content
            .set_stroke_rgb(BLUE.0, BLUE.1, BLUE.2)
            .set_line_width(width)
            .move_to(x1, y)
            .line_to(x2, y)
            .stroke();
    }
}

/// Chinese characters one by one, Latin words with their trailing space.
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii() {
            word.push(c);
            if c == ' ' {
                words.push(std::mem::take(&mut word));
            }
        } else {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            words.push(c.to_string());
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

fn holder(sheet: &PassSheet) -> String {
    match &sheet.holder_id_masked {
        Some(id) => format!("{}  {id}", sheet.holder_name),
        None => sheet.holder_name.clone(),
    }
}

fn list_or(items: &[String], none: &str) -> String {
    if items.is_empty() {
        none.to_owned()
    } else {
        items.join("、")
    }
}

/// The facts of the pass as `(zh label, en label, value)`.
fn rows(sheet: &PassSheet) -> Vec<(String, String, String)> {
    let mut rows = vec![
        (
            "通行证编号".into(),
            "Pass number".into(),
            sheet.pass_number.clone(),
        ),
        (
            "车牌号".into(),
            "Plate".into(),
            sheet.plate.clone().unwrap_or_else(|| "—".into()),
        ),
        ("持证人".into(), "Holder".into(), holder(sheet)),
    ];
    if !sheet.zones.is_empty() || sheet.road_sections.is_empty() {
        rows.push((
            "通行区域".into(),
            "Zones".into(),
            list_or(&sheet.zones, "不限 / any"),
        ));
    }
    if !sheet.road_sections.is_empty() {
        rows.push((
            "通行路段".into(),
            "Road sections".into(),
            list_or(&sheet.road_sections, "—"),
        ));
    }
    rows.push((
        "每日通行时段".into(),
        "Daily hours".into(),
        list_or(&sheet.daily_times, "全天 / all day"),
    ));
    rows.push((
        "有效期".into(),
        "Valid".into(),
        format!("{} 至 {}", sheet.valid_from, sheet.valid_until),
    ));
    for (label, value) in &sheet.extra {
        let (zh, en) = label.split_once(" / ").unwrap_or((label.as_str(), ""));
        rows.push((zh.to_owned(), en.to_owned(), value.clone()));
    }
    rows.push(("签发机关".into(), "Issuer".into(), sheet.issuer.clone()));
    rows.push(("签发时间".into(), "Issued".into(), sheet.issued_at.clone()));
    rows
}

const A4_MARGIN: f32 = 56.0;

/// The A4 sheet: title, a large QR code, the facts in a two-column table, the rules.
pub fn a4(page: &mut Page<'_, '_>, sheet: &PassSheet, modules: &[Vec<bool>]) {
    let (w, h) = (page.width, page.height);
    page.centred(h - 78.0, 24.0, BLUE, &sheet.title_zh);
    page.centred(h - 98.0, 11.0, GREY, &sheet.title_en);
    page.rule(A4_MARGIN, w - A4_MARGIN, h - 110.0, 1.2);
    let side = 210.0;
    page.qr((w - side) / 2.0, h - 128.0 - side, side, modules);
    let mut y = h - 150.0 - side;
    page.centred(y, 15.0, INK, &format!("No. {}", sheet.pass_number));
    if let Some(notice) = &sheet.notice {
        y -= 20.0;
        page.centred(y, 13.0, RED, notice);
    }
    y -= 32.0;
    let (label_x, value_x) = (A4_MARGIN + 4.0, A4_MARGIN + 130.0);
    let value_w = w - A4_MARGIN - value_x;
    for (zh, en, value) in rows(sheet) {
        page.text(label_x, y, 11.0, GREY, &zh);
        page.text(label_x, y - 11.0, 7.5, GREY, &en);
        let end = page.paragraph(value_x, y, value_w, 12.0, 15.0, 3, INK, &value);
        y = end.min(y - 15.0) - 9.0;
    }
    y -= 4.0;
    page.rule(A4_MARGIN, w - A4_MARGIN, y + 8.0, 0.6);
    y -= 12.0;
    if !sheet.rules.is_empty() {
        page.text(label_x, y, 12.0, BLUE, "通行规定 Rules");
        y -= 18.0;
        for (i, (zh, en)) in sheet.rules.iter().enumerate() {
            if y < 90.0 {
                break;
            }
            let n = format!("{}. ", i + 1);
            page.text(label_x, y, 10.5, INK, &n);
            let x = label_x + 16.0;
            let width = w - A4_MARGIN - x;
            y = page.paragraph(x, y, width, 10.5, 14.0, 3, INK, zh);
            if !en.is_empty() {
                y = page.paragraph(x, y + 1.0, width, 8.0, 11.0, 2, GREY, en);
            }
            y -= 4.0;
        }
    }
    page.rule(A4_MARGIN, w - A4_MARGIN, 62.0, 0.6);
    page.centred(
        48.0,
        8.5,
        GREY,
        "纸质通行证与电子通行证同等有效，请扫描二维码核验真伪与状态。",
    );
    page.centred(
        36.0,
        7.5,
        GREY,
        "Paper and electronic passes are equally valid; scan the QR code to verify the pass and its status.",
    );
}

/// The card: title across the top, the QR code on the left, the facts on the right, the rules
/// in small print along the bottom.
pub fn card(page: &mut Page<'_, '_>, sheet: &PassSheet, modules: &[Vec<bool>]) {
    let (w, h) = (page.width, page.height);
    let m = 7.0;
    page.text(m, h - m - 8.5, 9.5, BLUE, &sheet.title_zh);
    let en_x = m + page.glyphs.width(&sheet.title_zh, 9.5) + 5.0;
    if en_x < w - 40.0 {
        let en = page.wrap(&sheet.title_en, 5.0, w - m - en_x, 1);
        if let Some(en) = en.first() {
            page.text(en_x, h - m - 8.5, 5.0, GREY, en);
        }
    }
    page.rule(m, w - m, h - m - 12.5, 0.6);
    let side = 88.0;
    let qr_top = h - m - 15.0;
    page.qr(m - 2.0, qr_top - side, side, modules);
    let number = format!("No. {}", sheet.pass_number);
    let nx = m - 2.0 + (side - page.glyphs.width(&number, 6.5)) / 2.0;
    page.text(nx, qr_top - side - 6.0, 6.5, INK, &number);
    if let Some(notice) = &sheet.notice {
        page.text(m, qr_top - side - 14.0, 6.0, RED, notice);
    }

    let x = m + side + 2.0;
    let width = w - m - x;
    let mut y = qr_top - 6.0;
    let mut line = |page: &mut Page<'_, '_>, label: &str, value: &str, max: usize| {
        // Below this the rules are printed; what does not fit is on the A4 sheet.
        if y < 30.0 {
            return;
        }
        page.text(x, y, 5.2, GREY, label);
        let lx = x + 22.0;
        y = page.paragraph(lx, y, width - 22.0, 6.3, 7.6, max, INK, value) - 1.2;
    };
    line(page, "车牌", sheet.plate.as_deref().unwrap_or("—"), 1);
    line(page, "持证人", &holder(sheet), 1);
    line(
        page,
        "有效期",
        &format!("{} 至 {}", sheet.valid_from, sheet.valid_until),
        2,
    );
    line(
        page,
        "时段",
        &list_or(&sheet.daily_times, "全天 / all day"),
        1,
    );
    let mut places = sheet.zones.clone();
    places.extend(sheet.road_sections.iter().cloned());
    line(page, "区域路段", &list_or(&places, "不限 / any"), 2);
    // The approval trail is on the A4 sheet; the card keeps to what an officer compares.
    let facts = sheet
        .extra
        .iter()
        .filter(|(label, _)| !label.starts_with("审批"));
    for (label, value) in facts.take(2) {
        let zh = label.split_once(" / ").map_or(label.as_str(), |(zh, _)| zh);
        line(page, zh, value, 1);
    }
    line(page, "签发", &sheet.issuer, 2);

    let rules: Vec<&str> = sheet.rules.iter().map(|(zh, _)| zh.as_str()).collect();
    if !rules.is_empty() {
        let text = format!("通行规定：{}", rules.join(""));
        let bottom = if sheet.notice.is_some() { 8.0 } else { 12.0 };
        let lines = page.wrap(&text, 5.2, w - 2.0 * m, 2);
        let mut y = bottom + 6.5 * (lines.len() as f32 - 1.0);
        for l in lines {
            page.text(m, y, 5.2, INK, &l);
            y -= 6.5;
        }
    }
}
