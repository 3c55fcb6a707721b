"""The agora-sim package against the agora command (AGORA_BIN: the release binary of the same
source): the same tables for the same scenario and seed, the same refusals, progress, Ctrl-C."""

import os
import signal
import subprocess
import threading
import time

import pandas as pd
import pyarrow as pa
import pytest

import agora_sim

SMALL = dict(agents=80, steps=20, replicates=3, seed=7, warmup=5)
FLAGS = ["--agents", "80", "--steps", "20", "--replicates", "3", "--seed", "7", "--warmup", "5"]
# pandas 3 reads floats exactly by default (and deprecates the option); earlier ones need it.
EXACT = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


@pytest.fixture(autouse=True)
def in_an_empty_folder(tmp_path, monkeypatch):
    """Every test runs where no scenario file is: names are the bundled scenarios."""
    monkeypatch.chdir(tmp_path)


def cli(cwd, *args):
    agora = os.environ.get("AGORA_BIN")
    assert agora, "set AGORA_BIN to the agora binary built from the same source"
    return subprocess.run([agora, *args], cwd=cwd, capture_output=True, text=True)


def test_tables_equal_the_files_of_agora_run(tmp_path):
    r = agora_sim.run("showcase", progress=False, **SMALL)
    assert list(tmp_path.iterdir()) == [], "a Python run writes no file"
    p = cli(tmp_path, "run", "showcase", *FLAGS, "-q")
    assert p.returncode == 0, p.stderr
    out = tmp_path / "output" / "showcase"
    for name in ["timeseries", "summary", "comparison"]:
        expected = pd.read_csv(out / f"{name}.csv", **EXACT)
        pd.testing.assert_frame_equal(getattr(r, name), expected, obj=name)
    assert sorted(r.agents) == [20]
    expected = pd.read_csv(out / "agents_step20.csv", **EXACT)
    pd.testing.assert_frame_equal(r.agents[20], expected, obj="agents_step20")
    assert r.resolved_toml == (out / "scenario.resolved.toml").read_text()
    assert r.name == "showcase" and r.scenario_file == "<bundled>/showcase.toml"
    assert r.agent_steps == 8 * 3 * 20 * 80 and r.seconds > 0
    # Typed columns over Arrow, not text.
    t = r.to_arrow("timeseries")
    assert t.schema.field("step").type == pa.int64()
    assert t.schema.field("regime").type == pa.string()
    assert t.schema.field("needs_met_mean").type == pa.float64()


def test_a_refused_setting_raises_the_message_of_agora_run(tmp_path):
    with pytest.raises(agora_sim.ScenarioError) as raised:
        agora_sim.run("showcase", agents=1, progress=False)
    assert isinstance(raised.value, ValueError)
    p = cli(tmp_path, "run", "showcase", "--agents", "1")
    assert p.returncode == 2
    assert "error: " + str(raised.value) + "\n" == p.stderr
    assert "<bundled>/showcase.toml:" in str(raised.value) and "--agents" in str(raised.value)


def test_an_unknown_scenario_names_the_bundled_ones():
    with pytest.raises(agora_sim.ScenarioError, match="did you mean `showcase`"):
        agora_sim.run("showcas", progress=False)
    names = agora_sim.bundled()
    assert "showcase" in names and "validation/kinetic" in names


def test_a_file_runs_and_its_warnings_are_python_warnings(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text('name = "mine"\nregimes = ["autarky"]\n[run]\nagents = 30\nsteps = 10\nreplicates = 2\nwarmup = 2\n'
                 '[market]\ninitial_money = 5\n')
    with pytest.warns(agora_sim.AgoraWarning, match="market"):
        r = agora_sim.run(f, progress=False)
    assert r.comparison is None and len(r.summary) > 0
    with pytest.raises(KeyError):
        r.to_arrow("comparison")


def test_progress_reaches_the_total():
    calls = []
    agora_sim.run("tragedy", agents=60, steps=30, replicates=2, warmup=5, progress=lambda d, t: calls.append((d, t)))
    assert calls, "progress was never called"
    done = [d for d, _ in calls]
    assert done == sorted(done) and calls[-1][0] == calls[-1][1] > 0


def test_ctrl_c_stops_a_long_run():
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            # The full showcase: minutes of work.
            agora_sim.run("showcase", threads=1, progress=False)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 30


def test_parquet_files_read_back_as_the_package_s_tables(tmp_path):
    import json

    import pyarrow.parquet as pq

    f = tmp_path / "pq.toml"
    f.write_text('name = "pq"\nregimes = ["autarky", "gift"]\n[run]\nagents = 50\nsteps = 10\nreplicates = 2\n'
                 'warmup = 2\n[output]\nplots = false\nreport = false\nformat = ["csv", "parquet"]\n')
    p = cli(tmp_path, "run", str(f), "-q", "--out", "out")
    assert p.returncode == 0, p.stderr
    r = agora_sim.run(f, progress=False)
    for name in ["timeseries", "summary", "comparison"]:
        table = pq.read_table(tmp_path / "out" / f"{name}.parquet")
        pd.testing.assert_frame_equal(table.to_pandas(), getattr(r, name), obj=name)
    ts = pq.read_table(tmp_path / "out" / "timeseries.parquet")
    assert ts.schema.field("needs_met_mean").metadata[b"unit"] == b"share"
    assert r.to_arrow("timeseries").schema.field("needs_met_mean").metadata[b"unit"] == b"share"
    units = json.loads(pq.read_table(tmp_path / "out" / "summary.parquet").schema.metadata[b"agora:units"])
    assert units["needs_met_mean"] == "share"


def test_a_sweep_gives_the_tables_of_agora_sweep_and_resumes(tmp_path):
    size = dict(agents=40, steps=8, replicates=2, warmup=2)
    flags = ["--agents", "40", "--steps", "8", "--replicates", "2", "--warmup", "2"]
    s = agora_sim.sweep("robustness", out=tmp_path / "py", progress=False, **size)
    p = cli(tmp_path, "sweep", "robustness", *flags, "-q", "--out", "cli")
    assert p.returncode == 0, p.stderr
    pd.testing.assert_frame_equal(s.table, pd.read_csv(tmp_path / "cli" / "sweep.csv", **EXACT))
    pd.testing.assert_frame_equal(s.sensitivity, pd.read_csv(tmp_path / "cli" / "sensitivity.csv", **EXACT))
    assert s.points == 100 and s.ran == s.runs > 0 and s.reused == 0
    again = agora_sim.sweep("robustness", out=tmp_path / "py", progress=False, **size)
    assert again.ran == 0 and again.reused == s.runs
    pd.testing.assert_frame_equal(again.table, s.table)
    with pytest.raises(agora_sim.ScenarioError, match="no `\\[sweep\\]` table"):
        agora_sim.sweep("showcase", out=tmp_path / "none", progress=False)
