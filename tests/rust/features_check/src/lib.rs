//! Behaviour tests of the generated `features` crate live in `tests/`.
