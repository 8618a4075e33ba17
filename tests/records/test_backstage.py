"""A Backstage catalog as teams have it: a root Location pointing at files and globs, a URL it
cannot follow, Components of several types, owners that are people, the same name in two
namespaces, lifecycles and PagerDuty annotations."""

from __future__ import annotations

from pathlib import Path

from postmortems.records.catalog import load_catalog

ROOT_LOCATION = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: northwind-root
spec:
  targets:
    - ./payments/catalog-info.yaml
    - ./teams/*/catalog-info.yaml
    - https://github.com/northwind/legacy/blob/main/catalog-info.yaml
    - ./missing/catalog-info.yaml
"""
PAYMENTS = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  description: Card & wallet payments ("checkout's money path")
  annotations:
    pagerduty.com/service-id: PIJ90N7
    pagerduty.com/integration-key: 8b2f1c0e9d7a4b3c
    postmortems/tier: "1"
spec:
  type: service
  owner: group:default/payments
  lifecycle: production
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: money-lib
spec:
  type: library
  owner: payments
  lifecycle: production
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: back-to-the-root
spec:
  target: ../catalog-info.yaml
"""
SEARCH = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: search-service
spec:
  type: service
  owner: user:guest
  lifecycle: deprecated
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: storefront-web
spec:
  type: website
  owner: group:storefront
  lifecycle: production
"""
EMEA = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  namespace: emea
spec:
  type: service
  owner: group:emea/payments-emea
  lifecycle: experimental
"""


def catalog_tree(root: Path) -> Path:
    files = {
        "catalog/catalog-info.yaml": ROOT_LOCATION,
        "catalog/payments/catalog-info.yaml": PAYMENTS,
        "catalog/teams/search/catalog-info.yaml": SEARCH,
        "catalog/teams/emea/catalog-info.yaml": EMEA,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_locations_globs_types_owners_namespaces_lifecycle_and_pagerduty(tmp_path: Path) -> None:
    catalog, problems = load_catalog(str(catalog_tree(tmp_path)), None, ["catalog/catalog-info.yaml"])
    assert catalog is not None
    assert sorted(catalog) == [
        "emea.payments-api",
        "payments-api",
        "search-service",
    ]  # no library, no website
    payments = catalog["payments-api"]
    assert payments.team == "payments" and payments.owner is None and payments.tier == 1
    assert payments.pagerduty == ("PIJ90N7", "8b2f1c0e9d7a4b3c")
    assert payments.description == 'Card & wallet payments ("checkout\'s money path")'
    search = catalog["search-service"]
    assert search.team is None and search.owner == "user:guest"  # a person is not a team
    assert search.lifecycle == "deprecated" and search.deprecated
    emea = catalog["emea.payments-api"]
    assert emea.team == "payments-emea" and emea.lifecycle == "experimental" and not emea.deprecated
    messages = {(p.path, p.level, p.message) for p in problems}
    assert (
        "catalog/catalog-info.yaml",
        "info",
        "Location target 'https://github.com/northwind/legacy/blob/main/catalog-info.yaml' is a URL and is "
        "not followed (the build reads no network): list a local copy in the backstage option to include it",
    ) in messages
    assert (
        "catalog/catalog-info.yaml",
        "warning",
        "Location target './missing/catalog-info.yaml' names no file",
    ) in messages
    assert any("the one in 'emea' is 'emea.payments-api'" in p.message for p in problems)
    assert len(problems) == 3  # and the Location pointing back at the root is read once


def test_folders_globs_and_other_types(tmp_path: Path) -> None:
    catalog_tree(tmp_path)
    folder, _ = load_catalog(str(tmp_path), None, ["catalog/teams"])  # every catalog-info.yaml under it
    assert folder is not None and sorted(folder) == [
        "payments-api",
        "search-service",
    ]  # one namespace each here
    glob, _ = load_catalog(
        str(tmp_path), None, ["catalog/**/catalog-info.yaml"], ["service", "website", "Library"]
    )
    assert glob is not None
    assert sorted(glob) == [
        "emea.payments-api",
        "money-lib",
        "payments-api",
        "search-service",
        "storefront-web",
    ]
    none, problems = load_catalog(str(tmp_path), None, ["nowhere/*.yaml"])
    assert none is None and [p.message for p in problems] == ["Backstage catalog file not found"]


def test_services_yml_wins_and_a_broken_backstage_file_is_reported(tmp_path: Path) -> None:
    catalog_tree(tmp_path)
    (tmp_path / "services.yml").write_text("services:\n  - name: payments-api\n    team: money\n")
    (tmp_path / "catalog/teams/broken/catalog-info.yaml").parent.mkdir(parents=True)
    (tmp_path / "catalog/teams/broken/catalog-info.yaml").write_text("kind: Component\nmetadata: [unclosed\n")
    yml, _ = load_catalog(str(tmp_path), "services.yml", [])
    extra, problems = load_catalog(str(tmp_path), None, ["catalog"])
    assert yml is not None and extra is not None
    merged = {**extra, **yml}  # what the plugin and the command line do
    assert merged["payments-api"].team == "money" and merged["search-service"].owner == "user:guest"
    broken = [p for p in problems if p.path == "catalog/teams/broken/catalog-info.yaml"]
    assert broken and broken[0].level == "error" and broken[0].line == 3


def test_a_tier_annotation_that_is_no_small_whole_number_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    # int() raised ValueError on "²" (a digit to str.isdigit) and on 5,000 digits.
    for index, tier in enumerate(["²", "9" * 5000]):
        folder = tmp_path / str(index)
        folder.mkdir()
        (folder / "catalog-info.yaml").write_text(
            PAYMENTS.split("---")[0].replace('postmortems/tier: "1"', f'postmortems/tier: "{tier}"'),
            encoding="utf-8",
        )
        catalog, problems = load_catalog(str(folder), None, ["catalog-info.yaml"])
        assert catalog is not None and catalog["payments-api"].tier is None
        assert [(p.level, p.message) for p in problems] == [
            ("warning", "service 'payments-api': tier must be a whole number")
        ]
