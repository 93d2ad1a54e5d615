//! The store on both engines: migrations, durability, and all-or-nothing transactions.

use epass::actions::Actor;
use epass::store::{Db, Engine, audit, orgs};
use sqlx::Row as _;

use crate::helpers::{fresh_db, fresh_db_url, postgres};

#[tokio::test]
async fn the_database_runs_on_the_engine_the_run_asked_for() {
    let db = fresh_db().await;
    let expected = if postgres() {
        Engine::Postgres
    } else {
        Engine::Sqlite
    };
    assert_eq!(db.engine(), expected);
}

#[tokio::test]
async fn durability_settings_are_in_force_on_every_connection() {
    let db = fresh_db().await;
    db.assert_durability().await.expect("durable");
    // Several connections at once: each one got the settings.
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(db.pool().acquire().await.unwrap());
    }
    for conn in &mut conns {
        match db.engine() {
            Engine::Sqlite => {
                let mode: String = sqlx::query("PRAGMA journal_mode")
                    .fetch_one(&mut **conn)
                    .await
                    .unwrap()
                    .get(0);
                let sync: i64 = sqlx::query("PRAGMA synchronous")
                    .fetch_one(&mut **conn)
                    .await
                    .unwrap()
                    .get(0);
                assert_eq!(mode, "wal");
                assert_eq!(sync, 2, "synchronous=FULL");
            }
            Engine::Postgres => {
                let value: String = sqlx::query("SHOW synchronous_commit")
                    .fetch_one(&mut **conn)
                    .await
                    .unwrap()
                    .get(0);
                assert_eq!(value, "on");
            }
        }
    }
}

#[tokio::test]
async fn reopening_a_database_applies_no_migration_twice_and_keeps_the_data() {
    let url = fresh_db_url().await;
    let db = Db::open(&url).await.unwrap();
    orgs_count_is(&db, 0).await;
    epass::actions::orgs::create_authority(&db, &Actor::default(), "天津市指挥部", "120000")
        .await
        .unwrap();
    db.pool().close().await;
    let again = Db::open(&url).await.unwrap();
    orgs_count_is(&again, 1).await;
    let applied: i64 = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(again.pool())
        .await
        .unwrap()
        .get(0);
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count();
    assert_eq!(applied, i64::try_from(files).unwrap());
}

async fn orgs_count_is(db: &Db, n: i64) {
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM orgs")
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, n);
}

#[tokio::test]
async fn a_change_that_fails_half_way_leaves_neither_the_change_nor_its_audit_event() {
    let db = fresh_db().await;
    let actor = Actor::default();
    let org = epass::actions::orgs::create_authority(&db, &actor, "威海市指挥部", "371000")
        .await
        .unwrap();
    let events_before = audit::count(db.pool()).await.unwrap();

    let mut tx = db.begin().await.unwrap();
    let child = orgs::insert(
        &mut tx,
        &orgs::NewOrg {
            parent: Some(&org),
            kind: orgs::OrgKind::Company,
            name: "威海顺丰物流",
            division_code: "371000",
            credit_code: Some("91350100M000100Y43"),
            credit_code_override_by: None,
        },
    )
    .await
    .unwrap();
    audit::insert(&mut tx, &actor.event("org.created", "org", child.id))
        .await
        .unwrap();
    // The second half fails: the same credit code again violates the unique index.
    let second = orgs::insert(
        &mut tx,
        &orgs::NewOrg {
            parent: Some(&org),
            kind: orgs::OrgKind::Company,
            name: "另一家公司",
            division_code: "371000",
            credit_code: Some("91350100M000100Y43"),
            credit_code_override_by: None,
        },
    )
    .await;
    assert!(matches!(second, Err(epass::store::StoreError::Conflict)));
    drop(tx); // rolled back

    orgs_count_is(&db, 1).await;
    assert_eq!(audit::count(db.pool()).await.unwrap(), events_before);
}

#[tokio::test]
async fn an_action_writes_its_audit_event_in_the_same_transaction() {
    let db = fresh_db().await;
    let org =
        epass::actions::orgs::create_authority(&db, &Actor::default(), "天津市指挥部", "120000")
            .await
            .unwrap();
    let events = audit::list(
        db.pool(),
        &audit::Filter {
            object_type: Some("org".into()),
            object_id: Some(org.id.to_string()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "org.created");
    assert_eq!(events[0].after.as_ref().unwrap()["division_code"], "120000");
}

#[tokio::test]
async fn an_unsupported_database_url_is_a_clear_error() {
    let err = Db::open("mysql://localhost/x").await.unwrap_err();
    assert!(
        err.to_string().contains("sqlite:// or postgres://"),
        "{err}"
    );
}
