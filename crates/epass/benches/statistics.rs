//! The dashboard's statistics at scale, on SQLite and PostgreSQL: rollups representing
//! `EPASS_BENCH_PASSES` passes (default 10,000,000) issued over a year (4 pass types, 50
//! organisations, 30 checkpoints: about 0.75 million counter rows and 0.5 million review-time
//! rows, as many whatever the number of passes), written by bulk SQL, with the month rows of
//! flows summed from the day rows as the roll-up writes them; plus one day's new log leaves
//! (per pass: submitted, two decisions, issued, five checks) with their applications and
//! passes. Prints the time of one statistics query over a year by day, by pass type and by
//! organisation, the time of one roll-up of a minute's new leaves, and the rate of catching up
//! with the rest of the day.
//!
//! `cargo bench -p epass --bench statistics` (PostgreSQL from `EPASS_BENCH_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`; a database is created and dropped for the run).

use std::time::{Duration, Instant};

use epass::actions::statistics::{self, By, StatisticsQuery};
use epass::actions::{Actor, Caller};
use epass::domain::roles::{Grant, Role};
use epass::store::Db;
use sqlx::Connection as _;
use sqlx::Row as _;

const TYPES: i64 = 4;
const ORGS: i64 = 50;
const CHECKPOINTS: i64 = 30;
const DAYS: i64 = 365;
const CHECKS_PER_PASS: i64 = 5;
/// Leaves per pass in the day of new events: submitted, two decisions, issued, the checks.
const LEAVES_PER_PASS: i64 = 4 + CHECKS_PER_PASS;

fn passes() -> i64 {
    std::env::var("EPASS_BENCH_PASSES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(10_000_000)
}

async fn exec(db: &Db, sql: String) {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(db.pool())
        .await
        .expect("bench statement");
}

async fn scalar(db: &Db, sql: &'static str) -> i64 {
    sqlx::query(sql)
        .fetch_one(db.pool())
        .await
        .expect("scalar")
        .get(0)
}

/// Builds the world: an authority, its pass types, organisations, checkpoints and a user.
async fn world(db: &Db) -> (epass::store::orgs::Org, i64, i64, i64, i64) {
    let actor = Actor::default();
    let authority = epass::actions::orgs::create_authority(db, &actor, "基准指挥部", "150621")
        .await
        .expect("authority");
    let types = epass::actions::pass_types::seed_standard(db, &actor, authority.id)
        .await
        .expect("types");
    assert_eq!(types.len() as i64, TYPES);
    let mut tx = db.begin().await.expect("begin");
    let mut orgs = Vec::new();
    for i in 0..ORGS {
        let name = format!("部门{i}");
        let org = epass::store::orgs::insert(
            &mut tx,
            &epass::store::orgs::NewOrg {
                parent: Some(&authority),
                kind: epass::store::orgs::OrgKind::Department,
                name: &name,
                division_code: "150621",
                credit_code: None,
                credit_code_override_by: None,
            },
        )
        .await
        .expect("org");
        orgs.push(org.id);
    }
    let mut checkpoints = Vec::new();
    for i in 0..CHECKPOINTS {
        let name = format!("卡口{i}");
        let cp = epass::store::checkpoints::insert(
            &mut tx,
            &epass::store::checkpoints::NewCheckpoint {
                org_id: orgs[0],
                name: &name,
                longitude: 110.0,
                latitude: 40.0,
                guards: &[],
            },
        )
        .await
        .expect("checkpoint");
        checkpoints.push(cp.id);
    }
    tx.commit().await.expect("commit");
    let user: i64 = sqlx::query(
        "INSERT INTO users (phone, name, org_id, created_at) VALUES ('13000000000', '基准', $1, 0) \
         RETURNING id",
    )
    .bind(orgs[0])
    .fetch_one(db.pool())
    .await
    .expect("user")
    .get(0);
    // The bulk SQL below numbers them from the first: they must be consecutive.
    for ids in [
        types.iter().map(|t| t.id).collect::<Vec<_>>(),
        orgs.clone(),
        checkpoints.clone(),
    ] {
        assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
    }
    (authority, types[0].id, orgs[0], checkpoints[0], user)
}

/// `n(0..count)` as a recursive CTE (both engines).
fn numbers(name: &str, count: i64) -> String {
    format!(
        "{name}(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM {name} WHERE n < {})",
        count - 1
    )
}

/// A year of rollups for `total` passes, ending yesterday.
async fn fill_year(db: &Db, authority: i64, first: (i64, i64, i64), total: i64) {
    let (t0, o0, c0) = first;
    let today = statistics::day_of(epass::store::now_ms());
    let per_day = (total / DAYS).max(1);
    // (metric, item, share of the day's passes in percent)
    let metrics = "metrics(metric, item, share) AS (VALUES \
        ('applications.submitted', '', 115), ('applications.resubmitted', '', 5), \
        ('applications.decided', 'approve', 200), ('applications.decided', 'reject', 10), \
        ('applications.decided', 'return', 5), ('rejections', 'not_eligible', 5), \
        ('rejections', 'documents_missing', 3), ('rejections', 'false_information', 2), \
        ('passes.issued', '', 100), ('passes.suspended', '', 2), ('passes.resumed', '', 1), \
        ('passes.revoked', '', 3), ('passes.extended', '', 4), ('passes.live_until', '', 95), \
        ('checks', 'valid', 480), ('checks', 'revoked', 5), ('checks', 'expired', 5), \
        ('checks', 'outside_zone', 5), ('checks', 'outside_time', 3), ('checks', 'invalid.signature', 2))";
    let days = format!(
        "days(d) AS (SELECT {} UNION ALL SELECT d + 1 FROM days WHERE d < {})",
        today - DAYS,
        today - 1
    );
    let insert = "INSERT INTO statistics_counts (authority_id, cube, pass_type_id, \
                  org_id, checkpoint_id, day, metric, item, value)";
    let cubes = [
        // the authority's totals
        (
            String::from("one(n) AS (SELECT 0)"),
            "one",
            "-1",
            "-1",
            "-1",
            "1",
        ),
        (
            numbers("types", TYPES),
            "types",
            "{t0} + n",
            "-1",
            "-1",
            "4",
        ),
        (numbers("orgs", ORGS), "orgs", "-1", "{o0} + n", "-1", "50"),
    ];
    for (dims, table, t, o, c, split) in cubes {
        let t = t.replace("{t0}", &t0.to_string());
        let o = o.replace("{o0}", &o0.to_string());
        let cube = if t != "-1" {
            1
        } else if o != "-1" {
            2
        } else {
            0
        };
        exec(
            db,
            format!(
                "WITH RECURSIVE {days}, {dims}, {metrics} {insert} \
                 SELECT {authority}, {cube}, {t}, {o}, {c}, d, metric, item, \
                 {per_day} * share / 100 / {split} + 1 FROM days, {table}, metrics"
            ),
        )
        .await;
    }
    // checks per checkpoint (outcomes) and per hour (total and per checkpoint)
    let hours = numbers("hours", 24);
    let cps = numbers("cps", CHECKPOINTS);
    exec(
        db,
        format!(
            "WITH RECURSIVE {days}, {cps}, {metrics} {insert} \
             SELECT {authority}, 3, -1, -1, {c0} + n, d, metric, item, \
             {per_day} * share / 100 / {CHECKPOINTS} + 1 FROM days, cps, metrics \
             WHERE metric = 'checks'"
        ),
    )
    .await;
    exec(
        db,
        format!(
            "WITH RECURSIVE {days}, {hours}, {cps} {insert} \
             SELECT {authority}, 3, -1, -1, {c0} + cps.n, d, 'checks.hour', \
             CASE WHEN hours.n < 10 THEN '0' ELSE '' END || CAST(hours.n AS TEXT), \
             {per_day} * 5 / 24 / {CHECKPOINTS} + 1 FROM days, hours, cps"
        ),
    )
    .await;
    exec(
        db,
        format!(
            "WITH RECURSIVE {days}, {hours} {insert} \
             SELECT {authority}, 0, -1, -1, -1, d, 'checks.hour', \
             CASE WHEN n < 10 THEN '0' ELSE '' END || CAST(n AS TEXT), \
             {per_day} * 5 / 24 + 1 FROM days, hours"
        ),
    )
    .await;
    // review times: 2 levels × 12 buckets per cube and day
    let buckets = numbers("buckets", 12);
    let levels = numbers("levels", 2);
    let hist = "INSERT INTO statistics_review_times (authority_id, cube, pass_type_id, org_id, \
                day, level, bucket, decisions)";
    for (dims, table, t, o) in [
        (String::from("one(n) AS (SELECT 0)"), "one", "-1", "-1"),
        (numbers("types", TYPES), "types", "{t0} + one.n", "-1"),
        (numbers("orgs", ORGS), "orgs", "-1", "{o0} + one.n"),
    ] {
        let t = t
            .replace("{t0}", &t0.to_string())
            .replace("one.n", &format!("{table}.n"));
        let o = o
            .replace("{o0}", &o0.to_string())
            .replace("one.n", &format!("{table}.n"));
        let cube = if t != "-1" {
            1
        } else if o != "-1" {
            2
        } else {
            0
        };
        exec(
            db,
            format!(
                "WITH RECURSIVE {days}, {dims}, {buckets}, {levels} {hist} \
                 SELECT {authority}, {cube}, {t}, {o}, d, levels.n + 1, buckets.n + 4, \
                 {per_day} / 12 + 1 FROM days, {table}, buckets, levels"
            ),
        )
        .await;
    }
}

/// The month rows the roll-up writes beside the day rows of flows.
async fn fill_months(db: &Db) {
    let today = statistics::day_of(epass::store::now_ms());
    let pairs: Vec<String> = ((today - DAYS)..today)
        .map(|d| format!("({d}, {})", statistics::month_key(d)))
        .collect();
    let dm = format!("dm(d, m) AS (VALUES {})", pairs.join(", "));
    exec(
        db,
        format!(
            "WITH {dm} INSERT INTO statistics_counts (authority_id, cube, pass_type_id, org_id, \
             checkpoint_id, day, metric, item, value) \
             SELECT authority_id, cube, pass_type_id, org_id, checkpoint_id, dm.m, metric, item, \
             SUM(value) FROM statistics_counts JOIN dm ON dm.d = day \
             WHERE metric <> 'passes.live_until' \
             GROUP BY authority_id, cube, pass_type_id, org_id, checkpoint_id, dm.m, metric, item"
        ),
    )
    .await;
    exec(
        db,
        format!(
            "WITH {dm} INSERT INTO statistics_review_times (authority_id, cube, pass_type_id, \
             org_id, day, level, bucket, decisions) \
             SELECT authority_id, cube, pass_type_id, org_id, dm.m, level, bucket, \
             SUM(decisions) FROM statistics_review_times JOIN dm ON dm.d = day \
             GROUP BY authority_id, cube, pass_type_id, org_id, dm.m, level, bucket"
        ),
    )
    .await;
}

/// One day's new leaves for `per_day` passes, after the log's present end; returns their count.
async fn fill_day(db: &Db, authority: i64, first: (i64, i64, i64, i64), per_day: i64) -> i64 {
    let (t0, o0, c0, user) = first;
    let base = scalar(db, "SELECT size FROM merkle_log WHERE id = 1").await;
    let now = epass::store::now_ms();
    let start = now - 86_400_000;
    let step = 86_400_000 / per_day.max(1);
    let until = now + 30 * 86_400_000;
    let k = numbers("k", per_day);
    exec(
        db,
        format!(
            "WITH RECURSIVE {k} INSERT INTO applications (id, pass_type_id, pass_type_version, \
             authority_id, applicant_id, org_id, form, holder_name, valid_from, valid_until, \
             status, level, priority, promised_at, submitted_at, updated_at) \
             SELECT 1000000 + n, {t0} + n % {TYPES}, 1, {authority}, {user}, {o0} + n % {ORGS}, \
             '{{}}', '张三', {start}, {until}, 'issued', 2, 0, {now}, {start}, {now} FROM k"
        ),
    )
    .await;
    exec(
        db,
        format!(
            "WITH RECURSIVE {k} INSERT INTO passes (id, application_id, pass_number, authority_id, \
             kind, issuer_code, kid, status_index, status, holder_id, holder_name, valid_from, \
             valid_until, credential, issued_at) \
             SELECT 1000000 + n, 1000000 + n, 'B' || CAST(n AS TEXT), {authority}, \
             'personnel_vehicle', 'bench', 'kid', n, 'active', {user}, '张三', {start}, {until}, \
             'x', {now} FROM k"
        ),
    )
    .await;
    let event = |offset: i64, action: &str, object: &str, before: &str, after: &str| {
        format!(
            "WITH RECURSIVE {k} INSERT INTO audit_events (at, actor_user_id, actor_role, action, \
             object_type, object_id, before_summary, after_summary, log_index) \
             SELECT {start} + n * {step} + {offset}, {user}, 'reviewer', '{action}', \
             '{object}', {id}, '{before}', '{after}', {base} + n * {LEAVES_PER_PASS} + {offset} \
             FROM k",
            id = if object == "pass" {
                "'B' || CAST(n AS TEXT)"
            } else {
                "CAST(1000000 + n AS TEXT)"
            },
        )
    };
    exec(
        db,
        event(0, "application.submitted", "application", "{}", "{}"),
    )
    .await;
    exec(
        db,
        event(
            1,
            "application.decided",
            "application",
            r#"{"status":"in_review","level":1}"#,
            r#"{"action":"approve","status":"in_review","level":2}"#,
        ),
    )
    .await;
    exec(
        db,
        event(
            2,
            "application.decided",
            "application",
            r#"{"status":"in_review","level":2}"#,
            r#"{"action":"approve","status":"issued","level":2}"#,
        ),
    )
    .await;
    exec(
        db,
        event(
            3,
            "pass.issued",
            "pass",
            "{}",
            &format!(r#"{{"valid_until":{until}}}"#),
        ),
    )
    .await;
    for c in 0..CHECKS_PER_PASS {
        exec(
            db,
            format!(
                "WITH RECURSIVE {k} INSERT INTO checks (pass_id, pass_number, checkpoint_id, \
                 officer_id, checked_at, outcome, recorded_at, log_index) \
                 SELECT 1000000 + n, 'B' || CAST(n AS TEXT), {c0} + (n + {c}) % {CHECKPOINTS}, \
                 {user}, {start} + n * {step} + 4 + {c}, 'valid', {now}, \
                 {base} + n * {LEAVES_PER_PASS} + 4 + {c} FROM k"
            ),
        )
        .await;
    }
    let leaves = per_day * LEAVES_PER_PASS;
    exec(
        db,
        format!(
            "UPDATE merkle_log SET size = {} WHERE id = 1",
            base + leaves
        ),
    )
    .await;
    leaves
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

async fn run(engine: &str, url: &str, total: i64) {
    let db = Db::open(url).await.expect("open");
    let (authority, t0, o0, c0, user) = world(&db).await;
    statistics::roll_up(&db).await.expect("roll up the setup");
    let started = Instant::now();
    fill_year(&db, authority.id, (t0, o0, c0), total).await;
    fill_months(&db).await;
    let per_day = (total / DAYS).max(1);
    let leaves = fill_day(&db, authority.id, (t0, o0, c0, user), per_day).await;
    let rows = scalar(&db, "SELECT COUNT(*) FROM statistics_counts").await;
    let hist = scalar(&db, "SELECT COUNT(*) FROM statistics_review_times").await;
    println!(
        "{engine}: {total} passes over a year → {rows} counter rows, {hist} review-time rows; \
         a day's {leaves} new leaves ({per_day} passes); filled in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let caller = Caller {
        user_id: user,
        grants: vec![Grant {
            role: Role::Supervisor,
            org_id: authority.id,
            org_path: authority.path.clone(),
        }],
        token_scopes: None,
        client_addr: None,
    };
    let today = statistics::day_of(epass::store::now_ms());
    let date = |day: i64| {
        time::Date::from_julian_day((day + 2_440_588) as i32)
            .expect("date")
            .to_string()
    };
    for by in [By::Day, By::PassType, By::Org] {
        let q = StatisticsQuery {
            authority: Some(authority.id),
            from: Some(date(today - DAYS)),
            to: Some(date(today)),
            by: Some(by),
            metric: None,
        };
        // One warm-up, then the best and the mean of five.
        statistics::query(&db, &caller, &q).await.expect("query");
        let mut times = Vec::new();
        let mut series = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let s = statistics::query(&db, &caller, &q).await.expect("query");
            times.push(t.elapsed());
            series = s.counts.len() + s.review_times.len();
        }
        let mean = times.iter().sum::<Duration>() / times.len() as u32;
        println!(
            "{engine}: one query, a year by {by:?}: {} mean, {} best ({series} figures)",
            ms(mean),
            ms(*times.iter().min().expect("five"))
        );
    }

    let minute = (leaves / 1440).max(1);
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let r = statistics::roll_up_step(&db, minute)
            .await
            .expect("roll up");
        times.push(t.elapsed());
        assert_eq!(r.leaves, minute);
    }
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "{engine}: one roll-up of a minute's {minute} new leaves: {} mean, {} worst (20 runs)",
        ms(mean),
        ms(*times.iter().max().expect("twenty"))
    );
    let t = Instant::now();
    let rest = statistics::roll_up(&db).await.expect("catch up");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{engine}: catching up with the rest of the day: {} leaves in {secs:.1} s ({:.0} leaves/s)",
        rest.leaves,
        rest.leaves as f64 / secs
    );
    let issued = scalar(
        &db,
        "SELECT COALESCE(CAST(SUM(value) AS BIGINT), 0) FROM statistics_counts \
         WHERE metric = 'passes.issued' AND cube = 0 AND day >= 0",
    )
    .await;
    println!("{engine}: passes issued in the rollups after the day: {issued}");
    db.pool().close().await;
}

fn main() {
    let total = passes();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/stats.db?mode=rwc", dir.path().display());
        run("SQLite", &url, total).await;

        let admin = std::env::var("EPASS_BENCH_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(b, _)| b)
            .to_owned();
        let name = "epass_bench_statistics";
        match sqlx::PgConnection::connect(&admin).await {
            Ok(mut conn) => {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name}"
                )))
                .execute(&mut conn)
                .await;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                run("PostgreSQL", &format!("{base}/{name}"), total).await;
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
                    .execute(&mut conn)
                    .await;
            }
            Err(e) => println!("PostgreSQL skipped: {admin} unreachable: {e}"),
        }
    });
}
