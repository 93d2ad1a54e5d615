//! The objects each cell of the matrix acts on: an organisation's user, application, pass,
//! document, request, zone and checkpoint, made afresh in the target organisation.

use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Target {
    OwnOrg,
    OtherOrg,
    OtherRegion,
}

/// An object of each kind in the target organisation.
pub(super) struct Fixture {
    pub(super) org: Org,
    pub(super) user_id: i64,
}

pub(super) const ID_NUMBERS: [&str; 3] = [
    "11010519491231002X",
    "440524188001010014",
    "34052419800101001X",
];

pub(super) async fn fixture(app: &TestApp, org: &Org, n: usize) -> Fixture {
    let user_id = world::user(app, &world::phone(900 + n), org, &[]).await;
    let session = app.login(&world::phone(900 + n), PASSWORD).await;
    let reply = app
        .request(
            "PUT",
            "/api/v1/me/id-number",
            Auth::Session(&session),
            Some(json!({ "id_number": ID_NUMBERS[n] })),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    Fixture {
        org: org.clone(),
        user_id,
    }
}

/// A new token of the fixture's user, for a revocation attempt.
pub(super) async fn token_of(app: &TestApp, user_id: i64) -> i64 {
    let mut tx = app.db().begin().await.unwrap();
    let token =
        epass::store::tokens::insert(&mut tx, user_id, "t", &rand::random::<[u8; 32]>(), &[])
            .await
            .unwrap();
    tx.commit().await.unwrap();
    token.id
}

/// The authority (root organisation) of the target's region.
pub(super) fn authority_of(org: &Org) -> i64 {
    org.path
        .split('/')
        .find(|s| !s.is_empty())
        .and_then(|s| s.parse().ok())
        .unwrap()
}

/// The electronic driving licence pass type of the target's authority.
pub(super) async fn licence_type_in(app: &TestApp, org: &Org, n: usize) -> i64 {
    let seed = epass::domain::seed_pass_types::standard_pass_types().remove(3);
    let definition =
        epass::domain::pass_type::PassTypeDefinition::from_value(seed.definition).unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let fields = epass::store::pass_types::PassTypeFields {
        name_zh: seed.name_zh,
        name_en: seed.name_en,
        active_from: 0,
        definition: &definition,
    };
    let code = format!("licence_{n}");
    let pt =
        epass::store::pass_types::insert(&mut tx, authority_of(org), &code, seed.kind, &fields)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    pt.id
}

/// A standard pass type owned by the target's authority.
pub(super) async fn pass_type_in(app: &TestApp, org: &Org, n: usize) -> i64 {
    let seed = epass::domain::seed_pass_types::standard_pass_types().remove(0);
    let definition =
        epass::domain::pass_type::PassTypeDefinition::from_value(seed.definition).unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let fields = epass::store::pass_types::PassTypeFields {
        name_zh: seed.name_zh,
        name_en: seed.name_en,
        active_from: 0,
        definition: &definition,
    };
    let code = format!("matrix_{n}");
    let pt =
        epass::store::pass_types::insert(&mut tx, authority_of(org), &code, seed.kind, &fields)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    pt.id
}

/// An application waiting at level 1, filed by the target's user in the target's organisation.
pub(super) async fn application_in(app: &TestApp, target: &Fixture, n: usize) -> i64 {
    let pass_type = pass_type_in(app, &target.org, n).await;
    let form = json!({ "driver_name": "张三" });
    let eligibility = json!([]);
    let mut tx = app.db().begin().await.unwrap();
    let application = epass::store::applications::insert(
        &mut tx,
        &epass::store::applications::NewApplication {
            pass_type_id: pass_type,
            pass_type_version: 1,
            authority_id: authority_of(&target.org),
            applicant_id: target.user_id,
            org_id: Some(target.org.id),
            request_id: None,
            form: &form,
            holder_name: "张三",
            holder_id_sealed: None,
            holder_id_masked: None,
            plate: None,
            valid_from: epass::store::now_ms(),
            valid_until: epass::store::now_ms() + 86_400_000,
            priority: 0,
            level_due_at: epass::store::now_ms() + 86_400_000,
            promised_at: epass::store::now_ms() + 86_400_000,
            eligibility: &eligibility,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    application.id
}

/// An issued pass of the target's user, signed with the target authority's key.
pub(super) async fn pass_in(app: &TestApp, target: &Fixture, n: usize) -> (i64, String) {
    let authority = authority_of(&target.org);
    let actor = epass::actions::Actor::default();
    epass::actions::keys::ensure_authority_keys(app.db(), &app.state.pii, &actor, authority)
        .await
        .unwrap();
    let application = application_in(app, target, n).await;
    let application = epass::store::applications::get(app.db().pool(), application)
        .await
        .unwrap();
    let pass_type = epass::store::pass_types::get(app.db().pool(), application.pass_type_id)
        .await
        .unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let pass = epass::actions::issuance::issue(
        &mut tx,
        &app.state.pii,
        &actor,
        &application,
        &pass_type,
        "http://localhost",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (pass.id, pass.pass_number)
}

/// A document uploaded by the target's user to an application of theirs.
pub(super) async fn document_in(app: &TestApp, target: &Fixture, n: usize) -> i64 {
    let application_id = application_in(app, target, n).await;
    let owner = epass::actions::Caller {
        user_id: target.user_id,
        grants: Vec::new(),
        token_scopes: None,
        client_addr: None,
    };
    let upload = epass::actions::documents::Upload {
        application_id,
        kind: "id_card",
        bytes: crate::documents::png(),
        max_bytes: 1 << 20,
    };
    epass::actions::documents::upload(app.db(), &app.state.documents, &owner, upload)
        .await
        .unwrap()
        .document
        .id
}

/// An application of the target's user, who registered a photo of their ID card's front.
pub(super) async fn id_card_in(app: &TestApp, target: &Fixture, n: usize) -> i64 {
    use sha2::Digest as _;
    let application_id = application_in(app, target, n).await;
    let bytes = crate::documents::png();
    let digest: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let key = format!("users/{}/front-{n}.png", target.user_id);
    app.state.documents.put(&key, bytes.clone()).await.unwrap();
    let mut tx = app.db().begin().await.unwrap();
    epass::store::user_documents::insert(
        &mut tx,
        &epass::store::user_documents::NewUserDocument {
            user_id: target.user_id,
            kind: "id_card_front",
            content_type: "image/png",
            size_bytes: bytes.len() as i64,
            sha256: &digest,
            object_key: &key,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    application_id
}

/// A pass request of the target's organisation, filed by the target's user; approved (with its
/// invitation code) when `approve`.
pub(super) async fn request_in(
    app: &TestApp,
    target: &Fixture,
    n: usize,
    approve: bool,
) -> (i64, String) {
    let pass_type = pass_type_in(app, &target.org, n).await;
    let now = epass::store::now_ms();
    let preset = json!({});
    let mut tx = app.db().begin().await.unwrap();
    let req = epass::store::invitations::insert(
        &mut tx,
        &epass::store::invitations::NewPassRequest {
            pass_type_id: pass_type,
            authority_id: authority_of(&target.org),
            org_id: target.org.id,
            requested_by: target.user_id,
            purpose: "测试",
            places: 3,
            preset: &preset,
            valid_from: now,
            valid_until: now + 5 * 86_400_000,
        },
    )
    .await
    .unwrap();
    let code = epass::actions::invitations::new_code();
    if approve {
        assert!(
            epass::store::invitations::approve(&mut tx, req.id, target.user_id, &code, None)
                .await
                .unwrap()
        );
    }
    tx.commit().await.unwrap();
    (req.id, code)
}

/// Today and in five days, as form dates (China time).
pub(super) fn form_days() -> (String, String) {
    let today = (time::OffsetDateTime::now_utc() + time::Duration::hours(8)).date();
    (
        today.to_string(),
        (today + time::Duration::days(5)).to_string(),
    )
}

/// A zone of the target's authority, as a GeoJSON Feature.
pub(super) fn zone_feature() -> Value {
    json!({ "type": "Feature", "properties": { "name_zh": "测试区域" },
        "geometry": { "type": "Polygon",
            "coordinates": [[[110.0, 40.0], [110.1, 40.0], [110.1, 40.1], [110.0, 40.0]]] } })
}

/// A stored zone of the target's authority.
pub(super) async fn zone_in(app: &TestApp, org: &Org) -> i64 {
    let feature = epass::domain::zones::ZoneFeature::parse(&zone_feature()).unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let zone =
        epass::store::zones::insert(&mut tx, authority_of(org), "测试", None, &feature.geometry)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    zone.id
}

/// A stored checkpoint of the target organisation.
pub(super) async fn checkpoint_in(app: &TestApp, org: &Org) -> i64 {
    let mut tx = app.db().begin().await.unwrap();
    let new = epass::store::checkpoints::NewCheckpoint {
        org_id: org.id,
        name: "测试卡口",
        longitude: 110.0,
        latitude: 40.0,
        guards: &[],
    };
    let checkpoint = epass::store::checkpoints::insert(&mut tx, &new)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    checkpoint.id
}
