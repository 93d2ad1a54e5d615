//! Organisations: a tree (authority → departments → companies) stored with materialised paths.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{StoreError, StoreResult, Tx, now_ms};
use crate::domain::roles::child_path;

/// The three levels of the organisation tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Authority,
    Department,
    Company,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Authority => "authority",
            OrgKind::Department => "department",
            OrgKind::Company => "company",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "authority" => Some(OrgKind::Authority),
            "department" => Some(OrgKind::Department),
            "company" => Some(OrgKind::Company),
            _ => None,
        }
    }
}

/// An organisation as stored.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Org {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: OrgKind,
    pub name: String,
    pub division_code: String,
    pub credit_code: Option<String>,
    /// Set when a person accepted a credit code that fails its checksum.
    pub credit_code_override_by: Option<i64>,
    #[serde(skip)]
    pub path: String,
}

/// What is needed to create an organisation; values are already parsed.
#[derive(Clone, Debug)]
pub struct NewOrg<'a> {
    pub parent: Option<&'a Org>,
    pub kind: OrgKind,
    pub name: &'a str,
    pub division_code: &'a str,
    pub credit_code: Option<&'a str>,
    pub credit_code_override_by: Option<i64>,
}

const COLUMNS: &str =
    "id, parent_id, kind, name, division_code, credit_code, credit_code_override_by, path";

fn from_row(row: &AnyRow) -> StoreResult<Org> {
    let kind: String = row.try_get(2)?;
    Ok(Org {
        id: row.try_get(0)?,
        parent_id: row.try_get(1)?,
        kind: OrgKind::parse(&kind).ok_or(StoreError::NotFound)?,
        name: row.try_get(3)?,
        division_code: row.try_get(4)?,
        credit_code: row.try_get(5)?,
        credit_code_override_by: row.try_get(6)?,
        path: row.try_get(7)?,
    })
}

pub async fn insert(tx: &mut Tx, new: &NewOrg<'_>) -> StoreResult<Org> {
    let id: i64 = sqlx::query(
        "INSERT INTO orgs (parent_id, kind, name, division_code, credit_code, \
         credit_code_override_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(new.parent.map(|p| p.id))
    .bind(new.kind.as_str())
    .bind(new.name)
    .bind(new.division_code)
    .bind(new.credit_code)
    .bind(new.credit_code_override_by)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    let path = child_path(new.parent.map_or("", |p| p.path.as_str()), id);
    sqlx::query("UPDATE orgs SET path = $1 WHERE id = $2")
        .bind(&path)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(Org {
        id,
        parent_id: new.parent.map(|p| p.id),
        kind: new.kind,
        name: new.name.to_owned(),
        division_code: new.division_code.to_owned(),
        credit_code: new.credit_code.map(str::to_owned),
        credit_code_override_by: new.credit_code_override_by,
        path,
    })
}

pub async fn get<'e, E>(executor: E, id: i64) -> StoreResult<Org>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    super::get_by_id(executor, "orgs", COLUMNS, id, from_row).await
}

/// Organisations inside any of the given subtrees, by ascending id after `after_id`.
pub async fn list_in_subtrees(
    pool: &sqlx::AnyPool,
    paths: &[String],
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<Org>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM orgs WHERE id > $1 AND {} ORDER BY id LIMIT $2",
        super::subtree_clause("path", paths.len(), 3)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after_id)
        .bind(limit);
    for path in paths {
        query = query.bind(super::subtree_pattern(path));
    }
    query.fetch_all(pool).await?.iter().map(from_row).collect()
}

/// Organisations inside any of the given subtrees in tree order (by materialised path, so each
/// comes after its parent), after the one at path `after_path`.
pub async fn tree_in_subtrees(
    pool: &sqlx::AnyPool,
    paths: &[String],
    after_path: &str,
    limit: i64,
) -> StoreResult<Vec<Org>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM orgs WHERE path > $1 AND {} ORDER BY path LIMIT $2",
        super::subtree_clause("path", paths.len(), 3)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after_path)
        .bind(limit);
    for path in paths {
        query = query.bind(super::subtree_pattern(path));
    }
    query.fetch_all(pool).await?.iter().map(from_row).collect()
}

/// Every authority (root of a tree), by id.
pub async fn authorities(pool: &sqlx::AnyPool) -> StoreResult<Vec<Org>> {
    let sql = format!("SELECT {COLUMNS} FROM orgs WHERE parent_id IS NULL ORDER BY id");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The whole tree is empty: the first start of a new installation.
pub async fn is_empty(pool: &sqlx::AnyPool) -> StoreResult<bool> {
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM orgs")
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    Ok(n == 0)
}
