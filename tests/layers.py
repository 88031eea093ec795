"""layers.py: the source tree keeps its layers (ARCHITECTURE.md).

Reads every #include "..." of vmm/, probes/ and bench/ and checks three
rules: no include circle anywhere; a file includes only its own layer and
those below it; no device or virtio source includes a probe or board
header.  TESTS lists the checks (no KVM needed: the unit tier runs them).
"""
import os
import re

from harness import TOP

# vmm/'s layers, lowest first; dev, virtio and boot are one layer (devices
# and what loads the guest); the command line (cli) is data the board is
# built from; main.c is the program.  The probe library sits beside them.
VMM_LAYERS = [["core"], ["host"], ["dev", "virtio", "boot"], ["kvm"], ["cli"], ["board"],
              ["main.c"]]
INCLUDE_DIRS = ["vmm", "probes", "bench"]
PROBE_HEADERS = {"probes/probe.h", "probes/trace.h", "probes/phases.h", "probes/boot_markers.h"}


def sources():
    for top in INCLUDE_DIRS:
        for d, _, files in os.walk(os.path.join(TOP, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), TOP)


def resolve(src, name):
    """The file an #include "name" in (src) means, as the compiler finds it."""
    for base in [os.path.dirname(src)] + INCLUDE_DIRS:
        path = os.path.normpath(os.path.join(base, name))
        if os.path.exists(os.path.join(TOP, path)):
            return path
    return None


def include_graph():
    graph = {}
    for src in sources():
        with open(os.path.join(TOP, src)) as f:
            names = re.findall(r'^\s*#\s*include\s+"([^"]+)"', f.read(), re.M)
        graph[src] = [p for p in (resolve(src, n) for n in names) if p]
    return graph


def layer(path):
    """(group, rank): vmm's layers by rank; probes and bench apart."""
    parts = path.split("/")
    if parts[0] != "vmm":
        return parts[0], 0
    for rank, folders in enumerate(VMM_LAYERS):
        if parts[1] in folders:
            return "vmm", rank
    return "vmm", None


def test_no_include_circle():
    graph = include_graph()
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in graph.get(node, []):
            if state.get(nxt) == "open":
                return " -> ".join(path[path.index(nxt):] + [nxt])
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            circle = visit(node, [node])
            if circle:
                return f"include circle: {circle}"
    return None


def test_layers_include_only_lower_layers():
    bad = []
    for src, deps in sorted(include_graph().items()):
        group, rank = layer(src)
        if rank is None:
            bad.append(f"{src} is in no layer")
            continue
        for dep in deps:
            dgroup, drank = layer(dep)
            if dgroup == "probes" and group in ("vmm", "bench"):
                continue  # the probe library serves every layer that records
            if group == "probes" and dgroup != "probes":
                bad.append(f"{src} -> {dep}: the probe library includes only itself")
            elif group == "vmm" and (dgroup != "vmm" or drank is None or drank > rank):
                bad.append(f"{src} -> {dep}")
            elif group == "bench" and dgroup not in ("bench", "probes"):
                bad.append(f"{src} -> {dep}")
    return None if not bad else "includes against the layers: " + "; ".join(bad[:10])


def test_devices_include_no_probe_or_board_header():
    bad = []
    for src, deps in sorted(include_graph().items()):
        if src.split("/")[:2] in (["vmm", "dev"], ["vmm", "virtio"]):
            bad += [f"{src} -> {d}" for d in deps
                    if d in PROBE_HEADERS or d.startswith("vmm/board/")]
    return None if not bad else "devices reach past their handles: " + "; ".join(bad)


TESTS = [test_no_include_circle, test_layers_include_only_lower_layers,
         test_devices_include_no_probe_or_board_header]

if __name__ == "__main__":
    for t in TESTS:
        print(t.__name__, t() or "ok")
