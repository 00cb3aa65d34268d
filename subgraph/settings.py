"""One settings object, read from CIP_* environment variables and validated at start.

Each variable is declared once, as a field of ``Settings`` (``var(...)``: its name, parser,
default, dev default, bounds), in the spirit of starlette's ``Config``. ``load_settings``
only reads: the environment and, in dev, the key files in the data dir. Writing those files
(and the SQLite directories) is ``prepare_data_dir``, a separate step that the commands
which need it call first. Every problem is reported as one line naming the variable and
what to do.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ENVS = ("dev", "prod")
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")
DEV_ISSUER = "cip-dev"
DEV_AUDIENCE = "cip"
RATE_BACKENDS = ("memory", "database", "off")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEV_METRICS_PORT = 9464


class ConfigError(Exception):
    """A setting that is missing or wrong; the message is one line, safe to print."""


# ---------------------------------------------------------------------------- keys


KEYSTORE_FILE = "keys.sqlite3"  # the default keystore on SQLite, in CIP_DATA_DIR


def default_keystore(database_url: str, data_dir: Path) -> str | None:
    """Keys apart from care data by default: on SQLite the keystore is its own file in
    CIP_DATA_DIR, so the care file and its WAL never hold a wrapped key. On PostgreSQL the
    default stays the care database (docs/deploy.md: give it a database of its own)."""
    if database_url.startswith("sqlite://") and ":memory:" not in database_url:
        return f"sqlite://{data_dir}/{KEYSTORE_FILE}"
    return None


def encode_key(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_key(name: str, value: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"{name} is not base64url; make one with `cip keygen`") from exc
    if len(raw) != 32:
        raise ConfigError(f"{name} must be 32 bytes in base64url; make one with `cip keygen`")
    return raw


def new_key() -> str:
    return encode_key(secrets.token_bytes(32))


# ---------------------------------------------------------------------------- parsers
# A parser takes the variable's name and its text and returns the value or raises ConfigError;
# UNSET means the text says nothing (blank), so the default applies as if it were unset.

Parse = Callable[[str, str], Any]
UNSET: Any = object()


def whole(unit: str, least: int = 1) -> Parse:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError as exc:
            raise ConfigError(f"{name} must be a whole number of {unit}, got {raw!r}") from exc
        if value < least:
            raise ConfigError(f"{name} must be at least {least}")
        return value

    return parse


def flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value == "":
        return UNSET  # type: ignore[no-any-return]
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be on or off (true/false, 1/0), got {value!r}")


def text(_: str, raw: str) -> str:
    return raw


def choice(*allowed: str, upper: bool = False) -> Parse:
    def parse(name: str, raw: str) -> str:
        value = raw.strip().upper() if upper else raw
        if value not in allowed:
            names = f"{', '.join(allowed[:-1])} or {allowed[-1]}"
            raise ConfigError(f"{name} must be {names}, got {value!r}")
        return value

    return parse


def level(name: str, raw: str) -> str:
    value = raw.strip().upper()
    if value not in LOG_LEVELS:
        raise ConfigError(f"{name} must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
    return value


def directory(_: str, raw: str) -> Path:
    return Path(raw).resolve()


def existing_file(name: str, raw: str) -> Path:
    path = Path(raw)
    if not path.is_file():
        raise ConfigError(f"{name} {path} does not exist")
    return path


def http_url(name: str, raw: str) -> str:
    if not raw.startswith(("https://", "http://")):
        raise ConfigError(f"{name} must be an http(s) URL")
    return raw


def database(name: str, raw: str) -> str:
    if not raw.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
        raise ConfigError(
            f"{name} must start with sqlite:// or postgres://, got {raw.split(':')[0]}:"
        )
    if raw.startswith("postgresql://"):
        return "postgres://" + raw[len("postgresql://") :]
    return raw


def key(name: str, raw: str) -> bytes:
    return decode_key(name, raw)


def secret(name: str, raw: str) -> bytes:
    value = raw.encode()
    if len(value) < 32:
        raise ConfigError(f"{name} must be at least 32 characters")
    return value


def port(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a TCP port number, got {raw!r}") from exc
    if not 1 <= value <= 65535:
        raise ConfigError(f"{name} must be a TCP port between 1 and 65535, got {value}")
    return value


GATEWAY_SECRET_MIN = 32


def secret_list(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated secrets (two while one is being rotated), each 32+ characters."""
    found = tuple(s.strip() for s in raw.split(",") if s.strip())
    if not found:
        raise ConfigError(f"{name} holds no secret")
    for value in found:
        if len(value) < GATEWAY_SECRET_MIN:
            raise ConfigError(
                f"{name}: each secret must be at least {GATEWAY_SECRET_MIN} characters "
                "(make one with `cip keygen` or `openssl rand -base64 32`)"
            )
        if not value.isascii() or not value.isprintable():
            raise ConfigError(f"{name}: a secret must be printable ASCII (it travels in a header)")
    return found


def day(name: str, raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a day, YYYY-MM-DD") from exc


def algorithms(name: str, raw: str) -> tuple[str, ...]:
    found = tuple(a.strip() for a in raw.split(",") if a.strip())
    if not found:
        return UNSET  # type: ignore[no-any-return]
    for alg in found:
        if alg.lower() == "none":
            raise ConfigError(f"{name} must not contain none")
        if not alg.startswith("HS") and alg not in ASYMMETRIC_ALGORITHMS:
            raise ConfigError(f"{name} has unknown algorithm {alg!r}")
    return found


# ---------------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class DevFile:
    """A dev default kept in a file of the data dir (made by ``prepare_data_dir``, mode 0600)."""

    name: str


@dataclass(frozen=True)
class Var:
    """One CIP_* variable. An empty value counts as unset.

    ``default`` is the text used when it is unset (a function of the data dir where the
    default lives there); ``dev_default`` replaces it in dev. With neither, the setting is
    None, or, when ``missing`` says what to do, unset is an error in that mode. A
    ``dev_only`` variable must not be set in prod (its value there is None)."""

    name: str
    parse: Parse
    default: str | Callable[[Path], str] | None = None
    dev_default: str | DevFile | None = None
    missing: str | None = None
    dev_only: bool = False


EXECUTORS = ("planned", "core")


def var(
    name: str,
    parse: Parse,
    default: str | Callable[[Path], str] | None = None,
    *,
    dev_default: str | DevFile | None = None,
    missing: str | None = None,
    dev_only: bool = False,
) -> Any:
    """Declare a setting: a dataclass field of ``Settings`` read from ``name``."""
    return field(metadata={"var": Var(name, parse, default, dev_default, missing, dev_only)})


KEYGEN = "is not set; in prod generate keys with `cip keygen`"


@dataclass(frozen=True)
class Settings:
    # Declaration order is reading order: CIP_ENV and CIP_DATA_DIR come first.
    env: str = var("CIP_ENV", choice(*ENVS), "dev")
    data_dir: Path = var("CIP_DATA_DIR", directory, "./.cip")
    database_url: str = var(
        "CIP_DATABASE_URL", database, lambda data_dir: f"sqlite://{data_dir}/cip.sqlite3"
    )
    keystore_url: str | None = var("CIP_KEYSTORE_URL", database)
    pseudonym_key: bytes = var(
        "CIP_PSEUDONYM_KEY", key, dev_default=DevFile("pseudonym.key"), missing=KEYGEN
    )
    master_key: bytes = var(
        "CIP_MASTER_KEY", key, dev_default=DevFile("master.key"), missing=KEYGEN
    )
    jwt_issuer: str = var(
        "CIP_JWT_ISSUER",
        text,
        dev_default=DEV_ISSUER,
        missing="is not set; name your identity provider's issuer",
    )
    jwt_audience: str = var(
        "CIP_JWT_AUDIENCE",
        text,
        dev_default=DEV_AUDIENCE,
        missing="is not set; name the audience tokens are issued for",
    )
    jwt_algorithms: tuple[str, ...] = var(
        "CIP_JWT_ALGORITHMS", algorithms, "RS256,ES256,EdDSA", dev_default="HS256"
    )
    jwks_url: str | None = var("CIP_JWKS_URL", http_url)
    jwks_file: Path | None = var("CIP_JWKS_FILE", existing_file)
    dev_jwt_secret: bytes | None = var(
        "CIP_DEV_JWT_SECRET", secret, dev_default=DevFile("dev-jwt.secret"), dev_only=True
    )
    local_commons_url: str | None = var("CIP_LOCAL_COMMONS_URL", http_url)
    today: dt.date | None = var("CIP_TODAY", day, dev_only=True)
    update_ttl_days: int = var("CIP_UPDATE_TTL_DAYS", whole("days"), "30")
    wellbeing_days: int = var("CIP_WELLBEING_DAYS", whole("days"), "14")
    # Small-cell floors; the directive's minCell (5) is a floor under both.
    min_cell_coordinator: int = var("CIP_MIN_CELL_COORDINATOR", whole("people", 5), "5")
    min_cell_ai: int = var("CIP_MIN_CELL_AI", whole("people", 5), "11")
    # Hardening of the HTTP surface (docs/security.md: Query limits, Logs).
    max_depth: int = var("CIP_MAX_DEPTH", whole("levels"), "10")
    max_aliases: int = var("CIP_MAX_ALIASES", whole("aliases", 0), "30")
    max_tokens: int = var("CIP_MAX_TOKENS", whole("tokens", 100), "2000")
    max_batch: int = var("CIP_MAX_BATCH", whole("operations"), "1")
    max_body_bytes: int = var("CIP_MAX_BODY_BYTES", whole("bytes", 1024), str(64 * 1024))
    introspection: bool = var("CIP_INTROSPECTION", flag, "off", dev_default="on")
    graphiql: bool = var("CIP_GRAPHIQL", flag, "off", dev_default="on")
    persisted_only: bool = var("CIP_PERSISTED_ONLY", flag, "off")
    persisted_manifest: Path | None = var("CIP_PERSISTED_MANIFEST", existing_file)
    log_level: str = var("CIP_LOG_LEVEL", level, "INFO")
    # Rate limits (auth/rate_limits.py): memory, database (shared by instances), off (dev).
    rate_backend: str = var("CIP_RATE_LIMIT_BACKEND", choice(*RATE_BACKENDS), "memory")
    rate_mutations_per_minute: int = var("CIP_RATE_MUTATIONS_PER_MINUTE", whole("attempts"), "60")
    rate_address_mutations_per_minute: int = var(
        "CIP_RATE_ADDRESS_MUTATIONS_PER_MINUTE", whole("attempts"), "600"
    )
    rate_codes_per_hour: int = var("CIP_RATE_CODES_PER_HOUR", whole("attempts"), "30")
    rate_address_codes_per_hour: int = var(
        "CIP_RATE_ADDRESS_CODES_PER_HOUR", whole("attempts"), "300"
    )
    rate_client_header: str | None = var("CIP_RATE_CLIENT_HEADER", text)
    # Live activity (subscriptions; docs/federation.md: Subscriptions).
    max_subscriptions_per_connection: int = var(
        "CIP_MAX_SUBSCRIPTIONS_PER_CONNECTION", whole("subscriptions"), "10"
    )
    max_subscriptions_per_subject: int = var(
        "CIP_MAX_SUBSCRIPTIONS_PER_SUBJECT", whole("subscriptions"), "20"
    )
    subscription_queue: int = var("CIP_SUBSCRIPTION_QUEUE", whole("events"), "64")
    subscription_keepalive_seconds: int = var(
        "CIP_SUBSCRIPTION_KEEPALIVE_SECONDS", whole("seconds"), "15"
    )
    subscription_idle_seconds: int = var("CIP_SUBSCRIPTION_IDLE_SECONDS", whole("seconds"), "3600")
    # Benchmarks and tests: report SQL statements per request in a response header.
    count_sql: bool = var("CIP_COUNT_SQL", flag, "off")
    # Only the gateway may ask: every /graphql request carries one of these in
    # GATEWAY_SECRET_HEADER (subgraph/gateway_secret.py).
    gateway_secrets: tuple[str, ...] | None = var("CIP_GATEWAY_SECRET", secret_list)
    # /metrics on a listener of its own (subgraph/metrics.py); off in prod unless set.
    metrics_port: int | None = var("CIP_METRICS_PORT", port, dev_default=str(DEV_METRICS_PORT))
    metrics_host: str = var("CIP_METRICS_HOST", text, "127.0.0.1")
    # Prod on SQLite is a choice a small community may make, never a silent default.
    allow_sqlite: bool = var("CIP_ALLOW_SQLITE", flag, "off")
    # planned: the planned executor (schema/planned.py); core: graphql-core's for everything.
    executor: str = var("CIP_EXECUTOR", choice(*EXECUTORS), "planned")

    @property
    def is_dev(self) -> bool:
        return self.env == "dev"


def declared() -> tuple[Var, ...]:
    """Every variable ``Settings`` reads, in reading order."""
    return tuple(f.metadata["var"] for f in fields(Settings))


# ---------------------------------------------------------------------------- loading


def _raw(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name) or None


def _mode(env: Mapping[str, str]) -> bool:
    """True in dev (CIP_ENV checked as load_settings checks it)."""
    by_name = {v.name: v for v in declared()}
    mode = _raw(env, "CIP_ENV") or "dev"
    return str(by_name["CIP_ENV"].parse("CIP_ENV", mode)) == "dev"


def _fallback(spec: Var, dev: bool, data_dir: Path | None) -> str | None:
    """The text that stands for an unset variable: the dev default in dev, else the default."""
    fallback = spec.dev_default if dev and spec.dev_default is not None else spec.default
    if fallback is None or isinstance(fallback, str):
        return fallback
    assert data_dir is not None, "CIP_DATA_DIR is read first"
    if isinstance(fallback, DevFile):
        path = data_dir / fallback.name
        if not path.is_file():
            raise ConfigError(
                f"{spec.name} is not set and {path} does not exist; "
                "a `cip` command (migrate, serve, token) creates the dev keys there"
            )
        return path.read_text().strip()
    return fallback(data_dir)


def _read(spec: Var, env: Mapping[str, str], dev: bool, data_dir: Path | None) -> Any:
    raw = _raw(env, spec.name)
    if spec.dev_only and not dev:
        if raw is not None:
            raise ConfigError(f"{spec.name} is dev only; unset it in prod")
        return None
    if raw is not None:
        value = spec.parse(spec.name, raw)
        if value is not UNSET:
            return value
    text = _fallback(spec, dev, data_dir)
    if text is None:
        if spec.missing is not None:
            raise ConfigError(f"{spec.name} {spec.missing}")
        return None
    return spec.parse(spec.name, text)


def _check(s: Settings) -> None:
    """The rules that join several variables."""
    for alg in s.jwt_algorithms:
        if alg.startswith("HS"):
            if not s.is_dev:
                raise ConfigError(f"CIP_JWT_ALGORITHMS has {alg}: shared secrets are dev only")
            if alg != "HS256":
                raise ConfigError(f"CIP_JWT_ALGORITHMS has {alg}: only HS256 is allowed in dev")
    if s.jwks_url and s.jwks_file:
        raise ConfigError("set CIP_JWKS_URL or CIP_JWKS_FILE, not both")
    needs_jwks = any(not a.startswith("HS") for a in s.jwt_algorithms)
    if needs_jwks and not (s.jwks_url or s.jwks_file) and not s.is_dev:
        raise ConfigError("set CIP_JWKS_URL or CIP_JWKS_FILE: prod verifies tokens with a JWKS")
    if s.persisted_only and s.persisted_manifest is None:
        raise ConfigError(
            "CIP_PERSISTED_ONLY needs CIP_PERSISTED_MANIFEST (the allowed operations)"
        )
    if s.rate_backend == "off" and not s.is_dev:
        raise ConfigError("CIP_RATE_LIMIT_BACKEND=off is dev only; use memory or database")
    if s.jwks_url and not s.is_dev and not s.jwks_url.startswith("https://"):
        raise ConfigError(
            "CIP_JWKS_URL must be https:// in prod: keys fetched over plain HTTP can be "
            "replaced on the way"
        )
    on_sqlite = [u for u in (s.database_url, s.keystore_url) if u and u.startswith("sqlite://")]
    if on_sqlite and not s.is_dev and not s.allow_sqlite:
        raise ConfigError(
            "CIP_ENV=prod refuses SQLite (CIP_DATABASE_URL unset means SQLite): set "
            "CIP_DATABASE_URL to PostgreSQL, or CIP_ALLOW_SQLITE=1 if a small community "
            "chooses SQLite (one instance, one worker)"
        )


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build and validate the settings; raise ConfigError with a one-line message.

    Reads only; in dev, a key left unset comes from its file in the data dir, which
    ``prepare_data_dir`` makes."""
    env = os.environ if env is None else env
    dev = _mode(env)
    values: dict[str, Any] = {}
    data_dir: Path | None = None
    for f in fields(Settings):
        values[f.name] = _read(f.metadata["var"], env, dev, data_dir)
        if f.name == "data_dir":
            data_dir = values[f.name]
    values["keystore_url"] = values["keystore_url"] or default_keystore(
        values["database_url"], values["data_dir"]
    )
    settings = Settings(**values)
    _check(settings)
    return settings


# ---------------------------------------------------------------------------- the writing step


def _write_dev_file(path: Path) -> None:
    """A fresh dev key in ``path`` (mode 0600), unless one is already there."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(new_key() + "\n")


def prepare_data_dir(env: Mapping[str, str] | None = None) -> None:
    """Make what loading the settings reads: the SQLite files' directories and, in dev, a
    key file (mode 0600, in CIP_DATA_DIR) for each dev key that is not set. Idempotent."""
    env = os.environ if env is None else env
    dev = _mode(env)
    by_name = {v.name: v for v in declared()}
    data_dir = _read(by_name["CIP_DATA_DIR"], env, dev, None)
    database_url = _read(by_name["CIP_DATABASE_URL"], env, dev, data_dir)
    keystore_url = _read(by_name["CIP_KEYSTORE_URL"], env, dev, data_dir)
    for url in (database_url, keystore_url or default_keystore(database_url, data_dir)):
        if url and url.startswith("sqlite://") and ":memory:" not in url:
            Path(url[len("sqlite://") :]).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if dev:
        for spec in declared():
            if isinstance(spec.dev_default, DevFile) and _raw(env, spec.name) is None:
                _write_dev_file(data_dir / spec.dev_default.name)
