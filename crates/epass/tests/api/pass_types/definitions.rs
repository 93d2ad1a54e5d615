//! Definitions and forms without the server: what is refused, where, and in which words.

use epass::domain::pass_type::{FieldValue, PassTypeDefinition};
use epass::domain::seed_pass_types::standard_pass_types;
use epass::i18n::{Lang, Localized};
use serde_json::{Map, Value, json};

fn seed(code: &str) -> Value {
    standard_pass_types()
        .into_iter()
        .find(|s| s.code == code)
        .unwrap()
        .definition
}

/// The personnel-and-vehicle definition with one change made by `edit`; the error it gives.
fn refused(edit: impl FnOnce(&mut Value)) -> (String, String, String, String) {
    let mut def = seed("personnel_vehicle");
    edit(&mut def);
    let e = PassTypeDefinition::parse(&def.to_string()).unwrap_err();
    (
        e.path().to_owned(),
        e.code().to_owned(),
        e.message(Lang::Zh),
        e.message(Lang::En),
    )
}

#[test]
fn the_four_seeded_kinds_are_valid_definitions() {
    let seeds = standard_pass_types();
    assert_eq!(seeds.len(), 4);
    for s in seeds {
        let def = PassTypeDefinition::from_value(s.definition).unwrap();
        assert!(!def.workflow.levels.is_empty(), "{}", s.code);
        assert!(def.promised_working_days >= 1);
    }
    let freight = PassTypeDefinition::from_value(seed("freight")).unwrap();
    assert_eq!(freight.promised_working_days, 1);
    assert!(freight.has_check("negative_test_within_hours"));
    assert_eq!(
        freight.printed_rules[0].zh,
        "车上人员不得下车，卸货后立即离开。"
    );
}

#[test]
fn an_unknown_field_type_is_refused_with_the_path_named_in_both_languages() {
    let (path, code, zh, en) = refused(|d| d["form"][1]["type"] = json!("colour"));
    assert_eq!(path, "form[1].type");
    assert_eq!(code, "pass_type.unknown_name");
    assert!(zh.contains("form[1].type") && zh.contains("colour"), "{zh}");
    assert!(en.contains("form[1].type") && en.contains("colour"), "{en}");
}

#[test]
fn a_workflow_level_with_no_role_is_refused_with_the_path_named() {
    let (path, code, zh, en) = refused(|d| d["workflow"]["levels"][1]["roles"] = json!([]));
    assert_eq!(path, "workflow.levels[1].roles");
    assert_eq!(code, "pass_type.level_without_role");
    assert!(
        zh.contains("第 2 级") && en.contains("level 2"),
        "{zh} / {en}"
    );

    let (path, code, ..) = refused(|d| {
        d["workflow"]["levels"][0]
            .as_object_mut()
            .unwrap()
            .remove("roles");
    });
    assert_eq!(
        (path.as_str(), code.as_str()),
        ("workflow.levels[0].roles", "pass_type.missing_key")
    );
}

#[test]
fn a_negative_or_zero_time_limit_is_refused_with_the_path_named() {
    let (path, code, zh, _) =
        refused(|d| d["workflow"]["levels"][0]["time_limit_working_days"] = json!(-2));
    assert_eq!(path, "workflow.levels[0].time_limit_working_days");
    assert_eq!(code, "pass_type.not_a_count");
    assert!(zh.contains("非负整数"), "{zh}");
    let (path, code, ..) =
        refused(|d| d["workflow"]["levels"][0]["time_limit_working_days"] = json!(0));
    assert_eq!(path, "workflow.levels[0].time_limit_working_days");
    assert_eq!(code, "pass_type.out_of_range");
}

#[test]
fn every_other_inconsistency_names_its_path() {
    type Edit = fn(&mut Value);
    let cases: &[(Edit, &str, &str)] = &[
        (
            |d| d["form"][0]["requred"] = json!(true),
            "form[0].requred",
            "pass_type.unknown_key",
        ),
        (
            |d| d["form"][1]["options"] = json!([]),
            "form[1].options",
            "pass_type.choice_without_options",
        ),
        (
            |d| d["form"][2]["key"] = json!("plate"),
            "form[2].key",
            "pass_type.duplicate_key",
        ),
        (
            |d| d["form"][0]["max_len"] = json!(5),
            "form[0].max_len",
            "pass_type.option_not_for_type",
        ),
        (
            |d| d["form"][0]["label"]["en"] = json!(" "),
            "form[0].label.en",
            "pass_type.text_length",
        ),
        (
            |d| d["workflow"]["levels"][0]["roles"] = json!(["applicant"]),
            "workflow.levels[0].roles[0]",
            "pass_type.level_role",
        ),
        (
            |d| d["workflow"]["levels"][0]["roles"] = json!(["root"]),
            "workflow.levels[0].roles[0]",
            "pass_type.unknown_name",
        ),
        (
            |d| d["workflow"]["levels"] = json!([]),
            "workflow.levels",
            "pass_type.level_count",
        ),
        (
            |d| d["checks"] = json!(["id_valid", "id_valid"]),
            "checks[1]",
            "pass_type.duplicate_check",
        ),
        (
            |d| d["checks"] = json!([{"negative_test_within_hours": {"hours": 0}}]),
            "checks[0].negative_test_within_hours.hours",
            "pass_type.out_of_range",
        ),
        (
            |d| d["validity"]["default_days"] = json!(91),
            "validity.default_days",
            "pass_type.out_of_range",
        ),
        (
            |d| d["validity"]["period"]["to"] = json!("nowhere"),
            "validity.period.to",
            "pass_type.period_field",
        ),
        (
            |d| d["validity"]["daily_windows"] = json!(["6-22"]),
            "validity.daily_windows[0]",
            "pass_type.wrong_type",
        ),
        (
            |d| d["priority"] = json!("vip"),
            "priority",
            "pass_type.unknown_name",
        ),
        (
            |d| d["promised_working_days"] = json!(0),
            "promised_working_days",
            "pass_type.out_of_range",
        ),
        (
            |d| {
                d.as_object_mut().unwrap().remove("agreement");
            },
            "agreement",
            "pass_type.missing_key",
        ),
    ];
    for (edit, path, code) in cases {
        let (got_path, got_code, zh, en) = refused(edit);
        assert_eq!(
            (got_path.as_str(), got_code.as_str()),
            (*path, *code),
            "{zh} / {en}"
        );
        assert!(zh.contains(path) && en.contains(path), "{zh} / {en}");
    }
    // A check that reads a field the form lacks: the truck form has no ID number.
    let mut truck = seed("truck_entry");
    truck["checks"] = json!(["vehicle_legal", "health_code_green"]);
    let e = PassTypeDefinition::from_value(truck).unwrap_err();
    assert_eq!(
        (e.path(), e.code()),
        ("checks[1]", "pass_type.check_needs_field")
    );
    let e = PassTypeDefinition::parse("{\"form\": [").unwrap_err();
    assert_eq!((e.path(), e.code()), ("$", "pass_type.definition_not_json"));
}

fn values(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn good_personnel_form() -> Value {
    json!({
        "plate": "蒙K12345", "vehicle_type": "small_car", "driver_name": "张三",
        "id_number": "11010519491231002X", "holder_category": "command_staff",
        "zones": ["dalad-core"], "daily_window": "06:00-22:00",
        "valid_from": "2026-11-22", "valid_to": "2026-12-21",
    })
}

#[test]
fn form_validation_reports_every_wrong_field_at_once_in_both_languages() {
    let def = PassTypeDefinition::from_value(seed("personnel_vehicle")).unwrap();
    let mut form = good_personnel_form();
    form["plate"] = json!("蒙K1234");
    form["id_number"] = json!("110105194912310021");
    form.as_object_mut().unwrap().remove("driver_name");
    form["colour"] = json!("red");
    let errors = def.validate_form(&values(form)).unwrap_err();
    let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["plate", "driver_name", "id_number", "colour"]);
    assert_eq!(errors[1].code, "form.required");
    assert!(errors[0].code.starts_with("plate."), "{}", errors[0].code);
    assert!(
        errors[2].code.starts_with("id_number."),
        "{}",
        errors[2].code
    );
    assert!(errors[0].zh.starts_with("车牌号：") && errors[0].en.starts_with("Plate: "));
    assert!(errors[1].zh.contains("必填") && errors[1].en.contains("required"));
    for e in &errors {
        assert!(
            !e.zh.is_empty() && !e.en.is_empty() && e.zh != e.en,
            "{e:?}"
        );
    }
}

#[test]
fn a_good_form_parses_into_domain_values_with_its_period() {
    let def = PassTypeDefinition::from_value(seed("personnel_vehicle")).unwrap();
    let form = def.validate_form(&values(good_personnel_form())).unwrap();
    assert_eq!(form.plate().unwrap().as_str(), "蒙K12345");
    assert!(form.id_number().is_some());
    assert!(matches!(form.get("zones"), Some(FieldValue::Zones(z)) if z == &["dalad-core"]));
    let (start, end) = form.period().unwrap();
    assert_eq!((end - start).whole_days(), 30);
}

#[test]
fn fields_that_disagree_with_each_other_are_reported_on_the_later_one() {
    let def = PassTypeDefinition::from_value(seed("personnel_vehicle")).unwrap();
    let mut form = good_personnel_form();
    form["valid_to"] = json!("2026-11-01");
    form["zones"] = json!([]);
    let errors = def.validate_form(&values(form)).unwrap_err();
    let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.key.as_str(), e.code)).collect();
    assert_eq!(
        got,
        [
            ("zones", "form.places_required"),
            ("valid_to", "form.period_order")
        ]
    );

    let mut form = good_personnel_form();
    form["valid_to"] = json!("2027-06-01");
    let errors = def.validate_form(&values(form)).unwrap_err();
    assert_eq!(errors[0].code, "form.period_too_long");

    let freight = PassTypeDefinition::from_value(seed("freight")).unwrap();
    let errors = freight
        .validate_form(&values(
            json!({ "cargo_type": "gold", "travel_from": "tomorrow" }),
        ))
        .unwrap_err();
    let codes: Vec<(&str, &str)> = errors.iter().map(|e| (e.key.as_str(), e.code)).collect();
    assert!(
        codes.contains(&("cargo_type", "form.not_an_option")),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("travel_from", "form.datetime")),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("origin_division", "form.required")),
        "{codes:?}"
    );
}
