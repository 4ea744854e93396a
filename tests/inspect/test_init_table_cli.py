"""`cnnlab inspect init-table`: the slides' table and histograms."""

from __future__ import annotations

from conftest import run_cli_here


def test_init_table_prints_every_scheme_and_layer(tmp_path):
    plot = tmp_path / "init.png"
    args = ["--depth", "3", "--width", "50", "--examples", "200", "--plot", str(plot)]
    result = run_cli_here("inspect", "init-table", *args)
    assert result.returncode == 0, result.stderr
    for header in ("small tanh", "xavier relu", "he relu", "hidden 3"):
        assert header in result.stdout
    assert plot.read_bytes()[:4] == b"\x89PNG"
