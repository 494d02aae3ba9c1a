//! PULL mode: fetching third-party APIs (DESIGN §4). This module knows nothing of HTTP routes or
//! the scheduler; it turns a [`config::PullConfig`] plus widget options and credentials into a
//! request, and a response into widget data.

pub mod config;
pub mod fetchers;
pub mod template;
