//! `agora serve`: the classroom page. A small HTTP server (axum on tokio) serves one page and
//! its files from the binary, and runs a scenario live for each open tab: the page's settings
//! are laid over the scenario and checked by its validator, the run's worlds are built and
//! stepped by the engine exactly as `agora run` builds and steps replicate 0, and each step's
//! metrics stream to the page as Server-Sent Events. A run's `timeseries.csv` so far, and the
//! scenario file that reproduces it with `agora run`, can be downloaded at any time.
//!
//! Threads: the HTTP side runs on two tokio worker threads; each run has a thread of its own,
//! which waits for the page's commands and paces the steps, and steps its worlds on rayon's
//! pool, so simulations never hold up an answer. The server bounds the agents, steps and
//! live runs it accepts ([`Limits`]) and forgets ended runs after a while.
//!
//! This module prints nothing: the CLI prints the address.

pub mod api;
pub mod run;
pub mod scenario;

use crate::error::{Error, InputError, Result};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The port `agora serve` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8640;

/// What the server accepts and how long it keeps what it no longer runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Most agents in a run.
    pub max_agents: u64,
    /// Most steps in a run.
    pub max_steps: u64,
    /// Most links per agent in a network (a network's memory grows with agents times links).
    pub max_degree: u64,
    /// Most runs live at once (one per open tab, usually); beyond it a new run gets 503.
    pub max_runs: usize,
    /// Ended runs (finished, stopped, failed) are kept this long for their downloads.
    pub keep_ended: Duration,
    /// Most ended runs kept; the oldest go first.
    pub max_kept: usize,
    /// A run whose event stream nobody opens within this time is stopped.
    pub unopened: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_agents: 5000,
            max_steps: 2000,
            max_degree: 100,
            max_runs: 32,
            keep_ended: Duration::from_secs(3600),
            max_kept: 64,
            unopened: Duration::from_secs(60),
        }
    }
}

/// How to start the server.
#[derive(Debug, Clone)]
pub struct Options {
    /// The scenario file served.
    pub scenario: PathBuf,
    /// The address to listen on.
    pub host: IpAddr,
    /// The port (0 = any free port).
    pub port: u16,
    /// What it accepts.
    pub limits: Limits,
}

/// A server bound to its address, not yet answering.
pub struct Server {
    runtime: tokio::runtime::Runtime,
    listener: tokio::net::TcpListener,
    app: Arc<api::App>,
    addr: SocketAddr,
}

impl Server {
    /// Reads and checks the scenario, then binds the address. A bad scenario or an address
    /// that cannot be had is an input error.
    pub fn bind(options: &Options) -> Result<Server> {
        let served = scenario::Served::load(&options.scenario, options.limits)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("agora-http")
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| Error::io("starting the HTTP server's threads", e))?;
        let wanted = SocketAddr::new(options.host, options.port);
        let cannot = |e: std::io::Error| -> Error {
            InputError::at("--port", format!("cannot listen on {wanted}: {e}"))
                .help("choose another port with --port, or --port 0 for any free one")
                .into()
        };
        let std_listener = std::net::TcpListener::bind(wanted).map_err(cannot)?;
        std_listener.set_nonblocking(true).map_err(cannot)?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener).map_err(cannot)?
        };
        let addr = listener.local_addr().map_err(cannot)?;
        let app = Arc::new(api::App::new(served, options.host.is_loopback()));
        Ok(Server { runtime, listener, app, addr })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's address on this computer: `http://127.0.0.1:PORT/` when listening on every
    /// interface or on loopback.
    pub fn url(&self) -> String {
        let ip = self.addr.ip();
        match ip {
            ip if ip.is_unspecified() || ip == IpAddr::V4(Ipv4Addr::LOCALHOST) => {
                format!("http://127.0.0.1:{}/", self.addr.port())
            }
            IpAddr::V6(v6) => format!("http://[{v6}]:{}/", self.addr.port()),
            IpAddr::V4(v4) => format!("http://{v4}:{}/", self.addr.port()),
        }
    }

    /// The scenario served, planned as written.
    pub fn plan(&self) -> &crate::plan::Plan {
        &self.app.served.plan
    }

    /// Answers requests until the process ends.
    pub fn run(self) -> Result<()> {
        let Server { runtime, listener, app, .. } = self;
        runtime.block_on(async move {
            let sweeper = app.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(5));
                loop {
                    every.tick().await;
                    sweeper.runs.sweep();
                }
            });
            axum::serve(listener, api::router(app)).await.map_err(|e| Error::io("serving HTTP", e))
        })
    }
}
