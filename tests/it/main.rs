//! The integration test harness: one binary, one module per area.

mod bot;
mod bot_push;
mod bot_registry;
mod render;
mod render_generators;
mod support;
mod yaml;
