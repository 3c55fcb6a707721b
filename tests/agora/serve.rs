//! `agora serve` end to end, without a browser: the real binary on a free port, its JSON API,
//! a bad setting refused with the validator's message, a run streamed step by step, and the
//! CSV and scenario downloads checked against `agora run` of the scenario, byte for byte.
//! (The page itself is tested in Chromium by `tests/browser/classroom.mjs`, run by `.ci/run`.)

use crate::common::{agora, root};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_agora"))
        .current_dir(root())
        .args(["serve", "scenarios/showcase.toml", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting agora serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(30)).expect("agora serve printed no address within 30 s");
    let url = line.trim();
    let port = url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|r| r.strip_suffix('/'))
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("agora serve printed `{url}`, not http://127.0.0.1:PORT/"));
    Server { child, addr: SocketAddr::from(([127, 0, 0, 1], port)) }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

/// Reads the status line and headers of an HTTP/1.1 response.
fn read_head(r: &mut impl BufRead) -> (u16, Vec<(String, String)>) {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status =
        line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("status line `{line}`"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    (status, headers)
}

/// One chunk of a chunked body (`None` at the end).
fn read_chunk(r: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let size = usize::from_str_radix(line.trim().split(';').next()?, 16).ok()?;
    let mut data = vec![0; size + 2];
    r.read_exact(&mut data).ok()?;
    data.truncate(size);
    (size > 0).then_some(data)
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s
}

fn request(addr: SocketAddr, method: &str, path: &str, content_type: Option<&str>, body: &[u8]) -> Response {
    let mut s = connect(addr);
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if let Some(t) = content_type {
        head.push_str(&format!("Content-Type: {t}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut r = BufReader::new(s);
    let (status, headers) = read_head(&mut r);
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let mut body = Vec::new();
    if chunked {
        while let Some(c) = read_chunk(&mut r) {
            body.extend(c);
        }
    } else {
        r.read_to_end(&mut body).unwrap();
    }
    Response { status, headers, body }
}

fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, "GET", path, None, b"")
}

fn post(addr: SocketAddr, path: &str, body: &Value) -> Response {
    request(addr, "POST", path, Some("application/json"), body.to_string().as_bytes())
}

/// An open event stream.
struct Events {
    reader: BufReader<TcpStream>,
    buffer: String,
    headers: Vec<(String, String)>,
}

impl Events {
    fn open(addr: SocketAddr, id: &str) -> Events {
        let mut s = connect(addr);
        write!(s, "GET /api/runs/{id}/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n").unwrap();
        let mut reader = BufReader::new(s);
        let (status, headers) = read_head(&mut reader);
        assert_eq!(status, 200, "GET events of {id}");
        Events { reader, buffer: String::new(), headers }
    }

    /// The next event that is not a comment: (type, data).
    fn next(&mut self) -> (String, String) {
        loop {
            if let Some(i) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..i + 2).collect();
                let mut event = "message".to_string();
                let mut data = Vec::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v).to_string());
                    }
                }
                if !data.is_empty() {
                    return (event, data.join("\n"));
                }
                continue;
            }
            let chunk = read_chunk(&mut self.reader).expect("the event stream ended");
            self.buffer.push_str(&String::from_utf8(chunk).unwrap());
        }
    }

    fn step(&mut self) -> Value {
        let (event, data) = self.next();
        assert_eq!(event, "step", "{data}");
        serde_json::from_str(&data).unwrap()
    }
}

/// The value of `metric` for `label` in a step event, read from its text with Rust's exact
/// float parser (serde_json's default one may miss the last digit), `None` for `null`.
fn sent_value(data: &str, label: &str, metric: &str) -> Option<f64> {
    let entry = &data[data.find(&format!("\"{label}\":{{")).unwrap_or_else(|| panic!("no {label} in {data}"))..];
    let entry = &entry[..entry.find('}').unwrap()];
    let at =
        entry.find(&format!("\"{metric}\":")).unwrap_or_else(|| panic!("no {metric} in {entry}")) + metric.len() + 3;
    let text = entry[at..].split([',', '}']).next().unwrap();
    (text != "null").then(|| text.parse().unwrap_or_else(|_| panic!("`{text}` is not a number")))
}

/// `agora run` of `toml`: its `timeseries.csv`.
fn agora_run(toml: &str) -> Vec<u8> {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("run.toml");
    std::fs::write(&file, toml).unwrap();
    let out = work.path().join("out");
    agora().arg("run").arg(&file).arg("--out").arg(&out).arg("-q").assert().success();
    std::fs::read(out.join("timeseries.csv")).unwrap()
}

/// The CSV's value of `metric` for `regime` at `step` (`None` for an empty cell).
fn cell(csv: &str, regime: &str, step: u64, metric: &str) -> Option<f64> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == metric).unwrap();
    let row = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| r[0] == regime && r[2] == step.to_string())
        .unwrap_or_else(|| panic!("no row {regime} {step}"));
    (!row[col].is_empty()).then(|| row[col].parse().unwrap())
}

#[test]
fn serve_answers_refuses_bad_settings_streams_and_reproduces_with_agora_run() {
    let server = start();
    let addr = server.addr;

    // The page and its files, with the security headers.
    let page = get(addr, "/");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page.header("content-security-policy").unwrap().contains("default-src 'none'"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert!(page.text().contains("assets/app.js"));
    let js = get(addr, "/assets/uPlot.iife.min.js");
    assert_eq!((js.status, js.header("content-type")), (200, Some("text/javascript; charset=utf-8")));
    assert_eq!(get(addr, "/assets/../Cargo.toml").status, 404);
    assert_eq!(get(addr, "/assets/nothing.js").status, 404);
    // Another host name is refused (a page elsewhere renaming itself to 127.0.0.1).
    let mut s = connect(addr);
    s.write_all(b"GET /api/config HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n").unwrap();
    let (status, _) = read_head(&mut BufReader::new(s));
    assert_eq!(status, 403);

    // The configuration.
    let config = get(addr, "/api/config");
    assert_eq!((config.status, config.header("content-type")), (200, Some("application/json")));
    let config = config.json();
    assert_eq!(config["scenario"], "showcase");
    let labels: Vec<&str> =
        config["entries"].as_array().unwrap().iter().map(|e| e["label"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        ["autarky", "market", "gift", "mutual_credit", "commons", "commons:planner", "commons:ostrom", "market:quota"]
    );
    let metrics: Vec<&str> =
        config["metrics"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert!(metrics.contains(&"needs_met_p10") && metrics.contains(&"resource_stock"), "{metrics:?}");
    let keys: Vec<&str> = config["controls"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert!(keys.contains(&"population.strategies.free_rider") && keys.contains(&"resource.governance"), "{keys:?}");
    assert_eq!(config["limits"]["max_agents"], 5000);

    // Bad settings: 400 with the validator's message naming the key; the server lives on.
    let key = "population.strategies.free_rider";
    for (settings, bad_key) in [
        (json!({ key: 1.5 }), key),
        (json!({"resource.governance": "whoever"}), "resource.governance"),
        (json!({"run.agents": 1_000_000}), "run.agents"),
        (json!({"run.steps": 0}), "run.steps"),
        (json!({"population.network.kind": "torus"}), "population.network.kind"),
        (json!({"policy.tax.rate": "high"}), "policy.tax.rate"),
    ] {
        let r = post(addr, "/api/runs", &json!({"settings": settings, "seed": 42}));
        assert_eq!(r.status, 400, "{settings}: {}", r.text());
        let body = r.json();
        assert_eq!(body["key"], bad_key, "{body}");
        let message = body["error"].as_str().unwrap();
        assert!(message.contains(bad_key), "the message does not name `{bad_key}`: {message}");
    }
    let r = post(addr, "/api/runs", &json!({"settings": {}, "seed": -1}));
    assert_eq!((r.status, r.json()["key"].as_str()), (400, Some("seed")));
    assert_eq!(request(addr, "POST", "/api/runs", Some("text/plain"), b"{}").status, 415);
    assert_eq!(request(addr, "POST", "/api/runs", Some("application/json"), b"{not json").status, 400);
    let huge = format!("{{\"settings\": {{\"x.y\": \"{}\"}}}}", "a".repeat(100_000));
    assert_eq!(request(addr, "POST", "/api/runs", Some("application/json"), huge.as_bytes()).status, 413);
    assert_eq!(get(addr, "/api/config").status, 200, "the server survived the bad requests");

    // A good run: paused at first, step 0 as soon as the stream opens, then steps on request.
    let settings = json!({key: 0.3, "run.agents": 300, "run.steps": 40, "resource.governance": "quota"});
    let r = post(addr, "/api/runs", &json!({"settings": settings, "seed": 7}));
    assert_eq!(r.status, 200, "{}", r.text());
    let created = r.json();
    assert_eq!(created["seed"], 7);
    let id = created["id"].as_str().unwrap().to_string();
    let mut events = Events::open(addr, &id);
    let sse_header = |k: &str| events.headers.iter().find(|(h, _)| h.eq_ignore_ascii_case(k)).map(|(_, v)| v.clone());
    assert_eq!(sse_header("content-type").as_deref(), Some("text/event-stream"));
    assert_eq!(sse_header("cache-control").as_deref(), Some("no-cache"));
    assert!(sse_header("content-encoding").is_none());
    assert_eq!(Events::open_conflict(addr, &id), 409, "a second stream of one run");
    let (event, first) = events.next();
    assert_eq!(event, "step");
    let parsed: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(parsed["step"], 0);
    assert!(parsed["entries"]["market"]["needs_met_mean"].is_number(), "{first}");
    let control = |body: Value| post(addr, &format!("/api/runs/{id}/control"), &body).status;
    for _ in 0..3 {
        assert_eq!(control(json!({"action": "step"})), 204);
    }
    let mut seen = vec![first];
    for want in 1..=3 {
        let (event, data) = events.next();
        assert_eq!(event, "step");
        assert_eq!(serde_json::from_str::<Value>(&data).unwrap()["step"], want);
        seen.push(data);
    }
    assert_eq!(control(json!({"action": "fly"})), 400);
    assert_eq!(control(json!({"action": "speed", "value": -3})), 400);

    // Paused at step 3: the CSV holds steps 0-3, equal to what the stream sent, and the TOML
    // reproduces it with `agora run`, byte for byte.
    std::thread::sleep(Duration::from_millis(200));
    let csv = get(addr, &format!("/api/runs/{id}/csv"));
    assert_eq!((csv.status, csv.header("content-type")), (200, Some("text/csv; charset=utf-8")));
    let csv_text = csv.text();
    assert_eq!(csv_text.lines().count(), 1 + 8 * 4, "header and steps 0-3 of eight entries:\n{csv_text}");
    for (step, raw) in seen.iter().enumerate() {
        for label in &labels {
            for m in &metrics {
                let sent = sent_value(raw, label, m);
                assert_eq!(sent, cell(&csv_text, label, step as u64, m), "{label} {m} at step {step}");
            }
        }
    }
    let toml = get(addr, &format!("/api/runs/{id}/toml"));
    assert_eq!(toml.status, 200);
    let toml_text = toml.text();
    assert!(toml_text.contains("steps = 3"), "{toml_text}");
    assert_eq!(agora_run(&toml_text), csv.body, "agora run of the TOML at step 3 writes another CSV");

    // As fast as it goes to the end: the rest of the steps, then `done`.
    assert_eq!(control(json!({"action": "speed", "value": 0})), 204);
    assert_eq!(control(json!({"action": "resume"})), 204);
    for want in 4..=40 {
        assert_eq!(events.step()["step"], want);
    }
    let (event, data) = events.next();
    assert_eq!((event.as_str(), data.as_str()), ("done", "{\"steps\":40}"));
    let csv = get(addr, &format!("/api/runs/{id}/csv")).body;
    let toml_text = get(addr, &format!("/api/runs/{id}/toml")).text();
    assert_eq!(agora_run(&toml_text), csv, "agora run of the TOML at the end writes another CSV");
    drop(events);

    // Deleted, it is gone.
    assert_eq!(request(addr, "DELETE", &format!("/api/runs/{id}"), None, b"").status, 204);
    assert_eq!(get(addr, &format!("/api/runs/{id}/csv")).status, 404);

    // Closing the stream stops the run.
    let small = json!({"settings": {"run.agents": 100, "run.steps": 2000}, "seed": 1});
    let id = post(addr, "/api/runs", &small).json()["id"].as_str().unwrap().to_string();
    let mut events = Events::open(addr, &id);
    assert_eq!(post(addr, &format!("/api/runs/{id}/control"), &json!({"action": "speed", "value": 50})).status, 204);
    assert_eq!(post(addr, &format!("/api/runs/{id}/control"), &json!({"action": "resume"})).status, 204);
    for _ in 0..3 {
        events.step();
    }
    drop(events);
    std::thread::sleep(Duration::from_millis(1000));
    let rows = |id: &str| get(addr, &format!("/api/runs/{id}/csv")).text().lines().count();
    let after_close = rows(&id);
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(rows(&id), after_close, "the run went on after its stream closed");
    assert!(after_close < 1 + 5 * 200, "{after_close} rows");

    // Beyond the limit of live runs, 503 with a message; deleting them frees the places.
    let mut ids = Vec::new();
    let started = Instant::now();
    let refusal = loop {
        let r = post(addr, "/api/runs", &json!({"settings": {"run.agents": 20, "run.steps": 5}}));
        if r.status != 200 {
            break r;
        }
        ids.push(r.json()["id"].as_str().unwrap().to_string());
        assert!(ids.len() <= 32 && started.elapsed() < Duration::from_secs(60), "no limit on live runs");
    };
    assert_eq!(refusal.status, 503);
    assert!(refusal.json()["error"].as_str().unwrap().contains("32"));
    assert_eq!(ids.len(), 32);
    for id in &ids {
        assert_eq!(request(addr, "DELETE", &format!("/api/runs/{id}"), None, b"").status, 204);
    }
    assert_eq!(post(addr, "/api/runs", &json!({"settings": {"run.agents": 20}})).status, 200);
}

impl Events {
    /// The status of a second attempt to open the stream of `id`.
    fn open_conflict(addr: SocketAddr, id: &str) -> u16 {
        let mut s = connect(addr);
        write!(s, "GET /api/runs/{id}/events HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
        read_head(&mut BufReader::new(s)).0
    }
}
