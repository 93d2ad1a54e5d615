//! The offline verifier: trust anchors, installed bundles (several authorities at once), and
//! the fixed verification order of the crate docs.

use std::collections::HashMap;
use std::sync::Arc;

use crate::bundle::{BundleContent, BundleError, MAX_BUNDLE_LEN};
use crate::claims::{Claims, Kind, decode};
use crate::cose::{self, Sign1};
use crate::encoding::{TextError, text_to_cose};
use crate::geo::{Catalogue, PlaceCheck};
use crate::keys::{Algorithm, Kid, PublicKey};
use crate::outcome::{InvalidReason as I, Outcome, UndeterminedReason as U, Verdict, signer};
use crate::status::{Status, StatusDelta, StatusError, StatusList};
use crate::trust::{bytes_field, open_signed};

/// Where and when a credential is being checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Context {
    /// Unix seconds.
    pub at: i64,
    /// `(longitude, latitude)` in degrees, if known; zones and road sections are only checked
    /// when it is.
    pub place: Option<(f64, f64)>,
}

impl Context {
    /// A context at time `at` with no place.
    pub fn at(at: i64) -> Self {
        Self { at, place: None }
    }
}

/// A compiled issuer key.
#[derive(Debug)]
pub(crate) struct IssuerKey {
    pub public: PublicKey,
    issuer: String,
    kinds: Vec<Kind>,
    not_before: i64,
    not_after: i64,
    withdrawn: bool,
    root: Kid,
}

#[derive(Debug)]
pub(crate) struct Authority {
    pub(crate) name: String,
    pub(crate) version: u64,
    pub(crate) issued_at: i64,
    pub(crate) max_age: u64,
    pub(crate) status: HashMap<String, StatusList>,
    pub(crate) catalogue: Catalogue,
    pub(crate) keys: Vec<Arc<IssuerKey>>,
}

impl Authority {
    fn stale(&self, at: i64) -> bool {
        at > self
            .issued_at
            .saturating_add(i64::try_from(self.max_age).unwrap_or(i64::MAX))
    }
}

/// Compiles the issuer keys of a trust list signed by `root`.
pub(crate) fn compile_keys(
    entries: &[crate::trust::IssuerKeyEntry],
    root: Kid,
) -> Result<Vec<Arc<IssuerKey>>, BundleError> {
    let mut keys = Vec::with_capacity(entries.len());
    for e in entries {
        let public = e
            .public()
            .map_err(|er| BundleError::Invalid(format!("key {}: {er}", e.kid)))?;
        keys.push(Arc::new(IssuerKey {
            public,
            issuer: e.issuer.clone(),
            kinds: e.kinds.clone(),
            not_before: e.not_before,
            not_after: e.not_after,
            withdrawn: e.withdrawn,
            root,
        }));
    }
    Ok(keys)
}

/// Facts about an installed bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleInfo {
    /// Root key id.
    pub root: Kid,
    /// Authority name.
    pub authority: String,
    /// Bundle version.
    pub version: u64,
    /// Issued at (Unix seconds).
    pub issued_at: i64,
    /// Time after which it is stale (Unix seconds).
    pub stale_after: i64,
    /// Number of issuer keys.
    pub keys: usize,
}

/// Result of offering a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// Installed (first from this root, or newer).
    New,
    /// Same version as installed; nothing changed.
    AlreadyCurrent,
}

/// An offline verifier holding trust anchors and their authorities' bundles.
#[derive(Debug, Default)]
pub struct Verifier {
    pub(crate) anchors: HashMap<Kid, PublicKey>,
    pub(crate) authorities: HashMap<Kid, Authority>,
    keys: HashMap<Kid, Arc<IssuerKey>>,
}

// A short-lived return value; boxing would allocate on every early rejection.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Stage1 {
    Done(Outcome),
    Pending { cose: Vec<u8>, key: Arc<IssuerKey> },
}

fn text_reason(e: TextError) -> I {
    match e {
        TextError::Prefix => I::Prefix,
        TextError::Oversize => I::Oversize,
        TextError::Base45 => I::Base45,
        TextError::Inflate => I::Inflate,
        TextError::Bomb => I::InflateBomb,
    }
}

impl Verifier {
    /// An empty verifier.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts an authority's root key (mutual recognition: add each region's root).
    pub fn add_trust_anchor(&mut self, root: PublicKey) {
        self.anchors.insert(root.kid(), root);
    }

    /// Verifies and installs a signed bundle, refusing rollback to an older version.
    pub fn install(&mut self, bundle: &[u8]) -> Result<Installed, BundleError> {
        if bundle.len() > MAX_BUNDLE_LEN {
            return Err(BundleError::Oversize);
        }
        let s = cose::parse(bundle).map_err(|_| BundleError::Malformed("not a COSE_Sign1"))?;
        let root = self.anchors.get(&s.kid).ok_or(BundleError::UnknownRoot)?;
        let root_kid = root.kid();
        let payload = open_signed(bundle, root).map_err(|_| BundleError::Signature)?;
        let c: BundleContent =
            serde_json::from_slice(payload).map_err(|_| BundleError::Malformed("JSON"))?;
        let old = self.authorities.get(&root_kid);
        if let Some(old) = old {
            if c.version < old.version {
                return Err(BundleError::Rollback {
                    installed: old.version,
                    offered: c.version,
                });
            }
            if c.version == old.version {
                return Ok(Installed::AlreadyCurrent);
            }
        }
        let inv = |m: String| BundleError::Invalid(m);
        let keys = compile_keys(&c.issuer_keys, root_kid)?;
        let mut status = HashMap::new();
        for b in &c.status_lists {
            let bytes = bytes_field(b).ok_or_else(|| inv("status list encoding".into()))?;
            let l = StatusList::decode(&bytes).map_err(|e| inv(e.to_string()))?;
            // Keep a newer list already received as a signed update.
            let keep = old
                .and_then(|o| o.status.get(l.issuer()))
                .filter(|o| o.version() > l.version());
            let l = keep.cloned().unwrap_or(l);
            if status.insert(l.issuer().to_owned(), l).is_some() {
                return Err(inv("two status lists for one issuer".into()));
            }
        }
        let catalogue = match &c.catalogue {
            Some(v) => Catalogue::from_geojson(v).map_err(|e| inv(e.to_string()))?,
            None => Catalogue::default(),
        };
        self.authorities.insert(
            root_kid,
            Authority {
                name: c.authority,
                version: c.version,
                issued_at: c.issued_at,
                max_age: c.max_age_seconds,
                status,
                catalogue,
                keys,
            },
        );
        self.reindex();
        Ok(Installed::New)
    }

    pub(crate) fn reindex(&mut self) {
        self.keys.clear();
        let mut roots: Vec<_> = self.authorities.keys().copied().collect();
        roots.sort();
        for r in roots {
            for k in &self.authorities[&r].keys {
                self.keys.entry(k.public.kid()).or_insert_with(|| k.clone());
            }
        }
    }

    /// Installed bundles.
    pub fn bundles(&self) -> Vec<BundleInfo> {
        let mut v: Vec<_> = self
            .authorities
            .iter()
            .map(|(k, a)| BundleInfo {
                root: *k,
                authority: a.name.clone(),
                version: a.version,
                issued_at: a.issued_at,
                stale_after: a
                    .issued_at
                    .saturating_add(i64::try_from(a.max_age).unwrap_or(i64::MAX)),
                keys: a.keys.len(),
            })
            .collect();
        v.sort_by_key(|b| b.root);
        v
    }

    /// Whether any installed bundle is stale at `at` (a checkpoint should warn).
    pub fn is_stale(&self, at: i64) -> bool {
        self.authorities.values().any(|a| a.stale(at))
    }

    fn issuer_key_for(&self, kid: &Kid) -> Result<&Arc<IssuerKey>, StatusError> {
        let k = self.keys.get(kid).ok_or(StatusError::Signature)?;
        if k.withdrawn {
            return Err(StatusError::Signature);
        }
        Ok(k)
    }

    fn list_mut(&mut self, root: Kid, issuer: &str) -> Option<&mut StatusList> {
        self.authorities.get_mut(&root)?.status.get_mut(issuer)
    }

    /// Applies a status delta signed by one of the issuer's (non-withdrawn) keys.
    pub fn apply_status_delta(&mut self, signed: &[u8]) -> Result<(), StatusError> {
        let s = cose::parse(signed).map_err(|_| StatusError::Malformed("not a COSE_Sign1"))?;
        let k = self.issuer_key_for(&s.kid)?.clone();
        let d = StatusDelta::open(signed, &k.public)?;
        if d.issuer != k.issuer {
            return Err(StatusError::Mismatch("delta for another issuer"));
        }
        let list = self
            .list_mut(k.root, &d.issuer)
            .ok_or(StatusError::Mismatch("no list for this issuer"))?;
        list.apply(&d)
    }

    /// Installs a full status list signed by one of the issuer's keys (newer versions only).
    pub fn install_status_list(&mut self, signed: &[u8]) -> Result<(), StatusError> {
        let s = cose::parse(signed).map_err(|_| StatusError::Malformed("not a COSE_Sign1"))?;
        let k = self.issuer_key_for(&s.kid)?.clone();
        let l = StatusList::open(signed, &k.public)?;
        if l.issuer() != k.issuer {
            return Err(StatusError::Mismatch("list for another issuer"));
        }
        let a = self
            .authorities
            .get_mut(&k.root)
            .ok_or(StatusError::Mismatch("no authority"))?;
        if let Some(old) = a.status.get(l.issuer())
            && old.version() >= l.version()
        {
            return Err(StatusError::Mismatch("not newer than the installed list"));
        }
        a.status.insert(l.issuer().to_owned(), l);
        Ok(())
    }

    /// The current status list of an issuer under any authority.
    pub fn status_list(&self, issuer: &str) -> Option<&StatusList> {
        self.authorities.values().find_map(|a| a.status.get(issuer))
    }

    /// Verifies credential text.
    pub fn verify(&self, text: &str, ctx: &Context) -> Outcome {
        self.verify_bytes(text.as_bytes(), ctx)
    }

    /// Verifies credential text given as bytes (need not be UTF-8: anything malformed is
    /// `invalid` with its reason).
    pub fn verify_bytes(&self, text: &[u8], ctx: &Context) -> Outcome {
        match self.stage1(text) {
            Stage1::Done(o) => o,
            Stage1::Pending { cose, key } => {
                let Ok(s) = cose::parse(&cose) else {
                    return Outcome::invalid(I::Cose);
                };
                let mut tbs = Vec::with_capacity(s.protected.len() + s.payload.len() + 24);
                cose::sig_structure_into(s.protected, s.payload, &mut tbs);
                if !key.public.verify(&tbs, s.signature) {
                    return Outcome::invalid(I::Signature);
                }
                self.after_signature(&key, s.payload, ctx)
            }
        }
    }

    /// Prefix → size → base45 → inflate → COSE → kid → withdrawn → algorithm.
    pub(crate) fn stage1(&self, text: &[u8]) -> Stage1 {
        let cose = match text_to_cose(text) {
            Ok(c) => c,
            Err(e) => return Stage1::Done(Outcome::invalid(text_reason(e))),
        };
        let (kid, alg) = match cose::parse(&cose) {
            Ok(Sign1 { kid, alg, .. }) => (kid, alg),
            Err(_) => return Stage1::Done(Outcome::invalid(I::Cose)),
        };
        let Some(key) = self.keys.get(&kid) else {
            return Stage1::Done(Outcome::invalid(I::UnknownIssuer));
        };
        if key.withdrawn {
            return Stage1::Done(Outcome::invalid(I::KeyWithdrawn));
        }
        if Algorithm::from_cose_id(alg) != Some(key.public.alg()) {
            return Stage1::Done(Outcome::invalid(I::AlgorithmNotAllowed));
        }
        Stage1::Pending {
            cose,
            key: key.clone(),
        }
    }

    /// Claims → key's kinds/issuer/validity → nbf/exp → status → place → time of day.
    pub(crate) fn after_signature(
        &self,
        key: &IssuerKey,
        payload: &[u8],
        ctx: &Context,
    ) -> Outcome {
        let Ok(claims) = decode(payload) else {
            return Outcome::invalid(I::Claims);
        };
        let auth = self.authorities.get(&key.root);
        let verdict = self.judge(key, &claims, ctx);
        Outcome {
            verdict,
            signer: Some(signer(
                key.public.kid(),
                &key.issuer,
                auth.map_or("", |a| a.name.as_str()),
            )),
            claims: Some(claims),
        }
    }

    fn judge(&self, key: &IssuerKey, c: &Claims, ctx: &Context) -> Verdict {
        if !key.kinds.contains(&c.kind) {
            return Verdict::Invalid(I::WrongKind);
        }
        if c.issuer != key.issuer {
            return Verdict::Invalid(I::IssuerMismatch);
        }
        if c.issued_at < key.not_before || c.issued_at > key.not_after {
            return Verdict::Invalid(I::KeyNotValidAtIssue);
        }
        if ctx.at < c.not_before {
            return Verdict::NotYetValid;
        }
        if ctx.at >= c.expires {
            return Verdict::Expired;
        }
        let Some(auth) = self.authorities.get(&key.root) else {
            return Verdict::Undetermined(U::StaleBundle);
        };
        if auth.stale(ctx.at) {
            return Verdict::Undetermined(U::StaleBundle);
        }
        if let Some(i) = c.status_index {
            match auth.status.get(&c.issuer).and_then(|l| l.get(i)) {
                None => return Verdict::Undetermined(U::StatusUnavailable),
                Some(Status::Revoked) => return Verdict::Revoked,
                Some(Status::Suspended) => return Verdict::Suspended,
                Some(Status::Valid) => {}
            }
        }
        if let Some((lon, lat)) = ctx.place {
            match auth.catalogue.check(&c.zones, &c.road_sections, lon, lat) {
                PlaceCheck::Inside => {}
                PlaceCheck::Outside => return Verdict::OutsideZone,
                PlaceCheck::Unknown => return Verdict::Undetermined(U::ZoneUnknown),
            }
        }
        if !c.time_windows.is_empty() {
            let local = ctx.at + i64::from(c.utc_offset_minutes) * 60;
            let minute = (local.rem_euclid(86_400) / 60) as u16;
            if !c.time_windows.iter().any(|w| w.contains(minute)) {
                return Verdict::OutsideTime;
            }
        }
        Verdict::Valid
    }
}
