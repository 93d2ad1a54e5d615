//! Issuance end to end — final approval → signed pass stored with its vehicle claim, audit events
//! and the holder's SMS in the outbox — one decision at a time and in bulk, on SQLite and on
//! PostgreSQL. Prints passes per second.
//!
//! `cargo bench -p epass --bench issuance` (PostgreSQL from `EPASS_BENCH_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`; a database is created and dropped for the run).
//! `EPASS_BENCH_BULK` and `EPASS_BENCH_SINGLE` set the counts.

use std::time::Instant;

use epass::actions::Caller;
use epass::actions::bulk_review::{self, BulkDecisionInput};
use epass::actions::review::{self, DecisionInput, Verb};
use epass::app::AppState;
use epass::config::Config;
use epass::store::applications::{self, NewApplication};
use epass::store::{Db, users};
use sqlx::Connection as _;

const MASTER: [u8; 32] = [7; 32];

fn count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Demo data, and `n` applications of the demo's personnel type waiting at their last level.
async fn prepare(url: &str, n: usize) -> (AppState, Caller, Vec<i64>) {
    let db = Db::open(url).await.expect("open database");
    let state = AppState::with_db(Config::default(), db, &MASTER);
    epass::demo::seed_if_empty(&state).await.expect("demo data");
    let pool = state.db.pool();
    let reviewer = users::find_by_phone(pool, "13800000003")
        .await
        .expect("reviewer")
        .expect("demo reviewer");
    let applicant = users::find_by_phone(pool, "13800000007")
        .await
        .expect("applicant")
        .expect("demo applicant");
    let caller = Caller {
        user_id: reviewer.id,
        grants: users::grants(pool, reviewer.id).await.expect("grants"),
        token_scopes: None,
        client_addr: None,
    };
    let template = applications::for_applicant(pool, applicant.id, 0, 1000)
        .await
        .expect("demo applications")
        .into_iter()
        .find(|a| a.plate.is_some() && a.form.get("road_sections").is_some())
        .expect("a demo personnel application");
    let day = 86_400_000;
    let from = epass::store::now_ms() + 400 * day;
    let mut ids = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(1000) {
        let mut tx = state.db.begin().await.expect("begin");
        for i in chunk {
            let plate = format!("蒙K{i:05}");
            let mut form = template.form.clone();
            form["plate"] = serde_json::Value::String(plate.clone());
            let new = NewApplication {
                pass_type_id: template.pass_type_id,
                pass_type_version: template.pass_type_version,
                authority_id: template.authority_id,
                applicant_id: applicant.id,
                org_id: template.org_id,
                request_id: None,
                form: &form,
                holder_name: &template.holder_name,
                holder_id_sealed: None,
                holder_id_masked: template.holder_id_masked.as_deref(),
                plate: Some(&plate),
                valid_from: from,
                valid_until: from + 90 * day,
                priority: 0,
                level_due_at: from,
                promised_at: from,
                eligibility: &serde_json::json!([]),
            };
            ids.push(
                applications::insert(&mut tx, &new)
                    .await
                    .expect("insert")
                    .id,
            );
        }
        tx.commit().await.expect("commit");
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE applications SET level = 2 WHERE id >= {}",
        ids[0]
    )))
    .execute(pool)
    .await
    .expect("to level 2");
    (state, caller, ids)
}

async fn run(engine: &str, url: &str) {
    let bulk_n = count("EPASS_BENCH_BULK", 20_000);
    let single_n = count("EPASS_BENCH_SINGLE", 1_000);
    let (state, caller, ids) = prepare(url, bulk_n + single_n).await;
    let (single, bulk) = ids.split_at(single_n);

    let started = Instant::now();
    for id in single {
        let input = DecisionInput {
            action: Verb::Approve,
            reason_code: None,
            reason_text: None,
            version: 1,
        };
        let decided = review::decide(&state.db, &state.pii, "http://x", &caller, *id, &input)
            .await
            .expect("decide");
        assert!(decided.pass.is_some());
    }
    let single_s = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut decided = 0;
    // One request at most per MAX_BULK applications, as a reviewer's screen would send them.
    for request in bulk.chunks(bulk_review::MAX_BULK) {
        let input = BulkDecisionInput {
            application_ids: request.to_vec(),
            action: Verb::Approve,
            reason_code: None,
            reason_text: None,
        };
        let done = bulk_review::decide_many(&state.db, &state.pii, "http://x", &caller, &input)
            .await
            .expect("bulk");
        assert!(done.skipped.is_empty(), "skipped: {:?}", done.skipped);
        decided += done.decided.len();
    }
    let bulk_s = started.elapsed().as_secs_f64();
    assert_eq!(decided, bulk.len());

    println!(
        "{engine:<10} single: {single_n:>6} passes in {single_s:6.2} s = {:>7.0} passes/s",
        single_n as f64 / single_s
    );
    println!(
        "{engine:<10} bulk:   {:>6} passes in {bulk_s:6.2} s = {:>7.0} passes/s",
        bulk.len(),
        bulk.len() as f64 / bulk_s
    );
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing else of ours.
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    run("sqlite", &sqlite).await;

    let admin = std::env::var("EPASS_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is unreachable: {e}"));
    let name = format!("epass_bench_{}", std::process::id());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create bench database");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    run("postgresql", &format!("{base}/{name}")).await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .expect("drop bench database");
}
