//! The tamper-evident log: every audit event and recorded check is a leaf; tree heads are
//! signed; proofs served by the API verify with the credential crate; `audit verify` finds each
//! kind of tampering at its position; witnesses catch a cut or forked log.

use epass::actions::log_verify::{self, Report};
use epass::actions::{Actor, log};
use epass::domain::roles::Role;
use epass::store::merkle_heads;
use epass::store::{Db, audit, checks, merkle_log};
use epass_credential::merkle::{self, Hash};
use serde_json::Value;

use crate::helpers::{Auth, TestApp, spawn_app};
use crate::world::{self, PASSWORD};

/// Adds `n` audit events and, every third, a recorded check by `officer`.
pub(crate) async fn fill(db: &Db, n: usize, officer: Option<i64>) {
    let actor = Actor::default();
    for i in 0..n {
        let mut tx = db.begin().await.unwrap();
        let mut event = actor.event("test.happened", "thing", i);
        event.after = Some(serde_json::json!({ "n": i }));
        audit::insert(&mut tx, &event).await.unwrap();
        if let Some(officer) = officer.filter(|_| i % 3 == 0) {
            let check = checks::NewCheck {
                pass_id: None,
                pass_number: Some("150621000001"),
                checkpoint_id: None,
                officer_id: officer,
                longitude: Some(110.25 + i as f64 / 1000.0),
                latitude: Some(40.5),
                checked_at: 1_700_000_000_000 + i as i64,
                outcome: "valid",
                client_ref: None,
            };
            checks::insert_check(&mut tx, &check).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
}

/// An app with a supervisor of a whole authority, some history and one published head.
pub(crate) async fn logged_app() -> (TestApp, crate::helpers::Session) {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let officer = world::user(
        &app,
        "13900000002",
        &world.region_a,
        &[Role::CheckpointOfficer],
    )
    .await;
    world::user(&app, "13900000001", &world.region_a, &[Role::Supervisor]).await;
    let session = app.login("13900000001", PASSWORD).await;
    fill(app.db(), 30, Some(officer)).await;
    (app, session)
}

pub(crate) async fn size(db: &Db) -> u64 {
    let mut tx = db.begin().await.unwrap();
    let tail = merkle_log::lock_tail(&mut tx).await.unwrap();
    tx.rollback().await.unwrap();
    tail.size()
}

async fn verify(db: &Db) -> Report {
    log_verify::verify(db).await.unwrap().report
}

fn unhex(s: &str) -> Hash {
    let bytes: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_else(|e| panic!("{s}: {e}")))
        .collect();
    bytes
        .try_into()
        .unwrap_or_else(|b| panic!("not a hash: {b:?}"))
}

fn hashes(v: &Value) -> Vec<Hash> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|h| unhex(h.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) async fn exec(db: &Db, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn every_event_and_check_is_a_leaf_and_an_untouched_log_verifies() {
    let (app, _) = logged_app().await;
    let events = app.count("SELECT COUNT(*) FROM audit_events").await;
    let checks = app.count("SELECT COUNT(*) FROM checks").await;
    assert_eq!(checks, 10);
    assert_eq!(size(app.db()).await, (events + checks) as u64);
    log::publish(app.db(), &app.state.pii, false).await.unwrap();
    let report = verify(app.db()).await;
    assert!(report.is_ok(), "{:?}", report.findings);
    assert_eq!(report.heads, 1);
    // The periodic task publishes only when the log has grown.
    assert!(
        log::publish(app.db(), &app.state.pii, true)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn inclusion_proofs_served_by_the_api_verify_against_the_signed_head() {
    let (app, session) = logged_app().await;
    let head = app
        .post(
            "/api/v1/log/tree-heads",
            Auth::Session(&session),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(head.status, 201, "{}", head.body);
    let size = head.body["size"].as_u64().unwrap();
    let root = unhex(head.body["root"].as_str().unwrap());
    let latest = app
        .get("/api/v1/log/tree-heads/latest", Auth::Session(&session))
        .await;
    assert_eq!(latest.body["root"], head.body["root"]);
    let (rows, _, _) = merkle_heads::all_leaf_rows(app.db().pool()).await.unwrap();
    for leaf in [0, 1, size / 2, size - 2, size - 1] {
        let reply = app
            .get(
                &format!("/api/v1/log/proofs/inclusion?leaf={leaf}&size={size}"),
                Auth::Session(&session),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        // The leaf hash is recomputed from the row itself, not taken from the answer.
        let row = rows
            .iter()
            .find(|r| r.log_index == Some(leaf as i64))
            .unwrap();
        let leaf_hash = merkle::leaf_hash(&row.data);
        assert_eq!(hex(&leaf_hash), reply.body["leaf_hash"]);
        let proof = hashes(&reply.body["hashes"]);
        merkle::verify_inclusion(leaf, size, &leaf_hash, &proof, &root).unwrap();
        assert!(merkle::verify_inclusion(leaf ^ 1, size, &leaf_hash, &proof, &root).is_err());
    }
    let beyond = app
        .get(
            &format!("/api/v1/log/proofs/inclusion?leaf={size}&size={size}"),
            Auth::Session(&session),
        )
        .await;
    assert_eq!(beyond.status, 422);
}

fn hex(h: &Hash) -> String {
    crate::helpers::hex(h)
}

#[tokio::test]
async fn two_tree_heads_are_proved_consistent() {
    let (app, session) = logged_app().await;
    let first = app
        .post(
            "/api/v1/log/tree-heads",
            Auth::Session(&session),
            serde_json::json!({}),
        )
        .await;
    fill(app.db(), 21, None).await;
    let second = app
        .post(
            "/api/v1/log/tree-heads",
            Auth::Session(&session),
            serde_json::json!({}),
        )
        .await;
    let (from, to) = (
        first.body["size"].as_u64().unwrap(),
        second.body["size"].as_u64().unwrap(),
    );
    assert!(to > from);
    let reply = app
        .get(
            &format!("/api/v1/log/proofs/consistency?from={from}&to={to}"),
            Auth::Session(&session),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let proof = hashes(&reply.body["hashes"]);
    let root1 = unhex(first.body["root"].as_str().unwrap());
    let root2 = unhex(second.body["root"].as_str().unwrap());
    merkle::verify_consistency(from, to, &root1, &root2, &proof).unwrap();
    assert!(merkle::verify_consistency(from + 1, to, &root1, &root2, &proof).is_err());
    let list = app
        .get("/api/v1/log/tree-heads", Auth::Session(&session))
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 2);
}

/// Publishes a head, tampers, verifies: the first bad position is `expected`.
async fn tampered(sql: &[&str], expected: Option<u64>, words: &str) {
    let (app, _) = logged_app().await;
    log::publish(app.db(), &app.state.pii, false).await.unwrap();
    for s in sql {
        exec(app.db(), s).await;
    }
    let report = verify(app.db()).await;
    assert!(!report.is_ok(), "tampering not detected: {sql:?}");
    assert_eq!(
        report.first_bad_position(),
        expected,
        "{:?}",
        report.findings
    );
    assert!(
        report.findings.iter().any(|f| f.message.contains(words)),
        "{words:?} not in {:?}",
        report.findings
    );
}

#[tokio::test]
async fn an_edited_event_is_found_at_its_position() {
    tampered(
        &["UPDATE audit_events SET action = 'nothing.happened' WHERE log_index = 7"],
        Some(7),
        "edited",
    )
    .await;
}

#[tokio::test]
async fn an_edited_check_is_found_at_its_position() {
    let sql = "UPDATE checks SET outcome = 'invalid' WHERE log_index = \
               (SELECT MIN(log_index) FROM checks WHERE log_index > 10)";
    let (app, _) = logged_app().await;
    let position: i64 =
        sqlx::query_scalar("SELECT MIN(log_index) FROM checks WHERE log_index > 10")
            .fetch_one(app.db().pool())
            .await
            .unwrap();
    exec(app.db(), sql).await;
    let report = verify(app.db()).await;
    assert_eq!(report.first_bad_position(), Some(position as u64));
}

#[tokio::test]
async fn a_deleted_event_is_found_at_its_position() {
    tampered(
        &["DELETE FROM audit_events WHERE log_index = 9"],
        Some(9),
        "deleted",
    )
    .await;
}

#[tokio::test]
async fn reordered_events_are_found_at_the_first_moved_position() {
    tampered(
        &[
            "UPDATE audit_events SET log_index = -100 WHERE log_index = 5",
            "UPDATE audit_events SET log_index = 5 WHERE log_index = 12",
            "UPDATE audit_events SET log_index = 12 WHERE log_index = -100",
        ],
        Some(5),
        "moved",
    )
    .await;
}

#[tokio::test]
async fn an_inserted_event_is_found_wherever_it_was_put() {
    let insert = |index: &str| {
        format!(
            "INSERT INTO audit_events (at, action, object_type, object_id, log_index) \
             VALUES (1, 'forged', 'thing', 'x', {index})"
        )
    };
    // Slipped in at position 4, the later rows moved up one.
    tampered(
        &[
            "UPDATE audit_events SET log_index = log_index + 1000 WHERE log_index >= 4",
            "UPDATE checks SET log_index = log_index + 1000 WHERE log_index >= 4",
            "UPDATE audit_events SET log_index = log_index - 999 WHERE log_index >= 1000",
            "UPDATE checks SET log_index = log_index - 999 WHERE log_index >= 1000",
            &insert("4"),
        ],
        Some(4),
        "edited or moved",
    )
    .await;
    // Claiming a taken position, or none at all.
    tampered(&[&insert("6")], Some(6), "inserted").await;
    tampered(&[&insert("NULL")], None, "not in the log").await;
}

#[tokio::test]
async fn a_truncated_log_is_found_where_it_ends() {
    let (app, _) = logged_app().await;
    log::publish(app.db(), &app.state.pii, false).await.unwrap();
    let n = size(app.db()).await;
    let cut = n - 5;
    exec(
        app.db(),
        &format!("DELETE FROM audit_events WHERE log_index >= {cut}"),
    )
    .await;
    exec(
        app.db(),
        &format!("DELETE FROM checks WHERE log_index >= {cut}"),
    )
    .await;
    let report = verify(app.db()).await;
    assert_eq!(
        report.first_bad_position(),
        Some(cut),
        "{:?}",
        report.findings
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.message.contains("truncated"))
    );
    // Rewriting the tree to match does not help: the signed head covers more.
    cut_and_rewrite(app.db(), cut, false).await;
    let report = verify(app.db()).await;
    assert_eq!(
        report.first_bad_position(),
        Some(cut),
        "{:?}",
        report.findings
    );
    assert!(report.findings.iter().any(|f| f.message.contains("head")));
}

/// What an intruder who can write the database does: rewrites the stored tree from the rows as
/// they are now (keeping the first `keep` leaves) and, with `resign`, replaces the tree heads.
pub(crate) async fn cut_and_rewrite(db: &Db, keep: u64, resign: bool) {
    let (rows, _, _) = merkle_heads::all_leaf_rows(db.pool()).await.unwrap();
    let mut indexed: Vec<(i64, Hash)> = rows
        .iter()
        .filter_map(|r| Some((r.log_index?, merkle::leaf_hash(&r.data))))
        .filter(|(i, _)| (*i as u64) < keep)
        .collect();
    indexed.sort_by_key(|(i, _)| *i);
    let leaves: Vec<Hash> = indexed.into_iter().map(|(_, h)| h).collect();
    exec(
        db,
        &format!("DELETE FROM audit_events WHERE log_index >= {keep}"),
    )
    .await;
    exec(db, &format!("DELETE FROM checks WHERE log_index >= {keep}")).await;
    let mut tx = db.begin().await.unwrap();
    merkle_log::rebuild(&mut tx, &leaves).await.unwrap();
    tx.commit().await.unwrap();
    if resign {
        exec(db, "DELETE FROM merkle_tree_heads").await;
    }
}

#[tokio::test]
async fn concurrent_appends_keep_one_order_and_the_log_verifies() {
    let (app, _) = logged_app().await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let db = app.db().clone();
        tasks.push(tokio::spawn(async move {
            let actor = Actor::default();
            for i in 0..15 {
                let mut tx = db.begin().await.unwrap();
                audit::insert(
                    &mut tx,
                    &actor.event("test.concurrent", "thing", t * 100 + i),
                )
                .await
                .unwrap();
                audit::insert(
                    &mut tx,
                    &actor.event("test.concurrent", "other", t * 100 + i),
                )
                .await
                .unwrap();
                // Some transactions roll back: their leaves must vanish with them.
                if i % 5 == 4 {
                    tx.rollback().await.unwrap();
                } else {
                    tx.commit().await.unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let events = app.count("SELECT COUNT(*) FROM audit_events").await;
    let checks = app.count("SELECT COUNT(*) FROM checks").await;
    assert_eq!(size(app.db()).await, (events + checks) as u64);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'test.concurrent'")
            .await,
        8 * 12 * 2
    );
    log::publish(app.db(), &app.state.pii, false).await.unwrap();
    let report = verify(app.db()).await;
    assert!(report.is_ok(), "{:?}", report.findings);
}

#[tokio::test]
async fn a_long_transaction_owes_its_tree_until_commit_and_a_rolled_back_one_leaves_nothing() {
    let (app, _) = logged_app().await;
    let actor = Actor::default();
    let before = size(app.db()).await;
    // 40 events rolled back: neither rows nor leaves remain.
    let mut tx = app.db().begin().await.unwrap();
    for i in 0..40 {
        audit::insert(&mut tx, &actor.event("test.undone", "thing", i))
            .await
            .unwrap();
    }
    tx.rollback().await.unwrap();
    assert_eq!(size(app.db()).await, before);
    // 100 events and a check in one transaction: the blocks and nodes they complete are
    // written at commit, and the log verifies.
    let mut tx = app.db().begin().await.unwrap();
    for i in 0..100 {
        audit::insert(&mut tx, &actor.event("test.long", "thing", i))
            .await
            .unwrap();
    }
    let officer = app.count("SELECT MIN(officer_id) FROM checks").await;
    let check = checks::NewCheck {
        pass_id: None,
        pass_number: Some("150621000001"),
        checkpoint_id: None,
        officer_id: officer,
        longitude: None,
        latitude: None,
        checked_at: 1_700_000_000_000,
        outcome: "valid",
        client_ref: None,
    };
    checks::insert_check(&mut tx, &check).await.unwrap();
    audit::insert(&mut tx, &actor.event("test.long", "after-check", 0))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let after = size(app.db()).await;
    assert_eq!(after, before + 102);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'test.undone'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM merkle_blocks").await as u64,
        after / 16
    );
    log::publish(app.db(), &app.state.pii, false).await.unwrap();
    let report = verify(app.db()).await;
    assert!(report.is_ok(), "{:?}", report.findings);
    // Proofs for leaves written inside the long transaction verify against the head.
    let (leaf, proof, root) = log::inclusion(app.db(), before + 50, after).await.unwrap();
    merkle::verify_inclusion(before + 50, after, &leaf, &proof, &root).unwrap();
}
