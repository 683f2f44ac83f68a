//! The [`Bus`] over PostgreSQL's LISTEN/NOTIFY: the database the nodes
//! already share is the only thing they need to hear each other, so a
//! cluster needs no message broker.
//!
//! Each payload is `<node>|<topic>` (node names have no `|`); a node drops
//! its own. NOTIFY is
//! transactional and delivered in commit order to every listening session;
//! a listener whose connection broke misses what was sent meanwhile, which
//! is why it reports [`Event::Lost`] after reconnecting.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::mpsc;

use crate::bus::{Bus, Event, MAX_TOPIC};
use crate::{Result, StoreError};

const CHANNEL: &str = "suveren_bus";

pub struct PgBus {
    pool: PgPool,
    node: String,
}

impl PgBus {
    pub fn new(pool: PgPool, node: String) -> Self {
        PgBus { pool, node }
    }
}

#[async_trait]
impl Bus for PgBus {
    async fn announce(&self, topic: &str) -> Result<()> {
        if topic.len() > MAX_TOPIC {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a bus topic is at most 4,000 bytes",
            )));
        }
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(format!("{}|{topic}", self.node))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn subscribe(&self) -> Result<mpsc::Receiver<Event>> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        // The pool closing at shutdown must not look like a lost connection.
        listener.ignore_pool_close_event(true);
        listener.listen(CHANNEL).await?;
        let (tx, rx) = mpsc::channel(1024);
        let me = self.node.clone();
        tokio::spawn(async move {
            loop {
                let ev = match listener.try_recv().await {
                    Ok(Some(n)) => match n.payload().split_once('|') {
                        Some((from, _)) if from == me => continue,
                        Some((_, topic)) => Event::Topic(topic.to_string()),
                        None => continue,
                    },
                    // Reconnected on the next call: whatever was sent in
                    // between is gone.
                    Ok(None) => Event::Lost,
                    Err(e) => {
                        tracing::warn!(error = %e, "cluster bus: listening failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        Event::Lost
                    }
                };
                if ev == Event::Lost && tx.capacity() == 0 {
                    continue; // a full queue: a Lost already waits or will follow
                }
                if tx.send(ev).await.is_err() {
                    return; // the subscriber went away
                }
            }
        });
        Ok(rx)
    }

    fn node(&self) -> &str {
        &self.node
    }
}
