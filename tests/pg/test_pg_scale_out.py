"""Scale-out: two web nodes and two publishers, separate processes, on one PostgreSQL and Redis.

The database is migrated with `registry db upgrade`; staff accounts and listings under review
are built on it. Two gunicorn nodes serve the production app (rate limits in Redis) and two
publishers run back to back against the same feed folder (a shared volume). A reviewer signs
in on one node and approves listings alternately through both with the same session; the
publisher holding the lock is killed with SIGKILL inside a run. Then: one lock holder at any
instant, runs never overlap, every approved listing is in the feed exactly once, the log is
contiguous with unique leaves, `registry verify` passes, and both nodes give the same answers.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pyotp
import pytest
import redis
import requests
from sqlalchemy import select

from bench.served import registry, server_env
from registry.ledger.tiles import TILE_WIDTH, TileRef
from registry.models import Listing
from runtime.extensions import db
from runtime.signing_keys import key_store
from tests import builders
from tests.api.screening_api.screening_fixtures import new_key
from tests.conftest import make_app
from tests.pg import scale_out_nodes as nodes
from tests.publisher.feed_checks import (
    assert_feed_complete,
    assert_log_and_trail_intact,
    snapshot_entry_ids,
)

pytestmark = pytest.mark.pg

REDIS_URL = "redis://127.0.0.1:6379"
BATCH = 6  # listings approved per batch; three batches
WAIT_SECONDS = 40
LIMIT = 4  # requests a minute of the rate-limited key, spread over the nodes


@pytest.fixture
def redis_url() -> str:
    """The Redis the web nodes keep rate limits in; required where PostgreSQL is."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("REGISTRY_REQUIRE_PG") == "1":
            pytest.fail(f"REGISTRY_REQUIRE_PG=1 but Redis at {REDIS_URL} is unreachable: {error}")
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    return REDIS_URL


def _prepare(
    tmp_path: Path, database_url: str, env: dict[str, str]
) -> tuple[list[int], list[str], str]:
    """Migrate; build staff, 3 x BATCH listings under review, a key and one of LIMIT a minute.

    The reviewer has enrolled a second factor (production asks reviewers for one); its secret
    is returned so that the test can sign in with a current code.
    """
    registry(env, "db", "upgrade")
    app = make_app(tmp_path, database_url)  # the same keys and feed folder as `env`
    with app.app_context():
        second_factor = pyotp.random_base32()
        builders.users(db.session)["reviewer"].totp_secret = second_factor
        ids = [builders.listing(db.session, state="under_review").id for _ in range(3 * BATCH)]
        keys = [new_key(db.session), new_key(db.session, rate_limit=f"{LIMIT}/minute")]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return ids, keys, second_factor


def _approve(staff: nodes.Staff, web: list[str], listing_ids: list[int], first: int) -> None:
    for number, (listing_id, base_url) in enumerate(
        zip(listing_ids, itertools.cycle(web), strict=False), start=first
    ):
        decision = {
            "reason": "deliberate infringement established",
            "document_number": f"演示知信〔2026〕{number}号",  # the configured number pattern
        }
        answer = staff.post(f"{base_url}/api/v1/admin/listings/{listing_id}/approve", decision)
        assert answer.status_code == 200, (base_url, answer.text[:500])
        assert answer.json()["state"] == "approved"


def _wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _published_count(feed: Path) -> int:
    index = feed / "index.json"
    if not index.exists():
        return 0
    signed = json.loads(index.read_bytes())["signed"]
    return len(snapshot_entry_ids(feed, signed))


def _kill_leader_mid_run(
    publishers: dict[str, Any], runs: Path, sampler: nodes.LockSampler
) -> tuple[str, float]:
    """SIGKILL the publisher that holds the lock while it is inside a run."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        holders = sampler.holders()
        records = nodes.read_runs(runs)
        for name in holders:
            if name in publishers and nodes.open_run(records, name) is not None:
                return name, nodes.kill(publishers[name])
        time.sleep(0.002)
    raise AssertionError("never saw a publisher inside a run")


def test_two_web_nodes_and_two_publishers_share_one_registry(
    pg_database: str, redis_url: str, tmp_path: Path
) -> None:
    env = server_env(tmp_path, pg_database, REGISTRY_RATELIMIT_STORAGE=redis_url)
    listing_ids, (api_key, limited_key), second_factor = _prepare(tmp_path, pg_database, env)
    feed, runs = tmp_path / "feed", tmp_path / "runs.jsonl"
    sampler = nodes.LockSampler(pg_database)
    with ExitStack() as stack:
        web = [stack.enter_context(nodes.web_node(env, tmp_path, f"web-{n}")) for n in (1, 2)]
        stack.enter_context(sampler.running())
        publishers = {
            name: stack.enter_context(nodes.publisher(env, tmp_path, runs, name))
            for name in ("publisher-1", "publisher-2")
        }
        reviewer = nodes.Staff(
            web[0], "reviewer", builders.PASSWORD, pyotp.TOTP(second_factor).now()
        )

        _approve(reviewer, web, listing_ids[:BATCH], first=100)
        _wait_until(lambda: _published_count(feed) == BATCH, "the first batch in the feed")
        _approve(reviewer, web[::-1], listing_ids[BATCH : 2 * BATCH], first=200)
        victim, killed_at = _kill_leader_mid_run(publishers, runs, sampler)
        survivor = next(name for name in publishers if name != victim)
        _approve(reviewer, web, listing_ids[2 * BATCH :], first=300)
        _wait_until(lambda: _published_count(feed) == 3 * BATCH, "every listing in the feed")
        time.sleep(0.5)  # the survivor keeps running: a run with nothing new changes nothing
        cold = stack.enter_context(nodes.web_node(env, tmp_path, "web-3"))  # started just now
        answers = _lookups([*web, cold], api_key, 3 * BATCH)
        assert publishers[survivor].poll() is None, "the survivor is still publishing"
        limited = _limited_lookups([*web, cold], limited_key, LIMIT + 1)

    _assert_one_leader(nodes.read_runs(runs), sampler, victim, survivor, killed_at)
    for node_answers in answers[1:]:
        assert node_answers == answers[0], "the web nodes answer the same lookups differently"
    assert [a["answer"] for a in answers[0]] == ["listed"] * (3 * BATCH) + ["not_listed"]
    # One counter per key in Redis, whichever node is asked: the key's limit holds in total.
    assert limited == [200] * LIMIT + [429]

    app = make_app(tmp_path, pg_database)
    with app.app_context():
        signed = assert_feed_complete(feed, key_store().public_keys())
        entry_ids = snapshot_entry_ids(feed, signed)
        approved = select(Listing.entry_id).where(Listing.id.in_(listing_ids))
        published = set(db.session.scalars(approved))
        states = db.session.scalars(select(Listing.state).where(Listing.id.in_(listing_ids)))
        assert set(states) == {"published"}
        assert_log_and_trail_intact(db.session)
        db.session.remove()
        db.engine.dispose()
    assert len(entry_ids) == len(set(entry_ids)) == len(listing_ids), "an entry is lost or doubled"
    assert set(entry_ids) == published
    leaves = _leaf_hashes(feed, signed)
    assert len(leaves) == len(set(leaves)), "a log leaf appears twice"
    assert "feed verified" in registry(env, "verify", str(feed))


def _lookups(web: list[str], api_key: str, count: int) -> list[list[dict[str, Any]]]:
    """Each node's answers to the same lookups (every listed code, then one never listed)."""
    codes = [builders.credit_code(number) for number in range(count + 1)]
    answers = []
    for base_url in web:
        node_answers = []
        for code in codes:
            answer = requests.post(
                f"{base_url}/api/v1/lookup",
                json={"scheme": "cn_uscc", "value": code},
                headers={"Authorization": f"Bearer {api_key}"},
                timeout=30,
            )
            assert answer.status_code == 200, answer.text[:500]
            body = answer.json()
            node_answers.append({key: body.get(key) for key in ("answer", "entries", "checkpoint")})
        answers.append(node_answers)
    return answers


def _limited_lookups(web: list[str], api_key: str, count: int) -> list[int]:
    """The status of `count` lookups with one key, sent to the nodes in turn."""
    return [
        requests.post(
            f"{base_url}/api/v1/lookup",
            json={"scheme": "cn_uscc", "value": builders.credit_code(0)},
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=30,
        ).status_code
        for base_url, _turn in zip(itertools.cycle(web), range(count), strict=False)
    ]


def _assert_one_leader(
    records: list[dict[str, Any]],
    sampler: nodes.LockSampler,
    victim: str,
    survivor: str,
    killed_at: float,
) -> None:
    """One lock holder per sample; runs never overlap; both led; the victim died in a run."""
    assert sampler.samples, "the lock table was never sampled"
    assert max(len(holders) for _at, holders in sampler.samples) == 1
    assert {name for _at, holders in sampler.samples for name in holders} == {victim, survivor}
    assert not [r for r in records if "failed" in r], "a publication run failed"
    killed = nodes.open_run(records, victim)
    assert killed is not None, "the victim was killed inside a run"
    runs = [r for r in records if "end" in r] + [killed | {"end": killed_at}]
    runs.sort(key=lambda run: run["start"])
    for earlier, later in itertools.pairwise(runs):
        assert earlier["end"] <= later["start"], f"runs overlap: {earlier} {later}"
    versions = [run["version"] for run in runs if "version" in run]
    assert versions == sorted(set(versions)), "a feed version was published twice"
    assert any(run["publisher"] == survivor and run["start"] > killed_at for run in runs), (
        "the survivor took over"
    )


def _leaf_hashes(feed: Path, signed: dict[str, Any]) -> list[bytes]:
    """The log's leaf hashes, read from its level-0 tiles."""
    size = int(signed["checkpoint"].splitlines()[1])
    leaves: list[bytes] = []
    for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        tile = TileRef(0, index, min(TILE_WIDTH, size - TILE_WIDTH * index))
        data = (feed / "log" / tile.path).read_bytes()
        assert len(data) == 32 * tile.width, tile.path
        leaves += [data[at : at + 32] for at in range(0, len(data), 32)]
    return leaves
