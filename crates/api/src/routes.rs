//! Route registration with declared actions, and the OpenAPI document
//! generated from the same table.
//!
//! [`Api::route`] is the only way to add a route: it takes the [`Action`]
//! the route performs and attaches it to every request, where the
//! [`crate::extract::Caller`] extractor picks it up. A route without an
//! action cannot be registered, and a handler cannot choose another action
//! than its route's.

use axum::handler::Handler;
use axum::routing::{on, MethodFilter};
use axum::{Extension, Router};
use serde_json::{json, Map, Value};
use suveren_policy::{Action, ActionClass};

use crate::AppState;

/// The action a route declared; inserted into each request's extensions.
#[derive(Debug, Clone, Copy)]
pub struct Declared(pub Action);

#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub action: Action,
    pub summary: &'static str,
    /// Request body media type, if any.
    pub body: Option<&'static str>,
}

pub struct Api {
    router: Router<AppState>,
    pub specs: Vec<RouteSpec>,
}

/// Requests that take longer than this are cut off (except streamed uploads).
fn timeout() -> tower_http::timeout::TimeoutLayer {
    tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        crate::REQUEST_TIMEOUT,
    )
}

fn filter(method: &str) -> MethodFilter {
    match method {
        "GET" => MethodFilter::GET,
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "PATCH" => MethodFilter::PATCH,
        "DELETE" => MethodFilter::DELETE,
        "OPTIONS" => MethodFilter::OPTIONS,
        other => panic!("unsupported method {other} in route table"),
    }
}

impl Api {
    pub fn new() -> Self {
        Api { router: Router::new(), specs: Vec::new() }
    }

    /// Registers `METHOD path` performing `action`.
    pub fn route<H, T>(
        mut self,
        method: &'static str,
        path: &'static str,
        action: Action,
        summary: &'static str,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let body = match method {
            "POST" | "PUT" | "PATCH" => Some("application/json"),
            _ => None,
        };
        self.specs.push(RouteSpec { method, path, action, summary, body });
        let mr: axum::routing::MethodRouter<AppState> = on(filter(method), handler).layer(timeout());
        self.router = self.router.route(path, mr.layer(Extension(Declared(action))));
        self
    }

    /// A route whose body is streamed (file uploads): no body limit beyond
    /// the drive's quota and no request timeout, since a large upload on a
    /// slow line legitimately takes long. `media` is the body's type.
    pub fn route_streaming<H, T>(
        mut self,
        method: &'static str,
        path: &'static str,
        action: Action,
        summary: &'static str,
        media: &'static str,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.specs.push(RouteSpec { method, path, action, summary, body: Some(media) });
        let mr: axum::routing::MethodRouter<AppState> =
            on(filter(method), handler).layer(axum::extract::DefaultBodyLimit::disable());
        self.router = self.router.route(path, mr.layer(Extension(Declared(action))));
        self
    }

    /// Like [`Api::route`] with a body limit other than the default 1 MiB.
    pub fn route_limited<H, T>(
        mut self,
        method: &'static str,
        path: &'static str,
        action: Action,
        summary: &'static str,
        limit: usize,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.specs.push(RouteSpec { method, path, action, summary, body: Some("application/json") });
        let mr: axum::routing::MethodRouter<AppState> =
            on(filter(method), handler).layer(axum::extract::DefaultBodyLimit::max(limit));
        let mr: axum::routing::MethodRouter<AppState> = mr.layer(timeout());
        let mr = mr.layer(Extension(Declared(action)));
        self.router = self.router.route(path, mr);
        self
    }

    /// Overrides the body media type of the last registered route.
    pub fn body(mut self, media: &'static str) -> Self {
        if let Some(s) = self.specs.last_mut() {
            s.body = Some(media);
        }
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteSpec>) {
        (self.router, self.specs)
    }
}

impl Default for Api {
    fn default() -> Self {
        Self::new()
    }
}

/// OpenAPI 3.1 from the route table; `x-suveren-action` names each
/// operation's action so reviewers can audit the table in one place.
pub fn openapi(specs: &[RouteSpec]) -> Value {
    let mut paths = Map::new();
    for s in specs {
        let params: Vec<Value> = s
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|x| x.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let public = s.action.class() == ActionClass::Public;
        let mut op = json!({
            "operationId": format!("{}_{}", s.method.to_lowercase(), s.path.trim_start_matches('/').replace(['/', '{', '}', '-'], "_")),
            "summary": s.summary,
            "x-suveren-action": s.action.name(),
            "parameters": params,
            "responses": {
                "200": {"description": "Success", "content": {"application/json": {}}},
                "4XX": {"description": "Refused; the body says why", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
            },
        });
        if !public {
            op["security"] = json!([{"session": []}, {"appPassword": []}]);
        }
        if let Some(media) = s.body {
            op["requestBody"] = json!({"required": true, "content": {media: {}}});
        }
        let item = paths.entry(s.path.to_string()).or_insert_with(|| json!({}));
        item[s.method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Suveren API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Every operation passes the policy gate; refusals are RFC 9457 problem documents."},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": crate::extract::COOKIE},
                "appPassword": {"type": "http", "scheme": "basic"}
            },
            "schemas": {"Problem": {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
                "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                "detail": {"type": "string"}, "rule": {"type": "string"}, "code": {"type": "string"}}}}
        }
    })
}
