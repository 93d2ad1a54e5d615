//! All SQL lives here: one connection pool over SQLite or PostgreSQL, one migration folder per engine.
//!
//! Queries are written once in the dialect both engines share: `$1` placeholders, `BIGINT`
//! millisecond timestamps, `TEXT` and bytes, `RETURNING`. Nothing relies on advisory locks or
//! LISTEN/NOTIFY, which the distributed PostgreSQL-compatible engines lack.

pub mod alerts;
pub mod applications;
pub mod audit;
pub mod checkpoints;
pub mod checks;
pub mod documents;
pub mod holidays;
pub mod invitations;
pub mod keys;
pub mod licences;
pub mod merkle_heads;
pub mod merkle_log;
pub mod orgs;
pub mod otp;
pub mod outbox;
pub mod pass_types;
pub mod passes;
pub mod registries;
pub mod registry_runs;
pub mod relying_parties;
pub mod reviewer_counts;
pub mod rounds;
pub mod sessions;
pub mod statistics;
pub mod tokens;
pub mod trails;
pub mod truck_restrictions;
pub mod user_documents;
pub mod users;
pub mod vehicle_claims;
pub mod zones;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Row};

/// One transaction; every action runs its change and its audit event in one of these.
///
/// It dereferences to the connection (`&mut **tx` is an executor). Once it has appended to the
/// tamper-evident log it holds the log's tail (see [`merkle_log::Pending`]): later appends in
/// the same transaction cost one insert each, and the tail row, blocks and nodes are written
/// once, by [`Tx::commit`]. Commit through `Tx::commit`, never around it.
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
    log: Option<merkle_log::Pending>,
}

impl Tx {
    /// Writes what the log owes (tail, blocks, nodes), then commits.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        merkle_log::flush(&mut self)
            .await
            .map_err(StoreError::into_sqlx)?;
        self.inner.commit().await
    }

    /// Rolls back; whatever the log held for this transaction is dropped with it.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }

    pub(crate) fn log_mut(&mut self) -> &mut Option<merkle_log::Pending> {
        &mut self.log
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx")
            .field("log", &self.log.as_ref().map(|p| p.owed()))
            .finish_non_exhaustive()
    }
}

/// Which database engine a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Failures of the storage layer. Callers map `NotFound` and `Conflict` to user-facing errors;
/// everything else is internal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflicts with an existing record")]
    Conflict,
    #[error("unsupported database URL {0:?}: use sqlite:// or postgres://")]
    UnsupportedUrl(String),
    #[error("durability setting not in force: {0}")]
    Durability(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl StoreError {
    /// Back to the driver's error, for [`Tx::commit`], whose callers expect one.
    fn into_sqlx(self) -> sqlx::Error {
        match self {
            StoreError::Database(e) => e,
            other => sqlx::Error::Protocol(other.to_string()),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            // An overlapping vehicle claim: PostgreSQL's exclusion_violation, or the SQLite
            // trigger of migration 0007.
            sqlx::Error::Database(db)
                if db.code().as_deref() == Some("23P01")
                    || db.message().contains("vehicle_claims_overlap") =>
            {
                StoreError::Conflict
            }
            _ => StoreError::Database(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The connection pool and the engine behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    engine: Engine,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects (creating a SQLite file if needed), applies the migrations and asserts the
    /// durability settings.
    pub async fn open(url: &str) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Engine::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        if engine == Engine::Sqlite {
            ensure_sqlite_parent(url);
        }
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match engine {
                Engine::Sqlite => 8,
                Engine::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        // WAL lets readers run beside the writer; FULL syncs the WAL on every
                        // commit, so whatever we acknowledge to a user survives a power cut.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    } else {
                        conn.execute("SET synchronous_commit = on").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let db = Db { pool, engine };
        db.migrate().await?;
        db.assert_durability().await?;
        Ok(db)
    }

    async fn migrate(&self) -> StoreResult<()> {
        match self.engine {
            Engine::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Engine::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Refuses to run when a write we acknowledge could be lost on a crash.
    pub async fn assert_durability(&self) -> StoreResult<()> {
        match self.engine {
            Engine::Sqlite => {
                let mode: String = sqlx::query("PRAGMA journal_mode")
                    .fetch_one(&self.pool)
                    .await?
                    .try_get(0)?;
                let sync: i64 = sqlx::query("PRAGMA synchronous")
                    .fetch_one(&self.pool)
                    .await?
                    .try_get(0)?;
                // 2 = FULL, 3 = EXTRA.
                if !mode.eq_ignore_ascii_case("wal") || sync < 2 {
                    return Err(StoreError::Durability(format!(
                        "SQLite journal_mode={mode}, synchronous={sync}; need wal and FULL (2)"
                    )));
                }
            }
            Engine::Postgres => {
                let value: String = sqlx::query("SHOW synchronous_commit")
                    .fetch_one(&self.pool)
                    .await?
                    .try_get(0)?;
                if value != "on" {
                    return Err(StoreError::Durability(format!(
                        "PostgreSQL synchronous_commit={value}; need on"
                    )));
                }
            }
        }
        Ok(())
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`),
    /// so two writers queue on the busy timeout instead of failing when a read upgrades to a write.
    pub async fn begin(&self) -> StoreResult<Tx> {
        let inner = match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Engine::Postgres => self.pool.begin().await?,
        };
        Ok(Tx { inner, log: None })
    }

    /// True when the database answers a trivial query (readiness).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await.is_ok()
    }
}

/// SQLite creates the file but not its folder.
fn ensure_sqlite_parent(url: &str) {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(':') {
        return;
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        // A failure shows up as a clear connect error right after; nothing to add here.
        let _ = std::fs::create_dir_all(parent);
    }
}

/// The row of `table` with this id, read with `columns` and built by `from_row`; `NotFound` when
/// there is none.
pub(crate) async fn get_by_id<'e, E, T>(
    executor: E,
    table: &str,
    columns: &str,
    id: i64,
    from_row: fn(&sqlx::any::AnyRow) -> StoreResult<T>,
) -> StoreResult<T>
where
    E: Executor<'e, Database = Any>,
{
    // `table` and `columns` are constants of the calling module, never input.
    let sql = format!("SELECT {columns} FROM {table} WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(executor)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// `(column LIKE $first OR column LIKE $first+1 …)`, one term per organisation subtree; bind
/// [`subtree_pattern`] of each path in order. The paths come from the caller's own grants, and
/// are bound, never spliced.
pub(crate) fn subtree_clause(column: &str, paths: usize, first: usize) -> String {
    let terms: Vec<String> = (0..paths)
        .map(|i| format!("{column} LIKE ${}", first + i))
        .collect();
    format!("({})", terms.join(" OR "))
}

/// The `LIKE` pattern matching a materialised path and everything below it.
pub(crate) fn subtree_pattern(path: &str) -> String {
    format!("{path}%")
}

/// Bound parameters per multi-row statement on SQLite. Far below its limit (32,766) on
/// purpose: the SQLite driver looks up each parameter's name by a linear scan, so a
/// statement's binding cost grows with the square of its parameters. Measured on 100,000
/// vehicles: with 4,000 parameters per statement 56% of the time went to that look-up, and the
/// import ran at a quarter of the speed it has with 240.
pub const SQLITE_PARAMS_PER_STATEMENT: usize = 240;

/// The same on PostgreSQL (limit 65,535), where the cost is round trips, not binding.
pub const POSTGRES_PARAMS_PER_STATEMENT: usize = 6000;

/// Rows per statement for a table with `cols` bound columns.
pub(crate) fn batch_rows(tx: &Tx, cols: usize) -> usize {
    let budget = if tx.backend_name() == "SQLite" {
        SQLITE_PARAMS_PER_STATEMENT
    } else {
        POSTGRES_PARAMS_PER_STATEMENT
    };
    (budget / cols).max(1)
}

/// `$first, $first+1, …` for an `IN (…)` list of `n` bound values.
pub(crate) fn in_list(n: usize, first: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `($first, …), (…), …`: the VALUES of a multi-row INSERT of `rows` rows of `cols` parameters.
/// Batches stay well under both engines' parameter limits (SQLite 32,766; PostgreSQL 65,535).
pub(crate) fn value_rows(rows: usize, cols: usize, first: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (0..cols)
                .map(|c| format!("${}", first + r * cols + c))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Milliseconds since the Unix epoch: the one time representation stored in both engines.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

/// An opaque cursor for keyset pagination over ascending ids.
pub mod cursor {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    pub fn encode(last_id: i64) -> String {
        URL_SAFE_NO_PAD.encode(format!("id:{last_id}"))
    }

    /// `None` for a cursor we did not make.
    pub fn decode(cursor: &str) -> Option<i64> {
        let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        std::str::from_utf8(&bytes)
            .ok()?
            .strip_prefix("id:")?
            .parse()
            .ok()
    }
}
