//! The offline CLI end to end through the real binary: keys new → trust sign → pass sign →
//! pass qr → verify (text and image), with exit codes and JSON output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn epass(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_epass"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run epass")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = epass(dir, args);
    assert!(
        o.status.success(),
        "epass {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

const AT: &str = "2026-11-21T03:00:00Z";

fn claims(status_index: u32) -> serde_json::Value {
    serde_json::json!({
        "pass_number": "150621000123",
        "kind": "personnel_vehicle",
        "issuer": "150621",
        "holder_name": "张三",
        "masked_id": "150***********002X",
        "plate": "蒙K12345",
        "zones": [1],
        "road_sections": [10],
        "time_windows": [{"from": 360, "to": 1320}],
        "not_before": "2026-11-20T02:00:00Z",
        "expires": "2026-12-20T16:00:00Z",
        "issued_at": "2026-11-20T02:00:00Z",
        "approvals": [{"reviewer": "A17", "date": "2026-11-19"}, {"reviewer": "H03", "date": "2026-11-20"}],
        "status_index": status_index
    })
}

struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, v: &serde_json::Value) {
        std::fs::write(self.path(name), serde_json::to_vec_pretty(v).expect("json"))
            .expect("write");
    }

    fn run(&self, args: &[&str]) -> Output {
        epass(self.dir.path(), args)
    }

    fn ok(&self, args: &[&str]) -> String {
        ok(self.dir.path(), args)
    }

    fn verify(&self, extra: &[&str]) -> Output {
        let mut args = vec![
            "verify",
            "--bundle",
            "bundle.cose",
            "--root",
            "root.json",
            "--at",
            AT,
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

fn setup() -> World {
    let w = World {
        dir: tempfile::tempdir().expect("tempdir"),
    };
    w.ok(&["keys", "new", "--out", "root.json"]);
    w.ok(&["keys", "new", "--issuer", "150621", "--out", "issuer.json"]);
    w.ok(&[
        "keys",
        "new",
        "--alg",
        "es256",
        "--issuer",
        "150621",
        "--kinds",
        "freight,truck-entry",
        "--out",
        "es.json",
    ]);
    w.write("status.json", &serde_json::json!({"issuer": "150621", "len": 1000, "version": 1, "revoked": [7], "suspended": [8]}));
    w.write("zones.geojson", &serde_json::json!({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"id": 1},
             "geometry": {"type": "Polygon", "coordinates": [[[109.95, 40.35], [110.10, 40.35], [110.10, 40.45], [109.95, 40.45], [109.95, 40.35]]]}},
            {"type": "Feature", "properties": {"id": 10, "corridor_width_m": 100},
             "geometry": {"type": "LineString", "coordinates": [[110.40, 40.30], [110.60, 40.30]]}}
        ]
    }));
    w.ok(&[
        "trust",
        "sign",
        "--root",
        "root.json",
        "--issuer-key",
        "issuer.json",
        "--issuer-key",
        "es.json",
        "--status",
        "status.json",
        "--zones",
        "zones.geojson",
        "--version",
        "1",
        "--at",
        "2026-11-20T00:00:00Z",
        "--keys-from",
        "2026-01-01T00:00:00Z",
        "--max-age",
        "7d",
        "--authority",
        "150600 鄂尔多斯市",
        "--out",
        "bundle.cose",
    ]);
    w
}

fn sign(w: &World, status_index: u32) -> String {
    let name = format!("claims{status_index}.json");
    w.write(&name, &claims(status_index));
    w.ok(&["pass", "sign", &name, "--key", "issuer.json"])
        .trim()
        .to_owned()
}

fn json_of(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).expect("JSON output")
}

#[test]
fn keys_trust_sign_qr_and_verify_work_offline_end_to_end() {
    let w = setup();
    let text = sign(&w, 123);
    assert!(text.starts_with("EP2:") && text.len() <= 300, "{text}");

    let o = w.verify(&["--lon", "110.03", "--lat", "40.40", &text]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let line = String::from_utf8(o.stdout).expect("utf-8");
    assert!(line.starts_with("VALID valid 有效"), "{line}");
    assert!(
        line.contains("蒙K12345") && line.contains("张三") && line.contains("150***********002X")
    );

    w.ok(&["pass", "qr", &text, "--out", "pass.png"]);
    std::fs::write(w.path("pass.txt"), &text).expect("write");
    w.ok(&["pass", "qr", "--in", "pass.txt", "--out", "pass.svg"]);
    let svg = std::fs::read_to_string(w.path("pass.svg")).expect("svg");
    assert!(svg.contains("<svg"));

    let o = w.verify(&["--image", "pass.png", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let j = json_of(&o);
    assert_eq!(j["code"], "valid");
    assert_eq!(j["claims"]["plate"], "蒙K12345");
    assert_eq!(j["claims"]["masked_id"], "150***********002X");
    assert_eq!(j["signer"]["issuer"], "150621");
}

#[test]
fn verify_exit_codes_and_json_follow_the_outcome() {
    let w = setup();
    let revoked = sign(&w, 7);
    let o = w.verify(&["--json", &revoked]);
    assert_eq!(o.status.code(), Some(11));
    assert_eq!(json_of(&o)["code"], "revoked");

    let suspended = sign(&w, 8);
    let o = w.verify(&[&suspended]);
    assert_eq!(o.status.code(), Some(12));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("SUSPENDED suspended 已暂停"));

    let valid = sign(&w, 5);
    let o = w.verify(&["--json", "--lon", "111.5", "--lat", "41.5", &valid]);
    assert_eq!(o.status.code(), Some(14));
    assert_eq!(json_of(&o)["code"], "outside_zone");

    let o = w.run(&[
        "verify",
        "--bundle",
        "bundle.cose",
        "--root",
        "root.json",
        "--at",
        "2027-01-01T00:00:00Z",
        "--json",
        &valid,
    ]);
    assert_eq!(o.status.code(), Some(13));
    assert_eq!(json_of(&o)["code"], "expired");

    let o = w.run(&[
        "verify",
        "--bundle",
        "bundle.cose",
        "--root",
        "root.json",
        "--at",
        "2026-12-01T03:00:00Z",
        "--json",
        &valid,
    ]);
    assert_eq!(o.status.code(), Some(15));
    assert_eq!(json_of(&o)["code"], "undetermined.stale_bundle");
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning"));

    let mut forged = valid.into_bytes();
    let n = forged.len() - 5;
    forged[n] = if forged[n] == b'1' { b'2' } else { b'1' };
    let forged = String::from_utf8(forged).expect("ascii");
    let o = w.verify(&["--json", &forged]);
    assert_eq!(o.status.code(), Some(10));
    assert!(
        json_of(&o)["code"]
            .as_str()
            .is_some_and(|c| c.starts_with("invalid."))
    );
    assert!(json_of(&o)["claims"].is_null());

    // The ES256 key may only sign freight and truck-entry passes.
    w.write("claims_es.json", &claims(9));
    let es = w.ok(&["pass", "sign", "claims_es.json", "--key", "es.json"]);
    let o = w.verify(&["--json", es.trim()]);
    assert_eq!(o.status.code(), Some(10));
    assert_eq!(json_of(&o)["code"], "invalid.wrong_kind");
}

#[test]
fn a_bundle_signed_by_an_untrusted_root_is_refused() {
    let w = setup();
    w.ok(&["keys", "new", "--out", "other.json"]);
    let text = sign(&w, 1);
    let o = w.run(&[
        "verify",
        "--bundle",
        "bundle.cose",
        "--root",
        "other.json",
        &text,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("root"));
}

#[test]
fn keys_public_prints_no_secret() {
    let w = setup();
    let out = w.ok(&["keys", "public", "issuer.json"]);
    assert!(out.contains("public_key") && !out.contains("secret"));
}
