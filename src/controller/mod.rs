//! Controller: `converge run`, keeping every environment of a repository converged.
