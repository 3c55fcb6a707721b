//! `agora serve`: the classroom page ([`agora::serve`]).

use crate::args::ServeArgs;
use agora::error::Result;
use std::path::PathBuf;

/// Starts the classroom server and prints its address (and, unless `quiet`, what it serves);
/// answers until interrupted.
pub fn serve(args: &ServeArgs, quiet: bool) -> Result<()> {
    let (port, host) = (args.port, args.host);
    // In a source checkout the file, anywhere else the bundled copy (`scenario::read`), never
    // the folder the binary was built in.
    let scenario = args.scenario.clone().unwrap_or_else(|| PathBuf::from("scenarios/showcase.toml"));
    let options =
        agora::serve::Options { scenario: scenario.clone(), host, port, limits: agora::serve::Limits::default() };
    let server = agora::serve::Server::bind(&options)?;
    let plan = server.plan();
    // What was read: `<bundled>/showcase.toml` when no such file is here.
    let scenario = plan.path.clone().unwrap_or(scenario);
    // The served file's warnings, as `agora run` and `agora validate` give them.
    crate::print::warn(plan, quiet);
    if !quiet {
        if plan.output.record_every != 1 {
            eprintln!(
                "warning: {}: key `output.record_every` acts on nothing here: the classroom page streams and records every step",
                scenario.display()
            );
        }
        eprintln!(
            "serving {} ({}: {}); press Ctrl-C to stop",
            scenario.display(),
            plan.name,
            plan.entries.iter().map(|e| e.label.as_str()).collect::<Vec<_>>().join(", ")
        );
        if host.is_unspecified() {
            eprintln!(
                "listening on every network interface: other computers open http://<this computer's address>:{}/",
                server.addr().port()
            );
        }
    }
    println!("{}", server.url());
    server.run()
}
