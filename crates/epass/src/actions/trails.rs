//! Accountability trails: for a pass, everything from its application to every check; for a
//! user, everything they decided, viewed or checked. For supervisors and system administrators
//! of the authority concerned; every view is itself an audit event (a read of personal data).
//! Exported as JSON, CSV (UTF-8 with BOM) or a signed bundle (see [`super::trail_bundle`]).

use serde::Serialize;

use super::{ActionError, ActionResult, Caller, log};
use crate::domain::roles::Role;
use crate::store::trails::{self, TrailRow};
use crate::store::{Db, StoreError, applications, audit, orgs, passes, users};

/// The most lines one export holds; a longer user trail is exported a period at a time.
pub const MAX_EXPORT: i64 = 10_000;

/// One line of a trail: an audit event (`kind` = `event`) or a recorded check (`check`), with
/// who did it, when, and its position in the tamper-evident log. Fields that do not apply are
/// left out.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TrailItem {
    /// `event` or `check`.
    pub kind: &'static str,
    /// The event's or check's row id.
    pub id: i64,
    /// The leaf position in the tamper-evident log (absent for rows older than the log).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_index: Option<i64>,
    /// When it happened (milliseconds since the Unix epoch; for a check, when it was made).
    pub at: i64,
    /// Who: the acting user (the officer, for a check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// The role the actor used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_role: Option<String>,
    /// What: the event's action (e.g. `application.decided`, `pass.revoked`), or `check`.
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_addr: Option<String>,
    // A check's own fields, as the log holds them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub officer_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<i64>,
    /// The check's outcome code (`valid`, `revoked`, `not_in_log`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<i64>,
}

fn parsed(summary: Option<&str>) -> Option<serde_json::Value> {
    summary.map(|s| {
        serde_json::from_str(s).unwrap_or_else(|_| serde_json::Value::String(s.to_owned()))
    })
}

impl From<&TrailRow> for TrailItem {
    fn from(r: &TrailRow) -> Self {
        let check = r.kind == "check";
        TrailItem {
            kind: r.kind,
            id: r.id,
            log_index: r.log_index,
            at: r.at,
            actor_user_id: r.actor_user_id,
            actor_name: r.actor_name.clone(),
            actor_role: r.actor_role.clone(),
            action: r.action.clone(),
            object_type: r.object_type.clone(),
            object_id: r.object_id.clone(),
            before: parsed(r.before.as_deref()),
            after: parsed(r.after.as_deref()),
            client_addr: r.client_addr.clone(),
            pass_id: r.pass_id,
            pass_number: r.pass_number.clone(),
            checkpoint_id: r.checkpoint_id,
            checkpoint_name: r.checkpoint_name.clone(),
            officer_id: if check { r.actor_user_id } else { None },
            longitude: r.longitude,
            latitude: r.latitude,
            checked_at: check.then_some(r.at),
            outcome: r.outcome.clone(),
            client_ref: r.client_ref.clone(),
            recorded_at: r.recorded_at,
        }
    }
}

/// A pass's trail, oldest first.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PassTrail {
    pub pass_id: i64,
    pub pass_number: String,
    pub items: Vec<TrailItem>,
}

/// The role a supervisor or system administrator holds over the whole authority `authority_id`.
async fn over_authority(db: &Db, caller: &Caller, authority_id: i64) -> ActionResult<Role> {
    let authority = orgs::get(db.pool(), authority_id).await?;
    caller.require_any(&[Role::Supervisor, Role::SystemAdmin], &authority.path)
}

/// The authority (root organisation) of an organisation path `/1/4/9/`.
fn root_of(path: &str) -> Option<i64> {
    path.trim_start_matches('/').split('/').next()?.parse().ok()
}

/// Records that `caller` viewed a trail.
async fn record_view(
    db: &Db,
    caller: &Caller,
    role: Role,
    (object_type, object_id): (&str, String),
    format: &str,
    lines: usize,
) -> ActionResult<()> {
    let actor = caller.actor(Some(role));
    let mut event = actor.event("trail.read", object_type, object_id);
    event.after = Some(serde_json::json!({ "format": format, "lines": lines }));
    let mut tx = db.begin().await?;
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Everything about pass `pass_id`, from its application to every check, in order; the view is
/// recorded (`format` names the export).
pub async fn pass_trail(
    db: &Db,
    caller: &Caller,
    pass_id: i64,
    format: &str,
) -> ActionResult<(PassTrail, Vec<TrailRow>)> {
    log::require_supervisor(caller)?;
    let pass = passes::get(db.pool(), pass_id).await?;
    let role = over_authority(db, caller, pass.authority_id).await?;
    let app = applications::get(db.pool(), pass.application_id).await?;
    let rows = trails::pass_trail(db.pool(), &pass, app.request_id).await?;
    record_view(
        db,
        caller,
        role,
        ("pass", pass.pass_number.clone()),
        format,
        rows.len(),
    )
    .await?;
    let trail = PassTrail {
        pass_id: pass.id,
        pass_number: pass.pass_number,
        items: rows.iter().map(TrailItem::from).collect(),
    };
    Ok((trail, rows))
}

/// Which part of a user's trail: a period and a page.
#[derive(Clone, Copy, Debug)]
pub struct UserTrailQuery {
    /// Milliseconds since the Unix epoch, included.
    pub from: Option<i64>,
    /// Milliseconds since the Unix epoch, excluded.
    pub to: Option<i64>,
    /// Log position after which to start (`None`: from the beginning).
    pub after: Option<i64>,
    /// Lines to fetch: one more than are shown (it tells whether another page follows).
    pub limit: i64,
}

/// What user `user_id` did between two times (decisions, reads of personal data, checks they
/// made, …), in log order; the view is recorded. A user of no organisation (an applicant) is
/// any authority's to look at.
pub async fn user_trail(
    db: &Db,
    caller: &Caller,
    user_id: i64,
    q: UserTrailQuery,
    format: &str,
) -> ActionResult<Vec<TrailRow>> {
    log::require_supervisor(caller)?;
    let user = users::get(db.pool(), user_id).await?;
    let role = match user.org_id {
        Some(org_id) => {
            let org = orgs::get(db.pool(), org_id).await?;
            let authority = root_of(&org.path).unwrap_or(org.id);
            over_authority(db, caller, authority).await?
        }
        None => {
            if caller.has_role(Role::Supervisor) {
                Role::Supervisor
            } else {
                Role::SystemAdmin
            }
        }
    };
    let (from, to) = (q.from.unwrap_or(0), q.to.unwrap_or(i64::MAX));
    if from > to {
        return Err(ActionError::invalid_msg(
            "from",
            "trail.period_reversed",
            "开始时间晚于结束时间。",
            "The start is after the end.",
        ));
    }
    let rows = trails::user_trail(
        db.pool(),
        user.id,
        (from, to),
        q.after.unwrap_or(-1),
        q.limit,
    )
    .await?;
    // One row more than a page is fetched, to tell whether another page follows.
    let shown = rows.len().min(usize::try_from(q.limit - 1).unwrap_or(0));
    record_view(
        db,
        caller,
        role,
        ("user", user.id.to_string()),
        format,
        shown,
    )
    .await?;
    Ok(rows)
}

/// A trail as CSV: a header, one row per line, UTF-8 with a byte-order mark (so spreadsheet
/// programs read the Chinese right). Text that a spreadsheet would take for a formula is
/// prefixed with `'`.
pub fn csv(items: &[TrailItem]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(
        "log_index,time_utc8,at_ms,kind,action,actor_user_id,actor_name,actor_role,\
         object_type,object_id,pass_number,checkpoint_id,checkpoint_name,longitude,latitude,\
         outcome,before,after\r\n",
    );
    let num = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    let float = |n: Option<f64>| n.map(|n| n.to_string()).unwrap_or_default();
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
    for i in items {
        let cells = [
            num(i.log_index),
            local_time(i.at),
            i.at.to_string(),
            i.kind.to_owned(),
            text(Some(&i.action)),
            num(i.actor_user_id),
            text(i.actor_name.as_deref()),
            text(i.actor_role.as_deref()),
            text(i.object_type.as_deref()),
            text(i.object_id.as_deref()),
            text(i.pass_number.as_deref()),
            num(i.checkpoint_id),
            text(i.checkpoint_name.as_deref()),
            float(i.longitude),
            float(i.latitude),
            text(i.outcome.as_deref()),
            text(json(&i.before).as_deref()),
            text(json(&i.after).as_deref()),
        ];
        let quoted: Vec<String> = cells.iter().map(|c| quote(c)).collect();
        out.push_str(&quoted.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A text cell, defused for spreadsheets.
fn text(s: Option<&str>) -> String {
    match s {
        Some(s) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{s}"),
        Some(s) => s.to_owned(),
        None => String::new(),
    }
}

fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// `2026-11-21 19:05:03.120` in China time (UTC+8).
fn local_time(ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(|t| t.to_offset(time::macros::offset!(+8)));
    match at {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        ),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(text(Some("=SUM(A1)")), "'=SUM(A1)");
        assert_eq!(local_time(0), "1970-01-01 08:00:00.000");
        assert_eq!(root_of("/1/4/9/"), Some(1));
    }
}
