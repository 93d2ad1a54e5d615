//! What a printed pass shows: the pass, its signed claims, and the names behind their ids
//! (pass type, zones, road sections, issuer), gathered for [`crate::pdf`].

use epass_credential::{Claims, Kind};

use super::{ActionResult, Caller};
use crate::pdf::PassSheet;
use crate::store::{Db, applications, now_ms, orgs, pass_types, zones};

const MINUTE_MS: i64 = 60_000;
/// Passes print in Beijing time (UTC+8 all year).
const BEIJING_MINUTES: i64 = 8 * 60;

/// `YYYY-MM-DD HH:MM` in Beijing time; an end at midnight prints as `24:00` of the day before,
/// which is how people read "valid to the 21st".
fn local_time(ms: i64, end: bool) -> String {
    let mut minutes = ms.div_euclid(MINUTE_MS) + BEIJING_MINUTES;
    let at_midnight = minutes.rem_euclid(1440) == 0;
    if end && at_midnight {
        minutes -= 1;
    }
    let date = date(minutes.div_euclid(1440));
    if end && at_midnight {
        format!("{date} 24:00")
    } else {
        let m = minutes.rem_euclid(1440);
        format!("{date} {:02}:{:02}", m / 60, m % 60)
    }
}

/// `YYYY-MM-DD` of a day counted from 1970-01-01 (Julian day 2440588).
fn date(day: i64) -> String {
    i32::try_from(day + 2_440_588)
        .ok()
        .and_then(|j| time::Date::from_julian_day(j).ok())
        .map_or_else(|| "?".into(), |d| d.to_string())
}

fn window(from: u16, to: u16) -> String {
    let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    if from == to {
        "全天 / all day".into()
    } else {
        format!("{}–{}", hm(from), hm(to))
    }
}

/// The names of catalogue entries, in the order the credential lists them.
async fn names(db: &Db, ids: &[u32]) -> ActionResult<Vec<String>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match zones::get(db.pool(), i64::from(*id)).await {
            Ok(zone) => out.push(zone.name_zh),
            Err(crate::store::StoreError::NotFound) => out.push(format!("#{id}")),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// A form value for display: a choice's label, else the value as written.
fn form_value(app: &applications::Application, pt: &pass_types::PassType, key: &str) -> String {
    let raw = app
        .form
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    pt.definition
        .form
        .iter()
        .find(|f| f.key == key)
        .and_then(|f| f.options.iter().find(|o| o.value == raw))
        .map_or_else(|| raw.to_owned(), |o| o.label.zh.clone())
}

fn freight_rows(
    app: &applications::Application,
    pt: &pass_types::PassType,
) -> Vec<(String, String)> {
    let place = |division: &str, address: &str| {
        format!(
            "{} {}",
            form_value(app, pt, division),
            form_value(app, pt, address)
        )
        .trim()
        .to_owned()
    };
    let mut rows = vec![
        (
            "起运地 / Origin".to_owned(),
            place("origin_division", "origin_address"),
        ),
        (
            "目的地 / Destination".to_owned(),
            place("destination_division", "destination_address"),
        ),
        ("货物 / Cargo".to_owned(), form_value(app, pt, "cargo_type")),
    ];
    let route = form_value(app, pt, "route");
    if !route.is_empty() {
        rows.push(("计划路线 / Route".to_owned(), route));
    }
    rows.retain(|(_, v)| !v.is_empty());
    rows
}

/// The printed rules: the pass type's (Chinese and English) when they are the ones signed into
/// the credential, else the signed Chinese text alone — the paper never says more than the QR.
fn rules(claims: Option<&Claims>, pt: &pass_types::PassType) -> Vec<(String, String)> {
    let typed: Vec<(String, String)> = pt
        .definition
        .printed_rules
        .iter()
        .map(|r| (r.zh.clone(), r.en.clone()))
        .collect();
    let joined: String = typed.iter().map(|(zh, _)| zh.as_str()).collect();
    match claims.and_then(|c| c.rules.clone()) {
        Some(signed) if signed != joined => vec![(signed, String::new())],
        Some(_) => typed,
        None => Vec::new(),
    }
}

/// The sheet of a pass, for its holder and those who manage it (as its QR code).
pub async fn pass_sheet(db: &Db, caller: &Caller, pass_id: i64) -> ActionResult<PassSheet> {
    let pass = super::passes::get(db, caller, pass_id).await?;
    let app = applications::get(db.pool(), pass.application_id).await?;
    let pt = pass_types::get(db.pool(), app.pass_type_id).await?;
    let authority = orgs::get(db.pool(), pass.authority_id).await?;
    let claims = epass_credential::read_claims_unverified(&pass.credential);
    let (zone_ids, road_ids, windows) = claims.as_ref().map_or_else(Default::default, |c| {
        (
            c.zones.clone(),
            c.road_sections.clone(),
            c.time_windows.clone(),
        )
    });
    let approvals = claims
        .as_ref()
        .map(|c| {
            c.approvals
                .iter()
                .map(|a| format!("{} {}", a.reviewer, date(a.date)))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let mut extra = if pt.kind == Kind::Freight {
        freight_rows(&app, &pt)
    } else {
        Vec::new()
    };
    if !approvals.is_empty() {
        extra.push(("审批 / Approved by".to_owned(), approvals.join("；")));
    }
    let notice = match pass.status.as_str() {
        "suspended" => Some("已暂停使用 SUSPENDED".to_owned()),
        "revoked" => Some("已撤销 REVOKED".to_owned()),
        _ if pass.valid_until <= now_ms() => Some("已过期 EXPIRED".to_owned()),
        _ => None,
    };
    Ok(PassSheet {
        title_zh: pt.name_zh.clone(),
        title_en: pt.name_en.clone(),
        pass_number: pass.pass_number.clone(),
        plate: pass.plate.clone(),
        holder_name: pass.holder_name.clone(),
        holder_id_masked: pass.holder_id_masked.clone(),
        zones: names(db, &zone_ids).await?,
        road_sections: names(db, &road_ids).await?,
        daily_times: windows.iter().map(|w| window(w.from, w.to)).collect(),
        valid_from: local_time(pass.valid_from, false),
        valid_until: local_time(pass.valid_until, true),
        extra,
        rules: rules(claims.as_ref(), &pt),
        issuer: format!("{}（{}）", authority.name, pass.issuer_code),
        issued_at: local_time(pass.issued_at, false),
        notice,
        credential: pass.credential,
    })
}

/// Records that `caller` printed (downloaded the PDF of) pass `number` on paper `size`: part of
/// the pass's trail.
pub async fn record_printed(
    db: &Db,
    caller: &Caller,
    number: &str,
    size: &str,
) -> ActionResult<()> {
    let actor = caller.actor(None);
    let mut event = actor.event("pass.printed", "pass", number);
    event.after = Some(serde_json::json!({ "size": size }));
    let mut tx = db.begin().await?;
    crate::store::audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_in_beijing_and_a_midnight_end_is_24_00() {
        // 2026-11-20T16:00:00Z is midnight of the 21st in Beijing.
        let midnight = 1_795_190_400_000;
        assert_eq!(local_time(midnight, false), "2026-11-21 00:00");
        assert_eq!(local_time(midnight, true), "2026-11-20 24:00");
        assert_eq!(
            local_time(midnight + 90 * MINUTE_MS, true),
            "2026-11-21 01:30"
        );
        assert_eq!(window(360, 1320), "06:00–22:00");
    }
}
