//! The integration test harness: one binary, one module per area.

mod render;
mod render_repl;
mod support;
mod yaml;
