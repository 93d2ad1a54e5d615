//! The registry's stored photos in bulk: a licensing system hands over a folder of photos
//! named by licence number; all are checked first and stored in one transaction, or none.

use super::super::{ActionError, ActionResult, Actor};
use super::apply::checked_photo;
use super::store;
use crate::store::licences::Photo;
use crate::store::{Db, StoreError, audit, now_ms};

/// One photo that cannot be stored, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhotoError {
    /// The file (or licence number) it came from.
    pub name: String,
    pub zh: String,
    pub en: String,
}

/// Checks every `(licence number, bytes)` pair and stores them all, or reports every mistake and
/// stores nothing. Returns how many were stored.
pub async fn import_photos(
    db: &Db,
    actor: &Actor,
    photos: Vec<(String, Vec<u8>)>,
    max_bytes: u64,
) -> ActionResult<Result<usize, Vec<PhotoError>>> {
    let mut checked = Vec::with_capacity(photos.len());
    let mut errors = Vec::new();
    for (name, bytes) in photos {
        let number = match crate::registry::fields::licence_number(&name) {
            Ok(n) => n,
            Err(e) => {
                errors.push(PhotoError {
                    name,
                    zh: e.zh,
                    en: e.en,
                });
                continue;
            }
        };
        match checked_photo(bytes, max_bytes).await {
            Ok((kind, bytes)) => checked.push((
                number,
                Photo {
                    content_type: kind.mime().to_owned(),
                    bytes,
                },
            )),
            Err(e) => {
                let (zh, en) = match &e {
                    ActionError::TooLarge { max_bytes } => (
                        format!("照片超过 {max_bytes} 字节"),
                        format!("the photo is larger than {max_bytes} bytes"),
                    ),
                    ActionError::UnsupportedContent { zh, en, .. }
                    | ActionError::Invalid { zh, en, .. } => (zh.clone(), en.clone()),
                    other => return Err(ActionError::Internal(other.to_string())),
                };
                errors.push(PhotoError { name, zh, en });
            }
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    for (number, photo) in &checked {
        store::put_registry_photo(&mut tx, number, photo, now).await?;
    }
    let mut event = actor.event("registry.licence_photos_imported", "registry", "licences");
    event.after = Some(serde_json::json!({ "photos": checked.len() }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Ok(checked.len()))
}
