//! Relying parties (insurers, car-rental firms) a licence holder may give a consent code to:
//! companies with at least one staff member holding the `relying_party` role there, and why a
//! pass stopped being in force (its last suspension or revocation reason).

use sqlx::Row;

use super::StoreResult;

/// A relying party as the holder chooses it.
#[derive(Clone, Debug)]
pub struct RelyingParty {
    pub id: i64,
    pub name: String,
}

/// The companies with a relying-party user, by name; `limit` at most, after `after_id` by id
/// when paginating is needed (the holder's form lists the first page).
pub async fn list<'e, E>(executor: E, after_id: i64, limit: i64) -> StoreResult<Vec<RelyingParty>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT o.id, o.name FROM orgs o WHERE o.kind = 'company' AND o.id > $1 AND EXISTS \
         (SELECT 1 FROM user_roles r WHERE r.org_id = o.id AND r.role = 'relying_party') \
         ORDER BY o.id LIMIT $2",
    )
    .bind(after_id)
    .bind(limit)
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RelyingParty {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
            })
        })
        .collect()
}

/// The reason given when the pass was last suspended or revoked, if any.
pub async fn status_reason<'e, E>(executor: E, pass_number: &str) -> StoreResult<Option<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT after_summary FROM audit_events WHERE object_type = 'pass' AND object_id = $1 \
         AND action IN ('pass.suspended', 'pass.revoked') ORDER BY id DESC LIMIT 1",
    )
    .bind(pass_number)
    .fetch_optional(executor)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let after: Option<String> = row.try_get(0)?;
    Ok(after
        .and_then(|a| serde_json::from_str::<serde_json::Value>(&a).ok())
        .and_then(|v| v["reason"].as_str().map(str::to_owned))
        .filter(|r| !r.is_empty()))
}
