//! Logging in: one-time SMS codes for everyone, passwords for staff, database-held sessions.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use hmac::{KeyInit, Mac};

use super::secrets::{constant_time_eq, random_token, sha256};
use super::{ActionError, ActionResult, Actor};
use crate::domain::ids::Phone;
use crate::store::outbox::Channel;
use crate::store::{Db, audit, now_ms, otp, outbox, sessions, users};

/// The rules of logging in; tests shorten the times.
#[derive(Clone, Debug)]
pub struct AuthPolicy {
    /// Keys the one-time code hashes, so a database dump does not reveal live codes.
    pub otp_key: [u8; 32],
    pub code_ttl_ms: i64,
    pub code_max_attempts: i64,
    /// At most one code per number in this time.
    pub code_min_interval_ms: i64,
    pub code_per_phone_per_hour: i64,
    pub code_per_addr_per_hour: i64,
    pub session_idle_ms: i64,
    pub session_absolute_ms: i64,
    pub lock_threshold: i64,
    pub lock_ms: i64,
}

impl AuthPolicy {
    pub fn new(otp_key: [u8; 32], idle_minutes: i64, absolute_hours: i64) -> Self {
        Self {
            otp_key,
            code_ttl_ms: 5 * 60_000,
            code_max_attempts: 5,
            code_min_interval_ms: 60_000,
            code_per_phone_per_hour: 5,
            code_per_addr_per_hour: 30,
            session_idle_ms: idle_minutes * 60_000,
            session_absolute_ms: absolute_hours * 3_600_000,
            lock_threshold: 5,
            lock_ms: 15 * 60_000,
        }
    }

    fn code_hash(&self, phone: &Phone, code: &str) -> Vec<u8> {
        // HMAC keys are accepted at any length; 32 bytes cannot fail.
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.otp_key)
            .expect("HMAC accepts a 32-byte key");
        mac.update(phone.as_str().as_bytes());
        mac.update(b":");
        mac.update(code.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// A new session: the cookie value (shown once) and its CSRF token.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub user_id: i64,
    pub expires_at: i64,
}

fn parse_phone(raw: &str) -> ActionResult<Phone> {
    Phone::parse(raw).map_err(|e| ActionError::invalid("phone", &e))
}

/// Sends a 6-digit code by SMS (through the outbox), throttled per number and per client address.
pub async fn request_code(
    db: &Db,
    policy: &AuthPolicy,
    raw_phone: &str,
    actor: &Actor,
) -> ActionResult<()> {
    let phone = parse_phone(raw_phone)?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let hour_ago = now - 3_600_000;
    let recent =
        otp::count_for_phone(&mut tx, phone.as_str(), now - policy.code_min_interval_ms).await?;
    if recent > 0 {
        return Err(ActionError::Throttled {
            retry_after_secs: policy.code_min_interval_ms / 1000,
        });
    }
    if otp::count_for_phone(&mut tx, phone.as_str(), hour_ago).await?
        >= policy.code_per_phone_per_hour
    {
        return Err(ActionError::Throttled {
            retry_after_secs: 3600,
        });
    }
    if let Some(addr) = actor.client_addr.as_deref()
        && otp::count_for_addr(&mut tx, addr, hour_ago).await? >= policy.code_per_addr_per_hour
    {
        return Err(ActionError::Throttled {
            retry_after_secs: 3600,
        });
    }
    let code = format!("{:06}", rand::random_range(0..1_000_000u32));
    let id = otp::insert(
        &mut tx,
        phone.as_str(),
        &policy.code_hash(&phone, &code),
        now + policy.code_ttl_ms,
        actor.client_addr.as_deref(),
    )
    .await?;
    let body = format!(
        "【epass】您的验证码是 {code}，5 分钟内有效，请勿告诉他人。Your epass code is {code}, valid for 5 minutes."
    );
    outbox::enqueue(&mut tx, Channel::Sms, phone.as_str(), "", &body).await?;
    let mut event = actor.event("auth.code_sent", "otp_code", id);
    event.after = Some(serde_json::json!({ "phone": phone.masked() }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}

/// Logs in with a code; a number seen for the first time becomes a new applicant account.
pub async fn login_with_code(
    db: &Db,
    policy: &AuthPolicy,
    raw_phone: &str,
    code: &str,
    actor: &Actor,
) -> ActionResult<NewSession> {
    let phone = parse_phone(raw_phone)?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let Some((id, hash, attempts)) = otp::latest_live(&mut tx, phone.as_str(), now).await? else {
        return Err(ActionError::BadCredentials);
    };
    if attempts >= policy.code_max_attempts {
        return Err(ActionError::BadCredentials);
    }
    if !constant_time_eq(&hash, &policy.code_hash(&phone, code.trim())) {
        otp::count_attempt(&mut tx, id).await?;
        tx.commit().await.map_err(crate::store::StoreError::from)?;
        return Err(ActionError::BadCredentials);
    }
    if !otp::consume(&mut tx, id, now).await? {
        return Err(ActionError::BadCredentials);
    }
    let user = match users::find_by_phone(&mut *tx, phone.as_str()).await? {
        Some(user) => user,
        None => {
            let user = users::insert(&mut tx, phone.as_str(), "", None, None).await?;
            let mut event = actor.event("user.registered", "user", user.id);
            event.actor_user_id = Some(user.id);
            event.after = Some(serde_json::json!({ "phone": phone.masked() }));
            audit::insert(&mut tx, &event).await?;
            user
        }
    };
    if user.disabled_at.is_some() {
        return Err(ActionError::Forbidden);
    }
    if user.locked_until.is_some_and(|t| t > now) {
        return Err(ActionError::Locked {
            until_ms: user.locked_until.unwrap_or(now),
        });
    }
    let session = open_session(&mut tx, policy, user.id, actor, "code").await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(session)
}

/// Logs a staff member in with a password; repeated failures lock the account for a while.
pub async fn login_with_password(
    db: &Db,
    policy: &AuthPolicy,
    raw_phone: &str,
    password: &str,
    actor: &Actor,
) -> ActionResult<NewSession> {
    let phone = parse_phone(raw_phone)?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let Some(user) = users::find_by_phone(&mut *tx, phone.as_str()).await? else {
        // Spend the time a real check takes, so timing does not reveal who has an account.
        let _ = verify_password(password, dummy_hash().await?).await;
        return Err(ActionError::BadCredentials);
    };
    if let Some(until) = user.locked_until.filter(|t| *t > now) {
        return Err(ActionError::Locked { until_ms: until });
    }
    let ok = match &user.password_hash {
        Some(hash) => verify_password(password, hash).await?,
        None => false,
    };
    if !ok || user.disabled_at.is_some() {
        let count = users::record_failed_login(
            &mut tx,
            user.id,
            policy.lock_threshold,
            now + policy.lock_ms,
        )
        .await?;
        let mut event = actor.event("auth.login_failed", "user", user.id);
        event.after = Some(serde_json::json!({ "failed_logins": count }));
        audit::insert(&mut tx, &event).await?;
        if count >= policy.lock_threshold {
            let event = actor.event("auth.locked", "user", user.id);
            audit::insert(&mut tx, &event).await?;
            sessions::delete_for_user(&mut tx, user.id).await?;
        }
        tx.commit().await.map_err(crate::store::StoreError::from)?;
        return Err(ActionError::BadCredentials);
    }
    users::reset_failed_logins(&mut tx, user.id).await?;
    let session = open_session(&mut tx, policy, user.id, actor, "password").await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(session)
}

async fn open_session(
    tx: &mut crate::store::Tx,
    policy: &AuthPolicy,
    user_id: i64,
    actor: &Actor,
    method: &str,
) -> ActionResult<NewSession> {
    let token = random_token();
    let csrf_token = random_token();
    let expires_at = now_ms() + policy.session_absolute_ms;
    sessions::insert(
        tx,
        &sha256(token.as_bytes()),
        user_id,
        &csrf_token,
        expires_at,
        actor.client_addr.as_deref(),
    )
    .await?;
    let mut event = actor.event("auth.login", "user", user_id);
    event.actor_user_id = Some(user_id);
    event.after = Some(serde_json::json!({ "method": method }));
    audit::insert(tx, &event).await?;
    Ok(NewSession {
        token,
        csrf_token,
        user_id,
        expires_at,
    })
}

/// The session behind a cookie value, if it is still live (neither idle too long nor too old).
pub async fn session_for_token(
    db: &Db,
    policy: &AuthPolicy,
    token: &str,
) -> ActionResult<Option<sessions::Session>> {
    let hash = sha256(token.as_bytes());
    let Some(session) = sessions::find(db.pool(), &hash).await? else {
        return Ok(None);
    };
    let now = now_ms();
    if session.expires_at <= now || session.last_seen_at + policy.session_idle_ms <= now {
        sessions::delete(db.pool(), &hash).await?;
        return Ok(None);
    }
    // Only a write once a minute: most requests of a session just read it.
    if session.last_seen_at < now - sessions::TOUCH_EVERY_MS {
        sessions::touch(db.pool(), &hash, now).await?;
    }
    Ok(Some(session))
}

pub async fn logout(db: &Db, token: &str, actor: &Actor) -> ActionResult<()> {
    let mut tx = db.begin().await?;
    sessions::delete(&mut *tx, &sha256(token.as_bytes())).await?;
    if let Some(user_id) = actor.user_id {
        audit::insert(&mut tx, &actor.event("auth.logout", "user", user_id)).await?;
    }
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}

/// A hash of a random password, verified against when the account does not exist.
async fn dummy_hash() -> ActionResult<&'static str> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| async { hash_password(&random_token()).await })
        .await
        .map(String::as_str)
}

/// Hashes a password with argon2id on the blocking pool (it is deliberately slow).
pub async fn hash_password(password: &str) -> ActionResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ActionError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| ActionError::Internal(format!("hashing task: {e}")))?
}

async fn verify_password(password: &str, hash: &str) -> ActionResult<bool> {
    let password = password.to_owned();
    let hash = hash.to_owned();
    tokio::task::spawn_blocking(move || {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .map_err(|e| ActionError::Internal(format!("hashing task: {e}")))
}

/// Password rules for staff: long enough to resist guessing.
pub fn check_password_strength(password: &str) -> ActionResult<()> {
    if password.chars().count() < 10 {
        return Err(ActionError::invalid_msg(
            "password",
            "password.too_short",
            "密码至少需要 10 个字符。",
            "The password needs at least 10 characters.",
        ));
    }
    Ok(())
}
