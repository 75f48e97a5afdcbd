//! Diff: one engine comparing desired and live (or two revisions), with secret masking.
