//! Sandbox: an embedded, in-process Kubernetes API server on loopback for demos and tests.
//!
//! kubectl 1.32 and kube-rs 5 talk to it unchanged: discovery (aggregated and legacy),
//! OpenAPI v3 for kubectl's validation, the REST verbs with the real server's Status errors,
//! watches, server-side apply through [`ssa`], simulated workload controllers and fault
//! injection for reliability tests. Plain HTTP, no authentication.

mod catalog;
mod config;
mod controllers;
mod discovery;
mod error;
mod handlers;
mod kubeconfig;
mod objects;
mod openapi;
mod persist;
mod protobuf;
mod request;
mod selector;
mod server;
mod status;
mod store;
mod table;

pub mod ssa;

pub use config::{DEFAULT_FAILURE_PATTERN, FaultConfig, SandboxConfig};
pub use error::SandboxError;
pub use server::{RequestStats, Sandbox};
