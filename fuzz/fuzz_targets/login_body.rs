//! The password sign-in's JSON body: arbitrary bytes POSTed to
//! `/api/v1/auth/login` as `application/json` on the real router.
//!
//! Byte 0 picks a variant: bit 0 sends Lars's session cookie along (a
//! sign-in then rotates that session), bit 1 sends `application/json;
//! charset=utf-8` instead of plain `application/json`. The rest is the body.
//!
//! Cost: a body that decodes to a sign-in attempt for an unknown account
//! runs one dummy Argon2 verification, like a real attempt. The throttle
//! keeps its defaults, so once this process has made 30 failed attempts
//! (all from 127.0.0.1) further attempts answer 429 without Argon2, and the
//! decoder, which runs before it, stays the part that is fuzzed at speed.
#![no_main]

use axum::body::Body;
use http::{header, Method, Request};
use libfuzzer_sys::fuzz_target;
use suveren_fuzz::{check_answer, fixture};

const URI: &str = "/api/v1/auth/login";

fuzz_target!(|data: &[u8]| {
    let Some((&variant, body)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let ct = if variant & 2 != 0 { "application/json; charset=utf-8" } else { "application/json" };
    let mut req = Request::post(URI).header(header::CONTENT_TYPE, ct);
    if variant & 1 != 0 {
        req = req.header(header::COOKIE, f.lars_cookie());
    }
    let req = req.body(Body::from(body.to_vec())).expect("request");
    let (status, headers, resp) = f.send(req);
    check_answer(&Method::POST, URI, status, &headers, &resp);
});
