//! Commit-bot: image bumps, promotions and rollbacks made as ordinary git commits.
