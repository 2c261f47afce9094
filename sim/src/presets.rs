//! The preset scenarios of `scenarios/`, compiled in so that the app, the runner and the
//! tests share exactly the same files.

use crate::scenario::{Scenario, ScenarioError};

/// A lesson's scenario, by its readable link name (`#preset=async-failover`).
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    pub id: &'static str,
    pub json: &'static str,
}

macro_rules! presets {
    ($($id:literal),* $(,)?) => {
        &[$(Preset { id: $id, json: include_str!(concat!("../../scenarios/", $id, ".json")) }),*]
    };
}

/// In the order of the chapter.
pub const PRESETS: &[Preset] = presets![
    "sync-vs-async",
    "semi-sync",
    "async-failover",
    "follower-catch-up",
    "new-follower-snapshot",
    "new-follower-locked-copy",
    "new-follower-file-copy",
    "snapshot-too-old",
    "retention-keep-log",
    "retention-delete-log",
    "split-brain",
    "split-brain-fenced",
    "controller-failover",
    "controller-cut-off",
    "controller-with-old-leader",
    "chain",
    "short-timeout",
    "reads-and-lag",
];

impl Preset {
    pub fn scenario(&self) -> Result<Scenario, ScenarioError> {
        Scenario::from_json(self.json)
    }

    pub fn by_id(id: &str) -> Option<&'static Preset> {
        PRESETS.iter().find(|p| p.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_and_has_a_title_and_description() {
        for p in PRESETS {
            let s = p.scenario().unwrap_or_else(|e| panic!("{}: {e}", p.id));
            assert!(
                s.title.is_some() && s.description.is_some(),
                "{} needs a title and a description",
                p.id
            );
        }
        assert!(Preset::by_id("async-failover").is_some());
        assert!(Preset::by_id("nope").is_none());
    }
}
