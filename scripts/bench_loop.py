"""What the modernization loop costs: CPU time of `insight.loop.build_loop` against that of the
knowledge it is built from, on a synthetic archive (scripts/synth.py), with the collector running
and paused (the build pauses it while it computes).

    python scripts/bench_loop.py --n 10000

CPU time of this process (`time.process_time`), best of `--repeat`, so that other work on the
machine moves the figures less than wall-clock time would. It prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # a sibling script, not an installed module
from postmortems.insight.knowledge import build_knowledge
from postmortems.insight.loop import build_loop
from postmortems.insight.scoring import load_model
from postmortems.records.archive import build_archive
from postmortems.records.catalog import load_catalog
from postmortems.records.modernization import default_rubric, load_targets
from postmortems.records.validate import Rules

REPO = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="postmortems in the synthetic archive")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="where the archive is generated (kept)")
    args = parser.parse_args()
    root = args.out or Path(f"/tmp/synth-{args.n}")
    if not (root / "docs").exists():
        synth.generate(root, args.n)
    docs = root / "docs"
    rules = Rules(as_of=AS_OF)
    catalog, _problems = load_catalog(str(docs), "services.yml", [])
    files = [
        (path.relative_to(docs).as_posix(), path.read_bytes())
        for path in sorted((docs / "postmortems").rglob("*.md"))
    ]
    archive = build_archive(files, rules, catalog)
    model = load_model()
    targets, _problems = load_targets(os.fspath(REPO / "modernization/targets.yaml"), "targets.yaml")
    for paused in (False, True):
        best_kb = best_loop = float("inf")
        for _ in range(args.repeat):
            if paused:
                gc.disable()
            start = time.process_time()
            kb = build_knowledge(
                archive.records,
                catalog,
                as_of=AS_OF,
                severities=rules.severities,
                repeat_window_days=90,
                model=model,
            )
            middle = time.process_time()
            build_loop(kb, [], default_rubric(), targets)
            end = time.process_time()
            gc.enable()
            best_kb, best_loop = min(best_kb, middle - start), min(best_loop, end - middle)
        state = "collector paused" if paused else "collector running"
        print(
            f"n={len(archive.records)} ({len(kb.services)} services, {len(kb.teams)} teams), {state}: "
            f"build_knowledge {best_kb * 1000:.0f} ms, build_loop {best_loop * 1000:.0f} ms "
            f"(CPU time, best of {args.repeat})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
