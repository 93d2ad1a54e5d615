//! The reads an alert scan makes: new checks and audit events by id, a check's placed
//! neighbours, counts in a sliding window, and the day's decisions.

use super::*;

/// The first segment of a materialised path: the authority at the root of the tree.
pub fn root_of(path: &str) -> Option<i64> {
    path.split('/').find(|s| !s.is_empty())?.parse().ok()
}

/// A recorded check as the scan sees it: with its place (its own, else its checkpoint's) and
/// the authority it concerns.
#[derive(Clone, Debug)]
pub struct ScannedCheck {
    pub id: i64,
    pub pass_id: Option<i64>,
    pub pass_number: Option<String>,
    pub checkpoint_id: Option<i64>,
    pub officer_id: i64,
    pub checked_at: i64,
    pub outcome: String,
    pub place: Option<(f64, f64)>,
    /// The pass's authority, else the checkpoint's, else the officer's.
    pub authority_id: Option<i64>,
    pub pass_status: Option<String>,
    pub pass_status_changed_at: Option<i64>,
}

/// The place of a check: its own position, else its checkpoint's.
const PLACE: &str = "CASE WHEN c.longitude IS NOT NULL AND c.latitude IS NOT NULL \
     THEN c.longitude ELSE k.longitude END, \
     CASE WHEN c.longitude IS NOT NULL AND c.latitude IS NOT NULL \
     THEN c.latitude ELSE k.latitude END";

fn place(row: &AnyRow, lon: usize) -> StoreResult<Option<(f64, f64)>> {
    let longitude: Option<f64> = row.try_get(lon)?;
    let latitude: Option<f64> = row.try_get(lon + 1)?;
    Ok(longitude.zip(latitude))
}

/// Checks with ids in `(after, upto]`, oldest first, at most `limit`.
pub async fn checks_between(
    tx: &mut Tx,
    after: i64,
    upto: i64,
    limit: i64,
) -> StoreResult<Vec<ScannedCheck>> {
    let sql = format!(
        "SELECT c.id, c.pass_id, c.pass_number, c.checkpoint_id, c.officer_id, c.checked_at, \
         c.outcome, {PLACE}, p.authority_id, p.status, p.status_changed_at, ko.path, uo.path \
         FROM checks c \
         LEFT JOIN checkpoints k ON k.id = c.checkpoint_id \
         LEFT JOIN orgs ko ON ko.id = k.org_id \
         LEFT JOIN passes p ON p.id = c.pass_id \
         LEFT JOIN users u ON u.id = c.officer_id \
         LEFT JOIN orgs uo ON uo.id = u.org_id \
         WHERE c.id > $1 AND c.id <= $2 ORDER BY c.id LIMIT $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(upto)
        .bind(limit)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|row| {
            let pass_authority: Option<i64> = row.try_get(9)?;
            let checkpoint_path: Option<String> = row.try_get(12)?;
            let officer_path: Option<String> = row.try_get(13)?;
            Ok(ScannedCheck {
                id: row.try_get(0)?,
                pass_id: row.try_get(1)?,
                pass_number: row.try_get(2)?,
                checkpoint_id: row.try_get(3)?,
                officer_id: row.try_get(4)?,
                checked_at: row.try_get(5)?,
                outcome: row.try_get(6)?,
                place: place(row, 7)?,
                authority_id: pass_authority
                    .or_else(|| checkpoint_path.as_deref().and_then(root_of))
                    .or_else(|| officer_path.as_deref().and_then(root_of)),
                pass_status: row.try_get(10)?,
                pass_status_changed_at: row.try_get(11)?,
            })
        })
        .collect()
}

/// Another check of the same pass with a place.
#[derive(Clone, Debug)]
pub struct PlacedCheck {
    pub id: i64,
    pub checkpoint_id: Option<i64>,
    pub checked_at: i64,
    pub place: (f64, f64),
}

/// The pass's check with a place just before (`earlier`) or just after the given one in time
/// (ties broken by id). Reads the `checks_pass (pass_id, checked_at)` index.
pub async fn neighbour(
    tx: &mut Tx,
    pass_id: i64,
    check_id: i64,
    checked_at: i64,
    earlier: bool,
) -> StoreResult<Option<PlacedCheck>> {
    let (cmp, order) = if earlier {
        (
            "(c.checked_at < $2 OR (c.checked_at = $2 AND c.id < $3))",
            "DESC",
        )
    } else {
        (
            "(c.checked_at > $2 OR (c.checked_at = $2 AND c.id > $3))",
            "ASC",
        )
    };
    let sql = format!(
        "SELECT c.id, c.checkpoint_id, c.checked_at, {PLACE} FROM checks c \
         LEFT JOIN checkpoints k ON k.id = c.checkpoint_id \
         WHERE c.pass_id = $1 AND {cmp} \
           AND ((c.longitude IS NOT NULL AND c.latitude IS NOT NULL) OR k.id IS NOT NULL) \
         ORDER BY c.checked_at {order}, c.id {order} LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(pass_id)
        .bind(checked_at)
        .bind(check_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let Some(place) = place(&row, 3)? else {
        return Ok(None);
    };
    Ok(Some(PlacedCheck {
        id: row.try_get(0)?,
        checkpoint_id: row.try_get(1)?,
        checked_at: row.try_get(2)?,
        place,
    }))
}

/// An audit event as the scan sees it.
#[derive(Clone, Debug)]
pub struct ScannedEvent {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_role: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
}

/// Events of the given actions with ids in `(after, upto]`, oldest first, at most `limit`.
pub async fn events_between(
    tx: &mut Tx,
    after: i64,
    upto: i64,
    actions: &[&str],
    limit: i64,
) -> StoreResult<Vec<ScannedEvent>> {
    let sql = format!(
        "SELECT id, at, actor_user_id, actor_role, action, object_type, object_id \
         FROM audit_events WHERE id > $1 AND id <= $2 AND action IN ({}) ORDER BY id LIMIT $3",
        crate::store::in_list(actions.len(), 4)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after)
        .bind(upto)
        .bind(limit);
    for a in actions {
        query = query.bind(*a);
    }
    let rows = query.fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|row| {
            Ok(ScannedEvent {
                id: row.try_get(0)?,
                at: row.try_get(1)?,
                actor_user_id: row.try_get(2)?,
                actor_role: row.try_get(3)?,
                action: row.try_get(4)?,
                object_type: row.try_get(5)?,
                object_id: row.try_get(6)?,
            })
        })
        .collect()
}

/// Events in a window: how many, the first ids, and the distinct client addresses among those.
#[derive(Clone, Debug, Default)]
pub struct WindowCount {
    pub count: i64,
    pub ids: Vec<i64>,
    pub client_addrs: Vec<String>,
}

/// Most event ids kept as evidence of one alert.
pub const EVIDENCE_IDS: i64 = 200;

/// Whose events a window counts: an actor's, or those about one object.
#[derive(Clone, Debug)]
enum Subject {
    Actor(i64),
    Object(String),
}

/// Events matching `condition` (on `$1`, the subject) with `at` in `(from, to]`.
async fn window(
    tx: &mut Tx,
    condition: &str,
    subject: Subject,
    (from, to): (i64, i64),
) -> StoreResult<WindowCount> {
    let bind = |sql: String| {
        let query = sqlx::query(sqlx::AssertSqlSafe(sql));
        match &subject {
            Subject::Actor(id) => query.bind(*id),
            Subject::Object(id) => query.bind(id.clone()),
        }
    };
    let count: i64 = bind(format!(
        "SELECT COUNT(*) FROM audit_events WHERE {condition} AND at > $2 AND at <= $3"
    ))
    .bind(from)
    .bind(to)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    let rows = bind(format!(
        "SELECT id, client_addr FROM audit_events WHERE {condition} AND at > $2 AND at <= $3 \
         ORDER BY id LIMIT $4"
    ))
    .bind(from)
    .bind(to)
    .bind(EVIDENCE_IDS)
    .fetch_all(&mut **tx)
    .await?;
    let mut out = WindowCount {
        count,
        ..WindowCount::default()
    };
    for row in rows {
        out.ids.push(row.try_get(0)?);
        if let Some(addr) = row.try_get::<Option<String>, _>(1)?
            && !out.client_addrs.contains(&addr)
        {
            out.client_addrs.push(addr);
        }
    }
    Ok(out)
}

/// Actions that reveal personal data to the actor.
pub const PII_READS: [&str; 2] = ["pii.id_number_read", "document.read"];

/// `user_id`'s reads of other people's personal data with `at` in `(from, to]`: full ID
/// numbers of others, and documents read as staff (not an applicant's own).
pub async fn pii_reads(tx: &mut Tx, user_id: i64, from: i64, to: i64) -> StoreResult<WindowCount> {
    window(
        tx,
        "actor_user_id = $1 AND action IN ('pii.id_number_read', 'document.read') \
         AND NOT (action = 'pii.id_number_read' AND object_id = CAST(actor_user_id AS TEXT)) \
         AND (actor_role IS NULL OR actor_role <> 'applicant')",
        Subject::Actor(user_id),
        (from, to),
    )
    .await
}

/// Failed logins of account `user_id` with `at` in `(from, to]`.
pub async fn failed_logins(
    tx: &mut Tx,
    user_id: i64,
    from: i64,
    to: i64,
) -> StoreResult<WindowCount> {
    window(
        tx,
        "object_type = 'user' AND object_id = $1 AND action = 'auth.login_failed'",
        Subject::Object(user_id.to_string()),
        (from, to),
    )
    .await
}

/// The authority of a user's organisation, if they belong to one.
pub async fn user_authority(tx: &mut Tx, user_id: i64) -> StoreResult<Option<i64>> {
    let path: Option<String> =
        sqlx::query("SELECT o.path FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id = $1")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
    Ok(path.as_deref().and_then(root_of))
}

/// When the decisions on these applications were made.
pub async fn decision_times(tx: &mut Tx, application_ids: &[i64]) -> StoreResult<Vec<i64>> {
    let mut times = Vec::new();
    for part in application_ids.chunks(crate::store::batch_rows(tx, 1)) {
        let sql = format!(
            "SELECT decided_at FROM decisions WHERE application_id IN ({})",
            crate::store::in_list(part.len(), 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in part {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut **tx).await? {
            times.push(row.try_get(0)?);
        }
    }
    Ok(times)
}

/// One review decision, for comparing reviewers.
#[derive(Clone, Debug)]
pub struct DayDecision {
    pub id: i64,
    pub reviewer_id: i64,
    pub decided_at: i64,
    pub authority_id: i64,
}

/// Decisions made in `[from, to)`, by reviewer then time.
pub async fn decisions_between(tx: &mut Tx, from: i64, to: i64) -> StoreResult<Vec<DayDecision>> {
    let rows = sqlx::query(
        "SELECT d.id, d.reviewer_id, d.decided_at, a.authority_id FROM decisions d \
         JOIN applications a ON a.id = d.application_id \
         WHERE d.decided_at >= $1 AND d.decided_at < $2 \
         ORDER BY d.reviewer_id, d.decided_at, d.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DayDecision {
                id: row.try_get(0)?,
                reviewer_id: row.try_get(1)?,
                decided_at: row.try_get(2)?,
                authority_id: row.try_get(3)?,
            })
        })
        .collect()
}
