//! Users, their role grants, lock-out counters and protected ID numbers.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreError, StoreResult, Tx, now_ms};
use crate::domain::roles::{Grant, Role};

/// A user as stored, without secrets.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub phone: String,
    pub name: String,
    pub org_id: Option<i64>,
    /// The ID number as shown by default, e.g. `110***********002X`.
    pub id_number_masked: Option<String>,
    #[serde(skip)]
    pub password_hash: Option<String>,
    #[serde(skip)]
    pub failed_logins: i64,
    #[serde(skip)]
    pub locked_until: Option<i64>,
    #[serde(skip)]
    pub disabled_at: Option<i64>,
}

const COLUMNS: &str = "id, phone, name, org_id, id_number_masked, password_hash, failed_logins, locked_until, disabled_at";

fn from_row(row: &AnyRow) -> StoreResult<User> {
    Ok(User {
        id: row.try_get(0)?,
        phone: row.try_get(1)?,
        name: row.try_get(2)?,
        org_id: row.try_get(3)?,
        id_number_masked: row.try_get(4)?,
        password_hash: row.try_get(5)?,
        failed_logins: row.try_get(6)?,
        locked_until: row.try_get(7)?,
        disabled_at: row.try_get(8)?,
    })
}

pub async fn insert(
    tx: &mut Tx,
    phone: &str,
    name: &str,
    org_id: Option<i64>,
    password_hash: Option<&str>,
) -> StoreResult<User> {
    let id: i64 = sqlx::query(
        "INSERT INTO users (phone, name, org_id, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(phone)
    .bind(name)
    .bind(org_id)
    .bind(password_hash)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    get(&mut **tx, id).await
}

pub async fn get<'e, E>(executor: E, id: i64) -> StoreResult<User>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    super::get_by_id(executor, "users", COLUMNS, id, from_row).await
}

pub async fn find_by_phone<'e, E>(executor: E, phone: &str) -> StoreResult<Option<User>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM users WHERE phone = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(phone)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Users whose home organisation lies in one of the subtrees, by ascending id after `after_id`.
pub async fn list_in_subtrees(
    pool: &sqlx::AnyPool,
    paths: &[String],
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<User>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {cols} FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id > $1 AND {} \
         ORDER BY u.id LIMIT $2",
        super::subtree_clause("o.path", paths.len(), 3)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after_id)
        .bind(limit);
    for path in paths {
        query = query.bind(super::subtree_pattern(path));
    }
    query.fetch_all(pool).await?.iter().map(from_row).collect()
}

/// Users whose home organisation lies in one of the subtrees and whose phone or name contains
/// `search` (when given), by ascending id after `after_id`.
pub async fn search_in_subtrees(
    pool: &sqlx::AnyPool,
    paths: &[String],
    search: Option<&str>,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<User>> {
    let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) else {
        return list_in_subtrees(pool, paths, after_id, limit).await;
    };
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {cols} FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.id > $1 \
         AND (u.phone LIKE $3 ESCAPE '\\' OR u.name LIKE $3 ESCAPE '\\') AND {} \
         ORDER BY u.id LIMIT $2",
        super::subtree_clause("o.path", paths.len(), 4)
    );
    let escaped: String = search
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after_id)
        .bind(limit)
        .bind(format!("%{escaped}%"));
    for path in paths {
        query = query.bind(super::subtree_pattern(path));
    }
    query.fetch_all(pool).await?.iter().map(from_row).collect()
}

pub async fn grants<'e, E>(executor: E, user_id: i64) -> StoreResult<Vec<Grant>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT r.role, r.org_id, o.path FROM user_roles r JOIN orgs o ON o.id = r.org_id \
         WHERE r.user_id = $1 ORDER BY r.role, r.org_id",
    )
    .bind(user_id)
    .fetch_all(executor)
    .await?;
    let mut grants = Vec::with_capacity(rows.len());
    for row in rows {
        let role: String = row.try_get(0)?;
        // A role name this build does not know grants nothing.
        if let Some(role) = Role::parse(&role) {
            grants.push(Grant {
                role,
                org_id: row.try_get(1)?,
                org_path: row.try_get(2)?,
            });
        }
    }
    Ok(grants)
}

pub async fn add_grant(tx: &mut Tx, user_id: i64, role: Role, org_id: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO user_roles (user_id, role, org_id, granted_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(role.as_str())
    .bind(org_id)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_password(tx: &mut Tx, user_id: i64, hash: &str) -> StoreResult<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Counts a failed login; locks the account until `lock_until` once `threshold` is reached.
/// Returns the new count.
pub async fn record_failed_login(
    tx: &mut Tx,
    user_id: i64,
    threshold: i64,
    lock_until: i64,
) -> StoreResult<i64> {
    let count: i64 = sqlx::query(
        "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
    )
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    if count >= threshold {
        sqlx::query("UPDATE users SET locked_until = $1, failed_logins = 0 WHERE id = $2")
            .bind(lock_until)
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(count)
}

pub async fn reset_failed_logins(tx: &mut Tx, user_id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Stores an ID number sealed, with its keyed look-up hash and masked form.
pub async fn set_id_number(
    tx: &mut Tx,
    user_id: i64,
    sealed: &[u8],
    lookup_hash: &[u8],
    masked: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET id_number_sealed = $1, id_number_hash = $2, id_number_masked = $3 \
         WHERE id = $4",
    )
    .bind(sealed)
    .bind(lookup_hash)
    .bind(masked)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The sealed ID number of a user, if one was registered.
pub async fn sealed_id_number(tx: &mut Tx, user_id: i64) -> StoreResult<Option<Vec<u8>>> {
    Ok(
        sqlx::query("SELECT id_number_sealed FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?
            .try_get(0)?,
    )
}

/// The user holding this ID number, found through its keyed hash.
pub async fn find_by_id_number_hash(
    pool: &sqlx::AnyPool,
    lookup_hash: &[u8],
) -> StoreResult<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id_number_hash = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(lookup_hash)
        .fetch_optional(pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Name and phone of a batch of users, by id.
pub async fn contacts<'e, E>(
    executor: E,
    ids: &[i64],
) -> StoreResult<std::collections::HashMap<i64, (String, String)>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let sql = format!(
        "SELECT id, name, phone FROM users WHERE id IN ({})",
        super::in_list(ids.len(), 1)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(*id);
    }
    query
        .fetch_all(executor)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
        .collect()
}
