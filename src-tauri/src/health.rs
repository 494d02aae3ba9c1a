//! What the tray and notifications say about the hub's health — pure logic, unit-tested.

use std::collections::HashMap;

use serde_json::Value;

/// A health word is "failing" when its integration needs the admin: errors and refused
/// credentials (stale data still shows; missing secrets are shown in the app, not notified).
fn failing(health: &str) -> bool {
    matches!(health, "error" | "auth_failed")
}

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The title.
    pub title: String,
    /// The body.
    pub body: String,
}

/// Notifies once per transition: when an integration starts failing, and when it recovers —
/// never again for every failed pull in between.
#[derive(Debug, Default)]
pub struct Notifier {
    last: HashMap<i64, String>,
}

impl Notifier {
    /// Feeds an overview (`GET /admin/api/overview`) and returns the notifications it causes.
    pub fn update(&mut self, overview: &Value) -> Vec<Note> {
        let mut notes = Vec::new();
        let mut seen = HashMap::new();
        for i in overview["integrations"].as_array().into_iter().flatten() {
            let (Some(id), Some(health)) = (i["id"].as_i64(), i["health"].as_str()) else {
                continue;
            };
            let name = i["name"].as_str().unwrap_or("An integration");
            let before = self.last.get(&id).map(String::as_str);
            let was = before.is_some_and(failing);
            let is = failing(health);
            if is && !was {
                notes.push(Note {
                    title: format!("{name} needs attention"),
                    body: i["message"]
                        .as_str()
                        .unwrap_or(if health == "auth_failed" {
                            "the credentials were refused"
                        } else {
                            "fetching its data fails"
                        })
                        .to_owned(),
                });
            } else if was && !is && health != "inactive" {
                notes.push(Note {
                    title: format!("{name} recovered"),
                    body: "its data is up to date again".to_owned(),
                });
            }
            seen.insert(id, health.to_owned());
        }
        self.last = seen;
        notes
    }
}

/// The tray tooltip: the worst state in a few words.
pub fn tooltip(overview: &Value) -> String {
    let worst = overview["worst"].as_str().unwrap_or("ok");
    let count = |pred: fn(&str) -> bool| {
        overview["integrations"].as_array().map_or(0, |a| {
            a.iter()
                .filter(|i| i["health"].as_str().is_some_and(pred))
                .count()
        })
    };
    let players = overview["players"]["total"].as_u64().unwrap_or(0);
    let summary = match worst {
        "auth_failed" | "error" => {
            let n = count(failing);
            format!("{n} integration{} failing", if n == 1 { "" } else { "s" })
        }
        "no_secret" => "a webhook has no secret".to_owned(),
        "stale" => "showing stale data".to_owned(),
        "no_webhooks" => "no webhooks received lately".to_owned(),
        "waiting" => "waiting for data".to_owned(),
        _ => "all good".to_owned(),
    };
    format!(
        "Millrace — {summary} · {players} sign{}",
        if players == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn overview(states: &[(i64, &str)]) -> Value {
        json!({
            "integrations": states.iter().map(|(id, h)| json!({"id": id, "name": format!("I{id}"), "health": h, "message": null})).collect::<Vec<_>>(),
            "players": {"total": 2},
            "worst": states.iter().map(|s| s.1).max_by_key(|h| ["inactive","ok","waiting","no_webhooks","stale","no_secret","error","auth_failed"].iter().position(|x| x == h)).unwrap_or("ok"),
        })
    }

    #[test]
    fn notifies_once_per_transition_not_per_failure() {
        let mut n = Notifier::default();
        assert!(n.update(&overview(&[(1, "ok"), (2, "ok")])).is_empty());
        let first = n.update(&overview(&[(1, "error"), (2, "ok")]));
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].title, "I1 needs attention");
        // Still failing, and failing differently: no new notification.
        assert!(n.update(&overview(&[(1, "error"), (2, "ok")])).is_empty());
        assert!(n
            .update(&overview(&[(1, "auth_failed"), (2, "ok")]))
            .is_empty());
        let back = n.update(&overview(&[(1, "ok"), (2, "ok")]));
        assert_eq!(
            back,
            vec![Note {
                title: "I1 recovered".to_owned(),
                body: "its data is up to date again".to_owned()
            }]
        );
        // Stale data and a disabled integration are not notifications.
        assert!(n
            .update(&overview(&[(1, "stale"), (2, "inactive")]))
            .is_empty());
    }

    #[test]
    fn an_integration_failing_at_start_is_notified_once() {
        let mut n = Notifier::default();
        assert_eq!(n.update(&overview(&[(7, "auth_failed")])).len(), 1);
        assert!(n.update(&overview(&[(7, "auth_failed")])).is_empty());
    }

    #[test]
    fn the_tooltip_names_the_worst_state() {
        assert_eq!(
            tooltip(&overview(&[(1, "ok")])),
            "Millrace — all good · 2 signs"
        );
        assert_eq!(
            tooltip(&overview(&[(1, "error"), (2, "auth_failed")])),
            "Millrace — 2 integrations failing · 2 signs"
        );
        assert_eq!(
            tooltip(&overview(&[(1, "stale"), (2, "ok")])),
            "Millrace — showing stale data · 2 signs"
        );
    }
}
