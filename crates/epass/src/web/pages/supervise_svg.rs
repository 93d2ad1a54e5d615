//! The dashboard's drawing: grouped columns and labelled horizontal bars as plain SVG markup,
//! text escaped, colours fixed (no script, no inline style: CSP allows neither).

use std::fmt::Write as _;

pub const BLUE: &str = "#0b3d91";
pub const GREEN: &str = "#17692f";
pub const RED: &str = "#b3261e";
pub const AMBER: &str = "#b58100";
pub const GREY: &str = "#6b7280";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn legend(out: &mut String, series: &[(&str, String)], y: i64) {
    let mut x = 10;
    for (colour, name) in series {
        let _ = write!(
            out,
            r#"<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/><text x="{}" y="{}" font-size="16">{}</text>"#,
            x + 16,
            y + 11,
            esc(name)
        );
        x += 28 + 16 * i64::try_from(name.chars().count()).unwrap_or(8);
    }
}

/// Grouped columns: one group per category, one column per series.
pub fn columns(categories: &[String], series: &[(&str, String, Vec<i64>)], title: &str) -> String {
    let (w, h, left, top, bottom) = (760_i64, 260_i64, 40_i64, 30_i64, 40_i64);
    let max = series
        .iter()
        .flat_map(|s| s.2.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let n = i64::try_from(categories.len()).unwrap_or(1).max(1);
    let k = i64::try_from(series.len()).unwrap_or(1).max(1);
    let slot = (w - left - 10) / n;
    let bar = ((slot - 4) / k).max(1);
    let plot = h - top - bottom;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-label="{}" class="chart">"#,
        esc(title)
    );
    let legend_series: Vec<(&str, String)> = series.iter().map(|s| (s.0, s.1.clone())).collect();
    legend(&mut out, &legend_series, 4);
    let _ = write!(
        out,
        r#"<line x1="{left}" y1="{}" x2="{}" y2="{}" stroke="{GREY}"/><text x="{}" y="{}" font-size="15" text-anchor="end">{max}</text><text x="{}" y="{}" font-size="15" text-anchor="end">0</text>"#,
        top + plot,
        w - 10,
        top + plot,
        left - 4,
        top + 10,
        left - 4,
        top + plot
    );
    let label_every = (n / 10).max(1);
    for (i, cat) in categories.iter().enumerate() {
        let i = i64::try_from(i).unwrap_or(0);
        let x0 = left + i * slot + 2;
        for (j, (colour, name, values)) in series.iter().enumerate() {
            let v = values
                .get(usize::try_from(i).unwrap_or(0))
                .copied()
                .unwrap_or(0);
            let bh = v * plot / max;
            let j = i64::try_from(j).unwrap_or(0);
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="{bar}" height="{bh}" fill="{colour}"><title>{} · {}: {v}</title></rect>"#,
                x0 + j * bar,
                top + plot - bh,
                esc(cat),
                esc(name)
            );
        }
        if i % label_every == 0 {
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" font-size="15" text-anchor="middle">{}</text>"#,
                x0 + slot / 2,
                h - bottom + 16,
                esc(cat)
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars: one row per label, one bar per series, the value written at its end.
pub fn rows(
    rows: &[(String, Vec<i64>)],
    series: &[(&str, String)],
    title: &str,
    unit: &str,
) -> String {
    let per_row = 20 * i64::try_from(series.len()).unwrap_or(1).max(1) + 10;
    let (w, left, top) = (760_i64, 250_i64, 30_i64);
    let h = top + per_row * i64::try_from(rows.len()).unwrap_or(0).max(1) + 6;
    let max = rows
        .iter()
        .flat_map(|r| r.1.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let span = w - left - 90;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-label="{}" class="chart">"#,
        esc(title)
    );
    legend(&mut out, series, 4);
    for (i, (label, values)) in rows.iter().enumerate() {
        let y = top + per_row * i64::try_from(i).unwrap_or(0);
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="16" text-anchor="end">{}</text>"#,
            left - 8,
            y + 14,
            esc(label)
        );
        for (j, v) in values.iter().enumerate() {
            let colour = series.get(j).map_or(BLUE, |s| s.0);
            let bw = (v * span / max).max(1);
            let by = y + 20 * i64::try_from(j).unwrap_or(0);
            let _ = write!(
                out,
                r#"<rect x="{left}" y="{by}" width="{bw}" height="14" fill="{colour}"/><text x="{}" y="{}" font-size="15">{v}{}</text>"#,
                left + bw + 4,
                by + 12,
                esc(unit)
            );
        }
    }
    out.push_str("</svg>");
    out
}
