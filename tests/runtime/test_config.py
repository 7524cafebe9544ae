"""Configuration from REGISTRY_* variables."""

from __future__ import annotations

import pytest

from runtime.config import ConfigError, load_config


def test_development_defaults_use_sqlite_in_instance(tmp_path) -> None:
    config = load_config(str(tmp_path), {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    assert config["FEED_DIR"] == str(tmp_path / "feed")
    assert config["REGISTRY"]["SCHEDULER"] is True


def test_production_refuses_default_secret(tmp_path) -> None:
    with pytest.raises(ConfigError, match="REGISTRY_SECRET_KEY"):
        load_config(str(tmp_path), {"REGISTRY_ENV": "production"})


def test_production_accepts_a_real_secret_and_postgres(tmp_path) -> None:
    config = load_config(
        str(tmp_path),
        {
            "REGISTRY_ENV": "production",
            "REGISTRY_SECRET_KEY": "x" * 40,
            "REGISTRY_DATABASE_URL": "postgresql://registry@db/registry",
            "REGISTRY_PUBLIC_URL": "https://ipl.example.cn",
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
    ],
)
def test_bad_values_name_the_variable(tmp_path, name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(str(tmp_path), {name: value})
