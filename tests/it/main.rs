//! The integration test harness: one binary, one module per area.

mod policy;
mod render;
mod support;
