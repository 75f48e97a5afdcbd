//! Prune: ApplySet bookkeeping (KEP-3659, as kubectl implements it) and safe deletion.
