//! The CSV import (`POST /api/v1/tenants/{tenant}/import`, `suveren admin
//! import`) through the real import service: arbitrary text imported into
//! the demo's Nordvik as Anna Admin (tenant administrator, second factor
//! passed) as a dry run. The answer must be a report or a clean error.
//!
//! Dry runs write nothing, so every input meets the same directory. Bytes
//! that are not UTF-8 are converted lossily (the HTTP edge refuses them
//! with a 400 before the service, see the http_api target).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use suveren_fuzz::{fixture, ANNA};
use suveren_policy::Action;
use suveren_service::{Ctx, ServiceError};

fn ctx() -> &'static Ctx {
    static C: OnceLock<Ctx> = OnceLock::new();
    C.get_or_init(|| fixture().ctx_for(ANNA, Action::DirectoryImport))
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let text = String::from_utf8_lossy(data);
    let res = f.rt.block_on(f.app.import_csv(ctx(), "nordvik", &text, true));
    match res {
        Ok(report) => {
            assert!(report.dry_run, "a dry run reports dry_run");
            assert_eq!(
                report.rows,
                report.created + report.updated + report.unchanged + report.errors.len(),
                "every row is counted once: {report:?}"
            );
        }
        Err(ServiceError::Invalid(_)) => {}
        Err(e) => panic!("unexpected error from a dry-run import: {e:?}"),
    }
});
