"""The dashboard: a small JSON API and a static page, served by Starlette.

Routes
------
``GET /``
    The page (``static/index.html``); its script and style sheet are served
    from ``/static/``. Nothing is loaded from elsewhere: the charts are the
    Vega-Lite specifications ``/api/simulate`` answers with (the definitions
    the HTML report draws), drawn in the page by Vega, Vega-Lite and
    Vega-Embed from ``/static/vendor/vega.js`` (the offline bundle of
    ``vl-convert``, served by this server; Vega's expression interpreter
    runs them, so the Content-Security-Policy needs no ``unsafe-eval``), and
    the Content-Security-Policy allows only this server.
``GET /static/vendor/vega.js``
    That bundle.
``GET /api/presets``
    The bundled scenarios (the default and the worked examples) and the
    complete runs in the run store, with the dashboard's limits.
``GET /api/presets/{id}``
    A preset's scenario as a JSON mapping (as read from its TOML), its labs,
    and the sliders' starting values.
``GET /api/status``
    The simulation pool now: workers, simulations running and queued, and
    the queue's cap.
``POST /api/simulate``
    ``{"scenario": {...}, "draws": n, "seed": s, "lab": name, "intervals":
    {key: [p5, p95]}}``: move each key's 5-95% interval
    (:mod:`frontiersim.dashboard.intervals`), validate the scenario exactly
    as a file, simulate, and answer with every lab's P(ruin)
    (with its Wilson interval) and, for the lab named (default: the first),
    the headline, fan quantiles, the ruin curve and the company P&L.
``POST /api/scenario.toml``
    The scenario as a TOML file to download, checked to read back the same.
``POST /api/runs``
    Simulate and record the run in the run store; answers with its id.

Bad input gets a 4xx JSON answer ``{"error": ..., "problems": [...]}``,
one problem per offending key (its path, the bad value and what was
expected). See ``docs/dashboard.md``.

Simulations run in a pool of worker processes
(:class:`~frontiersim.dashboard.pool.SimulationPool`), never in the server's
own process. A client is known by the ``X-Client-Id`` header the page sends
(a random id made once per page load), else by its address. A client's newer
``/api/simulate`` supersedes its older one, which is answered 409; "newer"
is by the ``X-Request-Number`` the client gives its requests, else by
arrival. When the
pool's caps are reached the server answers 503 with ``Retry-After``. A client
that disconnects (mid-body, or while its simulation waits or runs) is logged
in one line, and its waiting simulation is dropped.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tomllib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontiersim._version import __version__
from frontiersim.charts import render
from frontiersim.dashboard.inputs import (
    MAX_SEED,
    ApiError,
    ValidatedScenario,
    check_fields,
    check_json_content_type,
    integer_field,
    lab_field,
    message_field,
    parse_json_object,
    read_body,
    scenario_field,
)
from frontiersim.dashboard.intervals import apply_intervals
from frontiersim.dashboard.limits import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_DRAWS,
    DEFAULT_MAX_QUEUED_JOBS,
    default_workers,
)
from frontiersim.dashboard.payload import lab_rows, result_payload, table_labs
from frontiersim.dashboard.pool import (
    JobKind,
    JobSupersededError,
    PoolBusyError,
    PoolJob,
    SimulationPool,
)
from frontiersim.dashboard.presets import PresetError, list_presets, load_preset
from frontiersim.dashboard.sliders import slider_states
from frontiersim.dashboard.worker import save_job, simulation_job
from frontiersim.models.ranges import ModelRangeError
from frontiersim.models.registry import extension_sections
from frontiersim.scenario.errors import Problem
from frontiersim.scenario.loader import parse_scenario, parse_scenario_text
from frontiersim.scenario.writer import scenario_to_toml

__all__ = ["create_app", "lab_rows", "result_payload", "table_labs"]

logger = logging.getLogger(__name__)

#: Months of horizon allowed at the maximum number of draws (the default scenario's 5 years).
HORIZON_MONTHS_AT_MAX_DRAWS = 60

#: Host names that reach this machine only.
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")

#: Where the page's files live.
STATIC_DIR = Path(__file__).parent / "static"

#: Only this server may provide scripts, styles, images and data; nothing may frame the page.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

_SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}

#: Header by which a page names itself: a random id made once per page load.
CLIENT_ID_HEADER = "x-client-id"

#: What a client id may be: 8 to 64 letters, digits, ``-`` and ``_``.
CLIENT_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")

#: Header by which a client numbers its requests, increasing: an older update never supersedes a newer one.
REQUEST_NUMBER_HEADER = "x-request-number"

#: What a request number may be: an integer in [0, 2^53), written in at most 16 digits.
REQUEST_NUMBER_PATTERN = re.compile(r"[0-9]{1,16}")

#: Largest request number (JavaScript numbers are exact below it).
MAX_REQUEST_NUMBER = 2**53 - 1

_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class DashboardSettings:
    """Limits and paths of one dashboard app.

    Attributes
    ----------
    store_path : Path or None
        The run store (None: :func:`frontiersim.store.default_store_path`,
        resolved when used).
    max_draws : int
        Most draws a request may ask for.
    max_body_bytes : int
        Largest request body.
    max_draw_months : int
        Most draws x simulated months a request may ask for.
    allowed_hosts : tuple of str
        Host names the server answers to (``"*"``: any).
    workers : int
        Worker processes that run simulations (simulations running at once).
    max_queued_jobs : int
        Most simulations waiting for a worker, in total.
    """

    store_path: Path | None
    max_draws: int
    max_body_bytes: int
    max_draw_months: int
    allowed_hosts: tuple[str, ...]
    workers: int
    max_queued_jobs: int

    def limits(self) -> dict[str, int]:
        """The limits, for the page."""
        return {
            "max_draws": self.max_draws,
            "max_body_bytes": self.max_body_bytes,
            "max_draw_months": self.max_draw_months,
            "workers": self.workers,
            "max_queued_jobs": self.max_queued_jobs,
        }


# ---------------------------------------------------------------------------
# Guard: host and origin checks, security headers
# ---------------------------------------------------------------------------


def _host_name(host_header: str) -> str:
    """The host name of a Host header, without the port (IPv6 literals without brackets).

    Examples
    --------
    >>> _host_name("127.0.0.1:8050"), _host_name("[::1]:8050"), _host_name("LocalHost")
    ('127.0.0.1', '::1', 'localhost')
    """
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _same_origin(origin: str, scope: Scope, host: str) -> bool:
    """Whether ``origin`` is the dashboard's own: the same scheme and the same host and port.

    A page served over another scheme (``https://`` for an ``http://``
    dashboard, say) is another origin, as browsers define it (RFC 6454).
    """
    parts = urlsplit(origin)
    return parts.scheme.lower() == str(scope.get("scheme", "http")).lower() and parts.netloc.lower() == host.lower()


class _Guard:
    """ASGI middleware: answer only to allowed Host names, refuse cross-origin writes, add security headers.

    A page on another site cannot read the dashboard's answers (no CORS
    headers are sent), and the Host check stops DNS-rebinding pages from
    reaching it under another name. The Origin check refuses POSTs that a
    browser sends on behalf of another site.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.allowed_hosts = {h.lower().strip("[]") for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        refusal: ApiError | None = None
        if not self.any_host and _host_name(host) not in self.allowed_hosts:
            refusal = ApiError(400, f"this dashboard does not answer to host {host[:80]!r}")
        origin = headers.get("origin")
        writes = scope["method"] not in ("GET", "HEAD")
        if refusal is None and writes and origin is not None and not _same_origin(origin, scope, host):
            refusal = ApiError(403, f"cross-origin request from {origin[:80]!r} refused")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS.items():
                    response_headers.setdefault(name, value)
            await send(message)

        if refusal is not None:
            await _error_response(refusal)(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def _error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.payload(), status_code=error.status, headers={"cache-control": "no-store"})


async def _api_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, ApiError):  # pragma: no cover - registered for ApiError only
        raise exc
    return _error_response(exc)


async def _preset_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, PresetError):  # pragma: no cover - registered for PresetError only
        raise exc
    return _error_response(ApiError(exc.status, str(exc)))


async def _http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):  # pragma: no cover - registered for HTTPException only
        raise exc
    messages = {
        404: f"no such page or API route: {request.url.path[:200]}",
        405: f"method {request.method} not allowed",
    }
    message = messages.get(exc.status_code, str(exc.detail))
    response = _error_response(ApiError(exc.status_code, message))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _pool_busy(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, PoolBusyError):  # pragma: no cover - registered for PoolBusyError only
        raise exc
    response = _error_response(ApiError(503, f"{exc.message}; try again in {exc.retry_after_seconds} s"))
    response.headers["retry-after"] = str(exc.retry_after_seconds)
    return response


async def _superseded(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, JobSupersededError):  # pragma: no cover - registered for JobSupersededError only
        raise exc
    return _error_response(ApiError(409, str(exc)))


async def _out_of_range(request: Request, exc: Exception) -> Response:
    """A scenario whose values together overflow: bad input (422), with the likely cause."""
    if not isinstance(exc, ModelRangeError):  # pragma: no cover - registered for ModelRangeError only
        raise exc
    return _error_response(ApiError(422, str(exc)))


class ClientGoneError(ClientDisconnect):
    """The client disconnected while its job was queued or running; the message says which, and what became of it."""


async def _client_disconnected(request: Request, exc: Exception) -> Response:
    """One line in the log, no traceback; the answer goes nowhere."""
    if not isinstance(exc, ClientDisconnect):  # pragma: no cover - registered for ClientDisconnect only
        raise exc
    when = str(exc) if isinstance(exc, ClientGoneError) else "before sending the whole request body"
    logger.warning("%s %s: %s disconnected %s", request.method, request.url.path, _client_key_or_peer(request), when)
    return _error_response(ApiError(400, f"the client disconnected {when}"))


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    message = f"internal error ({type(exc).__name__}); the server log has the details"
    return _error_response(ApiError(500, message))


# ---------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------


def _peer(request: Request) -> str:
    return f"peer:{request.client.host}" if request.client is not None else "peer:unknown"


def client_key(request: Request) -> str:
    """Who sent a request: ``id:<X-Client-Id>`` when the header is there, else ``peer:<address>``.

    Pages on one machine share an address, so the page names itself with a
    random id made once per page load.

    Raises
    ------
    ApiError
        400 for a client id that is not 8 to 64 letters, digits, ``-`` or ``_``.
    """
    given = request.headers.get(CLIENT_ID_HEADER)
    if given is None:
        return _peer(request)
    if not CLIENT_ID_PATTERN.fullmatch(given):
        raise ApiError(400, f"X-Client-Id must be 8 to 64 letters, digits, '-' or '_'; got {given[:80]!r}")
    return f"id:{given}"


def request_number(request: Request) -> int | None:
    """The client's number for the request (``X-Request-Number``), or None without the header.

    Raises
    ------
    ApiError
        400 for a value that is not an integer in [0, 2^53).
    """
    given = request.headers.get(REQUEST_NUMBER_HEADER)
    if given is None:
        return None
    if not REQUEST_NUMBER_PATTERN.fullmatch(given) or int(given) > MAX_REQUEST_NUMBER:
        raise ApiError(400, f"X-Request-Number must be an integer in [0, 2^53); got {given[:80]!r}")
    return int(given)


def _client_key_or_peer(request: Request) -> str:
    """The client's key for the log (its address when its id is not valid)."""
    try:
        return client_key(request)
    except ApiError:
        return _peer(request)


async def _outcome(request: Request, pool: SimulationPool, job: PoolJob) -> Any:
    """Wait for a job's result, withdrawing the job if the client disconnects meanwhile.

    Raises
    ------
    ClientGoneError
        If the client disconnected (its queued job is dropped, its running update stopped).
    JobSupersededError, PoolBusyError
        As the pool answers.
    """
    disconnected = False
    result: Any = None
    failure: Exception | None = None
    async with anyio.create_task_group() as group:

        async def watch_disconnect() -> None:
            nonlocal disconnected
            while (await request.receive())["type"] != "http.disconnect":
                pass
            disconnected = True
            group.cancel_scope.cancel()

        group.start_soon(watch_disconnect)
        try:
            result = await asyncio.wrap_future(job.outcome)
        except Exception as error:  # raised after the task group, not wrapped in an exception group
            failure = error
        finally:
            group.cancel_scope.cancel()
    if disconnected:
        noun = "simulation" if job.kind == "update" else "save"
        raise ClientGoneError(f"while its {noun} was {pool.withdraw(job)}")
    if failure is not None:
        raise failure
    return result


# ---------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------


class _Dashboard:
    """The route handlers, sharing one :class:`DashboardSettings` and one :class:`SimulationPool`."""

    def __init__(self, settings: DashboardSettings) -> None:
        self.settings = settings
        self.pool = SimulationPool(settings.workers, settings.max_queued_jobs)

    async def _run(
        self, request: Request, client: str, kind: JobKind, function: Callable[..., Any], arguments: tuple[Any, ...]
    ) -> Any:
        """Run a job in the pool and wait for its result (refused at once with 503 when the caps are reached)."""
        job = self.pool.submit(client, kind, function, arguments, request_number(request))
        return await _outcome(request, self.pool, job)

    async def index(self, request: Request) -> Response:
        return FileResponse(STATIC_DIR / "index.html", headers={"cache-control": "no-cache"})

    async def vega_bundle(self, request: Request) -> Response:
        """Vega, Vega-Lite and Vega-Embed in one script (built once per process, then kept)."""
        bundle = await run_in_threadpool(render.javascript_bundle)
        return Response(bundle, media_type="text/javascript", headers={"cache-control": "max-age=3600"})

    async def presets(self, request: Request) -> Response:
        presets, notes = await run_in_threadpool(list_presets, self.settings.store_path)
        return JSONResponse(
            {"presets": presets, "notes": notes, "limits": self.settings.limits(), "version": __version__},
            headers={"cache-control": "no-store"},
        )

    async def status(self, request: Request) -> Response:
        return JSONResponse(self.pool.status(), headers={"cache-control": "no-store"})

    async def preset(self, request: Request) -> Response:
        preset_id = str(request.path_params["preset_id"])
        preset = await run_in_threadpool(load_preset, preset_id, self.settings.store_path)
        scenario = preset.scenario
        body = {
            "id": preset.preset_id,
            "label": preset.label,
            "name": scenario.meta.name,
            "description": scenario.meta.description,
            "scenario": preset.mapping,
            "draws": min(scenario.simulation.draws, self.settings.max_draws, 10_000),
            "seed": scenario.simulation.seed,
            "horizon_months": scenario.horizon_months,
            "labs": list(scenario.lab_names),
            "sliders": slider_states(preset.mapping, scenario),
        }
        return JSONResponse(body, headers={"cache-control": "no-store"})

    async def _request(
        self, request: Request, optional: tuple[str, ...], comment: str = "", kind: JobKind | None = None
    ) -> tuple[dict[str, Any], ValidatedScenario, int, int, str | None, list[str]]:
        """Read and check a POST body: its fields, the scenario (as a file), draws, seed and lab.

        The last item returned holds the notes on intervals moved within their
        keys' bounds (:func:`~frontiersim.dashboard.intervals.apply_intervals`).

        Every problem found is reported in one 422 answer. For a request that
        will simulate (``kind`` given): a client that comes back before the
        Retry-After it was given has passed waits out the rest of it first,
        and a pool that would refuse the request answers 503 before the
        scenario is validated.
        """
        check_json_content_type(request)
        if kind is not None:
            await anyio.sleep(self.pool.hold_seconds(client_key(request), kind))
        body = parse_json_object(await read_body(request, self.settings.max_body_bytes))
        if kind is not None:
            refusal = self.pool.refusal(client_key(request), kind)
            if refusal is not None:
                raise refusal
        problems = check_fields(body, ("scenario",), optional)
        validated, found = scenario_field(body, comment) if "scenario" in body else (None, [])
        problems += found
        notes: list[str] = []
        if validated is not None and "intervals" in body:
            validated, found, notes = _with_intervals(validated, body["intervals"], comment)
            problems += found
        draws, found = integer_field(body, "draws", 1, self.settings.max_draws)
        problems += found
        seed, found = integer_field(body, "seed", 0, MAX_SEED)
        problems += found
        if "message" in optional:
            problems += message_field(body)[1]
        lab: str | None = None
        if validated is not None:
            lab, found = lab_field(body, validated.scenario.lab_names)
            problems += found
        if validated is not None and draws is None and "draws" not in body:
            draws = validated.scenario.simulation.draws
            if draws > self.settings.max_draws:
                problems.append(
                    Problem(
                        "draws",
                        f"missing, and the scenario's [simulation] draws = {draws} is over the dashboard's limit "
                        f"of {self.settings.max_draws}; send draws",
                    )
                )
        if validated is not None and draws is not None:
            problems += self._horizon_problems(validated, draws)
        if problems or validated is None or draws is None:
            raise ApiError(422, "the request has problems; nothing was run", problems)
        if seed is None:
            seed = validated.scenario.simulation.seed
        return body, validated, draws, seed, lab, notes

    def _horizon_problems(self, validated: ValidatedScenario, draws: int) -> list[Problem]:
        months = validated.scenario.horizon_months
        cap = self.settings.max_draw_months
        if draws * months <= cap:
            return []
        most = max(cap // months, 0)
        return [
            Problem(
                "draws",
                f"{draws} draws x {months} months ({validated.scenario.meta.horizon_years}-year horizon) = "
                f"{draws * months} draw-months, over the dashboard's cap of {cap} "
                f"({self.settings.max_draws} draws of a {HORIZON_MONTHS_AT_MAX_DRAWS}-month horizon); "
                f"use at most {most} draws for this horizon, or run it with `frontiersim run`",
            )
        ]

    async def simulate(self, request: Request) -> Response:
        client = client_key(request)
        request_number(request)  # a bad one is refused before the body is read
        _, validated, draws, seed, lab, notes = await self._request(
            request, ("draws", "seed", "lab", "intervals"), kind="update"
        )
        payload = await self._run(request, client, "update", simulation_job, (validated.scenario, draws, seed, lab))
        payload["warnings"] = [*notes, *payload["warnings"]]
        return JSONResponse(payload, headers={"cache-control": "no-store"})

    async def scenario_toml(self, request: Request) -> Response:
        _, validated, draws, seed, _, notes = await self._request(request, ("draws", "seed", "lab", "intervals"))
        mapping = dict(validated.mapping)
        overrides = {"draws": draws, "seed": seed}
        mapping["simulation"] = {**validated.mapping.get("simulation", {}), **overrides}
        text = _checked_toml(mapping, "\n".join(["Downloaded from the frontiersim dashboard.", *notes]))
        name = _UNSAFE_FILE_CHARACTERS.sub("_", validated.scenario.meta.name).strip("._")[:80] or "scenario"
        return Response(
            text.encode("utf-8"),
            media_type="application/toml; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}.toml"', "cache-control": "no-store"},
        )

    async def save_run(self, request: Request) -> Response:
        """Simulate and record the run, in the pool like an update.

        A save is its client's explicit wish to keep a run, so the client's
        later updates (the sliders moving on) do not supersede it; a client
        has one save at a time. The record is begun, simulated and completed
        in the worker (:func:`~frontiersim.dashboard.worker.save_job`).
        """
        client = client_key(request)
        body, validated, draws, seed, lab, notes = await self._request(
            request, ("draws", "seed", "lab", "message", "intervals"), kind="save"
        )
        message, _ = message_field(body)
        mapping = dict(validated.mapping)
        mapping["simulation"] = {**validated.mapping.get("simulation", {}), "draws": draws, "seed": seed}
        text = _checked_toml(mapping, "Saved from the frontiersim dashboard.")
        scenario = ValidatedScenario(
            mapping, text, parse_scenario_text(text, "scenario", extra_sections=extension_sections())
        )
        from frontiersim.store import StoreError  # noqa: PLC0415 - the store pulls in DuckDB only when used

        store_path = await run_in_threadpool(self._store_path)
        arguments = (store_path, scenario, draws, seed, message, lab)
        try:
            payload = await self._run(request, client, "save", save_job, arguments)
        except StoreError as error:
            raise ApiError(503, f"could not save the run: {error}") from None
        payload["warnings"] = [*notes, *payload["warnings"]]
        return JSONResponse(payload, headers={"cache-control": "no-store"})

    def _store_path(self) -> Path:
        from frontiersim.store import default_store_path  # noqa: PLC0415 - the store pulls in DuckDB only when used

        return self.settings.store_path if self.settings.store_path is not None else default_store_path()


def _with_intervals(
    validated: ValidatedScenario, intervals: Any, comment: str
) -> tuple[ValidatedScenario | None, list[Problem], list[str]]:
    """The scenario with the request's ``intervals`` applied: each key stretched to its new 5-95% interval.

    The stretched scenario is validated again, as a file, so the page can
    send nothing a file could not hold (see :mod:`frontiersim.dashboard.intervals`).
    The notes say which intervals were moved within their keys' bounds.
    """
    mapping, problems, notes = apply_intervals(validated.mapping, validated.scenario, intervals)
    if mapping is None:
        return None, problems, []
    checked, problems = scenario_field({"scenario": mapping}, comment)
    return checked, problems, notes


def _checked_toml(mapping: dict[str, Any], comment: str) -> str:
    """TOML text of a valid scenario mapping, checked to read back as the same mapping and scenario."""
    text = scenario_to_toml(mapping, comment)
    if tomllib.loads(text) != mapping or parse_scenario_text(
        text, extra_sections=extension_sections()
    ) != parse_scenario(mapping, extra_sections=extension_sections()):
        raise ApiError(500, "internal error: the scenario's TOML text does not read back the same")
    return text


def create_app(
    store_path: str | Path | None = None,
    *,
    max_draws: int = DEFAULT_MAX_DRAWS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_draw_months: int | None = None,
    allowed_hosts: Sequence[str] = LOOPBACK_HOSTS,
    workers: int | None = None,
    max_queued_jobs: int = DEFAULT_MAX_QUEUED_JOBS,
) -> Starlette:
    """The dashboard as an ASGI app.

    Parameters
    ----------
    store_path : str or Path, optional
        The run store for stored-run presets and "save run" (default:
        :func:`frontiersim.store.default_store_path`).
    max_draws : int
        Most draws a request may ask for.
    max_body_bytes : int
        Largest request body; larger ones get 413, whatever their
        Content-Length says.
    max_draw_months : int, optional
        Most draws x simulated months per request (default: ``max_draws``
        draws of a 5-year horizon), so that a long horizon cannot hold the
        server.
    allowed_hosts : sequence of str
        Host names the server answers to (default: loopback names only;
        ``"*"`` for any).
    workers : int, optional
        Worker processes that run simulations (default: the CPUs this
        process may use). They start with the first simulation, or before
        it with ``app.state.pool.start()`` (``frontiersim serve`` does), and
        stop when the app shuts down (its lifespan).
    max_queued_jobs : int
        Most simulations waiting for a worker, in total; beyond it requests
        get 503 with ``Retry-After`` (0: none wait, a request runs only on a
        free worker).

    Returns
    -------
    starlette.applications.Starlette

    Raises
    ------
    ValueError
        For a limit below 1 (``max_queued_jobs``: below 0).

    Examples
    --------
    >>> app = create_app(max_draws=5000)
    >>> app.state.settings.max_draw_months  # 5000 draws of a 5-year horizon
    300000

    Serve it with ``frontiersim serve``, or any ASGI server:
    ``uvicorn.run(create_app(), host="127.0.0.1", port=8050)``.
    """
    limits = {
        "max_draws": (max_draws, 1),
        "max_body_bytes": (max_body_bytes, 1),
        "max_draw_months": (max_draw_months, 1),
        "workers": (workers, 1),
        "max_queued_jobs": (max_queued_jobs, 0),
    }
    for name, (value, lowest) in limits.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < lowest):
            raise ValueError(f"{name} must be an integer >= {lowest}, got {value!r}")
    settings = DashboardSettings(
        store_path=Path(store_path).expanduser() if store_path is not None else None,
        max_draws=max_draws,
        max_body_bytes=max_body_bytes,
        max_draw_months=max_draw_months if max_draw_months is not None else max_draws * HORIZON_MONTHS_AT_MAX_DRAWS,
        allowed_hosts=tuple(allowed_hosts),
        workers=workers if workers is not None else default_workers(),
        max_queued_jobs=max_queued_jobs,
    )
    dashboard = _Dashboard(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(dashboard.pool.close)

    routes = [
        Route("/", dashboard.index, methods=["GET"]),
        Route("/static/vendor/vega.js", dashboard.vega_bundle, methods=["GET"]),
        Route("/api/presets", dashboard.presets, methods=["GET"]),
        Route("/api/presets/{preset_id}", dashboard.preset, methods=["GET"]),
        Route("/api/status", dashboard.status, methods=["GET"]),
        Route("/api/simulate", dashboard.simulate, methods=["POST"]),
        Route("/api/scenario.toml", dashboard.scenario_toml, methods=["POST"]),
        Route("/api/runs", dashboard.save_run, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    handlers: dict[Any, Callable[[Request, Exception], Any]] = {
        ApiError: _api_error,
        PresetError: _preset_error,
        HTTPException: _http_error,
        PoolBusyError: _pool_busy,
        JobSupersededError: _superseded,
        ModelRangeError: _out_of_range,
        ClientDisconnect: _client_disconnected,
        Exception: _unexpected_error,
    }
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    app.add_middleware(_Guard, allowed_hosts=settings.allowed_hosts)
    app.state.settings = settings
    app.state.pool = dashboard.pool
    return app
