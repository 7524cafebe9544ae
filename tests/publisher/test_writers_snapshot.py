"""Snapshot writers: JSONL of signed bundles and the flattened CSV."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from publisher.writers.atomic import ImmutableFileChanged
from publisher.writers.snapshot import (
    CSV_COLUMNS,
    neutralise_formula,
    write_snapshot_csv,
    write_snapshot_jsonl,
)
from registry.canonical import canonical_bytes, loads_strict
from registry.errors import InvalidValue
from registry.signing.signatures import verify_entry
from tests.publisher.writer_samples import ENTRY_KEY, make_bundle


def bundles(count: int) -> Iterator[dict[str, Any]]:
    return (make_bundle(number) for number in range(1, count + 1))


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def test_jsonl_holds_one_canonical_signed_bundle_per_line(tmp_path: Path) -> None:
    written = list(bundles(3))

    resource = write_snapshot_jsonl(tmp_path, 7, iter(written))

    path = tmp_path / "snapshot" / "7.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    assert [loads_strict(line) for line in lines] == written
    assert all(line == canonical_bytes(loads_strict(line)) + b"\n" for line in lines)
    for line in lines:
        verify_entry(loads_strict(line), [ENTRY_KEY.verification_key()])
    assert resource == {
        "name": "snapshot",
        "path": "snapshot/7.jsonl",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "size": path.stat().st_size,
        "count": 3,
    }


def test_an_empty_snapshot_is_an_empty_file(tmp_path: Path) -> None:
    resource = write_snapshot_jsonl(tmp_path, 1, [])

    assert (tmp_path / "snapshot" / "1.jsonl").read_bytes() == b""
    assert (resource["count"], resource["size"]) == (0, 0)


@pytest.mark.parametrize(
    ("order", "complaint"),
    [((1, 3, 2), "'IPL-2026-000002' follows 'IPL-2026-000003'"), ((1, 2, 2), "each once")],
)
def test_unsorted_or_repeated_entries_are_refused_and_nothing_is_written(
    tmp_path: Path, order: tuple[int, ...], complaint: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        write_snapshot_jsonl(tmp_path, 2, (make_bundle(number) for number in order))

    assert raised.value.field == "bundles[2].entry.entry_id"
    assert complaint in raised.value.reason
    assert list((tmp_path / "snapshot").iterdir()) == []


def test_a_bundle_without_signature_is_refused(tmp_path: Path) -> None:
    bundle = make_bundle(1)
    del bundle["signature"]

    with pytest.raises(InvalidValue) as raised:
        write_snapshot_jsonl(tmp_path, 2, [bundle])

    assert raised.value.field == "bundles[0].signature"


def test_rerunning_a_version_is_a_no_op_but_changing_it_is_refused(tmp_path: Path) -> None:
    first = write_snapshot_jsonl(tmp_path, 4, bundles(2))

    assert write_snapshot_jsonl(tmp_path, 4, bundles(2)) == first
    with pytest.raises(ImmutableFileChanged):
        write_snapshot_jsonl(tmp_path, 4, bundles(3))


def test_negative_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue) as raised:
        write_snapshot_jsonl(tmp_path, -1, [])

    assert raised.value.field == "version"


def test_csv_has_bom_header_and_flattened_rows(tmp_path: Path) -> None:
    resource = write_snapshot_csv(tmp_path, 7, bundles(2))

    path = tmp_path / "snapshot" / "7.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbfentry_id,revision,status,")
    rows = read_csv(path)
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row["entry_id"] for row in rows] == ["IPL-2026-000001", "IPL-2026-000002"]
    first = make_bundle(1)
    assert rows[0] == {
        "entry_id": "IPL-2026-000001",
        "revision": "1",
        "status": "published",
        "subject_kind": "legal_person",
        "subject_name": "福州示例科技有限公司1",
        "subject_name_latin": "Fuzhou Shili Keji Youxian Gongsi 1",
        "aliases": "示例科技",
        "identifiers": "cn_uscc:91350100M000100Y43",
        "legal_representative": "王五",
        "region": "350100",
        "grounds": "repeat_infringement",
        "basis_document_numbers": "闽知执字〔2024〕1号; (2025)闽01民初1号",
        "patents": "ZL201510123456.7; ZL201620654321.X",
        "decision_authority": "国家知识产权局",
        "decision_number": "国知失信〔2026〕1号",
        "decision_date": "2026-02-20",
        "sectors": "internet",
        "listed_on": "2026-03-01",
        "period_end": "2029-02-28",
        "measures": "procurement_exclusion; credit_tightening",
        "remedy": "Apply for credit restoration after one year",
        "kid": neutralise_formula(first["signature"]["kid"]),
        "sig": neutralise_formula(first["signature"]["sig"]),
    }
    assert resource["count"] == 2
    assert resource["path"] == "snapshot/7.csv"


def test_csv_shows_foreign_identifiers_with_their_scheme_name(tmp_path: Path) -> None:
    foreign = {"scheme": "other", "name": "DE-HRB", "value": "HRB 12345"}
    bundle = make_bundle(1, identifiers=[foreign, {"scheme": "cn_uscc", "value": "X"}])

    write_snapshot_csv(tmp_path, 1, [bundle])

    row = read_csv(tmp_path / "snapshot" / "1.csv")[0]
    assert row["identifiers"] == "other(DE-HRB):HRB 12345; cn_uscc:X"


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_prefixes_are_neutralised(prefix: str) -> None:
    assert neutralise_formula(f"{prefix}SUM(A1)") == f"'{prefix}SUM(A1)"


def test_plain_text_is_left_alone() -> None:
    assert neutralise_formula("福州 = Fuzhou") == "福州 = Fuzhou"
    assert neutralise_formula("") == ""


def test_csv_cells_that_would_run_as_formulas_get_an_apostrophe(tmp_path: Path) -> None:
    bundle = make_bundle(
        1,
        name='=HYPERLINK("http://evil.example","click")',
        aliases=["+cmd|' /C calc'!A0", "ok"],
        legal_representative="@SUM(1+1)",
        remedy="-2+3",
        region="\t350100",
    )

    write_snapshot_csv(tmp_path, 1, [bundle])

    row = read_csv(tmp_path / "snapshot" / "1.csv")[0]
    assert row["subject_name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["aliases"] == "'+cmd|' /C calc'!A0; ok"
    assert row["legal_representative"] == "'@SUM(1+1)"
    assert row["remedy"] == "'-2+3"
    assert row["region"] == "'\t350100"
