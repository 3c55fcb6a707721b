//! The integration tests, in one binary (one link step instead of one per file): the real
//! `agora` binary end to end, and the library on scenarios in `tests/data/`.

mod barter;
mod by_name;
mod check;
mod cli;
mod common;
mod commons;
mod compare;
mod defects;
mod formats;
mod generated;
mod gift;
mod governance;
mod library;
mod limits;
mod market;
mod mechanisms;
mod mutual_credit;
mod options;
mod plots;
mod random_scenarios;
mod record_every;
mod registry;
mod reliability;
mod report_browser;
mod scenario_input;
mod serve;
mod sweep;
mod tidy;
mod work;
