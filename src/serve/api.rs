//! The HTTP side of the classroom server: the page and its files, the JSON API, the event
//! streams, and the headers every answer carries.

use super::run::{Busy, Command, Item, Runs};
use super::scenario::{Refusal, Served};
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value as Json};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// Largest request body accepted (a page posts a few settings).
pub const MAX_BODY: usize = 16 * 1024;

/// Most settings one request may carry.
const MAX_SETTINGS: usize = 64;

/// Keep-alive comments on idle event streams, so that a closed tab is noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// The page loads nothing from elsewhere, runs no inline code and cannot be framed.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The page's files, compiled into the binary: (name, content type, bytes).
static ASSETS: &[(&str, &str, &[u8])] = &[
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/serve/app.js")),
    ("style.css", "text/css; charset=utf-8", include_bytes!("../../assets/serve/style.css")),
    ("uPlot.iife.min.js", "text/javascript; charset=utf-8", include_bytes!("../../assets/serve/uPlot.iife.min.js")),
    ("uPlot.min.css", "text/css; charset=utf-8", include_bytes!("../../assets/serve/uPlot.min.css")),
    ("uPlot-LICENSE.txt", "text/plain; charset=utf-8", include_bytes!("../../assets/serve/uPlot-LICENSE.txt")),
];

static INDEX: &[u8] = include_bytes!("../../assets/serve/index.html");

/// What every handler shares.
pub struct App {
    /// The scenario being served.
    pub served: Served,
    /// The runs.
    pub runs: Runs,
    /// `GET /api/config`, made once.
    config: Vec<u8>,
    /// The charted metrics' names.
    metrics: Vec<&'static str>,
    /// Whether only loopback host names are answered (the server listens on loopback only).
    loopback_only: bool,
}

impl App {
    /// The application for `served`.
    pub fn new(served: Served, loopback_only: bool) -> App {
        let config = served.config_json().to_string().into_bytes();
        let metrics = served.charted().iter().map(|m| m.name).collect();
        let runs = Runs::new(served.limits);
        App { served, runs, config, metrics, loopback_only }
    }
}

/// The routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/assets/{name}", get(asset))
        .route("/api/config", get(config))
        .route("/api/runs", axum::routing::post(create))
        .route("/api/runs/{id}", axum::routing::delete(remove))
        .route("/api/runs/{id}/events", get(events))
        .route("/api/runs/{id}/control", axum::routing::post(control))
        .route("/api/runs/{id}/csv", get(csv))
        .route("/api/runs/{id}/toml", get(toml))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Refuses host names other than loopback ones when listening on loopback (a web page
/// elsewhere cannot reach the server by renaming itself to 127.0.0.1), and adds the security
/// headers to every answer.
async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    if app.loopback_only {
        let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        if !is_loopback_host(host) {
            let message = format!("this server answers to http://127.0.0.1/ only, not to host `{host}`");
            return with_headers(error(StatusCode::FORBIDDEN, &message, None));
        }
    }
    with_headers(next.run(request).await)
}

fn with_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-cache"));
    r
}

/// `127.0.0.1`, `localhost` or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = if host.starts_with('[') {
        host.split_once(']').map_or(host, |(h, _)| &h[1..])
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn bytes(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn json_response(status: StatusCode, value: &Json) -> Response {
    bytes(status, "application/json", value.to_string())
}

/// `{error, key}`.
fn error(status: StatusCode, message: &str, key: Option<&str>) -> Response {
    let mut v = json!({ "error": message });
    if let Some(k) = key {
        v["key"] = Json::String(k.to_string());
    }
    json_response(status, &v)
}

fn refused(r: Refusal) -> Response {
    error(StatusCode::BAD_REQUEST, &r.message, r.key.as_deref())
}

fn no_run(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("no run `{id}`: it was deleted, or ended long ago (reload the page to start a new one)"),
        None,
    )
}

async fn index() -> Response {
    bytes(StatusCode::OK, "text/html; charset=utf-8", INDEX)
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, ty, data)) => bytes(StatusCode::OK, ty, *data),
        None => not_found_text(),
    }
}

fn not_found_text() -> Response {
    bytes(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", "not found\n")
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        error(StatusCode::NOT_FOUND, &format!("no such API: {method} {}", uri.path()), None)
    } else {
        not_found_text()
    }
}

async fn config(State(app): State<Arc<App>>) -> Response {
    bytes(StatusCode::OK, "application/json", app.config.clone())
}

/// The JSON body of a request, or the status and message refusing it.
fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Json, (StatusCode, String)> {
    let ty = headers.get(header::CONTENT_TYPE).and_then(|t| t.to_str().ok()).unwrap_or("");
    // Other types are refused so that a form on another site cannot post here.
    if !ty.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")) {
        return Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, "send JSON, with Content-Type: application/json".into()));
    }
    serde_json::from_slice(body).map_err(|e| (StatusCode::BAD_REQUEST, format!("the request is not valid JSON: {e}")))
}

/// `POST /api/runs {settings, seed}`: a new run, paused, or the validator's refusal.
async fn create(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let request = match json_body(&headers, &body) {
        Ok(v) => v,
        Err((status, message)) => return error(status, &message, None),
    };
    let settings: Vec<(String, Json)> = match request.get("settings") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Object(m)) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Some(_) => {
            return error(StatusCode::BAD_REQUEST, "`settings` must be an object of dotted keys", Some("settings"))
        }
    };
    if settings.len() > MAX_SETTINGS {
        return error(StatusCode::BAD_REQUEST, &format!("at most {MAX_SETTINGS} settings at once"), Some("settings"));
    }
    let seed = match request.get("seed") {
        None | Some(Json::Null) => app.served.plan.run.seed,
        Some(v) => match v.as_u64() {
            Some(s) => s,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("key `seed`: must be a whole number, 0 or more (got {v})"),
                    Some("seed"),
                )
            }
        },
    };
    let served = &app.served;
    let planned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| served.plan_run(&settings, seed)));
    let plan = match planned {
        Ok(Ok(p)) => p,
        Ok(Err(r)) => return refused(r),
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal error while checking the settings", None),
    };
    match app.runs.start(plan, seed) {
        Ok(run) => json_response(StatusCode::OK, &json!({"id": run.id, "seed": run.seed})),
        Err(Busy::Full(n)) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("the server is running {n} runs, as many as it allows; close a tab or try again when a run has finished"),
            None,
        ),
        Err(Busy::Thread(e)) => error(StatusCode::SERVICE_UNAVAILABLE, &format!("cannot start a run now: {e}"), None),
    }
}

/// `GET /api/runs/{id}/events`: the run's steps as Server-Sent Events.
async fn events(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let Some(run) = app.runs.get(&id) else { return no_run(&id) };
    let Some(feed) = run.open_stream(&app.metrics) else {
        return error(StatusCode::CONFLICT, &format!("run `{id}` already has an open event stream"), None);
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let event = match feed.next().await? {
            Item::Step(data) => Event::default().event("step").data(data),
            Item::Done(data) => Event::default().event("done").data(data),
            Item::Error(data) => Event::default().event("error").data(data),
        };
        Some((Ok::<Event, Infallible>(event), feed))
    });
    let mut r = Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive")).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    r
}

/// `POST /api/runs/{id}/control {action, value}`.
async fn control(State(app): State<Arc<App>>, Path(id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(run) = app.runs.get(&id) else { return no_run(&id) };
    let request = match json_body(&headers, &body) {
        Ok(v) => v,
        Err((status, message)) => return error(status, &message, None),
    };
    let command =
        match request.get("action").and_then(|a| a.as_str()) {
            Some("pause") => Command::Pause,
            Some("resume") => Command::Resume,
            Some("step") => Command::Step,
            Some("speed") => match request.get("value").and_then(|v| v.as_f64()) {
                Some(s) if s.is_finite() && (0.0..=10_000.0).contains(&s) => Command::Speed(s),
                _ => return error(
                    StatusCode::BAD_REQUEST,
                    "key `value`: the speed must be a number of steps per second from 0 (as fast as possible) to 10000",
                    Some("value"),
                ),
            },
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "key `action`: must be one of pause, resume, step, speed",
                    Some("action"),
                )
            }
        };
    run.command(command);
    StatusCode::NO_CONTENT.into_response()
}

fn attachment(mut r: Response, name: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// `GET /api/runs/{id}/csv`: `timeseries.csv` so far.
async fn csv(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let Some(run) = app.runs.get(&id) else { return no_run(&id) };
    match run.csv() {
        Ok(b) => attachment(bytes(StatusCode::OK, "text/csv; charset=utf-8", b), &format!("agora-{id}-timeseries.csv")),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string(), None),
    }
}

/// `GET /api/runs/{id}/toml`: the scenario that reproduces the CSV so far.
async fn toml(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let Some(run) = app.runs.get(&id) else { return no_run(&id) };
    let steps = run.shared.lock().recorded.unwrap_or(0);
    if steps == 0 {
        return error(
            StatusCode::CONFLICT,
            "the run has not made a step yet, and a scenario needs at least one: press Step or Start first",
            None,
        );
    }
    match app.served.toml_of(&run.plan, &id, steps) {
        Ok(text) => attachment(
            bytes(StatusCode::OK, "application/toml; charset=utf-8", text),
            &format!("agora-{id}-scenario.toml"),
        ),
        Err(r) => error(StatusCode::INTERNAL_SERVER_ERROR, &r.message, None),
    }
}

/// `DELETE /api/runs/{id}`: stops the run and forgets it.
async fn remove(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    if app.runs.remove(&id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        no_run(&id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in ["127.0.0.1:8640", "localhost:1", "LOCALHOST", "[::1]:80", "127.0.0.1", "127.1.2.3:9"] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in ["example.com", "evil.127.0.0.1.nip.io:8640", "192.168.1.2:8640", "", "[::2]:80"] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn every_asset_of_the_page_is_compiled_in() {
        let html = std::str::from_utf8(INDEX).unwrap();
        for (name, _, data) in ASSETS {
            assert!(!data.is_empty(), "{name} is empty");
        }
        for src in html.split("assets/").skip(1) {
            let name = src.split('"').next().unwrap();
            assert!(ASSETS.iter().any(|(n, _, _)| *n == name), "index.html asks for {name}, which is not served");
        }
    }
}
