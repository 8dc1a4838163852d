#!/usr/bin/env python3
"""Exports icm-examples' embedded world model (a DJL BlockLm: GptBlock, GPT-2 style) to ONNX in the
Optimum / onnx-community decoder layout, for the main job's --onnx-model option (issue 19).

How to run (from the repository root; Debian's python3-torch and python3-onnx, no network):

    # 1. Java writes the model's parameters and reference logits from DJL's forward
    mvn -o -q -B -pl icm-examples -am test-compile
    mvn -o -q -B -pl icm-examples dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
    CP=$(tr ':' '\\n' < /tmp/cp.txt | grep -v org/icm4j/icm- | paste -sd:)
    CP=$CP:icm-core/target/classes:icm-djl/target/classes:icm-http/target/classes:icm-examples/target/classes:icm-examples/target/test-classes
    java -Dai.djl.offline=true -cp "$CP" org.icm4j.examples.DumpWorldModel /tmp/world-dump
    # 2. this script rebuilds the model in plain PyTorch, checks it against DJL's logits and exports
    /usr/bin/python3 scripts/make-world-onnx.py /tmp/world-dump

(The classpath is built by hand so that the modules' freshly compiled classes are used, not
whatever icm4j jars a local Maven repository holds.)

The architecture is GptBlock's (icm-djl/src/main/java/org/icm4j/djl/GptBlock.java), written here in
plain PyTorch: learned token and position embeddings added, pre-LayerNorm blocks (LayerNorm eps
1e-5; causal multi-head self-attention with one fused qkv projection, scores scaled by
1/sqrt(head size), masked positions at -1e9; a GELU (erf) MLP), a final LayerNorm, and logits from
the transposed token embedding (tied head, no bias).

Writes fixtures/world-onnx/:
  onnx/model.onnx  fp32, inputs input_ids [b, s], attention_mask [b, past + s], position_ids [b, s]
                   (int64), past_key_values.N.key / .value [b, heads, past, head size]; outputs
                   logits [b, s, vocab], present.N.key / .value [b, heads, past + s, head size];
                   opset 14, every length axis dynamic, an empty past accepted.
  config.json      Hugging Face style (model_type "gpt2", n_layer, n_head, n_embd, vocab_size,
                   max_position_embeddings: OnnxScorer reads the last).

Checks before writing: the rebuild's logits equal DJL's (reference.json of the dump) within 1e-4,
and its KV-cached continuation equals the full forward within 1e-5. Deterministic (one thread).
"""

import importlib.util
import json
import math
import sys
from pathlib import Path

import onnx
import onnx.checker
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "fixtures" / "world-onnx"

_spec = importlib.util.spec_from_file_location("arch", ROOT / "scripts" / "make-arch-fixtures.py")
arch = importlib.util.module_from_spec(_spec)  # its optimum_io: the decoder layout's names and axes
_spec.loader.exec_module(arch)
EPS = 1e-5
MASKED = -1e9


class WorldGpt(nn.Module):
    """GptBlock in PyTorch. forward(input_ids, attention_mask, position_ids, *past) ->
    (logits, *presents)."""

    def __init__(self, config, weights):
        super().__init__()
        self.layers = config["layers"]
        self.heads = config["heads"]
        self.d = config["embedding"]
        self.hs = self.d // self.heads
        self.w = nn.ParameterDict({k.replace(".", "_"): nn.Parameter(v, requires_grad=False)
                                   for k, v in weights.items()})

    def ln(self, x, name):
        return F.layer_norm(x, (self.d,), self.w[name + "_gamma"], self.w[name + "_beta"], EPS)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        w = self.w
        b, s = input_ids.shape
        x = F.embedding(input_ids, w["token_embedding"]) + F.embedding(position_ids, w["position_embedding"])
        # key j is visible to the query at position p when j <= p and its mask is 1
        key_pos = torch.cumsum(torch.ones_like(attention_mask), dim=-1) - 1
        allowed = (key_pos.unsqueeze(1) <= position_ids.unsqueeze(-1)) & attention_mask.unsqueeze(1).bool()
        allowed = allowed.unsqueeze(1)  # [b, 1, s, past + s]
        scale = 1.0 / math.sqrt(self.hs)
        presents = []
        for l in range(self.layers):
            p = f"layer{l}_"
            h = self.ln(x, p + "ln1")
            qkv = F.linear(h, w[p + "attention_qkv_weight"], w[p + "attention_qkv_bias"])
            q, k, v = qkv.split(self.d, dim=-1)
            q, k, v = (t.reshape(b, s, self.heads, self.hs).transpose(1, 2) for t in (q, k, v))
            k = torch.cat([past[2 * l], k], dim=2)
            v = torch.cat([past[2 * l + 1], v], dim=2)
            presents += [k, v]
            scores = torch.matmul(q, k.transpose(2, 3)) * scale
            scores = scores.masked_fill(~allowed, MASKED)
            att = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(b, s, self.d)
            x = x + F.linear(att, w[p + "attention_out_weight"], w[p + "attention_out_bias"])
            h2 = self.ln(x, p + "ln2")
            x = x + F.linear(F.gelu(F.linear(h2, w[p + "mlp_in_weight"], w[p + "mlp_in_bias"])),
                             w[p + "mlp_out_weight"], w[p + "mlp_out_bias"])
        out = self.ln(x, "final_ln")
        return (F.linear(out, w["token_embedding"]), *presents)


def empty_past(config, p=0):
    hs = config["embedding"] // config["heads"]
    return [torch.zeros(1, config["heads"], p, hs) for _ in range(2 * config["layers"])]


def run(model, config, tokens, past=None, start=0):
    ids = torch.tensor([tokens], dtype=torch.int64)
    mask = torch.ones(1, start + len(tokens), dtype=torch.int64)
    pos = torch.arange(start, start + len(tokens)).unsqueeze(0)
    out = model(ids, mask, pos, *(past if past is not None else empty_past(config)))
    return out[0], list(out[1:])


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)  # the export's sample past (its values do not reach the graph)
    if len(sys.argv) != 2:
        sys.exit("usage: make-world-onnx.py DUMP_DIR (written by org.icm4j.examples.DumpWorldModel)")
    dump = Path(sys.argv[1])
    index = json.loads((dump / "weights.json").read_text())
    config = index["config"]
    raw = (dump / "weights.bin").read_bytes()
    weights = {}
    for p in index["parameters"]:
        n = math.prod(p["shape"])
        flat = torch.frombuffer(bytearray(raw[p["offset"]:p["offset"] + 4 * n]), dtype=torch.float32)
        weights[p["name"]] = flat.reshape(p["shape"]).clone()
    model = WorldGpt(config, weights).eval()
    ref = json.loads((dump / "reference.json").read_text())
    with torch.no_grad():
        worst = 0.0
        for row in ref["rows"]:
            logits, _ = run(model, config, row["tokens"])
            want = torch.tensor(row["lastLogits"])
            worst = max(worst, float((logits[0, -3:] - want).abs().max()))
        assert worst < 1e-4, worst
        print(f"rebuild vs DJL's forward: max |logit delta| = {worst:.2e} over {len(ref['rows'])} rows")
        seq = ref["rows"][0]["tokens"] + ref["rows"][1]["tokens"]
        full, _ = run(model, config, seq)
        _, past = run(model, config, seq[:9])
        cont, _ = run(model, config, seq[9:], past, 9)
        assert torch.allclose(full[0, 9:], cont[0], atol=1e-5), (full[0, 9:] - cont[0]).abs().max()

        names_in, names_out, axes = arch.optimum_io(config["layers"])
        p, s = 3, 4
        sample = (torch.tensor([seq[p:p + s]]), torch.ones(1, p + s, dtype=torch.int64),
                  torch.arange(p, p + s).unsqueeze(0),
                  *(torch.randn_like(t) for t in empty_past(config, p)))
        (OUT / "onnx").mkdir(parents=True, exist_ok=True)
        path = OUT / "onnx" / "model.onnx"
        torch.onnx.export(model, sample, str(path), input_names=names_in, output_names=names_out,
                          dynamic_axes=axes, opset_version=14, do_constant_folding=True)
        m = onnx.load(str(path))
        onnx.checker.check_model(m)
        m.producer_name = "icm4j scripts/make-world-onnx.py"
        onnx.save(m, str(path))
    (OUT / "config.json").write_text(json.dumps({
        "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
        "vocab_size": config["vocabularySize"], "n_positions": config["maxLength"],
        "max_position_embeddings": config["maxLength"], "n_layer": config["layers"],
        "n_head": config["heads"], "n_embd": config["embedding"], "n_inner": config["mlpHidden"],
        "layer_norm_epsilon": EPS, "activation_function": "gelu", "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "comment": ("icm-examples' embedded world model (a DJL BlockLm) rebuilt in plain PyTorch and"
                    " exported by scripts/make-world-onnx.py; its tokenizer is SyntheticWorld's"
                    " word tokenizer (Java), not a tokenizer.json")}, indent=1) + "\n")
    for f in sorted(OUT.rglob("*")):
        if f.is_file():
            print(f"{f.relative_to(ROOT)}  {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
