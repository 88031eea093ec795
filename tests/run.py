#!/usr/bin/env python3
"""run.py: mvm's test runner, one for every tier, in this order:

  unit        C unit tests, plain and under ASan+UBSan; source-tree checks
  fuzz        short runs of the libFuzzer targets
  payload     the tiny guest payloads under KVM; the command line's refusals
  bench       mvm-bench's command line on synthetic results
  privileged  what needs root: mvm-trace, mvm as an unprivileged user
  linux       Linux guests (slow)

Without --tier, all of them.  A tier whose programs are not built fails;
without /dev/kvm, each test that needs it is skipped, with the reason.  The
run ends with one line for all: "N passed, N failed, N skipped".

Usage: tests/run.py [--tier TIER...] [-k SUBSTRING] [--list]
  --only is the same as --tier; "guests" means payload, bench and privileged.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tier_bench  # noqa: E402
import tier_fuzz  # noqa: E402
import tier_linux  # noqa: E402
import tier_payload  # noqa: E402
import tier_privileged  # noqa: E402
import tier_unit  # noqa: E402
from harness import closing_line, counts, report  # noqa: E402

TIERS = {"unit": tier_unit, "fuzz": tier_fuzz, "payload": tier_payload, "bench": tier_bench,
         "privileged": tier_privileged, "linux": tier_linux}
ALIASES = {"guests": ["payload", "bench", "privileged"]}


def chosen_tiers(asked):
    """The tiers (asked) for, each once, in TIERS' order; all if none."""
    if not asked:
        return list(TIERS)
    wanted = {t for a in asked for t in ALIASES.get(a, [a])}
    return [t for t in TIERS if t in wanted]


def main():
    ap = argparse.ArgumentParser(description="Run mvm's tests, by tier.")
    ap.add_argument("--tier", "--only", dest="tiers", action="extend", nargs="+",
                    choices=list(TIERS) + list(ALIASES), help="run only these tiers")
    ap.add_argument("-k", help="run only tests whose name contains this")
    ap.add_argument("--list", action="store_true", help="list the tests, by tier, and run none")
    args = ap.parse_args()
    tiers = chosen_tiers(args.tiers)
    if args.list:
        for tier in tiers:
            print(f"{tier}:")
            for name in TIERS[tier].names():
                if not args.k or args.k in name:
                    print(f"  {name}")
        return 0
    for tier in tiers:
        TIERS[tier].run(args.k)
    if counts["passed"] + counts["failed"] == 0:
        report("tests", False, "no test ran")
    print(closing_line())
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
