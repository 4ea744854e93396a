"""`cnnlab serve`: its help, its one-line refusals, and what it prints at start-up."""

from __future__ import annotations

import socket

import pytest

from cnnlab.errors import ConfigError, FaultError, RunError
from cnnlab.serve.app import create_app
from cnnlab.serve.server import listening_socket, parse_size, startup_lines
from cnnlab.train import Run
from conftest import run_cli


def test_help_names_the_options():
    done = run_cli("serve", "--help")
    assert done.returncode == 0, done.stderr
    assert "Serve the web lab" in done.stdout
    for option in ("--host", "--port", "--max-upload", "--which", "--threads"):
        assert option in done.stdout


def test_a_missing_model_is_refused_in_one_line_with_status_2(tmp_path):
    done = run_cli("serve", str(tmp_path / "no-such-run"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "no-such-run" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_upload_size_is_refused_before_the_model_loads():
    done = run_cli("serve", "cnnlab:lenet5-mnist", "--max-upload", "lots")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: --max-upload: expected a size such as 5MB, 512KB or 1000000 (bytes), found 'lots'"
    )


def test_threads_below_one_are_a_usage_error():
    done = run_cli("serve", "cnnlab:lenet5-mnist", "--threads", "0")
    assert done.returncode == 2
    assert "--threads" in done.stderr and done.stderr.count("\n") == 1


def test_a_port_in_use_is_one_line_with_status_1():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(FaultError) as refused:
            listening_socket("127.0.0.1", port)
    message = str(refused.value)
    assert message.startswith(f"--host 127.0.0.1 --port {port}: cannot listen there (")
    assert "\n" not in message and refused.value.exit_code == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_addresses_start_without_a_warning(host):
    lines = startup_lines(host, 8000, "cnnlab:lenet5-mnist")
    assert len(lines) == 1
    assert "cnnlab:lenet5-mnist" in lines[0] and ":8000/" in lines[0]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "lab.example.org"])
def test_any_other_address_prints_a_warning(host):
    lines = startup_lines(host, 8000, "runs/lenet5")
    assert len(lines) == 2
    assert lines[1].startswith(f"warning: --host {host} makes the lab reachable from other")


@pytest.mark.parametrize(
    ("text", "size"),
    [("5MB", 5 * 2**20), ("512KB", 512 * 2**10), ("1000", 1000), ("1.5mb", 3 * 2**19),
     ("2 GB", 2 * 2**30), ("10B", 10), ("5M", 5 * 2**20)],
)  # fmt: skip
def test_sizes_read_as_people_write_them(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "five", "5TB", "-1MB", "5 M B"])
def test_other_sizes_are_refused(text):
    with pytest.raises(ConfigError, match="--max-upload: expected a size"):
        parse_size(text)


def test_the_listening_socket_says_it_is_tcp_so_asyncio_turns_nagle_off():
    """With protocol 0, asyncio leaves Nagle's algorithm on for the accepted connections:
    every answer written as headers then body would wait 40 ms for a delayed ACK."""
    with listening_socket("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP


def test_a_multidigit_run_is_refused_before_anything_listens(task_runs):
    run = Run.open(task_runs["multi-mnist"])
    with pytest.raises(RunError, match="reads digit sequences, not one class per image"):
        create_app(run)
