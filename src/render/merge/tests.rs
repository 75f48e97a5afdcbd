//! Rule-by-rule tests of the merge; every expectation was checked against
//! `kubectl kustomize` (Kustomize v5.5.0).
