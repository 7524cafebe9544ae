"""Watchlist input validation, webhook signatures and item matching: the pure parts."""

from __future__ import annotations

import pytest

from registry.clients.egress import EgressPolicy
from registry.clients.watch_items import (
    InvalidItems,
    check_webhook_url,
    items_from_csv,
    items_from_json,
    public_identifiers,
)
from registry.clients.watch_match import EventSubject, WatchIndex, WatchItem, identifier_pairs
from registry.clients.webhook_signature import SignatureError, sign, verify
from registry.errors import InvalidValue

USCC = "91350100M000100Y43"
RIC = "11010519491231002X"


def test_json_items_are_validated_and_normalised() -> None:
    items = items_from_json(
        [
            {
                "name": " 深圳市华兴科技有限公司 ",
                "kind": "legal_person",
                "region": "440300",
                "identifiers": [{"scheme": "cn_uscc", "value": USCC.lower()}],
                "external_ref": "CP-1",
            },
            {"name": "Nordlicht Optics GmbH"},
        ]
    )
    assert items[0] == {
        "name": "深圳市华兴科技有限公司",
        "kind": "legal_person",
        "region": "440300",
        "identifiers": [{"scheme": "cn_uscc", "value": USCC}],
        "external_ref": "CP-1",
    }
    assert items[1]["kind"] is None and items[1]["identifiers"] == []


def test_every_invalid_row_and_field_is_named() -> None:
    with pytest.raises(InvalidItems) as caught:
        items_from_json(
            {
                "items": [
                    {"name": "ok"},
                    {"name": "", "region": "44"},
                    {"name": "x", "identifiers": [{"scheme": "cn_uscc", "value": "123"}]},
                    {"name": "y", "colour": "red"},
                    "not an object",
                ]
            }
        )
    errors = caught.value.errors
    assert set(errors) == {
        "items[1].name",
        "items[1].region",
        "items[2].identifiers[0].value",
        "items[3].colour",
        "items[4]",
    }
    assert "6-digit" in errors["items[1].region"][0]
    assert "must have 18 characters" in errors["items[2].identifiers[0].value"][0]
    assert caught.value.message.startswith("4 row(s) are invalid")


def test_csv_rows_are_numbered_as_in_a_spreadsheet() -> None:
    data = (
        "\ufeffname,kind,region,identifiers,external_ref\n"
        f"深圳市华兴科技有限公司,legal_person,440300,cn_uscc:{USCC},A1\n"
        "Nordlicht Optics GmbH,,,other:DE Handelsregister:HRB 48213,A2\n"
    ).encode()
    items = items_from_csv(data)
    assert items[1]["identifiers"] == [
        {"scheme": "other", "name": "DE Handelsregister", "value": "HRB 48213"}
    ]
    bad = b"name,kind,identifiers\nok,,\n,robot,\nz,,cn_uscc\nw,,,extra\n"
    with pytest.raises(InvalidItems) as caught:
        items_from_csv(bad)
    assert set(caught.value.errors) == {
        "row[3].name",
        "row[3].kind",
        "row[4].identifiers[0]",
        "row[5]",
    }


def test_csv_header_and_encoding_are_checked() -> None:
    with pytest.raises(InvalidValue, match="unknown column 'phone'"):
        items_from_csv(b"name,phone\nx,1\n")
    with pytest.raises(InvalidValue, match="first row must name the columns"):
        items_from_csv(b"company\nx\n")
    with pytest.raises(InvalidValue, match="UTF-8"):
        items_from_csv("name\n华兴\n".encode("gbk"))
    with pytest.raises(InvalidValue, match="no items"):
        items_from_csv(b"name\n")


def test_id_card_numbers_are_masked_on_the_way_out() -> None:
    shown = public_identifiers([{"scheme": "cn_ric", "value": RIC}])
    assert shown == [{"scheme": "cn_ric", "value": "1101**********002X"}]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/hook", "scheme must be http or https"),
        ("https:///nohost", "must name a host"),
        ("https://user:pw@example.org/", "must not carry credentials"),
        ("https://example.org:99999/", "not a valid URL"),
        ("http://127.0.0.1:8080/hook", "loopback or private"),
        ("http://10.1.2.3/hook", "loopback or private"),
        ("http://localhost/hook", "loopback or private"),
    ],
)
def test_webhook_targets_are_checked(url: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason):
        check_webhook_url(url, EgressPolicy())


def test_private_targets_are_allowed_when_configured() -> None:
    internal = EgressPolicy(allow_internal=True)
    assert (
        check_webhook_url(" http://127.0.0.1:8080/hook ", internal) == "http://127.0.0.1:8080/hook"
    )
    assert check_webhook_url("https://bank.example/hooks", EgressPolicy()) == (
        "https://bank.example/hooks"
    )


def test_signature_round_trip_and_refusals() -> None:
    body = b'{"delivery_id":1}'
    header = sign("whsec_test", 1_700_000_000, body)
    assert header.startswith("t=1700000000,v1=")
    assert verify("whsec_test", header, body, now=1_700_000_100) == 1_700_000_000
    with pytest.raises(SignatureError, match="no v1 signature matches"):
        verify("whsec_test", header, body + b" ", now=1_700_000_000)
    with pytest.raises(SignatureError, match="no v1 signature matches"):
        verify("whsec_other", header, body, now=1_700_000_000)
    with pytest.raises(SignatureError, match="more than 300 s"):
        verify("whsec_test", header, body, now=1_700_000_301)
    with pytest.raises(SignatureError, match="no t="):
        verify("whsec_test", "v1=abc", body)
    with pytest.raises(SignatureError, match="no v1="):
        verify("whsec_test", "t=1700000000", body, now=1_700_000_000)


def _items() -> WatchIndex:
    return WatchIndex(
        [
            WatchItem(1, "深圳市华兴科技有限公司", "legal_person", "440300", ()),
            WatchItem(2, "华兴科技", None, None, ()),
            WatchItem(3, "Completely Other Trading", None, None, (("cn_uscc", USCC),)),
            WatchItem(4, "杭州博远医药有限公司", "legal_person", "330100", ()),
        ]
    )


def test_items_match_by_name_and_identifier() -> None:
    index = _items()
    subject = EventSubject.from_entry(
        {"kind": "legal_person", "name": "深圳市华兴科技有限公司", "region": "440300"},
        [{"scheme": "cn_uscc", "value": USCC}],
    )
    found = {match.item_id: match for match in index.matches(subject)}
    assert set(found) == {1, 2, 3}
    assert found[1].score == 1.0
    assert found[3].score == 1.0  # the identifier decides, whatever the name
    assert found[3].features[0].feature == "identifier"


def test_kind_disagreement_weighs_only_on_items_that_record_a_kind() -> None:
    index = WatchIndex(
        [
            WatchItem(1, "王伟", "legal_person", None, ()),
            WatchItem(2, "王伟", None, None, ()),
        ]
    )
    subject = EventSubject("natural_person", ("王伟",), (), None)
    scores = {match.item_id: match.score for match in index.matches(subject)}
    assert scores.get(2) == 1.0
    assert scores.get(1, 0.0) < scores[2]


def test_foreign_identifiers_keep_their_scheme_name() -> None:
    pairs = identifier_pairs([{"scheme": "other", "name": "US EIN", "value": "94-3187265"}])
    assert pairs == (("other:us ein", "94-3187265"),)
    assert EventSubject("legal_person", (), (), None).queries("legal_person") == []
