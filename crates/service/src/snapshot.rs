//! The in-memory directory: loaded from the store, rebuilt after each
//! directory change, read lock-free by every request.
//!
//! 50,000 principals fit comfortably in memory, and keeping the directory
//! here makes search and every policy decision free of database round trips.

use suveren_domain::search::SearchIndex;
use suveren_domain::{BarrierRule, Directory, FederationLink, Group, OrgUnit, Principal, Segment, Tenant};
use suveren_store::Store;

use crate::Result;

pub mod kinds {
    pub const TENANT: &str = "tenant";
    pub const PRINCIPAL: &str = "principal";
    pub const ORG_UNIT: &str = "org_unit";
    pub const GROUP: &str = "group";
    pub const SEGMENT: &str = "segment";
    pub const BARRIER: &str = "barrier";
    pub const FEDERATION: &str = "federation";
    pub const CREDENTIAL: &str = "credential";
    pub const SESSION: &str = "session";
    pub const APP_PASSWORD: &str = "app_password";
    pub const OIDC_PENDING: &str = "oidc_pending";
    pub const META: &str = "meta";
}

pub struct Snapshot {
    pub dir: Directory,
    pub index: SearchIndex,
}

async fn all<T: serde::de::DeserializeOwned>(store: &dyn Store, kind: &str) -> Result<Vec<T>> {
    store.list(kind, None).await?.iter().map(|o| o.decode().map_err(Into::into)).collect()
}

impl Snapshot {
    pub async fn load(store: &dyn Store) -> Result<Snapshot> {
        let dir = Directory::new(
            all::<Tenant>(store, kinds::TENANT).await?,
            all::<Principal>(store, kinds::PRINCIPAL).await?,
            all::<OrgUnit>(store, kinds::ORG_UNIT).await?,
            all::<Group>(store, kinds::GROUP).await?,
            all::<Segment>(store, kinds::SEGMENT).await?,
            all::<BarrierRule>(store, kinds::BARRIER).await?,
            all::<FederationLink>(store, kinds::FEDERATION).await?,
        );
        let index = SearchIndex::build(&dir);
        Ok(Snapshot { dir, index })
    }
}
