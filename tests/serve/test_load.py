"""The web lab under load: 50 clients at once, 20 full analyses each, against the shipped
LeNet-5 on a real uvicorn on loopback. Bounded (1,000 requests, each with a time limit),
it stops by itself; it prints the latencies and the server's memory growth, and checks
that no request failed and that the memory stayed bounded."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import pytest
from image_cases import as_json, encoded
from lab_server import LabServer
from PIL import Image, ImageDraw

CLIENTS = 50
ANALYSES = 20  # per client
MB = 2**20


def digit() -> dict:
    """A "1" stroke on a white page, as the page's canvas would send it."""
    page = Image.new("L", (280, 280), 255)
    ImageDraw.Draw(page).line([(140, 40), (140, 240)], fill=0, width=24)
    return as_json(encoded(page, "PNG"))


async def client(url: str, body: dict, latencies: list[float], statuses: list[int]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        for _ in range(ANALYSES):
            start = time.perf_counter()
            answer = await http.post("/api/analyse?attribution=saliency,gradcam", json=body)
            latencies.append(time.perf_counter() - start)
            statuses.append(answer.status_code)


async def crowd(url: str, body: dict) -> tuple[list[float], list[int]]:
    latencies: list[float] = []
    statuses: list[int] = []
    clients = [client(url, body, latencies, statuses) for _ in range(CLIENTS)]
    await asyncio.wait_for(asyncio.gather(*clients), timeout=900)
    return latencies, statuses


@pytest.mark.slow
def test_fifty_clients_of_twenty_analyses_each_all_answered_with_memory_bounded():
    body = digit()
    with LabServer("lab_app:lenet5_mnist") as lab:
        for _ in range(5):  # warm up: the first analyses allocate what later ones reuse
            assert httpx.post(f"{lab.url}/api/analyse", json=body, timeout=60).status_code == 200
        before = lab.memory("VmRSS")
        start = time.perf_counter()
        latencies, statuses = asyncio.run(crowd(lab.url, body))
        elapsed = time.perf_counter() - start
        growth = lab.memory("VmRSS") - before
        peak_growth = lab.memory("VmHWM") - before
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * len(latencies)) - 1]
    print(
        f"\n{len(latencies)} analyses by {CLIENTS} clients in {elapsed:.1f} s "
        f"({len(latencies) / elapsed:.1f}/s): latency p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; server RSS "
        f"{growth / MB:+.1f} MB after, peak {peak_growth / MB:+.1f} MB"
    )
    assert len(statuses) == CLIENTS * ANALYSES
    assert set(statuses) == {200}
    assert peak_growth < 150 * MB, f"the server's peak memory grew by {peak_growth / MB:.0f} MB"
