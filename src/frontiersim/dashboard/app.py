"""The dashboard: a small JSON API and a static page, served by Starlette.

Routes
------
``GET /``
    The page (``static/index.html``); its script and style sheet are served
    from ``/static/``. Nothing is loaded from elsewhere: the charts are SVG
    drawn by the page's own script, and the Content-Security-Policy allows
    only this server.
``GET /api/presets``
    The bundled scenarios (the default and the worked examples) and the
    complete runs in the run store, with the dashboard's limits.
``GET /api/presets/{id}``
    A preset's scenario as a JSON mapping (as read from its TOML), its labs,
    and the sliders' starting values.
``POST /api/simulate``
    ``{"scenario": {...}, "draws": n, "seed": s, "lab": name}``: validate the
    scenario exactly as a file, simulate, and answer with every lab's P(ruin)
    (with its Wilson interval) and, for the lab named (default: the first),
    the headline, fan quantiles, the ruin curve and the company P&L.
``POST /api/scenario.toml``
    The scenario as a TOML file to download, checked to read back the same.
``POST /api/runs``
    Simulate and record the run in the run store; answers with its id.

Bad input gets a 4xx JSON answer ``{"error": ..., "problems": [...]}``,
one problem per offending key (its path, the bad value and what was
expected). See ``docs/dashboard.md``.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
import tomllib
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontiersim._version import __version__
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
from frontiersim.dashboard.presets import PresetError, list_presets, load_preset
from frontiersim.dashboard.sliders import slider_states
from frontiersim.models.registry import extension_sections
from frontiersim.results.result import SimulationResult
from frontiersim.results.tables import draw_tables, run_tables
from frontiersim.scenario.errors import Problem
from frontiersim.scenario.loader import parse_scenario, parse_scenario_text
from frontiersim.scenario.writer import scenario_to_toml
from frontiersim.simulate import simulate

logger = logging.getLogger(__name__)

#: Most draws one request may ask for.
DEFAULT_MAX_DRAWS = 20_000

#: Largest request body, bytes.
DEFAULT_MAX_BODY_BYTES = 65_536

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

#: One simulation at a time: the machine's cores go to the run in hand, and warnings are caught per run.
_SIMULATION_LOCK = threading.Lock()

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
    """

    store_path: Path | None
    max_draws: int
    max_body_bytes: int
    max_draw_months: int
    allowed_hosts: tuple[str, ...]

    def limits(self) -> dict[str, int]:
        """The limits, for the page."""
        return {
            "max_draws": self.max_draws,
            "max_body_bytes": self.max_body_bytes,
            "max_draw_months": self.max_draw_months,
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


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    message = f"internal error ({type(exc).__name__}); the server log has the details"
    return _error_response(ApiError(500, message))


# ---------------------------------------------------------------------------
# JSON of results
# ---------------------------------------------------------------------------


def _finite(value: Any) -> float | None:
    """A float for JSON: None for NaN and infinities (JSON has neither)."""
    number = float(value)
    return number if math.isfinite(number) else None


def _numbers(values: Any) -> list[float | None]:
    return [_finite(v) for v in np.asarray(values, dtype=float)]


def _json_scalar(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return _finite(value)
    return value


def lab_rows(table: pd.DataFrame, lab: str | None) -> pd.DataFrame:
    """The rows of one lab of a run table, without the ``lab`` column.

    A table without a ``lab`` column (what all labs share, or a table of one
    lab) is returned whole, as is every table when ``lab`` is None.
    """
    if lab is None or "lab" not in table.columns:
        return table
    rows = table[table["lab"].astype(str) == lab]
    return rows.drop(columns="lab").reset_index(drop=True)


def table_labs(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """The labs of a run's tables, in order (from the ``lab`` column of the headline; empty without one)."""
    headline = tables["headline"]
    return list(dict.fromkeys(str(lab) for lab in headline["lab"])) if "lab" in headline.columns else []


def _fan_payload(fan: pd.DataFrame) -> dict[str, Any]:
    """Fan rows as the page draws them: ``period``, ``dates`` and per variable its quantiles over time."""
    variables = []
    dates: list[str] = []
    period = ""
    for name in dict.fromkeys(str(v) for v in fan["variable"]):
        rows = fan[fan["variable"] == name]
        dates = [str(d) for d in rows["date"]]
        period = str(rows["period"].iloc[0])
        label = str(rows["label"].iloc[0]) if "label" in rows.columns else name
        entry: dict[str, Any] = {"name": name, "label": label, "units": str(rows["units"].iloc[0])}
        for column in ("mean", "p5", "p25", "p50", "p75", "p95"):
            entry[column] = _numbers(rows[column])
        variables.append(entry)
    return {"period": period, "dates": dates, "variables": variables}


#: A fan table without rows.
_EMPTY_FAN = pd.DataFrame({"variable": pd.Series(dtype=str)})

#: Headline figures given for every lab.
_LAB_HEADLINE = (
    "p_ruin",
    "p_ruin_low",
    "p_ruin_high",
    "revenue_final_year_median_usd",
    "cash_final_year_median_usd",
    "p_ruin_including_runoff",
    "obligations_after_horizon_median_usd",
)


def result_payload(tables: Mapping[str, pd.DataFrame], lab: str | None = None) -> dict[str, Any]:
    """The JSON the page draws: one lab's headline, fans, ruin curve and company P&L, and every lab's P(ruin).

    Parameters
    ----------
    tables : mapping of str to DataFrame
        :func:`frontiersim.results.tables.run_tables` of the run (its tables
        of several labs have a ``lab`` column; a table without one is
        taken as the one lab's).
    lab : str, optional
        The lab whose figures are drawn (default: the first).

    Returns
    -------
    dict
        ``lab`` (the lab drawn; None for tables without a ``lab`` column),
        ``labs`` (per lab ``name``, ``p_ruin`` with its Wilson interval
        ``p_ruin_low``/``p_ruin_high`` and the final-year medians of revenue
        and cash), and for the lab drawn: ``headline`` (one row as a
        mapping), ``fan`` (``period``, ``dates`` and per variable ``name``,
        ``label``, ``units`` and the columns ``mean``, ``p5``, ``p25``,
        ``p50``, ``p75``, ``p95``), ``ruin_curve`` (``dates``, ``p_ruin``),
        ``company_pnl`` (``years``, ``lines``, each with its ``units``) and
        ``milestones`` (when capability drives demand: per milestone
        ``milestone``, ``share_reached``, ``p5_date``, ``p50_date``,
        ``p95_date``; else an empty list); and ``market`` (fans of what all
        labs share, as ``fan``; empty ``variables`` without it). Non-finite
        numbers become null.

    Raises
    ------
    ValueError
        For a lab the tables do not have.
    """
    labs = table_labs(tables)
    if lab is not None and labs and lab not in labs:
        raise ValueError(f"no lab named {lab!r}; labs: {', '.join(labs)}")
    chosen = lab if lab is not None else (labs[0] if labs else None)
    headline_rows = tables["headline"]
    headline = {str(k): _json_scalar(v) for k, v in lab_rows(headline_rows, chosen).iloc[0].items()}
    ruin = lab_rows(tables["ruin_curve"], chosen)
    pnl = lab_rows(tables["company_pnl"], chosen)
    years = [str(c) for c in pnl.columns if str(c).isdigit()]
    market = tables.get("market")
    return {
        "lab": chosen,
        "labs": [
            {"name": str(row["lab"]), **{key: _json_scalar(row[key]) for key in _LAB_HEADLINE if key in row.index}}
            for _, row in (headline_rows.iterrows() if labs else ())
        ],
        "headline": headline,
        "fan": _fan_payload(lab_rows(tables["fan"], chosen)),
        "market": _fan_payload(market) if market is not None and len(market) else _fan_payload(_EMPTY_FAN),
        "ruin_curve": {"dates": [str(d) for d in ruin["date"]], "p_ruin": _numbers(ruin["p_ruin"])},
        "company_pnl": {
            "years": years,
            "lines": [
                {
                    "line": str(row["line"]),
                    "units": str(row["units"]) if "units" in pnl.columns else "USD",
                    "values": _numbers(row[years]),
                }
                for _, row in pnl.iterrows()
            ],
        },
        "milestones": [
            {
                "milestone": str(row["milestone"]),
                "share_reached": _json_scalar(row["share_reached"]),
                **{column: str(row[column]) for column in ("p5_date", "p50_date", "p95_date")},
            }
            for _, row in lab_rows(tables.get("milestones", pd.DataFrame()), chosen).iterrows()
        ],
    }


# ---------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """A finished simulation and what was made of it."""

    result: SimulationResult
    tables: dict[str, pd.DataFrame]
    per_draw: dict[str, pd.DataFrame]
    simulate_seconds: float
    tables_seconds: float
    warnings: tuple[str, ...]


def _simulate(scenario: ValidatedScenario, draws: int, seed: int, *, with_draws: bool = False) -> _Run:
    """Simulate and tabulate (runs in a worker thread, one at a time); warnings are collected, not raised."""
    with _SIMULATION_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        result = simulate(scenario.scenario, draws=draws, seed=seed, keep_monthly=True)
        simulated = time.perf_counter()
        tables = run_tables(result)
        per_draw = draw_tables(result) if with_draws else {}
        finished = time.perf_counter()
    messages = tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    return _Run(result, tables, per_draw, simulated - started, finished - simulated, messages)


def _run_payload(run: _Run, draws: int, seed: int, lab: str | None) -> dict[str, Any]:
    payload = result_payload(run.tables, lab)
    payload["draws"] = draws
    payload["seed"] = seed
    payload["timing"] = {"simulate_seconds": run.simulate_seconds, "tables_seconds": run.tables_seconds}
    payload["warnings"] = list(run.warnings)
    return payload


# ---------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------


class _Dashboard:
    """The route handlers, sharing one :class:`DashboardSettings`."""

    def __init__(self, settings: DashboardSettings) -> None:
        self.settings = settings

    async def index(self, request: Request) -> Response:
        return FileResponse(STATIC_DIR / "index.html", headers={"cache-control": "no-cache"})

    async def presets(self, request: Request) -> Response:
        presets, notes = await run_in_threadpool(list_presets, self.settings.store_path)
        return JSONResponse(
            {"presets": presets, "notes": notes, "limits": self.settings.limits(), "version": __version__},
            headers={"cache-control": "no-store"},
        )

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
        self, request: Request, optional: tuple[str, ...], comment: str = ""
    ) -> tuple[dict[str, Any], ValidatedScenario, int, int, str | None]:
        """Read and check a POST body: its fields, the scenario (as a file), draws, seed and lab.

        Every problem found is reported in one 422 answer.
        """
        check_json_content_type(request)
        body = parse_json_object(await read_body(request, self.settings.max_body_bytes))
        problems = check_fields(body, ("scenario",), optional)
        validated, found = scenario_field(body, comment) if "scenario" in body else (None, [])
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
        return body, validated, draws, seed, lab

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
        _, validated, draws, seed, lab = await self._request(request, ("draws", "seed", "lab"))
        run = await run_in_threadpool(_simulate, validated, draws, seed)
        return JSONResponse(_run_payload(run, draws, seed, lab), headers={"cache-control": "no-store"})

    async def scenario_toml(self, request: Request) -> Response:
        _, validated, draws, seed, _ = await self._request(request, ("draws", "seed", "lab"))
        mapping = dict(validated.mapping)
        overrides = {"draws": draws, "seed": seed}
        mapping["simulation"] = {**validated.mapping.get("simulation", {}), **overrides}
        text = _checked_toml(mapping, "Downloaded from the frontiersim dashboard.")
        name = _UNSAFE_FILE_CHARACTERS.sub("_", validated.scenario.meta.name).strip("._")[:80] or "scenario"
        return Response(
            text.encode("utf-8"),
            media_type="application/toml; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}.toml"', "cache-control": "no-store"},
        )

    async def save_run(self, request: Request) -> Response:
        body, validated, draws, seed, lab = await self._request(request, ("draws", "seed", "lab", "message"))
        message, _ = message_field(body)
        mapping = dict(validated.mapping)
        mapping["simulation"] = {**validated.mapping.get("simulation", {}), "draws": draws, "seed": seed}
        text = _checked_toml(mapping, "Saved from the frontiersim dashboard.")
        scenario = ValidatedScenario(
            mapping, text, parse_scenario_text(text, "scenario", extra_sections=extension_sections())
        )
        run_id, run = await run_in_threadpool(self._record, scenario, draws, seed, message)
        payload = _run_payload(run, draws, seed, lab)
        payload["run_id"] = run_id
        payload["store"] = str(self._store_path())
        return JSONResponse(payload, headers={"cache-control": "no-store"})

    def _store_path(self) -> Path:
        from frontiersim.store import default_store_path  # noqa: PLC0415 - the store pulls in DuckDB only when used

        return self.settings.store_path if self.settings.store_path is not None else default_store_path()

    def _record(self, scenario: ValidatedScenario, draws: int, seed: int, message: str) -> tuple[str, _Run]:
        """Simulate and record the run in the store (in a worker thread).

        The record is begun before the simulation and completed by
        :func:`~frontiersim.store.record.record_simulation`, the one function
        that records a simulation (the CLI's ``run`` uses it too).
        """
        # the store pulls in DuckDB only when used
        from frontiersim.store import RunStore, StoreError  # noqa: PLC0415
        from frontiersim.store.record import begin_simulation, record_simulation  # noqa: PLC0415

        store = RunStore(self.settings.store_path)
        try:
            run_id = begin_simulation(
                store,
                scenario.scenario,
                seed=seed,
                draws=draws,
                message=message,
                command=["frontiersim", "serve"],
                scenario_text=scenario.text,
            )
        except StoreError as error:
            raise ApiError(503, f"could not save the run: {error}") from None
        try:
            run = _simulate(scenario, draws, seed, with_draws=True)
        except BaseException as error:
            try:
                store.fail(run_id, f"{type(error).__name__}: {error}")
            except StoreError:
                logger.exception("could not mark run %s failed", run_id)
            raise
        try:
            record_simulation(store, run.result, run_id=run_id, tables=run.tables, per_draw=run.per_draw)
        except StoreError as error:  # the record is marked failed
            raise ApiError(503, f"could not save the run: {error}") from None
        return run_id, run


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

    Returns
    -------
    starlette.applications.Starlette

    Raises
    ------
    ValueError
        For a limit below 1.

    Examples
    --------
    >>> app = create_app(max_draws=5000)
    >>> app.state.settings.max_draw_months  # 5000 draws of a 5-year horizon
    300000

    Serve it with ``frontiersim serve``, or any ASGI server:
    ``uvicorn.run(create_app(), host="127.0.0.1", port=8050)``.
    """
    limits = {"max_draws": max_draws, "max_body_bytes": max_body_bytes, "max_draw_months": max_draw_months}
    for name, value in limits.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    settings = DashboardSettings(
        store_path=Path(store_path).expanduser() if store_path is not None else None,
        max_draws=max_draws,
        max_body_bytes=max_body_bytes,
        max_draw_months=max_draw_months if max_draw_months is not None else max_draws * HORIZON_MONTHS_AT_MAX_DRAWS,
        allowed_hosts=tuple(allowed_hosts),
    )
    dashboard = _Dashboard(settings)
    routes = [
        Route("/", dashboard.index, methods=["GET"]),
        Route("/api/presets", dashboard.presets, methods=["GET"]),
        Route("/api/presets/{preset_id}", dashboard.preset, methods=["GET"]),
        Route("/api/simulate", dashboard.simulate, methods=["POST"]),
        Route("/api/scenario.toml", dashboard.scenario_toml, methods=["POST"]),
        Route("/api/runs", dashboard.save_run, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    handlers: dict[Any, Callable[[Request, Exception], Any]] = {
        ApiError: _api_error,
        PresetError: _preset_error,
        HTTPException: _http_error,
        Exception: _unexpected_error,
    }
    app = Starlette(routes=routes, exception_handlers=handlers)
    app.add_middleware(_Guard, allowed_hosts=settings.allowed_hosts)
    app.state.settings = settings
    return app
