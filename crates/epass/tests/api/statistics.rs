//! Dashboard statistics: a small history built through the API, rolled up from the log, read
//! back with exact figures; rolling up again counts nothing twice; only supervisors and system
//! admins of a whole authority read them.

use epass::actions::statistics::roll_up;
use epass::domain::roles::Role;
use serde_json::{Value, json};

use crate::flows::{apply, decide, setting};
use crate::helpers::{Auth, TestApp, spawn_app};
use crate::world::{self, PASSWORD};

/// 2026-11-02 at `h:m` Beijing time, in ms.
fn at(h: i64, m: i64) -> i64 {
    let midnight = time::macros::datetime!(2026-11-02 00:00 UTC).unix_timestamp() * 1000;
    midnight - 8 * 3_600_000 + h * 3_600_000 + m * 60_000
}

const DAY: &str = "2026-11-02";

/// Dates the application's events, in log order.
async fn date_events(app: &TestApp, application: i64, times: &[i64]) {
    use sqlx::Row as _;
    let rows = sqlx::query(
        "SELECT log_index FROM audit_events WHERE object_type = 'application' \
         AND object_id = $1 ORDER BY log_index",
    )
    .bind(application.to_string())
    .fetch_all(app.db().pool())
    .await
    .unwrap();
    assert_eq!(
        rows.len(),
        times.len(),
        "events of application {application}"
    );
    for (row, t) in rows.iter().zip(times) {
        sqlx::query("UPDATE audit_events SET at = $1 WHERE log_index = $2")
            .bind(*t)
            .bind(row.get::<i64, _>(0))
            .execute(app.db().pool())
            .await
            .unwrap();
    }
}

async fn sql(app: &TestApp, statement: &'static str, value: i64) {
    sqlx::query(statement)
        .bind(value)
        .execute(app.db().pool())
        .await
        .unwrap();
}

fn count(stats: &Value, group: &str, metric: &str, item: &str) -> i64 {
    stats["counts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["group"] == group && c["metric"] == metric && c["item"] == item)
        .map(|c| c["value"].as_i64().unwrap())
        .sum()
}

fn review(stats: &Value, group: &str, level: i64) -> (i64, i64, i64) {
    let r = stats["review_times"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["group"] == group && r["level"] == level)
        .unwrap_or_else(|| panic!("no review times for {group} level {level}: {stats}"));
    (
        r["decisions"].as_i64().unwrap(),
        r["median_minutes"].as_i64().unwrap(),
        r["p90_minutes"].as_i64().unwrap(),
    )
}

fn state(stats: &Value, group: &str, name: &str) -> i64 {
    stats["now"]["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["group"] == group && s["state"] == name)
        .map(|s| s["count"].as_i64().unwrap())
        .sum()
}

#[tokio::test]
async fn statistics_count_a_history_of_applications_decisions_passes_and_checks_exactly_once() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    world::user(&app, "13900000009", &s.world.region_a, &[Role::Supervisor]).await;
    let supervisor = app.login("13900000009", PASSWORD).await;
    let personnel = s.personnel_type.to_string();
    let org = s.world.a1.id.to_string();

    // Five applications, submitted at 08:00.
    let mut ids = Vec::new();
    for plate in ["蒙K12345", "蒙K54321", "蒙K11111", "蒙K22222", "蒙K11111"] {
        let submitted = apply(&app, &s, &s.applicant, s.values(plate, 0, 10)).await;
        ids.push(submitted["id"].as_i64().unwrap());
    }
    for id in &ids {
        date_events(&app, *id, &[at(8, 0)]).await;
    }
    let first = roll_up(app.db()).await.unwrap();
    assert!(first.counted >= 5, "{first:?}");

    // A: approved at both levels (10 min, then 2 h) → issued; B: 30 min and 30 min → issued,
    // later revoked; C: rejected at level 1 after an hour; D: returned after 5 min; E waits,
    // past its deadline.
    let &[a, b, c, d, e] = ids.as_slice() else {
        panic!("five applications")
    };
    let approve = |version: i64| json!({ "action": "approve", "version": version });
    let mut credentials = Vec::new();
    let mut passes = Vec::new();
    for id in [a, b] {
        let one = decide(&app, &s.org_admin, id, approve(1)).await;
        assert_eq!(one.status, 200, "{}", one.body);
        let two = decide(&app, &s.authority_reviewer, id, approve(2)).await;
        assert_eq!(two.status, 200, "{}", two.body);
        credentials.push(two.body["pass"]["credential"].as_str().unwrap().to_owned());
        passes.push(two.body["pass"]["id"].as_i64().unwrap());
    }
    let rejected = decide(
        &app,
        &s.org_admin,
        c,
        json!({ "action": "reject", "version": 1, "reason_code": "not_eligible",
                "reason_text": "不符合条件" }),
    )
    .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    let returned = decide(
        &app,
        &s.org_admin,
        d,
        json!({ "action": "return", "version": 1, "reason_text": "请补充" }),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.body);
    date_events(&app, a, &[at(8, 0), at(8, 10), at(10, 10)]).await;
    date_events(&app, b, &[at(8, 0), at(8, 30), at(9, 0)]).await;
    date_events(&app, c, &[at(8, 0), at(9, 0)]).await;
    date_events(&app, d, &[at(8, 0), at(8, 5)]).await;
    sql(
        &app,
        "UPDATE applications SET level_due_at = $1 WHERE status = 'in_review'",
        at(9, 0),
    )
    .await;
    assert_eq!(e, ids[4]);

    let revoked = app
        .post(
            &format!("/api/v1/passes/{}/status", passes[1]),
            Auth::Session(&s.authority_reviewer),
            json!({ "action": "revoke", "reason": "任务结束 / task over" }),
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    sql(
        &app,
        "UPDATE audit_events SET at = $1 WHERE object_type = 'pass'",
        at(11, 0),
    )
    .await;

    // Checks: A twice (once at a checkpoint), B once after its revocation.
    let checkpoint = {
        let mut tx = app.db().begin().await.unwrap();
        let new = epass::store::checkpoints::NewCheckpoint {
            org_id: s.world.a1.id,
            name: "测试卡口",
            longitude: 110.05,
            latitude: 40.4,
            guards: &[],
        };
        let cp = epass::store::checkpoints::insert(&mut tx, &new)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        cp.id
    };
    let mut outcomes = Vec::new();
    for (text, checkpoint) in [
        (&credentials[0], Some(checkpoint)),
        (&credentials[0], None),
        (&credentials[1], None),
    ] {
        let reply = app
            .post(
                "/api/v1/checks",
                Auth::Session(&s.officer),
                json!({ "text": text, "checkpoint_id": checkpoint }),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        outcomes.push(reply.body["code"].as_str().unwrap().to_owned());
    }
    assert_eq!(outcomes[2], "revoked");
    sql(&app, "UPDATE checks SET checked_at = $1", at(9, 15)).await;

    roll_up(app.db()).await.unwrap();
    let again = roll_up(app.db()).await.unwrap();
    assert_eq!(again.leaves, 0, "nothing new: {again:?}");

    let get = |by: &str| {
        let path = format!("/api/v1/statistics?from={DAY}&to={DAY}&by={by}");
        let app = &app;
        let supervisor = &supervisor;
        async move {
            let reply = app.get(&path, Auth::Session(supervisor)).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            reply.body
        }
    };
    let by_day = get("day").await;
    assert_eq!(by_day["authority_id"], s.world.region_a.id);
    assert_eq!(count(&by_day, DAY, "applications.submitted", ""), 5);
    assert_eq!(count(&by_day, DAY, "applications.decided", "approve"), 4);
    assert_eq!(count(&by_day, DAY, "applications.decided", "reject"), 1);
    assert_eq!(count(&by_day, DAY, "applications.decided", "return"), 1);
    assert_eq!(count(&by_day, DAY, "rejections", "not_eligible"), 1);
    assert_eq!(count(&by_day, DAY, "passes.issued", ""), 2);
    assert_eq!(count(&by_day, DAY, "passes.revoked", ""), 1);
    assert_eq!(count(&by_day, DAY, "checks.hour", "09"), 3);
    for outcome in &outcomes {
        let expected = outcomes.iter().filter(|o| *o == outcome).count() as i64;
        assert_eq!(
            count(&by_day, DAY, "checks", outcome),
            expected,
            "{outcome}"
        );
    }
    let rejection = &by_day["rejections"][0];
    assert_eq!(rejection["reason_code"], "not_eligible");
    assert_eq!(rejection["zh"], "不符合条件");
    assert_eq!(rejection["en"], "Not eligible");
    assert_eq!(rejection["count"], 1);
    // Level 1: 5, 10, 30 and 60 minutes; level 2: 30 minutes and 2 hours.
    assert_eq!(review(&by_day, DAY, 1), (4, 10, 60));
    assert_eq!(review(&by_day, DAY, 2), (2, 30, 120));
    assert_eq!(state(&by_day, "all", "issued"), 2);
    assert_eq!(state(&by_day, "all", "rejected"), 1);
    assert_eq!(state(&by_day, "all", "returned"), 1);
    assert_eq!(state(&by_day, "all", "in_review"), 1);
    assert_eq!(
        by_day["now"]["overdue"],
        json!([{ "group": "all", "level": 1, "count": 1 }])
    );
    assert_eq!(
        by_day["now"]["active_passes"],
        json!([{ "group": "all", "count": 1 }]),
        "B was revoked"
    );

    let by_type = get("pass_type").await;
    assert_eq!(count(&by_type, &personnel, "applications.submitted", ""), 5);
    assert_eq!(review(&by_type, &personnel, 1), (4, 10, 60));
    assert_eq!(state(&by_type, &personnel, "issued"), 2);
    assert_eq!(
        by_type["now"]["active_passes"],
        json!([{ "group": personnel, "count": 1 }])
    );

    let by_org = get("org").await;
    assert_eq!(count(&by_org, &org, "passes.issued", ""), 2);
    assert_eq!(count(&by_org, &org, "rejections", "not_eligible"), 1);
    assert_eq!(review(&by_org, &org, 2), (2, 30, 120));

    // A whole month is read from the month's rows: the same figures.
    let november = app
        .get(
            "/api/v1/statistics?from=2026-11-01&to=2026-11-30&by=org",
            Auth::Session(&supervisor),
        )
        .await;
    assert_eq!(november.status, 200, "{}", november.body);
    assert_eq!(count(&november.body, &org, "passes.issued", ""), 2);
    assert_eq!(count(&november.body, &org, "applications.submitted", ""), 5);
    assert_eq!(review(&november.body, &org, 1), (4, 10, 60));

    let by_checkpoint = get("checkpoint").await;
    let at_checkpoint = checkpoint.to_string();
    assert_eq!(
        count(&by_checkpoint, &at_checkpoint, "checks", &outcomes[0]),
        1
    );
    assert_eq!(
        count(&by_checkpoint, &at_checkpoint, "checks.hour", "09"),
        1
    );
    assert_eq!(count(&by_checkpoint, "0", "checks.hour", "09"), 2);

    let only = app
        .get(
            &format!("/api/v1/statistics?from={DAY}&to={DAY}&metric=passes.issued"),
            Auth::Session(&supervisor),
        )
        .await;
    assert_eq!(only.status, 200, "{}", only.body);
    assert_eq!(
        only.body["counts"],
        json!([{ "group": DAY, "metric": "passes.issued", "item": "", "value": 2 }])
    );

    // Another day holds none of it.
    let other = app
        .get(
            "/api/v1/statistics?from=2026-11-03&to=2026-11-03",
            Auth::Session(&supervisor),
        )
        .await;
    assert_eq!(other.body["counts"], json!([]));

    // Suspension takes A out of the active passes, resumption and extension keep it in once.
    for (action, expected) in [("suspend", 0), ("resume", 1)] {
        let reply = app
            .post(
                &format!("/api/v1/passes/{}/status", passes[0]),
                Auth::Session(&s.authority_reviewer),
                json!({ "action": action, "reason": "测试 / test" }),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        roll_up(app.db()).await.unwrap();
        let now = get("pass_type").await;
        assert_eq!(
            now["now"]["active_passes"],
            json!([{ "group": personnel, "count": expected }]),
            "after {action}"
        );
    }
    let extended = app
        .post(
            &format!("/api/v1/passes/{}/extend", passes[0]),
            Auth::Session(&s.authority_reviewer),
            json!({ "days": 30, "reason": "延期 / extended" }),
        )
        .await;
    assert_eq!(extended.status, 200, "{}", extended.body);
    roll_up(app.db()).await.unwrap();
    let recent = app
        .get(
            "/api/v1/statistics?by=pass_type&metric=passes.extended",
            Auth::Session(&supervisor),
        )
        .await;
    assert_eq!(count(&recent.body, &personnel, "passes.extended", ""), 1);
    assert_eq!(
        recent.body["now"]["active_passes"],
        json!([{ "group": personnel, "count": 1 }])
    );
}

#[tokio::test]
async fn only_supervisors_and_system_admins_of_the_authority_read_statistics() {
    let app = spawn_app().await;
    let w = world::build(&app).await;
    world::user(&app, "13900000001", &w.region_a, &[Role::Supervisor]).await;
    world::user(&app, "13900000002", &w.region_b, &[Role::SystemAdmin]).await;
    world::user(&app, "13900000003", &w.a1, &[Role::Supervisor]).await;
    world::user(&app, "13900000004", &w.region_a, &[Role::AuthorityReviewer]).await;
    let a = app.login("13900000001", PASSWORD).await;
    let b = app.login("13900000002", PASSWORD).await;
    let department = app.login("13900000003", PASSWORD).await;
    let reviewer = app.login("13900000004", PASSWORD).await;
    let path = |authority: i64| format!("/api/v1/statistics?authority={authority}");

    let own = app.get(&path(w.region_a.id), Auth::Session(&a)).await;
    assert_eq!(own.status, 200, "{}", own.body);
    let default = app.get("/api/v1/statistics", Auth::Session(&b)).await;
    assert_eq!(default.status, 200, "{}", default.body);
    assert_eq!(default.body["authority_id"], w.region_b.id);
    for (who, authority) in [
        (&a, w.region_b.id),
        (&b, w.region_a.id),
        (&department, w.region_a.id),
        (&reviewer, w.region_a.id),
    ] {
        let reply = app.get(&path(authority), Auth::Session(who)).await;
        assert_eq!(reply.status, 403, "{}", reply.body);
    }
    for query in [
        "from=2026-11-02&to=2026-11-01",
        "from=2025-01-01&to=2026-11-01",
        "from=2026-13-01",
        "by=week",
    ] {
        let reply = app
            .get(&format!("/api/v1/statistics?{query}"), Auth::Session(&a))
            .await;
        assert!(
            reply.status == 422 || reply.status == 400,
            "{query}: {} {}",
            reply.status,
            reply.body
        );
    }
}
