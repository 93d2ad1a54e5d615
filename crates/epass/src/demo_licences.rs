//! Demo electronic driving licences: the demo driver's licence in the registry with a stored
//! photo, issued at first start, a second registry licence (12 points) that shows a refusal, and
//! an insurer with a relying-party account that can be shown a consent code.

use image::{ImageFormat, Rgb, RgbImage};

use crate::actions::licences::{ApplyInput, PhotoChoice, Services};
use crate::actions::users::UserInput;
use crate::actions::{ActionError, ActionResult, Actor, Caller, users};
use crate::app::AppState;
use crate::domain::ids::IdNumber;
use crate::domain::roles::Role;
use crate::registry::{Origin, RegistryKind};
use crate::store::licences::Photo;
use crate::store::orgs::{NewOrg, Org, OrgKind};
use crate::store::{StoreError, audit, now_ms};

/// The demo driver's ID number (also on the demo applications).
const DRIVER_ID: &str = "11010519491231002X";
/// The demo driver's licence file number.
pub const DRIVER_LICENCE: &str = "150621000007";

/// A passport-style placeholder photo: a grey head and shoulders on a white background.
fn placeholder_photo() -> ActionResult<Vec<u8>> {
    let (w, h) = (240u32, 320u32);
    let img = RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (f64::from(x), f64::from(y));
        let head =
            ((fx - 120.0).powi(2) / 60.0f64.powi(2)) + ((fy - 130.0).powi(2) / 75.0f64.powi(2));
        let shoulders = fy > 230.0 && ((fx - 120.0).abs() < 110.0 - (320.0 - fy) * 0.4);
        if head <= 1.0 || shoulders {
            Rgb([96, 104, 120])
        } else {
            Rgb([255, 255, 255])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)
        .map_err(|e| ActionError::Internal(format!("drawing the demo photo: {e}")))?;
    Ok(out.into_inner())
}

/// Seeds the licences; `driver` is the demo applicant's user id, `hq` the authority.
pub async fn seed(state: &AppState, hq: &Org, driver: i64) -> ActionResult<()> {
    let actor = Actor::default();
    let id = IdNumber::parse(DRIVER_ID)
        .map_err(|e| ActionError::Internal(format!("demo ID number: {e:?}")))?;
    let csv = format!(
        "licence_number,holder_id_number,holder_name,classes,valid_from,valid_until,issuing_office,points,status,address\n\
         {DRIVER_LICENCE},{DRIVER_ID},孙司机,A2 C1,2018-06-01,2030-06-01,鄂尔多斯市公安局交通管理支队车辆管理所,3,valid,内蒙古自治区鄂尔多斯市达拉特旗树林召镇锡尼街 8 号\n\
         150621000099,150621198001010010,钱满分,C1,2019-03-01,2029-03-01,鄂尔多斯市公安局交通管理支队车辆管理所,12,valid,内蒙古自治区鄂尔多斯市达拉特旗\n"
    );
    let origin = Origin {
        file_name: "demo-licences.csv",
        actor: "demo",
    };
    let report = crate::registry::import(
        &state.db,
        &state.pii,
        RegistryKind::Licences,
        &origin,
        csv.as_bytes(),
        |_| {},
    )
    .await
    .map_err(|e| ActionError::Internal(format!("demo licences: {e}")))?;
    if !report.errors.is_empty() {
        return Err(ActionError::Internal(format!(
            "demo licences refused: {:?}",
            report.errors
        )));
    }

    let sealed = state
        .pii
        .seal(&id)
        .map_err(|e| ActionError::Internal(format!("sealing: {e}")))?;
    let mut tx = state.db.begin().await?;
    crate::store::users::set_id_number(
        &mut tx,
        driver,
        &sealed,
        &state.pii.lookup_hash(&id),
        id.masked().as_str(),
    )
    .await?;
    let photo = Photo {
        content_type: "image/png".to_owned(),
        bytes: placeholder_photo()?,
    };
    crate::store::licences::put_registry_photo(&mut tx, DRIVER_LICENCE, &photo, now_ms()).await?;
    let insurer = crate::store::orgs::insert(
        &mut tx,
        &NewOrg {
            parent: Some(hq),
            kind: OrgKind::Company,
            name: "达拉特旗安行保险营业部",
            division_code: "150621",
            credit_code: None,
            credit_code_override_by: None,
        },
    )
    .await?;
    let mut event = actor.event("org.created", "org", insurer.id);
    event.after =
        Some(serde_json::json!({ "name": insurer.name, "kind": "company", "demo": true }));
    audit::insert(&mut tx, &event).await?;
    tx.commit().await.map_err(StoreError::from)?;
    let input = UserInput {
        phone: "13800000008".into(),
        name: "周核验".into(),
        org_id: insurer.id,
        roles: vec![Role::RelyingParty],
        password: Some(crate::demo::DEMO_PASSWORD.into()),
    };
    users::create(&state.db, None, &actor, &input).await?;
    println!(
        "  {:<12} {:<10} {:<20} {}",
        "13800000008",
        "周核验",
        Role::RelyingParty.as_str(),
        insurer.name
    );

    let licence_type = crate::store::pass_types::list_for_authority(state.db.pool(), hq.id, 0, 100)
        .await?
        .into_iter()
        .find(|t| t.kind == epass_credential::Kind::DrivingLicence)
        .ok_or(ActionError::NotFound)?;
    let caller = Caller {
        user_id: driver,
        grants: Vec::new(),
        token_scopes: None,
        client_addr: None,
    };
    let link_base = state.config.public_url();
    let services = Services {
        pii: &state.pii,
        registry: state.registry.as_ref(),
        files: &state.documents,
        link_base: &link_base,
    };
    let input = ApplyInput {
        pass_type_id: licence_type.id,
        licence_number: Some(DRIVER_LICENCE.to_owned()),
        photo: PhotoChoice::Registry,
        agreed: true,
        max_bytes: state.config.documents.max_bytes,
    };
    crate::actions::licences::apply(&state.db, services, &caller, input).await?;
    Ok(())
}
