//! The chain as the drawing needs it (chain replication): the head decides the chain's
//! order, writes pass down it from the head to the tail, and the tail's confirmations pass
//! back up. A crashed member is spliced out; a replica that comes back catches up from the
//! tail and joins after it. The view gives the order and each replica's standing, so that
//! the app can draw the chain as a chain without deciding anything about it.

use super::ChainStatus;
use crate::ids::NodeId;
use crate::sim::Sim;
use crate::Mode;

impl Sim {
    /// The chain as the current head has it, head first; empty outside chain mode or while
    /// there is no head.
    pub(super) fn chain_order(&self) -> Vec<NodeId> {
        if self.settings.mode != Mode::Chain {
            return Vec::new();
        }
        self.current_leader()
            .map(|l| self.replicas[l.index()].chain.config.nodes().to_vec())
            .unwrap_or_default()
    }

    /// Replica `n`'s standing with respect to `order` (the head's chain); None outside
    /// chain mode or while there is no head.
    pub(super) fn chain_status(&self, n: NodeId, order: &[NodeId]) -> Option<ChainStatus> {
        if order.is_empty() {
            None
        } else if order.contains(&n) {
            Some(ChainStatus::Member)
        } else if self.replicas[n.index()].up && self.members.is_live(n) {
            Some(ChainStatus::Joining)
        } else {
            Some(ChainStatus::Outside)
        }
    }
}
