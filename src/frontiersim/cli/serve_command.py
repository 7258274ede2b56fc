"""``frontiersim serve``: the dashboard, on this machine by default."""

from __future__ import annotations

import argparse
import ipaddress
import sys
import threading
import webbrowser
from typing import Any

from frontiersim.cli.arguments import non_negative_int, port_number, positive_int
from frontiersim.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from frontiersim.dashboard.limits import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_DRAWS,
    DEFAULT_MAX_QUEUED_JOBS,
    default_workers,
)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``127.0.0.0/8``, ``::1`` or ``localhost``).

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``frontiersim serve`` on the frontiersim parser."""
    serve = commands.add_parser(
        "serve",
        help="start the dashboard: sliders, presets and live re-simulation in the browser",
        description="Serve the dashboard on http://HOST:PORT/. It listens on 127.0.0.1 (this machine only) "
        "unless --host names another address and --allow-remote is given. Stop it with Ctrl-C.",
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (default: %(default)s)")
    serve.add_argument(
        "--port", type=port_number, default=DEFAULT_PORT, help="port (default: %(default)s; 0: any free)"
    )
    serve.add_argument("--store", help="run store file for stored presets and saved runs (default: the user's store)")
    serve.add_argument(
        "--max-draws",
        type=positive_int,
        default=DEFAULT_MAX_DRAWS,
        help="most draws per request (default: %(default)s)",
    )
    serve.add_argument(
        "--max-body-bytes",
        type=positive_int,
        default=DEFAULT_MAX_BODY_BYTES,
        help="largest request body, bytes (default: %(default)s)",
    )
    serve.add_argument(
        "--workers",
        type=positive_int,
        default=default_workers(),
        help="worker processes that run simulations, i.e. simulations at once (default: the CPUs, %(default)s)",
    )
    serve.add_argument(
        "--max-queued",
        type=non_negative_int,
        default=DEFAULT_MAX_QUEUED_JOBS,
        help="most simulations waiting for a worker, in total; beyond it requests get 503 with Retry-After "
        "(default: %(default)s)",
    )
    serve.add_argument("--open", action="store_true", help="open the dashboard in the default web browser")
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host that other machines can reach (the dashboard has no login: anyone who can "
        "connect can run simulations and save runs)",
    )
    serve.set_defaults(handler=_cmd_serve)


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from frontiersim.dashboard.app import LOOPBACK_HOSTS, create_app  # noqa: PLC0415

    loopback = is_loopback(args.host)
    if not loopback and not args.allow_remote:
        print(
            f"error: --host {args.host} can be reached from other machines, and the dashboard has no login; "
            "use --host 127.0.0.1, or add --allow-remote if you mean it",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    if not loopback:
        print(
            f"warning: serving on {args.host}: anyone who can reach this address can run simulations "
            "and save runs to the store",
            file=sys.stderr,
        )
    allowed_hosts = (*LOOPBACK_HOSTS, args.host) if loopback else ("*",)
    app = create_app(
        args.store,
        max_draws=args.max_draws,
        max_body_bytes=args.max_body_bytes,
        allowed_hosts=allowed_hosts,
        workers=args.workers,
        max_queued_jobs=args.max_queued,
    )
    app.state.pool.start()  # the workers start while the server does, not with the first simulation
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", server_header=False)
    server = uvicorn.Server(config)
    shown_host = f"[{args.host}]" if ":" in args.host else args.host

    def announce() -> None:
        # the port is known once the socket is bound (it may have been 0: any free port)
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if not server.started:
            return
        port = server.servers[0].sockets[0].getsockname()[1] if server.servers else args.port
        url = f"http://{shown_host}:{port}/"
        print(f"frontiersim dashboard on {url} (Ctrl-C to stop)", flush=True)
        if args.open:
            webbrowser.open(url)

    threading.Thread(target=announce, name="announce", daemon=True).start()
    try:
        server.run()
    except SystemExit:  # uvicorn exits when it cannot bind (the reason is already logged)
        print(f"error: could not serve on {shown_host}:{args.port}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        app.state.pool.close()  # done already if the server ran its shutdown
    return EXIT_OK if server.started else EXIT_FAILED
