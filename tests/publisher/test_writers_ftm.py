"""FollowTheMoney export: a valid subject entity and Sanction per entry, ids stable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from followthemoney import EntityProxy, model
from followthemoney.util import make_entity_id

from publisher.writers.atomic import ImmutableFileChanged
from publisher.writers.ftm import write_ftm
from registry.errors import InvalidValue
from registry.subjects.identifiers import mask_ric
from tests.publisher.writer_samples import RIC, USCC, make_bundle


def read_entities(path: Path) -> list[EntityProxy]:
    """Parse each line back, re-cleaning every value: nothing may change, nothing may fail."""
    entities = []
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        assert model.get_proxy(data).schema.validate(data) is None
        proxy = EntityProxy.from_dict(data, cleaned=False)
        cleaned = proxy.to_dict()["properties"]
        assert {name: sorted(values) for name, values in cleaned.items()} == {
            name: sorted(values) for name, values in data["properties"].items()
        }
        assert model.get_proxy(data).id == data["id"]
        entities.append(proxy)
    return entities


def sample_bundles() -> list[dict[str, Any]]:
    return [
        make_bundle(1),
        make_bundle(2, "natural_person", name="张三", aliases=[]),
        make_bundle(3, "other_org", name="某某研究会", identifiers=[]),
    ]


def test_each_entry_becomes_a_subject_and_a_sanction(tmp_path: Path) -> None:
    resource = write_ftm(tmp_path, 5, sample_bundles())

    entities = read_entities(tmp_path / "ftm" / "5.ftm.json")
    assert [proxy.schema.name for proxy in entities] == [
        "Company", "Sanction", "Person", "Sanction", "Organization", "Sanction",
    ]  # fmt: skip
    for subject, sanction in zip(entities[::2], entities[1::2], strict=True):
        assert sanction.get("entity") == [subject.id]
        assert subject.get("country") == ["cn"]
        assert subject.get("topics") == ["reg.action"]
    assert resource == {
        "name": "ftm",
        "path": "ftm/5.ftm.json",
        "sha256": resource["sha256"],
        "size": (tmp_path / "ftm" / "5.ftm.json").stat().st_size,
        "count": 6,
    }


def test_ids_derive_from_the_entry_id_alone(tmp_path: Path) -> None:
    write_ftm(tmp_path, 1, [make_bundle(1)])
    write_ftm(tmp_path, 2, [make_bundle(1, revision=2, name="改名后的公司")])

    first = read_entities(tmp_path / "ftm" / "1.ftm.json")
    second = read_entities(tmp_path / "ftm" / "2.ftm.json")
    assert [proxy.id for proxy in first] == [proxy.id for proxy in second]
    assert first[0].id == make_entity_id("ipl-subject", "IPL-2026-000001")
    assert first[1].id == make_entity_id("ipl-sanction", "IPL-2026-000001")


def test_company_carries_names_and_its_credit_code(tmp_path: Path) -> None:
    write_ftm(tmp_path, 1, [make_bundle(1)], base_url="https://ipl.example.cn")

    company, sanction = read_entities(tmp_path / "ftm" / "1.ftm.json")
    assert company.get("name") == ["福州示例科技有限公司1"]
    assert sorted(company.get("alias")) == sorted(
        ["Fuzhou Shili Keji Youxian Gongsi 1", "示例科技"]
    )
    assert company.get("registrationNumber") == [USCC]
    assert company.get("uscCode") == [USCC]
    assert company.get("sector") == ["internet"]
    assert company.get("sourceUrl") == ["https://ipl.example.cn/entries/IPL-2026-000001"]
    assert sanction.get("sourceUrl") == company.get("sourceUrl")


def test_person_carries_only_the_masked_id_number(tmp_path: Path) -> None:
    write_ftm(tmp_path, 1, [make_bundle(2, "natural_person", name="张三")])

    text = (tmp_path / "ftm" / "1.ftm.json").read_text(encoding="utf-8")
    person = read_entities(tmp_path / "ftm" / "1.ftm.json")[0]
    assert person.get("idNumber") == [mask_ric(RIC)]
    assert person.get("registrationNumber") == []
    assert RIC not in text


def test_sanction_carries_authority_program_reason_and_period(tmp_path: Path) -> None:
    write_ftm(tmp_path, 1, [make_bundle(1)], program="Test list")

    sanction = read_entities(tmp_path / "ftm" / "1.ftm.json")[1]
    assert sanction.get("authority") == ["国家知识产权局"]
    assert sanction.get("authorityId") == ["国知失信〔2026〕1号"]
    assert sanction.get("program") == ["Test list"]
    assert sanction.get("reason") == ["repeat_infringement: Infringed ZL201510123456.7 twice"]
    assert sanction.get("startDate") == ["2026-03-01"]
    assert sanction.get("listingDate") == ["2026-03-01"]
    assert sanction.get("endDate") == ["2029-02-28"]
    assert sanction.get("status") == ["published"]
    assert sanction.get("recordId") == ["IPL-2026-000001"]
    assert sorted(sanction.get("provisions")) == ["credit_tightening", "procurement_exclusion"]


def test_unknown_subject_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue) as raised:
        write_ftm(tmp_path, 1, [make_bundle(1, kind="vessel")])

    assert raised.value.field == "bundles[0].entry.subject.kind"


def test_entries_must_come_sorted(tmp_path: Path) -> None:
    with pytest.raises(InvalidValue) as raised:
        write_ftm(tmp_path, 1, [make_bundle(2), make_bundle(1)])

    assert raised.value.field == "bundles[1].entry.entry_id"


def test_a_written_export_is_immutable(tmp_path: Path) -> None:
    write_ftm(tmp_path, 1, [make_bundle(1)])

    with pytest.raises(ImmutableFileChanged):
        write_ftm(tmp_path, 1, [make_bundle(2)])
