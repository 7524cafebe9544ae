"""Configuration from REGISTRY_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import request

from runtime.config import ConfigError, load_config, webhook_egress
from tests.conftest import make_app

# A production registry names the real authority that decides its listings.
AUTHORITY = {
    "REGISTRY_AUTHORITY_NAME": "某市知识产权局",
    "REGISTRY_AUTHORITY_CODE": "SZ-IPA",
    "REGISTRY_AUTHORITY_DOCUMENT_PATTERN": r"某知信〔\d{4}〕\d+号",
    "REGISTRY_AUTHORITY_OBJECTION_CONTACT": "某市知识产权局信用科",
}


def test_development_defaults_use_sqlite_in_instance(tmp_path) -> None:
    config = load_config(str(tmp_path), {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    assert config["FEED_DIR"] == str(tmp_path / "feed")
    assert config["REGISTRY"]["SCHEDULER"] is True


PRODUCTION_SECRETS = {
    "REGISTRY_ENV": "production",
    "REGISTRY_SECRET_KEY": "x" * 40,
    "REGISTRY_KEY_PASSPHRASE": "a passphrase for the signing keys",
    "REGISTRY_RATELIMIT_STORAGE": "redis://127.0.0.1:6379",
}


@pytest.mark.parametrize(
    ("missing", "value", "message"),
    [
        ("REGISTRY_KEY_PASSPHRASE", "", "REGISTRY_KEY_PASSPHRASE must be set in production"),
        ("REGISTRY_RATELIMIT_STORAGE", "memory://", "REGISTRY_RATELIMIT_STORAGE must be a shared"),
    ],
)
def test_production_refuses_plain_keys_and_per_process_limits(
    tmp_path, missing: str, value: str, message: str
) -> None:
    environ = {**PRODUCTION_SECRETS, "REGISTRY_PUBLIC_URL": "https://ipl.example.cn"}
    with pytest.raises(ConfigError, match=message):
        load_config(str(tmp_path), {**environ, missing: value})


def test_production_refuses_default_secret(tmp_path) -> None:
    with pytest.raises(ConfigError, match="REGISTRY_SECRET_KEY"):
        load_config(str(tmp_path), {"REGISTRY_ENV": "production"})


def test_production_accepts_a_real_secret_and_postgres(tmp_path) -> None:
    config = load_config(
        str(tmp_path),
        {
            **PRODUCTION_SECRETS,
            "REGISTRY_DATABASE_URL": "postgresql://registry@db/registry",
            "REGISTRY_PUBLIC_URL": "https://ipl.example.cn",
            **AUTHORITY,
        },
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://registry@db/registry"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REGISTRY"]["SCHEDULER"] is False


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "http://localhost:5000/", "ipl.example"])
def test_production_needs_the_public_address_the_feed_links_to(tmp_path, url: str) -> None:
    environ = {"REGISTRY_ENV": "production", "REGISTRY_SECRET_KEY": "x" * 40}
    with pytest.raises(ConfigError, match="REGISTRY_PUBLIC_URL"):
        load_config(str(tmp_path), {**environ, "REGISTRY_PUBLIC_URL": url})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("REGISTRY_LISTING_YEARS", "three", "REGISTRY_LISTING_YEARS"),
        ("REGISTRY_SCHEDULER", "maybe", "true or false"),
        ("REGISTRY_ENV", "staging", "REGISTRY_ENV"),
        ("REGISTRY_WEBHOOK_DENY_RANGES", "10.0.0.0/8,x", "REGISTRY_WEBHOOK_DENY_RANGES: 'x'"),
        ("REGISTRY_SESSION_REDIS_URL", "127.0.0.1:6379", "REGISTRY_SESSION_REDIS_URL must be"),
        (
            "REGISTRY_RESTORATION_CONDITIONS",
            "credit_commitment,good_mood",
            "REGISTRY_RESTORATION_CONDITIONS: unknown condition good_mood",
        ),
    ],
)
def test_bad_values_name_the_variable(tmp_path, name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(str(tmp_path), {name: value})


def test_production_refuses_the_demonstration_authority(tmp_path) -> None:
    environ = {**PRODUCTION_SECRETS, "REGISTRY_PUBLIC_URL": "https://ipl.example.cn"}
    with pytest.raises(ConfigError, match="REGISTRY_AUTHORITY_NAME and REGISTRY_AUTHORITY_CODE"):
        load_config(str(tmp_path), environ)
    demo_code = AUTHORITY | {"REGISTRY_AUTHORITY_CODE": "DEMO"}
    with pytest.raises(ConfigError, match="demonstration authority"):
        load_config(str(tmp_path), environ | demo_code)
    assert load_config(str(tmp_path), environ | AUTHORITY)["REGISTRY"]["AUTHORITY_CODE"] == "SZ-IPA"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("REGISTRY_AUTHORITY_DOCUMENT_PATTERN", "某知信〔(", "not a valid regular expression"),
        ("REGISTRY_AUTHORITY_NAME", "   ", "REGISTRY_AUTHORITY_NAME must not be empty"),
    ],
)
def test_a_broken_authority_names_its_variable(
    tmp_path, name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(str(tmp_path), {name: value})


def test_webhook_egress_policy_comes_from_configuration(tmp_path) -> None:
    production = {
        **PRODUCTION_SECRETS,
        "REGISTRY_PUBLIC_URL": "https://ipl.example.cn",
        **AUTHORITY,
    }
    policy = webhook_egress(load_config(str(tmp_path), production))
    assert policy.allow_internal is False and policy.allow == policy.deny == ()
    ranges = {"REGISTRY_WEBHOOK_ALLOW_RANGES": "10.20.0.0/16", "REGISTRY_WEBHOOK_DENY_RANGES": ""}
    policy = webhook_egress(load_config(str(tmp_path), production | ranges))
    assert [str(network) for network in policy.allow] == ["10.20.0.0/16"]
    assert webhook_egress(load_config(str(tmp_path), {})).allow_internal is True


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str | None] = []
    for hops in ("0", "1"):
        monkeypatch.setenv("REGISTRY_TRUSTED_PROXIES", hops)
        app = make_app(tmp_path / hops, f"sqlite:///{tmp_path / (hops + '.sqlite3')}")
        app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr or "")
        response = app.test_client().get(
            "/whoami",
            headers={"X-Forwarded-For": "203.0.113.7"},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        )
        seen.append(response.get_data(as_text=True))
    assert seen == ["10.0.0.2", "203.0.113.7"]


def test_a_trusted_proxy_count_out_of_range_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_TRUSTED_PROXIES", "-1")
    with pytest.raises(ConfigError, match="REGISTRY_TRUSTED_PROXIES"):
        load_config(str(tmp_path))


def test_the_screening_index_drift_bound_is_read_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.screening.shared_index import DriftBound

    assert load_config(str(tmp_path))["REGISTRY"]["SCREENING_INDEX_MAX_DRIFT"] == DriftBound()
    monkeypatch.setenv("REGISTRY_SCREENING_INDEX_MAX_DRIFT", "1%")
    assert load_config(str(tmp_path))["REGISTRY"]["SCREENING_INDEX_MAX_DRIFT"].limit(10**6) == 10**4
    monkeypatch.setenv("REGISTRY_SCREENING_INDEX_MAX_DRIFT", "lots")
    with pytest.raises(
        ConfigError, match=r"REGISTRY_SCREENING_INDEX_MAX_DRIFT .*count such as 500"
    ):
        load_config(str(tmp_path))


def test_the_screening_index_lag_is_a_count_of_entries(tmp_path: Path) -> None:
    assert load_config(str(tmp_path))["SCREENING_INDEX_MAX_LAG"] == 2_000
    environ = {"REGISTRY_SCREENING_INDEX_MAX_LAG": "250"}
    assert load_config(str(tmp_path), environ)["SCREENING_INDEX_MAX_LAG"] == 250
    for value, message in (("-1", "0 or more entries"), ("1e4", "whole number of entries")):
        with pytest.raises(ConfigError, match=f"REGISTRY_SCREENING_INDEX_MAX_LAG .*{message}"):
            load_config(str(tmp_path), {"REGISTRY_SCREENING_INDEX_MAX_LAG": value})


def test_the_readme_documents_every_setting() -> None:
    from runtime.config import SETTINGS
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    undocumented = [name for name in SETTINGS if f"| `REGISTRY_{name}` |" not in readme]
    assert undocumented == []


def test_a_bad_list_type_file_stops_the_start_naming_file_and_field(tmp_path) -> None:
    folder = tmp_path / "types"
    folder.mkdir()
    (folder / "fake_papers.toml").write_text('code = "fake_papers"\nrule = "rumour"\n', "utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(str(tmp_path), {"REGISTRY_LIST_TYPES_DIR": str(folder)})
    assert str(raised.value).startswith("REGISTRY_LIST_TYPES_DIR: fake_papers.toml: rule: ")
    with pytest.raises(ConfigError, match="is not a folder"):
        load_config(str(tmp_path), {"REGISTRY_LIST_TYPES_DIR": str(tmp_path / "missing")})


def test_the_read_replica_url_is_checked_at_start(tmp_path: Path) -> None:
    environ = {
        "REGISTRY_DATABASE_URL": "postgresql://registry@db/registry",
        "REGISTRY_DATABASE_READ_URL": "postgresql://registry@replica/registry",
    }
    config = load_config(str(tmp_path), environ)
    assert config["SQLALCHEMY_READ_DATABASE_URI"] == (
        "postgresql+psycopg://registry@replica/registry"
    )
    assert config["REGISTRY"]["DATABASE_READ_MAX_LAG"] == 10.0
    assert load_config(str(tmp_path), {})["SQLALCHEMY_READ_DATABASE_URI"] is None
    with pytest.raises(ConfigError, match="REGISTRY_DATABASE_READ_URL must be a postgresql"):
        load_config(str(tmp_path), {**environ, "REGISTRY_DATABASE_READ_URL": "sqlite:///x.db"})
    with pytest.raises(ConfigError, match="needs REGISTRY_DATABASE_URL to be PostgreSQL"):
        load_config(str(tmp_path), {**environ, "REGISTRY_DATABASE_URL": "sqlite:///x.db"})
    with pytest.raises(ConfigError, match="REGISTRY_DATABASE_READ_MAX_LAG must be more than 0"):
        load_config(str(tmp_path), {**environ, "REGISTRY_DATABASE_READ_MAX_LAG": "0"})
