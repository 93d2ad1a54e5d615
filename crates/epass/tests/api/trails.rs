//! Accountability trails (a pass's, a user's; JSON, CSV, signed bundle checked offline) and
//! online checks that consult the log (a validly signed pass it never recorded is `not_in_log`).

use epass::actions::issuance::Issuer;
use epass::domain::roles::Role;
use epass::store::applications::Application;
use epass::store::pass_types::PassType;
use epass::store::passes::Pass;
use serde_json::{Value, json};

use crate::flows::{Setting, setting};
use crate::helpers::{Auth, Session, TestApp, spawn_app};
use crate::world::{self, PASSWORD};

/// A supervisor of region A as a whole.
async fn supervisor(app: &TestApp, s: &Setting) -> Session {
    world::user(app, "13900000009", &s.world.region_a, &[Role::Supervisor]).await;
    app.login("13900000009", PASSWORD).await
}

/// An issued pass, its application and pass type, and its authority's real, current issuer key.
async fn issuer_of(
    app: &TestApp,
    s: &Setting,
    issued: &Value,
) -> (Pass, Application, PassType, Issuer) {
    let pass = epass::store::passes::get(app.db().pool(), issued["id"].as_i64().unwrap())
        .await
        .unwrap();
    let application = epass::store::applications::get(app.db().pool(), pass.application_id)
        .await
        .unwrap();
    let pt = epass::store::pass_types::get(app.db().pool(), application.pass_type_id)
        .await
        .unwrap();
    let mut tx = app.db().begin().await.unwrap();
    let issuer = Issuer::load(&mut tx, &app.state.pii, s.world.region_a.id, pt.kind)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    (pass, application, pt, issuer)
}

/// A credential for pass number `number` (never issued), signed with the authority's real,
/// current issuer key, from the application of an issued pass.
async fn forged(app: &TestApp, s: &Setting, issued: &Value, serial: i64) -> (String, String) {
    let (_, application, pt, issuer) = issuer_of(app, s, issued).await;
    let number = epass::actions::issuance::pass_number(&issuer.authority.division_code, serial);
    let (_, text) = issuer
        .sign(
            &application,
            &pt,
            &number,
            serial,
            application.valid_until,
            Vec::new(),
        )
        .unwrap();
    (number, text)
}

async fn check(app: &TestApp, s: &Setting, body: Value) -> Value {
    let reply = app
        .post("/api/v1/checks", Auth::Session(&s.officer), body)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn a_validly_signed_pass_the_log_never_recorded_is_invalid_not_in_log_and_recorded() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let pass = crate::flows::issue(&app, &s, "蒙K12345", 0, 3).await;
    let serial = pass["status_index"].as_i64().unwrap() + 1;
    let (number, text) = forged(&app, &s, &pass, serial).await;
    // Signed with the real key: the credential alone says valid.
    let reply = check(
        &app,
        &s,
        json!({ "text": text, "longitude": 110.05, "latitude": 40.4 }),
    )
    .await;
    assert_eq!(reply["code"], "not_in_log", "{reply}");
    assert_eq!(reply["class"], "invalid");
    assert!(reply["zh"].as_str().unwrap().contains("日志"), "{reply}");
    assert!(reply["en"].as_str().unwrap().contains("log"), "{reply}");
    assert_eq!(reply["pass_number"], number.as_str());
    let recorded = app
        .count("SELECT COUNT(*) FROM checks WHERE outcome = 'not_in_log' AND pass_id IS NULL")
        .await;
    assert_eq!(recorded, 1);
    // In a batch upload too, and to a relying party.
    let batch = app
        .post(
            "/api/v1/checks/batch",
            Auth::Session(&s.officer),
            json!({ "checks": [{ "text": text, "client_ref": "dev-1", "checked_at": 1_000 }] }),
        )
        .await;
    assert_eq!(batch.status, 200, "{}", batch.body);
    let first = batch.body.get("results").unwrap_or(&batch.body);
    assert_eq!(first[0]["code"], "not_in_log", "{}", batch.body);
    let verify = app
        .post(
            "/api/v1/verify",
            Auth::Session(&s.applicant),
            json!({ "text": text }),
        )
        .await;
    assert_eq!(verify.body["code"], "not_in_log", "{}", verify.body);
    assert_eq!(verify.body["class"], "invalid");
    // The pass that was issued still verifies.
    let genuine = check(&app, &s, json!({ "text": pass["credential"] })).await;
    assert_eq!(genuine["code"], "valid", "{genuine}");
    // A pass row whose issuance is not in the log (inserted behind the log's back) is reported
    // too: here its issued event is taken out.
    sqlx::query(
        "UPDATE audit_events SET action = 'x' WHERE action = 'pass.issued' AND object_id = $1",
    )
    .bind(pass["pass_number"].as_str().unwrap())
    .execute(app.db().pool())
    .await
    .unwrap();
    let unlogged = check(&app, &s, json!({ "text": pass["credential"] })).await;
    assert_eq!(unlogged["code"], "not_in_log", "{unlogged}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM checks WHERE outcome = 'not_in_log'")
            .await,
        3
    );
}

/// A pass issued, printed by its holder, revoked, and checked twice; returns the pass.
async fn history(app: &TestApp, s: &Setting) -> Value {
    let pass = crate::flows::issue(app, s, "蒙K12345", 0, 3).await;
    let id = pass["id"].as_i64().unwrap();
    let printed = app
        .http
        .get(app.url(&format!("/api/v1/passes/{id}/pdf?size=card")))
        .header("cookie", format!("epass_session={}", s.applicant.cookie))
        .send()
        .await
        .unwrap();
    assert_eq!(printed.status(), 200);
    let revoked = app
        .post(
            &format!("/api/v1/passes/{id}/status"),
            Auth::Session(&s.authority_reviewer),
            json!({ "action": "revoke", "reason": "测试 / test" }),
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    for (lon, lat) in [(110.01, 40.4), (110.09, 40.4)] {
        let reply = check(
            app,
            s,
            json!({ "text": pass["credential"], "longitude": lon, "latitude": lat }),
        )
        .await;
        assert_eq!(reply["code"], "revoked");
    }
    pass
}

#[tokio::test]
async fn a_pass_trail_lists_application_decisions_issuance_revocation_and_checks_in_order_with_actors()
 {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let pass = history(&app, &s).await;
    let boss = supervisor(&app, &s).await;
    let id = pass["id"].as_i64().unwrap();
    let reply = app
        .get(&format!("/api/v1/passes/{id}/trail"), Auth::Session(&boss))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["pass_number"], pass["pass_number"]);
    let items = reply.body["items"].as_array().unwrap();
    let steps: Vec<(String, Option<i64>)> = items
        .iter()
        .map(|i| {
            (
                i["action"].as_str().unwrap().to_owned(),
                i["actor_user_id"].as_i64(),
            )
        })
        .collect();
    let expected = vec![
        (
            "application.submitted".to_owned(),
            Some(s.applicant.user_id),
        ),
        ("application.decided".to_owned(), Some(s.org_admin.user_id)),
        (
            "application.decided".to_owned(),
            Some(s.authority_reviewer.user_id),
        ),
        ("pass.issued".to_owned(), Some(s.authority_reviewer.user_id)),
        ("pass.printed".to_owned(), Some(s.applicant.user_id)),
        (
            "pass.revoked".to_owned(),
            Some(s.authority_reviewer.user_id),
        ),
        ("check".to_owned(), Some(s.officer.user_id)),
        ("check".to_owned(), Some(s.officer.user_id)),
    ];
    assert_eq!(steps, expected, "{:#}", reply.body);
    for item in items {
        assert!(item["log_index"].as_i64().is_some(), "{item}");
        assert_eq!(item["actor_name"], "测试用户", "{item}");
        if item["action"] != "pass.printed" {
            assert!(item["actor_role"].is_string(), "{item}");
        }
    }
    let times: Vec<i64> = items.iter().map(|i| i["at"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert_eq!(items[1]["actor_role"], "org_admin");
    assert_eq!(items[2]["after"]["action"], "approve", "{}", items[2]);
    assert_eq!(items[4]["after"]["size"], "card");
    let check = &items[6];
    assert_eq!(check["actor_role"], "checkpoint_officer");
    assert_eq!(check["outcome"], "revoked");
    assert_eq!(check["longitude"], 110.01);
    assert_eq!(items[7]["longitude"], 110.09);
    // The view itself is recorded, and shows in the next view.
    let again = app
        .get(&format!("/api/v1/passes/{id}/trail"), Auth::Session(&boss))
        .await;
    let last = again.body["items"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "trail.read", "{last}");
    assert_eq!(last["actor_user_id"], boss.user_id);
}

#[tokio::test]
async fn a_users_trail_lists_their_decisions_and_reads_a_page_at_a_time() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let pass = history(&app, &s).await;
    let registered = app
        .request(
            "PUT",
            "/api/v1/me/id-number",
            Auth::Session(&s.applicant),
            Some(json!({ "id_number": "11010519491231002X" })),
        )
        .await;
    assert_eq!(registered.status, 200, "{}", registered.body);
    let read = app
        .get(
            &format!("/api/v1/users/{}/id-number", s.applicant.user_id),
            Auth::Session(&s.authority_reviewer),
        )
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    let boss = supervisor(&app, &s).await;
    let reviewer = s.authority_reviewer.user_id;
    let reply = app
        .get(
            &format!("/api/v1/users/{reviewer}/trail"),
            Auth::Session(&boss),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let items = reply.body["items"].as_array().unwrap().clone();
    let actions: Vec<&str> = items
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    for wanted in [
        "application.decided",
        "pass.issued",
        "pass.revoked",
        "pii.id_number_read",
    ] {
        assert!(
            actions.contains(&wanted),
            "{wanted} missing from {actions:?}"
        );
    }
    assert!(
        items.iter().all(|i| i["actor_user_id"] == reviewer),
        "{items:?}"
    );
    let revoked = items
        .iter()
        .find(|i| i["action"] == "pass.revoked")
        .unwrap();
    assert_eq!(revoked["object_id"], pass["pass_number"]);
    // A page at a time, in log order, nothing twice.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => format!("/api/v1/users/{reviewer}/trail?limit=2"),
            Some(c) => format!("/api/v1/users/{reviewer}/trail?limit=2&cursor={c}"),
        };
        let page = app.get(&path, Auth::Session(&boss)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let got = page.body["items"].as_array().unwrap();
        assert!(got.len() <= 2);
        seen.extend(got.iter().map(|i| i["log_index"].as_i64().unwrap()));
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let all: Vec<i64> = items
        .iter()
        .map(|i| i["log_index"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, all);
    assert!(all.windows(2).all(|w| w[0] < w[1]), "{all:?}");
    // A period with nothing in it.
    let empty = app
        .get(
            &format!("/api/v1/users/{reviewer}/trail?from=0&to=1"),
            Auth::Session(&boss),
        )
        .await;
    assert_eq!(empty.body["items"].as_array().unwrap().len(), 0);
    // An officer's trail holds the checks they made; the supervisor's holds their views.
    let officer = app
        .get(
            &format!("/api/v1/users/{}/trail", s.officer.user_id),
            Auth::Session(&boss),
        )
        .await;
    let checks = officer.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "check")
        .count();
    assert_eq!(checks, 2, "{}", officer.body);
    let own = app
        .get(
            &format!("/api/v1/users/{}/trail", boss.user_id),
            Auth::Session(&boss),
        )
        .await;
    let views = own.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["action"] == "trail.read")
        .count();
    // The whole trail, three pages, the empty period and the officer's trail.
    assert_eq!(views, 6, "{}", own.body);
}

/// The raw body of a GET.
async fn raw(app: &TestApp, path: &str, who: &Session) -> (u16, String, String) {
    let resp = app
        .http
        .get(app.url(path))
        .header("cookie", format!("epass_session={}", who.cookie))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, resp.text().await.unwrap())
}

#[tokio::test]
async fn a_trail_exports_as_csv_with_a_bom_a_header_and_a_row_per_line() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let pass = history(&app, &s).await;
    let boss = supervisor(&app, &s).await;
    let id = pass["id"].as_i64().unwrap();
    let (status, kind, text) = raw(
        &app,
        &format!("/api/v1/passes/{id}/trail?format=csv"),
        &boss,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(text.starts_with('\u{feff}'), "no BOM");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert!(
        lines[0].starts_with("log_index,time_utc8,at_ms,kind,action,actor_user_id,actor_name"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 1 + 8, "{text}");
    assert!(lines[1].contains(",application.submitted,"), "{}", lines[1]);
    assert!(lines[6].contains(",pass.revoked,"), "{}", lines[6]);
    assert!(lines[6].contains("测试用户"), "{}", lines[6]);
    assert!(
        lines[8].contains(",check,") && lines[8].contains(",revoked,"),
        "{}",
        lines[8]
    );
    // Summaries are JSON, quoted.
    assert!(
        lines[2].contains("\"{\"\"action\"\":\"\"approve\"\""),
        "{}",
        lines[2]
    );
    let (status, _, user_csv) = raw(
        &app,
        &format!("/api/v1/users/{}/trail?format=csv", s.officer.user_id),
        &boss,
    )
    .await;
    assert_eq!(status, 200, "{user_csv}");
    assert_eq!(
        user_csv.lines().filter(|l| l.contains(",check,")).count(),
        2
    );
}

/// Changes one field of a JSON value.
fn mutate(v: &Value) -> Value {
    match v {
        Value::Null => json!(1),
        Value::Bool(b) => json!(!b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => json!(i + 1),
            None => json!(n.as_f64().unwrap() + 0.001),
        },
        Value::String(t) => {
            // Keep hex hex (a signature or a proof hash with one bit flipped).
            let mut chars: Vec<char> = t.chars().collect();
            match chars.first().copied() {
                Some(c) if c.is_ascii_hexdigit() && t.chars().all(|c| c.is_ascii_hexdigit()) => {
                    chars[0] = if c == '0' { '1' } else { '0' };
                    Value::String(chars.into_iter().collect())
                }
                _ => Value::String(format!("{t}x")),
            }
        }
        Value::Array(items) if items.is_empty() => json!(["00"]),
        Value::Array(items) => {
            let mut items = items.clone();
            items[0] = mutate(&items[0]);
            Value::Array(items)
        }
        Value::Object(map) => {
            let mut map = map.clone();
            map.insert("x".into(), json!(1));
            Value::Object(map)
        }
    }
}

fn parse(text: &str) -> epass_credential::merkle::trail::TrailBundle {
    serde_json::from_str(text).unwrap()
}

#[tokio::test]
async fn a_trail_bundle_verifies_offline_and_a_change_to_any_field_of_any_entry_is_found() {
    use epass_credential::merkle::trail::TrailError;
    let app = spawn_app().await;
    let s = setting(&app).await;
    let pass = history(&app, &s).await;
    let boss = supervisor(&app, &s).await;
    let id = pass["id"].as_i64().unwrap();
    let (status, _, text) = raw(
        &app,
        &format!("/api/v1/passes/{id}/trail?format=bundle"),
        &boss,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let bundle = parse(&text);
    assert_eq!(bundle.entries.len(), 8);
    // No head was published before: one was, covering every entry.
    let latest = app
        .get("/api/v1/log/tree-heads/latest", Auth::Session(&boss))
        .await;
    assert_eq!(latest.body["id"].as_i64(), Some(bundle.tree_head.id));
    let max = bundle
        .entries
        .iter()
        .map(|e| e["log_index"].as_u64().unwrap())
        .max()
        .unwrap();
    assert!(bundle.tree_head.size > max);
    assert_eq!(epass::actions::trail_bundle::check(&bundle, &[]), Ok(8));
    let key = bundle.log_keys[0].public_key.clone();
    assert_eq!(
        epass::actions::trail_bundle::check(&bundle, std::slice::from_ref(&key)),
        Ok(8)
    );
    let stranger = epass_credential::KeyPair::generate(epass_credential::Algorithm::EdDsa).unwrap();
    let stranger = epass_credential::merkle::hex(stranger.public().as_bytes());
    assert!(matches!(
        epass::actions::trail_bundle::check(&bundle, std::slice::from_ref(&stranger)),
        Err(TrailError::Bundle(_))
    ));
    // Every field of every entry, changed one at a time, is found at that entry.
    let mut tried = 0;
    for position in 0..bundle.entries.len() {
        let keys: Vec<String> = bundle.entries[position]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        for field in keys {
            let mut edited = bundle.clone();
            let entry = edited.entries[position].as_object_mut().unwrap();
            let changed = mutate(&entry[&field]);
            entry.insert(field.clone(), changed);
            match epass::actions::trail_bundle::check(&edited, std::slice::from_ref(&key)) {
                Err(TrailError::Entry { position: p, .. }) if p == position => tried += 1,
                other => panic!("{field} of entry {position} changed: {other:?}"),
            }
        }
    }
    assert!(tried > 8 * 10, "{tried}");
    // An entry taken out, the subject or the head changed: the bundle itself does not verify.
    let mut cut = bundle.clone();
    cut.entries.pop();
    assert!(matches!(
        epass::actions::trail_bundle::check(&cut, std::slice::from_ref(&key)),
        Err(TrailError::Bundle(_))
    ));
    let mut other = bundle.clone();
    other.subject = "pass 150621999999".into();
    assert!(epass::actions::trail_bundle::check(&other, std::slice::from_ref(&key)).is_err());
    let mut head = bundle.clone();
    head.tree_head.size += 1;
    assert!(epass::actions::trail_bundle::check(&head, std::slice::from_ref(&key)).is_err());

    // The command line, offline (no configuration, no database).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trail.json");
    std::fs::write(&file, &text).unwrap();
    let epass = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_epass"))
            .args(args)
            .env_remove("EPASS_DATABASE_URL")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    let path = file.to_str().unwrap();
    let (code, out) = epass(&["audit", "check-trail", path, "--log-key", &key]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("trail verified") && out.contains("8 entries"),
        "{out}"
    );
    let (code, out) = epass(&["audit", "check-trail", path, "--log-key", &stranger]);
    assert_ne!(code, Some(0), "{out}");
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc["entries"][4]["actor_user_id"] = json!(s.officer.user_id);
    std::fs::write(&file, doc.to_string()).unwrap();
    let (code, out) = epass(&["audit", "check-trail", path]);
    assert_ne!(code, Some(0), "{out}");
    assert!(out.contains("entry 4"), "{out}");

    // Later lines than the latest head: a new head is published for them.
    check(&app, &s, json!({ "text": pass["credential"] })).await;
    let (_, _, text) = raw(
        &app,
        &format!("/api/v1/passes/{id}/trail?format=bundle"),
        &boss,
    )
    .await;
    let newer = parse(&text);
    assert!(newer.tree_head.id > bundle.tree_head.id);
    assert_eq!(
        epass::actions::trail_bundle::check(&newer, &[key]),
        Ok(newer.entries.len())
    );
    // A user's trail as a bundle too.
    let (status, _, text) = raw(
        &app,
        &format!(
            "/api/v1/users/{}/trail?format=bundle",
            s.authority_reviewer.user_id
        ),
        &boss,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let user = parse(&text);
    assert!(!user.entries.is_empty());
    assert_eq!(
        epass::actions::trail_bundle::check(&user, &[]),
        Ok(user.entries.len())
    );
}

#[tokio::test]
async fn only_supervisors_and_system_admins_of_the_passs_authority_see_its_trail() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let pass = crate::flows::issue(&app, &s, "蒙K12345", 0, 3).await;
    let id = pass["id"].as_i64().unwrap();
    let path = format!("/api/v1/passes/{id}/trail");
    world::user(&app, "13900000010", &s.world.region_b, &[Role::Supervisor]).await;
    world::user(&app, "13900000011", &s.world.a1, &[Role::Supervisor]).await;
    world::user(&app, "13900000012", &s.world.region_a, &[Role::SystemAdmin]).await;
    let other_region = app.login("13900000010", PASSWORD).await;
    let department = app.login("13900000011", PASSWORD).await;
    let admin = app.login("13900000012", PASSWORD).await;
    for who in [
        &s.authority_reviewer,
        &s.officer,
        &s.applicant,
        &other_region,
        &department,
    ] {
        let reply = app.get(&path, Auth::Session(who)).await;
        assert_eq!(reply.status, 403, "{}", reply.body);
        let reply = app
            .get(
                &format!("/api/v1/users/{}/trail", s.authority_reviewer.user_id),
                Auth::Session(who),
            )
            .await;
        assert_eq!(reply.status, 403, "{}", reply.body);
    }
    assert_eq!(app.get(&path, Auth::Session(&admin)).await.status, 200);
    // Refusals read nothing and record no view.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'trail.read'")
            .await,
        1
    );
    let bad = app
        .get(&format!("{path}?format=xml"), Auth::Session(&admin))
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
}

#[tokio::test]
async fn a_credential_signed_for_a_logged_number_but_changed_is_not_in_log_and_an_extended_passs_earlier_one_still_checks()
 {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let issued = crate::flows::issue(&app, &s, "蒙K12345", 0, 3).await;
    let (pass, mut application, pt, issuer) = issuer_of(&app, &s, &issued).await;
    let sign = |application: &Application, until: i64| {
        issuer
            .sign(
                application,
                &pt,
                &pass.pass_number,
                pass.status_index,
                until,
                Vec::new(),
            )
            .unwrap()
            .1
    };
    // The logged number, signed with the real key, for thirty days more than was issued.
    let longer = sign(&application, pass.valid_until + 30 * 86_400_000);
    let reply = check(&app, &s, json!({ "text": longer })).await;
    assert_eq!(reply["code"], "not_in_log", "{reply}");
    // The logged number for another vehicle.
    application.plate = Some("蒙K99999".into());
    let other_vehicle = sign(&application, pass.valid_until);
    let reply = check(&app, &s, json!({ "text": other_vehicle })).await;
    assert_eq!(reply["code"], "not_in_log", "{reply}");
    // After a genuine extension, the credential issued first still checks valid, as does the
    // new one.
    let id = issued["id"].as_i64().unwrap();
    let extended = app
        .post(
            &format!("/api/v1/passes/{id}/extend"),
            Auth::Session(&s.authority_reviewer),
            json!({ "days": 5, "reason": "任务延期 / task extended" }),
        )
        .await;
    assert_eq!(extended.status, 200, "{}", extended.body);
    let first = check(&app, &s, json!({ "text": issued["credential"] })).await;
    assert_eq!(first["code"], "valid", "{first}");
    let now = epass::store::passes::get(app.db().pool(), id)
        .await
        .unwrap();
    assert_ne!(now.credential, pass.credential);
    let second = check(&app, &s, json!({ "text": now.credential })).await;
    assert_eq!(second["code"], "valid", "{second}");
}

#[tokio::test]
async fn a_supervisor_of_the_authority_reads_a_pass_but_cannot_change_it() {
    let app = spawn_app().await;
    let s = setting(&app).await;
    let pass = crate::flows::issue(&app, &s, "蒙K12345", 0, 3).await;
    let id = pass["id"].as_i64().unwrap();
    world::user(&app, "13900000020", &s.world.region_a, &[Role::Supervisor]).await;
    world::user(&app, "13900000021", &s.world.region_b, &[Role::Supervisor]).await;
    world::user(&app, "13900000022", &s.world.a1, &[Role::Supervisor]).await;
    let supervisor = app.login("13900000020", PASSWORD).await;
    let other_region = app.login("13900000021", PASSWORD).await;
    let department = app.login("13900000022", PASSWORD).await;
    let read = app
        .get(&format!("/api/v1/passes/{id}"), Auth::Session(&supervisor))
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["pass_number"], pass["pass_number"]);
    for who in [&other_region, &department] {
        let refused = app
            .get(&format!("/api/v1/passes/{id}"), Auth::Session(who))
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
    }
    let change = app
        .post(
            &format!("/api/v1/passes/{id}/status"),
            Auth::Session(&supervisor),
            json!({ "action": "revoke", "reason": "监督 / supervision" }),
        )
        .await;
    assert_eq!(change.status, 403, "{}", change.body);
    let still = epass::store::passes::get(app.db().pool(), id)
        .await
        .unwrap();
    assert_eq!(still.status, "active");
}
