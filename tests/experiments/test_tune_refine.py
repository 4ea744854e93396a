"""Coarse to fine: ``cnnlab tune --refine`` narrows an earlier study's ranges around its
best trials and searches them in a new study."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnnlab.errors import ConfigError
from cnnlab.experiments.space import read_space
from cnnlab.experiments.trials import read_csv
from cnnlab.experiments.tune import refined, tune

SPACE = """model = "lenet5"
data = "digits"
per_class = 10
epochs = 1
tensorboard = false

[lr]
low = 1e-4
high = 1e-1
log = true

[batch_size]
choices = [16, 32, 64, 128]

[weight_decay]
low = 0.0
high = 0.01
"""

TRIALS = """number,state,value,epochs,retry_of,lr,batch_size,weight_decay
0,COMPLETE,0.5,1,,0.0001,16,0.009
1,COMPLETE,0.95,1,,0.001,32,0.002
2,FAIL,,0,,0.09,128,0.001
3,COMPLETE,0.6,1,,0.05,128,0.0
4,COMPLETE,0.93,1,,0.01,64,0.004
5,COMPLETE,0.7,1,,0.0002,16,0.008
6,COMPLETE,0.2,1,,0.09,128,0.01
7,PRUNED,0.1,1,,0.08,16,0.005
8,COMPLETE,0.8,1,,0.03,16,0.006
9,COMPLETE,0.85,1,,0.0003,128,0.001
"""


def study_folder(tmp_path: Path, trials: str = TRIALS) -> Path:
    folder = tmp_path / "coarse"
    folder.mkdir()
    (folder / "space.toml").write_text(SPACE)
    (folder / "trials.csv").write_text(trials)
    return folder


def test_ranges_narrow_to_the_best_quarter_widened_a_tenth(tmp_path: Path) -> None:
    space = refined(study_folder(tmp_path))
    # 8 complete trials: the best quarter is trials 1 (0.95) and 4 (0.93)
    assert space.searched["lr"] == {
        "low": 0.000794328,  # 1e-3 / 10**0.1: a tenth of the decade on the log scale
        "high": 0.0125893,  # 1e-2 * 10**0.1
        "log": True,
    }
    assert space.searched["batch_size"] == {"choices": [32, 64]}
    assert space.searched["weight_decay"] == {"low": 0.0018, "high": 0.0042}
    assert space.fixed == read_space(tmp_path / "coarse" / "space.toml").fixed


def test_a_field_left_with_one_value_becomes_fixed(tmp_path: Path) -> None:
    trials = TRIALS.replace("0.01,64,0.004", "0.01,32,0.004")
    space = refined(study_folder(tmp_path, trials))
    assert space.fixed["batch_size"] == 32 and "batch_size" not in space.searched


def test_refining_needs_a_study_with_two_complete_trials(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no space.toml there"):
        refined(tmp_path)
    one = "\n".join(TRIALS.splitlines()[:2]) + "\n"
    with pytest.raises(ConfigError, match="at least 2 complete trials, found 1"):
        refined(study_folder(tmp_path, one))


@pytest.mark.slow  # six tiny trials in two studies
def test_refined_study_searches_inside_the_narrowed_space(tmp_path: Path) -> None:
    space = tmp_path / "space.toml"
    space.write_text(SPACE)
    tune(space, 4, tmp_path / "coarse", sampler="random")
    fine = tune(None, 2, tmp_path / "fine", sampler="random", refine=tmp_path / "coarse")
    narrowed = read_space(fine.space)
    for name, spec in narrowed.searched.items():
        if "choices" not in spec:
            wide = read_space(space).searched[name]
            assert wide["low"] <= spec["low"] < spec["high"] <= wide["high"]
            assert spec["high"] - spec["low"] < wide["high"] - wide["low"]
    for row in read_csv(tmp_path / "fine" / "trials.csv"):
        assert narrowed.searched["lr"]["low"] <= float(row["lr"]) <= narrowed.searched["lr"]["high"]
    again = tune(None, 2, tmp_path / "fine", sampler="random", refine=tmp_path / "coarse")
    assert again.completed == 2  # the same command resumes the refined study
