"""Checks what bench/gpu/run.sh wrote in its flow test (DLC_GPU_BENCH_FLOW=1,
on the CPU stand-ins of the CUDA libraries, PyTorch on the CPU): every
measurement the run asked for is there, dlc's on the stand-in GPU, the
PyTorch eager peers computing what dlc computes (the first training loss at
the same parameters and batch; the inference logits), the time-to-accuracy
runs of both, and the tables. The compiled peers may be missing only where
the PyTorch has no torch.compile.

Usage: bench_flow_check.py OUT_DIR
"""
import json
import os
import sys

out = sys.argv[1]
report = json.load(open(os.path.join(out, "bench.json")))
table = open(os.path.join(out, "table.md")).read()
assert "### Training step (fp32, TF32 off)" in table and "FLOW TEST" in table, table[:500]

for key, r in report["dlc"]["train"].items():
    assert r["status"] == "ok", (key, r)
    assert r["device"].startswith("cuda:0 (dlc fake GPU"), r["device"]
    assert r["median_ms"] > 0 and r["peak_memory_bytes"] > 0 and "loss" in r["first_outputs"], r
for key, r in report["dlc"]["infer"].items():
    assert r["status"] == "ok" and r["median_ms"] > 0, (key, r)
expected = {f"train/{m}/{mode}/{p}" for m in report["models"] for mode in report["modes"]
            for p in report["precisions"]}
assert expected <= set(report["torch"]), (expected, list(report["torch"]))
for key, r in report["torch"].items():
    if r["status"] != "ok":
        assert "/eager/" not in key and "has no torch.compile" in r["error"], (key, r)
agreement = report["agreement"]
eager = [a for a in agreement if "/eager/" in a["peer"]]
assert eager and all(a["ok"] for a in agreement), agreement
assert any(a["what"].startswith("logits") for a in eager), agreement
accuracy = report["accuracy"]
assert accuracy["dlc"]["exit"] == 0 and accuracy["dlc"]["evals"], accuracy["dlc"]
assert accuracy["torch_eager"]["status"] == "ok" and accuracy["torch_eager"]["evals"], accuracy
print(f"bench flow: {len(report['dlc']['train'])} dlc training steps, "
      f"{len(report['dlc']['infer'])} inference runs, {len(report['torch'])} PyTorch peers "
      f"({len(eager)} eager checks agree), time to accuracy ran on both")
