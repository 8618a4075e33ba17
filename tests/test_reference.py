"""The format reference is complete: every front-matter field, action-item key, page key,
catalog key, JSON file of the build and plugin option is documented where a team looks for it,
and the README and the sample's guide link the reference."""

from __future__ import annotations

import re

import pytest
from helpers import knowledge, record
from postmortems.records.model import FIELDS, ActionItem, Service
from postmortems.records.validate import PAGE_KEYS
from postmortems.site.export import api_makers
from postmortems.site.plugin import PostmortemsConfig
from sites import ROOT

FORMAT = (ROOT / "docs/pages/format.md").read_text(encoding="utf-8")
CONFIGURATION = (ROOT / "docs/pages/configuration.md").read_text(encoding="utf-8")


def documented(name: str, text: str) -> bool:
    return f"`{name}`" in text


@pytest.mark.parametrize(
    ("what", "names"),
    [
        ("front-matter field", FIELDS),
        ("action item key", [f for f in ActionItem.__dataclass_fields__ if f != "line"]),
        ("page key", sorted(PAGE_KEYS)),
        (
            "catalog key",
            [
                "name",
                "team",
                "tier",
                "dependency_centrality",
                "description",
                "runbook",
                "dashboard",
                "repository",
                "lifecycle",
            ],
        ),
        (
            "Backstage annotation",
            [
                "pagerduty.com/service-id",
                "pagerduty.com/integration-key",
                "postmortems/tier",
                "postmortems/dependency-centrality",
                "postmortems/maturity",
            ],
        ),
        ("figure", ["MTTR", "MTTA", "MTTD", "mttr_minutes", "is_repeat", "repeat_of", "overdue"]),
        (
            "scoring factor",
            ["slo_burn", "repeats", "mttr", "blast_radius", "revenue_impact", "effort", "ai_risk"],
        ),
    ],
)
def test_the_format_reference_documents_every(what: str, names: list[str]) -> None:
    missing = [name for name in names if not documented(name, FORMAT) and name not in FORMAT]
    assert missing == [], f"{what}s missing from docs/pages/format.md: {missing}"


def test_every_catalog_field_of_a_service_is_in_the_reference() -> None:
    shown = {"owner": "person", "pagerduty": "pagerduty.com/service-id"}  # how the reference names them
    where_read = {"maturity_lines", "source"}  # where an entry was read (for messages), not written
    for name in Service.__dataclass_fields__.keys() - where_read:
        assert documented(name, FORMAT) or shown.get(name, "\0") in FORMAT, name


def test_every_json_file_of_the_build_is_in_the_reference() -> None:
    kb = knowledge([record("INC-2025-001", "2025-03-15T14:23:00Z")])
    names = list(api_makers(kb))
    missing = [name for name in names if f"api/{name}" not in FORMAT]
    assert missing == []


def test_every_plugin_option_is_in_the_configuration_page() -> None:
    options = [name for name, _option in PostmortemsConfig._schema]
    missing = [name for name in options if not re.search(rf"^\| `{name}` \|", CONFIGURATION, re.MULTILINE)]
    assert missing == [], f"options missing from the table of docs/pages/configuration.md: {missing}"


def test_the_readme_and_the_sample_guide_link_the_format_reference() -> None:
    assert "](docs/pages/format.md)" in (ROOT / "README.md").read_text()
    guide = (ROOT / "content/guide.md").read_text()
    assert "[format reference](../docs/format/)" in guide  # published beside the sample: test_guide.py
    assert "shared/spec" not in (ROOT / "README.md").read_text()
