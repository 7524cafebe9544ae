"""Example requests and answers for the endpoints of the OpenAPI document.

Taken from the demo registry (`make run`; fictional subjects) and shortened: hash lists keep
two hashes, long texts end in "…". `api/openapi_document.py` puts each where its operation's
schema has none; `tests/api/test_openapi_document.py` checks every public and client operation
has one and that an example's fields are the ones its schema documents. The admin endpoints'
examples are in `api/openapi_admin_examples.py`, added to the same table here.
"""

from __future__ import annotations

from typing import Any

from api.openapi_admin_examples import ADMIN_EXAMPLES

ORIGIN = "registry.example/patent-infringers/v1"
ROOT = "7+LDxSwI7r1PhljQ7D/ORdoUAEVsCVvFqO2pbxY3tWM="
NOTE = (
    f"{ORIGIN}\n45\n{ROOT}\n\n— {ORIGIN} PE/WKZ2RXdbbKFBUOwy7sJcynnHZacq5HGNojhnRwd0WRq6kv8K1"
    "jaXvOCDvnkiDlftvyd4tR1I6wEyQIhhHZJefngI=\n"
)
LEAF_EVENT = {
    "content_sha256": "b5cef430e14bbdcdeacb85c206f99b607824b557b6725f5952197802cfd3db6d",
    "entry_id": "IPL-2025-000001",
    "event": "listed",
    "recorded_at": "2026-12-06T11:26:25Z",
    "revision": 1,
    "seq": 1,
    "type": "ipl.event/v1",
}
LEAF = "eyJjb250ZW50X3NoYTI1NiI6ImI1Y2VmNDMwZTE0YmJkY2RlYWNiODVjMjA2Zjk5YjYw…"
LEAF_HASH = "Hlvtbn2ZBeyLNYAxxyCelUYMnM/ufnuUkZVCDmwsIhE="
PROOF = [
    "JamKtF71W0Rr8OV31ogthjsBJcYBtVSQ/9GMyiZGC6M=",
    "7IF4HwUDYj98/7AFj1yBndOmavjQfX3XTWE3zRHrTDc=",
]
BUNDLE_TEXT = "\n".join(["c2sp.org/tlog-proof@v1", f"extra {LEAF}", "index 1", *PROOF, "", NOTE])
NAME = "深圳市禾信科技有限公司"
USCC = "91440300752223952D"
WATCHLIST = {
    "id": 1,
    "name": "Suppliers",
    "webhook_url": "https://bank.example/hooks/registry",
    "active": True,
    "last_seq": 44,
    "item_count": 1,
    "created_at": "2026-12-06T11:27:29+00:00",
}
WATCH_ITEM = {
    "name": NAME,
    "kind": "legal_person",
    "identifiers": [{"scheme": "cn_uscc", "value": USCC}],
    "external_ref": "supplier-17",
}
DELIVERY = {
    "id": 7,
    "event_seq": 45,
    "event": "removed",
    "entry_id": "IPL-2025-000001",
    "status": "delivered",
    "attempts": 1,
    "next_attempt_at": None,
    "last_status_code": 200,
    "last_error": None,
    "delivered_at": "2026-12-06T12:00:03+00:00",
    "created_at": "2026-12-06T12:00:01+00:00",
    "payload": {"type": "ipl.watch-match/v1", "watchlist_id": 1, "event": {"seq": 45}},
}
FTM_ENTITY = {
    "id": "3a090d22f1eafb99b8827599573886733017e5b2",
    "schema": "Company",
    "caption": NAME,
    "datasets": ["default"],
    "referents": [],
    "target": True,
    "properties": {"name": [NAME], "uscCode": [USCC], "country": ["cn"], "topics": ["reg.action"]},
}

# (method, OpenAPI path) -> {"request": body, "response": body of the first 2xx answer,
# "answers": {2xx code: body} where an operation documents several, "media": response media type}
EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/v1/lookup"): {"request": {"scheme": "cn_uscc", "value": USCC}},
    ("get", "/api/v1/log/checkpoint"): {
        "response": {"note": NOTE, "origin": ORIGIN, "tree_size": 45, "root": ROOT}
    },
    ("get", "/api/v1/log/proof/inclusion"): {
        "response": {
            "index": 1,
            "tree_size": 45,
            "root": ROOT,
            "leaf": LEAF,
            "leaf_hash": LEAF_HASH,
            "event": LEAF_EVENT,
            "proof": PROOF,
            "checkpoint": NOTE,
        }
    },
    ("get", "/api/v1/log/proof/bundle"): {
        "media": "text/plain",
        "response": BUNDLE_TEXT,
    },
    ("get", "/api/v1/log/proof/consistency"): {
        "response": {
            "first": 40,
            "second": 45,
            "first_root": "hrrszOslh5J7u+9xqVMMBtpORp6jZGTDf393p3GfOik=",
            "second_root": ROOT,
            "proof": ["rBSnD3eB9uCLTxndw42nX5PipoYOFar63nmtueTJ09Q="],
            "checkpoint": NOTE,
        }
    },
    ("get", "/api/v1/log/entries"): {
        "response": {
            "tree_size": 45,
            "start": 1,
            "entries": [{"index": 1, "leaf": LEAF, "leaf_hash": LEAF_HASH, "event": LEAF_EVENT}],
        }
    },
    ("get", "/api/v1/keys"): {
        "response": {
            "keys": [
                {
                    "kid": "UX3apd1qtLWPXhqYftXZaYWT5ZNBhOu4bt68tl7FVyM",
                    "alg": "Ed25519",
                    "public_key": "yKkP3sCMzZ0fo/JVDd+uOJDq2XcGBytNreR04Og7UiU=",
                    "note_vkey": f"{ORIGIN}+3c4fd629+AbgoRLi0HhMZmmuRwOP6RcpWHqV3QJuthDpgUTDC5ve4",
                    "use": "checkpoint",
                    "valid_from": "2026-12-06T11:26:22Z",
                    "valid_until": None,
                }
            ]
        }
    },
    ("get", "/api/v1/changes"): {
        "response": {
            "after": 43,
            "events": [
                {
                    "type": "ipl.event/v1",
                    "seq": 44,
                    "event": "listed",
                    "entry_id": "IPL-2026-000016",
                    "revision": 1,
                    "content_sha256": "84353d1f257ce4171458b0484b174d7bdf24ae1d…",
                    "recorded_at": "2026-12-06T11:26:30Z",
                    "bundle": {
                        "entry": {"entry_id": "IPL-2026-000016", "…": "…"},
                        "signature": "…",
                    },
                }
            ],
            "next_after": 44,
            "tree_size": 45,
        }
    },
    ("post", "/api/v1/ftm/match/{dataset}"): {
        "request": {
            "queries": {"q1": {"schema": "Company", "properties": {"name": [NAME]}}},
        },
        "response": {
            "limit": 5,
            "responses": {
                "q1": {
                    "status": 200,
                    "query": {"schema": "Company", "properties": {"name": [NAME]}},
                    "results": [
                        FTM_ENTITY
                        | {
                            "score": 1.0,
                            "match": True,
                            "features": {"name": 1.0, "trade_name": 1.0},
                            "explanations": {
                                "trade_name": {
                                    "score": 1.0,
                                    "weight": 1.0,
                                    "description": "same characters 禾信",
                                }
                            },
                        }
                    ],
                    "total": {"value": 1, "relation": "eq"},
                }
            },
        },
    },
    ("get", "/api/v1/ftm/entities/{entity_id}"): {"response": FTM_ENTITY},
    ("get", "/api/v1/watchlists"): {"response": [WATCHLIST]},
    ("post", "/api/v1/watchlists"): {
        "request": {"name": "Suppliers", "webhook_url": "https://bank.example/hooks/registry"},
        "response": WATCHLIST
        | {"item_count": 0, "webhook_secret": "whsec_3kj65AW7dgA7hzvTD3-58X7nosYgzVBB7zSd9DeU8NY"},
    },
    ("get", "/api/v1/watchlists/{watchlist_id}"): {"response": WATCHLIST},
    ("get", "/api/v1/watchlists/{watchlist_id}/items"): {
        "response": {"items": [{"id": 1, "region": None} | WATCH_ITEM], "next_after_id": 1}
    },
    ("post", "/api/v1/watchlists/{watchlist_id}/items"): {
        "request": [WATCH_ITEM],
        "response": {"added": 1, "item_count": 1},
    },
    ("get", "/api/v1/watchlists/{watchlist_id}/deliveries"): {
        "response": {"deliveries": [DELIVERY], "next_after_id": None}
    },
    ("post", "/api/v1/watchlists/{watchlist_id}/deliveries/{delivery_id}/replay"): {
        "response": DELIVERY | {"status": "pending", "next_attempt_at": "2026-12-06T12:05:00+00:00"}
    },
}
EXAMPLES.update(ADMIN_EXAMPLES)
