//! PULL mode: fetching third-party APIs (DESIGN §4). This module knows nothing of HTTP routes or
//! the scheduler; it turns a [`config::PullConfig`] plus widget options and credentials into a
//! request, and a response into widget data.
//!
//! The flow, for the scheduler and for Test connection:
//!
//! 1. [`PullRequest::from_integration`]`(pull_endpoint, &pull_config, &TemplateContext {options,
//!    credentials})` renders the templates ([`template`]) once per data key;
//! 2. [`fetch()`], given the hub's one [`PullClient`] ([`client`]: user agent, size cap, connect
//!    timeout), the request and the stored upstream validators, sends it and returns
//!    [`FetchOutcome::Fetched`] (widget data from the [`fetchers`], a body sample, the status and
//!    new validators), [`FetchOutcome::NotModified`], or a classified [`FetchError`].

pub mod client;
pub mod config;
pub mod fetch;
pub mod fetchers;
pub mod template;

pub use client::{ClientError, ClientSettings, PullClient, MAX_BODY_BYTES};
pub use fetch::{fetch, FetchError, FetchOutcome, PullRequest, Validators};
pub use template::{TemplateContext, TemplateRenderError};

#[cfg(test)]
mod tests;
