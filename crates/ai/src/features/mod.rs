//! The features, one module each: input and output types, prompt, validation.

pub mod embedding;
pub mod moderation;
pub mod reply;
pub mod summary;
pub mod triage;
