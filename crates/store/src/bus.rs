//! Telling the other app nodes that something they keep in memory changed.
//!
//! Every node keeps the directory snapshot, the lockbox grants, the drive
//! rows, tenant keys and sign-in throttle counters in memory, because the
//! policy gate reads them on every request. A node that changes one of them
//! reloads its own copy and *announces* a topic; the others hear it and
//! reload theirs. The embedded installation is one process and has no bus.
//!
//! Announcements are best effort and arrive after the change committed. A
//! listener that lost its connection cannot know what it missed, so it hears
//! [`Event::Lost`] and reloads everything; nodes also reload everything at a
//! slow interval, which bounds how long a node can act on stale data when a
//! node died between its commit and its announcement.

use async_trait::async_trait;

use crate::Result;

/// What a node hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Another node announced this topic.
    Topic(String),
    /// The connection to the bus was lost and re-established: announcements
    /// may have been missed.
    Lost,
}

#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// Announces `topic` to every other node. Topics are short ASCII words
    /// with an optional argument (`keys:nordvik`).
    async fn announce(&self, topic: &str) -> Result<()>;

    /// Starts listening; other nodes' announcements (never this node's own)
    /// arrive on the returned channel until it is dropped.
    async fn subscribe(&self) -> Result<tokio::sync::mpsc::Receiver<Event>>;

    /// This node's name on the bus (for logs and the health view).
    fn node(&self) -> &str;
}

/// Longest topic a bus carries (PostgreSQL's NOTIFY payload limit is 8,000
/// bytes; the node name and separator take part of it).
pub const MAX_TOPIC: usize = 4000;
