//! The typed verification outcome, with stable reason codes and Chinese/English sentences.

use serde::Serialize;

use crate::claims::Claims;
use crate::keys::Kid;

/// Which check made a credential invalid, in verification order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum InvalidReason {
    /// Unknown or missing `EP1:`/`EP2:` prefix.
    Prefix,
    /// Text longer than [`crate::encoding::MAX_TEXT_LEN`].
    Oversize,
    /// Not base45.
    Base45,
    /// Not a valid zlib stream.
    Inflate,
    /// Inflating would exceed [`crate::encoding::MAX_COSE_LEN`] (zlib bomb).
    InflateBomb,
    /// Not a well-formed COSE_Sign1.
    Cose,
    /// No trusted key has this `kid`.
    UnknownIssuer,
    /// The key has been withdrawn.
    KeyWithdrawn,
    /// The header's algorithm is not the key's algorithm.
    AlgorithmNotAllowed,
    /// The signature does not verify: forged or tampered.
    Signature,
    /// The signed claims are malformed.
    Claims,
    /// The key may not sign this kind of credential.
    WrongKind,
    /// The claims name another issuer than the key's.
    IssuerMismatch,
    /// The credential was issued outside the key's validity period.
    KeyNotValidAtIssue,
}

/// Why no answer could be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum UndeterminedReason {
    /// The bundle is older than its max age.
    StaleBundle,
    /// No status list covers this credential.
    StatusUnavailable,
    /// A permitted zone or road section is missing from the catalogue.
    ZoneUnknown,
}

/// The answer for one credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Verdict {
    /// Valid here and now.
    Valid,
    /// Invalid: the stage that failed.
    Invalid(InvalidReason),
    /// Revoked by its issuer.
    Revoked,
    /// Suspended by its issuer.
    Suspended,
    /// Past its validity.
    Expired,
    /// Not valid yet.
    NotYetValid,
    /// Outside the permitted zones and road sections.
    OutsideZone,
    /// Outside the permitted times of day.
    OutsideTime,
    /// The checkpoint cannot decide.
    Undetermined(UndeterminedReason),
}

impl Verdict {
    /// Whether this is [`Verdict::Valid`].
    pub fn is_valid(self) -> bool {
        self == Self::Valid
    }

    /// The stable reason code, e.g. `valid`, `invalid.signature`, `undetermined.stale_bundle`.
    pub fn code(self) -> &'static str {
        self.texts().0
    }

    /// The class of the code (`valid`, `invalid`, `revoked`, …).
    pub fn class(self) -> &'static str {
        let c = self.code();
        c.split('.').next().unwrap_or(c)
    }

    /// The Chinese sentence.
    pub fn zh(self) -> &'static str {
        self.texts().1
    }

    /// The English sentence.
    pub fn en(self) -> &'static str {
        self.texts().2
    }

    fn texts(self) -> (&'static str, &'static str, &'static str) {
        use InvalidReason as I;
        use UndeterminedReason as U;
        match self {
            Self::Valid => (
                "valid",
                "有效：通行证真实有效。",
                "Valid: the pass is genuine and in force.",
            ),
            Self::Invalid(r) => match r {
                I::Prefix => (
                    "invalid.prefix",
                    "无效：不是本系统的通行证编码。",
                    "Invalid: not an epass credential (unknown prefix).",
                ),
                I::Oversize => (
                    "invalid.oversize",
                    "无效：编码过长。",
                    "Invalid: the code is too long.",
                ),
                I::Base45 => (
                    "invalid.base45",
                    "无效：编码已损坏（base45）。",
                    "Invalid: the code is corrupted (base45).",
                ),
                I::Inflate => (
                    "invalid.inflate",
                    "无效：编码已损坏（解压失败）。",
                    "Invalid: the code is corrupted (decompression failed).",
                ),
                I::InflateBomb => (
                    "invalid.inflate_bomb",
                    "无效：解压后超出长度上限。",
                    "Invalid: the code decompresses beyond the size limit.",
                ),
                I::Cose => (
                    "invalid.cose",
                    "无效：签名结构损坏。",
                    "Invalid: the signed structure is malformed.",
                ),
                I::UnknownIssuer => (
                    "invalid.unknown_issuer",
                    "无效：签发机关未知。",
                    "Invalid: unknown issuer (no trusted key with this id).",
                ),
                I::KeyWithdrawn => (
                    "invalid.key_withdrawn",
                    "无效：签发密钥已被撤回。",
                    "Invalid: the issuer key has been withdrawn.",
                ),
                I::AlgorithmNotAllowed => (
                    "invalid.algorithm",
                    "无效：签名算法与密钥不符。",
                    "Invalid: the algorithm is not allowed for this key.",
                ),
                I::Signature => (
                    "invalid.signature",
                    "无效：签名不符，通行证系伪造或被篡改。",
                    "Invalid: the signature does not match; forged or tampered.",
                ),
                I::Claims => (
                    "invalid.claims",
                    "无效：通行证内容格式错误。",
                    "Invalid: the pass contents are malformed.",
                ),
                I::WrongKind => (
                    "invalid.wrong_kind",
                    "无效：该密钥无权签发此类通行证。",
                    "Invalid: this key may not sign this kind of credential.",
                ),
                I::IssuerMismatch => (
                    "invalid.issuer_mismatch",
                    "无效：签发机关与密钥不符。",
                    "Invalid: the issuer does not match the key.",
                ),
                I::KeyNotValidAtIssue => (
                    "invalid.key_not_valid_at_issue",
                    "无效：签发时密钥不在有效期内。",
                    "Invalid: the key was not valid when the pass was issued.",
                ),
            },
            Self::Revoked => (
                "revoked",
                "已撤销：通行证已被签发机关撤销。",
                "Revoked: the issuer has revoked this pass.",
            ),
            Self::Suspended => (
                "suspended",
                "已暂停：通行证已被暂停使用。",
                "Suspended: this pass is suspended.",
            ),
            Self::Expired => (
                "expired",
                "已过期：通行证已超过有效期。",
                "Expired: the pass is past its validity.",
            ),
            Self::NotYetValid => (
                "not_yet_valid",
                "未生效：通行证尚未到生效时间。",
                "Not yet valid: the pass is not in force yet.",
            ),
            Self::OutsideZone => (
                "outside_zone",
                "区域不符：当前位置不在允许的区域或路段内。",
                "Outside zone: this place is outside the permitted zones and road sections.",
            ),
            Self::OutsideTime => (
                "outside_time",
                "时段不符：当前不在允许的通行时段内。",
                "Outside time: now is outside the permitted times of day.",
            ),
            Self::Undetermined(r) => match r {
                U::StaleBundle => (
                    "undetermined.stale_bundle",
                    "无法判定：本机信任数据已过期，请同步。",
                    "Undetermined: this checkpoint's trust data is too old; synchronise.",
                ),
                U::StatusUnavailable => (
                    "undetermined.status_unavailable",
                    "无法判定：缺少该通行证的状态数据。",
                    "Undetermined: no status data covers this pass.",
                ),
                U::ZoneUnknown => (
                    "undetermined.zone_unknown",
                    "无法判定：缺少允许区域或路段的地理数据。",
                    "Undetermined: a permitted zone or road section is missing from the catalogue.",
                ),
            },
        }
    }
}

/// Who signed a credential whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signer {
    /// Key id, hex.
    pub kid: String,
    /// Issuer division code of the key.
    pub issuer: String,
    /// Authority whose bundle holds the key.
    pub authority: String,
}

/// The full result of a verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The answer.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The decoded claims, present whenever the signature verified and the claims parsed, so
    /// an officer can compare plate, holder and masked ID.
    pub claims: Option<Claims>,
    /// The signer, present whenever the signature verified.
    pub signer: Option<Signer>,
}

impl Outcome {
    pub(crate) fn invalid(r: InvalidReason) -> Self {
        Self {
            verdict: Verdict::Invalid(r),
            claims: None,
            signer: None,
        }
    }

    /// Shorthand for `verdict.is_valid()`.
    pub fn is_valid(&self) -> bool {
        self.verdict.is_valid()
    }

    /// The stable reason code.
    pub fn code(&self) -> &'static str {
        self.verdict.code()
    }

    /// A JSON value for machines: code, class, sentences, claims, signer.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "code": self.code(),
            "class": self.verdict.class(),
            "valid": self.is_valid(),
            "zh": self.verdict.zh(),
            "en": self.verdict.en(),
            "claims": self.claims,
            "signer": self.signer,
        })
    }
}

/// Hex `kid` helper for signer info.
pub(crate) fn signer(kid: Kid, issuer: &str, authority: &str) -> Signer {
    Signer {
        kid: kid.to_string(),
        issuer: issuer.to_owned(),
        authority: authority.to_owned(),
    }
}
