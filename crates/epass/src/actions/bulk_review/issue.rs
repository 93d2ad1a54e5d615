//! The final approvals of a bulk decision: vehicles checked for the whole chunk at once, then
//! the passes issued together (one serial block per office, each key opened once, a statement
//! per table).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use super::{Chunk, Planned};
use crate::actions::issuance::{self, Issuer};
use crate::actions::review::Verb;
use crate::actions::{ActionError, ActionResult};
use crate::domain::pass_type::Check;
use crate::store::outbox::Channel;
use crate::store::passes::{self, NewPass};
use crate::store::{audit, outbox};

impl Chunk<'_> {
    /// Applications whose vehicle is already held for an overlapping period, by a live pass or
    /// by an earlier application of this chunk.
    pub(super) async fn vehicles_taken(
        &self,
        tx: &mut crate::store::Tx,
        planned: &[Planned<'_>],
    ) -> ActionResult<HashSet<i64>> {
        let mut taken = HashSet::new();
        if self.action != Verb::Approve {
            return Ok(taken);
        }
        let mut by_kind: HashMap<&str, Vec<&Planned>> = HashMap::new();
        for p in planned {
            if p.last_level
                && p.app.plate.is_some()
                && p.pt.definition.checks.contains(&Check::OnePassPerVehicle)
            {
                by_kind.entry(p.pt.kind.name()).or_default().push(p);
            }
        }
        for (kind, items) in by_kind {
            let plates: Vec<&str> = items
                .iter()
                .filter_map(|p| p.app.plate.as_deref())
                .collect();
            let mut held: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
            for (plate, from, until) in
                crate::store::vehicle_claims::claims_on(tx, kind, &plates).await?
            {
                held.entry(plate).or_default().push((from, until));
            }
            for p in items {
                let (Some(plate), from, until) =
                    (&p.app.plate, p.app.valid_from, p.app.valid_until)
                else {
                    continue;
                };
                let periods = held.entry(plate.clone()).or_default();
                if periods.iter().any(|(f, u)| *f < until && from < *u) {
                    taken.insert(p.app.id);
                } else {
                    periods.push((from, until));
                }
            }
        }
        Ok(taken)
    }

    /// Issues the final approvals of a chunk: serials as one block per issuing office, each
    /// credential signed, then passes, vehicle claims, audit events and the holders' messages
    /// written a statement per table. Returns the pass number by application.
    pub(super) async fn issue_all(
        &self,
        tx: &mut crate::store::Tx,
        finals: &[&Planned<'_>],
        now: i64,
    ) -> ActionResult<HashMap<i64, String>> {
        let mut numbers = HashMap::new();
        if finals.is_empty() {
            return Ok(numbers);
        }
        let mut issuers: HashMap<(i64, u8), Issuer> = HashMap::new();
        let mut counts: HashMap<i64, i64> = HashMap::new();
        for p in finals {
            *counts.entry(p.app.authority_id).or_default() += 1;
            let key = (p.app.authority_id, p.pt.kind.code() as u8);
            if let Entry::Vacant(slot) = issuers.entry(key) {
                slot.insert(Issuer::load(tx, self.pii, key.0, p.pt.kind).await?);
            }
        }
        // (issuing office's code, first serial of its block, next serial to hand out)
        let mut blocks: HashMap<i64, (String, i64, i64)> = HashMap::new();
        for (&authority_id, &n) in &counts {
            let code = issuers
                .iter()
                .find(|((a, _), _)| *a == authority_id)
                .map(|(_, i)| i.authority.division_code.clone())
                .unwrap_or_default();
            let first = passes::reserve_serials(tx, &code, n).await?;
            blocks.insert(authority_id, (code, first, first));
        }
        let mut signed = Vec::with_capacity(finals.len());
        for p in finals {
            let app = p.app;
            let issuer = &issuers[&(app.authority_id, p.pt.kind.code() as u8)];
            let block = blocks
                .get_mut(&app.authority_id)
                .ok_or_else(|| ActionError::Internal("no serial block".into()))?;
            let serial = block.2;
            block.2 += 1;
            let number = issuance::pass_number(&block.0, serial);
            let (kid, credential) = issuer.sign(
                app,
                p.pt,
                &number,
                serial,
                app.valid_until,
                self.approvals(app, now),
            )?;
            signed.push((p, issuer, serial, number, kid, credential));
        }
        let rows: Vec<NewPass> = signed
            .iter()
            .map(|(p, issuer, serial, number, kid, credential)| NewPass {
                application_id: p.app.id,
                pass_number: number,
                authority_id: issuer.authority.id,
                kind: p.pt.kind.name(),
                issuer_code: &issuer.authority.division_code,
                kid,
                status_index: *serial,
                holder_id: p.app.applicant_id,
                holder_name: &p.app.holder_name,
                holder_id_masked: p.app.holder_id_masked.as_deref(),
                plate: p.app.plate.as_deref(),
                valid_from: p.app.valid_from,
                valid_until: p.app.valid_until,
                credential,
            })
            .collect();
        let ids: HashMap<String, i64> = passes::insert_many(tx, &rows).await?.into_iter().collect();
        let mut claims = Vec::new();
        let mut events = Vec::new();
        let mut bodies = Vec::new();
        let actors: Vec<_> = signed
            .iter()
            .map(|(p, ..)| self.caller.actor(Some(p.role)))
            .collect();
        for ((p, _, _, number, kid, _), actor) in signed.iter().zip(&actors) {
            let app = p.app;
            let pass_id = *ids
                .get(number)
                .ok_or_else(|| ActionError::Internal(format!("pass {number} not stored")))?;
            if let Some(plate) = &app.plate
                && p.pt.definition.checks.contains(&Check::OnePassPerVehicle)
            {
                claims.push(crate::store::vehicle_claims::VehicleClaim {
                    pass_id,
                    kind: p.pt.kind.name(),
                    plate,
                    valid_from: app.valid_from,
                    valid_until: app.valid_until,
                });
            }
            events.push(issuance::issued_event(actor, app, number, kid));
            bodies.push((
                app.applicant_id,
                issuance::issued_message(number, self.link_base),
            ));
            numbers.insert(app.id, number.clone());
        }
        crate::store::vehicle_claims::claim_vehicles(tx, &claims)
            .await
            .map_err(issuance::vehicle_conflict)?;
        audit::insert_many(tx, &events).await?;
        let messages: Vec<(&str, &str, &str)> = bodies
            .iter()
            .map(|(holder, body)| (self.phone(*holder), "", body.as_str()))
            .collect();
        outbox::enqueue_many(tx, Channel::Sms, &messages).await?;
        let actor = self.caller.actor(None);
        for ((authority_id, _), issuer) in &issuers {
            if let Some((_, first, next)) = blocks.get(authority_id)
                && next > first
            {
                issuance::keep_status_list_ahead(
                    tx,
                    self.pii,
                    &actor,
                    &issuer.authority,
                    *first,
                    next - 1,
                )
                .await?;
                // Several kinds of one office share its block: republish once.
                blocks.remove(authority_id);
            }
        }
        Ok(numbers)
    }
}
