#!/usr/bin/env python3
"""Splits the samples under event-bus deliveries by the first engine frame below them (which consumer did the work).
Usage: flame-bus-consumers.py <flame.html>; reuses the parser of flame-summary.py beside it."""
import sys, re, bisect, importlib.util
spec = importlib.util.spec_from_file_location("fs", __import__("os").path.join(__import__("os").path.dirname(__file__), "flame-summary.py")); fs = importlib.util.module_from_spec(spec); spec.loader.exec_module(fs)
html=open(sys.argv[1]).read(); levels=fs.frames(html); total=levels[0][0][1]
# for each frame under an eventbus frame, find the first io/supportpilot frame below the deepest... simpler: first io/supportpilot frame that is a descendant of an eventbus frame
starts={lv:[f[0] for f in fsx] for lv,fsx in levels.items()}
parent={}
for lv,fsx in levels.items():
    if lv==0: continue
    for idx,f in enumerate(fsx):
        parent[(lv,idx)]=(lv-1,bisect.bisect_right(starts[lv-1],f[0])-1)
counts={}
for lv,fsx in levels.items():
    for idx,f in enumerate(fsx):
        if not f[2].startswith('io/supportpilot'): continue
        # walk up: is there an eventbus frame above, and no io/supportpilot frame between?
        node=parent.get((lv,idx)); bus=False
        while node:
            n=levels[node[0]][node[1]][2]
            if n.startswith('io/supportpilot'): break
            if 'io/vertx/core/eventbus' in n: bus=True; break
            node=parent.get(node)
        if bus: counts[f[2]]=counts.get(f[2],0)+f[1]
for k,v in sorted(counts.items(), key=lambda kv:-kv[1])[:12]: print(f"{100*v/total:5.1f}% {k[:120]}")
