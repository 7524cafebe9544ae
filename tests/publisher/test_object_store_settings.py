"""The object-storage settings: each bad value names its REGISTRY_FEED_S3_* variable."""

from __future__ import annotations

import pytest

from publisher.object_store import ObjectStoreSettings
from registry.errors import InvalidValue


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("bucket", "Feed_Bucket", "REGISTRY_FEED_S3_BUCKET"),
        ("prefix", "/feed", "REGISTRY_FEED_S3_PREFIX"),
        ("prefix", "feed/../other", "REGISTRY_FEED_S3_PREFIX"),
        ("endpoint", "s3.example.org", "REGISTRY_FEED_S3_ENDPOINT"),
        ("access_key", "only-the-access-key", "REGISTRY_FEED_S3_SECRET_KEY"),
    ],
)
def test_object_store_settings_name_the_bad_variable(field: str, value: str, error: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        ObjectStoreSettings(**{"bucket": "feed", field: value})
    assert raised.value.field == error


def test_object_store_settings_hide_the_secret() -> None:
    settings = ObjectStoreSettings("feed", "feed/", None, "us-east-1", "access", "s3cr3t")
    assert "s3cr3t" not in repr(settings)
    assert settings.key_prefix == "feed/"
    assert ObjectStoreSettings.from_settings({"FEED_S3_BUCKET": None}) is None
