//! The doors: how people and programs reach the figures. Each is a thin adapter over the
//! services; none computes a figure.

pub mod cli;
pub mod serve;
pub mod window;
