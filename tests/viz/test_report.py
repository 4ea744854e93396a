"""The report page, built by the real command and opened in a real headless Chromium."""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
import torch
from PIL import Image

from cnnlab.train.evaluate import evaluate_run, evaluate_run_outputs
from cnnlab.train.readings import read_images, readings_of_outputs
from cnnlab.train.run import Run
from cnnlab.viz.mistakes import misread_sequences
from conftest import run_cli_here

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium to render the report (make installs it)"
)

# Appended to a copy of the page: once everything has loaded, write what each <img> decoded to.
IMAGE_CHECK = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const result = images.map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0,
                                   size: [i.naturalWidth, i.naturalHeight]}));
  const out = document.createElement("pre");
  out.id = "image-check";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>
"""


def rendered_images(page: Path, workdir: Path) -> list[dict]:
    """Open ``page`` in headless Chromium and return, for every <img>, whether it decoded and
    its natural size."""
    probe = page.with_name(page.stem + "-probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", IMAGE_CHECK + "</body>"))
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={workdir / 'chromium-profile'}", "--virtual-time-budget=10000",
        "--dump-dom", probe.resolve().as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="image-check">(.*?)</pre>', done.stdout, re.S)
    assert found, f"chromium did not run the check (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


@needs_chromium
def test_the_image_check_catches_broken_images(tmp_path):
    png = io.BytesIO()
    Image.new("RGB", (3, 2), "red").save(png, format="PNG")
    good = base64.b64encode(png.getvalue()).decode()
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body>"
        f'<img alt="good" src="data:image/png;base64,{good}">'
        '<img alt="corrupt" src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAE=">'
        '<img alt="missing" src="no-such-file.png">'
        "</body></html>"
    )
    images = rendered_images(page, tmp_path)
    assert [(i["alt"], i["ok"]) for i in images] == [
        ("good", True),
        ("corrupt", False),
        ("missing", False),
    ]
    assert images[0]["size"] == [3, 2]


@pytest.fixture(scope="module")
def report(digits_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    done = run_cli_here("report", str(digits_run), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"report: {out}" in done.stdout
    return out


def test_the_report_is_self_contained_and_holds_every_section(report):
    page = report.read_text(encoding="utf-8")
    sources = re.findall(r'<img src="([^"]*)"', page)
    assert len(sources) == 4  # curves, confusion matrix, filters, mistakes
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    for outside in ("http:", "https:", "<link", "<script", "url(", 'src="/', "file:"):
        assert outside not in page, outside
    for heading in ("Summary", "Learning curves", "Confusion matrix", "First-layer filters",
                    "Most confident mistakes", "Model", "Configuration"):  # fmt: skip
        assert f"<h2>{heading}" in page, heading
    assert "<td>parameters</td><td>61,706</td>" in page
    assert "<td>optimizer</td><td>&quot;adam&quot;</td>" in page
    per_class = re.findall(r'<tr><td>(\d)</td><td class="num">(\d+)</td>', page)
    assert [name for name, _ in per_class] == [str(d) for d in range(10)]
    assert sum(int(count) for _, count in per_class) == 360  # the digits test split
    assert '<tr><td>Total params</td><td class="num">61,706</td></tr>' in page
    assert '<tr><td>Total MACs</td><td class="num">416,520 (416.52K)</td></tr>' in page
    assert "<td>multiply-adds per image</td><td>416.52K</td>" in page
    for line in ("Input size (MB)", "Forward/backward pass size (MB)", "Params size (MB)",
                 "Estimated Total Size (MB)"):  # fmt: skip
        assert re.search(rf'<tr><td>{re.escape(line)}</td><td class="num">\d+\.\d\d</td>', page)


@needs_chromium
def test_the_report_renders_in_chromium_with_no_missing_images(report, tmp_path):
    """Chromium decodes every embedded picture at the size of the PNG the page holds."""
    images = rendered_images(report, tmp_path)
    assert [i["ok"] for i in images] == [True] * 4, images
    sources = re.findall(r'<img src="data:image/png;base64,([^"]*)"', report.read_text())
    for image, source in zip(images, sources, strict=True):
        with Image.open(io.BytesIO(base64.b64decode(source))) as png:
            assert image["size"] == list(png.size)


def test_the_model_section_gives_lenet5_shapes_parameters_and_macs_as_the_lecture_does(report):
    page = report.read_text(encoding="utf-8")
    model = page[page.index("<h2>Model</h2>") : page.index("<h2>Configuration</h2>")]
    cells = r"<tr><td>[\s\xa0]*(\w+)-\d+</td><td>([\w.]+)</td><td>\[([\d, ]+)\]</td>"
    numbers = r'<td class="num">([\d,]+)</td><td class="num">([\d,]+)</td></tr>'
    rows = [
        (kind, name, shape, int(params.replace(",", "")), int(macs.replace(",", "")))
        for kind, name, shape, params, macs in re.findall(cells + numbers, model)
    ]
    assert [r for r in rows if r[3]] == [
        ("Conv2d", "features.0", "1, 6, 28, 28", 156, 117_600),  # 6 * 28*28 * 5*5
        ("Conv2d", "features.3", "1, 16, 10, 10", 2_416, 240_000),  # 16 * 10*10 * 6*5*5
        ("Conv2d", "features.6", "1, 120, 1, 1", 48_120, 48_000),
        ("Linear", "classifier.1", "1, 84", 10_164, 10_080),
        ("Linear", "classifier.3", "1, 10", 850, 840),
    ]
    assert [r[2] for r in rows if r[0] == "MaxPool2d"] == ["1, 6, 14, 14", "1, 16, 5, 5"]
    assert len(rows) == 12  # every layer of features and classifier, containers left out


def test_report_of_a_folder_that_is_not_a_run_says_so(tmp_path):
    done = run_cli_here("report", str(tmp_path))
    assert done.returncode == 2
    assert f"{tmp_path} is not a cnnlab run folder: expected config.json" in done.stderr


def report_page(run: Path, out: Path) -> str:
    """The page `cnnlab report RUN --out OUT` writes."""
    result = run_cli_here("report", str(run), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out.read_text(encoding="utf-8")


def test_the_report_of_a_multidigit_run_shows_its_digits_and_misread_sequences(task_runs, tmp_path):
    page = report_page(task_runs["multi-mnist"], tmp_path / "multi.html")
    assert "Misread sequences" in page and "Digits read at their positions" in page
    accuracy = f"{100 * evaluate_run(task_runs['multi-mnist']).accuracy:.2f}%"
    assert (
        f"<td>test sequence accuracy (the length and every digit right)</td><td>{accuracy}" in page
    )
    assert "test digit accuracy" in page and "top-5" not in page
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 4  # curves, digit confusion, filters, misread sequences
    for data in images:
        Image.open(io.BytesIO(base64.b64decode(data))).verify()


def test_one_pass_over_the_split_gives_what_evaluation_and_a_reading_pass_give(task_runs):
    """The report reads the figures and the misread sequences off one pass: the same as
    `cnnlab eval` and a second pass would give."""
    for data in ("multi-mnist", "cluttered-mnist"):
        run = Run.open(task_runs[data])
        result, outputs = evaluate_run_outputs(run, "test")
        assert result == evaluate_run(run, "test")
        assert len(outputs) == len(run.dataset("test"))
        readings = read_images(run, run.dataset("test").images)
        for ours, theirs in zip(
            dataclasses.astuple(readings_of_outputs(run, outputs)),
            dataclasses.astuple(readings), strict=True,
        ):  # fmt: skip
            assert (ours is None and theirs is None) or torch.allclose(ours, theirs, atol=1e-5)
    run = Run.open(task_runs["multi-mnist"])
    readings = readings_of_outputs(run, evaluate_run_outputs(run, "test")[1])
    one_pass, two_passes = misread_sequences(run, "test", 4, readings), misread_sequences(run)
    assert (one_pass.truth, one_pass.read, one_pass.wrong) == (
        two_passes.truth[:4], two_passes.read[:4], two_passes.wrong,
    )  # fmt: skip
    assert torch.equal(one_pass.images, two_passes.images[:4])


def test_the_report_of_a_box_run_gives_its_iou(task_runs, tmp_path):
    page = report_page(task_runs["cluttered-mnist"], tmp_path / "boxes.html")
    assert "test mean IoU" in page and "test boxes with IoU &gt;= 0.5" in page
    assert "Most confident mistakes" in page
