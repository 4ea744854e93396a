"""`cnnlab train --adversarial ...` from the shell: bad values are one line, nothing made."""

from __future__ import annotations

import pytest

from conftest import run_cli_here


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--adversarial", "trades"], "unknown adversarial 'trades'"),
        (["--adversarial", "pgd", "--adv-eps", "1.5"], "adv_eps must be in [0, 1], found 1.5"),
        (["--adversarial", "pgd", "--adv-steps", "0"], "adv_steps must be an integer in [1, 1000]"),
    ],
)
def test_bad_adversarial_training_options_exit_2_in_one_line_and_make_no_run(
    tmp_path, option, message
):
    result = run_cli_here(
        "train", "lenet5", "--data", "digits", *option, "--out", str(tmp_path / "run")
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()
