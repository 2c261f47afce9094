//! Names of the things in a cluster: replicas (`n1`..`n9`), clients (`c1`..`c9`), the
//! controller (`m1`, with `failover: controller`) and writes (`w1`, ...).

use serde::{Serialize, Serializer};
use std::fmt;

/// Most replicas a cluster can have, counting followers added later.
pub const MAX_REPLICAS: usize = 9;
/// Most clients a scenario can have.
pub const MAX_CLIENTS: usize = 9;
/// Replicas, clients and the controller share one address space in the network.
pub const MAX_ENDPOINTS: usize = MAX_REPLICAS + MAX_CLIENTS + 1;
/// The controller's name: there is at most one.
pub const CONTROLLER: &str = "m1";

/// A replica, shown as `n1`..`n9`; stored zero-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u8);

/// A client, shown as `c1`..`c9`; stored zero-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(pub u8);

/// A write, shown as `w1`, `w2`, ...; stored zero-based in invocation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WriteId(pub u32);

/// Either end of a network link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    Replica(NodeId),
    Client(ClientId),
    /// The controller node `m1` (`failover: controller`).
    Controller,
}

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
    pub fn bit(self) -> u16 {
        1 << self.0
    }
    pub fn name(self) -> String {
        self.to_string()
    }
}

impl ClientId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl WriteId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl Endpoint {
    /// Position in the network's link matrix: replicas first, then clients.
    pub fn index(self) -> usize {
        match self {
            Endpoint::Replica(n) => n.index(),
            Endpoint::Client(c) => MAX_REPLICAS + c.index(),
            Endpoint::Controller => MAX_REPLICAS + MAX_CLIENTS,
        }
    }
    /// The inverse of [`Endpoint::index`]: the message log stores endpoints as one byte.
    pub fn from_index(i: usize) -> Endpoint {
        if i < MAX_REPLICAS {
            Endpoint::Replica(NodeId(i as u8))
        } else if i >= MAX_REPLICAS + MAX_CLIENTS {
            Endpoint::Controller
        } else {
            Endpoint::Client(ClientId((i - MAX_REPLICAS) as u8))
        }
    }
    pub fn replica(self) -> Option<NodeId> {
        match self {
            Endpoint::Replica(n) => Some(n),
            Endpoint::Client(_) | Endpoint::Controller => None,
        }
    }
    pub fn is_client(self) -> bool {
        matches!(self, Endpoint::Client(_))
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0 + 1)
    }
}
impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}", self.0 + 1)
    }
}
impl fmt::Display for WriteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "w{}", self.0 + 1)
    }
}
impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Replica(n) => n.fmt(f),
            Endpoint::Client(c) => c.fmt(f),
            Endpoint::Controller => f.write_str(CONTROLLER),
        }
    }
}

fn parse_numbered(s: &str, prefix: char, max: usize) -> Option<u8> {
    let rest = s.strip_prefix(prefix)?;
    // Reject "n01" and "n+1": names are written exactly as the lab shows them.
    if rest.is_empty() || rest.len() > 1 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: usize = rest.parse().ok()?;
    (1..=max).contains(&n).then(|| (n - 1) as u8)
}

impl std::str::FromStr for NodeId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_numbered(s, 'n', MAX_REPLICAS)
            .map(NodeId)
            .ok_or_else(|| format!("`{}` is not a replica name (n1 to n9)", clip(s)))
    }
}
impl std::str::FromStr for ClientId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_numbered(s, 'c', MAX_CLIENTS)
            .map(ClientId)
            .ok_or_else(|| format!("`{}` is not a client name (c1 to c9)", clip(s)))
    }
}
impl std::str::FromStr for Endpoint {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Ok(n) = s.parse::<NodeId>() {
            return Ok(Endpoint::Replica(n));
        }
        if let Ok(c) = s.parse::<ClientId>() {
            return Ok(Endpoint::Client(c));
        }
        if s == CONTROLLER {
            return Ok(Endpoint::Controller);
        }
        Err(format!(
            "`{}` is neither a replica (n1 to n9), a client (c1 to c9) nor the controller (m1)",
            clip(s)
        ))
    }
}

/// Error messages quote user input; keep a hostile megabyte-long name out of them.
pub fn clip(s: &str) -> String {
    const MAX: usize = 24;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

macro_rules! serialize_by_name {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    };
}
serialize_by_name!(NodeId);
serialize_by_name!(ClientId);
serialize_by_name!(Endpoint);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_reject_lookalikes() {
        assert_eq!("n1".parse::<NodeId>(), Ok(NodeId(0)));
        assert_eq!(NodeId(8).to_string(), "n9");
        assert!("n0".parse::<NodeId>().is_err());
        assert!("n10".parse::<NodeId>().is_err());
        assert!("n01".parse::<NodeId>().is_err());
        assert_eq!("c2".parse::<Endpoint>(), Ok(Endpoint::Client(ClientId(1))));
        assert_eq!(WriteId(6).to_string(), "w7");
    }
}
