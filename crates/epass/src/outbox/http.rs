//! SMS through an HTTP gateway: a POST to the configured URL with the configured headers and a
//! JSON body made from a template with `{{to}}`, `{{body}}` and `{{subject}}` placeholders.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

use super::{Message, SendError, Sender, SenderConfigError};

/// Posts each message to the gateway with `Idempotency-Key: epass-outbox-<id>`.
///
/// 2xx means sent; 408, 429, 5xx, timeouts and connection errors are transient; any other
/// status (4xx, and 3xx since redirects are not followed) is permanent.
#[derive(Clone, Debug)]
pub struct HttpSmsSender {
    client: reqwest::Client,
    url: reqwest::Url,
    headers: HeaderMap,
    template: String,
}

impl HttpSmsSender {
    pub fn new(
        url: &str,
        headers: &[(String, String)],
        template: &str,
        timeout: Duration,
    ) -> Result<Self, SenderConfigError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| SenderConfigError::HttpUrl(url.to_owned(), e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(SenderConfigError::HttpUrl(
                url.to_owned(),
                "the scheme must be http or https".into(),
            ));
        }
        let mut map = HeaderMap::new();
        map.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| SenderConfigError::HttpHeader(name.clone()))?;
            let value = HeaderValue::from_str(value.trim())
                .map_err(|_| SenderConfigError::HttpHeader(name.to_string()))?;
            map.insert(name, value);
        }
        // Substituted values are JSON-escaped, so a template that gives JSON for awkward sample
        // values gives JSON for every message.
        let sample = render(template, "+86 138\"\\", "验证码\n{{to}}", "</\u{1}>");
        serde_json::from_str::<serde_json::Value>(&sample)
            .map_err(|e| SenderConfigError::HttpBody(e.to_string()))?;
        // reqwest is built without a bundled crypto provider so that ring, not aws-lc-rs (a slow
        // C build), backs rustls. Installing fails only if a provider is already installed,
        // which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SenderConfigError::HttpClient(e.to_string()))?;
        Ok(Self {
            client,
            url: parsed,
            headers: map,
            template: template.to_owned(),
        })
    }

    /// The request body for one message.
    pub fn body(&self, msg: &Message) -> String {
        render(&self.template, &msg.recipient, &msg.body, &msg.subject)
    }
}

#[async_trait::async_trait]
impl Sender for HttpSmsSender {
    async fn send(&self, msg: &Message) -> Result<(), SendError> {
        let response = self
            .client
            .post(self.url.clone())
            .headers(self.headers.clone())
            .header("Idempotency-Key", format!("epass-outbox-{}", msg.id))
            .body(self.body(msg))
            .send()
            .await
            .map_err(|e| {
                // `without_url` keeps a token in the URL's query out of `last_error`.
                let e = e.without_url();
                if e.is_builder() {
                    SendError::Permanent(e.to_string())
                } else {
                    SendError::Transient(e.to_string())
                }
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let snippet: String = text.chars().take(200).collect();
        let why = format!("gateway answered {status}: {snippet}");
        let code = status.as_u16();
        if status.is_server_error() || code == 408 || code == 429 {
            Err(SendError::Transient(why))
        } else {
            Err(SendError::Permanent(why))
        }
    }
}

/// Substitutes the placeholders in one pass (a value containing `{{body}}` stays as it is),
/// JSON-escaping each value without its quotes.
fn render(template: &str, to: &str, body: &str, subject: &str) -> String {
    let mut out = String::with_capacity(template.len() + body.len() + to.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let value = [("{{to}}", to), ("{{body}}", body), ("{{subject}}", subject)]
            .into_iter()
            .find(|(key, _)| after.starts_with(key));
        match value {
            Some((key, value)) => {
                out.push_str(&json_escape(value));
                rest = &after[key.len()..];
            }
            None => {
                out.push_str("{{");
                rest = &after[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn json_escape(value: &str) -> String {
    let quoted = serde_json::Value::String(value.to_owned()).to_string();
    // A JSON string always starts and ends with a quote.
    quoted[1..quoted.len() - 1].to_owned()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn placeholders_are_json_escaped_once() {
        let out = render(
            r#"{"to":"{{to}}","text":"{{body}}","s":"{{subject}}","x":"{{other}}"}"#,
            "+8613800138000",
            "码 \"1\"\n{{to}}",
            "",
        );
        assert_eq!(
            out,
            r#"{"to":"+8613800138000","text":"码 \"1\"\n{{to}}","s":"","x":"{{other}}"}"#
        );
    }
}
