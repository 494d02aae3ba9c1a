//! The `openweather` fetcher: OpenWeather's current weather (`/data/2.5/weather`) mapped to the
//! guide's shape (DESIGN §11):
//! `{"temperature", "feels_like", "condition", "description", "icon", "humidity", "wind_speed",
//! "location", "units"}`.
//!
//! - `condition` is `weather[0].main` ("Rain"), `description` `weather[0].description`
//!   ("moderate rain"), `icon` the full icon URL, `location` the place `name` with its country
//!   ("Zocca, IT").
//! - `units` is the `units` query value sent: `metric` (°C, m/s), `imperial` (°F, mph) or
//!   `standard` (Kelvin, m/s — what OpenWeather answers when none is sent).
//! - Numbers are passed through as OpenWeather sends them; a missing value is `null`. Without
//!   `main.temp` the body is not current weather and is rejected.

use serde_json::{json, Value};
use url::Url;

use super::{json as json_fetcher, Body, BodyError};

/// Where OpenWeather's icons live: `<ICON_BASE><code>@2x.png`.
pub const ICON_BASE: &str = "https://openweathermap.org/img/wn/";

/// The unit system a request asks for: the value of its `units` query parameter when it is one
/// OpenWeather knows, else `standard` (as OpenWeather does).
pub fn units_of(url: &Url) -> &'static str {
    match url
        .query_pairs()
        .find(|(k, _)| k == "units")
        .map(|(_, v)| v.to_ascii_lowercase())
        .as_deref()
    {
        Some("metric") => "metric",
        Some("imperial") => "imperial",
        _ => "standard",
    }
}

/// Maps a current-weather body.
///
/// # Errors
/// [`BodyError`] if the body is not JSON or has no `main.temp`.
pub fn widget_data(body: &Body<'_>, units: &str) -> Result<Value, BodyError> {
    let w = json_fetcher::parse(body)?;
    let temperature = w.pointer("/main/temp").filter(|v| v.is_number());
    let Some(temperature) = temperature else {
        return Err(BodyError(
            "the response is not OpenWeather current weather: it has no main.temp".to_owned(),
        ));
    };
    let number = |pointer: &str| {
        w.pointer(pointer)
            .filter(|v| v.is_number())
            .cloned()
            .unwrap_or(Value::Null)
    };
    let text = |pointer: &str| {
        w.pointer(pointer)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let icon = text("/weather/0/icon")
        .filter(|code| code.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(|code| format!("{ICON_BASE}{code}@2x.png"));
    let location = match (text("/name"), text("/sys/country")) {
        (Some(name), Some(country)) => Some(format!("{name}, {country}")),
        (Some(name), None) => Some(name.to_owned()),
        (None, Some(country)) => Some(country.to_owned()),
        (None, None) => None,
    };
    Ok(json!({
        "temperature": temperature,
        "feels_like": number("/main/feels_like"),
        "condition": text("/weather/0/main"),
        "description": text("/weather/0/description"),
        "icon": icon,
        "humidity": number("/main/humidity"),
        "wind_speed": number("/wind/speed"),
        "location": location,
        "units": units,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/pull/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn map(name: &str, url: &str) -> Result<Value, BodyError> {
        let url = Url::parse(url).unwrap();
        let bytes = fixture(name);
        widget_data(
            &Body {
                bytes: &bytes,
                url: &url,
                content_type: Some("application/json; charset=utf-8"),
            },
            units_of(&url),
        )
    }

    #[test]
    fn metric_current_weather() {
        let data = map(
            "openweather_current_metric.json",
            "https://api.openweathermap.org/data/2.5/weather?lat=38.7223&lon=-9.1393&units=metric&appid=x",
        )
        .unwrap();
        assert_eq!(
            data,
            json!({
                "temperature": 17.42,
                "feels_like": 17.01,
                "condition": "Clouds",
                "description": "broken clouds",
                "icon": "https://openweathermap.org/img/wn/04d@2x.png",
                "humidity": 72,
                "wind_speed": 5.14,
                "location": "Lisbon, PT",
                "units": "metric",
            })
        );
    }

    #[test]
    fn imperial_current_weather() {
        let data = map(
            "openweather_current_imperial.json",
            "https://api.openweathermap.org/data/2.5/weather?lat=41.8781&lon=-87.6298&units=imperial&appid=x",
        )
        .unwrap();
        assert_eq!(
            data,
            json!({
                "temperature": 28.6,
                "feels_like": 17.55,
                "condition": "Snow",
                "description": "light snow",
                "icon": "https://openweathermap.org/img/wn/13n@2x.png",
                "humidity": 86,
                "wind_speed": 14.97,
                "location": "Chicago, US",
                "units": "imperial",
            })
        );
    }

    #[test]
    fn units_default_to_standard() {
        let u = |s: &str| units_of(&Url::parse(s).unwrap());
        assert_eq!(u("https://x/w?lat=1&lon=2"), "standard");
        assert_eq!(u("https://x/w?units=Imperial"), "imperial");
        assert_eq!(u("https://x/w?units=kelvin"), "standard");
    }

    #[test]
    fn a_body_without_main_temp_is_rejected() {
        let e = map("openweather_401.json", "https://x/w").unwrap_err();
        assert!(e.0.contains("main.temp"), "{e}");
    }
}
