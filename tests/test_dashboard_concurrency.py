"""Hostile HTTP against a real ``frontiersim serve``: disconnects, a crowd, supersession and the pool's caps.

The server runs with 2 workers, at most 2 queued simulations and up to
40,000 draws. A "long" simulation (40,000 draws) holds a worker while a test
arranges the queue, and is stopped by closing its connection. Tests wait for
the pool's states through ``GET /api/status`` and for the server's log lines;
nothing here asserts how long anything takes.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from frontiersim.scenario.loader import bundled_text

LONG_DRAWS = 40_000
SMALL_DRAWS = 200
WORKERS = 2
MAX_QUEUED = 2
WAIT_SECONDS = 60.0
DEFAULT_SCENARIO = tomllib.loads(bundled_text("default"))


@dataclass
class Server:
    """A ``frontiersim serve`` process and what it has written so far."""

    host: str
    port: int
    pid: int
    output: list[str] = field(default_factory=list)
    connections: list[http.client.HTTPConnection] = field(default_factory=list)

    def log(self) -> str:
        return "".join(self.output)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    store = tmp_path_factory.mktemp("concurrency-store") / "runs.duckdb"
    command = [
        sys.executable,
        "-m",
        "frontiersim.cli.main",
        "serve",
        "--port",
        "0",
        "--store",
        str(store),
        "--workers",
        str(WORKERS),
        "--max-queued",
        str(MAX_QUEUED),
        "--max-draws",
        str(LONG_DRAWS),
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"http://(127\.0\.0\.1):(\d+)/", first)
        assert match, f"frontiersim serve did not start: {first}"
        running = Server(match.group(1), int(match.group(2)), process.pid, [first])
        stream = process.stdout
        threading.Thread(target=lambda: running.output.extend(stream), daemon=True).start()
        try:
            yield running
        finally:
            process.terminate()
            process.wait(timeout=60)


@pytest.fixture
def idle_server(server: Server) -> Iterator[Server]:
    """The server, idle before and after the test (nothing running or queued)."""
    _wait_for(server, lambda status: status["running"] == 0 and status["queued"] == 0, "nothing running or queued")
    try:
        yield server
    finally:
        _release(server.connections)  # whatever a failed test left open
        server.connections.clear()
    _wait_for(server, lambda status: status["running"] == 0 and status["queued"] == 0, "nothing running or queued")


# -- helpers ---------------------------------------------------------------------------------------


def _scenario_body(draws: int, **extra: Any) -> dict[str, Any]:
    return {"scenario": DEFAULT_SCENARIO, "draws": draws, "seed": 1, **extra}


def _send(
    server: Server,
    body: dict[str, Any],
    client_id: str | None = None,
    *,
    path: str = "/api/simulate",
    request_number: int | None = None,
) -> http.client.HTTPConnection:
    """Send a whole request and return its open connection (read the answer with :func:`_answer`)."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=WAIT_SECONDS)
    headers = {"Content-Type": "application/json"}
    if client_id is not None:
        headers["X-Client-Id"] = client_id
    if request_number is not None:
        headers["X-Request-Number"] = str(request_number)
    connection.request("POST", path, body=json.dumps(body).encode(), headers=headers)
    server.connections.append(connection)
    return connection


def _answer(connection: http.client.HTTPConnection) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Status, headers (lower-case names) and JSON body of the answer on a connection, which is then closed."""
    try:
        response = connection.getresponse()
        body = json.loads(response.read())
        return response.status, {name.lower(): value for name, value in response.getheaders()}, body
    finally:
        connection.close()


def _get(server: Server, path: str) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=WAIT_SECONDS)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def _wait_for(server: Server, condition: Callable[[dict[str, int]], bool], what: str) -> dict[str, int]:
    """Poll ``GET /api/status`` until ``condition`` holds."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        status_code, status = _get(server, "/api/status")
        assert status_code == 200, status
        if condition(status):
            return status
        if time.monotonic() > deadline:
            pytest.fail(f"the pool never had {what}: {status}")
        time.sleep(0.02)


def _wait_for_log(server: Server, fragment: str, count: int = 1) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while server.log().count(fragment) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"the server never logged {fragment!r} {count} time(s):\n{server.log()}")
        time.sleep(0.02)


def _occupy_workers(server: Server, name: str) -> list[http.client.HTTPConnection]:
    """Two long simulations from two clients, running: every worker busy."""
    held = [_send(server, _scenario_body(LONG_DRAWS), f"{name}-long-{k}") for k in range(WORKERS)]
    _wait_for(server, lambda status: status["running"] == WORKERS, "every worker busy")
    return held


def _release(held: list[http.client.HTTPConnection]) -> None:
    """Disconnect the long simulations: the server stops them."""
    for connection in held:
        connection.close()


def _worker_pids(server: Server) -> list[int]:
    """The simulation workers: the processes the server's fork server started."""
    children: dict[int, list[int]] = {}
    commands: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        pid = int(stat.parent.name)
        children.setdefault(int(text[text.rfind(")") + 2 :].split()[1]), []).append(pid)
        commands[pid] = command
    fork_servers = [pid for pid in children.get(server.pid, []) if "forkserver" in commands.get(pid, "")]
    return [worker for fork_server in fork_servers for worker in children.get(fork_server, [])]


def _assert_busy(status: int, headers: dict[str, str], body: dict[str, Any], fragment: str) -> None:
    """A 503 with a whole number of seconds in Retry-After and a JSON error saying why."""
    assert status == 503, body
    assert re.fullmatch(r"[1-9][0-9]*", headers.get("retry-after", "")), headers
    assert fragment in body["error"], body
    assert f"try again in {headers['retry-after']} s" in body["error"]
    assert body["problems"] == []


# -- disconnects -----------------------------------------------------------------------------------


def test_a_client_that_disconnects_mid_body_costs_one_log_line(idle_server: Server) -> None:
    server = idle_server
    before = len(server.log())
    body = json.dumps(_scenario_body(SMALL_DRAWS)).encode()
    connection = http.client.HTTPConnection(server.host, server.port, timeout=WAIT_SECONDS)
    connection.putrequest("POST", "/api/simulate")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(len(body)))
    connection.putheader("X-Client-Id", "mid-body-client")
    connection.endheaders()
    connection.send(body[: len(body) // 2])
    connection.close()
    _wait_for_log(server, "id:mid-body-client disconnected before sending the whole request body")
    added = server.log()[before:]
    assert added.count("\n") == 1, added
    assert "Traceback" not in server.log()
    status, _, answer = _answer(_send(server, _scenario_body(SMALL_DRAWS), "after-mid-body"))
    assert status == 200, answer


def test_a_client_that_disconnects_while_its_simulation_waits_or_runs(idle_server: Server) -> None:
    server = idle_server
    before = len(server.log())
    held = _occupy_workers(server, "disconnect")
    waiting = _send(server, _scenario_body(SMALL_DRAWS), "queued-then-gone")
    _wait_for(server, lambda status: status["queued"] == 1, "one simulation queued")
    waiting.close()
    _wait_for_log(server, "id:queued-then-gone disconnected while its simulation was queued; dropped")
    _wait_for(server, lambda status: status["queued"] == 0, "the queued simulation dropped")
    _release(held)
    _wait_for_log(server, "disconnected while its simulation was running; stopped", count=WORKERS)
    _wait_for(server, lambda status: status["running"] == 0, "the running simulations stopped")
    added = server.log()[before:].splitlines()
    assert len(added) == 1 + WORKERS, added  # one line per disconnect
    assert all(" disconnected while its simulation was " in line for line in added), added
    assert "Traceback" not in server.log()
    status, _, answer = _answer(_send(server, _scenario_body(SMALL_DRAWS), "after-disconnects"))
    assert status == 200, answer


def test_a_worker_that_dies_mid_simulation_gets_503_and_is_replaced(idle_server: Server) -> None:
    server = idle_server
    before = len(server.log())
    doomed = _send(server, _scenario_body(LONG_DRAWS), "doomed-client")
    _wait_for(server, lambda status: status["running"] == 1, "the simulation running")
    workers = _worker_pids(server)
    assert len(workers) == WORKERS, workers
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    _assert_busy(*_answer(doomed), "a simulation worker stopped unexpectedly")
    _wait_for_log(server, "a simulation worker process stopped unexpectedly; starting new workers")
    status, _, body = _answer(_send(server, _scenario_body(SMALL_DRAWS), "after-the-crash"))
    assert status == 200, body
    assert not set(_worker_pids(server)) & set(workers)
    added = server.log()[before:].splitlines()
    assert len(added) == 1, added
    assert "Traceback" not in server.log()


# -- a crowd ---------------------------------------------------------------------------------------


def test_fifty_clients_at_once_get_200_409_or_503_never_500(idle_server: Server) -> None:
    server = idle_server
    clients = 50
    start = threading.Barrier(clients)
    answers: list[tuple[int, dict[str, str], dict[str, Any]]] = []
    errors: list[BaseException] = []

    def client(number: int) -> None:
        # forty clients with their own id, ten without (they share the address, so they supersede each other)
        client_id = f"crowd-client-{number:02d}" if number < 40 else None
        try:
            start.wait()
            for _ in range(2):  # back to back
                answers.append(_answer(_send(server, _scenario_body(SMALL_DRAWS), client_id)))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    assert errors == []
    assert len(answers) == 2 * clients
    statuses = [status for status, _, _ in answers]
    assert set(statuses) <= {200, 409, 503}, statuses
    assert 200 in statuses
    for status, headers, body in answers:
        if status == 503:
            _assert_busy(status, headers, body, "")
        elif status == 409:
            assert "superseded by a newer request" in body["error"], body
        else:
            assert body["draws"] == SMALL_DRAWS
    assert "Traceback" not in server.log()
    assert "unexpected error" not in server.log()


# -- supersession ----------------------------------------------------------------------------------


def test_a_newer_update_supersedes_the_running_one(idle_server: Server) -> None:
    server = idle_server
    older = _send(server, _scenario_body(LONG_DRAWS), "supersede-running")
    _wait_for(server, lambda status: status["running"] == 1, "the older simulation running")
    newer = _send(server, _scenario_body(SMALL_DRAWS), "supersede-running")
    status, _, body = _answer(older)
    assert status == 409, body
    assert body["error"] == "superseded by a newer request from the same client"
    status, _, body = _answer(newer)
    assert status == 200, body
    assert body["draws"] == SMALL_DRAWS


def test_a_newer_update_supersedes_the_queued_one(idle_server: Server) -> None:
    server = idle_server
    held = _occupy_workers(server, "supersede-queued")
    first = _send(server, _scenario_body(SMALL_DRAWS), "supersede-queued")
    _wait_for(server, lambda status: status["queued"] == 1, "the first update queued")
    second = _send(server, _scenario_body(SMALL_DRAWS + 1), "supersede-queued")
    status, _, body = _answer(first)  # answered at once, while the workers are still busy
    assert status == 409, body
    assert _wait_for(server, lambda status: status["queued"] == 1, "the second update queued")["running"] == WORKERS
    _release(held)
    status, _, body = _answer(second)
    assert status == 200, body
    assert body["draws"] == SMALL_DRAWS + 1


def test_an_older_request_that_arrives_late_does_not_supersede_a_newer_one(idle_server: Server) -> None:
    server = idle_server
    fifth = _send(server, _scenario_body(LONG_DRAWS), "numbered-client", request_number=5)
    _wait_for(server, lambda status: status["running"] == 1, "request 5 running")
    third = _send(server, _scenario_body(SMALL_DRAWS), "numbered-client", request_number=3)
    status, _, body = _answer(third)
    assert status == 409, body
    assert "arrived first" in body["error"]
    assert _get(server, "/api/status")[1]["running"] == 1  # request 5 goes on
    sixth = _send(server, _scenario_body(SMALL_DRAWS), "numbered-client", request_number=6)
    assert _answer(fifth)[0] == 409
    status, _, body = _answer(sixth)
    assert status == 200, body


# -- order -----------------------------------------------------------------------------------------


def test_a_client_with_less_recent_use_is_served_first(idle_server: Server) -> None:
    """Not first come, first served: a free worker takes the job of the client that used the pool least lately."""
    server = idle_server
    assert _answer(_send(server, _scenario_body(SMALL_DRAWS), "used-lately"))[0] == 200
    held = _occupy_workers(server, "order")
    earlier = _send(server, _scenario_body(LONG_DRAWS), "used-lately")
    _wait_for(server, lambda status: status["queued"] == 1, "the earlier request queued")
    later = _send(server, _scenario_body(LONG_DRAWS), "not-used-yet")
    _wait_for(server, lambda status: status["queued"] == 2, "both requests queued")
    held[0].close()  # one worker frees
    _wait_for(server, lambda status: status["running"] == WORKERS and status["queued"] == 1, "one of them taken")
    earlier.close()  # the log says whether it was still queued
    _wait_for_log(server, "id:used-lately disconnected while its simulation was queued; dropped")
    _release([later, *held[1:]])


# -- caps ------------------------------------------------------------------------------------------


def test_one_save_per_client_at_a_time(idle_server: Server) -> None:
    server = idle_server
    held = _occupy_workers(server, "saves")
    save = _scenario_body(SMALL_DRAWS, message="kept")
    first = _send(server, save, "saving-client", path="/api/runs")
    _wait_for(server, lambda status: status["queued"] == 1, "the first save queued")
    _assert_busy(*_answer(_send(server, save, "saving-client", path="/api/runs")), "previous save is still queued")
    # an update of the same client does not supersede its save
    update = _send(server, _scenario_body(SMALL_DRAWS), "saving-client")
    _wait_for(server, lambda status: status["queued"] == 2, "the save and the update queued")
    _release(held)
    status, _, body = _answer(first)
    assert status == 200, body
    assert body["run_id"]
    assert _answer(update)[0] == 200


def test_a_full_queue_refuses_or_pushes_out_the_client_with_most_recent_use(idle_server: Server) -> None:
    server = idle_server
    assert _answer(_send(server, _scenario_body(SMALL_DRAWS), "recently-served"))[0] == 200
    held = _occupy_workers(server, "full-queue")
    served = _send(server, _scenario_body(SMALL_DRAWS), "recently-served")
    fresh = _send(server, _scenario_body(SMALL_DRAWS), "fresh-client-1")
    _wait_for(server, lambda status: status["queued"] == MAX_QUEUED, "a full queue")
    # a client with no recent use takes the place of the one that had some
    newcomer = _send(server, _scenario_body(SMALL_DRAWS), "fresh-client-2")
    _assert_busy(*_answer(served), "clients with less recent use took the place of this request")
    _wait_for(server, lambda status: status["queued"] == MAX_QUEUED, "a full queue again")
    # nobody queued has had more use than another newcomer: it is refused
    asked_at = time.monotonic()  # before the server's refusal, from which the hold runs
    refused = _answer(_send(server, _scenario_body(SMALL_DRAWS), "fresh-client-3"))
    _assert_busy(*refused, "the server is busy")
    # coming back at once, before its Retry-After, it is held until then, and then considered
    again = _send(server, _scenario_body(SMALL_DRAWS), "fresh-client-3")
    _release(held)
    assert _answer(fresh)[0] == 200
    assert _answer(newcomer)[0] == 200
    status, headers, body = _answer(again)
    assert time.monotonic() - asked_at >= float(refused[1]["retry-after"]) - 0.05, "it was held until its Retry-After"
    if status == 503:  # the freed workers had not yet taken the queue when the hold ended (a loaded machine)
        _assert_busy(status, headers, body, "the server is busy")
        time.sleep(float(headers["retry-after"]))
        status, _, body = _answer(_send(server, _scenario_body(SMALL_DRAWS), "fresh-client-3"))
    assert status == 200, body


@pytest.mark.parametrize(
    ("header", "value", "fragment"),
    [
        ("X-Client-Id", "short", "X-Client-Id must be 8 to 64"),
        ("X-Client-Id", "a" * 65, "X-Client-Id must be 8 to 64"),
        ("X-Client-Id", "spaces in it", "X-Client-Id must be 8 to 64"),
        ("X-Client-Id", "../../etc/passwd", "X-Client-Id must be 8 to 64"),
        ("X-Request-Number", "-1", "X-Request-Number must be an integer"),
        ("X-Request-Number", "1e3", "X-Request-Number must be an integer"),
        ("X-Request-Number", str(2**53), "X-Request-Number must be an integer"),
    ],
)
def test_bad_client_headers_are_refused(server: Server, header: str, value: str, fragment: str) -> None:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=WAIT_SECONDS)
    headers = {"Content-Type": "application/json", header: value}
    connection.request("POST", "/api/simulate", body=json.dumps(_scenario_body(SMALL_DRAWS)).encode(), headers=headers)
    status, _, body = _answer(connection)
    assert status == 400, body
    assert fragment in body["error"]


def test_the_server_log_has_no_traceback_after_all_this(server: Server) -> None:
    assert "Traceback" not in server.log()
    assert "unexpected error" not in server.log()


def test_per_client_memory_stays_bounded_however_many_ids_a_client_invents() -> None:
    """A client that sends a new X-Client-Id with every request cannot grow the pool's memory without bound."""
    from frontiersim.dashboard.pool import TRACKED_CLIENTS, _keep_bounded  # noqa: PLC0415

    remembered: dict[str, float] = {}
    largest = 0
    for k in range(20 * TRACKED_CLIENTS):
        remembered[f"client-{k}"] = float(k)
        _keep_bounded(remembered, lambda _, until: until < 0)  # nothing expires: only the cap prunes
        largest = max(largest, len(remembered))
    assert largest == 2 * TRACKED_CLIENTS  # pruned to the cap each time it passes twice the cap
    newest = f"client-{20 * TRACKED_CLIENTS - 1}"
    assert newest in remembered  # the most recent are kept
    assert "client-0" not in remembered
    remembered = {f"old-{k}": -1.0 for k in range(2 * TRACKED_CLIENTS + 1)} | {"recent": 5.0}
    _keep_bounded(remembered, lambda _, until: until < 0)
    assert remembered == {"recent": 5.0}  # the forgettable go first
