//! The sandbox reshaped as a whole (another number of replicas, another way of choosing a
//! leader): the engine builds the new scenario, and the lab starts a fresh run of it.

use super::{Lab, Notice};
use replication_sim::{Scenario, ScenarioError};
use std::rc::Rc;

impl Lab {
    /// A structural change (the replicas, who chooses a leader) cannot be made mid-run: it
    /// starts a fresh sandbox, or says why not.
    pub(super) fn start_sandbox(
        &self,
        scenario: Result<Scenario, ScenarioError>,
        what: &str,
        told: Option<String>,
        mut next: Lab,
    ) -> Rc<Lab> {
        match scenario {
            Ok(scenario) => {
                let mut fresh = Lab::new(scenario, None);
                fresh.sandbox = true;
                if let Some(text) = told {
                    fresh.notice = Some(Notice { text, error: false });
                }
                Rc::new(self.replace_with(fresh))
            }
            Err(e) => {
                next.notice = Some(Notice {
                    text: format!("Could not start with {what}: {e}"),
                    error: true,
                });
                Rc::new(next)
            }
        }
    }
}
