"""A Glue estate's git history, generated: the stand-in for a real estate's history that scripts/replay.py replays.

    python scripts/generated_history.py /tmp/estate-751 --files 751 --weeks 10
    python scripts/replay.py --glue /tmp/estate-751 --from "$(git -C /tmp/estate-751 rev-list --max-parents=0 HEAD)"

The first commit is an estate shaped like real ones (tests/estategen.py, as the benchmark builds it: per job a
real-shaped Glue script, its Terraform job and trigger in its domain's module, the module's variables and locals).
Each following commit is a week of the Glue team's work: 3 to 15 files changed, job scripts (a statement added) and
job definitions (an argument changed), in a seeded mix. The same arguments give the same commits' trees.

Exit codes: 0 written (the commits, oldest first, on stdout); 2 bad input (one line, nothing written).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import _git, make_estate_repo  # noqa: E402

EXIT_OK, EXIT_INPUT = 0, 2


def week(glue: Path, names: list[str], rng: random.Random, number: int) -> tuple[int, int]:
    """One week of Glue changes, committed: (scripts changed, definitions changed)."""
    count = rng.randint(3, 15)
    definitions = rng.randint(0, min(4, count))
    scripts = rng.sample([n for n in names if n.endswith(".py") and "_job_" in n], count - definitions)
    for name in scripts:
        path = glue / name
        path.write_text(re.sub(r"^([ \t]*)job\.commit\(\)", rf'\1print("week {number}")\n\1job.commit()',
                               path.read_text(), count=1, flags=re.MULTILINE))
    for name in rng.sample([n for n in names if n.endswith(".tf") and "_job_" in n], definitions):
        path = glue / name
        text = path.read_text()
        edited = re.sub(r'"--run_date" = "[^"]*"', f'"--run_date" = "week-{number}"', text, count=1)
        path.write_text(edited if edited != text else text + f"\n# week {number}\n")
    _git(glue, "commit", "-q", "-am", f"week {number}: {len(scripts)} scripts, {definitions} definitions")
    return len(scripts), definitions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="a new or empty folder for the estate's repository")
    parser.add_argument("--files", type=int, default=751, help="about how many files the estate has (default 751)")
    parser.add_argument("--weeks", type=int, default=10, help="weekly commits after the first (default 10)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the estate and of the weeks (default 42)")
    parser.add_argument("--jobs-per-module", type=int, default=None,
                        help="jobs in each Terraform module (folder); default 48, as the benchmark's estate. A large "
                             "number gives one module for the whole estate, as estates that keep every definition "
                             "in one folder have")
    options = parser.parse_args(argv)
    out = Path(options.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        print(f"error: {out} is not empty (or not a folder): give a new or empty folder", file=sys.stderr)
        return EXIT_INPUT
    if options.files < 20:
        print(f"error: --files {options.files}: give at least 20 (an estate of a few domains)", file=sys.stderr)
        return EXIT_INPUT
    if options.weeks < 1:
        print(f"error: --weeks {options.weeks}: give at least 1", file=sys.stderr)
        return EXIT_INPUT
    if options.jobs_per_module is not None and options.jobs_per_module < 1:
        print(f"error: --jobs-per-module {options.jobs_per_module}: give at least 1", file=sys.stderr)
        return EXIT_INPUT
    out.mkdir(parents=True, exist_ok=True)
    names = make_estate_repo(out, options.files, seed=options.seed, jobs_per_module=options.jobs_per_module)
    commits = [_git(out, "rev-parse", "HEAD").strip()]
    rng = random.Random(options.seed + 1)
    for number in range(1, options.weeks + 1):
        week(out, names, rng, number)
        commits.append(_git(out, "rev-parse", "HEAD").strip())
    print(",".join(commits))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
