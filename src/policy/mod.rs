//! Policy gate: Rego policies (conftest conventions) evaluated on rendered objects.
