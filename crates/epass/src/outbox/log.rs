//! The development sender: every message goes to the log instead of to a person.

use super::{Message, SendError, Sender};

/// Writes each message through `tracing` (target `epass::outbox`) and reports success.
/// The body is logged in clear (it may hold a one-time code): for development only.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogSender;

#[async_trait::async_trait]
impl Sender for LogSender {
    async fn send(&self, msg: &Message) -> Result<(), SendError> {
        tracing::info!(
            target: "epass::outbox",
            id = msg.id,
            channel = msg.channel.as_str(),
            to = %msg.recipient,
            subject = %msg.subject,
            body = %msg.body,
            "outbox message (log sender, not delivered)"
        );
        Ok(())
    }
}
