//! Source: a tree of files, from the work tree or a git revision.
