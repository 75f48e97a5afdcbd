//! converge: a declarative GitOps reconciler and kustomize-compatible manifest renderer.
//!
//! The crate is organised as the pipeline it runs:
//! [`source`] → [`render`] → [`policy`] → [`diff`] → [`apply`] → [`prune`] → [`health`]
//! (composed by [`sync`]),
//! with [`git`] and [`bot`] for commits, [`controller`] for the in-cluster loop,
//! [`sandbox`] for the embedded API server and [`cli`] for the command line.
//! Every stage returns values; only the CLI prints.

pub mod apply;
pub mod bot;
pub mod cli;
pub mod cluster;
pub mod controller;
pub mod diff;
pub mod environment;
pub mod git;
pub mod health;
pub mod policy;
pub mod prune;
pub mod render;
pub mod sandbox;
pub mod source;
pub mod sync;
pub mod yaml;
