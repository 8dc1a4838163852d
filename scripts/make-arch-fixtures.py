#!/usr/bin/env python3
"""Writes fixtures of two real decoder architectures, tiny and random-weight, for icm4j's model
adapters (issue 19 item 4): fixtures/arch/llama-tiny and fixtures/arch/qwen2-tiny.

How to run (from the repository root; needs only Debian's python3-torch and python3-onnx, i.e.
PyTorch 1.13, NumPy and onnx 1.12: no network, no `transformers`, no `tokenizers`, no PyPI):

    apt-get install -y python3-torch python3-onnx     # once
    /usr/bin/python3 scripts/make-arch-fixtures.py

The architectures are written here in plain PyTorch, from the published descriptions of the two
model families (no `transformers` code is used or imported):

  llama-tiny   Llama style: RMSNorm (eps 1e-5), rotary position embeddings (theta 10000, the
               "rotate half" layout), grouped-query attention (4 query heads, 2 key/value heads),
               an explicit head_dim (32, so heads * head_dim = 128 != hidden 64), a SwiGLU MLP
               (intermediate 128), no biases, an untied lm_head.
  qwen2-tiny   Qwen2 style: as Llama but with biases on the q/k/v projections (none on o), rotary
               theta 1000000, RMSNorm eps 1e-6, head_dim = hidden / heads (16), tied embeddings.

Both: 2 layers, hidden 64, vocabulary 276 (the byte-level BPE tokenizer of icm-djl's fixtures,
built by icm-djl/src/test/python/make_fixtures.py: 256 byte tokens + 20 merges, so that " True",
" False" and "\\n\\n" are single tokens), 512 positions, seeded weights (torch.manual_seed).

Each directory holds:

  config.json          Hugging Face style (model_type, architectures, hidden_size, ...).
  tokenizer.json       the byte-level BPE tokenizer (DJL's HuggingFaceTokenizer reads it).
  onnx/model.onnx      fp32, Optimum / onnx-community decoder layout: inputs input_ids [b, s]
                       int64, attention_mask [b, past + s] int64, position_ids [b, s] int64,
                       past_key_values.N.key / .value [b, kv_heads, past, head_dim]; outputs
                       logits [b, s, vocab], present.N.key / .value [b, kv_heads, past + s,
                       head_dim]; every length axis dynamic; an empty past (past = 0) accepted.
  onnx/model_fp16.onnx the same graph with every float tensor (weights, KV inputs and outputs,
                       logits) in float16, but the rotary angles computed in float32 (as Hugging
                       Face's models do) and their cos/sin cast to float16.
  torchscript/model.pt the same weights traced with torch.jit.trace for icm-djl's TorchScriptLm
                       ("gpt2-past-key-values" interface): forward(4 arguments) -> (logits [1,T,V],
                       ((k_0', v_0'), ...)[, hidden]), each k/v [1, kv_heads, P, head_dim]. The
                       argument order differs on purpose: llama-tiny takes DJL's GPT-2 order
                       (input_ids, position_ids, attention_mask, past_key_values), qwen2-tiny
                       Hugging Face's (input_ids, attention_mask, position_ids, past_key_values)
                       and returns (logits, presents) as a traced LlamaForCausalLM /
                       Qwen2ForCausalLM does with return_dict=False.
  torchscript/model_fp16.pt  (llama-tiny only) the same model in float16 (weights, keys and
                       values, logits), with the norms, the rotary angles and the attention
                       softmax in float32. Traced in float32 and converted with .half() (this
                       PyTorch has no float16 CPU kernels); see MIXED below.
  torchscript/icm4j-torchscript.json  icm4j's settings (vocab_size, max_length, interface, inputs:
                       the argument order, n_layer, n_head, n_embd, n_kv_head, head_dim).
  torchscript/config.json, torchscript/tokenizer.json: copies of the model's own config.json (to
                       show that it may sit next to icm4j's settings) and of the tokenizer.
  gguf/model.llama.gguf  the same weights as a GGUF v3 file (all tensors float32) in llama.cpp's
                       `llama` architecture, for llama.cpp's llama-server (see "GGUF" below).
  gguf/model.qwen2.gguf  (qwen2-tiny only) the same in llama.cpp's `qwen2` architecture.
  reference.json       label log-probabilities from the eager PyTorch forward (fp32) on the
                       leave-one-out rows of 5 labelled examples, in the plain and the
                       divide-and-conquer order, for two layouts (" True"/" False": one token
                       each; " Yes"/" No": several tokens), with each row's token ids.

GGUF. The format (version 3, little-endian, 32-byte alignment) is written here with `struct`,
from llama.cpp's own reader and converter (gguf-py/gguf/constants.py for the key and tensor names,
convert_hf_to_gguf.py / conversion/llama.py for the Llama conversion, src/llama-model.cpp and
src/models/{llama,qwen2}.cpp for what the loader expects), no `gguf` package:

  keys       general.architecture, general.name, general.file_type (0: all float32),
             general.alignment; ARCH.context_length, .embedding_length, .block_count,
             .feed_forward_length, .vocab_size, .attention.head_count, .attention.head_count_kv,
             .attention.key_length and .value_length (head_dim: llama-tiny's 32 differs from
             hidden / heads), .attention.layer_norm_rms_epsilon, .rope.dimension_count (= head_dim),
             .rope.freq_base (theta); the tokenizer as icm-djl's GgufExport writes a byte-level BPE
             (GgufVocabulary.huggingFaceBpe): tokenizer.ggml.model "gpt2", .pre "gpt-2", .tokens
             (GPT-2's byte-to-unicode spelling, in id order), .token_type (all 1, normal), .merges
             ("left right", by rank), .bos_token_id = .eos_token_id = 0, .add_bos_token and
             .add_eos_token false (no special tokens: a prompt is exactly its text's tokens).
  tensors    token_embd, blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm,
             ffn_gate, ffn_up, ffn_down}.weight, blk.N.attn_{q,k,v}.bias (qwen2-tiny), output_norm,
             and output (llama-tiny; qwen2-tiny ties it to token_embd, which llama.cpp does when
             `output` is absent). ggml's dimensions are the PyTorch shape reversed (a [out, in]
             weight is stored row by row: ggml's first dimension is the row length).
  rotary     llama.cpp's `llama` architecture rotates adjacent pairs (x[2i], x[2i+1]) of each head
             (LLAMA_ROPE_TYPE_NORM), the Hugging Face layout used here rotates (x[i], x[i + d/2])
             ("rotate half", llama.cpp's NEOX type, which its `qwen2` architecture uses). So, as
             convert_hf_to_gguf.py does for Llama, the `llama` files store the rows of each head's
             q and k projections (weights and biases) permuted: new row 2i + t = old row
             t * d/2 + i (t = 0, 1); q.k is unchanged because q and k are permuted alike. The
             `qwen2` file stores them unpermuted.

Before writing a GGUF the script reads it back and runs its own forward of the file as llama.cpp
would (pairs rotated as the architecture says, weights as stored), which must give reference.json's
numbers within 1e-4: a wrong permutation or a transposed weight fails here, not in the server.
With --gguf-only it rebuilds the seeded weights, checks that they reproduce reference.json and
writes only the GGUF files (the other files stay byte for byte as they are).

With --logit-range it writes nothing and prints the largest |logit| at the label position of the
reference rows (float16's resolution there bounds the fp16 exports' error).

Before writing, the script checks that the traced and exported graphs' KV-cached continuation
equals the full-sequence forward (TorchScript run here; the ONNX files are checked with
onnx.checker, and run by icm-onnx's tests with ONNX Runtime, as this machine has no Python
onnxruntime). Deterministic: one thread, fixed seeds.
"""

import copy
import importlib.util
import io
import json
import math
import shutil
import struct
import sys
from pathlib import Path

import onnx
import onnx.checker
from onnx import TensorProto, numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "fixtures" / "arch"
SEED = 20261205

_spec = importlib.util.spec_from_file_location(
    "make_fixtures", ROOT / "icm-djl" / "src" / "test" / "python" / "make_fixtures.py")
mf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mf)

CONFIGS = {
    "llama-tiny": dict(
        model_type="llama", architectures=["LlamaForCausalLM"], vocab_size=276, hidden_size=64,
        intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        head_dim=32, rms_norm_eps=1e-5, rope_theta=10000.0, max_position_embeddings=512,
        attention_bias=False, tie_word_embeddings=False, hidden_act="silu", torch_dtype="float32"),
    "qwen2-tiny": dict(
        model_type="qwen2", architectures=["Qwen2ForCausalLM"], vocab_size=276, hidden_size=64,
        intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        rms_norm_eps=1e-6, rope_theta=1000000.0, max_position_embeddings=512,
        tie_word_embeddings=True, hidden_act="silu", torch_dtype="float32"),
}

EXAMPLES = [
    ("c1", "Claim: the sky is blue.\n\nIs the claim True or False? The claim is", "True"),
    ("c2", "Claim: 2+2=5\n\nIs the claim True or False? The claim is", "False"),
    ("c3", "Claim: water boils at 100 C at sea level.\n\nThe claim is", "True"),
    ("c4", "Claim: the moon is made of cheese.\n\nThe claim is", "False"),
    ("c5", "Claim: 7 is prime.\n\nThe claim is", "True"),
]
LAYOUTS = {
    "official": {"verbalizers": {"True": " True", "False": " False"}, "separator": "\n\n"},
    "yes-no": {"verbalizers": {"True": " Yes", "False": " No"}, "separator": "\n\n"},
}
LABELS = ["True", "False"]


# --------------------------------------------------------------------------- the architecture

# MIXED: the float16 TorchScript trace. Debian's PyTorch 1.13 has no float16 CPU kernels (addmm,
# softmax, rsqrt), and tracing runs the model, so it is traced in float32 and converted with
# .half() afterwards. A trace records every cast and every factory function with the type it had
# while tracing (.to(x.dtype), type_as, zeros_like, new_empty all become "float32"), so in this mode
# the model has no cast to its own type: the norms, the rotary angles and the attention softmax are
# computed in float32 (.float() is meant to stay float32, and the inverse frequencies are computed
# from constants, not read from a buffer that .half() would round) and brought back to the
# weights' type by adding them in place to a zero tensor of that type (like()), which keeps the
# type the tensor has when the trace runs. The fp32 exports and the reference are made with MIXED
# off, so their graphs do not change.
MIXED = {"on": False}


def like(t, ref):
    """t in ref's type (same shape), without a cast a trace would fix to float32: 0 * ref + t in place."""
    return (ref * 0).add_(t)

class RmsNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        if MIXED["on"]:
            h = x.to(torch.float32, copy=True)  # a new tensor: x stays the input in the trace
            return self.weight * like(h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.eps), x)
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c["num_attention_heads"]
        self.kv_heads = c["num_key_value_heads"]
        self.head_dim = c.get("head_dim", c["hidden_size"] // self.heads)
        bias = c["model_type"] == "qwen2" or c.get("attention_bias", False)
        d = c["hidden_size"]
        self.q_proj = nn.Linear(d, self.heads * self.head_dim, bias=bias)
        self.k_proj = nn.Linear(d, self.kv_heads * self.head_dim, bias=bias)
        self.v_proj = nn.Linear(d, self.kv_heads * self.head_dim, bias=bias)
        self.o_proj = nn.Linear(self.heads * self.head_dim, d, bias=False)

    def forward(self, x, cos, sin, allowed, past_k, past_v):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        if MIXED["on"]:  # cos, sin [b, 1, s, head_dim] float32 into the type of q
            cos, sin = like(cos, q[:, :1]), like(sin, q[:, :1])
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        rep = self.heads // self.kv_heads
        kk = k.unsqueeze(2).expand(-1, -1, rep, -1, -1).flatten(1, 2)
        vv = v.unsqueeze(2).expand(-1, -1, rep, -1, -1).flatten(1, 2)
        scores = torch.matmul(q, kk.transpose(2, 3)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(~allowed, -1e4)
        if MIXED["on"]:
            out = torch.matmul(like(torch.softmax(scores.to(torch.float32, copy=True), dim=-1), scores), vv)
        else:
            out = torch.matmul(torch.softmax(scores, dim=-1), vv)
        out = out.transpose(1, 2).reshape(b, s, self.heads * self.head_dim)
        return self.o_proj(out), k, v


class Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, m = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(d, m, bias=False)
        self.up_proj = nn.Linear(d, m, bias=False)
        self.down_proj = nn.Linear(m, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RmsNorm(c["hidden_size"], c["rms_norm_eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RmsNorm(c["hidden_size"], c["rms_norm_eps"])
        self.mlp = Mlp(c)

    def forward(self, x, cos, sin, allowed, past_k, past_v):
        a, k, v = self.self_attn(self.input_layernorm(x), cos, sin, allowed, past_k, past_v)
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x)), k, v


class CausalLm(nn.Module):
    """forward(input_ids, attention_mask, position_ids, flat past) -> (logits, flat presents, hidden)."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList([Layer(c) for _ in range(c["num_hidden_layers"])])
        self.norm = RmsNorm(c["hidden_size"], c["rms_norm_eps"])
        self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        if c["tie_word_embeddings"]:
            self.lm_head.weight = self.embed_tokens.weight
        head_dim = c.get("head_dim", c["hidden_size"] // c["num_attention_heads"])
        inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        with torch.no_grad():  # random weights of a useful scale (norm weights near 1)
            for name, p in self.named_parameters():
                if name.endswith("layernorm.weight") or name == "norm.weight":
                    p.copy_(1.0 + 0.1 * torch.randn_like(p))
                elif name.endswith("bias"):
                    p.copy_(0.1 * torch.randn_like(p))
                elif name == "embed_tokens.weight":
                    p.copy_(torch.randn_like(p))
                else:
                    p.copy_(torch.randn_like(p) / math.sqrt(p.shape[-1]))

    def forward(self, input_ids, attention_mask, position_ids, past):
        x = self.embed_tokens(input_ids)
        if MIXED["on"]:  # in float32 from constants (.half() would round the buffer)
            hd = self.inv_freq.shape[0] * 2
            inv_freq = 1.0 / (self.c["rope_theta"] ** (
                torch.arange(0, hd, 2, dtype=torch.float32, device=input_ids.device) / hd))
            freqs = position_ids.unsqueeze(-1).to(torch.float32) * inv_freq
            emb = torch.cat((freqs, freqs), dim=-1)
            cos = emb.cos().unsqueeze(1)  # float32; each attention brings them to its type
            sin = emb.sin().unsqueeze(1)
        else:
            freqs = position_ids.unsqueeze(-1).to(torch.float32) * self.inv_freq
            emb = torch.cat((freqs, freqs), dim=-1)
            cos = emb.cos().unsqueeze(1)  # [b, 1, s, head_dim]
            sin = emb.sin().unsqueeze(1)
        # key j (0 .. past + s - 1) is visible to a query at position p when j <= p and its mask is 1
        key_pos = torch.cumsum(torch.ones_like(attention_mask), dim=-1) - 1
        allowed = (key_pos.unsqueeze(1) <= position_ids.unsqueeze(-1)) & attention_mask.unsqueeze(1).bool()
        allowed = allowed.unsqueeze(1)  # [b, 1, s, past + s]
        presents = []
        for i, layer in enumerate(self.layers):
            x, k, v = layer(x, cos, sin, allowed, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        hidden = self.norm(x)
        return self.lm_head(hidden), presents, hidden


class OnnxInterface(nn.Module):
    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids, attention_mask, position_ids, *past):
        logits, presents, _ = self.lm(input_ids, attention_mask, position_ids, list(past))
        return (logits, *presents)


class TorchScriptInterface(nn.Module):
    """icm-djl's gpt2-past-key-values convention (argument order and nested tuples)."""

    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids, position_ids, attention_mask, past_key_values):
        flat = []
        for k, v in past_key_values:
            flat += [k, v]
        logits, presents, hidden = self.lm(input_ids, attention_mask, position_ids, flat)
        nested = tuple((presents[2 * i], presents[2 * i + 1]) for i in range(len(presents) // 2))
        return logits, nested, hidden


class HuggingFaceOrderInterface(nn.Module):
    """Hugging Face's argument order, forward(input_ids, attention_mask, position_ids,
    past_key_values ((k_0, v_0), ...)) -> (logits, ((k_0', v_0'), ...)), as a traced
    LlamaForCausalLM / Qwen2ForCausalLM returns with return_dict=False: icm-djl's
    "gpt2-past-key-values" interface with "inputs" in that order."""

    def __init__(self, lm):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids, attention_mask, position_ids, past_key_values):
        flat = []
        for k, v in past_key_values:
            flat += [k, v]
        logits, presents, _ = self.lm(input_ids, attention_mask, position_ids, flat)
        return logits, tuple((presents[2 * i], presents[2 * i + 1]) for i in range(len(presents) // 2))


GPT2_INPUTS = ["input_ids", "position_ids", "attention_mask", "past_key_values"]
HF_INPUTS = ["input_ids", "attention_mask", "position_ids", "past_key_values"]


# --------------------------------------------------------------------------- helpers

def optimum_io(layers):
    """The Optimum / onnx-community decoder layout's input and output names and dynamic axes."""
    names_in = ["input_ids", "attention_mask", "position_ids"]
    names_out = ["logits"]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    for i in range(layers):
        for kind in ("key", "value"):
            names_in.append(f"past_key_values.{i}.{kind}")
            names_out.append(f"present.{i}.{kind}")
            axes[f"past_key_values.{i}.{kind}"] = {0: "batch_size", 2: "past_sequence_length"}
            axes[f"present.{i}.{kind}"] = {0: "batch_size", 2: "total_sequence_length"}
    return names_in, names_out, axes


def traced_call(module, order, ids, pos, mask, past):
    """Calls a TorchScript-convention module with its arguments in `order`."""
    args = {"input_ids": ids, "position_ids": pos, "attention_mask": mask, "past_key_values": past}
    return module(*[args[n] for n in order])


def trace_in_order(module, order, c, seq, dtype=torch.float32):
    """torch.jit.trace of `module`, whose forward takes the four arguments in `order`, on 4 tokens
    after a random past of 3 (of `dtype`)."""
    layers = c["num_hidden_layers"]
    tp = [t.to(dtype) for t in empty_past(c, 3)]
    past = tuple((torch.randn_like(tp[2 * i]), torch.randn_like(tp[2 * i + 1])) for i in range(layers))
    args = {"input_ids": torch.tensor([seq[3:7]]), "position_ids": torch.arange(3, 7).unsqueeze(0),
            "attention_mask": torch.ones(1, 7, dtype=torch.int64), "past_key_values": past}
    return torch.jit.trace(module, tuple(args[n] for n in order), check_trace=False)


def check_trace(traced, order, c, seq, full, dtype=torch.float32):
    """The trace read 20 tokens from an empty past (of `dtype`) and the rest after their cache;
    returns the max |logit difference| from the eager full-sequence forward, and checks that the
    presents keep `dtype`."""
    layers = c["num_hidden_layers"]
    e = [t.to(dtype) for t in empty_past(c, 0)]
    out = traced_call(traced, order, torch.tensor([seq[:20]]), torch.arange(0, 20).unsqueeze(0),
                      torch.ones(1, 20, dtype=torch.int64),
                      tuple((e[2 * i], e[2 * i + 1]) for i in range(layers)))
    logits, past = out[0], out[1]
    assert all(t.dtype == dtype for kv in past for t in kv), [t.dtype for kv in past for t in kv]
    cont = traced_call(traced, order, torch.tensor([seq[20:]]), torch.arange(20, len(seq)).unsqueeze(0),
                       torch.ones(1, len(seq), dtype=torch.int64), past)[0]
    return max(float((logits[0].float() - full[0, :20]).abs().max()),
               float((cont[0].float() - full[0, 20:]).abs().max()))


def write_torchscript(name, lm, c, d, seq, full):
    """torchscript/: model.pt (llama-tiny: DJL's GPT-2 argument order; qwen2-tiny: Hugging Face's),
    llama-tiny also model_fp16.pt (float16 weights, keys, values and logits),
    icm4j-torchscript.json (icm4j's settings, with the order), config.json (the model's own, a
    copy: it must not disturb icm4j) and tokenizer.json."""
    t = d / "torchscript"
    hf = c["model_type"] == "qwen2"
    order = HF_INPUTS if hf else GPT2_INPUTS
    interface = HuggingFaceOrderInterface if hf else TorchScriptInterface
    traced = trace_in_order(interface(lm), order, c, seq)
    worst = check_trace(traced, order, c, seq, full)
    assert worst < 1e-5, worst
    print(f"{name} torchscript/model.pt ({'Hugging Face' if hf else 'GPT-2'} order): cached vs full max |delta| = {worst:.2e}")
    traced.save(str(t / "model.pt"))
    if not hf:
        MIXED["on"] = True
        try:
            # a copy: a trace shares its parameters with the module, and .half() below converts them
            mixed = trace_in_order(interface(copy.deepcopy(lm)), order, c, seq)
        finally:
            MIXED["on"] = False
        worst = check_trace(mixed, order, c, seq, full)
        assert worst < 1e-5, worst
        # the trace carries the weights' type through: bfloat16 runs on this machine's CPU
        buf = io.BytesIO()
        torch.jit.save(mixed, buf)
        buf.seek(0)
        worst = check_trace(torch.jit.load(buf).to(torch.bfloat16), order, c, seq, full, torch.bfloat16)
        assert worst < 0.5, worst
        print(f"{name} torchscript/model_fp16.pt: its trace run in bfloat16 here (no float16 CPU"
              f" kernels in PyTorch 1.13), cached vs full float32 logits, max |delta| = {worst:.2e}")
        mixed.half()
        assert all(p.dtype == torch.float16 for p in mixed.parameters())
        mixed.save(str(t / "model_fp16.pt"))
    mf.write_json(t / "icm4j-torchscript.json", {
        "vocab_size": c["vocab_size"], "max_length": c["max_position_embeddings"],
        "interface": "gpt2-past-key-values", "inputs": order,
        "n_layer": c["num_hidden_layers"], "n_head": c["num_attention_heads"], "n_embd": c["hidden_size"],
        "n_kv_head": c["num_key_value_heads"],
        "head_dim": c.get("head_dim", c["hidden_size"] // c["num_attention_heads"])})
    shutil.copy(d / "config.json", t / "config.json")


def empty_past(c, p=0):
    hd = c.get("head_dim", c["hidden_size"] // c["num_attention_heads"])
    return [torch.zeros(1, c["num_key_value_heads"], p, hd) for _ in range(2 * c["num_hidden_layers"])]


def run(lm, tokens, past=None, past_len=0):
    c = lm.c
    ids = torch.tensor([tokens], dtype=torch.int64)
    pos = torch.arange(past_len, past_len + len(tokens)).unsqueeze(0)
    mask = torch.ones(1, past_len + len(tokens), dtype=torch.int64)
    return lm(ids, mask, pos, past if past is not None else empty_past(c))


def log_softmax_row(logits_row):
    return torch.log_softmax(logits_row.double(), dim=-1)


def label_logprob(lm, context_ids, label_ids):
    """log P(label tokens | context) from one full forward (no cache): the reference."""
    logits, _, _ = run(lm, context_ids + label_ids)
    total = 0.0
    for j, t in enumerate(label_ids):
        total += float(log_softmax_row(logits[0, len(context_ids) - 1 + j])[t])
    return total


def dc_contexts(n):
    """The divide-and-conquer contexts, written independently of icm-core's LeaveOneOutPlan."""
    contexts = [[] for _ in range(n)]

    def rec(lo, hi):
        if hi - lo <= 1:
            return
        mid = (lo + hi) // 2
        for i in range(lo, mid):
            contexts[i] += list(range(mid, hi))
        for i in range(mid, hi):
            contexts[i] += list(range(lo, mid))
        rec(lo, mid)
        rec(mid, hi)

    rec(0, n)
    return contexts


def to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    """Every float tensor of the graph in float16 (initializers, Constant values, Cast targets, the
    KV inputs and outputs, the logits) except the rotary angles: as in Hugging Face's models, the
    positions times the inverse frequencies and their cos/sin are computed in float32 (in float16
    a position near 512 would be off by up to 0.25 rad) and the cos/sin cast to float16."""
    g = model.graph
    producer = {o: n for n in g.node for o in n.output}
    keep = set()  # nodes left in float32: the position cast, the inverse-frequency constant
    for node in g.node:
        if node.op_type == "Cast" and node.attribute[0].i == TensorProto.FLOAT:
            keep.add(node.name)
            for mul in g.node:
                if mul.op_type == "Mul" and node.output[0] in mul.input:
                    other = [i for i in mul.input if i != node.output[0]][0]
                    if other in producer:
                        keep.add(producer[other].name)
    assert len(keep) == 2, keep
    for init in g.initializer:
        if init.data_type == TensorProto.FLOAT:
            init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype("float16"), init.name))
    for node in g.node:
        if node.name in keep:
            continue
        for attr in node.attribute:
            if attr.name == "to" and attr.i == TensorProto.FLOAT:
                attr.i = TensorProto.FLOAT16
            if attr.type == onnx.AttributeProto.TENSOR and attr.t.data_type == TensorProto.FLOAT:
                attr.t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(attr.t).astype("float16"), attr.t.name))
    nodes = []
    for node in g.node:
        nodes.append(node)
        if node.op_type in ("Cos", "Sin"):
            wide = node.output[0] + "_float32"
            narrow = node.output[0]
            node.output[0] = wide
            nodes.append(onnx.helper.make_node("Cast", [wide], [narrow], name=node.name + "_to_fp16",
                                               to=TensorProto.FLOAT16))
    del g.node[:]
    g.node.extend(nodes)
    for vi in list(g.input) + list(g.output):
        if vi.type.tensor_type.elem_type == TensorProto.FLOAT:
            vi.type.tensor_type.elem_type = TensorProto.FLOAT16
    del g.value_info[:]
    return model


# --------------------------------------------------------------------------- GGUF

GGUF_ALIGNMENT = 32
GGUF_UINT32, GGUF_INT32, GGUF_FLOAT32, GGUF_BOOL, GGUF_STRING, GGUF_ARRAY = 4, 5, 6, 7, 8, 9
GGML_TYPE_F32 = 0


def _gguf_string(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _gguf_value(vtype, v):
    if vtype == GGUF_UINT32:
        return struct.pack("<I", v)
    if vtype == GGUF_INT32:
        return struct.pack("<i", v)
    if vtype == GGUF_FLOAT32:
        return struct.pack("<f", v)
    if vtype == GGUF_BOOL:
        return struct.pack("<B", 1 if v else 0)
    if vtype == GGUF_STRING:
        return _gguf_string(v)
    raise ValueError(vtype)


def _gguf_kv(key, vtype, v, elem=None):
    out = _gguf_string(key) + struct.pack("<I", vtype)
    if vtype == GGUF_ARRAY:
        out += struct.pack("<IQ", elem, len(v)) + b"".join(_gguf_value(elem, x) for x in v)
    else:
        out += _gguf_value(vtype, v)
    return out


def _align(n):
    return (n + GGUF_ALIGNMENT - 1) // GGUF_ALIGNMENT * GGUF_ALIGNMENT


def gguf_bytes(kvs, tensors):
    """A GGUF v3 file: kvs [(key, type, value[, element type])], tensors [(name, float32 tensor)]
    in PyTorch's row-major shape (written with ggml's dims, the shape reversed)."""
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    head += b"".join(_gguf_kv(*kv) for kv in kvs)
    offset = 0
    blobs = []
    for name, t in tensors:
        data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        dims = list(reversed(t.shape))
        head += _gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        head += struct.pack("<IQ", GGML_TYPE_F32, offset)
        blobs.append(data + b"\0" * (_align(len(data)) - len(data)))
        offset += len(blobs[-1])
    head += b"\0" * (_align(len(head)) - len(head))
    return head + b"".join(blobs)


def read_gguf(data):
    """Parses what gguf_bytes writes (the subset of GGUF it uses): ({key: value}, {name: tensor})."""
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return v

    def string():
        nonlocal pos
        (n,) = take("<Q")
        s = data[pos:pos + n].decode("utf-8")
        pos += n
        return s

    def value(vtype):
        if vtype == GGUF_STRING:
            return string()
        return take({GGUF_UINT32: "<I", GGUF_INT32: "<i", GGUF_FLOAT32: "<f", GGUF_BOOL: "<B"}[vtype])[0]

    assert data[:4] == b"GGUF", data[:4]
    pos = 4
    version, n_tensors, n_kv = take("<IQQ")
    assert version == 3
    meta = {}
    for _ in range(n_kv):
        key = string()
        (vtype,) = take("<I")
        if vtype == GGUF_ARRAY:
            elem, n = take("<IQ")
            meta[key] = [value(elem) for _ in range(n)]
        else:
            meta[key] = value(vtype)
    infos = []
    for _ in range(n_tensors):
        name = string()
        (nd,) = take("<I")
        dims = take("<" + "Q" * nd)
        ttype, off = take("<IQ")
        assert ttype == GGML_TYPE_F32
        infos.append((name, dims, off))
    start = _align(pos)
    tensors = {}
    for name, dims, off in infos:
        n = math.prod(dims)
        flat = torch.frombuffer(bytearray(data[start + off:start + off + 4 * n]), dtype=torch.float32)
        tensors[name] = flat.reshape(list(reversed(dims)))
    return meta, tensors


def permute_rows_for_llama_rope(w, heads):
    """convert_hf_to_gguf.py's LlamaModel.permute: within each head, row t * d/2 + i becomes row
    2i + t, so that llama.cpp's adjacent-pair rotary (NORM) equals the rotate-half layout."""
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def gguf_file(lm, vocab, name, arch):
    """The GGUF bytes of `lm` in llama.cpp's architecture `arch` ("llama" or "qwen2")."""
    c = lm.c
    heads, kv_heads = c["num_attention_heads"], c["num_key_value_heads"]
    head_dim = c.get("head_dim", c["hidden_size"] // heads)
    if arch == "qwen2":
        assert heads * head_dim == c["hidden_size"], "llama.cpp's qwen2 needs heads * head_dim = hidden"
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda e: e[1])]
    assert [vocab[t] for t in tokens] == list(range(len(tokens)))
    kvs = [
        ("general.architecture", GGUF_STRING, arch),
        ("general.name", GGUF_STRING, name),
        ("general.file_type", GGUF_UINT32, 0),
        ("general.alignment", GGUF_UINT32, GGUF_ALIGNMENT),
        (f"{arch}.context_length", GGUF_UINT32, c["max_position_embeddings"]),
        (f"{arch}.embedding_length", GGUF_UINT32, c["hidden_size"]),
        (f"{arch}.block_count", GGUF_UINT32, c["num_hidden_layers"]),
        (f"{arch}.feed_forward_length", GGUF_UINT32, c["intermediate_size"]),
        (f"{arch}.vocab_size", GGUF_UINT32, c["vocab_size"]),
        (f"{arch}.attention.head_count", GGUF_UINT32, heads),
        (f"{arch}.attention.head_count_kv", GGUF_UINT32, kv_heads),
        (f"{arch}.attention.key_length", GGUF_UINT32, head_dim),
        (f"{arch}.attention.value_length", GGUF_UINT32, head_dim),
        (f"{arch}.attention.layer_norm_rms_epsilon", GGUF_FLOAT32, c["rms_norm_eps"]),
        (f"{arch}.rope.dimension_count", GGUF_UINT32, head_dim),
        (f"{arch}.rope.freq_base", GGUF_FLOAT32, c["rope_theta"]),
        ("tokenizer.ggml.model", GGUF_STRING, "gpt2"),
        ("tokenizer.ggml.pre", GGUF_STRING, "gpt-2"),
        ("tokenizer.ggml.tokens", GGUF_ARRAY, tokens, GGUF_STRING),
        ("tokenizer.ggml.token_type", GGUF_ARRAY, [1] * len(tokens), GGUF_INT32),
        ("tokenizer.ggml.merges", GGUF_ARRAY, [f"{a} {b}" for a, b in mf.MERGES], GGUF_STRING),
        ("tokenizer.ggml.bos_token_id", GGUF_UINT32, 0),
        ("tokenizer.ggml.eos_token_id", GGUF_UINT32, 0),
        ("tokenizer.ggml.add_bos_token", GGUF_BOOL, False),
        ("tokenizer.ggml.add_eos_token", GGUF_BOOL, False),
    ]
    permute = arch == "llama"
    t = [("token_embd.weight", lm.embed_tokens.weight)]
    for i, layer in enumerate(lm.layers):
        a = layer.self_attn
        q_w, k_w = a.q_proj.weight, a.k_proj.weight
        q_b, k_b = a.q_proj.bias, a.k_proj.bias
        if permute:
            q_w, k_w = permute_rows_for_llama_rope(q_w, heads), permute_rows_for_llama_rope(k_w, kv_heads)
            if q_b is not None:
                q_b, k_b = permute_rows_for_llama_rope(q_b, heads), permute_rows_for_llama_rope(k_b, kv_heads)
        t += [(f"blk.{i}.attn_norm.weight", layer.input_layernorm.weight),
              (f"blk.{i}.attn_q.weight", q_w), (f"blk.{i}.attn_k.weight", k_w),
              (f"blk.{i}.attn_v.weight", a.v_proj.weight)]
        if q_b is not None:
            t += [(f"blk.{i}.attn_q.bias", q_b), (f"blk.{i}.attn_k.bias", k_b),
                  (f"blk.{i}.attn_v.bias", a.v_proj.bias)]
        t += [(f"blk.{i}.attn_output.weight", a.o_proj.weight),
              (f"blk.{i}.ffn_norm.weight", layer.post_attention_layernorm.weight),
              (f"blk.{i}.ffn_gate.weight", layer.mlp.gate_proj.weight),
              (f"blk.{i}.ffn_up.weight", layer.mlp.up_proj.weight),
              (f"blk.{i}.ffn_down.weight", layer.mlp.down_proj.weight)]
    t.append(("output_norm.weight", lm.norm.weight))
    if not c["tie_word_embeddings"]:
        t.append(("output.weight", lm.lm_head.weight))
    return gguf_bytes(kvs, t)


def gguf_forward(meta, w, tokens):
    """Logits [T, V] of a GGUF file as llama.cpp's llama / qwen2 graph computes them, written from
    the file alone (its keys and tensors), independently of CausalLm: RMSNorm, rotary on adjacent
    pairs (llama, NORM) or on halves (qwen2, NEOX), grouped-query causal attention scaled by
    1/sqrt(head_dim), SwiGLU, output = token_embd when the file has no output tensor."""
    arch = meta["general.architecture"]
    g = lambda k: meta[f"{arch}.{k}"]
    heads, kv_heads, hd = g("attention.head_count"), g("attention.head_count_kv"), g("attention.key_length")
    eps, base, n_rot = g("attention.layer_norm_rms_epsilon"), g("rope.freq_base"), g("rope.dimension_count")
    assert n_rot == hd
    T = len(tokens)
    pos = torch.arange(T, dtype=torch.float32)
    theta = pos[:, None] * base ** (-torch.arange(0, hd, 2, dtype=torch.float32) / hd)  # [T, hd/2]
    cos, sin = theta.cos(), theta.sin()

    def rope(x):  # x [T, h, hd]
        if arch == "llama":
            x0, x1 = x[..., 0::2], x[..., 1::2]
        else:
            x0, x1 = x[..., :hd // 2], x[..., hd // 2:]
        c_, s_ = cos[:, None, :], sin[:, None, :]
        r0, r1 = x0 * c_ - x1 * s_, x0 * s_ + x1 * c_
        if arch == "llama":
            return torch.stack((r0, r1), dim=-1).flatten(-2)
        return torch.cat((r0, r1), dim=-1)

    def norm(x, weight):
        return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))

    def lin(x, name, i):
        y = x @ w[f"blk.{i}.{name}.weight"].T
        b = w.get(f"blk.{i}.{name}.bias")
        return y if b is None else y + b

    x = w["token_embd.weight"][torch.tensor(tokens)]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    for i in range(g("block_count")):
        h = norm(x, w[f"blk.{i}.attn_norm.weight"])
        q = rope(lin(h, "attn_q", i).view(T, heads, hd))
        k = rope(lin(h, "attn_k", i).view(T, kv_heads, hd))
        v = lin(h, "attn_v", i).view(T, kv_heads, hd)
        rep = heads // kv_heads
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        s = torch.einsum("qhd,khd->hqk", q, k) / math.sqrt(hd)
        s = s.masked_fill(~causal, float("-inf"))
        o = torch.einsum("hqk,khd->qhd", torch.softmax(s, dim=-1), v).reshape(T, heads * hd)
        x = x + lin(o, "attn_output", i)
        h = norm(x, w[f"blk.{i}.ffn_norm.weight"])
        x = x + lin(F.silu(lin(h, "ffn_gate", i)) * lin(h, "ffn_up", i), "ffn_down", i)
    out = w.get("output.weight", w["token_embd.weight"])
    return norm(x, w["output_norm.weight"]) @ out.T


def check_gguf(data, vocab, ref):
    """The file read back gives reference.json's label log-probabilities (1e-4) and tokenizer."""
    meta, w = read_gguf(data)
    tokens = meta["tokenizer.ggml.tokens"]
    assert {t: i for i, t in enumerate(tokens)} == vocab
    worst = 0.0
    for layout in ref["layouts"]:
        for rows in layout["orders"].values():
            for row in rows:
                for l, label_ids in zip(ref["labels"], layout["label_tokens"]):
                    logits = gguf_forward(meta, w, row["tokens"] + label_ids)
                    lp = sum(float(log_softmax_row(logits[len(row["tokens"]) - 1 + j])[t])
                             for j, t in enumerate(label_ids))
                    worst = max(worst, abs(lp - row["logprobs"][ref["labels"].index(l)]))
    assert worst < 1e-4, worst
    return worst


def write_ggufs(name, lm, vocab, d, ref):
    (d / "gguf").mkdir(exist_ok=True)
    archs = ["llama"] + (["qwen2"] if lm.c["model_type"] == "qwen2" else [])
    for arch in archs:
        data = gguf_file(lm, vocab, name, arch)
        worst = check_gguf(data, vocab, ref)
        (d / "gguf" / f"model.{arch}.gguf").write_bytes(data)
        print(f"{name} gguf/model.{arch}.gguf: the file's own forward vs reference.json, max |delta| = {worst:.2e}")


def export(name, c):
    torch.manual_seed(SEED + (0 if name.startswith("llama") else 1))
    lm = CausalLm(c).eval()
    d = OUT / name
    if d.exists():
        shutil.rmtree(d)
    (d / "onnx").mkdir(parents=True)
    (d / "torchscript").mkdir()
    vocab = mf.build_vocab()
    assert len(vocab) == c["vocab_size"]
    mf.write_json(d / "tokenizer.json", mf.tokenizer_json(vocab))
    shutil.copy(d / "tokenizer.json", d / "torchscript" / "tokenizer.json")
    config = dict(c)
    config.update(bos_token_id=None, eos_token_id=None, comment=(
        "random weights, written by scripts/make-arch-fixtures.py; the architecture is this"
        " script's plain PyTorch, not transformers"))
    mf.write_json(d / "config.json", config)
    layers = c["num_hidden_layers"]
    head_dim = c.get("head_dim", c["hidden_size"] // c["num_attention_heads"])

    with torch.no_grad():
        # ---- the cache is exact: prefix then continuation equals the full sequence
        seq = mf.reference_encode(EXAMPLES[0][1] + " True\n\n" + EXAMPLES[1][1], vocab)
        full, _, _ = run(lm, seq)
        _, past, _ = run(lm, seq[:20])
        cont, _, _ = run(lm, seq[20:], past, 20)
        assert torch.allclose(full[0, 20:], cont[0], atol=1e-5), (cont[0] - full[0, 20:]).abs().max()

        # ---- ONNX, fp32 then fp16
        names_in, names_out, axes = optimum_io(layers)
        p, s = 3, 4
        sample = (torch.tensor([seq[p:p + s]]), torch.ones(1, p + s, dtype=torch.int64),
                  torch.arange(p, p + s).unsqueeze(0), *empty_past(c, p))
        sample = sample[:3] + tuple(torch.randn_like(t) for t in sample[3:])
        onnx_path = d / "onnx" / "model.onnx"
        torch.onnx.export(OnnxInterface(lm), sample, str(onnx_path), input_names=names_in,
                          output_names=names_out, dynamic_axes=axes, opset_version=14,
                          do_constant_folding=True)
        m = onnx.load(str(onnx_path))
        onnx.checker.check_model(m)
        m.producer_name = "icm4j scripts/make-arch-fixtures.py"
        onnx.save(m, str(onnx_path))
        m16 = to_fp16(onnx.load(str(onnx_path)))
        onnx.checker.check_model(m16)
        onnx.save(m16, str(d / "onnx" / "model_fp16.onnx"))

        # ---- TorchScript, checked on lengths other than the traced ones
        write_torchscript(name, lm, c, d, seq, full)

        # ---- reference label log-probabilities on leave-one-out rows
        ref = {"comment": ("eager PyTorch fp32 forward, one full sequence per row (no cache);"
                           " log-probabilities over the full vocabulary, summed over a label's tokens"),
               "examples": [{"id": i, "prompt": pr, "label": lb} for i, pr, lb in EXAMPLES],
               "labels": LABELS, "layouts": []}
        n = len(EXAMPLES)
        plain = [[j for j in range(n) if j != i] for i in range(n)]
        for lname, layout in LAYOUTS.items():
            ver, sep = layout["verbalizers"], layout["separator"]
            enc = lambda t: mf.reference_encode(t, vocab)
            prompt_ids = [enc(pr) for _, pr, _ in EXAMPLES]
            label_ids = {l: enc(ver[l]) for l in LABELS}
            sep_ids = enc(sep)
            for i, (_, pr, lb) in enumerate(EXAMPLES):  # the layout's clean-boundary premise
                assert enc(pr + ver[lb] + sep) == prompt_ids[i] + label_ids[lb] + sep_ids, (pr, lb)
            demo = [prompt_ids[i] + label_ids[EXAMPLES[i][2]] + sep_ids for i in range(n)]
            orders = {}
            for oname, contexts in (("PLAIN", plain), ("DIVIDE_AND_CONQUER", dc_contexts(n))):
                rows = []
                for i in range(n):
                    ctx = [t for j in contexts[i] for t in demo[j]] + prompt_ids[i]
                    rows.append({"query": i, "context": contexts[i], "tokens": ctx,
                                 "logprobs": [label_logprob(lm, ctx, label_ids[l]) for l in LABELS]})
                orders[oname] = rows
            ref["layouts"].append({"name": lname, "verbalizers": ver, "separator": sep,
                                   "label_tokens": [label_ids[l] for l in LABELS], "orders": orders})
        mf.write_json(d / "reference.json", ref)
        write_ggufs(name, lm, vocab, d, ref)
    return d


def export_gguf_only(name, c):
    """Rebuilds the seeded weights, checks them against the committed reference.json and writes
    only the GGUF files."""
    torch.manual_seed(SEED + (0 if name.startswith("llama") else 1))
    lm = CausalLm(c).eval()
    d = OUT / name
    ref = json.loads((d / "reference.json").read_text(encoding="utf-8"))
    vocab = mf.build_vocab()
    with torch.no_grad():
        for layout in ref["layouts"]:
            row = layout["orders"]["PLAIN"][0]
            lp = label_logprob(lm, row["tokens"], layout["label_tokens"][0])
            assert abs(lp - row["logprobs"][0]) < 1e-9, (name, lp, row["logprobs"][0])
        write_ggufs(name, lm, vocab, d, ref)
    return d


def logit_range():
    """Prints the largest |logit| at the label position of the reference rows (what float16's
    resolution is measured against); writes nothing."""
    for name, c in CONFIGS.items():
        torch.manual_seed(SEED + (0 if name.startswith("llama") else 1))
        lm = CausalLm(c).eval()
        ref = json.loads((OUT / name / "reference.json").read_text(encoding="utf-8"))
        worst = 0.0
        with torch.no_grad():
            for layout in ref["layouts"]:
                for row in layout["orders"]["PLAIN"]:
                    logits, _, _ = run(lm, row["tokens"])
                    worst = max(worst, float(logits[0, -1].abs().max()))
        print(f"{name}: largest |logit| at the label position {worst:.2f}")


def main():
    torch.set_num_threads(1)
    if "--logit-range" in sys.argv:
        logit_range()
        return
    for name, c in CONFIGS.items():
        d = export_gguf_only(name, c) if "--gguf-only" in sys.argv else export(name, c)
        for f in sorted(d.rglob("*")):
            if f.is_file():
                print(f"{f.relative_to(ROOT)}  {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
