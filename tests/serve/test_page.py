"""The web lab's page in a real headless Chromium, against the real app under uvicorn.

One server and one browser page for the module; each test starts from a cleared pad.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from cnnlab import Run
from cnnlab.serve import create_app
from cnnlab.serve.server import serving_in_background

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium to open the lab in (make browser installs it)",
)

SETTLED = "['ready', 'error'].includes(document.getElementById('status').dataset.state)"


@pytest.fixture(scope="module")
def server():
    with serving_in_background(create_app(Run.open("cnnlab:lenet5-mnist"))) as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


def open_lab(browser, address: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    page.goto(address)
    page.wait_for_selector("#summary tbody tr")
    settle(page)
    return page


@pytest.fixture(scope="module")
def page(browser, server):
    page = open_lab(browser, server)
    yield page
    page.close()


def settle(page) -> None:
    """Wait until no request is out or waiting; fail with the status line on an error."""
    page.wait_for_function(SETTLED)
    status = page.locator("#status")
    assert status.get_attribute("data-state") == "ready", status.text_content()


def draw(page, points: list[tuple[float, float]]) -> None:
    """Clear the pad and draw one stroke through ``points`` (pad pixels) with the mouse."""
    page.click("#clear")
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + points[0][0], box["y"] + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=10)
    page.mouse.up()
    settle(page)


def draw_one(page) -> str:
    """Draw a "1" and return the pad's picture as the data URL the page sends."""
    draw(page, [(140, 40), (140, 140), (140, 240)])
    return page.evaluate("document.getElementById('pad').toDataURL('image/png')")


def shown_top(page) -> list[str]:
    return page.locator("#top li .label").all_text_contents()


def analyse(server, image: str) -> dict:
    answer = httpx.post(f"{server}/api/analyse?attribution=saliency,gradcam&layers=1",
                        json={"image": image}, timeout=60)  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_drawn_one_is_predicted_as_the_api_predicts_it(page, server):
    out = {"now": 0, "most": 0}

    def sent(request):
        if "/api/analyse" in request.url:
            out["now"] += 1
            out["most"] = max(out["most"], out["now"])

    def done(request):
        if "/api/analyse" in request.url:
            out["now"] -= 1

    page.on("request", sent)
    page.on("requestfinished", done)
    page.on("requestfailed", done)
    try:
        image = draw_one(page)
    finally:
        page.remove_listener("request", sent)
        page.remove_listener("requestfinished", done)
        page.remove_listener("requestfailed", done)
    expected = analyse(server, image)
    assert shown_top(page) == [row["class"] for row in expected["top"]]
    assert shown_top(page)[0] == "1"
    assert out["most"] == 1, "more than one analysis was in flight at once"
    seen = page.locator("#model-input")
    assert seen.get_attribute("src") == expected["input"]["png"]
    assert seen.evaluate("i => i.naturalWidth") == expected["input"]["width"]


def test_grad_cam_and_occlusion_overlays_load_when_chosen(page, server):
    image = draw_one(page)
    overlay = page.locator("#why-image")
    page.check("input[name=why][value=gradcam]")
    page.wait_for_function(
        "(() => { const i = document.getElementById('why-image');"
        " return i.dataset.method === 'gradcam' && i.complete && i.naturalWidth > 0; })()"
    )
    assert overlay.get_attribute("src") == analyse(server, image)["attribution"]["gradcam"]
    with page.expect_request("**/api/analyse?*occlusion*"):
        page.check("input[name=why][value=occlusion]")
    settle(page)
    assert overlay.get_attribute("data-method") == "occlusion"
    assert overlay.evaluate("i => i.complete && i.naturalWidth") > 0
    page.check("input[name=why][value=saliency]")


def test_a_click_on_the_first_convolution_shows_its_arithmetic(page, server):
    image = draw_one(page)
    model = httpx.get(f"{server}/api/model").json()
    conv = next(layer for layer in model["layers"] if layer["convolution"])
    grid = next(
        layer for layer in analyse(server, image)["layers"] if layer["name"] == conv["name"]
    )
    grid = grid["grid"]
    cells = page.locator(f".layer[data-layer='{conv['name']}'] img")
    scale = cells.bounding_box()["width"] / (
        grid["cols"] * (grid["cell_width"] + grid["gap"]) - grid["gap"]
    )
    channel, y, x = min(1, grid["channels_shown"] - 1), 14, 10  # a cell right of the first
    px = (channel % grid["cols"]) * (grid["cell_width"] + grid["gap"]) + x + 0.5
    py = (channel // grid["cols"]) * (grid["cell_height"] + grid["gap"]) + y + 0.5
    with page.expect_request("**/api/unit?*") as request:
        cells.click(position={"x": px * scale, "y": py * scale})
    asked = {k: v[0] for k, v in parse_qs(urlparse(request.value.url).query).items()}
    assert asked == {"layer": conv["name"], "channel": str(channel), "y": str(y), "x": str(x)}
    settle(page)
    answer = httpx.post(f"{server}/api/unit", params=asked, json={"image": image}).json()
    shown = float(page.locator("#unit-sum").text_content().replace("\u2212", "-"))
    assert shown == pytest.approx(answer["value"], abs=6e-5)
    assert answer["arithmetic"]["sum"] == pytest.approx(answer["value"], abs=1e-4)
    field = answer["receptive_field"]
    frame = page.locator("#field-frame").bounding_box()
    box = page.locator("#field-box").bounding_box()
    per_pixel = frame["width"] / model["input"]["width"]
    assert box["width"] == pytest.approx(field["width"] * per_pixel, abs=1)
    assert box["y"] - frame["y"] == pytest.approx(field["top"] * per_pixel, abs=1)
    kernel = page.locator("#arithmetic table.numbers").nth(1).locator("tr")
    assert kernel.count() == conv["convolution"]["kernel"][0]


# A drop of one PNG file, built in the page from base64, on the drawing pad.
DROP = """([b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const files = new DataTransfer();
  files.items.add(new File([bytes], name, { type: 'image/png' }));
  return files;
}"""


def test_an_uploaded_or_dropped_file_changes_the_prediction(page, server):
    one = draw_one(page)
    assert shown_top(page)[0] == "1"
    seven = REPO / "examples" / "seven.png"
    page.set_input_files("#file", str(seven))
    page.wait_for_function("document.getElementById('input-notes').textContent.includes('invert')")
    settle(page)
    answer = httpx.post(f"{server}/api/analyse", files={"image": seven.read_bytes()}).json()
    assert shown_top(page)[0] == answer["top"][0]["class"] == "7"
    dropped = page.evaluate_handle(DROP, [one.split(",", 1)[1], "one.png"])
    page.dispatch_event("#pad", "drop", {"dataTransfer": dropped})
    settle(page)
    assert shown_top(page)[0] == "1"
    assert page.locator("#model-input").get_attribute("src") == analyse(server, one)["input"]["png"]


def test_the_epsilon_slider_runs_the_attack(page, server):
    image = draw_one(page)
    page.locator("#eps").evaluate(
        "e => { e.value = '0.3'; e.dispatchEvent(new Event('input'));"
        " e.dispatchEvent(new Event('change')); }"
    )
    page.wait_for_selector("#attack-result:not([hidden])")
    settle(page)
    assert page.locator("#eps-value").text_content() == "0.30"
    answer = httpx.post(f"{server}/api/attack?method=fgsm&eps=0.3", json={"image": image}).json()
    assert page.locator("#adversarial").get_attribute("src") == answer["adversarial"]
    verdict = page.locator("#attack-verdict").text_content()
    assert verdict.startswith("Flipped" if answer["flipped"] else "Held")
    assert answer["after"][0]["class"] in verdict


def test_an_error_from_the_api_is_shown_in_the_status_line(page, server, tmp_path):
    junk = tmp_path / "notes.png"
    junk.write_bytes(b"these are words, not a picture")
    answer = httpx.post(f"{server}/api/analyse", files={"image": junk.read_bytes()})
    assert 400 <= answer.status_code < 500
    page.set_input_files("#file", str(junk))
    page.wait_for_function(SETTLED)
    status = page.locator("#status")
    assert status.get_attribute("data-state") == "error"
    assert answer.json()["detail"] in status.text_content()


# How many pixels of a canvas have the blue of the training curve (#2563eb, antialiased).
BLUE = """c => {
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let blue = 0;
  for (let i = 0; i < data.length; i += 4) {
    blue += data[i] < 90 && data[i + 1] < 140 && data[i + 2] > 200 && data[i + 3] > 200;
  }
  return blue;
}"""


def test_learning_curves_are_drawn_for_a_run_and_absent_for_shipped_weights(
    page, browser, digits_run
):
    assert page.locator("#curves").is_hidden()  # shipped weights have no curves
    with serving_in_background(create_app(Run.open(digits_run))) as address:
        curves = httpx.get(f"{address}/api/model").json()["curves"]
        lab = open_lab(browser, address)
        try:
            assert lab.locator("#curves").is_visible()
            for canvas, names in [("#loss-curve", "train_loss val_loss"),
                                  ("#acc-curve", "train_acc val_acc")]:  # fmt: skip
                numbers = [v for name in names.split() for v in curves[name] if v is not None]
                assert lab.locator(canvas).is_visible() == bool(numbers), canvas
                if numbers:
                    assert lab.locator(canvas).evaluate(BLUE) > 150, f"{canvas}: no train line"
        finally:
            lab.close()
