"""Write docs/lab.png: the web lab with a digit drawn, a unit clicked and an attack run.

    PYTHONPATH=src python docs/lab_screenshot.py [MODEL] [--out docs/lab.png]

Starts the real app on a free loopback port and drives the system Chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from cnnlab import Run
from cnnlab.serve import create_app
from cnnlab.serve.server import serving_in_background

THREE = [(95, 70), (150, 45), (195, 80), (175, 125), (130, 140), (185, 160), (195, 210),
         (145, 240), (90, 220)]  # fmt: skip
SETTLED = "['ready', 'error'].includes(document.getElementById('status').dataset.state)"


def shoot(url: str, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        page.wait_for_selector("#summary tbody tr")
        box = page.locator("#pad").bounding_box()
        page.mouse.move(box["x"] + THREE[0][0], box["y"] + THREE[0][1])
        page.mouse.down()
        for x, y in THREE[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=12)
        page.mouse.up()
        page.wait_for_function(SETTLED)
        page.check("input[name=why][value=gradcam]")
        first = page.locator(".layer img").first
        scale = first.bounding_box()["width"] / first.evaluate("i => i.naturalWidth")
        first.click(position={"x": (29 + 15.5) * scale, "y": 8.5 * scale})  # channel 1, on the ink
        page.wait_for_selector("#unit-sum")
        page.select_option("#method", "pgd")
        page.locator("#eps").evaluate(
            "e => { e.value = '0.2'; e.dispatchEvent(new Event('input'));"
            " e.dispatchEvent(new Event('change')); }"
        )
        page.wait_for_selector("#attack-result:not([hidden])")
        page.wait_for_function(SETTLED)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="cnnlab:lenet5-mnist")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("lab.png"))
    args = parser.parse_args()
    with serving_in_background(create_app(Run.open(args.model))) as url:
        shoot(url, args.out)
    print(args.out)


if __name__ == "__main__":
    main()
