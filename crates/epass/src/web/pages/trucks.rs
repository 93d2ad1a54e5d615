//! `/trucks/lookup`: the public truck restrictions lookup as a page (no login, no JavaScript):
//! a GET form with city, vehicle class, weight, date and time and a road section or a place,
//! and the answer with its explanation. Chinese by default; `?lang=en` switches (and is
//! remembered, as on every page).

use askama::Template;
use axum::extract::{Query, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{Chrome, action_error, lang, message, render};
use crate::actions::truck_restrictions::{self as actions, City, LookupAnswer};
use crate::app::AppState;
use crate::domain::trucks::VehicleClass;
use crate::i18n::Lang;
use crate::web::api::truck_restrictions::{LookupQuery, throttle};
use crate::web::auth::ClientAddr;

/// The form's values, as sent back.
#[derive(Debug, Default)]
struct FormValues {
    city: String,
    class: String,
    weight_kg: String,
    at: String,
    road: String,
    lon: String,
    lat: String,
}

/// The answer as the page shows it.
#[derive(Debug)]
struct AnswerView {
    restricted: bool,
    summary: String,
    rules: Vec<String>,
    version: Option<i64>,
}

#[derive(Template)]
#[template(path = "trucks_lookup.html")]
struct LookupPage {
    c: Chrome,
    cities: Vec<City>,
    classes: Vec<(String, &'static str)>,
    form: FormValues,
    answer: Option<AnswerView>,
}

fn view(a: &LookupAnswer, lang: Lang) -> AnswerView {
    let pick = |zh: &str, en: &str| match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    };
    AnswerView {
        restricted: a.restricted,
        summary: pick(&a.zh, &a.en),
        rules: a.rules.iter().map(|r| pick(&r.zh, &r.en)).collect(),
        version: a.version,
    }
}

/// The form, and the answer when a city is asked about.
pub async fn lookup(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    Query(l): Query<LookupQuery>,
) -> Response {
    let lang = lang(&headers, raw.as_deref());
    let mut c = Chrome::new(lang);
    let cities = match actions::cities(&state.db).await {
        Ok(c) => c,
        Err(e) => return action_error(Chrome::new(lang), &e),
    };
    let asked = l.city.as_deref().is_some_and(|s| !s.trim().is_empty());
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let form = FormValues {
        city: text(&l.city),
        class: text(&l.class),
        weight_kg: text(&l.weight_kg),
        at: text(&l.at),
        road: text(&l.road),
        lon: text(&l.lon),
        lat: text(&l.lat),
    };
    let mut answer = None;
    if asked {
        let result = match throttle(&state, &addr) {
            Ok(()) => actions::lookup(&state.db, &l.into()).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(a) => answer = Some(view(&a, lang)),
            Err(e) => c = c.with_message(Some(message(&e, lang))),
        }
    }
    let classes = VehicleClass::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), k.label(lang)))
        .collect();
    render(&LookupPage {
        c,
        cities,
        classes,
        form,
        answer,
    })
}
