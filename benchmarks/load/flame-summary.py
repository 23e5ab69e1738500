#!/usr/bin/env python3
"""Summarises an async-profiler 3.x HTML flame graph as text: total samples, the share of samples in frames whose
name matches each of a few groups (inclusive, a stack counted once per group), and the top frames by self samples.
Usage: flame-summary.py <flame.html> [top-n]"""
import bisect
import re
import sys

GROUPS = [
    ("GC", r"G1|GCTaskThread|ConcurrentGCThread|gc_|_gc\b|Parallel.*Task"),
    ("JIT compiler", r"CompileBroker|C2Compiler|C1Compiler|Compile::|PhaseIdealLoop|Matcher::"),
    ("epoll/syscalls (kernel entry)", r"epoll_wait|Epoll|\[kernel\]|syscall|__libc_(write|read|send|recv)|writev|sendto|recvfrom"),
    ("HTTP webhook route (parse, HMAC, validate)", r"io/supportpilot/ingest/(WebhookRoutes|McpEventReader|JsonBodyReader|BatchSplitter|SentryEventMapper|PayloadFields|EventTimes|JsonReadFailures)|Signatures|StorableText"),
    ("writer (ErrorEventWriter)", r"io/supportpilot/store/ErrorEventWriter"),
    ("auto-tickets (AutoTicketVerticle)", r"io/supportpilot/tickets/AutoTicketVerticle"),
    ("agent (SupportAgentVerticle, tools)", r"io/supportpilot/agent/"),
    ("triage and embeddings", r"io/supportpilot/(triage|knowledge)/|ai/onnxruntime|OrtSession"),
    ("spike detection", r"io/supportpilot/spike/"),
    ("pg client (encode/decode)", r"io/vertx/pgclient|io/vertx/sqlclient"),
    ("event bus", r"io/vertx/core/eventbus|EventBusImpl|MessageImpl"),
    ("Micrometer", r"io/micrometer|io/vertx/micrometer"),
    ("Jackson", r"com/fasterxml/jackson"),
    ("Caffeine", r"com/github/benmanes/caffeine"),
    ("Netty", r"io/netty/"),
]


def frames(html):
    i = html.index("const cpool = [")
    j = html.index("];", i)
    cpool = [s for s in re.findall(r"'((?:[^'\\]|\\.)*)'", html[i:j])]
    cpool = [s.encode().decode("unicode_escape") if "\\" in s else s for s in cpool]
    for k in range(1, len(cpool)):
        cpool[k] = cpool[k - 1][: ord(cpool[k][0]) - 32] + cpool[k][1:]
    body = html[html.index("unpack(cpool);", j):]
    levels = {}
    level0 = left0 = width0 = 0
    for m in re.finditer(r"\b([fun])\(([^)]*)\)", body):
        args = [int(a) for a in m.group(2).split(",") if a.strip()]
        op = m.group(1)
        if op == "f":
            key, level, left = args[0], args[1], args[2]
            width = args[3] if len(args) > 3 and args[3] else width0
        elif op == "u":
            key, level, left = args[0], level0 + 1, 0
            width = args[1] if len(args) > 1 and args[1] else width0
        else:
            key, level, left = args[0], level0, width0
            width = args[1] if len(args) > 1 and args[1] else width0
        level0 = level
        left0 += left
        width0 = width
        levels.setdefault(level, []).append((left0, width, cpool[key >> 3]))
    return levels


def parents(levels):
    """(level, index) of each frame -> (level, index) of the frame it was called from."""
    parent = {}
    starts = {lv: [f[0] for f in fs] for lv, fs in levels.items()}
    for lv, fs in levels.items():
        if lv == 0:
            continue
        for idx, f in enumerate(fs):
            p = bisect.bisect_right(starts[lv - 1], f[0]) - 1
            parent[(lv, idx)] = (lv - 1, p)
    return parent


def main():
    html = open(sys.argv[1], encoding="utf-8").read()
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    levels = frames(html)
    total = levels[0][0][1]
    parent = parents(levels)
    self_samples = {}
    child_sum = {}
    for (lv, idx), p in parent.items():
        child_sum[p] = child_sum.get(p, 0) + levels[lv][idx][1]
    group_hits = {g: 0 for g, _ in GROUPS}
    compiled = [(g, re.compile(rx)) for g, rx in GROUPS]
    for lv, fs in levels.items():
        for idx, f in enumerate(fs):
            s = f[1] - child_sum.get((lv, idx), 0)
            if s > 0:
                self_samples[f[2]] = self_samples.get(f[2], 0) + s
                # The stack of this leaf slice: walk up and see which groups it belongs to.
                names = []
                node = (lv, idx)
                while node in parent or node[0] == 0:
                    names.append(levels[node[0]][node[1]][2])
                    if node[0] == 0:
                        break
                    node = parent[node]
                for g, rx in compiled:
                    if any(rx.search(n) for n in names):
                        group_hits[g] += s
    print(f"{sys.argv[1]}: {total} samples")
    for g, _ in GROUPS:
        print(f"  {100.0 * group_hits[g] / total:5.1f}%  {g}")
    print("  top frames by self samples:")
    for name, s in sorted(self_samples.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {100.0 * s / total:5.1f}%  {name[:110]}")


if __name__ == "__main__":
    main()
