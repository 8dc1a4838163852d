#!/usr/bin/env python3
"""Writes a random-weight Llama-style model of about GPT-2-small size as TorchScript, for the
realistic-shape benchmark of docs/benchmarks.md (issue 21). Nothing it writes is committed: the
benchmark (RealisticShapeBenchmark, shape "llama") runs this script when its directory has no model.

    /usr/bin/python3 scripts/make-llama-bench.py OUT_DIR     # Debian's python3-torch only

The architecture is the plain-PyTorch Llama of scripts/make-arch-fixtures.py (RMSNorm, rotary
positions, grouped-query attention, SwiGLU MLP, untied head; no `transformers`), at this shape:
12 layers, hidden 768, 12 query heads and 4 key/value heads of 64, SwiGLU intermediate 2048,
vocabulary 32,000 (Llama 2's size), 16,384 positions: 124.7M parameters (75.5M in the layers),
weights seeded (torch.manual_seed(2026)). Written: OUT_DIR/model.pt (traced with a key/value cache
in DJL's GPT-2 argument order, checked against the eager forward) and
OUT_DIR/icm4j-torchscript.json (icm4j's settings).
"""
import importlib.util
import json
import pathlib
import sys

import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("arch", ROOT / "scripts" / "make-arch-fixtures.py")
arch = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(arch)

CONFIG = dict(
    model_type="llama", architectures=["LlamaForCausalLM"], vocab_size=32000, hidden_size=768,
    intermediate_size=2048, num_hidden_layers=12, num_attention_heads=12, num_key_value_heads=4,
    head_dim=64, rms_norm_eps=1e-5, rope_theta=500000.0, max_position_embeddings=16384,
    attention_bias=False, tie_word_embeddings=False, hidden_act="silu", torch_dtype="float32")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-llama-bench.py OUT_DIR")
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(2026)
    c = CONFIG
    lm = arch.CausalLm(c).eval()
    params = sum(p.numel() for p in lm.parameters())
    seq = [int(t) for t in torch.randint(0, c["vocab_size"], (40,), generator=torch.Generator().manual_seed(7))]
    with torch.no_grad():
        full = arch.run(lm, seq)[0]
        traced = arch.trace_in_order(arch.TorchScriptInterface(lm), arch.GPT2_INPUTS, c, seq)
        worst = arch.check_trace(traced, arch.GPT2_INPUTS, c, seq, full)
    assert worst < 1e-4, worst
    tmp = out / "model.pt.tmp"
    traced.save(str(tmp))
    tmp.replace(out / "model.pt")
    (out / "icm4j-torchscript.json").write_text(json.dumps({
        "vocab_size": c["vocab_size"], "max_length": c["max_position_embeddings"],
        "interface": "gpt2-past-key-values", "inputs": arch.GPT2_INPUTS,
        "n_layer": c["num_hidden_layers"], "n_head": c["num_attention_heads"], "n_embd": c["hidden_size"],
        "n_kv_head": c["num_key_value_heads"], "head_dim": c["head_dim"]}, indent=2) + "\n")
    print(f"llama-bench: {params:,} parameters; trace read after its cache vs eager full forward:"
          f" max |delta| {worst:.2e}; written to {out}")


if __name__ == "__main__":
    main()
