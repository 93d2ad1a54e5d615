//! The tamper-evident log's cost: appending events with the log (and a signed tree head every
//! 10,000 events) against inserting the same events without it, on SQLite and PostgreSQL, in
//! transactions of 1,000 events for both, in alternating rounds; the time to verify the whole log; and the time of one
//! inclusion proof at 10 million leaves (in memory) and at the benchmark's size (database).
//!
//! `cargo bench -p epass --bench merkle_log` (PostgreSQL from `EPASS_BENCH_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`; databases are created and dropped for the run).
//! `EPASS_BENCH_EVENTS` sets the count (default 1,000,000), `EPASS_BENCH_PROOF_LEAVES` the
//! in-memory tree (default 10,000,000), `EPASS_BENCH_BATCH` the events per transaction (default
//! 1,000; the service's own transactions hold a few events each).

use std::time::{Duration, Instant};

use epass::actions::{Actor, log, log_verify};
use epass::pii::PiiKeys;
use epass::store::{Db, audit};
use epass_credential::merkle::{self, MemoryLog};
use sqlx::Connection as _;

const MASTER: [u8; 32] = [7; 32];
const HEAD_EVERY: usize = 10_000;
/// Rounds of the two arms, alternating.
const ROUNDS: usize = 10;

/// Events per transaction.
fn batch() -> usize {
    count("EPASS_BENCH_BATCH", 1000).max(1)
}

fn count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The same event for both arms.
fn event(actor: &Actor, i: usize) -> audit::NewEvent<'_> {
    let mut e = actor.event("application.decided", "application", i);
    e.after = Some(serde_json::json!({ "decision": "approve", "level": 1 }));
    e
}

/// The events without the log: the statement `audit::insert` ran before the log existed.
async fn insert_plain(db: &Db, n: usize) -> Duration {
    let actor = Actor::default();
    let start = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(batch()) {
        let mut tx = db.begin().await.expect("begin");
        for i in chunk {
            let e = event(&actor, *i);
            sqlx::query(
                "INSERT INTO audit_events (at, actor_user_id, actor_role, action, object_type, \
                 object_id, before_summary, after_summary, client_addr) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(epass::store::now_ms())
            .bind(e.actor_user_id)
            .bind(e.actor_role)
            .bind(e.action)
            .bind(e.object_type)
            .bind(&e.object_id)
            .bind(e.before.as_ref().map(|v| v.to_string()))
            .bind(e.after.as_ref().map(|v| v.to_string()))
            .bind(e.client_addr)
            .fetch_one(&mut *tx)
            .await
            .expect("insert");
        }
        tx.commit().await.expect("commit");
    }
    start.elapsed()
}

/// The events with the log, and a signed tree head every `HEAD_EVERY` events.
async fn insert_logged(db: &Db, pii: &PiiKeys, n: usize) -> Duration {
    let actor = Actor::default();
    let start = Instant::now();
    for (c, chunk) in (0..n).collect::<Vec<_>>().chunks(batch()).enumerate() {
        let mut tx = db.begin().await.expect("begin");
        for i in chunk {
            audit::insert(&mut tx, &event(&actor, *i))
                .await
                .expect("insert");
        }
        tx.commit().await.expect("commit");
        if ((c + 1) * batch()).is_multiple_of(HEAD_EVERY) {
            log::publish(db, pii, true).await.expect("tree head");
        }
    }
    log::publish(db, pii, true).await.expect("tree head");
    start.elapsed()
}

async fn run(engine: &str, plain_url: &str, logged_url: &str, n: usize) {
    let pii = PiiKeys::from_master_secret(&MASTER);
    let plain_db = Db::open(plain_url).await.expect("open");
    let logged_db = Db::open(logged_url).await.expect("open");
    // The arms alternate in rounds, each going first in turn, so that whatever else the
    // machine does weighs on both alike.
    let (mut plain, mut logged) = (Duration::ZERO, Duration::ZERO);
    let per_round = n.div_ceil(ROUNDS);
    for round in 0..ROUNDS {
        let this = per_round.min(n - (round * per_round).min(n));
        if round % 2 == 0 {
            plain += insert_plain(&plain_db, this).await;
            logged += insert_logged(&logged_db, &pii, this).await;
        } else {
            logged += insert_logged(&logged_db, &pii, this).await;
            plain += insert_plain(&plain_db, this).await;
        }
    }
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "{engine}, {} events per transaction: {n} events without the log {:.1} s ({:.0}/s); with the log and a tree head \
         every {HEAD_EVERY}: {:.1} s ({:.0}/s); the log costs {:+.1}% (ratio {:.2})",
        batch(),
        plain.as_secs_f64(),
        rate(plain),
        logged.as_secs_f64(),
        rate(logged),
        (logged.as_secs_f64() / plain.as_secs_f64() - 1.0) * 100.0,
        rate(logged) / rate(plain),
    );
    let start = Instant::now();
    let rebuilt = log_verify::verify(&logged_db).await.expect("verify");
    let verify = start.elapsed();
    assert!(rebuilt.report.is_ok(), "{:?}", rebuilt.report.findings);
    println!(
        "{engine}: verifying the whole log ({} leaves, {} tree heads): {:.2} s",
        rebuilt.report.size,
        rebuilt.report.heads,
        verify.as_secs_f64()
    );
    let size = rebuilt.report.size;
    let rounds = 200u64;
    let start = Instant::now();
    for k in 0..rounds {
        let index = k.wrapping_mul(2_654_435_761) % size;
        let (leaf, proof, root) = log::inclusion(&logged_db, index, size)
            .await
            .expect("proof");
        merkle::verify_inclusion(index, size, &leaf, &proof, &root).expect("verifies");
    }
    println!(
        "{engine}: one inclusion proof from the database at {size} leaves: {:.3} ms",
        start.elapsed().as_secs_f64() * 1000.0 / rounds as f64
    );
    plain_db.pool().close().await;
    logged_db.pool().close().await;
}

fn proof_in_memory(leaves: u64) {
    let start = Instant::now();
    let mut log = MemoryLog::new();
    for i in 0..leaves {
        log.push(merkle::leaf_hash(&i.to_be_bytes()));
    }
    println!(
        "memory: {leaves} leaves appended in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let root = log.root();
    let rounds = 10_000u64;
    let start = Instant::now();
    for k in 0..rounds {
        let index = k.wrapping_mul(2_654_435_761) % leaves;
        let proof = log.inclusion_proof(index, leaves).expect("proof");
        let leaf = log.leaf(index).expect("leaf");
        merkle::verify_inclusion(index, leaves, leaf, &proof, &root).expect("verifies");
    }
    println!(
        "memory: one inclusion proof (made and verified) at {leaves} leaves: {:.1} µs",
        start.elapsed().as_secs_f64() * 1e6 / rounds as f64
    );
}

fn main() {
    let n = count("EPASS_BENCH_EVENTS", 1_000_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = |name: &str| format!("sqlite://{}/{name}.db?mode=rwc", dir.path().display());
        run("SQLite", &url("plain"), &url("logged"), n).await;

        let admin = std::env::var("EPASS_BENCH_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(b, _)| b)
            .to_owned();
        let names = ["epass_bench_log_plain", "epass_bench_log_logged"];
        match sqlx::PgConnection::connect(&admin).await {
            Ok(mut conn) => {
                for name in names {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name}"
                    )))
                    .execute(&mut conn)
                    .await;
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                        .execute(&mut conn)
                        .await
                        .expect("create database");
                }
                run(
                    "PostgreSQL",
                    &format!("{base}/{}", names[0]),
                    &format!("{base}/{}", names[1]),
                    n,
                )
                .await;
                for name in names {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
                        .execute(&mut conn)
                        .await;
                }
            }
            Err(e) => println!("PostgreSQL skipped: {admin} unreachable: {e}"),
        }
    });
    proof_in_memory(count("EPASS_BENCH_PROOF_LEAVES", 10_000_000) as u64);
}
