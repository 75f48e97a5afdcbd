//! Sandbox: an embedded, in-process Kubernetes API server on loopback for demos and tests.
pub mod ssa;
