//! The integration test harness: one binary, one module per area.

mod bot;
mod render;
mod render_generators;
mod support;
mod yaml;
