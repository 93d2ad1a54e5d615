//! CBOR encoding and decoding of [`Claims`] with the compact integer keys of the claim map.

use crate::cbor::{Major, Reader, Writer};
use crate::claims::{
    Approval, Claims, ClaimsError, DEFAULT_UTC_OFFSET, Freight, Kind, Licence, TimeWindow, key,
};

fn pass_number_as_uint(pn: &str) -> Option<u64> {
    if pn.starts_with('0') {
        return None;
    }
    pn.parse().ok()
}

/// Splits `110***********002X` into (`110`, 11, `002X`) when the stars form one run.
fn split_mask(m: &str) -> Option<(&str, usize, &str)> {
    let start = m.find('*')?;
    let end = m.rfind('*')? + 1;
    let run = &m[start..end];
    if run.bytes().all(|b| b == b'*') {
        Some((&m[..start], end - start, &m[end..]))
    } else {
        None
    }
}

/// Encodes claims as a CBOR map, keys in canonical (bytewise) order.
pub fn encode(c: &Claims, w: &mut Writer) {
    let omit_iss = c.pass_number.starts_with(&c.issuer);
    let omit_nbf = c.not_before == c.issued_at;
    let omit_off = c.utc_offset_minutes == DEFAULT_UTC_OFFSET;
    let f = c.freight.as_ref();
    let l = c.licence.as_ref();
    // Outer map: exp, iat and the epass claim always, iss and nbf when not implied.
    w.map(3 + usize::from(!omit_iss) + usize::from(!omit_nbf));
    if !omit_iss {
        w.int(key::ISS);
        w.text(&c.issuer);
    }
    w.int(key::EXP);
    w.int(c.expires);
    if !omit_nbf {
        w.int(key::NBF);
        w.int(c.not_before);
    }
    w.int(key::IAT);
    w.int(c.issued_at);
    w.int(key::EPASS);
    // Inner map: pass number, kind and holder are always present.
    let n = 3
        + usize::from(!omit_off)
        + usize::from(c.masked_id.is_some())
        + usize::from(c.plate.is_some())
        + usize::from(!c.zones.is_empty())
        + usize::from(!c.road_sections.is_empty())
        + usize::from(!c.time_windows.is_empty())
        + usize::from(!c.approvals.is_empty())
        + usize::from(c.status_index.is_some())
        + usize::from(c.vehicle_type.is_some())
        + usize::from(c.holder_category.is_some())
        + usize::from(c.rules.is_some())
        + f.map_or(0, |f| {
            2 + usize::from(f.cargo.is_some()) + usize::from(f.test_at.is_some())
        })
        + l.map_or(0, |_| 2);
    w.map(n);
    w.int(key::PASS_NUMBER);
    match pass_number_as_uint(&c.pass_number) {
        Some(u) => w.uint(u),
        None => w.text(&c.pass_number),
    }
    w.int(key::KIND);
    w.uint(c.kind.code());
    w.int(key::HOLDER);
    w.text(&c.holder_name);
    if let Some(m) = &c.masked_id {
        w.int(key::MASKED_ID);
        match split_mask(m) {
            Some((head, stars, tail)) => {
                w.array(3);
                w.text(head);
                w.uint(stars as u64);
                w.text(tail);
            }
            None => w.text(m),
        }
    }
    let opt_text = |w: &mut Writer, k: i64, v: &Option<String>| {
        if let Some(v) = v {
            w.int(k);
            w.text(v);
        }
    };
    opt_text(w, key::PLATE, &c.plate);
    let list = |w: &mut Writer, k: i64, v: &[u32]| {
        if !v.is_empty() {
            w.int(k);
            w.array(v.len());
            for x in v {
                w.uint(u64::from(*x));
            }
        }
    };
    list(w, key::ZONES, &c.zones);
    list(w, key::ROADS, &c.road_sections);
    if !c.time_windows.is_empty() {
        w.int(key::WINDOWS);
        w.array(c.time_windows.len() * 2);
        for t in &c.time_windows {
            w.uint(u64::from(t.from));
            w.uint(u64::from(t.to));
        }
    }
    if !omit_off {
        w.int(key::UTC_OFFSET);
        w.int(i64::from(c.utc_offset_minutes));
    }
    if !c.approvals.is_empty() {
        w.int(key::APPROVALS);
        w.array(c.approvals.len() * 2);
        for a in &c.approvals {
            w.text(&a.reviewer);
            w.int(a.date);
        }
    }
    if let Some(i) = c.status_index {
        w.int(key::STATUS_INDEX);
        w.uint(u64::from(i));
    }
    opt_text(w, key::VEHICLE_TYPE, &c.vehicle_type);
    if let Some(cat) = c.holder_category {
        w.int(key::CATEGORY);
        w.uint(u64::from(cat));
    }
    opt_text(w, key::RULES, &c.rules);
    if let Some(f) = f {
        w.int(key::ORIGIN);
        w.uint(u64::from(f.origin));
        w.int(key::DESTINATION);
        w.uint(u64::from(f.destination));
        opt_text(w, key::CARGO, &f.cargo);
        if let Some(t) = f.test_at {
            w.int(key::TEST_AT);
            w.int(t);
        }
    }
    if let Some(l) = l {
        w.int(key::CLASSES);
        w.text(&l.classes);
        w.int(key::POINTS);
        w.uint(u64::from(l.points));
    }
}

/// Canonical order rank of a key: non-negative keys first, ascending, then -1, -2, ….
fn rank(k: i64) -> u64 {
    if k >= 0 {
        k as u64
    } else {
        (1u64 << 63) + (-1 - k) as u64
    }
}

fn small<T: TryFrom<u64>>(v: u64, what: &'static str) -> Result<T, ClaimsError> {
    T::try_from(v).map_err(|_| ClaimsError::Invalid(what))
}

/// Decodes and validates a claims map (the whole input must be one map).
pub fn decode(bytes: &[u8]) -> Result<Claims, ClaimsError> {
    let mut r = Reader::new(bytes);
    let outer = r.map()?;
    let mut last: Option<u64> = None;
    let (mut iss, mut exp, mut nbf, mut iat, mut pn, mut kind, mut holder) =
        (None, None, None, None, None, None, None);
    let mut c = Claims {
        pass_number: String::new(),
        kind: Kind::PersonnelVehicle,
        issuer: String::new(),
        holder_name: String::new(),
        masked_id: None,
        plate: None,
        vehicle_type: None,
        holder_category: None,
        zones: Vec::new(),
        road_sections: Vec::new(),
        time_windows: Vec::new(),
        utc_offset_minutes: DEFAULT_UTC_OFFSET,
        not_before: 0,
        expires: 0,
        issued_at: 0,
        approvals: Vec::new(),
        status_index: None,
        freight: None,
        licence: None,
        rules: None,
    };
    let mut freight = Freight::default();
    let (mut has_freight, mut classes, mut points) = (false, None, None);
    let mut inner = None;
    for _ in 0..outer {
        let k = r.int()?;
        if last.is_some_and(|l| rank(k) <= l) {
            return Err(ClaimsError::Duplicate(k));
        }
        last = Some(rank(k));
        match k {
            key::ISS => iss = Some(r.text()?.to_owned()),
            key::EXP => exp = Some(r.int()?),
            key::NBF => nbf = Some(r.int()?),
            key::IAT => iat = Some(r.int()?),
            key::EPASS => {
                let start = r.position();
                r.skip()?;
                inner = Some(&bytes[start..r.position()]);
            }
            _ => r.skip()?,
        }
    }
    r.finish()?;
    let mut r = Reader::new(inner.ok_or(ClaimsError::Missing("epass claim (-65537)"))?);
    let n = r.map()?;
    let mut last: Option<u64> = None;
    for _ in 0..n {
        let k = r.int()?;
        if last.is_some_and(|l| rank(k) <= l) {
            return Err(ClaimsError::Duplicate(k));
        }
        last = Some(rank(k));
        match k {
            key::PASS_NUMBER => {
                pn = Some(match r.peek()? {
                    Major::Uint => r.uint()?.to_string(),
                    _ => r.text()?.to_owned(),
                })
            }
            key::KIND => {
                kind = Some(Kind::from_code(r.uint()?).ok_or(ClaimsError::Invalid("kind"))?)
            }
            key::HOLDER => holder = Some(r.text()?.to_owned()),
            key::MASKED_ID => {
                c.masked_id = Some(match r.peek()? {
                    Major::Array => {
                        if r.array()? != 3 {
                            return Err(ClaimsError::Invalid("masked id"));
                        }
                        let head = r.text()?;
                        let stars: usize = small(r.uint()?, "masked id")?;
                        let tail = r.text()?;
                        if stars == 0 || stars > 64 {
                            return Err(ClaimsError::Invalid("masked id"));
                        }
                        let mut s = String::with_capacity(head.len() + stars + tail.len());
                        s.push_str(head);
                        s.extend(std::iter::repeat_n('*', stars));
                        s.push_str(tail);
                        s
                    }
                    _ => r.text()?.to_owned(),
                })
            }
            key::PLATE => c.plate = Some(r.text()?.to_owned()),
            key::ZONES | key::ROADS => {
                let m = r.array()?;
                let mut v = Vec::with_capacity(m);
                for _ in 0..m {
                    v.push(r.u32()?);
                }
                if k == key::ZONES {
                    c.zones = v;
                } else {
                    c.road_sections = v;
                }
            }
            key::WINDOWS => {
                let m = r.array()?;
                if m % 2 != 0 {
                    return Err(ClaimsError::Invalid("time windows"));
                }
                for _ in 0..m / 2 {
                    let from = small(r.uint()?, "time window")?;
                    let to = small(r.uint()?, "time window")?;
                    c.time_windows.push(TimeWindow { from, to });
                }
            }
            key::UTC_OFFSET => {
                c.utc_offset_minutes =
                    i16::try_from(r.int()?).map_err(|_| ClaimsError::Invalid("utc offset"))?
            }
            key::APPROVALS => {
                let m = r.array()?;
                if m % 2 != 0 {
                    return Err(ClaimsError::Invalid("approvals"));
                }
                for _ in 0..m / 2 {
                    let reviewer = r.text()?.to_owned();
                    let date = r.int()?;
                    c.approvals.push(Approval { reviewer, date });
                }
            }
            key::STATUS_INDEX => c.status_index = Some(r.u32()?),
            key::VEHICLE_TYPE => c.vehicle_type = Some(r.text()?.to_owned()),
            key::CATEGORY => c.holder_category = Some(r.u32()?),
            key::RULES => c.rules = Some(r.text()?.to_owned()),
            key::ORIGIN => {
                has_freight = true;
                freight.origin = r.u32()?;
            }
            key::DESTINATION => {
                has_freight = true;
                freight.destination = r.u32()?;
            }
            key::CARGO => {
                has_freight = true;
                freight.cargo = Some(r.text()?.to_owned());
            }
            key::TEST_AT => {
                has_freight = true;
                freight.test_at = Some(r.int()?);
            }
            key::CLASSES => classes = Some(r.text()?.to_owned()),
            key::POINTS => points = Some(small(r.uint()?, "points")?),
            _ => r.skip()?,
        }
    }
    r.finish()?;
    c.pass_number = pn.ok_or(ClaimsError::Missing("pass number (epass 1)"))?;
    c.kind = kind.ok_or(ClaimsError::Missing("kind (epass 2)"))?;
    c.holder_name = holder.ok_or(ClaimsError::Missing("holder (epass 3)"))?;
    c.expires = exp.ok_or(ClaimsError::Missing("exp (4)"))?;
    c.issued_at = iat.ok_or(ClaimsError::Missing("iat (6)"))?;
    c.not_before = nbf.unwrap_or(c.issued_at);
    c.issuer = match iss {
        Some(i) => i,
        None => c
            .pass_number
            .get(..6)
            .ok_or(ClaimsError::Missing("iss (1)"))?
            .to_owned(),
    };
    if has_freight {
        c.freight = Some(freight);
    }
    if classes.is_some() || points.is_some() {
        c.licence = Some(Licence {
            classes: classes.unwrap_or_default(),
            points: points.unwrap_or(0),
        });
    }
    c.validate()?;
    Ok(c)
}
