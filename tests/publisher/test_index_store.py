"""The screening index file shared through a private bucket, against a real `rclone serve s3`.

The publisher uploads the file it wrote (runtime/index_store.py); a web node of another
machine pulls it with `registry screening-index pull` and its workers map it.
"""

from __future__ import annotations

import fcntl
import json
import logging
from pathlib import Path

import pytest
from flask import Flask

from publisher.jobs import run_publication
from registry.errors import InvalidValue
from registry.screening.matching.index_file import FORMAT_VERSION, IndexFile
from registry.screening.shared_index import DriftBound, SharedIndex
from runtime.extensions import db
from runtime.feed_store import ObjectStoreError
from runtime.index_store import POINTER, IndexPointer, index_store_settings
from tests.conftest import make_app
from tests.publisher.test_crash_safety import Approvals
from tests.s3_server import ACCESS_KEY, SECRET_KEY, WRONG_SECRET, S3Server, break_store

pytestmark = pytest.mark.s3
PREFIX = "private/screening-index/"


def _store_settings(s3_server: S3Server, bucket: str) -> dict[str, object]:
    return {
        "SCREENING_INDEX_S3_BUCKET": bucket,
        "SCREENING_INDEX_S3_PREFIX": PREFIX,
        "FEED_S3_ENDPOINT": s3_server.endpoint,
        "FEED_S3_ACCESS_KEY": ACCESS_KEY,
        "FEED_S3_SECRET_KEY": SECRET_KEY,
    }


@pytest.fixture
def publisher_app(demo_app: Flask, s3_server: S3Server, bucket: str) -> Flask:
    """The demo registry (three listings approved, unpublished), its index going to `bucket`."""
    demo_app.config["REGISTRY"].update(_store_settings(s3_server, bucket))
    demo_app.config["REGISTRY"]["SCREENING_INDEX_MAX_DRIFT"] = DriftBound(0)  # written each change
    return demo_app


@pytest.fixture
def node_app(tmp_path: Path, s3_server: S3Server, bucket: str) -> Flask:
    """A web node of another machine: its own files, the same private bucket."""
    app = make_app(tmp_path / "node", f"sqlite:///{tmp_path / 'node.sqlite3'}")
    app.config["REGISTRY"].update(_store_settings(s3_server, bucket))
    return app


def _pointer(s3_server: S3Server, bucket: str) -> dict[str, object]:
    body = s3_server.client().get_object(Bucket=bucket, Key=PREFIX + POINTER)["Body"].read()
    found: dict[str, object] = json.loads(body)
    return found


def _objects(s3_server: S3Server, bucket: str) -> list[str]:
    listed = s3_server.client().list_objects_v2(Bucket=bucket, Prefix=PREFIX)
    return sorted(item["Key"].removeprefix(PREFIX) for item in listed.get("Contents", []))


def _pull(app: Flask) -> tuple[int, str, str]:
    with app.app_context():  # the node's, over the publisher's the fixture pushed
        result = app.test_cli_runner().invoke(args=["screening-index", "pull"])
    return result.exit_code, result.stdout, result.stderr


def test_a_run_uploads_the_index_file_then_its_pointer(
    publisher_app: Flask, s3_server: S3Server, bucket: str
) -> None:
    messages: list[str] = []
    report = run_publication(publisher_app, progress=messages.append)
    assert report is not None
    local = Path(publisher_app.config["SCREENING_INDEX"])
    pointer = _pointer(s3_server, bucket)
    assert pointer["format"] == FORMAT_VERSION
    assert pointer["stamp"] == str(report.tree_size)
    assert pointer["size"] == local.stat().st_size
    name = str(pointer["object"])
    assert _objects(s3_server, bucket) == sorted([POINTER, name])
    assert (s3_server.root / bucket / PREFIX / name).read_bytes() == local.read_bytes()
    head = s3_server.client().head_object(Bucket=bucket, Key=PREFIX + name)
    assert head["CacheControl"] == "private, no-store"
    assert f"uploaded {name}" in report.screening_index
    assert "uploading the screening index to its private bucket" in messages
    uploaded = [message for message in messages if message.startswith("screening index: uploaded")]
    assert 1 <= len(uploaded) - 1 <= 10  # a tenth at a time, then what was done
    assert "screening_index_upload" in report.steps


def test_a_run_that_keeps_the_file_uploads_nothing(
    publisher_app: Flask, s3_server: S3Server, bucket: str
) -> None:
    run_publication(publisher_app)
    client = s3_server.client()
    before = client.head_object(Bucket=bucket, Key=PREFIX + POINTER)["LastModified"]
    report = run_publication(publisher_app)
    assert report is not None
    assert report.screening_index.startswith("kept")
    assert report.screening_index.endswith("the bucket's screening index is this file")
    assert client.head_object(Bucket=bucket, Key=PREFIX + POINTER)["LastModified"] == before
    assert len(_objects(s3_server, bucket)) == 2


def test_a_node_pulls_the_file_its_workers_then_map(
    publisher_app: Flask, node_app: Flask, s3_server: S3Server, bucket: str
) -> None:
    report = run_publication(publisher_app)
    assert report is not None
    published = Path(publisher_app.config["SCREENING_INDEX"])
    path = Path(node_app.config["SCREENING_INDEX"])
    shared = SharedIndex(path)
    assert shared.current() is None

    code, out, err = _pull(node_app)
    assert code == 0, err
    assert "pulled screening-" in out and f"log size {report.tree_size}" in out
    assert "screening index: downloaded" in err  # progress, on stderr
    assert path.read_bytes() == published.read_bytes()
    assert path.stat().st_mode & 0o777 == 0o640
    mapped = shared.current()
    assert mapped is not None and mapped.stamp == str(report.tree_size)
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".download")] == []

    inode = path.stat().st_ino
    code, out, _err = _pull(node_app)
    assert code == 0 and out.startswith("up to date")
    assert path.stat().st_ino == inode  # not downloaded again


def test_a_new_file_replaces_the_nodes_and_older_objects_go(
    publisher_app: Flask, node_app: Flask, s3_server: S3Server, bucket: str
) -> None:
    run_publication(publisher_app)
    path = Path(node_app.config["SCREENING_INDEX"])
    assert _pull(node_app)[0] == 0
    shared = SharedIndex(path)
    first = shared.current()
    assert first is not None
    names = []
    approvals = Approvals(publisher_app)
    for _ in range(2):
        approvals.add(1)
        db.session.commit()
        report = run_publication(publisher_app)
        assert report is not None and report.screening_index.startswith("written")
        names.append(str(_pointer(s3_server, bucket)["object"]))
    # The current file and the one before it (a node may still be downloading it).
    assert _objects(s3_server, bucket) == sorted([POINTER, *names])

    code, out, err = _pull(node_app)
    assert code == 0, err
    assert names[-1] in out
    newer = shared.current()
    assert newer is not None and newer is not first
    assert int(newer.stamp) > int(first.stamp)
    assert path.read_bytes() == Path(publisher_app.config["SCREENING_INDEX"]).read_bytes()


def test_a_damaged_object_is_refused_and_the_nodes_file_kept(
    publisher_app: Flask, node_app: Flask, s3_server: S3Server, bucket: str
) -> None:
    run_publication(publisher_app)
    path = Path(node_app.config["SCREENING_INDEX"])
    assert _pull(node_app)[0] == 0
    kept = path.read_bytes()
    approvals = Approvals(publisher_app)
    approvals.add(1)
    db.session.commit()
    run_publication(publisher_app)
    stored = s3_server.root / bucket / PREFIX / str(_pointer(s3_server, bucket)["object"])
    damaged = bytearray(stored.read_bytes())
    damaged[-1] ^= 0xFF
    stored.write_bytes(bytes(damaged))

    code, _out, err = _pull(node_app)
    assert code == 1
    assert "SHA-256" in err and "this node keeps its screening index file" in err
    assert path.read_bytes() == kept
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".download")] == []


def test_a_pointer_of_another_format_is_left_alone(
    node_app: Flask, s3_server: S3Server, bucket: str
) -> None:
    pointer = IndexPointer(format=FORMAT_VERSION + 1, stamp="9", size=4096, sha256="a" * 64)
    s3_server.client().put_object(Bucket=bucket, Key=PREFIX + POINTER, Body=pointer.to_json())
    code, out, _err = _pull(node_app)
    assert code == 0
    assert f"format {FORMAT_VERSION + 1} and this release reads format {FORMAT_VERSION}" in out
    assert not Path(node_app.config["SCREENING_INDEX"]).exists()


def test_nothing_to_pull_before_the_first_upload(node_app: Flask) -> None:
    code, out, _err = _pull(node_app)
    assert code == 0
    assert out.startswith("the bucket holds no screening index yet")


def test_a_second_pull_on_the_node_leaves_the_download_to_the_first(
    publisher_app: Flask, node_app: Flask
) -> None:
    run_publication(publisher_app)
    path = Path(node_app.config["SCREENING_INDEX"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(f".{path.name}.pull.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        code, out, _err = _pull(node_app)
    assert code == 0
    assert out.startswith("another pull of this file is under way")
    assert not path.exists()


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("unreachable", "is unreachable"),
        ("bucket_missing", "does not exist .*REGISTRY_SCREENING_INDEX_S3_BUCKET"),
        ("credentials", "refused the credentials"),
    ],
)
def test_store_faults_fail_the_run_clearly_and_the_next_run_catches_up(
    publisher_app: Flask,
    node_app: Flask,
    s3_server: S3Server,
    bucket: str,
    caplog: pytest.LogCaptureFixture,
    fault: str,
    message: str,
) -> None:
    run_publication(publisher_app)
    before = _pointer(s3_server, bucket)
    settings = publisher_app.config["REGISTRY"]
    good = break_store(settings, fault, "SCREENING_INDEX_S3_BUCKET")
    Approvals(publisher_app).add(1)
    db.session.commit()

    with (
        caplog.at_level(logging.ERROR, logger="publisher"),
        pytest.raises(ObjectStoreError, match=message),
    ):
        run_publication(publisher_app)
    assert "the web nodes keep the screening index file they have" in caplog.text
    assert WRONG_SECRET not in caplog.text
    # The feed itself is still served: ready, with the failed run named.
    detail = publisher_app.test_client().get("/readyz").get_json()["checks"]["feed"]["detail"]
    assert "last 1 run(s) failed (ObjectStoreError: object storage failed" in detail
    assert "the web nodes keep the screening index file they have" in detail
    assert WRONG_SECRET not in detail
    assert _pointer(s3_server, bucket) == before  # the nodes still pull the previous file

    settings.update(good)
    report = run_publication(publisher_app)
    assert report is not None
    assert report.screening_index.startswith("kept")  # written by the failed run
    assert "uploaded screening-" in report.screening_index
    name = str(_pointer(s3_server, bucket)["object"])
    local = Path(publisher_app.config["SCREENING_INDEX"])
    assert (s3_server.root / bucket / PREFIX / name).read_bytes() == local.read_bytes()
    detail = publisher_app.test_client().get("/readyz").get_json()["checks"]["feed"]["detail"]
    assert "failed" not in detail


def test_a_node_reports_a_store_fault_and_keeps_its_file(
    publisher_app: Flask, node_app: Flask
) -> None:
    run_publication(publisher_app)
    assert _pull(node_app)[0] == 0
    path = Path(node_app.config["SCREENING_INDEX"])
    kept = path.read_bytes()
    node_app.config["REGISTRY"]["FEED_S3_SECRET_KEY"] = WRONG_SECRET
    code, _out, err = _pull(node_app)
    assert code == 1
    assert "refused the credentials" in err and "this node keeps its screening index file" in err
    assert WRONG_SECRET not in err
    assert path.read_bytes() == kept
    assert IndexFile(path).count > 0


def test_the_private_bucket_is_never_the_feeds() -> None:
    with pytest.raises(InvalidValue, match="REGISTRY_SCREENING_INDEX_S3_BUCKET"):
        index_store_settings({"SCREENING_INDEX_S3_BUCKET": "feed", "FEED_S3_BUCKET": "feed"})
    with pytest.raises(InvalidValue, match="REGISTRY_SCREENING_INDEX_S3_BUCKET: must be an S3"):
        index_store_settings({"SCREENING_INDEX_S3_BUCKET": "No_Such Bucket"})
    with pytest.raises(InvalidValue, match="REGISTRY_SCREENING_INDEX_S3_PREFIX"):
        index_store_settings(
            {"SCREENING_INDEX_S3_BUCKET": "index", "SCREENING_INDEX_S3_PREFIX": "../x"}
        )
    assert index_store_settings({"FEED_S3_BUCKET": "feed"}) is None


def test_pull_without_a_bucket_says_what_to_set(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'node.sqlite3'}")
    code, _out, err = _pull(app)
    assert code == 1
    assert "REGISTRY_SCREENING_INDEX_S3_BUCKET is not set" in err


def test_a_pointer_that_is_not_one_is_refused() -> None:
    for data in (b"{}", b"not json", b'{"format": 7, "stamp": "1", "size": 99, "sha256": "x"}'):
        with pytest.raises(InvalidValue, match=POINTER):
            IndexPointer.from_json(data)
    bucket_pointer = IndexPointer(format=7, stamp="12", size=4096, sha256="0" * 64)
    assert IndexPointer.from_json(bucket_pointer.to_json()) == bucket_pointer


def test_index_bucket_names_objects_by_format_and_hash() -> None:
    pointer = IndexPointer(format=7, stamp="12", size=4096, sha256="ab" * 32)
    assert pointer.object == f"screening-7-{'ab' * 32}.index"


def test_a_damaged_pointer_is_replaced_by_the_next_run(
    publisher_app: Flask, node_app: Flask, s3_server: S3Server, bucket: str
) -> None:
    run_publication(publisher_app)
    named = _pointer(s3_server, bucket)
    s3_server.client().put_object(Bucket=bucket, Key=PREFIX + POINTER, Body=b"not json")
    code, _out, err = _pull(node_app)
    assert code == 1 and f"{POINTER}: is not a screening index pointer" in err

    report = run_publication(publisher_app)
    assert report is not None and report.screening_index.startswith("kept")
    assert _pointer(s3_server, bucket) == named
    assert _objects(s3_server, bucket) == sorted([POINTER, str(named["object"])])
    assert _pull(node_app)[0] == 0


def _readiness(app: Flask) -> tuple[int, dict[str, object]]:
    with app.app_context():
        response = app.test_client().get("/readyz")
    check: dict[str, object] = response.get_json()["checks"]["screening_index"]
    return response.status_code, check


def test_a_node_of_the_bucket_is_ready_once_it_has_pulled_the_file(
    publisher_app: Flask, node_app: Flask
) -> None:
    report = run_publication(publisher_app)
    assert report is not None
    status, check = _readiness(node_app)
    assert status == 503 and check["ok"] is False
    assert "`registry screening-index pull --watch 30`" in str(check["detail"])

    assert _pull(node_app)[0] == 0
    _status, check = _readiness(node_app)
    assert check == {
        "ok": True,
        "detail": f"screening index file of log size {report.tree_size} (format {FORMAT_VERSION})",
    }

    path = Path(node_app.config["SCREENING_INDEX"])
    path.write_bytes(
        path.read_bytes().replace(b'"version": %d' % FORMAT_VERSION, b'"version": 1', 1)
    )
    _status, check = _readiness(node_app)
    assert check["ok"] is False and "is format 1 and this release reads" in str(check["detail"])


def test_without_the_bucket_a_node_without_the_file_screens_from_memory(tmp_path: Path) -> None:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'node.sqlite3'}")
    _status, check = _readiness(app)
    assert check == {
        "ok": True,
        "detail": "no screening index file yet: the workers screen from memory",
    }


class _Stop(Exception):
    """Ends a `--watch` loop in a test."""


def test_watch_reports_a_failure_and_pulls_at_the_next_turn(
    publisher_app: Flask,
    node_app: Flask,
    s3_server: S3Server,
    bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from server.cli import screening_index as command

    run_publication(publisher_app)
    name = str(_pointer(s3_server, bucket)["object"])
    s3_server.client().delete_object(Bucket=bucket, Key=PREFIX + name)  # lost from the bucket
    turns: list[float] = []

    def sleeping(seconds: float) -> None:  # between turns: the next run uploads it again
        turns.append(seconds)
        if len(turns) == 1:
            report = run_publication(publisher_app)
            assert report is not None and f"uploaded {name}" in report.screening_index
        else:
            raise _Stop

    monkeypatch.setattr(command.time, "sleep", sleeping)
    with node_app.app_context():
        runner = node_app.test_cli_runner()
        result = runner.invoke(args=["screening-index", "pull", "--watch", "30"])
        refused = runner.invoke(args=["screening-index", "pull", "--watch", "1"])
    assert isinstance(result.exception, _Stop)
    assert turns == [30, 30]
    # The first turn's failure, reported without stopping the watch.
    assert (
        f"screening index: bucket '{bucket}' at {s3_server.endpoint} has no {name}, "
        f"which {POINTER} names; this node keeps its screening index file"
    ) in result.stderr
    assert f"pulled {name}" in result.stdout  # the second turn
    assert Path(node_app.config["SCREENING_INDEX"]).exists()
    assert refused.exit_code == 2 and "--watch" in refused.stderr
