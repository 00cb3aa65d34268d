from __future__ import annotations

import stat
from pathlib import Path

import pytest

from subgraph.settings import (
    ConfigError,
    declared,
    load_settings,
    new_key,
    prepare_data_dir,
)
from tests.support import prepared_settings

pytestmark = pytest.mark.unit


def prod_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    env = {
        "CIP_ENV": "prod",
        "CIP_DATA_DIR": str(tmp_path),
        "CIP_PSEUDONYM_KEY": new_key(),
        "CIP_MASTER_KEY": new_key(),
        "CIP_JWT_ISSUER": "https://id.example.org/",
        "CIP_JWT_AUDIENCE": "cip",
        "CIP_JWKS_FILE": str(jwks),
        "CIP_ALLOW_SQLITE": "1",
    }
    env.update(extra)
    return env


def test_dev_defaults_generate_keys_once_with_mode_0600(tmp_path: Path) -> None:
    env = {"CIP_DATA_DIR": str(tmp_path / "data")}
    first = prepared_settings(env)
    assert first.env == "dev"
    assert first.database_url == f"sqlite://{tmp_path / 'data'}/cip.sqlite3"
    assert first.jwt_algorithms == ("HS256",)
    for name in ("pseudonym.key", "master.key", "dev-jwt.secret"):
        mode = stat.S_IMODE((tmp_path / "data" / name).stat().st_mode)
        assert mode == 0o600, name
    again = prepared_settings(env)
    assert again.master_key == first.master_key
    assert again.pseudonym_key == first.pseudonym_key
    assert again.dev_jwt_secret == first.dev_jwt_secret


def test_dev_jwt_secret_from_environment_wins(tmp_path: Path) -> None:
    settings = prepared_settings({"CIP_DATA_DIR": str(tmp_path), "CIP_DEV_JWT_SECRET": "s" * 40})
    assert settings.dev_jwt_secret == b"s" * 40


def test_a_valid_prod_configuration(tmp_path: Path) -> None:
    settings = load_settings(prod_env(tmp_path))
    assert settings.env == "prod"
    assert settings.dev_jwt_secret is None
    assert "HS256" not in settings.jwt_algorithms
    assert not (tmp_path / "master.key").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"CIP_MASTER_KEY": ""}, "CIP_MASTER_KEY is not set"),
        ({"CIP_PSEUDONYM_KEY": ""}, "CIP_PSEUDONYM_KEY is not set"),
        ({"CIP_JWT_ALGORITHMS": "HS256"}, "shared secrets are dev only"),
        ({"CIP_JWT_ALGORITHMS": "RS256,none"}, "must not contain none"),
        ({"CIP_JWT_ISSUER": ""}, "CIP_JWT_ISSUER is not set"),
        ({"CIP_JWT_AUDIENCE": ""}, "CIP_JWT_AUDIENCE is not set"),
        ({"CIP_JWKS_FILE": ""}, "CIP_JWKS_URL or CIP_JWKS_FILE"),
        ({"CIP_TODAY": "2026-01-05"}, "CIP_TODAY is dev only"),
        ({"CIP_DEV_JWT_SECRET": "x"}, "CIP_DEV_JWT_SECRET is dev only"),
    ],
)
def test_prod_refuses_to_start(tmp_path: Path, change: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(prod_env(tmp_path, **change))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CIP_ENV": "staging"}, "CIP_ENV must be dev or prod"),
        ({"CIP_MASTER_KEY": "c2hvcnQ"}, "CIP_MASTER_KEY must be 32 bytes"),
        ({"CIP_MASTER_KEY": "!!!not base64!!!"}, "CIP_MASTER_KEY"),
        ({"CIP_DATABASE_URL": "mysql://x/y"}, "CIP_DATABASE_URL must start with"),
        ({"CIP_JWT_ALGORITHMS": "HS512"}, "only HS256"),
        ({"CIP_JWT_ALGORITHMS": "XX1"}, "unknown algorithm"),
        ({"CIP_TODAY": "next tuesday"}, "CIP_TODAY must be a day"),
        ({"CIP_UPDATE_TTL_DAYS": "0"}, "CIP_UPDATE_TTL_DAYS must be at least 1"),
        ({"CIP_JWKS_FILE": "/nonexistent/jwks.json"}, "does not exist"),
        ({"CIP_LOCAL_COMMONS_URL": "ftp://lc"}, "CIP_LOCAL_COMMONS_URL must be"),
        ({"CIP_DEV_JWT_SECRET": "short"}, "at least 32 characters"),
    ],
)
def test_bad_values_get_one_clear_line(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        prepared_settings({"CIP_DATA_DIR": str(tmp_path), **env})
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_postgresql_scheme_is_accepted(tmp_path: Path) -> None:
    settings = prepared_settings(
        {"CIP_DATA_DIR": str(tmp_path), "CIP_DATABASE_URL": "postgresql://u@h:5432/d"}
    )
    assert settings.database_url == "postgres://u@h:5432/d"


def test_cip_today_fixes_the_clock_in_dev(tmp_path: Path) -> None:
    settings = prepared_settings({"CIP_DATA_DIR": str(tmp_path), "CIP_TODAY": "2026-03-04"})
    assert settings.today is not None and settings.today.isoformat() == "2026-03-04"


def test_small_cell_floors(tmp_path: Path) -> None:
    env = {"CIP_DATA_DIR": str(tmp_path)}
    defaults = prepared_settings(env)
    assert (defaults.min_cell_coordinator, defaults.min_cell_ai) == (5, 11)
    raised = load_settings({**env, "CIP_MIN_CELL_COORDINATOR": "7", "CIP_MIN_CELL_AI": "20"})
    assert (raised.min_cell_coordinator, raised.min_cell_ai) == (7, 20)
    for name, value, message in [
        ("CIP_MIN_CELL_COORDINATOR", "4", "CIP_MIN_CELL_COORDINATOR must be at least 5"),
        ("CIP_MIN_CELL_AI", "3", "CIP_MIN_CELL_AI must be at least 5"),
        ("CIP_MIN_CELL_AI", "many", "CIP_MIN_CELL_AI must be a whole number of people"),
    ]:
        with pytest.raises(ConfigError, match=message):
            load_settings({**env, name: value})


def test_sql_counting_is_off_unless_asked(tmp_path: Path) -> None:
    env = {"CIP_DATA_DIR": str(tmp_path)}
    assert prepared_settings(env).count_sql is False
    assert load_settings({**env, "CIP_COUNT_SQL": "1"}).count_sql is True
    with pytest.raises(ConfigError, match="CIP_COUNT_SQL must be on or off"):
        load_settings({**env, "CIP_COUNT_SQL": "maybe"})


def test_loading_writes_nothing_and_preparing_makes_the_dev_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"CIP_DATA_DIR": str(data)}
    with pytest.raises(ConfigError, match="CIP_PSEUDONYM_KEY is not set and .* does not exist"):
        load_settings(env)
    given = {**env, "CIP_PSEUDONYM_KEY": new_key(), "CIP_MASTER_KEY": new_key()}
    load_settings({**given, "CIP_DEV_JWT_SECRET": "s" * 40})
    assert not data.exists()
    prepare_data_dir(given)
    assert sorted(p.name for p in data.iterdir()) == ["dev-jwt.secret"]
    prepare_data_dir(env)
    assert sorted(p.name for p in data.iterdir()) == [
        "dev-jwt.secret",
        "master.key",
        "pseudonym.key",
    ]


def test_preparing_makes_the_sqlite_directories_in_prod_and_no_keys(tmp_path: Path) -> None:
    env = prod_env(
        tmp_path,
        CIP_DATABASE_URL=f"sqlite://{tmp_path}/care/cip.sqlite3",
        CIP_KEYSTORE_URL=f"sqlite://{tmp_path}/keys/keys.sqlite3",
    )
    load_settings(env)
    assert not (tmp_path / "care").exists() and not (tmp_path / "keys").exists()
    prepare_data_dir(env)
    assert (tmp_path / "care").is_dir() and (tmp_path / "keys").is_dir()
    assert not (tmp_path / "master.key").exists()


def test_each_variable_is_declared_once() -> None:
    names = [v.name for v in declared()]
    assert len(names) == len(set(names))
    assert all(name.startswith("CIP_") for name in names)


ROOT = Path(__file__).resolve().parent.parent
CODE_PACKAGES = ("subgraph", "models", "auth", "resolvers", "schema", "bench")


def _names_read_from_the_environment() -> set[str]:
    """CIP_* names the code reads: the declared settings, and every literal name passed to
    ``os.environ.get``, ``os.getenv`` or ``os.environ[...]`` in the service and bench code."""
    import ast

    found = {v.name for v in declared()}
    for package in CODE_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                arg: ast.expr | None = None
                if isinstance(node, ast.Call) and node.args:
                    func = node.func
                    if isinstance(func, ast.Attribute) and func.attr in ("get", "getenv"):
                        arg = node.args[0]
                elif isinstance(node, ast.Subscript):
                    arg = node.slice
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    if arg.value.startswith("CIP_") and arg.value.isupper():
                        found.add(arg.value)
    return found


def _readme_table_names() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `CIP_"):
            first = line.split("|")[1]
            names |= {part.strip().strip("`") for part in first.split("/")}
    return names


def test_every_variable_the_code_reads_is_in_the_readme_table() -> None:
    missing = _names_read_from_the_environment() - _readme_table_names()
    assert not missing, f"add these to the README's configuration table: {sorted(missing)}"


def test_blank_lists_and_flags_count_as_unset(tmp_path: Path) -> None:
    env = {"CIP_DATA_DIR": str(tmp_path), "CIP_JWT_ALGORITHMS": " , ", "CIP_GRAPHIQL": " "}
    settings = prepared_settings(env)
    assert settings.jwt_algorithms == ("HS256",) and settings.graphiql is True
    prod = load_settings(prod_env(tmp_path, CIP_JWT_ALGORITHMS=",", CIP_INTROSPECTION=" "))
    assert prod.jwt_algorithms == ("RS256", "ES256", "EdDSA") and prod.introspection is False


def test_the_planned_executor_is_on_unless_cip_executor_says_core(tmp_path: Path) -> None:
    from models.clock import Clock
    from schema.planned import PlannedExecutor
    from subgraph.app import CipGraphQL

    env = {"CIP_DATA_DIR": str(tmp_path)}
    planned = prepared_settings(env)
    core = load_settings({**env, "CIP_EXECUTOR": "core"})
    assert (planned.executor, core.executor) == ("planned", "core")
    assert CipGraphQL(planned, Clock()).schema.execution_context_class is PlannedExecutor
    assert not issubclass(CipGraphQL(core, Clock()).schema.execution_context_class, PlannedExecutor)
    with pytest.raises(ConfigError, match="CIP_EXECUTOR must be planned or core"):
        load_settings({**env, "CIP_EXECUTOR": "fast"})
