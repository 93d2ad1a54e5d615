//! An external registry asked over HTTP instead of the tables kept in epass.
//!
//! ## JSON contract
//!
//! Every question is a `POST` to an endpoint relative to the configured base URL (e.g.
//! `https://registry.example/epass/v1/`), with `Content-Type: application/json`, `Accept:
//! application/json`, the configured headers (typically `Authorization`), and a JSON body. ID
//! numbers travel only in request bodies, never in URLs, which end up in logs.
//!
//! | endpoint            | request body                   | `record` fields when found |
//! |---------------------|--------------------------------|----------------------------|
//! | `vehicle`           | `{"plate": "蒙K12345"}`         | `plate` (must be the one asked), `vehicle_type`, `owner_name`, `unresolved_violations` (integer ≥ 0), `legal_status` (`normal`, `inspection_overdue`, `scrapped`, `stolen`, `seized`, `deregistered`), `updated_at` (time) |
//! | `licence`           | `{"licence_number": "150600123456"}` | `licence_number`, `holder_name`, `classes` (array such as `["A2","C1"]`), `valid_from`, `valid_until` (dates), `issuing_office`, `points` (integer ≥ 0), `status` (`valid`, `detained`, `suspended`, `overdue_exam`, `overdue_review`, `cancelled`), `address` (optional) |
//! | `licence/by-holder` | `{"id_number": "18 characters"}` | as `licence` |
//! | `test/latest`       | `{"id_number": "…"}`            | `sampled_at` (time), `result` (`negative` or `positive`), `institution` |
//! | `health-code`       | `{"id_number": "…"}`            | `colour` (`green`, `yellow`, `red`), `updated_at` (time) |
//!
//! Answers:
//!
//! | status | body | meaning for the check |
//! |--------|------|-----------------------|
//! | 200 | `{"found": true, "record": {…}}` | judged on the record |
//! | 200 | `{"found": false}` | no record: the check **fails** ("no record") |
//! | 200 | anything else: not JSON, a missing or wrong-typed field, an invalid value | could not check (`registry.malformed`) |
//! | any other (redirects are not followed) | — | could not check (`registry.status`) |
//! | no complete answer within the configured time-out | — | could not check (`registry.timeout`) |
//! | connection refused, TLS or DNS failure | — | could not check (`registry.unreachable`) |
//!
//! Times are RFC 3339 (`2026-11-20T08:30:00+08:00`; forms without an offset are read as China
//! time), dates `YYYY-MM-DD`. Answers larger than 64 KiB are malformed. Extra fields are
//! ignored, so the registry may add fields without breaking epass.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::fields::{self, FieldError};
use super::{RegistryError, RegistrySource};
use crate::domain::eligibility::{
    HealthColour, HealthRecord, LicenceRecord, LicenceStatus, TestRecord, TestResult,
    VehicleRecord, VehicleStatus,
};
use crate::domain::ids::{IdNumber, Plate};

/// Largest answer read.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Why an [`HttpRegistry`] could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpRegistryConfigError {
    #[error("registry URL {0:?} is not usable: {1}")]
    Url(String, String),
    #[error("registry header {0:?} is not a valid HTTP header")]
    Header(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// Asks an external registry, following the contract in the module documentation.
#[derive(Clone, Debug)]
pub struct HttpRegistry {
    client: reqwest::Client,
    base: reqwest::Url,
    headers: HeaderMap,
    timeout: Duration,
}

impl HttpRegistry {
    /// `base_url` is the prefix the endpoints are appended to; `timeout` bounds each question
    /// from connecting to the last byte of the answer.
    ///
    /// # Errors
    /// A URL that is not http(s), a header that is not valid HTTP, or a client that cannot be
    /// built.
    pub fn new(
        base_url: &str,
        headers: &[(String, String)],
        timeout: Duration,
    ) -> Result<Self, HttpRegistryConfigError> {
        let mut base = reqwest::Url::parse(base_url)
            .map_err(|e| HttpRegistryConfigError::Url(base_url.to_owned(), e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(HttpRegistryConfigError::Url(
                base_url.to_owned(),
                "the scheme must be http or https".into(),
            ));
        }
        // Endpoints are joined as relative paths, which replace the last segment unless the
        // base ends with a slash.
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let mut map = HeaderMap::new();
        map.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        map.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in headers {
            let header = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| HttpRegistryConfigError::Header(name.clone()))?;
            let value = HeaderValue::from_str(value.trim())
                .map_err(|_| HttpRegistryConfigError::Header(name.clone()))?;
            map.insert(header, value);
        }
        // ring backs rustls (see `outbox::http`); installing fails only if a provider is
        // already installed, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| HttpRegistryConfigError::Client(e.to_string()))?;
        Ok(Self {
            client,
            base,
            headers: map,
            timeout,
        })
    }

    fn transport(&self, e: &reqwest::Error) -> RegistryError {
        if e.is_timeout() {
            return RegistryError::Timeout(self.timeout);
        }
        // The innermost cause ("Connection refused") says most; the URL is left out.
        let mut cause: &dyn std::error::Error = e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        RegistryError::Unreachable(cause.to_string())
    }

    /// Asks one question; `Ok(None)` when the registry has no record.
    async fn ask<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        body: serde_json::Value,
    ) -> Result<Option<T>, RegistryError> {
        let url = self
            .base
            .join(endpoint)
            .map_err(|e| RegistryError::Unreachable(format!("bad endpoint {endpoint}: {e}")))?;
        let mut response = self
            .client
            .post(url)
            .headers(self.headers.clone())
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| self.transport(&e))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(RegistryError::Status(status));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(&e))? {
            if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(RegistryError::Malformed(format!(
                    "the answer is larger than {MAX_ANSWER_BYTES} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        let envelope: Envelope = serde_json::from_slice(&bytes)
            .map_err(|e| RegistryError::Malformed(format!("not the expected JSON: {e}")))?;
        match (envelope.found, envelope.record) {
            (false, _) => Ok(None),
            (true, None) => Err(RegistryError::Malformed(
                "\"found\" is true but there is no \"record\"".into(),
            )),
            (true, Some(record)) => serde_json::from_value(record)
                .map(Some)
                .map_err(|e| RegistryError::Malformed(format!("record: {e}"))),
        }
    }
}

#[derive(Deserialize)]
struct Envelope {
    found: bool,
    #[serde(default)]
    record: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct WireVehicle {
    plate: String,
    vehicle_type: String,
    owner_name: String,
    unresolved_violations: u32,
    legal_status: String,
    updated_at: String,
}

#[derive(Deserialize)]
struct WireLicence {
    licence_number: String,
    holder_name: String,
    classes: Vec<String>,
    valid_from: String,
    valid_until: String,
    issuing_office: String,
    points: u32,
    status: String,
    #[serde(default)]
    address: String,
}

#[derive(Deserialize)]
struct WireTest {
    sampled_at: String,
    result: String,
    institution: String,
}

#[derive(Deserialize)]
struct WireHealth {
    colour: String,
    updated_at: String,
}

/// A field of the answer through the shared parsers; a bad value makes the answer malformed.
fn field<T>(name: &str, parsed: Result<T, FieldError>) -> Result<T, RegistryError> {
    parsed.map_err(|e| RegistryError::Malformed(format!("{name}: {}", e.en)))
}

fn licence(w: WireLicence) -> Result<LicenceRecord, RegistryError> {
    Ok(LicenceRecord {
        licence_number: field("licence_number", fields::licence_number(&w.licence_number))?,
        holder_name: field("holder_name", fields::text(&w.holder_name))?,
        classes: field("classes", fields::licence_classes(&w.classes.join(" ")))?,
        valid_from: field("valid_from", fields::date(&w.valid_from))?,
        valid_until: field("valid_until", fields::date(&w.valid_until))?,
        issuing_office: field("issuing_office", fields::text(&w.issuing_office))?,
        points: w.points,
        status: field(
            "status",
            fields::status(&w.status, LicenceStatus::parse, &LicenceStatus::codes()),
        )?,
        address: field("address", fields::optional_text(&w.address))?,
    })
}

fn id_body(id: &IdNumber) -> serde_json::Value {
    // The full number is what the external registry keys on; it goes in the body only.
    serde_json::json!({ "id_number": id.expose() })
}

#[async_trait::async_trait]
impl RegistrySource for HttpRegistry {
    async fn vehicle(&self, plate: &Plate) -> Result<Option<VehicleRecord>, RegistryError> {
        let body = serde_json::json!({ "plate": plate.as_str() });
        let Some(w) = self.ask::<WireVehicle>("vehicle", body).await? else {
            return Ok(None);
        };
        let answered = field("plate", fields::plate(&w.plate))?;
        if &answered != plate {
            return Err(RegistryError::Malformed(format!(
                "the answer is about plate {}, not {}",
                answered.as_str(),
                plate.as_str()
            )));
        }
        Ok(Some(VehicleRecord {
            plate: answered,
            vehicle_type: field("vehicle_type", fields::text(&w.vehicle_type))?,
            owner_name: field("owner_name", fields::text(&w.owner_name))?,
            unresolved_violations: w.unresolved_violations,
            legal_status: field(
                "legal_status",
                fields::status(
                    &w.legal_status,
                    VehicleStatus::parse,
                    &VehicleStatus::codes(),
                ),
            )?,
            updated_at: field("updated_at", fields::timestamp(&w.updated_at))?,
        }))
    }

    async fn licence(&self, number: &str) -> Result<Option<LicenceRecord>, RegistryError> {
        let body = serde_json::json!({ "licence_number": number.trim() });
        self.ask::<WireLicence>("licence", body)
            .await?
            .map(licence)
            .transpose()
    }

    async fn licence_by_holder(
        &self,
        id: &IdNumber,
    ) -> Result<Option<LicenceRecord>, RegistryError> {
        self.ask::<WireLicence>("licence/by-holder", id_body(id))
            .await?
            .map(licence)
            .transpose()
    }

    async fn latest_test(&self, id: &IdNumber) -> Result<Option<TestRecord>, RegistryError> {
        let Some(w) = self.ask::<WireTest>("test/latest", id_body(id)).await? else {
            return Ok(None);
        };
        Ok(Some(TestRecord {
            sampled_at: field("sampled_at", fields::timestamp(&w.sampled_at))?,
            result: field(
                "result",
                fields::status(&w.result, TestResult::parse, &TestResult::codes()),
            )?,
            institution: field("institution", fields::text(&w.institution))?,
        }))
    }

    async fn health_code(&self, id: &IdNumber) -> Result<Option<HealthRecord>, RegistryError> {
        let Some(w) = self.ask::<WireHealth>("health-code", id_body(id)).await? else {
            return Ok(None);
        };
        Ok(Some(HealthRecord {
            colour: field(
                "colour",
                fields::status(&w.colour, HealthColour::parse, &HealthColour::codes()),
            )?,
            updated_at: field("updated_at", fields::timestamp(&w.updated_at))?,
        }))
    }
}
