//! The admin commands, run against a hub that is already running (`millrace serve` or the
//! desktop app). Each converts its arguments, makes its admin API calls through
//! [`AdminClient`], and prints the answer; the behaviour is in `millrace::admin_client`.

use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};
use millrace::admin_client::apply::{self, WidgetConfigRequest};
use millrace::admin_client::{
    self, AdminClient, CredentialValue, CredentialsOwner, IntegrationView, WidgetConfigView,
    DEFAULT_ADMIN_URL, TOKEN_ENV,
};
use millrace::credentials::CredentialsView;
use millrace::definitions::OnConflict;
use millrace::integrations::CredentialScope;
use millrace::secret::SecretString;
use zeroize::Zeroizing;

use crate::table::Table;

/// Where the hub is and how to find its admin token; accepted after any admin command.
#[derive(Debug, Args)]
pub struct Connection {
    /// The running hub's admin address, as `millrace serve` prints it ("Admin UI").
    #[arg(long, global = true, env = "MILLRACE_ADMIN_URL", value_name = "URL",
          default_value = DEFAULT_ADMIN_URL)]
    admin_url: String,

    /// The hub's data directory, where `millrace serve` keeps the admin token (the file
    /// `admin-token`). Default: the platform's data directory, e.g. ~/.local/share/millrace on
    /// Linux. Scripts may set MILLRACE_ADMIN_TOKEN to the token itself instead; the token is
    /// never accepted on the command line.
    #[arg(long, global = true, env = "MILLRACE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

impl Connection {
    fn client(&self) -> anyhow::Result<AdminClient> {
        let env_token = std::env::var(TOKEN_ENV).ok();
        let token = admin_client::find_token(env_token, self.data_dir.as_deref())?;
        Ok(AdminClient::new(&self.admin_url, token)?)
    }
}

// ---------------------------------------------------------------------------------------------
// integrations

/// `millrace integrations …`.
#[derive(Debug, Args)]
pub struct IntegrationsArgs {
    #[command(flatten)]
    connection: Connection,
    #[command(subcommand)]
    command: IntegrationsCommand,
}

#[derive(Debug, Subcommand)]
enum IntegrationsCommand {
    /// List every integration.
    ///
    /// A table of id, widget, name, type, whether it is active, and whether its credentials are
    /// configured (or kept per widget config).
    List {
        /// Print the admin API's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one integration as JSON.
    ///
    /// With the state of its credentials: which fields are set, never their values.
    Show {
        /// The integration's id (see `millrace integrations list`).
        id: i64,
    },
    /// Create or update integrations from a JSON file.
    ///
    /// The file may hold a definitions document as `millrace integrations export` writes it, one
    /// integration definition (optionally with "widget_configs": [...]), or an array of them. An
    /// integration whose widget and name already exist is updated (its credentials and data are
    /// kept); a widget config without an "id" updates the one of the same name in that
    /// integration; widget configs not in the file are left alone. All or nothing: on any invalid
    /// field nothing is stored, and each problem is printed with its path.
    Apply {
        /// The JSON file, or `-` for standard input.
        file: PathBuf,
    },
    /// Export every integration and widget config as JSON.
    ///
    /// A definitions document (never a credential value) to keep, edit, and apply on this or
    /// another hub with `millrace integrations apply`.
    Export {
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Delete an integration (asks for --yes).
    ///
    /// Deletes it together with its widget configs, their and its credentials, and its cached
    /// data. Signs showing those widgets lose them. Without --yes, only says what would be
    /// deleted.
    Delete {
        /// The integration's id.
        id: i64,
        /// Really delete (without it, only says what would be deleted).
        #[arg(long)]
        yes: bool,
    },
}

fn label(i: &IntegrationView) -> String {
    format!(
        "integration {} ({}/{})",
        i.integration.id, i.integration.widget, i.integration.name
    )
}

fn credentials_state(i: &IntegrationView) -> &'static str {
    if i.integration.credential_schema.is_empty() {
        return "none needed";
    }
    match (&i.integration.credential_scope, &i.credentials) {
        (CredentialScope::Widget, _) | (_, None) => "per widget config",
        (_, Some(c)) if !c.configured => "not configured",
        (_, Some(c)) if !c.is_valid => "refused upstream",
        (_, Some(_)) => "configured",
    }
}

/// Runs `millrace integrations …`.
pub async fn integrations(args: IntegrationsArgs) -> anyhow::Result<()> {
    let client = args.connection.client()?;
    match args.command {
        IntegrationsCommand::List { json } => {
            let list = client.integrations().await?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("No integrations yet. Create one with `millrace integrations apply FILE` or in the admin UI.");
                return Ok(());
            }
            let mut t = Table::new(["ID", "WIDGET", "NAME", "TYPE", "ACTIVE", "CREDENTIALS"]);
            for i in &list {
                t.row([
                    i.integration.id.to_string(),
                    i.integration.widget.clone(),
                    i.integration.name.clone(),
                    i.integration.integration_type.as_str().to_owned(),
                    yes_no(i.integration.is_active),
                    credentials_state(i).to_owned(),
                ]);
            }
            print!("{t}");
        }
        IntegrationsCommand::Show { id } => print_json(&client.integration(id).await?)?,
        IntegrationsCommand::Apply { file } => {
            let mut doc = apply::definitions_document(read_json(&file)?)?;
            let before = client.integrations().await?;
            let widget_configs = client.widget_configs(None).await?;
            let plan = apply::match_existing(&mut doc, &before, &widget_configs)?;
            let report = client.import(&doc, OnConflict::Update).await?;
            let after = client.integrations().await?;
            for p in &plan {
                let id = after
                    .iter()
                    .find(|i| i.integration.widget == p.widget && i.integration.name == p.name)
                    .map_or_else(|| "?".to_owned(), |i| i.integration.id.to_string());
                let verb = if p.existing.is_some() {
                    "updated"
                } else {
                    "created"
                };
                println!(
                    "{verb} integration {id} ({}/{}){}",
                    p.widget,
                    p.name,
                    match p.widget_configs {
                        0 => String::new(),
                        1 => " with 1 widget config".to_owned(),
                        n => format!(" with {n} widget configs"),
                    }
                );
            }
            println!(
                "{} created, {} updated; widget configs: {} created, {} updated.",
                count(report.integrations_created, "integration"),
                report.integrations_updated,
                report.widget_configs_created,
                report.widget_configs_updated
            );
        }
        IntegrationsCommand::Export { output } => {
            let doc = client.export().await?;
            let mut text = serde_json::to_string_pretty(&doc)?;
            text.push('\n');
            match output {
                None => print!("{text}"),
                Some(path) => {
                    std::fs::write(&path, text)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    let wcs: usize = doc
                        .integrations
                        .iter()
                        .map(|i| i.widget_configs.len())
                        .sum();
                    println!(
                        "Exported {} and {} to {}.",
                        count(doc.integrations.len(), "integration"),
                        count(wcs, "widget config"),
                        path.display()
                    );
                }
            }
        }
        IntegrationsCommand::Delete { id, yes } => {
            let i = client.integration(id).await?;
            let mut parts = Vec::new();
            if i.widget_config_count > 0 {
                let mut wcs = its_count(i.widget_config_count, "widget config");
                if i.integration.credential_scope == CredentialScope::Widget {
                    wcs.push_str(" with their credentials");
                }
                parts.push(wcs);
            }
            if i.credentials.as_ref().is_some_and(|c| c.configured) {
                parts.push("its credentials".to_owned());
            }
            parts.push("its cached data".to_owned());
            let what = format!("{} with {}", label(&i), and_list(&parts));
            if !yes {
                bail!("not deleting without --yes: this would delete {what}");
            }
            client.delete_integration(id).await?;
            println!("Deleted {what}.");
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// widget configs

/// `millrace widget-configs …`.
#[derive(Debug, Args)]
pub struct WidgetConfigsArgs {
    #[command(flatten)]
    connection: Connection,
    #[command(subcommand)]
    command: WidgetConfigsCommand,
}

#[derive(Debug, Subcommand)]
enum WidgetConfigsCommand {
    /// List widget configs.
    ///
    /// A table of id, integration, name, whether it is active, and, when its integration keeps
    /// credentials per widget config, whether they are configured.
    List {
        /// Only those of this integration.
        #[arg(long, value_name = "ID")]
        integration: Option<i64>,
        /// Print the admin API's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one widget config as JSON.
    Show {
        /// The widget config's id.
        id: String,
    },
    /// Create or update a widget config from a JSON file.
    ///
    /// The file holds one object such as {"integration_id": 1, "name": "Lobby", "options":
    /// {...}}: it is created, or, when it has an "id", that widget config is updated. The output
    /// of `millrace widget-configs show` can be edited and applied back.
    Apply {
        /// The JSON file, or `-` for standard input.
        file: PathBuf,
    },
    /// Delete a widget config (asks for --yes).
    ///
    /// Deletes it with its credentials; signs showing it lose it. Without --yes, only says what
    /// would be deleted.
    Delete {
        /// The widget config's id.
        id: String,
        /// Really delete (without it, only says what would be deleted).
        #[arg(long)]
        yes: bool,
    },
}

fn wc_label(w: &WidgetConfigView) -> String {
    format!(
        "widget config {} ({}) of integration {}",
        w.widget_config.id, w.widget_config.name, w.widget_config.integration_id
    )
}

/// Runs `millrace widget-configs …`.
pub async fn widget_configs(args: WidgetConfigsArgs) -> anyhow::Result<()> {
    let client = args.connection.client()?;
    match args.command {
        WidgetConfigsCommand::List { integration, json } => {
            let list = client.widget_configs(integration).await?;
            if json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!("No widget configs. Create one with `millrace widget-configs apply FILE` or in the admin UI.");
                return Ok(());
            }
            let mut t = Table::new(["ID", "INTEGRATION", "NAME", "ACTIVE", "CREDENTIALS"]);
            for w in &list {
                let creds = match &w.credentials {
                    None => "per integration",
                    Some(c) if c.fields.is_empty() => "none needed",
                    Some(c) if !c.configured => "not configured",
                    Some(c) if !c.is_valid => "refused upstream",
                    Some(_) => "configured",
                };
                t.row([
                    w.widget_config.id.clone(),
                    w.widget_config.integration_id.to_string(),
                    w.widget_config.name.clone(),
                    yes_no(w.widget_config.is_active),
                    creds.to_owned(),
                ]);
            }
            print!("{t}");
        }
        WidgetConfigsCommand::Show { id } => print_json(&client.widget_config(&id).await?)?,
        WidgetConfigsCommand::Apply { file } => {
            let (verb, w) = match apply::widget_config_request(read_json(&file)?)? {
                WidgetConfigRequest::Create(body) => {
                    ("Created", client.create_widget_config(&body).await?)
                }
                WidgetConfigRequest::Update { id, body } => {
                    ("Updated", client.update_widget_config(&id, &body).await?)
                }
            };
            println!("{verb} {}.", wc_label(&w));
        }
        WidgetConfigsCommand::Delete { id, yes } => {
            let w = client.widget_config(&id).await?;
            let what = format!("{} with its credentials", wc_label(&w));
            if !yes {
                bail!("not deleting without --yes: this would delete {what}");
            }
            client.delete_widget_config(&id).await?;
            println!("Deleted {what}.");
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// credentials

/// `millrace credentials …`.
#[derive(Debug, Args)]
pub struct CredentialsArgs {
    #[command(flatten)]
    connection: Connection,
    #[command(subcommand)]
    command: CredentialsCommand,
}

/// Whose credentials: the integration's (organization scope), or one widget config's.
#[derive(Debug, Args)]
struct Target {
    /// The integration's id.
    integration_id: i64,
    /// The widget config, for an integration whose credentials are kept per widget config
    /// (widget scope).
    #[arg(long, value_name = "WC_ID")]
    widget_config: Option<String>,
}

#[derive(Debug, Subcommand)]
enum CredentialsCommand {
    /// Set credential fields (values from the terminal or standard input).
    ///
    /// Values are never taken from the command line: in a terminal each is asked for (secret
    /// fields without echo); otherwise one value per line is read from standard input, in the
    /// order of the FIELDs, e.g. `printf '%s\n' "$KEY" | millrace credentials set 3 api_key`.
    /// Fields not named keep their stored values. Prints which fields are set, never a value.
    Set {
        #[command(flatten)]
        target: Target,
        /// The fields to set, as named in the integration's credential_schema.
        #[arg(required = true, value_name = "FIELD")]
        fields: Vec<String>,
    },
    /// Remove stored credentials.
    ///
    /// The named fields, or with no FIELD the whole record.
    Clear {
        #[command(flatten)]
        target: Target,
        /// The fields to remove (default: all).
        #[arg(value_name = "FIELD")]
        fields: Vec<String>,
    },
    /// Show which credential fields are set (never their values).
    Show {
        #[command(flatten)]
        target: Target,
    },
}

impl Target {
    fn owner(&self) -> CredentialsOwner {
        match &self.widget_config {
            Some(wc) => CredentialsOwner::WidgetConfig(wc.clone()),
            None => CredentialsOwner::Integration(self.integration_id),
        }
    }

    /// The integration, after checking that the widget config (if any) belongs to it; and a
    /// description of the owner for messages.
    async fn resolve(&self, client: &AdminClient) -> anyhow::Result<(IntegrationView, String)> {
        let integration = client.integration(self.integration_id).await?;
        let Some(wc_id) = &self.widget_config else {
            return Ok((integration.clone(), label(&integration)));
        };
        let wc = client.widget_config(wc_id).await?;
        if wc.widget_config.integration_id != self.integration_id {
            bail!(
                "widget config {wc_id} belongs to integration {}, not {}",
                wc.widget_config.integration_id,
                self.integration_id
            );
        }
        Ok((integration, wc_label(&wc)))
    }
}

/// Runs `millrace credentials …`.
pub async fn credentials(args: CredentialsArgs) -> anyhow::Result<()> {
    let client = args.connection.client()?;
    match args.command {
        CredentialsCommand::Set { target, fields } => {
            let (integration, who) = target.resolve(&client).await?;
            let schema = &integration.integration.credential_schema;
            let mut defs = Vec::new();
            for (n, field) in fields.iter().enumerate() {
                let Some(def) = schema.get(field) else {
                    let known: Vec<&str> = schema.keys().map(String::as_str).collect();
                    bail!(
                        "{} has no credential field '{field}'; its fields: {}",
                        label(&integration),
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    );
                };
                if fields[..n].contains(field) {
                    bail!("the field '{field}' is named twice");
                }
                defs.push((field.clone(), def.clone()));
            }
            let texts = read_values(&defs, &integration, &target)?;
            let values: Vec<(String, CredentialValue)> = defs
                .iter()
                .zip(texts)
                .map(|((name, def), text)| (name.clone(), CredentialValue::from_text(def, text)))
                .collect();
            let view = client.set_credentials(&target.owner(), &values).await?;
            println!("Stored credentials of {who}: {} set.", fields.join(", "));
            print_credentials(&view);
        }
        CredentialsCommand::Clear { target, fields } => {
            let (_, who) = target.resolve(&client).await?;
            if fields.is_empty() {
                client.clear_credentials(&target.owner()).await?;
                println!("Removed all credentials of {who}.");
            } else {
                let values: Vec<_> = fields
                    .iter()
                    .map(|f| (f.clone(), CredentialValue::Clear))
                    .collect();
                let view = client.set_credentials(&target.owner(), &values).await?;
                println!(
                    "Removed {} from the credentials of {who}.",
                    fields.join(", ")
                );
                print_credentials(&view);
            }
        }
        CredentialsCommand::Show { target } => {
            let (integration, who) = target.resolve(&client).await?;
            let Some(view) = client.credentials(&target.owner()).await? else {
                match integration.integration.credential_scope {
                    CredentialScope::Widget => bail!(
                        "{} keeps credentials per widget config (widget scope): pass --widget-config WC_ID (see `millrace widget-configs list --integration {}`)",
                        label(&integration),
                        integration.integration.id
                    ),
                    CredentialScope::Organization => bail!(
                        "{} keeps one set of credentials for the whole hub (organization scope): leave out --widget-config",
                        label(&integration)
                    ),
                }
            };
            println!("Credentials of {who}:");
            print_credentials(&view);
        }
    }
    Ok(())
}

/// Reads one value per field: asked for in a terminal (secret fields without echo), else one
/// line each from standard input. Nothing is sent unless every value is there.
fn read_values(
    defs: &[(String, millrace::schema::FieldDef)],
    integration: &IntegrationView,
    target: &Target,
) -> anyhow::Result<Vec<SecretString>> {
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut out = Vec::new();
    let mut lines = stdin.lock();
    for (name, def) in defs {
        let text = if interactive {
            let label = def.label.as_deref().filter(|l| l != name);
            let prompt = match (label, def.sensitive) {
                (Some(l), true) => format!("{l} ({name}, hidden): "),
                (Some(l), false) => format!("{l} ({name}): "),
                (None, true) => format!("{name} (hidden): "),
                (None, false) => format!("{name}: "),
            };
            if def.sensitive {
                let value =
                    rpassword::prompt_password(prompt).context("cannot read from the terminal")?;
                SecretString::new(value)
            } else {
                eprint!("{prompt}");
                std::io::stderr().flush().ok();
                read_line(&mut lines)?.unwrap_or_default()
            }
        } else {
            match read_line(&mut lines)? {
                Some(v) => v,
                None => {
                    let names: Vec<&str> = defs.iter().map(|(n, _)| n.as_str()).collect();
                    bail!(
                        "expected {} on standard input, one per line in the order {}; got {}. Nothing was stored",
                        count(defs.len(), "value"),
                        names.join(", "),
                        out.len()
                    );
                }
            }
        };
        if text.expose().is_empty() {
            bail!(
                "the value for '{name}' is empty; nothing was stored. To remove a stored value use `millrace credentials clear {}{} {name}`",
                integration.integration.id,
                target
                    .widget_config
                    .as_ref()
                    .map(|w| format!(" --widget-config {w}"))
                    .unwrap_or_default()
            );
        }
        out.push(text);
    }
    Ok(out)
}

/// One line without its line ending; `None` at the end of input.
fn read_line(input: &mut impl std::io::BufRead) -> anyhow::Result<Option<SecretString>> {
    let mut line = Zeroizing::new(String::new());
    let n = input
        .read_line(&mut line)
        .context("cannot read standard input")?;
    if n == 0 {
        return Ok(None);
    }
    let value = line.strip_suffix('\n').unwrap_or(&line);
    let value = value.strip_suffix('\r').unwrap_or(value);
    Ok(Some(SecretString::new(value.to_owned())))
}

fn print_credentials(view: &CredentialsView) {
    let state = match (view.configured, view.is_valid) {
        (false, _) => "not configured",
        (true, true) => "configured",
        (true, false) => "configured, but refused by the service (check the values)",
    };
    println!("  state: {state}");
    let width = view
        .fields
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0);
    for (name, f) in &view.fields {
        let set = if f.set { "set" } else { "not set" };
        println!("  {name:<width$}  {set}");
    }
}

// ---------------------------------------------------------------------------------------------
// keys

/// `millrace keys …`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(flatten)]
    connection: Connection,
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Rotate the master key.
    ///
    /// Creates a new master key and re-encrypts every stored credential with it, in one
    /// transaction. Run it when the old key may have been exposed.
    Rotate,
}

/// Runs `millrace keys …`.
pub async fn keys(args: KeysArgs) -> anyhow::Result<()> {
    let client = args.connection.client()?;
    match args.command {
        KeysCommand::Rotate => {
            let r = client.rotate_keys().await?;
            println!(
                "Rotated the master key: re-encrypted {} (credentials and the hub's own secrets); new key fingerprint {}.",
                count(
                    usize::try_from(r.rotated).unwrap_or(usize::MAX),
                    "sealed record"
                ),
                r.fingerprint
            );
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// shared

/// Reads and parses a JSON file, or standard input for `-`.
fn read_json(path: &Path) -> anyhow::Result<serde_json::Value> {
    let (name, text) = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read standard input")?;
        ("standard input".to_owned(), s)
    } else {
        let s = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        (path.display().to_string(), s)
    };
    serde_json::from_str(&text).with_context(|| format!("{name} is not valid JSON"))
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// "1 integration", "2 integrations".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// "its 2 widget configs", "its widget config".
fn its_count(n: i64, noun: &str) -> String {
    if n == 1 {
        format!("its {noun}")
    } else {
        format!("its {n} {noun}s")
    }
}

/// "a", "a and b", "a, b and c".
fn and_list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_lose_their_line_endings_and_the_end_is_none() {
        let mut input = std::io::Cursor::new(b"first\r\nsecond\nlast".to_vec());
        let values: Vec<_> = std::iter::from_fn(|| read_line(&mut input).unwrap())
            .map(|s| s.expose().clone())
            .collect();
        assert_eq!(values, ["first", "second", "last"]);
    }

    #[test]
    fn counts_read_naturally() {
        assert_eq!(count(1, "integration"), "1 integration");
        assert_eq!(count(0, "integration"), "0 integrations");
        assert_eq!(its_count(1, "widget config"), "its widget config");
        assert_eq!(its_count(2, "widget config"), "its 2 widget configs");
        let parts = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
        assert_eq!(and_list(&parts[..1]), "a");
        assert_eq!(and_list(&parts[..2]), "a and b");
        assert_eq!(and_list(&parts), "a, b and c");
    }
}
