//! Decisions per reviewer over a span, for the supervisor's dashboard (labelled by name).

use sqlx::Row;

use super::StoreResult;

/// One reviewer's decisions in the span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewerCount {
    pub reviewer_id: i64,
    pub name: String,
    pub approved: i64,
    pub rejected: i64,
    pub returned: i64,
}

/// The `limit` reviewers of the authority's applications with the most decisions made from
/// `from_ms` (inclusive) to `to_ms` (exclusive), most first.
pub async fn by_reviewer(
    pool: &sqlx::AnyPool,
    authority_id: i64,
    from_ms: i64,
    to_ms: i64,
    limit: i64,
) -> StoreResult<Vec<ReviewerCount>> {
    let rows = sqlx::query(
        "SELECT d.reviewer_id, u.name, \
           SUM(CASE WHEN d.action = 'approve' THEN 1 ELSE 0 END), \
           SUM(CASE WHEN d.action = 'reject' THEN 1 ELSE 0 END), \
           SUM(CASE WHEN d.action = 'return' THEN 1 ELSE 0 END) \
         FROM decisions d JOIN applications a ON a.id = d.application_id \
         JOIN users u ON u.id = d.reviewer_id \
         WHERE a.authority_id = $1 AND d.decided_at >= $2 AND d.decided_at < $3 \
         GROUP BY d.reviewer_id, u.name ORDER BY COUNT(*) DESC, d.reviewer_id LIMIT $4",
    )
    .bind(authority_id)
    .bind(from_ms)
    .bind(to_ms)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ReviewerCount {
                reviewer_id: r.try_get(0)?,
                name: r.try_get(1)?,
                approved: r.try_get(2)?,
                rejected: r.try_get(3)?,
                returned: r.try_get(4)?,
            })
        })
        .collect()
}
