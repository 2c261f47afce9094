//! The network. Replication runs over an unreliable network: messages are delayed (network
//! latency plus seeded jitter), a link can be cut, slowed or lossy, and a partition splits
//! the cluster into groups that cannot hear each other (the chapter's split brain starts so).
//! Each link delivers in order, as a TCP connection does.
use super::*;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkFault {
    pub cut: bool,
    pub slow_factor: u32,
    pub drop_probability: f64,
}

impl Default for LinkFault {
    fn default() -> Self {
        LinkFault {
            cut: false,
            slow_factor: 1,
            drop_probability: 0.0,
        }
    }
}

/// Directed links between every pair of endpoints, each with its own faults, plus the
/// partition groups (0 means "reaches everyone").
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub latency_ms: u64,
    pub client_latency_ms: u64,
    pub jitter_ms: u64,
    pub faults: Vec<LinkFault>,
    pub partition: [u8; MAX_ENDPOINTS],
    last_deliver: Vec<u64>,
}

impl Network {
    pub(super) fn new(latency_ms: u64, client_latency_ms: u64, jitter_ms: u64) -> Network {
        Network {
            latency_ms,
            client_latency_ms,
            jitter_ms,
            faults: vec![LinkFault::default(); MAX_ENDPOINTS * MAX_ENDPOINTS],
            partition: [0; MAX_ENDPOINTS],
            last_deliver: vec![0; MAX_ENDPOINTS * MAX_ENDPOINTS],
        }
    }
    pub(super) fn link(s: Endpoint, t: Endpoint) -> usize {
        s.index() * MAX_ENDPOINTS + t.index()
    }
    pub fn fault(&self, s: Endpoint, t: Endpoint) -> LinkFault {
        self.faults[Self::link(s, t)]
    }
    pub fn partitioned(&self, s: Endpoint, t: Endpoint) -> bool {
        let (a, b) = (self.partition[s.index()], self.partition[t.index()]);
        a != 0 && b != 0 && a != b
    }
    /// Messages on this link are dropped.
    pub fn blocked(&self, s: Endpoint, t: Endpoint) -> bool {
        self.fault(s, t).cut || self.partitioned(s, t)
    }
}

/// Messages on the wire, by id. Ids are handed out one by one and messages mostly arrive
/// oldest first, so a queue of slots indexed from the oldest id still in flight does the
/// work of an ordered map in constant time (this is the engine's hottest structure).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InFlightQueue {
    base: u64,
    slots: std::collections::VecDeque<Option<InFlight>>,
    len: usize,
}

impl InFlightQueue {
    /// Adds a message; ids must come in increasing order, as `Sim::send` hands them out.
    pub fn insert(&mut self, id: u64, m: InFlight) {
        if self.slots.is_empty() {
            self.base = id;
        }
        debug_assert!(
            id >= self.base + self.slots.len() as u64,
            "message ids only grow"
        );
        while self.base + (self.slots.len() as u64) < id {
            self.slots.push_back(None);
        }
        self.slots.push_back(Some(m));
        self.len += 1;
    }

    pub fn remove(&mut self, id: &u64) -> Option<InFlight> {
        let i = id.checked_sub(self.base)? as usize;
        let m = self.slots.get_mut(i)?.take()?;
        self.len -= 1;
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.base += 1;
        }
        Some(m)
    }

    /// The message itself, to change on the wire (tests perturb one to show the trace
    /// hash sees its payload).
    pub fn get_mut(&mut self, id: &u64) -> Option<&mut InFlight> {
        let i = id.checked_sub(self.base)? as usize;
        self.slots.get_mut(i)?.as_mut()
    }

    pub fn contains_key(&self, id: &u64) -> bool {
        id.checked_sub(self.base)
            .and_then(|i| self.slots.get(i as usize))
            .is_some_and(|s| s.is_some())
    }

    /// Messages in id (sending) order.
    pub fn values(&self) -> impl Iterator<Item = &InFlight> + '_ {
        self.slots.iter().flatten()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A message on the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct InFlight {
    pub id: u64,
    pub source: Endpoint,
    pub target: Endpoint,
    pub sent_at: u64,
    pub deliver_at: u64,
    pub payload: Payload,
    /// A lossy link will drop it on arrival (drawn when sent, so the run stays seeded).
    pub doomed: bool,
}

impl Sim {
    pub(super) fn send(&mut self, source: Endpoint, target: Endpoint, payload: Payload) {
        self.messages_sent += 1;
        if self.network.blocked(source, target) {
            self.messages_dropped += 1;
            return;
        }
        let fault = self.network.fault(source, target);
        let jitter = if self.network.jitter_ms > 0 {
            self.net_rng.up_to(self.network.jitter_ms)
        } else {
            0
        };
        // The controller sits on the replicas' network; clients are nearer.
        let base = if !source.is_client() && !target.is_client() {
            self.network.latency_ms
        } else {
            self.network.client_latency_ms
        };
        let delay = (base + jitter) * fault.slow_factor as u64;
        let doomed = fault.drop_probability > 0.0 && self.net_rng.chance(fault.drop_probability);
        let link = Network::link(source, target);
        // FIFO per link: a message never overtakes an earlier one on the same link.
        let deliver_at = (self.now + delay).max(self.network.last_deliver[link]);
        self.network.last_deliver[link] = deliver_at;
        let id = self.next_message;
        self.next_message += 1;
        self.in_flight.insert(
            id,
            InFlight {
                id,
                source,
                target,
                sent_at: self.now,
                deliver_at,
                payload,
                doomed,
            },
        );
        self.push(deliver_at, Event::Deliver(id));
    }

    pub(super) fn deliver(&mut self, id: u64) -> bool {
        let Some(m) = self.in_flight.remove(&id) else {
            return false;
        };
        let kind = m.payload.kind();
        self.hash(
            4,
            ((m.doomed as u64) << 24)
                | ((m.source.index() as u64) << 16)
                | ((m.target.index() as u64) << 8)
                | kind as u64,
        );
        self.events_hash = crate::fingerprint::payload(self.events_hash, &m.payload);
        let target_down = match m.target {
            Endpoint::Replica(n) => !self.replicas[n.index()].up,
            Endpoint::Controller => !self.controller.as_ref().is_some_and(|c| c.up),
            Endpoint::Client(_) => false,
        };
        self.trace_event(kind.name(), Some(m.source), Some(m.target), || {
            let why = if m.doomed {
                "; dropped: the link lost it".to_string()
            } else if target_down {
                format!("; dropped: {} is down", m.target)
            } else {
                String::new()
            };
            format!("{}{why}", m.payload.summary())
        });
        if m.doomed || target_down {
            if let Some(e) = self.trace.as_mut().and_then(|t| t.last_mut()) {
                e.dropped = true;
            }
        }
        self.message_log
            .push(MessageRecord::of(&m, self.now, m.doomed || target_down));
        if m.doomed {
            self.messages_dropped += 1;
            return true;
        }
        match m.target {
            Endpoint::Replica(n) => {
                if !self.replicas[n.index()].up {
                    self.messages_dropped += 1;
                    return true;
                }
                if let (Payload::Read(Read { read, key_of }), Endpoint::Client(c)) =
                    (&m.payload, m.source)
                {
                    self.serve_read(n, c, *read, *key_of);
                    return true;
                }
                let (source, payload, sent_at) = (m.source, m.payload, m.sent_at);
                self.with_replica(n, |r, ctx| r.on_message(source, payload, sent_at, ctx));
            }
            Endpoint::Client(c) => self.client_receive(c, m.source, m.payload, m.sent_at),
            Endpoint::Controller => {
                if target_down {
                    self.messages_dropped += 1;
                    return true;
                }
                self.controller_receive(m.source, m.payload)
            }
        }
        true
    }

    /// Drops every message in flight that matches, as a cut link or a crash does.
    pub(super) fn drop_in_flight(&mut self, matches: impl Fn(&InFlight) -> bool) {
        let doomed: Vec<u64> = self
            .in_flight
            .values()
            .filter(|m| matches(m))
            .map(|m| m.id)
            .collect();
        for id in doomed {
            if let Some(m) = self.in_flight.remove(&id) {
                self.message_log.push(MessageRecord::of(&m, self.now, true));
            }
            self.messages_dropped += 1;
        }
    }

    pub(super) fn endpoint_link_pairs(
        source: Endpoint,
        target: Endpoint,
        one_way: bool,
    ) -> Vec<(Endpoint, Endpoint)> {
        if one_way {
            vec![(source, target)]
        } else {
            vec![(source, target), (target, source)]
        }
    }

    pub(super) fn drop_partitioned(&mut self) {
        let net = self.network.clone();
        self.drop_in_flight(|m| net.partitioned(m.source, m.target));
    }
}
