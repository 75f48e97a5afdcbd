//! Environments: one file per environment in `environments/`, naming what to render (an
//! overlay), where it goes (a cluster context and namespace) and how it is synced, checked,
//! rolled back, promoted and bumped. Parsing is strict: unknown fields and bad values are
//! errors naming the file and the field.

mod error;
mod load;
mod quantity;
mod render;
mod types;

pub use error::EnvironmentError;
pub use load::{ENVIRONMENTS_DIR, list, load, load_all, load_from_source, parse, schema_json};
pub use quantity::{Budget, Duration};
pub use render::render_environment;
pub use types::*;
