"""What the worker's Markdown offload buys: the plugin build with it and without it.

Issue 13 asks to keep the offload (site/render.py, ~300 lines with its tests) only if it is worth
its code. This builds the same synthetic archive as scripts/bench.py with the plugin, alternating
the default build and one with `POSTMORTEMS_OFFLOAD=0` (the worker still reads half the archive;
only the Markdown of postmortem pages stays in MkDocs' process; Pagefind indexes as always),
and prints the median wall and CPU seconds of each. A measuring tool, not a test.

    python scripts/bench_offload.py --n 1000 --n 10000 --repeat 3
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # a sibling script, not an installed module
import synth
from postmortems.site.render import OFF_SWITCH


def measure(n: int, out: Path, repeat: int) -> dict[str, list[bench.Run]]:
    root = out / f"offload-n{n}"
    root.mkdir(parents=True, exist_ok=True)
    summary = synth.generate(root, n, synth.DEFAULT_SEED)
    config = root / "mkdocs-plugin.yml"
    config.write_text(bench.BASE_CONFIG.format(kind="plugin", n=n) + bench.PLUGIN_LINES, encoding="utf-8")
    runs: dict[str, list[bench.Run]] = {"offload": [], "no offload": []}
    for round_ in range(repeat):
        for label, switch in (("offload", "1"), ("no offload", "0")):
            os.environ[OFF_SWITCH] = switch
            run = bench.build(config, root / "site", root / "build.log")
            runs[label].append(run)
            print(f"   N={n:,} {label} ({round_ + 1}/{repeat}): {run.seconds:.1f} s wall, "
                  f"{run.cpu:.1f} s CPU, rc={run.returncode}", flush=True)  # fmt: skip
    os.environ.pop(OFF_SWITCH, None)
    bench.shutil.rmtree(summary.docs_dir, ignore_errors=True)
    bench.shutil.rmtree(root / "site", ignore_errors=True)
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="archive size; repeat for several")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=bench.REPO / "bench-out")
    args = parser.parse_args(argv)
    compileall.compile_dir(bench.PLUGIN_DIR, quiet=1)
    lines = ["| N | with offload (wall / CPU) | without (wall / CPU) | wall saved |", "|---|---|---|---|"]
    for n in args.n or [1000]:
        runs = measure(n, args.out.resolve(), max(1, args.repeat))
        wall = {k: statistics.median(r.seconds for r in v) for k, v in runs.items()}
        cpu = {k: statistics.median(r.cpu for r in v) for k, v in runs.items()}
        saved = wall["no offload"] - wall["offload"]
        lines.append(
            f"| {n:,} | {wall['offload']:.1f} s / {cpu['offload']:.1f} s | "
            f"{wall['no offload']:.1f} s / {cpu['no offload']:.1f} s | "
            f"{saved:.1f} s ({saved / wall['no offload']:.0%}) |"
        )
    print("\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
