//! The integration test harness: one binary, one module per area.

mod render;
mod support;
mod yaml;
