//! Witnesses of the tamper-evident log: tree heads kept elsewhere catch a log cut short or
//! forked even when the intruder rewrote the stored tree and the heads; and the command line.

use epass::actions::log;
use epass::actions::log_verify;
use epass::store::Db;

use crate::merkle_log::{cut_and_rewrite, exec, fill, logged_app, size};

#[tokio::test]
async fn a_witness_catches_a_log_cut_from_a_longer_one() {
    let (app, _) = logged_app().await;
    log::publish(app.db(), &app.state.pii, false).await.unwrap();
    let witness = log_verify::export_heads(app.db()).await.unwrap();
    let n = size(app.db()).await;
    cut_and_rewrite(app.db(), n - 4, true).await;
    let pii = &app.state.pii;
    log::publish(app.db(), pii, false).await.unwrap();
    // On its own the shortened log looks whole...
    let mut rebuilt = log_verify::verify(app.db()).await.unwrap();
    assert!(rebuilt.report.is_ok(), "{:?}", rebuilt.report.findings);
    // ...but not to the witness.
    let file = roundtrip(&witness);
    log_verify::check_against(&mut rebuilt, &file).unwrap();
    assert_eq!(rebuilt.report.first_bad_position(), Some(n - 4));
    assert!(rebuilt.report.findings[0].message.contains("cut"));
}

#[tokio::test]
async fn a_witness_catches_a_forked_log_and_accepts_the_honest_one() {
    let (app, _) = logged_app().await;
    log::publish(app.db(), &app.state.pii, false).await.unwrap();
    let witness = roundtrip(&log_verify::export_heads(app.db()).await.unwrap());
    fill(app.db(), 5, None).await;
    let mut honest = log_verify::verify(app.db()).await.unwrap();
    log_verify::check_against(&mut honest, &witness).unwrap();
    assert!(honest.report.is_ok(), "{:?}", honest.report.findings);
    // Fork: an old event rewritten, the tree rebuilt over it, the heads signed again.
    exec(
        app.db(),
        "UPDATE audit_events SET action = 'rewritten' WHERE log_index = 3",
    )
    .await;
    let n = size(app.db()).await;
    cut_and_rewrite(app.db(), n, true).await;
    log::publish(app.db(), &app.state.pii, false).await.unwrap();
    let mut forked = log_verify::verify(app.db()).await.unwrap();
    assert!(forked.report.is_ok(), "{:?}", forked.report.findings);
    log_verify::check_against(&mut forked, &witness).unwrap();
    assert!(
        forked
            .report
            .findings
            .iter()
            .any(|f| f.message.contains("forked")),
        "{:?}",
        forked.report.findings
    );
}

fn roundtrip(file: &log_verify::WitnessFile) -> log_verify::WitnessFile {
    serde_json::from_str(&serde_json::to_string(file).unwrap()).unwrap()
}

#[tokio::test]
async fn the_cli_reports_the_first_bad_position_and_checks_a_witness_file() {
    let url = crate::helpers::fresh_db_url().await;
    let db = Db::open(&url).await.unwrap();
    let pii = epass::pii::PiiKeys::from_master_secret(&crate::helpers::MASTER_KEY);
    fill(&db, 12, None).await;
    log::publish(&db, &pii, false).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let heads = dir.path().join("heads.json");
    let heads = heads.to_str().unwrap();
    let epass = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_epass"))
            .args(args)
            .env("EPASS_DATABASE_URL", &url)
            .env(
                "EPASS_MASTER_KEY",
                crate::helpers::hex(&crate::helpers::MASTER_KEY),
            )
            .env("EPASS_DEMO", "false")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    let (code, out) = epass(&["audit", "export-heads", heads]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = epass(&["audit", "verify", "--against", heads]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("log verified"), "{out}");
    exec(
        &db,
        "UPDATE audit_events SET after_summary = '{}' WHERE log_index = 5",
    )
    .await;
    let (code, out) = epass(&["audit", "verify"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("first bad position 5"), "{out}");
}
