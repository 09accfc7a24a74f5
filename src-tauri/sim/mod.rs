//! The built-in simulator: a synthetic city whose calls, incidents, 12345 work orders and
//! callbacks have the shape of a real 110 centre's (the embedded demo and test data).

pub mod city;
pub mod generate;
pub mod rhythm;
pub mod run;

pub use city::City;
pub use generate::{generate_day, SOURCE};
