//! The schedule engine.
