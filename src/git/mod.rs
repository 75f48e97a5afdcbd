//! Git: repository access through git2 (trees at revisions, commits, reverts, fetch and push).
