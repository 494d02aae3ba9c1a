//! Tunnel settings: what the admin chooses (DESIGN §11, `PUT /admin/api/tunnel`).
//!
//! Three types keep secrets one-way:
//! - [`TunnelConfig`] is the complete, in-memory configuration. It deserializes (secrets arrive as
//!   plain JSON strings and are wrapped in [`SecretString`] at once) but never serializes.
//! - [`TunnelUpdate`] is the body of a settings PUT: a secret may be left out to keep the current
//!   one, because the admin API never hands the value back for the UI to resend.
//! - [`TunnelSettingsView`] is what the admin API returns: every secret is `{"set": true|false}`.

use std::net::IpAddr;

use serde::{Deserialize, Deserializer, Serialize};

use crate::secret::SecretString;

/// The control port a bore server listens on unless told otherwise.
pub const DEFAULT_BORE_PORT: u16 = 7835;

/// Which provider carries the tunnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// No tunnel.
    Off,
    /// ngrok, in-process.
    Ngrok,
    /// A self-hosted bore server.
    Bore,
    /// The admin's own reverse proxy or port forward.
    Manual,
}

/// The tunnel settings, secrets included. `Debug` redacts the secrets; there is no `Serialize`
/// (use [`TunnelSettingsView`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase", deny_unknown_fields)]
pub enum TunnelConfig {
    /// No tunnel (the default).
    #[default]
    Off,
    /// ngrok: an HTTPS endpoint on ngrok's edge, reached through an outbound session.
    Ngrok {
        /// The account's authtoken.
        #[serde(deserialize_with = "secret")]
        authtoken: SecretString,
        /// A domain reserved in the ngrok account; `None` lets ngrok choose.
        #[serde(default)]
        domain: Option<String>,
    },
    /// bore: a raw TCP port on a self-hosted bore server (`bore server` on a relay).
    Bore {
        /// The relay's host name or IP address.
        server: String,
        /// The relay's control port.
        #[serde(default = "default_bore_port")]
        port: u16,
        /// The relay's `--secret`, if it has one.
        #[serde(default, deserialize_with = "optional_secret")]
        secret: Option<SecretString>,
        /// A fixed public port to ask for; `None` takes any free port (the URL then changes on
        /// every reconnect). Needed when a TLS proxy on the relay fronts the tunnel.
        #[serde(default)]
        remote_port: Option<u16>,
        /// The URL the public reaches the tunnel at when a TLS proxy on the relay fronts
        /// `remote_port` (e.g. `https://hooks.example.com`); `None` means
        /// `http://<server>:<remote port>`.
        #[serde(default)]
        public_url: Option<String>,
    },
    /// The admin's own reverse proxy or port forward to the hooks listener.
    Manual {
        /// The public base URL that reaches the hooks listener.
        public_url: String,
    },
}

fn default_bore_port() -> u16 {
    DEFAULT_BORE_PORT
}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    String::deserialize(d).map(SecretString::new)
}

fn optional_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(SecretString::new))
}

/// `None` when the field is absent (with `#[serde(default)]`), `Some(None)` for `null`.
fn secret_change<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<SecretString>>, D::Error> {
    Ok(Some(
        Option::<String>::deserialize(d)?.map(SecretString::new),
    ))
}

impl TunnelConfig {
    /// The provider.
    pub fn provider(&self) -> Provider {
        match self {
            Self::Off => Provider::Off,
            Self::Ngrok { .. } => Provider::Ngrok,
            Self::Bore { .. } => Provider::Bore,
            Self::Manual { .. } => Provider::Manual,
        }
    }

    /// Checks the values. Returns `(field, message)` pairs, empty when the settings are usable.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut problem = |field: &str, message: &str| {
            problems.push((field.to_owned(), message.to_owned()));
        };
        match self {
            Self::Off => {}
            Self::Ngrok { authtoken, domain } => {
                let token = authtoken.expose();
                if token.trim().is_empty() {
                    problem("authtoken", "is required");
                } else if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    // Never echo the value: it is a secret.
                    problem("authtoken", "must not contain spaces or line breaks");
                }
                if let Some(domain) = domain {
                    if !is_host_name(domain) || !domain.contains('.') {
                        problem(
                            "domain",
                            "must be a host name such as example.ngrok.app, without https:// or a path",
                        );
                    }
                }
            }
            Self::Bore {
                server,
                port,
                secret,
                remote_port,
                public_url,
            } => {
                if server.trim().is_empty() {
                    problem("server", "is required");
                } else if !is_host_name(server) && server.parse::<IpAddr>().is_err() {
                    problem(
                        "server",
                        "must be a host name or an IP address, without a scheme, port or path",
                    );
                }
                if *port == 0 {
                    problem("port", "must be between 1 and 65535");
                }
                if secret.as_ref().is_some_and(|s| s.expose().is_empty()) {
                    problem(
                        "secret",
                        "must not be empty; leave it out if the server has none",
                    );
                }
                if *remote_port == Some(0) {
                    problem("remote_port", "must be between 1 and 65535");
                }
                if let Some(url) = public_url {
                    if let Err(message) = check_public_url(url) {
                        problem("public_url", message);
                    } else if remote_port.is_none() {
                        problem(
                            "remote_port",
                            "is required with public_url: the proxy in front needs a fixed port",
                        );
                    }
                }
            }
            Self::Manual { public_url } => {
                if let Err(message) = check_public_url(public_url) {
                    problem("public_url", message);
                }
            }
        }
        problems
    }

    /// Replaces every secret value of this configuration found in `text` with `<redacted>`.
    /// Provider errors pass through here before they reach a status, a log or the UI, because
    /// some services echo what they were sent (ngrok's "invalid authtoken" message does).
    pub fn scrub(&self, text: &str) -> String {
        let secret = match self {
            Self::Ngrok { authtoken, .. } => Some(authtoken),
            Self::Bore { secret, .. } => secret.as_ref(),
            Self::Off | Self::Manual { .. } => None,
        };
        super::scrub_with(secret, text)
    }

    /// What the admin API may show of these settings.
    pub fn view(&self) -> TunnelSettingsView {
        match self {
            Self::Off => TunnelSettingsView::Off,
            Self::Ngrok { domain, .. } => TunnelSettingsView::Ngrok {
                authtoken: SecretField { set: true },
                domain: domain.clone(),
            },
            Self::Bore {
                server,
                port,
                secret,
                remote_port,
                public_url,
            } => TunnelSettingsView::Bore {
                server: server.clone(),
                port: *port,
                secret: SecretField {
                    set: secret.is_some(),
                },
                remote_port: *remote_port,
                public_url: public_url.clone(),
            },
            Self::Manual { public_url } => TunnelSettingsView::Manual {
                public_url: public_url.clone(),
            },
        }
    }
}

/// The body of a settings PUT. Like [`TunnelConfig`], except that a secret left out keeps the
/// current one (the admin API never returns secrets, so the UI cannot send them back).
#[derive(Debug, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase", deny_unknown_fields)]
pub enum TunnelUpdate {
    /// No tunnel.
    Off,
    /// ngrok.
    Ngrok {
        /// The authtoken; absent or `null` keeps the current one.
        #[serde(default, deserialize_with = "optional_secret")]
        authtoken: Option<SecretString>,
        /// A reserved domain.
        #[serde(default)]
        domain: Option<String>,
    },
    /// bore.
    Bore {
        /// The relay.
        server: String,
        /// The control port.
        #[serde(default = "default_bore_port")]
        port: u16,
        /// Absent keeps the current secret, `null` removes it, a string replaces it.
        #[serde(default, deserialize_with = "secret_change")]
        secret: Option<Option<SecretString>>,
        /// A fixed public port.
        #[serde(default)]
        remote_port: Option<u16>,
        /// The public URL behind a TLS proxy on the relay.
        #[serde(default)]
        public_url: Option<String>,
    },
    /// Manual.
    Manual {
        /// The public base URL.
        public_url: String,
    },
}

impl TunnelUpdate {
    /// Builds the new configuration, taking a secret left out from `current`.
    ///
    /// A kept secret only ever goes where it was entered for: the ngrok authtoken is kept while
    /// the provider stays ngrok, the bore secret while the provider stays bore **with the same
    /// server and port** — sending one relay's secret to another host the admin just typed would
    /// hand it to that host.
    ///
    /// # Errors
    /// The `(field, message)` pairs of [`TunnelConfig::validate`], plus a missing secret that
    /// cannot be kept.
    pub fn resolve(self, current: &TunnelConfig) -> Result<TunnelConfig, Vec<(String, String)>> {
        let config = match self {
            Self::Off => TunnelConfig::Off,
            Self::Manual { public_url } => TunnelConfig::Manual { public_url },
            Self::Ngrok { authtoken, domain } => {
                let authtoken = match (authtoken, current) {
                    (Some(token), _) => token,
                    (None, TunnelConfig::Ngrok { authtoken, .. }) => authtoken.clone(),
                    (None, _) => {
                        return Err(vec![("authtoken".to_owned(), "is required".to_owned())]);
                    }
                };
                TunnelConfig::Ngrok { authtoken, domain }
            }
            Self::Bore {
                server,
                port,
                secret,
                remote_port,
                public_url,
            } => {
                let secret = match (secret, current) {
                    (Some(change), _) => change,
                    (
                        None,
                        TunnelConfig::Bore {
                            server: old_server,
                            port: old_port,
                            secret,
                            ..
                        },
                    ) if *old_server == server && *old_port == port => secret.clone(),
                    (None, _) => None,
                };
                TunnelConfig::Bore {
                    server,
                    port,
                    secret,
                    remote_port,
                    public_url,
                }
            }
        };
        let problems = config.validate();
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }
}

/// Whether a secret is stored; never its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SecretField {
    /// `true` when a value is stored.
    pub set: bool,
}

/// The tunnel settings as the admin API returns them: `{"provider": "ngrok", "authtoken":
/// {"set": true}, "domain": null}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum TunnelSettingsView {
    /// No tunnel.
    Off,
    /// ngrok.
    Ngrok {
        /// Whether the authtoken is stored.
        authtoken: SecretField,
        /// The reserved domain.
        domain: Option<String>,
    },
    /// bore.
    Bore {
        /// The relay.
        server: String,
        /// The control port.
        port: u16,
        /// Whether a secret is stored.
        secret: SecretField,
        /// The fixed public port.
        remote_port: Option<u16>,
        /// The public URL behind a TLS proxy.
        public_url: Option<String>,
    },
    /// Manual.
    Manual {
        /// The public base URL.
        public_url: String,
    },
}

/// The base URL as reported in a status: as configured, without a trailing `/`, so that
/// `{public_url}/webhooks/...` is always right.
pub(crate) fn base_url(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

/// An absolute `http(s)://host[:port][/path]` URL without credentials, query or fragment.
fn check_public_url(text: &str) -> Result<(), &'static str> {
    const MESSAGE: &str = "must be an absolute URL such as https://hooks.example.com";
    let url = url::Url::parse(text.trim()).map_err(|_| MESSAGE)?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err("must start with https:// or http://");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(MESSAGE);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a user name or password");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query (?…) or a fragment (#…)");
    }
    if text.trim() != text {
        return Err("must not start or end with spaces");
    }
    Ok(())
}

/// A DNS host name: dot-separated labels of letters, digits and inner hyphens, at most 253
/// characters. Internationalised names are entered in their `xn--` form.
fn is_host_name(text: &str) -> bool {
    let name = text.strip_suffix('.').unwrap_or(text);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        // All-numeric names are mistyped IPv4 addresses, not host names.
        && !name.split('.').all(|label| label.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TOKEN: &str = "2ZK-tunnel-test-authtoken-0xFEEDFACE";

    fn parse(value: serde_json::Value) -> TunnelConfig {
        serde_json::from_value(value).unwrap()
    }

    fn fields(config: &TunnelConfig) -> Vec<String> {
        config.validate().into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn each_provider_parses_with_its_defaults() {
        assert_eq!(parse(json!({"provider": "off"})), TunnelConfig::Off);
        let c = parse(json!({"provider": "bore", "server": "relay.example.com"}));
        assert_eq!(
            c,
            TunnelConfig::Bore {
                server: "relay.example.com".to_owned(),
                port: DEFAULT_BORE_PORT,
                secret: None,
                remote_port: None,
                public_url: None,
            }
        );
        assert!(c.validate().is_empty());
        let c =
            parse(json!({"provider": "ngrok", "authtoken": TOKEN, "domain": "signs.ngrok.app"}));
        assert_eq!(c.provider(), Provider::Ngrok);
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        let c = parse(json!({"provider": "manual", "public_url": "https://hooks.example.com/mr/"}));
        assert!(c.validate().is_empty());
    }

    #[test]
    fn unknown_providers_and_fields_are_rejected_by_name() {
        let e = serde_json::from_value::<TunnelConfig>(json!({"provider": "frp"})).unwrap_err();
        assert!(e.to_string().contains("frp"), "{e}");
        let e = serde_json::from_value::<TunnelConfig>(
            json!({"provider": "manual", "public_url": "https://a.example", "pubic_url": "x"}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("pubic_url"), "{e}");
        // ngrok without a token does not parse as a complete config.
        assert!(serde_json::from_value::<TunnelConfig>(json!({"provider": "ngrok"})).is_err());
    }

    #[test]
    fn manual_url_must_be_an_absolute_http_url_without_query_or_fragment() {
        let check = |url: &str| {
            fields(&TunnelConfig::Manual {
                public_url: url.to_owned(),
            })
        };
        for good in [
            "https://hooks.example.com",
            "http://203.0.113.7:8080",
            "https://example.com/millrace/",
            "https://[2001:db8::1]",
        ] {
            assert!(check(good).is_empty(), "{good} should be accepted");
        }
        for bad in [
            "",
            "hooks.example.com",
            "/webhooks",
            "ftp://example.com",
            "https://example.com/?a=1",
            "https://example.com/#x",
            "https://user:pw@example.com",
            "https://",
            " https://example.com",
            "file:///etc/passwd",
        ] {
            assert_eq!(check(bad), ["public_url"], "{bad:?} should be rejected");
        }
    }

    #[test]
    fn bore_server_must_be_a_host_or_an_ip() {
        let check = |server: &str| {
            fields(&TunnelConfig::Bore {
                server: server.to_owned(),
                port: 7835,
                secret: None,
                remote_port: None,
                public_url: None,
            })
        };
        for good in [
            "relay.example.com",
            "localhost",
            "127.0.0.1",
            "::1",
            "xn--bcher-kva.example",
        ] {
            assert!(check(good).is_empty(), "{good} should be accepted");
        }
        for bad in [
            "",
            "http://relay.example.com",
            "relay.example.com:7835",
            "relay.example.com/x",
            "relay example",
            "-relay.example.com",
            "1.2.3",
            "[::1]",
        ] {
            assert_eq!(check(bad), ["server"], "{bad:?} should be rejected");
        }
    }

    #[test]
    fn bore_ports_secret_and_public_url_are_checked() {
        let c = parse(json!({
            "provider": "bore", "server": "relay.example.com", "port": 0, "secret": "",
            "remote_port": 0
        }));
        assert_eq!(fields(&c), ["port", "secret", "remote_port"]);
        let c = parse(json!({
            "provider": "bore", "server": "relay.example.com",
            "public_url": "https://hooks.example.com"
        }));
        assert_eq!(
            fields(&c),
            ["remote_port"],
            "a proxy needs a fixed port to front"
        );
        let c = parse(json!({
            "provider": "bore", "server": "relay.example.com", "remote_port": 40001,
            "public_url": "https://hooks.example.com"
        }));
        assert!(fields(&c).is_empty());
    }

    #[test]
    fn ngrok_domain_must_be_a_plausible_host_and_the_token_is_never_echoed() {
        let c = parse(
            json!({"provider": "ngrok", "authtoken": "a b", "domain": "https://x.ngrok.app"}),
        );
        let problems = c.validate();
        assert_eq!(
            problems.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
            ["authtoken", "domain"]
        );
        assert!(!format!("{problems:?}").contains("a b"));
        let c = parse(json!({"provider": "ngrok", "authtoken": " ", "domain": "localhost"}));
        assert_eq!(fields(&c), ["authtoken", "domain"]);
    }

    #[test]
    fn secrets_never_leave_through_debug_or_the_view() {
        let c = parse(json!({"provider": "ngrok", "authtoken": TOKEN}));
        let debug = format!("{c:?}");
        assert!(
            !debug.contains(TOKEN),
            "Debug leaked the authtoken: {debug}"
        );
        assert!(debug.contains(crate::secret::REDACTED));
        let view = serde_json::to_value(c.view()).unwrap();
        assert_eq!(
            view,
            json!({"provider": "ngrok", "authtoken": {"set": true}, "domain": null})
        );

        let c = parse(json!({"provider": "bore", "server": "relay.example.com", "secret": TOKEN}));
        let view = serde_json::to_string(&c.view()).unwrap();
        assert!(!view.contains(TOKEN));
        assert_eq!(
            serde_json::to_value(c.view()).unwrap()["secret"],
            json!({"set": true})
        );
    }

    #[test]
    fn scrub_removes_the_secret_from_provider_messages() {
        let c = parse(json!({"provider": "ngrok", "authtoken": TOKEN}));
        let echoed = format!("The authtoken you specified is invalid.\nYour authtoken: {TOKEN}");
        let clean = c.scrub(&echoed);
        assert!(!clean.contains(TOKEN), "{clean}");
        assert!(clean.ends_with("Your authtoken: <redacted>"));
        assert_eq!(TunnelConfig::Off.scrub("plain"), "plain");
    }

    fn update(value: serde_json::Value) -> TunnelUpdate {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn an_update_keeps_a_secret_left_out_only_for_the_same_destination() {
        let ngrok = parse(json!({"provider": "ngrok", "authtoken": TOKEN}));
        let c = update(json!({"provider": "ngrok", "domain": "signs.ngrok.app"}))
            .resolve(&ngrok)
            .unwrap();
        assert!(matches!(&c, TunnelConfig::Ngrok { authtoken, .. } if authtoken.expose() == TOKEN));
        let e = update(json!({"provider": "ngrok"}))
            .resolve(&TunnelConfig::Off)
            .unwrap_err();
        assert_eq!(e[0].0, "authtoken");

        let bore =
            parse(json!({"provider": "bore", "server": "relay.example.com", "secret": TOKEN}));
        let kept = update(json!({"provider": "bore", "server": "relay.example.com"}))
            .resolve(&bore)
            .unwrap();
        assert_eq!(kept, bore);
        // Another host must not receive the old relay's secret.
        let moved = update(json!({"provider": "bore", "server": "other.example.com"}))
            .resolve(&bore)
            .unwrap();
        assert!(matches!(moved, TunnelConfig::Bore { secret: None, .. }));
        let cleared =
            update(json!({"provider": "bore", "server": "relay.example.com", "secret": null}))
                .resolve(&bore)
                .unwrap();
        assert!(matches!(cleared, TunnelConfig::Bore { secret: None, .. }));
        let replaced =
            update(json!({"provider": "bore", "server": "relay.example.com", "secret": "new"}))
                .resolve(&bore)
                .unwrap();
        assert!(
            matches!(replaced, TunnelConfig::Bore { secret: Some(s), .. } if s.expose() == "new")
        );

        let e = update(json!({"provider": "manual", "public_url": "nope"}))
            .resolve(&TunnelConfig::Off)
            .unwrap_err();
        assert_eq!(e[0].0, "public_url");
    }
}
