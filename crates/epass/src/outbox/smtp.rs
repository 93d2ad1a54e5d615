//! E-mail by SMTP (lettre): `smtp://host:port` plain, `smtp://…?tls=required` for STARTTLS,
//! `smtps://host:port` for implicit TLS (rustls with ring).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message as Email};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{Message, SendError, Sender, SenderConfigError};

/// Sends each message as a plain-text UTF-8 e-mail with Message-ID `<outbox-<id>@epass>`.
#[derive(Clone, Debug)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    /// `url` as lettre reads it (`smtp://user:pass@host:port?tls=required`); `from` as
    /// `epass@example.org` or `epass <epass@example.org>`. `timeout` bounds each SMTP command.
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Self, SenderConfigError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| SenderConfigError::SmtpFrom(from.to_owned(), format!("{e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            // The URL may carry a password: report only lettre's reason.
            .map_err(|e| SenderConfigError::SmtpUrl(e.to_string()))?
            .timeout(Some(timeout))
            .build();
        Ok(Self { transport, from })
    }

    /// Builds the e-mail for one message (public for tests and previews).
    pub fn email(&self, msg: &Message) -> Result<Email, SendError> {
        let to: Mailbox = msg.recipient.parse().map_err(|e| {
            SendError::Permanent(format!(
                "recipient {:?} is not an address: {e}",
                msg.recipient
            ))
        })?;
        Email::builder()
            .from(self.from.clone())
            .to(to)
            .subject(msg.subject.clone())
            .message_id(Some(format!("<outbox-{}@epass>", msg.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(msg.body.clone())
            .map_err(|e| SendError::Permanent(format!("cannot build the e-mail: {e}")))
    }
}

#[async_trait::async_trait]
impl Sender for SmtpSender {
    async fn send(&self, msg: &Message) -> Result<(), SendError> {
        let email = self.email(msg)?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            // 5xx replies: the server refuses this message for good.
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            // 4xx replies, timeouts, connection and TLS trouble: try again later.
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }
}
