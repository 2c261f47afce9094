//! Replication Lab's engine: a pure, deterministic, sans-IO simulation of leader-based
//! replication as described in chapter 5 of *Designing Data-Intensive Applications*.
//!
//! A [`Scenario`] (seed, cluster settings, timed actions) goes into a [`Sim`], which steps
//! through events in simulated milliseconds and can, at any instant, produce a [`View`] of
//! the cluster and a [`Report`]. Nothing here touches a clock, a browser or a global RNG,
//! so the same scenario always gives the same trace.

pub mod bounds;
pub mod checker;
pub mod chunked;
pub mod cli;
mod fates;
pub mod fingerprint;
pub mod history;
pub mod ids;
pub mod lessons;
pub mod link;
pub mod log;
pub mod message;
pub mod message_log;
pub mod notable;
pub mod presets;
mod read_index;
mod reader;
pub mod replica;
pub mod report;
pub mod rng;
pub mod sandbox;
pub mod scenario;
pub mod sim;
pub mod spacetime;
mod strict_json;
pub mod timeline;
pub mod view;
mod writer;

pub use ids::{ClientId, Endpoint, NodeId, WriteId};
pub use report::Report;
pub use scenario::{Action, Mode, Scenario, ScenarioError, TimedAction};
pub use sim::Sim;
pub use timeline::Timeline;
pub use view::{View, ViewOptions};
