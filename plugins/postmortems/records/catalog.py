"""The service catalog: `services.yml` and Backstage `catalog-info.yaml` Component entities.

A missing catalog is not an error (services are then taken as written); a broken one is
reported with file and line, and whatever entries could be read are kept.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import yaml

from .model import CENTRALITIES, Problem, Service
from .parse import ValuesLoader, read_yaml_file
from .validate import NAME_RE, closest

LINK_FIELDS = ("runbook", "dashboard", "repository")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _service(entry: dict[str, Any], path: str, line: int | None, problems: list[Problem]) -> Service | None:
    name = _text(entry.get("name"))
    if name is None or not NAME_RE.match(name) or ".." in name:
        problems.append(
            Problem(
                "error",
                path,
                line,
                f"service name '{name or ''}' is missing or not a valid name: use letters, digits, dots "
                "and dashes",
            )
        )
        return None
    tier = entry.get("tier")
    if tier is not None and (isinstance(tier, bool) or not isinstance(tier, int)):
        problems.append(Problem("warning", path, line, f"service '{name}': tier must be a whole number"))
        tier = None
    centrality = _text(entry.get("dependency_centrality"))
    if centrality is not None and centrality.lower() not in CENTRALITIES:
        problems.append(
            Problem(
                "warning",
                path,
                line,
                f"service '{name}': dependency_centrality '{centrality}' is not one of low, medium, high",
            )
        )
        centrality = None
    return Service(
        source=path,
        name=name,
        team=_text(entry.get("team")),
        tier=tier,
        dependency_centrality=centrality.lower() if centrality else None,
        description=_text(entry.get("description")),
        runbook=_text(entry.get("runbook")),
        dashboard=_text(entry.get("dashboard")),
        repository=_text(entry.get("repository")),
        lifecycle=_text(entry.get("lifecycle")),
    )


def load_services_yaml(path: str, display: str) -> tuple[list[Service], list[Problem]]:
    """Read a `services.yml` file; `display` is the path shown in messages."""
    problems: list[Problem] = []
    read, found = read_yaml_file(path, display, "the service catalog")
    problems.extend(found)
    if read is None:
        return [], problems
    data, lines = read.data, read.lines
    entries = data.get("services") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        problems.append(
            Problem("error", display, 1, "the service catalog needs a top-level 'services:' list")
        )
        return [], problems
    services = []
    for index, entry in enumerate(entries):
        line = lines.get(("services", index))
        if not isinstance(entry, dict):
            problems.append(Problem("error", display, line, "each service must be a mapping with a 'name'"))
            continue
        service = _service(entry, display, line, problems)
        if service is not None:
            at = lines.get(("services", index, "maturity"), line)
            service.maturity, positions = _maturity(
                entry.get("maturity"), service.name, display, problems, at
            )
            service.maturity_lines = tuple(
                lines.get(("services", index, "maturity", n), at) for n in positions
            )
            services.append(service)
    return services, problems


def _maturity(
    value: Any, name: str, display: str, problems: list[Problem], line: int | None = None
) -> tuple[tuple[str, ...], list[int]]:
    """The rubric criteria a service says it meets: a list in services.yml, comma-separated text
    in a Backstage annotation. Returns the ids and, per id, its position in the list."""
    if value is None:
        return (), []
    if isinstance(value, str):
        value = [part for part in (p.strip() for p in value.split(",")) if part]
    if not isinstance(value, list):
        problems.append(
            Problem(
                "warning",
                display,
                line,
                f"service '{name}': maturity must be a list of criteria ids, "
                "e.g. [slos-alerting, red-dashboards]",
            )
        )
        return (), []
    ids: list[str] = []
    positions: list[int] = []
    for index, item in enumerate(value):
        text = _text(item)
        if text is not None and text not in ids:
            ids.append(text)
            positions.append(index)
    return tuple(ids), positions


def _owner(value: Any) -> str | None:
    """Backstage owners look like 'group:default/payments'; the team is the last part."""
    text = _text(value)
    if text is None:
        return None
    return text.split(":", 1)[-1].split("/")[-1]


def load_backstage(path: str, display: str) -> tuple[list[Service], list[Problem]]:
    """Component entities of a Backstage `catalog-info.yaml` (several documents allowed)."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            documents = list(yaml.load_all(handle, Loader=ValuesLoader))
    except OSError as exc:
        return [], [Problem("error", display, None, f"cannot read the Backstage catalog: {exc.strerror}")]
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        return [], [
            Problem("error", display, line, f"the Backstage catalog is not valid YAML: {exc.problem}")
        ]
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return [], [Problem("error", display, None, f"the Backstage catalog cannot be read: {exc}")]
    services: list[Service] = []
    problems: list[Problem] = []
    for doc in documents:
        if not isinstance(doc, dict) or doc.get("kind") != "Component":
            continue
        meta: dict[str, Any] = doc["metadata"] if isinstance(doc.get("metadata"), dict) else {}
        spec: dict[str, Any] = doc["spec"] if isinstance(doc.get("spec"), dict) else {}
        notes: dict[str, Any] = meta["annotations"] if isinstance(meta.get("annotations"), dict) else {}
        entry: dict[str, Any] = {
            "name": meta.get("name"),
            "team": _owner(spec.get("owner")),
            "description": meta.get("description"),
            "lifecycle": spec.get("lifecycle"),
            "tier": notes.get("postmortems/tier"),
            "dependency_centrality": notes.get("postmortems/dependency-centrality"),
            "maturity": notes.get("postmortems/maturity"),
        }
        if isinstance(entry["tier"], str) and entry["tier"].isdigit():
            entry["tier"] = int(entry["tier"])
        source = _text(notes.get("backstage.io/source-location"))
        if source:
            entry["repository"] = source.split(":", 1)[1] if source.startswith("url:") else source
        for link in meta.get("links") or []:
            if not isinstance(link, dict):
                continue
            label = f"{link.get('title', '')} {link.get('type', '')}".lower()
            for name in LINK_FIELDS:
                if name in label and name not in entry:
                    entry[name] = link.get("url")
        service = _service(entry, display, None, problems)
        if service is not None:
            service.maturity, _positions = _maturity(entry["maturity"], service.name, display, problems)
            service.maturity_lines = (None,) * len(service.maturity)
            services.append(service)
    return services, problems


def load_catalog(
    config_dir: str, catalog: str | None, backstage: Iterable[str]
) -> tuple[dict[str, Service] | None, list[Problem]]:
    """The merged catalog (services.yml first, Backstage fills in), or None if there is none."""
    services: dict[str, Service] = {}
    problems: list[Problem] = []
    found = False
    sources: list[tuple[str, bool]] = []
    if catalog:
        sources.append((catalog, False))
    sources.extend((path, True) for path in backstage)
    for relative, is_backstage in sources:
        path = os.path.join(config_dir, relative)
        if not os.path.exists(path):
            if is_backstage:
                problems.append(Problem("warning", relative, None, "Backstage catalog file not found"))
            continue
        found = True
        loader = load_backstage if is_backstage else load_services_yaml
        loaded, found_problems = loader(path, relative)
        problems.extend(found_problems)
        for service in loaded:
            if service.name in services:
                if not is_backstage:
                    problems.append(
                        Problem("warning", relative, None, f"service '{service.name}' is listed twice")
                    )
                continue
            services[service.name] = service
    return (services if found else None), problems


def check_maturity(catalog: dict[str, Service] | None, criteria: list[str]) -> list[Problem]:
    """A criterion id in the catalog that the maturity rubric does not have (spec §8): a warning
    at its catalog line, suggesting the closest id. The service still reaches the levels of the
    ids it has right."""
    problems: list[Problem] = []
    known = set(criteria)
    for service in (catalog or {}).values():
        for ident, line in zip(service.maturity, service.maturity_lines, strict=False):
            if ident in known:
                continue
            hint = closest(ident, criteria)
            fix = f"did you mean '{hint}'?" if hint else f"the rubric's ids are {', '.join(criteria)}"
            problems.append(
                Problem(
                    "warning",
                    service.source or "",
                    line,
                    f"service '{service.name}': maturity criterion '{ident}' is not in the maturity "
                    f"rubric: {fix}",
                    key="maturity",
                )
            )
    return problems
