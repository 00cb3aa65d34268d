"""The `cip` command. Subcommand names, flags and outputs are relied on by other tools."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from subgraph.runtime import (
    CommandError,
    check_no_pending_migrations,
    database,
    describe_database,
    migrate,
    settings_or_exit,
)
from subgraph.settings import ConfigError, Settings, new_key

DEFAULT_SCHEMA_PATH = "schema/cip.graphql"


def cmd_migrate(_: argparse.Namespace) -> int:
    settings = settings_or_exit()
    migrate(settings)
    print(f"cip: migrations applied ({describe_database(settings.database_url)})")
    return 0


def uvicorn_options(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    from subgraph import nodelay

    return {
        "factory": True,
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        "http": nodelay.PROTOCOL,  # every keep-alive response without a 40 ms wait
        "access_log": False,  # uvicorn's access log names client addresses
        "log_config": None,  # CIP's JSON lines (subgraph/logs.py), set up again in each worker
        "log_level": settings.log_level.lower(),
        # Keep-alive for graphql-transport-ws: a WebSocket ping this often (SSE streams send
        # their own `: ping` comment, subgraph/app.py).
        "ws_ping_interval": float(settings.subscription_keepalive_seconds),
        "ws_ping_timeout": float(settings.subscription_keepalive_seconds),
    }


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from subgraph.logs import configure_logging

    settings = settings_or_exit()
    configure_logging(settings.log_level)
    if args.no_migrate:
        check_no_pending_migrations(settings)
    else:
        migrate(settings)
    _check_master_key(settings)
    check_port_free(args.host, args.port, "--port")
    if settings.metrics_port is not None and not settings.is_dev:
        check_port_free(settings.metrics_host, settings.metrics_port, "CIP_METRICS_PORT")
    for line in serve_banner(settings, args.host, args.port):
        print(line, flush=True)  # uvicorn ends on a re-raised signal: no flush at exit
    if args.workers > 1 and settings.database_url.startswith("sqlite://"):
        print(
            "cip: on SQLite, live activity stays inside each worker: a subscriber hears only "
            "the changes its own worker served. Use one worker, or PostgreSQL (LISTEN/NOTIFY).",
            flush=True,
        )
    uvicorn.run("subgraph.asgi:app_factory", **uvicorn_options(args, settings))
    return 0


def serve_banner(settings: Settings, host: str, port: int) -> list[str]:
    """What `cip serve` prints before it serves: GraphiQL and `cip token` only where they
    exist (GraphiQL when on, `cip token` in dev)."""
    base = f"http://{host}:{port}"
    lines = [f"cip: serving {settings.env} on {describe_database(settings.database_url)}"]
    if settings.graphiql and settings.is_dev:
        lines.append(
            f"cip: GraphiQL at {base}/graphql (paste a token from `cip token` into Headers)"
        )
    elif settings.graphiql:
        lines.append(f"cip: GraphiQL at {base}/graphql")
    else:
        lines.append(f"cip: GraphQL at {base}/graphql")
    if settings.metrics_port is not None:
        lines.append(
            f"cip: metrics at http://{settings.metrics_host}:{settings.metrics_port}/metrics"
        )
    return lines


def check_port_free(host: str, port: int, what: str) -> None:
    """One line, before anything is served, when the address is already taken."""
    import errno
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"port {port} on {host} is in use; stop what holds it or choose another "
                    f"with {what}"
                ) from error
            raise CommandError(
                f"cannot listen on {host}:{port} ({error.strerror}); choose another with {what}"
            ) from error


def _check_master_key(settings: Settings) -> None:
    """Refuse to start with a master key that does not open this database's keys."""
    from models.clock import Clock
    from models.master_key import MasterKeyError, check_master_key

    async def check() -> None:
        async with database(settings):
            await check_master_key(settings.master_key, Clock(settings.today).today())

    try:
        asyncio.run(check())
    except MasterKeyError as error:
        raise CommandError(f"refusing to start: {error}") from error


def cmd_rotate_master_key(args: argparse.Namespace) -> int:
    import os

    from models.master_key import MasterKeyError, Rotation, rotate_master_key
    from subgraph.settings import decode_key

    settings = settings_or_exit()
    raw = os.environ.get("CIP_NEW_MASTER_KEY")
    if not raw:
        raise CommandError("set CIP_NEW_MASTER_KEY (make one with `cip keygen`)")
    try:
        new = decode_key("CIP_NEW_MASTER_KEY", raw)
    except ConfigError as error:
        raise CommandError(f"configuration error: {error}") from error
    if args.batch_size < 1:
        raise CommandError("--batch-size must be at least 1")
    if new == settings.master_key:
        raise CommandError("CIP_NEW_MASTER_KEY equals CIP_MASTER_KEY; nothing to rotate")
    migrate(settings)

    def progress(done: Rotation) -> None:
        print(
            f"cip: batch {done.batches}: {done.rewrapped} re-wrapped, "
            f"{done.already} already under the new key",
            flush=True,
        )

    async def rotate() -> Rotation:
        async with database(settings):
            return await rotate_master_key(
                settings.master_key, new, batch_size=args.batch_size, progress=progress
            )

    try:
        done = asyncio.run(rotate())
    except MasterKeyError as error:
        raise CommandError(f"rotation stopped: {error}; fix it and run again", 1) from error
    print(
        f"cip: master key rotated: {done.rewrapped} data keys re-wrapped, {done.already} "
        "already under the new key; set CIP_MASTER_KEY to the new key and restart"
    )
    return 0


def cmd_export_schema(args: argparse.Namespace) -> int:
    from schema.build import export_sdl

    path = Path(args.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(export_sdl())
    print(f"cip: schema written to {path}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from models.clock import Clock
    from resolvers.aggregates import releases

    settings = settings_or_exit()
    today = Clock(settings.today).today()
    last = releases.last_complete_week_end(today)
    if args.week:
        try:
            as_of = releases.week_end(args.week)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if as_of > last:
            raise CommandError(f"week {releases.iso_week(as_of)} is not complete yet")
    else:
        as_of = last
    migrate(settings)
    computed, stored, neighborhoods = asyncio.run(
        _release_all(settings, as_of, today, recompute=args.recompute)
    )
    print(
        f"cip: week {releases.iso_week(as_of)}: {computed + stored} releases for "
        f"{neighborhoods} neighbourhoods ({computed} computed, {stored} already stored)"
    )
    return 0


async def _release_all(
    settings: Settings, as_of: dt.date, today: dt.date, *, recompute: bool
) -> tuple[int, int, int]:
    from resolvers.aggregates import releases
    from resolvers.aggregates.perturbation import noise_key

    secret = noise_key(settings.pseudonym_key)
    computed = stored = 0
    async with database(settings):
        neighborhoods = await releases.neighborhoods_with_rows()
        week = releases.iso_week(as_of)
        for neighborhood in neighborhoods:
            # A week's windows are computed together, from one weekly base.
            if recompute:
                await releases.recompute(neighborhood, as_of, today, secret)
                fresh = True
            else:
                _, fresh = await releases.release(
                    neighborhood, as_of, releases.WINDOWS[0], today, secret
                )
            for window in releases.WINDOWS:
                computed, stored = computed + fresh, stored + (not fresh)
                state = "computed" if fresh else "already stored"
                print(f"cip: release {neighborhood} {week} window {window}: {state}", flush=True)
        # Every neighbourhood's, not only those computed now: none a window still reads.
        forgotten = await releases.forget_coordinator_weeks(today)
        print(f"cip: {forgotten} coordinator weekly counts no window reads deleted", flush=True)
    return computed, stored, len(neighborhoods)


def cmd_purge(_: argparse.Namespace) -> int:
    """Delete everything expired (for a cron; `cip serve` also does it in the background)."""
    from models.clock import Clock
    from resolvers.expiry import purge_all

    settings = settings_or_exit()
    today = Clock(settings.today).today()

    def progress(kind: str, count: int) -> None:
        print(f"cip: purge {kind.replace('_', ' ')}: {count}", flush=True)

    async def purge() -> dict[str, int]:
        async with database(settings, migrated=True):
            return await purge_all(today, settings.update_ttl_days, progress)

    done = asyncio.run(purge())
    print(f"cip: purged {sum(done.values())} expired rows as of {today.isoformat()}")
    return 0


def cmd_keygen(_: argparse.Namespace) -> int:
    print(f"CIP_PSEUDONYM_KEY={new_key()}")
    print(f"CIP_MASTER_KEY={new_key()}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from auth.devtokens import mint_dev_token

    settings = settings_or_exit()
    if not settings.is_dev or settings.dev_jwt_secret is None:
        raise CommandError("`cip token` mints dev tokens only; set CIP_ENV=dev")
    if args.ttl < 1:
        raise CommandError("--ttl must be at least 1 second")
    nbh = [n.strip() for n in (args.nbh or "").split(",") if n.strip()]
    print(
        mint_dev_token(
            secret=settings.dev_jwt_secret,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            sub=args.sub,
            scopes=(args.scope or "").split(),
            neighborhoods=nbh,
            ttl_seconds=args.ttl,
        )
    )
    return 0


def cmd_seed_resources(args: argparse.Namespace) -> int:
    from resolvers.support.resource_seed import (
        DEFAULT_FILE,
        ResourceFileError,
        parse_resource_file,
        placeholders,
        seed_global,
    )

    settings = settings_or_exit()
    path = Path(args.file) if args.file else DEFAULT_FILE
    try:
        entries = parse_resource_file(path.read_text(), source=str(path))
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}; pass --file PATH") from error
    except ResourceFileError as error:
        raise CommandError(str(error)) from error

    async def seed() -> tuple[int, int]:
        async with database(settings, migrated=True):
            return await seed_global(entries, progress=lambda line: print(f"  {line}"))

    print(f"cip: seeding {len(entries)} global resources from {path}")
    added, replaced = asyncio.run(seed())
    todo = placeholders(entries)
    note = (
        f"; {len(todo)} still have REPLACE-ME contacts: edit {path} and run again" if todo else ""
    )
    print(f"cip: {added} added, {replaced} replaced{note}")
    return 0


def cmd_demo(_: argparse.Namespace) -> int:
    from subgraph.demo import DemoError, run_demo

    settings = settings_or_exit()
    if not settings.is_dev:
        raise CommandError("`cip demo` is dev only; set CIP_ENV=dev")
    try:
        text = asyncio.run(run_demo(settings, lambda line: print(f"  {line}")))
    except DemoError as error:
        raise CommandError(f"demo stopped: {error}; run it on a fresh CIP_DATA_DIR", 1) from error
    print(text)
    return 0


def cmd_check_partition(args: argparse.Namespace) -> int:
    from subgraph.composition import GATEWAYS, ToolingError, check_partition, supergraph_for

    config = Path(args.config)
    if not config.is_file():
        raise CommandError(f"{config} does not exist")
    try:
        report = check_partition(config)
    except ToolingError as error:
        raise CommandError(f"cannot check the partition: {error}") from error
    if not report.ok:
        for reason in report.reasons:
            print(f"cip: partition broken: {reason}", file=sys.stderr)
        print(f"cip: partition check failed ({len(report.reasons)} reasons)", file=sys.stderr)
        return 1
    libraries = ", ".join(f"{c.library} {c.version}" for c in report.compositions)
    names = ", ".join(report.subgraphs)
    print(f"cip: partition holds: {names} composed with {libraries}", file=sys.stderr)
    target = GATEWAYS[args.for_gateway] if args.for_gateway else None
    if args.supergraph_out:
        out = Path(args.supergraph_out)
        out.parent.mkdir(parents=True, exist_ok=True)
        sdl = report.supergraph_sdl or ""
        out.write_text(supergraph_for(target, sdl) if target else sdl)
        print(f"cip: supergraph written to {out}", file=sys.stderr)
    if target is not None:
        print(f"cip: {target.enforcement}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cip", description="CIP, the care subgraph")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], help_: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    serve = add("serve", cmd_serve, "apply migrations and serve the subgraph")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=4001, help="TCP port (default 4001)")
    serve.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes (default 1)"
    )
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="a read-only start: apply no migration (the database user may not change the "
        "schema); a pending one stops the start",
    )
    add("migrate", cmd_migrate, "apply pending migrations")
    export = add("export-schema", cmd_export_schema, "write the federated SDL")
    export.add_argument(
        "path",
        nargs="?",
        default=DEFAULT_SCHEMA_PATH,
        help=f"where to write the SDL (default {DEFAULT_SCHEMA_PATH})",
    )
    release = add("release", cmd_release, "compute and store the weekly aggregate releases")
    release.add_argument(
        "--week", help="YYYY-Www or a day in the week (default: the last complete week)"
    )
    release.add_argument(
        "--recompute",
        action="store_true",
        help="compute the week's releases again, replacing the stored ones",
    )
    add("purge", cmd_purge, "delete expired updates, slots, invites, codes, asks and posts")
    add("keygen", cmd_keygen, "print a fresh CIP_PSEUDONYM_KEY and CIP_MASTER_KEY")
    rotate = add(
        "rotate-master-key",
        cmd_rotate_master_key,
        "re-wrap every data key under CIP_NEW_MASTER_KEY (stop the instances first)",
    )
    rotate.add_argument(
        "--batch-size", type=int, default=500, help="data keys per transaction (default 500)"
    )
    token = add("token", cmd_token, "print a signed dev JWT (dev only)")
    token.add_argument(
        "--sub", required=True, help="the subject (sub claim): who the token is for, e.g. ada"
    )
    token.add_argument(
        "--scope",
        default="",
        help='space-separated scopes, e.g. "cip:coordinator" or "cip:aggregate:read" '
        "(default: none, a member)",
    )
    token.add_argument(
        "--nbh",
        default="",
        help="comma-separated neighbourhoods the token acts for, e.g. elm-street "
        '(the demo\'s); "*" for all (default: none)',
    )
    token.add_argument(
        "--ttl", type=int, default=3600, help="seconds until the token expires (default 3600)"
    )
    seed = add("seed-resources", cmd_seed_resources, "load the global resource directory")
    seed.add_argument(
        "--file", default=None, help="JSON file of resources (default: the packaged defaults)"
    )
    add("demo", cmd_demo, "dev only: seed a demo neighbourhood and print tokens")
    check = add(
        "check-partition",
        cmd_check_partition,
        "compose the supergraph with the npm composition libraries and check the partition",
    )
    check.add_argument(
        "--config",
        default="supergraph.yaml",
        help="rover-format supergraph config (default supergraph.yaml)",
    )
    check.add_argument(
        "--supergraph-out", default=None, help="write the composed supergraph here when it holds"
    )
    check.add_argument(
        "--for",
        dest="for_gateway",
        choices=["hive-gateway", "apollo-gateway"],
        default=None,
        help="the gateway the supergraph is for (apollo-gateway: without the SECURITY "
        "features it refuses); prints what that gateway enforces",
    )
    from bench.cli import add_parser as add_bench

    add_bench(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        code = args.handler(args)
    except CommandError as error:
        print(f"cip: {error}", file=sys.stderr)
        code = error.exit_code
    except KeyboardInterrupt:
        code = 130
    raise SystemExit(code)
