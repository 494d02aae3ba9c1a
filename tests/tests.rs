//! Full-stack tests of the core: the real hub on port 0 with a temporary data directory.
mod common;
