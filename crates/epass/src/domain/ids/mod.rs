//! Identifier newtypes, valid by construction.
//!
//! Each type has `parse(&str) -> Result<Self, XxxError>` following the rules in
//! `shared/VALIDATION.md`; the error enums have one variant per way an input
//! can be wrong and implement [`Localized`](crate::i18n::Localized) (stable
//! code, Chinese and English sentences) and `Display` (English).
//! `Deserialize` goes through `parse`, so an invalid value cannot exist.
//!
//! Input normalisation shared by all parsers: full-width ASCII forms typed
//! with a Chinese input method (`１３８`, `Ａ`, the ideographic space) are
//! folded to ASCII first. Character positions in errors are 1-based and count
//! characters of the input *after* the characters a parser strips (spaces,
//! dashes, middle dots) have been removed, i.e. positions in the canonical
//! form the user will see echoed back.

mod credit_code;
mod division;
mod id_number;
mod phone;
mod plate;

pub use credit_code::{ChecksumStatus, CreditCode, CreditCodeError};
pub use division::{DivisionCode, DivisionCodeError, DivisionLevel, PROVINCES};
pub use id_number::{IdNumber, IdNumberError, MaskedId, Sex};
pub use phone::{Phone, PhoneError};
pub use plate::{NewEnergyPower, Plate, PlateError, PlateKind, charset as plate_charset};

/// Today's date in China (UTC+8, no daylight saving), used for "not in the
/// future" checks so the answer does not depend on the server's time zone.
#[must_use]
pub fn today_in_china() -> time::Date {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(8)).date()
}

/// Folds full-width ASCII forms (U+FF01..=U+FF5E) to ASCII and the
/// ideographic space (U+3000) to a space.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Width-folds `s`, drops every character for which `drop` is true and
/// upper-cases ASCII letters.
pub(crate) fn clean(s: &str, drop: impl Fn(char) -> bool) -> Vec<char> {
    s.chars()
        .map(fold_width)
        .filter(|&c| !drop(c))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `Display` (English message) and `std::error::Error` for a [`Localized`]
/// error enum.
///
/// [`Localized`]: crate::i18n::Localized
macro_rules! error_display_via_localized {
    ($ty:ty) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&$crate::i18n::Localized::message(
                    self,
                    $crate::i18n::Lang::En,
                ))
            }
        }
        impl ::std::error::Error for $ty {}
    };
}

/// `Deserialize` (a string, through `parse`) and `FromStr` for a type with
/// `fn parse(&str) -> Result<Self, E>`.
macro_rules! parse_impls {
    ($ty:ty, $err:ty, $expecting:literal) => {
        impl ::std::str::FromStr for $ty {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$ty>::parse(s)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        <$ty>::parse(v).map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

/// `Serialize` as the canonical string, `AsRef<str>` and `Display`.
macro_rules! string_impls {
    ($ty:ty) => {
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
    };
}

pub(crate) use {error_display_via_localized, parse_impls, string_impls};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_folding() {
        assert_eq!(fold_width('１'), '1');
        assert_eq!(fold_width('Ａ'), 'A');
        assert_eq!(fold_width('ｘ'), 'x');
        assert_eq!(fold_width('\u{3000}'), ' ');
        assert_eq!(fold_width('京'), '京');
        assert_eq!(clean("ａ b－1", |c| c == ' '), vec!['A', 'B', '-', '1']);
    }

    #[test]
    fn today_is_plausible() {
        assert!(today_in_china().year() >= 2026);
    }
}
