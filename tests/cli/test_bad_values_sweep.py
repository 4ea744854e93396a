"""Every command, given bad values, ends in one line on stderr, exit status 2, no traceback.

The sweep runs the real command line in this process (a fresh interpreter per case would
spend minutes importing torch); an uncaught exception fails the test with its traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cnnlab.cli import main

RUN = "{run}"  # replaced by the trained digits run
NO_CONFIG = "{no_config}"  # a folder holding a file, but no config.json
MISSING = "{missing}"  # a path that does not exist
TEXT = "{text}"  # a text file named like an image

BAD = {
    # unknown names
    "train: unknown model": ["train", "lenet6", "--data", "digits"],
    "train: unknown dataset": ["train", "lenet5", "--data", "digitz"],
    "train: unknown optimiser": ["train", "lenet5", "--data", "digits", "--optimizer", "sgdd"],
    "train: unknown augmentation": ["train", "lenet5", "--data", "digits", "--augment", "spin"],
    "train: unknown preprocessing": ["train", "lenet5", "--data", "digits", "--preprocess", "x"],
    "eval: unknown split": ["eval", RUN, "--split", "dev"],
    "eval: unknown tta": ["eval", RUN, "--tta", "spin"],
    "eval: unknown checkpoint": ["eval", RUN, "--checkpoint", "middle"],
    "summary: unknown model": ["summary", "resnet7"],
    "summary: unknown format": ["summary", "lenet5", "--format", "xml"],
    "models: unknown family": ["models", "--family", "transformers"],
    "doctor: unknown dataset": ["doctor", "lenet5", "--data", "nope"],
    "scratch: unknown net": ["scratch", "--net", "rnn"],
    "classic: unknown method": ["classic", "forest", "--data", "digits"],
    "data show: unknown dataset": ["data", "show", "nope", "--out", "{tmp}/x.png"],
    "data get: unknown dataset": ["data", "get", "nope", "--data-dir", "{tmp}"],
    "viz filters: unknown layer": ["viz", "filters", RUN, "--layer", "conv9"],
    "viz activations: unknown layer": ["viz", "activations", RUN, "--layer", "nope"],
    "viz top-patches: unknown layer": ["viz", "top-patches", RUN, "--layer", "x", "--unit", "0"],
    "viz max-response: unknown layer": ["viz", "max-response", RUN, "--layer", "x"],
    "viz deepdream: unknown photo": ["viz", "deepdream", RUN, "--photo", "moon.jpg"],
    "inspect activations: unknown init": ["inspect", "activations", "lenet5", "--init", "x"],
    # out-of-range and non-finite numbers
    "train: lr nan": ["train", "lenet5", "--data", "digits", "--lr", "nan"],
    "train: lr inf": ["train", "lenet5", "--data", "digits", "--lr", "inf"],
    "train: negative epochs": ["train", "lenet5", "--data", "digits", "--epochs", "-1"],
    "train: zero batch": ["train", "lenet5", "--data", "digits", "--batch-size", "0"],
    "train: seed 2^40": ["train", "lenet5", "--data", "digits", "--seed", "1099511627776"],
    "train: huge pad": ["train", "lenet5", "--data", "digits", "--pad", "100000"],
    "summary: zero input": ["summary", "lenet5", "--input", "1x0x32"],
    "summary: garbled input": ["summary", "lenet5", "--input", "32by32"],
    "summary: input too small": ["summary", "alexnet", "--input", "3x8x8"],
    "summary: negative depth": ["summary", "lenet5", "--depth", "-2"],
    "receptive: garbled input": ["receptive", "lenet5", "--input", "axbxc"],
    "doctor: lr nan": ["doctor", "lenet5", "--data", "digits", "--lr", "nan"],
    "doctor: zero steps": ["doctor", "lenet5", "--data", "digits", "--steps", "0"],
    "scratch: zero hidden": ["scratch", "--hidden", "0"],
    "scratch: lr -1": ["scratch", "--lr", "-1"],
    "classic: zero folds": ["classic", "knn", "--data", "digits", "--folds", "0"],
    "classic: bad grid": ["classic", "knn", "--data", "digits", "--grid", "k=zero"],
    "data show: zero count": ["data", "show", "digits", "--count", "0", "--out", "{tmp}/x.png"],
    "data show: huge copies": [
        "data",
        "show",
        "digits",
        "--copies",
        "100000",
        "--out",
        "{tmp}/x.png",
    ],  # fmt: skip
    "viz saliency: index past the split": ["viz", "saliency", RUN, "--index", "100000"],
    "viz saliency: negative index": ["viz", "saliency", RUN, "--index", "-1"],
    "viz saliency: target past the classes": ["viz", "saliency", RUN, "--target", "10"],
    "viz gradcam: negative target": ["viz", "gradcam", RUN, "--target", "-3"],
    "viz occlusion: zero window": ["viz", "occlusion", RUN, "--size", "0"],
    "viz occlusion: window over the image": ["viz", "occlusion", RUN, "--size", "1000"],
    "viz occlusion: zero stride": ["viz", "occlusion", RUN, "--stride", "0"],
    "viz mistakes: zero count": ["viz", "mistakes", RUN, "--count", "0"],
    "viz top-patches: unit past the layer": [
        "viz",
        "top-patches",
        RUN,
        "--layer",
        "features.0",
        "--unit",
        "999",
    ],  # fmt: skip
    "viz class-model: target past the classes": ["viz", "class-model", RUN, "--target", "99"],
    "viz class-model: zero steps": ["viz", "class-model", RUN, "--target", "1", "--steps", "0"],
    "viz adversarial: epsilon nan": ["viz", "adversarial", RUN, "--epsilon", "nan"],
    "viz adversarial: epsilon over 1": ["viz", "adversarial", RUN, "--epsilon", "2"],
    "viz fooling: confidence 1.5": ["viz", "fooling", RUN, "--target", "1", "--confidence", "1.5"],
    "viz deepdream: step size nan": ["viz", "deepdream", RUN, "--step-size", "nan"],
    "viz max-response: step size inf": [
        "viz",
        "max-response",
        RUN,
        "--layer",
        "features.0",
        "--step-size",
        "inf",
    ],  # fmt: skip
    "viz deepdream: zero octaves": ["viz", "deepdream", RUN, "--octaves", "0"],
    "inspect gradcheck: zero samples": ["inspect", "gradcheck", "lenet5", "--samples", "0"],
    "inspect lr-find: end below start": [
        "inspect",
        "lr-find",
        "lenet5",
        "--data",
        "digits",
        "--start-lr",
        "1",
        "--end-lr",
        "0.1",
    ],  # fmt: skip
    "inspect init-table: zero depth": ["inspect", "init-table", "--depth", "0"],
    # missing files and folders that are not runs
    "eval: a folder without config.json": ["eval", NO_CONFIG],
    "report: a folder without config.json": ["report", NO_CONFIG, "--out", "{tmp}/r.html"],
    "viz filters: a folder without config.json": ["viz", "filters", NO_CONFIG],
    "viz mistakes: a missing run": ["viz", "mistakes", MISSING],
    "classic: features of a missing run": ["classic", "knn", "--features", MISSING],
    "train: a missing config file": ["train", "--config", MISSING],
    "train: resume a folder without config.json": ["train", "--resume", NO_CONFIG],
    "viz saliency: a missing image": ["viz", "saliency", RUN, "--image", MISSING],
    "viz saliency: a text file as image": ["viz", "saliency", RUN, "--image", TEXT],
    "viz occlusion: a text file as image": ["viz", "occlusion", RUN, "--image", TEXT],
    "viz deepdream: a text file as photo": ["viz", "deepdream", RUN, "--photo", TEXT],
    "train: a folder dataset that is missing": ["train", "lenet5", "--data", f"folder:{MISSING}"],
    # wrong shapes
    "summary: channels the model does not take": ["summary", "lenet5", "--input", "3x32x32x3"],
    "train: model args of the wrong type": [
        "train",
        "lenet5",
        "--data",
        "digits",
        "--model-args",
        "[1]",
    ],  # fmt: skip
    "train: model args with an unknown name": [
        "train",
        "lenet5",
        "--data",
        "digits",
        "--model-args",
        '{"width": 2}',
    ],  # fmt: skip
    "inspect gradcheck: garbled input": ["inspect", "gradcheck", "lenet5", "--input", "1x"],
}


@pytest.fixture(scope="module")
def places(digits_run: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("sweep")
    (tmp / "no-config").mkdir()
    (tmp / "no-config" / "notes.txt").write_text("not a run")
    (tmp / "text.png").write_text("this is not an image\n")
    return {"run": str(digits_run), "no_config": str(tmp / "no-config"), "tmp": str(tmp),
            "missing": str(tmp / "missing"), "text": str(tmp / "text.png")}  # fmt: skip


def fill(arg: str, places: dict[str, str]) -> str:
    for name, value in places.items():
        arg = arg.replace("{" + name + "}", value)
    return arg


def run_here(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run ``cnnlab ARGS`` through its real entry point in this process."""
    argv = sys.argv
    sys.argv = ["cnnlab", *args]
    try:
        main()
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = argv
    return status, capsys.readouterr().err


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_value_is_one_line_with_exit_status_2(case, places, capsys):
    args = [fill(arg, places) for arg in BAD[case]]
    status, err = run_here(args, capsys)
    lines = err.strip().splitlines()
    assert status == 2, f"{case}: exit {status}\n{err}"
    assert len(lines) == 1 and lines[0].startswith("error: "), f"{case}:\n{err}"


FIXED = {  # cases that once crashed or were silently accepted: the words the user reads
    "models: unknown family": "unknown model family 'transformers'",
    "viz adversarial: epsilon nan": "epsilon must be in [0, 1], found nan",
    "viz adversarial: epsilon over 1": "epsilon must be in [0, 1], found 2.0",
    "viz max-response: step size inf": "step_size must be a finite number > 0, found inf",
    "viz deepdream: step size nan": "step_size must be a finite number > 0, found nan",
}


@pytest.mark.parametrize("case", list(FIXED))
def test_the_message_names_the_option_the_range_and_the_value(case, places, capsys):
    status, err = run_here([fill(arg, places) for arg in BAD[case]], capsys)
    assert status == 2 and FIXED[case] in err, err
