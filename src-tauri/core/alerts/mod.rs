//! Alerts a command hall can trust (domain.md, "Alerts a command hall wants"): rules the
//! centre configures (`rule`), what they see at each tick (`observe`, with the four-colour
//! baseline in `baseline`), and the life of each alert with its audit (`lifecycle`). Pure:
//! the adapter hands in the snapshot, the lists and `now`, and appends the events returned.

pub mod baseline;
pub mod lifecycle;
pub mod observe;
pub mod rule;

#[cfg(test)]
mod scenarios;
