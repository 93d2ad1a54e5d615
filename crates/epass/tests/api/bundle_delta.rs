//! Bundle deltas: a checkpoint holding version v fetches `?since=v`, applies the signed delta
//! and answers every check as a checkpoint holding the full new bundle does; unknown versions get
//! the full bundle; the current version gets 304.

use base64::Engine as _;
use epass::actions::{Actor, keys};
use epass_credential::{Context, Installed, PublicKey, Verifier};
use serde_json::json;

use crate::flows::setting;
use crate::helpers::{Auth, TestApp, spawn_app};
use crate::printing::issued_pass;

async fn anchored(app: &TestApp, authority: i64) -> Verifier {
    let anchor = app
        .get(
            &format!("/api/v1/trust-anchor?authority={authority}"),
            Auth::None,
        )
        .await;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(anchor.body["public_key"].as_str().unwrap())
        .unwrap();
    let mut v = Verifier::new();
    v.add_trust_anchor(PublicKey::from_bytes(epass_credential::Algorithm::EdDsa, &raw).unwrap());
    v
}

/// `(status, etag, delta base header, body)` of a bundle request.
async fn get_bundle(
    app: &TestApp,
    query: &str,
    if_none_match: Option<&str>,
) -> (u16, String, Option<String>, Vec<u8>) {
    let mut req = app.http.get(app.url(&format!("/api/v1/bundle?{query}")));
    if let Some(tag) = if_none_match {
        req = req.header("if-none-match", tag);
    }
    let reply = req.send().await.unwrap();
    let header = |name: &str| {
        reply
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (status, etag, base) = (
        reply.status().as_u16(),
        header("etag").unwrap_or_default(),
        header("epass-bundle-delta"),
    );
    (status, etag, base, reply.bytes().await.unwrap().to_vec())
}

fn version(etag: &str) -> i64 {
    etag.trim_matches('"')
        .trim_start_matches('v')
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_checkpoint_applying_the_delta_answers_like_one_holding_the_full_new_bundle() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let authority = s.world.region_a.id;
    let (kept, kept_number) = issued_pass(&app, &s, "蒙K12345").await;
    let (revoked, revoked_number) = issued_pass(&app, &s, "蒙K54321").await;

    // The checkpoint syncs the full bundle at version v.
    let (status, etag, base, full_v) =
        get_bundle(&app, &format!("authority={authority}"), None).await;
    assert_eq!((status, base), (200, None));
    let v = version(&etag);
    let mut checkpoint = anchored(&app, authority).await;
    assert_eq!(checkpoint.install(&full_v), Ok(Installed::New));

    // Between versions: a pass is revoked, another suspended, and the issuing key rotates.
    for (id, action) in [(revoked, "revoke"), (kept, "suspend")] {
        let reply = app
            .post(
                &format!("/api/v1/passes/{id}/status"),
                Auth::Session(&s.authority_reviewer),
                json!({ "action": action, "reason": "任务结束 / task over" }),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    keys::rotate(
        app.db(),
        &app.state.pii,
        &Actor::default(),
        authority,
        "150621",
    )
    .await
    .unwrap();
    let (_, later_number) = issued_pass(&app, &s, "蒙K11111").await;

    let (status, etag, base, delta) =
        get_bundle(&app, &format!("authority={authority}&since={v}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(base, Some(v.to_string()), "a delta, from v");
    let latest = version(&etag);
    assert!(latest > v);
    let (_, _, _, full_latest) = get_bundle(&app, &format!("authority={authority}"), None).await;
    assert!(
        delta.len() < full_latest.len(),
        "the delta is the smaller answer"
    );
    assert_eq!(checkpoint.install_delta(&delta), Ok(Installed::New));
    let mut fresh = anchored(&app, authority).await;
    fresh.install(&full_latest).unwrap();
    assert_eq!(checkpoint.bundles(), fresh.bundles());

    let now = epass::store::now_ms() / 1000;
    let mut answers = Vec::new();
    for number in [&kept_number, &revoked_number, &later_number] {
        let pass = epass::store::passes::by_number(app.db().pool(), number)
            .await
            .unwrap()
            .unwrap();
        let at = Context::at(now);
        let (a, b) = (
            checkpoint.verify(&pass.credential, &at).code(),
            fresh.verify(&pass.credential, &at).code(),
        );
        assert_eq!(a, b, "{number}");
        answers.push(a);
    }
    assert_eq!(answers, ["suspended", "revoked", "valid"]);

    // The current version: nothing to send, with or without If-None-Match.
    let query = format!("authority={authority}&since={latest}");
    assert_eq!(get_bundle(&app, &query, None).await.0, 304);
    let query = format!("authority={authority}&since={v}");
    assert_eq!(get_bundle(&app, &query, Some(&etag)).await.0, 304);
    // A version the server never published: the full bundle.
    let (status, _, base, body) = get_bundle(
        &app,
        &format!("authority={authority}&since={}", latest + 50),
        None,
    )
    .await;
    assert_eq!((status, base), (200, None));
    assert_eq!(body, full_latest);
    let (status, _, base, _) =
        get_bundle(&app, &format!("authority={authority}&since=0"), None).await;
    assert_eq!((status, base), (200, None), "version 0 was never published");
}
