//! The backend suite: every test that holds for any `BlobStore`, written
//! once as `async fn name(env: &Env)` and run on each backend by
//! [`blob_suite!`] (`local_suite.rs` on a local folder, `s3.rs` on moto
//! and Garage). A test added here must be listed in the macro too; an
//! unlisted one is dead code, which clippy refuses.

pub mod resumable;
pub mod rotation;
pub mod roundtrip;
pub mod store;
pub mod tamper;

use std::future::Future;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseResult, TestRunner};

/// Runs a property on `cases` inputs from `strategy`, each case an async
/// block on the test's own runtime (so a backend's connections stay on the
/// runtime that made them). Needs the multi-threaded runtime the suite
/// macro asks for.
pub fn check<S, F, Fut>(cases: u32, strategy: S, case: F)
where
    S: Strategy,
    S::Value: Clone + std::fmt::Debug,
    F: Fn(S::Value) -> Fut,
    Fut: Future<Output = TestCaseResult>,
{
    let runtime = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| {
        let mut runner = TestRunner::new(Config::with_cases(cases));
        if let Err(e) = runner.run(&strategy, |value| runtime.block_on(case(value))) {
            panic!("{e}");
        }
    });
}

/// One `#[tokio::test]` per listed suite test, in a module per suite
/// file, each on a fresh `Env` from `$make` (an async fn returning
/// `Option<Env>`, `None` meaning skipped). Pass `$make` as a crate-absolute
/// path: the tests live in nested modules.
macro_rules! suite_tests {
    ($make:path => $($module:ident { $($name:ident),* $(,)? })*) => {
        $(
            mod $module {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let Some(env) = $make().await else { return };
                        crate::suite::$module::$name(&env).await;
                    }
                )*
            }
        )*
    };
}

/// The whole suite on the backend `$make` gives.
macro_rules! blob_suite {
    ($make:path) => {
        suite_tests!($make =>
            store {
                raw_store_operations,
                short_reads_past_the_end,
                bad_keys_are_refused,
                failed_source_leaves_nothing_visible,
                raw_partial_operations,
                partial_truncate_cuts_anywhere,
            }
            roundtrip {
                round_trip_at_chunk_boundaries,
                disk_holds_no_plaintext,
                range_bounds_and_empty_ranges,
                range_reads_equal_the_slice,
            }
            resumable {
                odd_sized_appends_round_trip_with_chunk_rounded_offsets,
                edge_lengths_match_put,
                zero_length_upload_completes_with_an_empty_append,
                wrong_offsets_and_lengths_are_refused,
                resumes_after_a_restart,
                a_torn_write_is_cut_off_on_resume,
                a_lost_chunk_is_caught_before_the_upload_reports_success,
                a_finished_upload_detects_tampering,
                abort_deletes_and_list_shows_uploads_in_progress,
                one_append_at_a_time_and_a_dropped_one_releases_the_upload,
                disk_never_holds_plaintext_of_an_upload,
                split_uploads_equal_put,
            }
            rotation {
                rewrap_changes_only_the_wrapped_key_and_moves_the_blob_to_the_new_kek,
                a_rewrapped_key_is_still_authenticated,
                rewrap_refuses_a_blob_neither_key_opens_and_a_concurrent_change,
                the_default_rewrite_head_copies_and_keeps_the_chunks,
                an_upload_begun_under_the_old_kek_finishes_under_the_new_one_after_its_rewrap,
            }
            tamper {
                flipped_bytes_are_detected_everywhere,
                truncation_and_extension_are_detected,
                swapped_chunks_are_detected,
                headers_and_chunks_do_not_move_between_blobs,
                another_tenants_kek_cannot_read,
            }
        );
    };
}
