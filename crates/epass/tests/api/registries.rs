//! Eligibility registries: CSV import (all or nothing), the `epass registry import` command,
//! checks against the local tables, and the HTTP adapter against a mock registry.

mod cli;
mod eligibility;
mod http;
mod import;

use epass::pii::PiiKeys;
use epass::registry::{self, ImportReport, Origin, RegistryKind};
use epass::store::Db;
use sqlx::Row as _;

use crate::helpers::MASTER_KEY;

pub fn pii() -> PiiKeys {
    PiiKeys::from_master_secret(&MASTER_KEY)
}

/// A valid ID number from Dalad Banner (150621), born 1980-01-01, sequence `seq` (0..1000).
pub fn id_number(seq: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("15062119800101{:03}", seq % 1000);
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

pub async fn import(db: &Db, kind: RegistryKind, csv: &str) -> ImportReport {
    let origin = Origin {
        file_name: "test.csv",
        actor: "test",
    };
    registry::import(db, &pii(), kind, &origin, csv.as_bytes(), |_| {})
        .await
        .expect("import runs")
}

pub async fn count(db: &Db, table: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(db.pool())
        .await
        .expect("count")
        .get::<i64, _>(0)
}

pub const VEHICLES: &str =
    "plate,vehicle_type,owner_name,unresolved_violations,legal_status,updated_at
蒙K12345,重型半挂牵引车,达拉特旗运输有限公司,0,normal,2026-11-20 08:00:00
蒙K54321,重型半挂牵引车,达拉特旗运输有限公司,2,normal,2026-11-20T08:00:00+08:00
鲁K1234挂,重型普通半挂车,威海物流有限公司,0,scrapped,2026-11-19
";

pub fn licences() -> String {
    format!(
        "licence_number,holder_id_number,holder_name,classes,valid_from,valid_until,issuing_office,points,status,address
150600000001,{},张三,A2 C1,2020-01-01,2032-01-01,鄂尔多斯市公安局交通管理支队,0,valid,达拉特旗树林召镇
150600000002,{},李四,B2,2020-01-01,2032-01-01,鄂尔多斯市公安局交通管理支队,3,detained,
",
        id_number(1),
        id_number(2)
    )
}

pub fn tests_csv() -> String {
    format!(
        "holder_id_number,sampled_at,result,institution
{},2026-11-20 09:00:00,negative,达拉特旗人民医院
{},2026-11-18 09:00:00,negative,达拉特旗人民医院
{},2026-11-20 10:00:00,positive,达拉特旗人民医院
",
        id_number(1),
        id_number(2),
        id_number(3)
    )
}

pub fn health_csv() -> String {
    format!(
        "holder_id_number,colour,updated_at
{},green,2026-11-21 07:00
{},green,2026-11-21 07:00
{},red,2026-11-21 07:00
",
        id_number(1),
        id_number(2),
        id_number(3)
    )
}
