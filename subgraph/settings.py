"""One settings object, read from CIP_* environment variables and validated at start.

Every problem is reported as one line naming the variable and what to do.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

ENVS = ("dev", "prod")
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")
DEV_ISSUER = "cip-dev"
DEV_AUDIENCE = "cip"
RATE_BACKENDS = ("memory", "database", "off")


class ConfigError(Exception):
    """A setting that is missing or wrong; the message is one line, safe to print."""


@dataclass(frozen=True)
class Settings:
    env: str
    data_dir: Path
    database_url: str
    keystore_url: str | None
    pseudonym_key: bytes
    master_key: bytes
    jwt_issuer: str
    jwt_audience: str
    jwt_algorithms: tuple[str, ...]
    jwks_url: str | None
    jwks_file: Path | None
    dev_jwt_secret: bytes | None
    local_commons_url: str | None
    today: dt.date | None = None
    update_ttl_days: int = 30
    wellbeing_days: int = 14
    min_cell_coordinator: int = 5
    min_cell_ai: int = 11
    # Hardening of the HTTP surface (docs/security.md: Query limits, Logs).
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_batch: int = 1
    max_body_bytes: int = 64 * 1024
    introspection: bool = True
    graphiql: bool = True
    persisted_only: bool = False
    persisted_manifest: Path | None = None
    log_level: str = "INFO"
    # Rate limits (auth/rate_limits.py): memory, database (shared by instances), off (dev).
    rate_backend: str = "memory"
    rate_mutations_per_minute: int = 60
    rate_address_mutations_per_minute: int = 600
    rate_codes_per_hour: int = 30
    rate_address_codes_per_hour: int = 300
    rate_client_header: str | None = None

    @property
    def is_dev(self) -> bool:
        return self.env == "dev"


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


def _dev_key_file(data_dir: Path, name: str) -> str:
    """Read a dev key kept in the data dir, creating it (mode 0600) on first use."""
    path = data_dir / name
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(new_key() + "\n")
    return path.read_text().strip()


def _positive_int(
    env: Mapping[str, str], name: str, default: int, unit: str = "days", least: int = 1
) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number of {unit}, got {raw!r}") from exc
    if value < least:
        raise ConfigError(f"{name} must be at least {least}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be on or off (true/false, 1/0), got {raw!r}")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class _HttpSettings(TypedDict):
    max_depth: int
    max_aliases: int
    max_tokens: int
    max_batch: int
    max_body_bytes: int
    introspection: bool
    graphiql: bool
    persisted_only: bool
    persisted_manifest: Path | None
    log_level: str


def _http_settings(env: Mapping[str, str], dev: bool) -> _HttpSettings:
    """The CIP_* settings of the HTTP hardening: query limits, tools, persisted operations."""
    manifest_raw = env.get("CIP_PERSISTED_MANIFEST") or None
    manifest = Path(manifest_raw) if manifest_raw else None
    if manifest is not None and not manifest.is_file():
        raise ConfigError(f"CIP_PERSISTED_MANIFEST {manifest} does not exist")
    persisted_only = _flag(env, "CIP_PERSISTED_ONLY", False)
    if persisted_only and manifest is None:
        raise ConfigError(
            "CIP_PERSISTED_ONLY needs CIP_PERSISTED_MANIFEST (the allowed operations)"
        )
    level = (env.get("CIP_LOG_LEVEL") or "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"CIP_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    return {
        "max_depth": _positive_int(env, "CIP_MAX_DEPTH", 10, "levels"),
        "max_aliases": _positive_int(env, "CIP_MAX_ALIASES", 30, "aliases", 0),
        "max_tokens": _positive_int(env, "CIP_MAX_TOKENS", 2000, "tokens", 100),
        "max_batch": _positive_int(env, "CIP_MAX_BATCH", 1, "operations"),
        "max_body_bytes": _positive_int(env, "CIP_MAX_BODY_BYTES", 64 * 1024, "bytes", 1024),
        "introspection": _flag(env, "CIP_INTROSPECTION", dev),
        "graphiql": _flag(env, "CIP_GRAPHIQL", dev),
        "persisted_only": persisted_only,
        "persisted_manifest": manifest,
        "log_level": level,
    }


def _database_url(name: str, url: str) -> str:
    if not url.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
        raise ConfigError(
            f"{name} must start with sqlite:// or postgres://, got {url.split(':')[0]}:"
        )
    if url.startswith("postgresql://"):
        return "postgres://" + url[len("postgresql://") :]
    return url


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build and validate the settings; raise ConfigError with a one-line message."""
    env = os.environ if env is None else env
    mode = env.get("CIP_ENV", "dev") or "dev"
    if mode not in ENVS:
        raise ConfigError(f"CIP_ENV must be dev or prod, got {mode!r}")
    dev = mode == "dev"
    data_dir = Path(env.get("CIP_DATA_DIR") or "./.cip").resolve()

    database_url = _database_url(
        "CIP_DATABASE_URL", env.get("CIP_DATABASE_URL") or f"sqlite://{data_dir}/cip.sqlite3"
    )
    keystore_raw = env.get("CIP_KEYSTORE_URL") or None
    keystore_url = _database_url("CIP_KEYSTORE_URL", keystore_raw) if keystore_raw else None
    for url in (database_url, keystore_url):
        if url and url.startswith("sqlite://") and ":memory:" not in url:
            Path(url[len("sqlite://") :]).parent.mkdir(parents=True, exist_ok=True, mode=0o700)

    keys: dict[str, bytes] = {}
    for name, file in (("CIP_PSEUDONYM_KEY", "pseudonym.key"), ("CIP_MASTER_KEY", "master.key")):
        value = env.get(name)
        if not value:
            if not dev:
                raise ConfigError(f"{name} is not set; in prod generate keys with `cip keygen`")
            value = _dev_key_file(data_dir, file)
        keys[name] = decode_key(name, value)

    algorithms = tuple(
        a.strip() for a in (env.get("CIP_JWT_ALGORITHMS") or "").split(",") if a.strip()
    )
    if not algorithms:
        algorithms = ("HS256",) if dev else ("RS256", "ES256", "EdDSA")
    for alg in algorithms:
        if alg.lower() == "none":
            raise ConfigError("CIP_JWT_ALGORITHMS must not contain none")
        if alg.startswith("HS"):
            if not dev:
                raise ConfigError(f"CIP_JWT_ALGORITHMS has {alg}: shared secrets are dev only")
            if alg != "HS256":
                raise ConfigError(f"CIP_JWT_ALGORITHMS has {alg}: only HS256 is allowed in dev")
        elif alg not in ASYMMETRIC_ALGORITHMS:
            raise ConfigError(f"CIP_JWT_ALGORITHMS has unknown algorithm {alg!r}")

    issuer = env.get("CIP_JWT_ISSUER") or (DEV_ISSUER if dev else "")
    audience = env.get("CIP_JWT_AUDIENCE") or (DEV_AUDIENCE if dev else "")
    if not issuer:
        raise ConfigError("CIP_JWT_ISSUER is not set; name your identity provider's issuer")
    if not audience:
        raise ConfigError("CIP_JWT_AUDIENCE is not set; name the audience tokens are issued for")

    jwks_url = env.get("CIP_JWKS_URL") or None
    jwks_file_raw = env.get("CIP_JWKS_FILE") or None
    jwks_file = Path(jwks_file_raw) if jwks_file_raw else None
    if jwks_url and jwks_file:
        raise ConfigError("set CIP_JWKS_URL or CIP_JWKS_FILE, not both")
    if jwks_file is not None and not jwks_file.is_file():
        raise ConfigError(f"CIP_JWKS_FILE {jwks_file} does not exist")
    if jwks_url and not jwks_url.startswith(("https://", "http://")):
        raise ConfigError("CIP_JWKS_URL must be an http(s) URL")
    needs_jwks = any(not a.startswith("HS") for a in algorithms)
    if needs_jwks and not (jwks_url or jwks_file) and not dev:
        raise ConfigError("set CIP_JWKS_URL or CIP_JWKS_FILE: prod verifies tokens with a JWKS")

    dev_secret: bytes | None = None
    if dev:
        raw_secret = env.get("CIP_DEV_JWT_SECRET") or _dev_key_file(data_dir, "dev-jwt.secret")
        dev_secret = raw_secret.encode()
        if len(dev_secret) < 32:
            raise ConfigError("CIP_DEV_JWT_SECRET must be at least 32 characters")
    elif env.get("CIP_DEV_JWT_SECRET"):
        raise ConfigError("CIP_DEV_JWT_SECRET is dev only; unset it in prod")

    today: dt.date | None = None
    if env.get("CIP_TODAY"):
        if not dev:
            raise ConfigError("CIP_TODAY is dev only; unset it in prod")
        try:
            today = dt.date.fromisoformat(env["CIP_TODAY"])
        except ValueError as exc:
            raise ConfigError("CIP_TODAY must be a day, YYYY-MM-DD") from exc

    local_commons = env.get("CIP_LOCAL_COMMONS_URL") or None
    if local_commons and not local_commons.startswith(("https://", "http://")):
        raise ConfigError("CIP_LOCAL_COMMONS_URL must be an http(s) URL")

    rate_backend = env.get("CIP_RATE_LIMIT_BACKEND") or "memory"
    if rate_backend not in RATE_BACKENDS:
        raise ConfigError(
            f"CIP_RATE_LIMIT_BACKEND must be memory, database or off, got {rate_backend!r}"
        )
    if rate_backend == "off" and not dev:
        raise ConfigError("CIP_RATE_LIMIT_BACKEND=off is dev only; use memory or database")

    return Settings(
        env=mode,
        data_dir=data_dir,
        database_url=database_url,
        keystore_url=keystore_url,
        pseudonym_key=keys["CIP_PSEUDONYM_KEY"],
        master_key=keys["CIP_MASTER_KEY"],
        jwt_issuer=issuer,
        jwt_audience=audience,
        jwt_algorithms=algorithms,
        jwks_url=jwks_url,
        jwks_file=jwks_file,
        dev_jwt_secret=dev_secret,
        local_commons_url=local_commons,
        today=today,
        update_ttl_days=_positive_int(env, "CIP_UPDATE_TTL_DAYS", 30),
        wellbeing_days=_positive_int(env, "CIP_WELLBEING_DAYS", 14),
        # Small-cell floors; the directive's minCell (5) is a floor under both.
        min_cell_coordinator=_positive_int(env, "CIP_MIN_CELL_COORDINATOR", 5, "people", 5),
        min_cell_ai=_positive_int(env, "CIP_MIN_CELL_AI", 11, "people", 5),
        **_http_settings(env, dev),
        rate_backend=rate_backend,
        rate_mutations_per_minute=_positive_int(
            env, "CIP_RATE_MUTATIONS_PER_MINUTE", 60, "attempts"
        ),
        rate_address_mutations_per_minute=_positive_int(
            env, "CIP_RATE_ADDRESS_MUTATIONS_PER_MINUTE", 600, "attempts"
        ),
        rate_codes_per_hour=_positive_int(env, "CIP_RATE_CODES_PER_HOUR", 30, "attempts"),
        rate_address_codes_per_hour=_positive_int(
            env, "CIP_RATE_ADDRESS_CODES_PER_HOUR", 300, "attempts"
        ),
        rate_client_header=env.get("CIP_RATE_CLIENT_HEADER") or None,
    )
