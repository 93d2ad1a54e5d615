//! QR rendering and decoding, including a photo-like capture at an angle on a noisy background.

use crate::common::*;
use epass_credential::qr::{decode_image, decode_luma, render_luma, render_png, render_svg};
use epass_credential::{Context, issue};
use image::{GrayImage, Luma};

#[test]
fn a_credential_renders_as_svg_and_png_and_decodes_from_the_png() {
    let text = issue(&typical(), &issuer_ed()).expect("issue");
    let svg = render_svg(&text).expect("svg");
    assert!(svg.contains("<svg") && svg.contains("</svg>"));
    let png = render_png(&text, 6).expect("png");
    assert!(png.starts_with(b"\x89PNG"));
    let found = decode_image(&png).expect("decode");
    assert_eq!(found, vec![text.clone()]);
    assert!(verifier().verify(&found[0], &Context::at(now())).is_valid());
}

/// Solves the 8×8 system for the homography mapping the unit square to `quad`.
fn homography(quad: [(f64, f64); 4]) -> [f64; 9] {
    let src = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)];
    let mut m = [[0.0f64; 9]; 8];
    for i in 0..4 {
        let ((x, y), (u, v)) = (src[i], quad[i]);
        m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for c in 0..8 {
        let p = (c..8)
            .max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs()))
            .expect("pivot");
        m.swap(c, p);
        for r in 0..8 {
            if r != c {
                let f = m[r][c] / m[c][c];
                let pivot = m[c];
                for (x, p) in m[r].iter_mut().zip(pivot).skip(c) {
                    *x -= f * p;
                }
            }
        }
    }
    let mut h = [0.0; 9];
    for i in 0..8 {
        h[i] = m[i][8] / m[i][i];
    }
    h[8] = 1.0;
    h
}

/// Inverse of a 3×3 matrix (row-major).
fn invert(a: [f64; 9]) -> [f64; 9] {
    let det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6])
        + a[2] * (a[3] * a[7] - a[4] * a[6]);
    let c = [
        a[4] * a[8] - a[5] * a[7],
        a[2] * a[7] - a[1] * a[8],
        a[1] * a[5] - a[2] * a[4],
        a[5] * a[6] - a[3] * a[8],
        a[0] * a[8] - a[2] * a[6],
        a[2] * a[3] - a[0] * a[5],
        a[3] * a[7] - a[4] * a[6],
        a[1] * a[6] - a[0] * a[7],
        a[0] * a[4] - a[1] * a[3],
    ];
    c.map(|x| x / det)
}

/// Renders the QR, warps it into a tilted quadrilateral on a noisy, shaded background, with
/// bilinear sampling and sensor noise — a phone photo at an angle.
fn photo(text: &str) -> GrayImage {
    let qr = render_luma(text, 8).expect("render");
    let (qw, qh) = (f64::from(qr.width()), f64::from(qr.height()));
    let (w, h) = (900u32, 760u32);
    let quad = [
        (190.0, 120.0),
        (720.0, 175.0),
        (670.0, 660.0),
        (150.0, 590.0),
    ];
    let inv = invert(homography(quad));
    let mut seed = 0x1234_5678_9abc_def1u64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 41) as f64 - 20.0
    };
    let sample = |x: f64, y: f64| -> f64 {
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let px = |xx: f64, yy: f64| {
            let (xi, yi) = (
                xx.clamp(0.0, qw - 1.0) as u32,
                yy.clamp(0.0, qh - 1.0) as u32,
            );
            f64::from(qr.get_pixel(xi, yi)[0])
        };
        px(x0, y0) * (1.0 - fx) * (1.0 - fy)
            + px(x0 + 1.0, y0) * fx * (1.0 - fy)
            + px(x0, y0 + 1.0) * (1.0 - fx) * fy
            + px(x0 + 1.0, y0 + 1.0) * fx * fy
    };
    GrayImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (f64::from(x), f64::from(y));
        let d = inv[6] * fx + inv[7] * fy + inv[8];
        let (u, v) = (
            (inv[0] * fx + inv[1] * fy + inv[2]) / d,
            (inv[3] * fx + inv[4] * fy + inv[5]) / d,
        );
        // Background: a shaded table with a grain pattern.
        let mut val =
            90.0 + 60.0 * fx / f64::from(w) + 25.0 * ((fx * 0.05).sin() * (fy * 0.07).cos());
        if (0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v) {
            // Paper is a little darker towards one corner (uneven light).
            val = sample(u * (qw - 1.0), v * (qh - 1.0)) * (0.8 + 0.15 * u) + 10.0;
        }
        Luma([(val + noise()).clamp(0.0, 255.0) as u8])
    })
}

#[test]
fn a_photo_at_an_angle_with_background_margin_decodes() {
    let text = issue(&typical(), &issuer_ed()).expect("issue");
    let img = photo(&text);
    let found = decode_luma(&img).expect("found in photo");
    assert_eq!(found, vec![text.clone()]);
    // And through JPEG, as a phone would save it.
    let mut jpg = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut jpg),
        image::ImageFormat::Jpeg,
    )
    .expect("jpeg");
    assert_eq!(decode_image(&jpg).expect("found in jpeg"), vec![text]);
}

#[test]
fn an_image_without_a_code_or_not_an_image_is_an_error_not_a_panic() {
    let blank = GrayImage::from_pixel(200, 200, Luma([200]));
    assert!(decode_luma(&blank).is_err());
    assert!(decode_image(b"not an image").is_err());
}
