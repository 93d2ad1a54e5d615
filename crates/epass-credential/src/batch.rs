//! Bulk verification for audits: Ed25519 signatures checked with `verify_batch`, falling back
//! to one-by-one checks only for a batch that fails.

use crate::cose;
use crate::outcome::{InvalidReason, Outcome};
use crate::verify::{Context, Stage1, Verifier};

/// Credentials per `verify_batch` call.
const CHUNK: usize = 64;

impl Verifier {
    /// Verifies many credentials at once; the outcomes are those of [`Verifier::verify`]
    /// (batch verification uses the cofactorless batch equation of `ed25519-dalek`; any
    /// batch that fails is re-checked credential by credential with strict verification).
    pub fn verify_many(&self, texts: &[&str], ctx: &Context) -> Vec<Outcome> {
        let mut out: Vec<Option<Outcome>> = vec![None; texts.len()];
        let mut pending = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            match self.stage1(t.as_bytes()) {
                Stage1::Done(o) => out[i] = Some(o),
                Stage1::Pending { cose, key } => pending.push((i, cose, key)),
            }
        }
        for chunk in pending.chunks(CHUNK) {
            let mut parts = Vec::with_capacity(chunk.len());
            for (i, c, key) in chunk {
                match cose::parse(c) {
                    Ok(s) => {
                        let tbs = cose::sig_structure(s.protected, s.payload);
                        parts.push((*i, s, key, tbs));
                    }
                    Err(_) => out[*i] = Some(Outcome::invalid(InvalidReason::Cose)),
                }
            }
            let mut ok = vec![false; parts.len()];
            let ed: Vec<usize> = (0..parts.len())
                .filter(|&j| {
                    parts[j].2.public.ed25519().is_some() && parts[j].1.signature.len() == 64
                })
                .collect();
            let mut batch_ok = false;
            if !ed.is_empty() {
                let msgs: Vec<&[u8]> = ed.iter().map(|&j| parts[j].3.as_slice()).collect();
                let sigs: Vec<ed25519_dalek::Signature> = ed
                    .iter()
                    .filter_map(|&j| <[u8; 64]>::try_from(parts[j].1.signature).ok())
                    .map(|b| ed25519_dalek::Signature::from_bytes(&b))
                    .collect();
                let keys: Vec<ed25519_dalek::VerifyingKey> = ed
                    .iter()
                    .filter_map(|&j| parts[j].2.public.ed25519().copied())
                    .collect();
                batch_ok = ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok();
            }
            for (j, (_, s, key, tbs)) in parts.iter().enumerate() {
                ok[j] = (batch_ok && ed.contains(&j)) || key.public.verify(tbs, s.signature);
            }
            for (j, (i, s, key, _)) in parts.iter().enumerate() {
                out[*i] = Some(if ok[j] {
                    self.after_signature(key, s.payload, ctx)
                } else {
                    Outcome::invalid(InvalidReason::Signature)
                });
            }
        }
        out.into_iter()
            .map(|o| o.unwrap_or_else(|| Outcome::invalid(InvalidReason::Cose)))
            .collect()
    }
}
