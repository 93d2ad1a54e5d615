//! The verbs of the service. Each runs in one transaction together with its audit event and is
//! shared by the web pages, the API and the CLI.

pub mod alerts;
pub mod applications;
pub mod auth;
pub mod bulk_apply;
pub mod bulk_review;
pub mod bundle_delta;
pub mod check_log;
pub mod checkpoints;
pub mod checks;
pub mod documents;
pub mod invitation_codes;
pub mod invitations;
pub mod issuance;
pub mod join;
pub mod keys;
pub mod licences;
pub mod log;
pub mod log_verify;
pub mod orgs;
pub mod owed;
pub mod pass_types;
pub mod passes;
pub mod printing;
pub mod real_name;
pub mod registry_imports;
pub mod resubmit;
pub mod review;
pub mod statistics;
pub mod tokens;
pub mod trail_bundle;
pub mod trails;
pub mod truck_codes;
pub mod truck_restrictions;
pub mod users;
pub mod zones;

use crate::domain::roles::{Grant, Role};
use crate::i18n::{Lang, Localized};
use crate::store::StoreError;
use crate::store::audit::NewEvent;

/// Who is acting, as far as the audit log is concerned.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    /// The role the actor used for this action, when one was needed.
    pub role: Option<Role>,
    pub client_addr: Option<String>,
}

impl Actor {
    /// An audit event by this actor.
    pub fn event<'a>(
        &'a self,
        action: &'a str,
        object_type: &'a str,
        object_id: impl ToString,
    ) -> NewEvent<'a> {
        NewEvent {
            actor_user_id: self.user_id,
            actor_role: self.role.map(Role::as_str),
            action,
            object_type,
            object_id: object_id.to_string(),
            before: None,
            after: None,
            client_addr: self.client_addr.as_deref(),
        }
    }
}

/// An authenticated caller and what it may do.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: i64,
    pub grants: Vec<Grant>,
    /// Present when the caller came with an API token: only these scopes apply.
    pub token_scopes: Option<Vec<String>>,
    pub client_addr: Option<String>,
}

impl Caller {
    /// The grant of `role` that covers the organisation at `org_path`, if any.
    pub fn grant_over(&self, role: Role, org_path: &str) -> Option<&Grant> {
        self.grants
            .iter()
            .find(|g| g.role == role && g.covers(org_path))
    }

    /// The first of `roles` the caller holds over `org_path`, or `Forbidden`.
    pub fn require_any(&self, roles: &[Role], org_path: &str) -> Result<Role, ActionError> {
        roles
            .iter()
            .copied()
            .find(|r| self.grant_over(*r, org_path).is_some())
            .ok_or(ActionError::Forbidden)
    }

    /// Subtree paths over which the caller holds one of `roles`.
    pub fn paths_for(&self, roles: &[Role]) -> Vec<String> {
        let mut paths: Vec<String> = self
            .grants
            .iter()
            .filter(|g| roles.contains(&g.role))
            .map(|g| g.org_path.clone())
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// A token limited to some scopes may only do what they name.
    pub fn require_scope(&self, scope: &str) -> Result<(), ActionError> {
        match &self.token_scopes {
            Some(scopes) if !scopes.iter().any(|s| s == scope) => Err(ActionError::Forbidden),
            _ => Ok(()),
        }
    }

    pub fn actor(&self, role: Option<Role>) -> Actor {
        Actor {
            user_id: Some(self.user_id),
            role,
            client_addr: self.client_addr.clone(),
        }
    }
}

/// Why an action did not happen. The web layer maps each to a status in one place.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    #[error("not logged in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Not allowed, for a reason the person should be told (e.g. reviewing one's own application).
    #[error("refused: {code}")]
    Refused {
        code: &'static str,
        zh: &'static str,
        en: &'static str,
    },
    #[error("invalid {field}: {code}")]
    Invalid {
        field: &'static str,
        code: &'static str,
        zh: String,
        en: String,
    },
    /// Several fields of a form are wrong; each says which and why.
    #[error("{} form fields are invalid", .0.len())]
    InvalidForm(Vec<crate::domain::pass_type::FieldError>),
    /// Eligibility checks failed; each says which check and why.
    #[error("{} eligibility checks failed", .0.len())]
    Ineligible(Vec<crate::domain::pass_type::FieldError>),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("too many requests; retry after {retry_after_secs} s")]
    Throttled { retry_after_secs: i64 },
    #[error("account locked until {until_ms}")]
    Locked { until_ms: i64 },
    #[error("wrong phone number, code or password")]
    BadCredentials,
    /// An upload larger than allowed; nothing was kept.
    #[error("too large: more than {max_bytes} bytes")]
    TooLarge { max_bytes: u64 },
    /// An upload whose content is of a type not accepted (decided by the bytes, not the name).
    #[error("unsupported content: {code}")]
    UnsupportedContent {
        code: &'static str,
        zh: String,
        en: String,
    },
    #[error(transparent)]
    Store(StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for ActionError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ActionError::NotFound,
            StoreError::Conflict => ActionError::Conflict("conflict"),
            other => ActionError::Store(other),
        }
    }
}

impl ActionError {
    /// An input error from a parser that speaks both languages.
    pub fn invalid(field: &'static str, e: &impl Localized) -> Self {
        ActionError::Invalid {
            field,
            code: e.code(),
            zh: e.message(Lang::Zh),
            en: e.message(Lang::En),
        }
    }

    /// An input error written here.
    pub fn invalid_msg(field: &'static str, code: &'static str, zh: &str, en: &str) -> Self {
        ActionError::Invalid {
            field,
            code,
            zh: zh.to_owned(),
            en: en.to_owned(),
        }
    }
}

impl Localized for ActionError {
    fn code(&self) -> &'static str {
        match self {
            ActionError::Unauthenticated => "unauthenticated",
            ActionError::Forbidden => "forbidden",
            ActionError::NotFound => "not_found",
            ActionError::Refused { code, .. } => code,
            ActionError::Invalid { code, .. } => code,
            ActionError::InvalidForm(_) => "form.invalid",
            ActionError::Ineligible(_) => "application.ineligible",
            ActionError::Conflict(code) => code,
            ActionError::Throttled { .. } => "throttled",
            ActionError::Locked { .. } => "account_locked",
            ActionError::BadCredentials => "bad_credentials",
            ActionError::TooLarge { .. } => "document.too_large",
            ActionError::UnsupportedContent { code, .. } => code,
            ActionError::Store(_) | ActionError::Internal(_) => "internal",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let (zh, en): (String, String) = match self {
            ActionError::Unauthenticated => ("请先登录。".into(), "Please log in first.".into()),
            ActionError::Forbidden => (
                "您没有执行此操作的权限。".into(),
                "You are not allowed to do this.".into(),
            ),
            ActionError::NotFound => ("未找到该记录。".into(), "No such record.".into()),
            ActionError::Refused { zh, en, .. } => ((*zh).into(), (*en).into()),
            ActionError::Invalid { zh, en, .. } => (zh.clone(), en.clone()),
            ActionError::InvalidForm(errors) | ActionError::Ineligible(errors) => (
                errors
                    .iter()
                    .map(|e| e.zh.as_str())
                    .collect::<Vec<_>>()
                    .join("；"),
                errors
                    .iter()
                    .map(|e| e.en.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ActionError::Conflict("licence.application_pending") => (
                "该驾驶证已有一份申请正在审核，请等待审核结果后再申请。".into(),
                "An application for this licence is already in review; wait for its decision."
                    .into(),
            ),
            ActionError::Conflict(_) => (
                "与已有记录冲突。".into(),
                "This conflicts with an existing record.".into(),
            ),
            ActionError::Throttled { retry_after_secs } => (
                format!("请求过于频繁，请 {retry_after_secs} 秒后再试。"),
                format!("Too many requests; try again in {retry_after_secs} seconds."),
            ),
            ActionError::Locked { .. } => (
                "登录失败次数过多，账号已暂时锁定，请稍后再试。".into(),
                "Too many failed logins: the account is locked for a while.".into(),
            ),
            ActionError::BadCredentials => (
                "手机号、验证码或密码错误。".into(),
                "Wrong phone number, code or password.".into(),
            ),
            ActionError::TooLarge { max_bytes } => (
                format!(
                    "文件过大：不得超过 {} 字节（{:.1} MiB）。",
                    max_bytes,
                    *max_bytes as f64 / 1_048_576.0
                ),
                format!(
                    "The file is too large: at most {} bytes ({:.1} MiB).",
                    max_bytes,
                    *max_bytes as f64 / 1_048_576.0
                ),
            ),
            ActionError::UnsupportedContent { zh, en, .. } => (zh.clone(), en.clone()),
            ActionError::Store(_) | ActionError::Internal(_) => (
                "服务器内部错误，请稍后再试。".into(),
                "Internal error; please try again later.".into(),
            ),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

pub type ActionResult<T> = Result<T, ActionError>;

/// Random secrets and their digests.
pub mod secrets {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use sha2::{Digest, Sha256};

    /// 256 random bits, URL-safe.
    pub fn random_token() -> String {
        URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
    }

    pub fn sha256(data: &[u8]) -> Vec<u8> {
        Sha256::digest(data).to_vec()
    }

    /// Equality that takes the same time whatever the bytes.
    pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}
