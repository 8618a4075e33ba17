"""Atom feeds of newly published postmortems: one for the archive, one per team.

Built with the standard library's ElementTree, which escapes every text node; links are
absolute when the site has a `site_url` (feed readers need them), else site-relative.
"""

from __future__ import annotations

import datetime as dt
import functools
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from ..insight.knowledge import Knowledge
from ..records.model import Postmortem
from .pages import Layout

ATOM = "http://www.w3.org/2005/Atom"
LIMIT = 50


def _published(record: Postmortem) -> dt.datetime:
    day = record.published_at or (record.resolved_at or record.started_at).date()
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def atom(title: str, feed_url: str, site_url: str, records: Sequence[Postmortem]) -> str:
    """An Atom document of the newest postmortems, newest first, by publication date."""
    ET.register_namespace("", ATOM)
    base = site_url.rstrip("/") + "/" if site_url else ""
    newest = sorted(records, key=lambda r: (_published(r), r.id), reverse=True)[:LIMIT]
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}id").text = base + feed_url
    ET.SubElement(feed, f"{{{ATOM}}}link", href=base + feed_url, rel="self")
    updated = _published(newest[0]) if newest else dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated.strftime("%Y-%m-%dT%H:%M:%SZ")
    for record in newest:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"[{record.severity}] {record.id}: {record.title}"
        ET.SubElement(entry, f"{{{ATOM}}}id").text = base + record.url
        ET.SubElement(entry, f"{{{ATOM}}}link", href=base + record.url)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _published(record).strftime("%Y-%m-%dT%H:%M:%SZ")
        author = ET.SubElement(entry, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = (
            ", ".join(record.authors) or ", ".join(record.teams) or "unknown"
        )
        for name in record.services:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=name)
        summary = record.sections.get("summary", "").strip()
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = summary[:1000] or record.title
    return ET.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"


def feed_makers(kb: Knowledge, layout: Layout, site_url: str, site_name: str) -> dict[str, Callable[[], str]]:
    """Feed path → function writing its Atom XML, for the archive and each team."""
    path = layout.src_uri("feed", "all")
    out: dict[str, Callable[[], str]] = {
        path: functools.partial(atom, f"{site_name}: postmortems", path, site_url, kb.records)
    }
    for team in kb.teams.values():
        path = layout.src_uri("feed", team.slug)
        title = f"{site_name}: postmortems of team {team.name}"
        out[path] = functools.partial(atom, title, path, site_url, team.incidents)
    return out
