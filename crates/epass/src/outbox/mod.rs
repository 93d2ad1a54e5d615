//! Outbox delivery: senders (SMTP, an HTTP SMS gateway, a log sender) and the worker that drains
//! the `outbox` table with retries and back-off.
//!
//! Messages are written by [`crate::store::outbox::enqueue`] in the transaction of the change
//! that causes them, so a change that rolls back sends nothing. The [`Worker`] leases due
//! messages, sends them, and records every attempt in `outbox_attempts`.
//!
//! Delivery is at-least-once with one narrow window: if the process dies (or the database is
//! unreachable for longer than the recording retries) between a sender reporting success and
//! the commit that marks the message sent, the lease expires and another worker sends it again.
//! Receivers can drop such duplicates: HTTP requests carry `Idempotency-Key: epass-outbox-<id>`
//! and e-mails the Message-ID `<outbox-<id>@epass>`. A send never outlives its lease (the worker
//! cuts it off at the send timeout, which is kept below the lease), so two live workers never
//! send the same message at once.

mod http;
mod log;
mod smtp;
mod worker;

use std::sync::Arc;
use std::time::Duration;

pub use self::http::HttpSmsSender;
pub use self::log::LogSender;
pub use self::smtp::SmtpSender;
pub use self::worker::{Worker, WorkerError, WorkerSettings};
pub use crate::store::outbox::{Channel, Message};

use crate::config::{OutboxConfig, SenderKind};

/// Why a send failed, and so whether it is worth trying again.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The message can never be delivered as it is (bad address, rejected by the gateway).
    #[error("permanent failure: {0}")]
    Permanent(String),
    /// The receiver is unreachable, busy or failing for now; try again later.
    #[error("transient failure: {0}")]
    Transient(String),
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }
}

/// Something that delivers one message.
#[async_trait::async_trait]
pub trait Sender: Send + Sync + std::fmt::Debug {
    /// Delivers `msg`. `Ok` means the receiver accepted it; it will not be sent again.
    async fn send(&self, msg: &Message) -> Result<(), SendError>;
}

#[async_trait::async_trait]
impl<S: Sender + ?Sized> Sender for Arc<S> {
    async fn send(&self, msg: &Message) -> Result<(), SendError> {
        (**self).send(msg).await
    }
}

/// Why the senders could not be built from the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SenderConfigError {
    #[error("outbox.sender = {0} needs {1}")]
    Missing(&'static str, &'static str),
    #[error("SMTP URL is not valid: {0}")]
    SmtpUrl(String),
    #[error("SMTP from address {0:?} is not valid: {1}")]
    SmtpFrom(String, String),
    #[error("SMS gateway URL {0:?} is not valid: {1}")]
    HttpUrl(String, String),
    #[error("SMS gateway header {0:?} is not valid")]
    HttpHeader(String),
    #[error("SMS gateway body template does not give JSON: {0}")]
    HttpBody(String),
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
}

/// How long one send may take before it counts as a transient failure. The worker's lease is
/// always longer than this.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the sender the configuration asks for.
///
/// `log` writes every message to the log. `smtp` and `http` route by channel: e-mail goes out by
/// SMTP when `smtp_url` is set, SMS through the HTTP gateway when `http_url` is set; the sender
/// named in `outbox.sender` must be configured, and a message for a channel with no sender fails
/// permanently (with the reason in `last_error`).
pub fn sender_from_config(config: &OutboxConfig) -> Result<Arc<dyn Sender>, SenderConfigError> {
    match config.sender {
        SenderKind::Log => return Ok(Arc::new(LogSender)),
        SenderKind::Smtp if config.smtp_url.is_none() => {
            return Err(SenderConfigError::Missing("smtp", "outbox.smtp_url"));
        }
        SenderKind::Http if config.http_url.is_none() => {
            return Err(SenderConfigError::Missing("http", "outbox.http_url"));
        }
        SenderKind::Smtp | SenderKind::Http => {}
    }
    let email = match &config.smtp_url {
        Some(url) => Some(Arc::new(SmtpSender::new(
            url,
            &config.smtp_from,
            DEFAULT_SEND_TIMEOUT,
        )?) as Arc<dyn Sender>),
        None => None,
    };
    let sms = match &config.http_url {
        Some(url) => Some(Arc::new(HttpSmsSender::new(
            url,
            &config.http_headers,
            &config.http_body,
            DEFAULT_SEND_TIMEOUT,
        )?) as Arc<dyn Sender>),
        None => None,
    };
    Ok(Arc::new(ChannelRouter { sms, email }))
}

/// Hands each message to the sender for its channel.
#[derive(Debug, Default, Clone)]
pub struct ChannelRouter {
    pub sms: Option<Arc<dyn Sender>>,
    pub email: Option<Arc<dyn Sender>>,
}

#[async_trait::async_trait]
impl Sender for ChannelRouter {
    async fn send(&self, msg: &Message) -> Result<(), SendError> {
        let sender = match msg.channel {
            Channel::Sms => &self.sms,
            Channel::Email => &self.email,
        };
        match sender {
            Some(sender) => sender.send(msg).await,
            None => Err(SendError::Permanent(format!(
                "no sender configured for {} messages",
                msg.channel.as_str()
            ))),
        }
    }
}
