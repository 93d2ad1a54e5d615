//! Signing keys sealed at rest, rotation, withdrawal, and the signed bundle checkpoints sync.

use base64::Engine as _;
use epass::actions::{Actor, keys};
use epass_credential::{Approval, Claims, Context, Kind, PublicKey, Verdict, Verifier};
use sqlx::Row as _;

use crate::helpers::{Auth, TestApp, spawn_app};
use crate::world;

async fn verifier(app: &TestApp, authority: i64) -> Verifier {
    let anchor = app
        .get(
            &format!("/api/v1/trust-anchor?authority={authority}"),
            Auth::None,
        )
        .await;
    assert_eq!(anchor.status, 200, "{:?}", anchor.body);
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(anchor.body["public_key"].as_str().unwrap())
        .unwrap();
    let mut verifier = Verifier::new();
    verifier
        .add_trust_anchor(PublicKey::from_bytes(epass_credential::Algorithm::EdDsa, &raw).unwrap());
    install_latest(app, authority, &mut verifier).await;
    verifier
}

async fn install_latest(app: &TestApp, authority: i64, verifier: &mut Verifier) {
    let bytes = app
        .http
        .get(app.url(&format!("/api/v1/bundle?authority={authority}")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    verifier.install(&bytes).expect("bundle installs");
}

fn claims(now: i64) -> Claims {
    Claims {
        pass_number: "150621000001".into(),
        kind: Kind::PersonnelVehicle,
        issuer: "150621".into(),
        holder_name: "张三".into(),
        masked_id: Some("110***********002X".into()),
        plate: Some("蒙K12345".into()),
        vehicle_type: None,
        holder_category: None,
        zones: Vec::new(),
        road_sections: Vec::new(),
        time_windows: Vec::new(),
        utc_offset_minutes: 480,
        not_before: now,
        expires: now + 30 * 86_400,
        issued_at: now,
        approvals: vec![Approval {
            reviewer: "李审核".into(),
            date: now / 86_400,
        }],
        status_index: None,
        freight: None,
        licence: None,
        rules: None,
    }
}

/// Signs with the authority's active issuer key, as issuance will.
async fn sign_with_active_key(app: &TestApp, authority: i64, now: i64) -> String {
    let stored = epass::store::keys::for_authority(app.db().pool(), authority)
        .await
        .unwrap();
    let key = stored
        .iter()
        .rev()
        .find(|k| k.purpose == epass::store::keys::KeyPurpose::Issuer && k.retired_at.is_none())
        .unwrap();
    let pair = keys::open_key(&app.state.pii, key).unwrap();
    epass_credential::issue(&claims(now), &pair).unwrap()
}

fn now() -> i64 {
    epass::store::now_ms() / 1000
}

#[tokio::test]
async fn an_authority_gets_sealed_keys_and_a_bundle_that_verifies_its_credentials() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let authority = world.region_a.id;
    assert!(
        keys::ensure_authority_keys(app.db(), &app.state.pii, &Actor::default(), authority)
            .await
            .unwrap()
    );
    assert!(
        !keys::ensure_authority_keys(app.db(), &app.state.pii, &Actor::default(), authority)
            .await
            .unwrap()
    );

    // The secret is stored sealed: the raw secret bytes appear nowhere in the row.
    let stored = epass::store::keys::for_authority(app.db().pool(), authority)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    for key in &stored {
        let secret = keys::open_key(&app.state.pii, key).unwrap().secret_bytes();
        assert!(
            !key.secret_sealed
                .windows(secret.len())
                .any(|w| w == secret.as_slice())
        );
    }

    let verifier = verifier(&app, authority).await;
    let text = sign_with_active_key(&app, authority, now()).await;
    let outcome = verifier.verify(&text, &Context::at(now() + 60));
    assert_eq!(outcome.verdict, Verdict::Valid, "{outcome:?}");
}

#[tokio::test]
async fn a_rotated_key_keeps_verifying_what_it_signed_and_the_new_one_signs_from_then_on() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let authority = world.region_a.id;
    keys::ensure_authority_keys(app.db(), &app.state.pii, &Actor::default(), authority)
        .await
        .unwrap();
    let before = sign_with_active_key(&app, authority, now()).await;
    let new_kid = keys::rotate(
        app.db(),
        &app.state.pii,
        &Actor::default(),
        authority,
        "150621",
    )
    .await
    .unwrap();
    let after = sign_with_active_key(&app, authority, now()).await;

    let verifier = verifier(&app, authority).await;
    let ctx = Context::at(now() + 60);
    assert_eq!(verifier.verify(&before, &ctx).verdict, Verdict::Valid);
    let outcome = verifier.verify(&after, &ctx);
    assert_eq!(outcome.verdict, Verdict::Valid);
    assert_eq!(outcome.signer.unwrap().kid, new_kid);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'keys.rotated'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_withdrawn_key_invalidates_everything_it_signed_from_the_next_bundle() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let authority = world.region_a.id;
    keys::ensure_authority_keys(app.db(), &app.state.pii, &Actor::default(), authority)
        .await
        .unwrap();
    let text = sign_with_active_key(&app, authority, now()).await;
    let mut verifier = verifier(&app, authority).await;
    let ctx = Context::at(now() + 60);
    assert_eq!(verifier.verify(&text, &ctx).verdict, Verdict::Valid);

    let kid: String = sqlx::query("SELECT kid FROM signing_keys WHERE purpose = 'issuer'")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    let no_reason = keys::withdraw(app.db(), &app.state.pii, &Actor::default(), &kid, " ").await;
    assert!(no_reason.is_err(), "a withdrawal needs a reason");
    keys::withdraw(
        app.db(),
        &app.state.pii,
        &Actor::default(),
        &kid,
        "密钥泄露 / key leaked",
    )
    .await
    .unwrap();
    install_latest(&app, authority, &mut verifier).await;
    let outcome = verifier.verify(&text, &ctx);
    assert_eq!(
        outcome.verdict.code(),
        "invalid.key_withdrawn",
        "{outcome:?}"
    );
    let again = keys::withdraw(app.db(), &app.state.pii, &Actor::default(), &kid, "again").await;
    assert!(matches!(
        again,
        Err(epass::actions::ActionError::Conflict(_))
    ));
}

#[tokio::test]
async fn the_bundle_carries_an_etag_and_answers_not_modified() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let authority = world.region_a.id;
    keys::ensure_authority_keys(app.db(), &app.state.pii, &Actor::default(), authority)
        .await
        .unwrap();
    let url = app.url(&format!("/api/v1/bundle?authority={authority}"));
    let first = app.http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["content-type"], "application/cose");
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, "\"v1\"");
    let again = app
        .http
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    keys::rotate(
        app.db(),
        &app.state.pii,
        &Actor::default(),
        authority,
        "150621",
    )
    .await
    .unwrap();
    let newer = app
        .http
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(newer.status(), 200);
    assert_eq!(newer.headers()["etag"], "\"v2\"");
}

#[tokio::test]
async fn an_authority_without_keys_has_no_bundle_and_a_department_cannot_hold_keys() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let reply = app
        .get(
            &format!("/api/v1/bundle?authority={}", world.region_b.id),
            Auth::None,
        )
        .await;
    assert_eq!(reply.status, 404);
    let err = keys::ensure_authority_keys(app.db(), &app.state.pii, &Actor::default(), world.a1.id)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        epass::actions::ActionError::Invalid {
            code: "keys.not_an_authority",
            ..
        }
    ));
}

#[tokio::test]
async fn the_cli_lists_rotates_and_withdraws_the_service_keys() {
    let url = crate::helpers::fresh_db_url().await;
    let db = epass::store::Db::open(&url).await.unwrap();
    let pii = epass::pii::PiiKeys::from_master_secret(&crate::helpers::MASTER_KEY);
    let authority =
        epass::actions::orgs::create_authority(&db, &Actor::default(), "天津市指挥部", "120000")
            .await
            .unwrap();
    keys::ensure_authority_keys(&db, &pii, &Actor::default(), authority.id)
        .await
        .unwrap();
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
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let id = authority.id.to_string();
    let (code, out) = epass(&["keys", "rotate", "--authority", &id, "--issuer", "120000"]);
    assert_eq!(code, Some(0), "{out}");
    let (code, listing) = epass(&["keys", "list", "--authority", &id]);
    assert_eq!(code, Some(0));
    assert_eq!(
        listing.matches("issuer").count(),
        3,
        "header + two issuer keys: {listing}"
    );
    assert!(
        listing.contains("retired") && listing.contains("active"),
        "{listing}"
    );
    let active = listing
        .lines()
        .find(|l| l.contains("issuer") && l.ends_with("active"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();
    let (code, _) = epass(&["keys", "withdraw", &active, "--reason", "测试 / test"]);
    assert_eq!(code, Some(0));
    let (_, listing) = epass(&["keys", "list", "--authority", &id]);
    assert!(listing.contains("withdrawn"), "{listing}");
    let (code, _) = epass(&["keys", "withdraw", "0000000000000000", "--reason", "x"]);
    assert_ne!(code, Some(0), "an unknown key is an error");
}

#[tokio::test]
async fn a_bundle_older_than_half_its_max_age_is_republished_and_a_fresh_one_is_not() {
    let app = spawn_app().await;
    let world = world::build(&app).await;
    let authority = world.region_a.id;
    keys::ensure_authority_keys(app.db(), &app.state.pii, &Actor::default(), authority)
        .await
        .unwrap();
    assert_eq!(
        keys::refresh_bundles(app.db(), &app.state.pii)
            .await
            .unwrap(),
        0
    );
    sqlx::query("UPDATE bundles SET issued_at = issued_at - 13 * 3600000")
        .execute(app.db().pool())
        .await
        .unwrap();
    assert_eq!(
        keys::refresh_bundles(app.db(), &app.state.pii)
            .await
            .unwrap(),
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM bundles").await, 2);
    assert_eq!(
        keys::refresh_bundles(app.db(), &app.state.pii)
            .await
            .unwrap(),
        0
    );
}
