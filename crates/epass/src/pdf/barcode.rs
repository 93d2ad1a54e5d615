//! Code 128 barcodes (ISO/IEC 15417) of licence numbers, through the `code128` crate: the bars
//! as module offsets and widths, drawn as SVG rectangles for pages (no style attribute, so the
//! strict CSP holds) and as filled rectangles in the PDF.

use code128::Code128;

/// A barcode's bars: `(x, width)` in modules from the left edge, quiet zones included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bars {
    /// The whole width in modules, the 10-module quiet zones on both sides included.
    pub modules: u32,
    pub bars: Vec<(u32, u32)>,
}

/// The bars encoding `text` (licence numbers are ASCII digits).
#[must_use]
pub fn bars(text: &str) -> Bars {
    let code = Code128::encode(text.as_bytes());
    Bars {
        modules: u32::try_from(code.len()).unwrap_or(u32::MAX),
        bars: code
            .bar_coordinates()
            .map(|b| (b.x, u32::from(b.width)))
            .collect(),
    }
}

/// The barcode as an SVG image `height` modules tall: one `<rect>` per bar on a white ground.
#[must_use]
pub fn svg(text: &str, height: u32, label: &str) -> String {
    let b = bars(text);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"barcode\" viewBox=\"0 0 {w} {height}\" \
         preserveAspectRatio=\"none\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"{label}\">\
         <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{height}\" fill=\"#fff\"/>",
        w = b.modules,
        label = escape(label),
    );
    for (x, width) in &b.bars {
        out.push_str(&format!(
            "<rect x=\"{x}\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#000\"/>"
        ));
    }
    out.push_str("</svg>");
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the bars back from the SVG's black rectangles, as a scanner reads widths.
    fn bars_of_svg(svg: &str) -> Vec<code128::Bar> {
        let rects: Vec<(u32, u32)> = svg
            .split("<rect ")
            .skip(1)
            .filter(|r| r.contains("fill=\"#000\""))
            .map(|r| {
                let attr = |name: &str| -> u32 {
                    let start = r.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                    r[start..].split('"').next().unwrap().parse().unwrap()
                };
                (attr("x"), attr("width"))
            })
            .collect();
        rects
            .iter()
            .enumerate()
            .map(|(i, (x, w))| {
                let next = rects.get(i + 1).map_or(x + w, |(nx, _)| *nx);
                code128::Bar {
                    width: u8::try_from(*w).unwrap(),
                    space: u8::try_from(next - x - w).unwrap(),
                }
            })
            .collect()
    }

    #[test]
    fn decoding_the_svg_bars_gives_the_licence_number_back() {
        let svg = svg("150621000007", 40, "条码 150621000007");
        assert!(!svg.contains("style"));
        let decoded = code128::decode(&bars_of_svg(&svg)).unwrap();
        assert_eq!(decoded, b"150621000007");
    }

    #[test]
    fn the_bars_leave_ten_module_quiet_zones_on_both_sides() {
        let b = bars("150621000099");
        assert_eq!(b.bars.first().map(|(x, _)| *x), Some(10));
        let (x, w) = *b.bars.last().unwrap();
        assert_eq!(b.modules - (x + w), 10);
        let decoded = code128::decode_str(
            &b.bars
                .windows(2)
                .map(|p| code128::Bar {
                    width: u8::try_from(p[0].1).unwrap(),
                    space: u8::try_from(p[1].0 - p[0].0 - p[0].1).unwrap(),
                })
                .chain(std::iter::once(code128::Bar {
                    width: u8::try_from(w).unwrap(),
                    space: 0,
                }))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        assert_eq!(decoded, "150621000099");
    }
}
