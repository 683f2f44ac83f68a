//! The UI's own stylesheet and script, compiled into the binary and served
//! from `/assets/`: no font, script, image or style comes from anywhere
//! else. URLs carry a content hash so browsers may cache them for good.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use suveren_api::AppState;

struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 2] = [
    Asset { name: "app.css", mime: "text/css; charset=utf-8", body: include_bytes!("../assets/app.css") },
    Asset { name: "app.js", mime: "text/javascript; charset=utf-8", body: include_bytes!("../assets/app.js") },
];

fn hashes() -> &'static Vec<String> {
    static H: OnceLock<Vec<String>> = OnceLock::new();
    H.get_or_init(|| ASSETS.iter().map(|a| hex::encode(&Sha256::digest(a.body)[..6])).collect())
}

/// The URL of an asset, with its content hash.
pub fn url(name: &str) -> String {
    let i = ASSETS.iter().position(|a| a.name == name).expect("known asset");
    format!("/assets/{}?v={}", name, hashes()[i])
}

async fn serve(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => {
            let mut r = a.body.into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(a.mime));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
            r
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/assets/{name}", get(serve))
}
