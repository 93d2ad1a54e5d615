//! Calendar helpers without a date library: civil dates, RFC 3339 timestamps, serde adapters.
//!
//! Times are Unix seconds (`i64`, UTC); dates are days since 1970-01-01.

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parses a `YYYY-MM-DD` date into a day number.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = i64::from(num(&s[0..4])?);
    let m = num(&s[5..7])?;
    let d = num(&s[8..10])?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Formats a day number as `YYYY-MM-DD`.
pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parses an RFC 3339 timestamp (`2026-11-21T08:30:00+08:00`, `…Z`, fractional seconds ignored).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    if !s.is_ascii() || s.len() < 20 {
        return None;
    }
    let days = parse_date(&s[0..10])?;
    let b = s.as_bytes();
    if !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let hh = num(&s[11..13])?;
    let mm = num(&s[14..16])?;
    let ss = num(&s[17..19])?;
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &r[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || rb[3] != b':' {
                return None;
            }
            let sign = match rb[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let oh = num(&rest[1..3])?;
            let om = num(&rest[4..6])?;
            if oh > 23 || om > 59 {
                return None;
            }
            sign * i64::from(oh * 60 + om)
        }
    };
    Some(days * 86_400 + i64::from(hh * 3600 + mm * 60 + ss) - offset * 60)
}

/// Formats Unix seconds as RFC 3339 in UTC (`2026-11-21T00:30:00Z`).
pub fn format_rfc3339(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(days),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Serde adapter: Unix seconds as an RFC 3339 string (an integer is accepted too).
pub mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Form {
        Int(i64),
        Text(String),
    }

    /// Serialises as RFC 3339 UTC.
    pub fn serialize<S: Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_rfc3339(*t))
    }

    /// Deserialises RFC 3339 text or Unix seconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        match Form::deserialize(d)? {
            Form::Int(i) => Ok(i),
            Form::Text(t) => super::parse_rfc3339(&t)
                .ok_or_else(|| D::Error::custom(format!("not an RFC 3339 time: {t}"))),
        }
    }
}

/// Serde adapter: a day number as `YYYY-MM-DD`.
pub mod date {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    /// Serialises as `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(d: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_date(*d))
    }

    /// Deserialises `YYYY-MM-DD`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let t = String::deserialize(d)?;
        super::parse_date(&t).ok_or_else(|| D::Error::custom(format!("not a date: {t}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates_and_times() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            civil_from_days(days_from_civil(2026, 11, 21)),
            (2026, 11, 21)
        );
        assert_eq!(parse_rfc3339("1970-01-01T08:00:00+08:00"), Some(0));
        let t = parse_rfc3339("2026-11-21T10:11:12.5Z");
        assert_eq!(
            t.map(format_rfc3339).as_deref(),
            Some("2026-11-21T10:11:12Z")
        );
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_rfc3339("2026-11-21T10:11:12"), None);
    }
}
