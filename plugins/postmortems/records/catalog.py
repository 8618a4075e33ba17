"""The service catalog: `services.yml` and Backstage catalogs (Component entities of type
service, found through files, folders, globs and the Location entities they hold).

A missing catalog is not an error (services are then taken as written); a broken one is
reported with file and line, and whatever entries could be read are kept.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from dataclasses import dataclass
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


def _owner(value: Any) -> tuple[str | None, str | None]:
    """(team, person) of a Backstage owner reference.

    `group:default/payments`, `group:payments` and a bare `payments` (Backstage reads a bare
    owner as a group) give the team `payments`; `user:guest` or `user:default/jane` give no team
    but the person as the owner, as written, so that a person is never listed as a team.
    """
    text = _text(value)
    if text is None:
        return None, None
    kind, _, ref = text.rpartition(":")
    name = ref.split("/")[-1]
    if kind.lower() == "user":
        return None, text
    return name or None, None


BACKSTAGE_FILES = ("catalog-info.yaml", "catalog-info.yml")
DEFAULT_TYPES = ("service",)
PAGERDUTY_ANNOTATIONS = ("pagerduty.com/service-id", "pagerduty.com/integration-key")


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _read_documents(path: str, display: str) -> tuple[list[Any], list[Problem]]:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return list(yaml.load_all(handle, Loader=ValuesLoader)), []
    except OSError as exc:
        return [], [Problem("error", display, None, f"cannot read the Backstage catalog: {exc.strerror}")]
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        return [], [
            Problem("error", display, line, f"the Backstage catalog is not valid YAML: {exc.problem}")
        ]
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return [], [Problem("error", display, None, f"the Backstage catalog cannot be read: {exc}")]


@dataclass
class BackstageEntity:
    """A Component of a Backstage catalog, with where it came from."""

    service: Service
    namespace: str
    display: str


def _component(doc: dict[str, Any], display: str, problems: list[Problem]) -> BackstageEntity | None:
    meta = _mapping(doc.get("metadata"))
    spec = _mapping(doc.get("spec"))
    notes = _mapping(meta.get("annotations"))
    team, person = _owner(spec.get("owner"))
    entry: dict[str, Any] = {
        "name": meta.get("name"),
        "team": team,
        "description": meta.get("description"),
        "lifecycle": spec.get("lifecycle"),
        "tier": notes.get("postmortems/tier"),
        "dependency_centrality": notes.get("postmortems/dependency-centrality"),
        "maturity": notes.get("postmortems/maturity"),
    }
    tier = entry["tier"]  # an annotation is text: "1" is tier 1; "²" or 5,000 digits stay text (a warning)
    if isinstance(tier, str) and tier.isascii() and tier.isdigit() and len(tier) <= 4:
        entry["tier"] = int(tier)
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
    if service is None:
        return None
    service.owner = person
    service.maturity, _positions = _maturity(entry["maturity"], service.name, display, problems)
    service.maturity_lines = (None,) * len(service.maturity)
    service.pagerduty = tuple(v for key in PAGERDUTY_ANNOTATIONS if (v := _text(notes.get(key))))
    namespace = _text(meta.get("namespace")) or "default"
    return BackstageEntity(service, namespace, display)


def _is_url(target: str) -> bool:
    return target.startswith(("http://", "https://", "url:"))


def backstage_files(base: str, pattern: str) -> list[str]:
    """The files an entry of `backstage:` (or a Location target) names, relative to `base`: a
    file, a folder (every catalog-info.yaml under it) or a glob (`catalog/**/*.yaml`)."""
    path = os.path.join(base, pattern)
    if any(ch in pattern for ch in "*?["):
        return sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
    if os.path.isdir(path):
        found: list[str] = []
        for folder, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(os.path.join(folder, n) for n in sorted(names) if n in BACKSTAGE_FILES)
        return found
    return [path] if os.path.exists(path) else []


def load_backstage_entities(
    config_dir: str, entries: Iterable[str], types: Iterable[str] = DEFAULT_TYPES
) -> tuple[list[BackstageEntity], list[Problem]]:
    """The Component entities of the `backstage:` entries, following Location entities.

    Only Components whose `spec.type` is in `types` are services (libraries, websites and
    other types are not). A Location's `spec.target` and `spec.targets` are followed when they
    are paths (relative to the Location's file); a URL is reported and not followed (this runs
    offline). Each file is read once, so Locations that point at each other do not loop.
    """
    wanted = {t.lower() for t in types}
    entities: list[BackstageEntity] = []
    problems: list[Problem] = []
    seen: set[str] = set()

    def display_of(path: str) -> str:
        return os.path.relpath(path, config_dir).replace(os.sep, "/")

    def visit(path: str) -> None:
        real = os.path.realpath(path)
        if real in seen:
            return
        seen.add(real)
        display = display_of(path)
        documents, found = _read_documents(path, display)
        problems.extend(found)
        for doc in documents:
            if not isinstance(doc, dict):
                continue
            kind = doc.get("kind")
            spec = _mapping(doc.get("spec"))
            if kind == "Location":
                targets = [spec.get("target"), *(spec.get("targets") or [])]
                for target in (t.strip() for t in targets if isinstance(t, str) and t.strip()):
                    follow(os.path.dirname(path), target, display)
            elif kind == "Component" and str(spec.get("type") or "").lower() in wanted:
                entity = _component(doc, display, problems)
                if entity is not None:
                    entities.append(entity)

    def follow(base: str, target: str, display: str) -> None:
        if _is_url(target):
            problems.append(
                Problem(
                    "info",
                    display,
                    None,
                    f"Location target '{target}' is a URL and is not followed (the build reads no "
                    "network): list a local copy in the backstage option to include it",
                )
            )
            return
        found = backstage_files(base, target)
        if not found:
            problems.append(Problem("warning", display, None, f"Location target '{target}' names no file"))
        for path in found:
            visit(path)

    for entry in entries:
        found = backstage_files(config_dir, entry)
        if not found:
            problems.append(Problem("warning", entry, None, "Backstage catalog file not found"))
        for path in found:
            visit(path)
    return entities, problems


def backstage_services(entities: list[BackstageEntity]) -> tuple[list[Service], list[Problem]]:
    """Services by name; where a name is used in several namespaces, each one outside the
    default namespace is named `<namespace>.<name>` (the default one keeps the plain name)."""
    by_name: dict[str, list[BackstageEntity]] = {}
    for entity in entities:
        by_name.setdefault(entity.service.name, []).append(entity)
    services: list[Service] = []
    problems: list[Problem] = []
    for name, group in by_name.items():
        namespaces = {entity.namespace for entity in group}
        for entity in group:
            if len(namespaces) > 1 and entity.namespace != "default":
                qualified = f"{entity.namespace}.{name}"
                problems.append(
                    Problem(
                        "info",
                        entity.display,
                        None,
                        f"service '{name}' is in namespaces {', '.join(sorted(namespaces))}: the one in "
                        f"'{entity.namespace}' is '{qualified}' here",
                    )
                )
                entity.service.name = qualified
            services.append(entity.service)
    return services, problems


def load_catalog(
    config_dir: str,
    catalog: str | None,
    backstage: Iterable[str],
    backstage_types: Iterable[str] = DEFAULT_TYPES,
) -> tuple[dict[str, Service] | None, list[Problem]]:
    """The merged catalog (services.yml first, Backstage fills in), or None if there is none.

    `catalog` is relative to `config_dir`; so are the `backstage` entries (files, folders,
    globs), read with `load_backstage_entities`.
    """
    services: dict[str, Service] = {}
    problems: list[Problem] = []
    found = False
    if catalog:
        path = os.path.join(config_dir, catalog)
        if os.path.exists(path):
            found = True
            loaded, more = load_services_yaml(path, catalog)
            problems.extend(more)
            for service in loaded:
                if service.name in services:
                    problems.append(
                        Problem("warning", catalog, None, f"service '{service.name}' is listed twice")
                    )
                    continue
                services[service.name] = service
    entries = list(backstage)
    if entries:
        entities, more = load_backstage_entities(config_dir, entries, backstage_types)
        problems.extend(more)
        named, more = backstage_services(entities)
        problems.extend(more)
        found = found or bool(entities) or any(backstage_files(config_dir, e) for e in entries)
        for service in named:
            services.setdefault(service.name, service)
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
