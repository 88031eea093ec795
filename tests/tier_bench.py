"""tier_bench.py: the bench tier: mvm-bench's command line on synthetic
results and a fake VMM, no guest and no KVM (the matrix run that boots
Linux is in the linux tier)."""
import glob
import os
import subprocess

from harness import BUILD, MVM, TOP, Tier, read_trace

MVM_BENCH = os.path.join(BUILD, "mvm-bench")
TIER = Tier("bench", needs=[MVM_BENCH], kvm=False)
test = TIER.test
names, run = TIER.names, TIER.run

RUNS_COLUMNS = ("vmm,firmware,kernel,pit,pic,rtc,isa_serial,x_option_roms,append,rep,status,note,"
                "vmm_ms,firmware_ms,kernel_ms,user_ms,start_kernel_ms,first_console_ms,init_ms,"
                "total_ms,exits,exits_io,exits_mmio,exits_other,fwcfg_reads,fwcfg_bytes,"
                "user_cpu_ms,sys_cpu_ms,peak_rss_kib,rss_kib,pss_kib,minor_faults,major_faults,"
                "binary_bytes,host,git_rev,kernel_sha256,initrd_sha256,firmware_sha256,started_at,flag")
# One configuration of the matrix, all legacy devices on.
ALL_ON = ["--pit", "on", "--pic", "on", "--rtc", "on", "--isa-serial", "on",
          "--x-option-roms", "on"]


def write_runs(directory, init_times, pit="on"):
    """A runs.csv with one ok row per init time, for one configuration."""
    os.makedirs(directory, exist_ok=True)
    cols = RUNS_COLUMNS.split(",")
    with open(os.path.join(directory, "runs.csv"), "w") as f:
        f.write(RUNS_COLUMNS + "\n")
        for rep, t in enumerate(init_times):
            row = dict.fromkeys(cols, "")
            row.update(vmm="mvm", firmware="direct", kernel="build/guest", pit=pit, pic="on",
                       rtc="on", isa_serial="on", x_option_roms="on", rep=str(rep), status="ok",
                       vmm_ms="2", kernel_ms=str(t - 2), init_ms=str(t), total_ms=str(t + 300),
                       exits="14000", rss_kib="900", pss_kib="800")
            f.write(",".join(row[c] for c in cols) + "\n")


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def bench(args, timeout=60):
    p = subprocess.run([MVM_BENCH] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


@test
def test_bench_dry_run_lists_cells_and_skips():
    st, out, err = bench(["run", "--dry-run"])
    if st != 0 or "64 cells, 32 to run in this shard: 1 warm-up boot(s), then rounds of 32 boots" \
            not in out:
        return f"exit {st}: {out[-300:]}{err}"
    if "skipped: QEMU's microvm has no direct kernel boot" not in out:
        return "QEMU's direct-boot cells are not reported as skipped"
    return None


@test
def test_bench_bad_config_and_results_dir_are_exit_2(tmp):
    conf = write_file(os.path.join(tmp, "m.conf"), "vmm = mvm\npit = sometimes\n")
    st, out, err = bench(["run", "-c", conf])
    if st != 2 or f"{conf}:2: pit: unknown value 'sometimes'" not in err:
        return f"bad config: exit {st}: {err!r}"
    st, out, err = bench(["run", "--vmm", "mvm", "-o", "/proc/mvm/results"])
    if st != 2 or "cannot create results directory '/proc/mvm/results'" not in err:
        return f"bad results dir: exit {st}: {err!r}"
    st, out, err = bench(["run", "--kernel", os.path.join(tmp, "nothing")])
    if st != 2 or "cannot read" not in err:
        return f"missing kernel: exit {st}: {err!r}"
    return None


@test
def test_bench_compare_flags_a_regression_and_passes_equal_runs(tmp):
    base, same, slow = (os.path.join(tmp, x) for x in ("base", "same", "slow"))
    write_runs(base, [18000, 18300, 17900, 18100, 18200])
    write_runs(same, [18150, 17950, 18250, 18050, 18000])
    write_runs(slow, [19800, 20100, 19900, 20300, 20000])
    st, out, err = bench(["compare", base, same])
    if st != 0 or "0 regression(s)" not in out:
        return f"equal runs: exit {st}: {out}{err}"
    st, out, err = bench(["compare", base, slow])
    if st != 1 or "REGRESSION" not in out or "1 regression(s)" not in out:
        return f"slowed run: exit {st}: {out}{err}"
    st, out, err = bench(["compare", base, os.path.join(tmp, "missing")])
    if st != 2:
        return f"missing input: exit {st}"
    return None


@test
def test_bench_merge_combines_shards_into_summary_and_plots(tmp):
    write_runs(os.path.join(tmp, "s0"), [18000, 18100], pit="on")
    write_runs(os.path.join(tmp, "s1"), [17000, 17100], pit="off")
    out_dir = os.path.join(tmp, "all")
    st, out, err = bench(["merge", out_dir, os.path.join(tmp, "s0"), os.path.join(tmp, "s1")])
    if st != 0 or "merged 4 rows from 2 directories" not in out:
        return f"exit {st}: {out}{err}"
    with open(os.path.join(out_dir, "summary.csv")) as f:
        summary = f.read()
    if summary.count(",init_ms,2,") != 2:
        return "summary lacks one configuration's init_ms"
    for plot in ("phases.png", "phases.svg", "boot-time.png", "footprint.svg", "firmware.png"):
        if not os.path.getsize(os.path.join(out_dir, plot)):
            return f"no {plot}"
    return None


@test
def test_bench_crashed_vmm_is_a_crash_row_with_its_stderr(tmp):
    fake = write_file(os.path.join(tmp, "crashing-vmm"),
                      "#!/bin/sh\necho 'about to crash' >&2\nkill -SEGV $$\n")
    os.chmod(fake, 0o755)
    out = os.path.join(tmp, "r")
    st, _, err = bench(["run", "--vmm", "mvm", "--mvm", fake] + ALL_ON +
                       ["-n", "1", "-o", out, "--no-plots"])
    rows = read_trace(os.path.join(out, "runs.csv"))
    logs = "".join(open(p).read() for p in glob.glob(os.path.join(out, "logs", "*")))
    if [r["status"] for r in rows] != ["crash"] or "signal 11" not in rows[0]["note"] or \
            "about to crash" not in logs:
        return f"exit {st}, rows {rows}, logs {logs[:200]!r}, {err[-300:]!r}"
    # Where the numbers came from: the build's revision, as mvm --version says it.
    rev = subprocess.run(["git", "-C", TOP, "describe", "--always", "--dirty"],
                         capture_output=True, text=True).stdout.strip()
    version = subprocess.run([MVM, "--version"], capture_output=True, text=True).stdout.strip()
    if rev and (rows[0]["git_rev"] != rev or version != f"mvm {rev}"):
        return f"git_rev {rows[0]['git_rev']!r}, {version!r}, the tree is {rev!r}"
    return None


DEVICES = ("pit", "pic", "rtc", "isa_serial", "x_option_roms")


def write_matrix_runs(directory, reps, seed, init=lambda cell: 6000.0, noise=0.01,
                      status=lambda cell, rep: "ok", drop=()):
    """A runs.csv of the 2^5 legacy-device matrix, (reps) boots per cell, init
    times init(cell) * log-normal noise; cell maps each device to "on"/"off"."""
    import math
    import random
    rnd = random.Random(seed)
    os.makedirs(directory, exist_ok=True)
    cols = RUNS_COLUMNS.split(",")
    with open(os.path.join(directory, "runs.csv"), "w") as f:
        f.write(RUNS_COLUMNS + "\n")
        for rep in range(reps):
            for bits in range(32):
                cell = {d: "on" if bits >> i & 1 else "off" for i, d in enumerate(DEVICES)}
                if bits in drop:
                    continue
                t = init(cell) * math.exp(noise * rnd.gauss(0, 1))
                st = status(bits, rep)
                row = dict.fromkeys(cols, "")
                row.update(cell, vmm="mvm", firmware="direct", kernel="build/guest",
                           rep=str(rep), status=st)
                if st == "ok":
                    row.update(vmm_ms="2", kernel_ms=f"{t - 2:.3f}", init_ms=f"{t:.3f}",
                               total_ms=f"{t + 300:.3f}", exits="14000")
                f.write(",".join(row[c] for c in cols) + "\n")


@test
def test_bench_simulate_measures_false_alarms_and_coverage():
    """A shorter run of mvm-bench simulate (200 trials): each rate within its
    bounds give or take three binomial standard errors."""
    import re
    st, out, err = bench(["simulate", "--trials", "200", "--permutations", "199"], timeout=120)
    if st != 0:
        return f"exit {st}: {out}{err}"
    rates = re.findall(r"^  (.+?)\s+(\d+) / (\d+) = +([\d.]+) % \(SE ([\d.]+) %\)", out, re.M)
    found = [(name, (float(p), max(float(se), 0.5))) for name, _, _, p, se in rates]
    gate = [v for k, v in found if k.startswith("gate alarms")]
    cover = [(k, v) for k, v in found if "inside" in k]
    if len(gate) != 2 or len(cover) != 6:
        return f"simulate's output lacks its rates: {out}"
    if any(p > 5 + 3 * se for p, se in gate):
        return f"A/A false alarms above 5 %: {out}"
    for name, (p, se) in cover:
        if not 93 - 3 * se <= p <= 97 + 3 * se:
            return f"{name}: coverage {p} %: {out}"
    old = [v for k, v in found if "former" in k]
    if not old or old[0][0] < 25:
        return f"the former per-configuration rule should alarm often: {out}"
    return None


@test
def test_bench_effects_find_a_planted_effect_with_its_sign(tmp):
    """+120 ms (2 %) planted on pit, nothing elsewhere, 1 % noise, 2 boots per cell."""
    import csv
    run_dir = os.path.join(tmp, "r")
    write_matrix_runs(run_dir, 2, 7, init=lambda c: 6000.0 + (120 if c["pit"] == "on" else 0))
    st, out, err = bench(["effects", run_dir])
    if st != 0:
        return f"exit {st}: {out}{err}"
    with open(os.path.join(run_dir, "effects.csv")) as f:
        rows = [r for r in csv.DictReader(f) if r["metric"] == "init_ms"]
    by = {r["effect"]: r for r in rows}
    if len(rows) != 15 or "pit" not in by or "pit x rtc" not in by:
        return f"init_ms effects: {sorted(by)}"
    pit = by["pit"]
    if not (float(pit["ci95_low"]) > 0 and 80 < float(pit["estimate"]) < 160 and
            pit["method"] == "replicates" and pit["df"] == "32" and 1 < float(pit["pct"]) < 3):
        return f"pit: {pit}"
    if "pit=on: +" not in out or "no other main effect is distinguishable" not in out:
        return f"summary: {out}"
    for plot in ("effects.png", "effects.svg"):
        if not os.path.getsize(os.path.join(run_dir, plot)):
            return f"no {plot}"
    # The same rows without the effect: nothing called, with the right words.
    write_matrix_runs(run_dir, 2, 8)
    st, out, err = bench(["effects", run_dir])
    if st != 0 or "no main effect is distinguishable from noise" not in out:
        return f"null design: exit {st}: {out}{err}"
    return None


@test
def test_bench_compare_passes_an_aa_pair_and_fails_broken_new_sides(tmp):
    base, again = os.path.join(tmp, "base"), os.path.join(tmp, "again")
    write_matrix_runs(base, 5, 1, noise=0.04)
    write_matrix_runs(again, 5, 2, noise=0.04)
    st, out, err = bench(["compare", base, again])
    if st != 0 or "gate: pass" not in out or "overall:" not in out or \
            "0 regression(s)" not in out:
        return f"A/A pair: exit {st}: {out[-1500:]}{err}"
    if "0 of 32 have enough boots for a verdict" not in out:
        return f"5 + 5 boots cannot call a configuration after Holm: {out[-800:]}"
    slow = os.path.join(tmp, "slow")
    write_matrix_runs(slow, 5, 3, noise=0.04, init=lambda c: 6600.0)
    st, out, err = bench(["compare", base, slow])
    if st != 1 or "REGRESSION" not in out.split("overall:")[1]:
        return f"+10 % everywhere: exit {st}: {out[-800:]}"
    cases = {
        "timeouts": dict(status=lambda cell, rep: "timeout" if cell == 5 else "ok"),
        "crashes": dict(status=lambda cell, rep: "crash" if cell == 9 and rep else "ok"),
        "missing": dict(drop=(31,)),
    }
    expect = {"timeouts": "5 of 5 boots of pit=on,pic=off,rtc=on,isa-serial=off,"
                          "x-option-roms=off failed (timeout)",
              "crashes": "4 of 5 boots of pit=on,pic=off,rtc=off,isa-serial=on,"
                         "x-option-roms=off failed (crash)",
              "missing": "no boot of pit=on,pic=on,rtc=on,isa-serial=on,x-option-roms=on"}
    for name, kw in cases.items():
        broken = os.path.join(tmp, name)
        write_matrix_runs(broken, 5, 2, noise=0.04, **kw)
        st, out, err = bench(["compare", base, broken])
        if st != 1 or expect[name] not in out or "gate: FAIL" not in out:
            return f"{name}: exit {st}: {out[-1200:]}{err}"
    return None


# ---- the run loop, on a fake VMM (a script writing mvm's trace) ----

FAKE_VMM = r'''#!/usr/bin/env python3
import os, random, sys, time
a = sys.argv
trace, machine, append = a[a.index("--trace") + 1], a[a.index("-M") + 1], a[a.index("-append") + 1]
t0, pid = int(os.environ["MVM_EXEC_NS"]), os.getpid()
init = 100 + (20 if "pit=on" in machine else 0) + (15 if "slow" in append else 0) + \
    random.gauss(0, 0.5)
time.sleep(0.02)
ev = [(0, "vmm_exec", 0, 0), (1, "first_run", 0, 0), (2, "marker", 0xf4, 6),
      (init, "marker", 0xf4, 8), (init + 1, "shutdown", 0, 0)]
with open(trace, "w") as f:
    f.write("time_ns,vcpu,tid,event,detail,addr,size,dir,value\n")
    for ms, kind, addr, value in ev:
        f.write(f"{t0 + int(ms * 1e6)},0,{pid},{kind},,{addr:#x},{1 if addr else 0},"
                f"{'w' if addr else ''},{value:#x}\n")
'''


def fake_matrix(tmp, extra, out="r"):
    """mvm-bench run of 4 cells (pit x an append axis) on the fake VMM."""
    guest = os.path.join(tmp, "guest")
    os.makedirs(guest, exist_ok=True)
    for name in ("vmlinux", "bzImage", "initramfs.cpio"):
        write_file(os.path.join(guest, name), "")
    fake = write_file(os.path.join(tmp, "fake-vmm"), FAKE_VMM)
    os.chmod(fake, 0o755)
    out = os.path.join(tmp, out)
    st, stdout, err = bench(["run", "--vmm", "mvm", "--mvm", fake, "--kernel", guest,
                             "--pit", "on,off", "--pic", "on", "--rtc", "on", "--isa-serial", "on",
                             "--x-option-roms", "on", "--append-axis", "", "slow, really",
                             "-o", out, "--no-plots"] + extra, timeout=120)
    meta = open(os.path.join(out, "meta.json")).read() if os.path.exists(out) else ""
    return st, stdout + err, out, meta


@test
def test_bench_rounds_stop_on_precision_budget_or_round_limit(tmp):
    st, text, out, meta = fake_matrix(tmp, ["-n", "40", "--budget", "90s"], "precise")
    rows = read_trace(os.path.join(out, "runs.csv"))
    reps = sorted({r["rep"] for r in rows})
    if st != 0 or '"stopped_by": "precision"' not in meta or "stopped by every main effect" \
            not in text or len(rows) != 4 * len(reps) or not 2 <= len(reps) < 40:
        return f"precision: exit {st}, {len(rows)} rows, reps {reps}: {text[-600:]!r}"
    if {r["append"] for r in rows} != {"", "slow, really"} or \
            any(r["rss_samples"] in ("", "0") for r in rows):
        return f"append axis or footprint samples missing: {rows[0]}"
    st, text, out, meta = fake_matrix(tmp, ["-n", "3", "--until-ci", "0"], "limit")
    if st != 0 or '"stopped_by": "rounds", "rounds": 3' not in meta or \
            len(read_trace(os.path.join(out, "runs.csv"))) != 12:
        return f"round limit: exit {st}: {meta[-200:]!r} {text[-300:]!r}"
    st, text, out, meta = fake_matrix(tmp, ["--budget", "1s", "--until-ci", "0"], "budget")
    if st != 0 or '"stopped_by": "budget"' not in meta or "would end after the 1 s budget" \
            not in text:
        return f"budget: exit {st}: {meta[-200:]!r} {text[-300:]!r}"
    return None


@test
def test_bench_resume_cuts_a_torn_row_and_runs_only_missing_boots(tmp):
    st, text, out, _ = fake_matrix(tmp, ["-n", "2", "--until-ci", "0"])
    runs = os.path.join(out, "runs.csv")
    whole = open(runs).read()
    lines = whole.splitlines(keepends=True)
    # A run killed while writing its last row: half of it on disk.
    write_file(runs, "".join(lines[:-1]) + lines[-1][:len(lines[-1]) // 2])
    st, text, out, meta = fake_matrix(tmp, ["-n", "2", "--until-ci", "0"])
    rows = read_trace(runs)
    if st != 0 or "cut its" not in text or "1 boots to go" not in text or len(rows) != 8 or \
            '"boots": 3' not in meta:  # the warm-up and the missing boot
        return f"exit {st}, {len(rows)} rows: {text[-500:]!r} {meta[-200:]!r}"
    return None
