//! Creating organisations in the tree (authority → departments → companies).

use super::{ActionError, ActionResult, Actor, Caller};
use crate::domain::ids::{ChecksumStatus, CreditCode, DivisionCode};
use crate::domain::roles::Role;
use crate::store::orgs::{NewOrg, Org, OrgKind};
use crate::store::{Db, StoreError, audit, orgs};

/// An organisation as submitted, before parsing.
#[derive(Clone, Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct OrgInput {
    pub parent_id: i64,
    pub kind: OrgKind,
    pub name: String,
    pub division_code: String,
    pub credit_code: Option<String>,
    /// Accept a credit code whose check character is wrong (some real codes are); recorded.
    #[serde(default)]
    pub override_checksum: bool,
}

fn check_name(name: &str) -> ActionResult<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ActionError::invalid_msg(
            "name",
            "org.name_length",
            "单位名称须为 1 至 100 个字符。",
            "The organisation name must be 1 to 100 characters.",
        ));
    }
    Ok(name)
}

/// Creates a top-level authority; only the CLI and the demo seed do this.
pub async fn create_authority(
    db: &Db,
    actor: &Actor,
    name: &str,
    division_code: &str,
) -> ActionResult<Org> {
    let name = check_name(name)?;
    let division = DivisionCode::parse(division_code)
        .map_err(|e| ActionError::invalid("division_code", &e))?;
    let mut tx = db.begin().await?;
    let org = orgs::insert(
        &mut tx,
        &NewOrg {
            parent: None,
            kind: OrgKind::Authority,
            name,
            division_code: division.as_str(),
            credit_code: None,
            credit_code_override_by: None,
        },
    )
    .await?;
    let mut event = actor.event("org.created", "org", org.id);
    event.after = Some(serde_json::to_value(&org).unwrap_or_default());
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(org)
}

/// Creates an organisation under `parent_id`; the caller must administer the parent's subtree.
pub async fn create(db: &Db, caller: &Caller, input: &OrgInput) -> ActionResult<Org> {
    caller.require_scope("orgs:write")?;
    let parent = orgs::get(db.pool(), input.parent_id).await?;
    let role = caller.require_any(&[Role::SystemAdmin], &parent.path)?;
    let name = check_name(&input.name)?;
    let division = DivisionCode::parse(&input.division_code)
        .map_err(|e| ActionError::invalid("division_code", &e))?;
    let kind_fits = match input.kind {
        OrgKind::Authority => false,
        OrgKind::Department => parent.kind != OrgKind::Company,
        OrgKind::Company => true,
    };
    if !kind_fits {
        return Err(ActionError::invalid_msg(
            "kind",
            "org.kind_placement",
            "该类型的单位不能建在此上级单位之下。",
            "An organisation of this kind cannot sit under that parent.",
        ));
    }
    let (credit_code, overridden) = match (&input.credit_code, input.override_checksum) {
        (None, _) if input.kind == OrgKind::Company => {
            return Err(ActionError::invalid_msg(
                "credit_code",
                "org.credit_code_required",
                "企业须填写统一社会信用代码。",
                "A company needs its unified social credit code.",
            ));
        }
        (None, _) => (None, false),
        (Some(raw), false) => (
            Some(CreditCode::parse(raw).map_err(|e| ActionError::invalid("credit_code", &e))?),
            false,
        ),
        (Some(raw), true) => {
            let (code, status) = CreditCode::parse_unchecked_checksum(raw)
                .map_err(|e| ActionError::invalid("credit_code", &e))?;
            (
                Some(code),
                matches!(status, ChecksumStatus::Overridden { .. }),
            )
        }
    };
    let actor = caller.actor(Some(role));
    let mut tx = db.begin().await?;
    let org = orgs::insert(
        &mut tx,
        &NewOrg {
            parent: Some(&parent),
            kind: input.kind,
            name,
            division_code: division.as_str(),
            credit_code: credit_code.as_ref().map(CreditCode::as_str),
            credit_code_override_by: overridden.then_some(caller.user_id),
        },
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict => ActionError::Conflict("org.credit_code_taken"),
        other => other.into(),
    })?;
    let mut event = actor.event("org.created", "org", org.id);
    event.after = Some(serde_json::to_value(&org).unwrap_or_default());
    audit::insert(&mut tx, &event).await?;
    if overridden {
        let event = actor.event("org.credit_code_checksum_overridden", "org", org.id);
        audit::insert(&mut tx, &event).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(org)
}

/// An organisation the caller may see: staff roles over its subtree, or its own members.
pub async fn get(db: &Db, caller: &Caller, id: i64) -> ActionResult<Org> {
    caller.require_scope("orgs:read")?;
    let org = orgs::get(db.pool(), id).await?;
    let staff = [
        Role::OrgAdmin,
        Role::Reviewer,
        Role::AuthorityReviewer,
        Role::Supervisor,
        Role::SystemAdmin,
    ];
    caller.require_any(&staff, &org.path)?;
    Ok(org)
}

/// The organisations the caller administers (system administrator), in tree order after
/// organisation `after` (none for the first page).
pub async fn tree(
    db: &Db,
    caller: &Caller,
    after: Option<i64>,
    limit: i64,
) -> ActionResult<Vec<Org>> {
    caller.require_scope("orgs:read")?;
    let paths = caller.paths_for(&[Role::SystemAdmin]);
    if paths.is_empty() {
        return Err(ActionError::Forbidden);
    }
    let after_path = match after {
        Some(id) => orgs::get(db.pool(), id).await?.path,
        None => String::new(),
    };
    Ok(orgs::tree_in_subtrees(db.pool(), &paths, &after_path, limit).await?)
}
