#!/usr/bin/env python3
"""Writes the committed test fixtures of icm-djl (TorchScriptLmTest).

How to run (from the repository root; needs only Debian's python3-torch, i.e. PyTorch 1.13 and
NumPy, no network, no `transformers`, no `tokenizers`):

    apt-get install -y python3-torch        # once
    /usr/bin/python3 icm-djl/src/test/python/make_fixtures.py

It is deterministic (torch.manual_seed(20250101), one thread) and rewrites, under
icm-djl/src/test/resources/fixtures/:

  tokenizer.json            a hand-built Hugging Face byte-level BPE tokenizer: the 256 byte
                            tokens (id = byte value) plus a few merges so that "ĠTrue", "ĠFalse",
                            "Ġis", "Ġclaim", "Ġthe" and "ĊĊ" ("\\n\\n") are single tokens.
  tokenizer-expected.json   example strings and the ids this script's own reference byte-level
                            BPE (GPT-2 pre-tokenizer regex, byte-to-unicode map, rank-ordered
                            merges) gives for them.
  gpt2-plain/gpt2-plain.pt  a tiny GPT-2-like causal LM (random weights, 2 layers, 2 heads, d=32,
                            512 learned positions, pre-LayerNorm, tied head) traced with
                            torch.jit.trace: forward(input_ids [1,T] int64,
                            attention_mask [1,T] int64) -> logits [1,T,V] float32.
  gpt2-plain/icm4j-torchscript.json  vocab_size, max_length, n_layer, n_head, n_embd, interface
                            "plain", inputs (the forward's argument order).
  gpt2-plain/tokenizer.json and gpt2-kv/tokenizer.json: copies of tokenizer.json, so that each
                            model directory is complete (icm4j-torchscript.json, the .pt file, tokenizer.json).
  gpt2-plain/expected.json  logits of the last 2 positions (1 for a 1-token input) of three token
                            sequences of lengths 1, 7 and 40, computed by the eager model.
  gpt2-kv/gpt2-kv.pt        the same weights traced with the GPT-2 interface of DJL's
                            ai.djl.modality.nlp.generate:
                            forward(input_ids [1,T] int64, position_ids [1,T] int64,
                                    attention_mask [1,P+T] int64,
                                    past_key_values ((k_0, v_0), ..., (k_{L-1}, v_{L-1})))
                            -> (logits [1,T,V], ((k_0', v_0'), ...), hidden [1,T,d]) where each
                            past k/v is [1, heads, P, head_dim] float32 and each present k/v is
                            [1, heads, P+T, head_dim]. An empty past is passed as arrays with
                            P = 0 (shape [1, heads, 0, head_dim]); DJL's own convention (a dummy
                            past of length 1 whose attention_mask entry is 0) also works.
  gpt2-kv/icm4j-torchscript.json  as above with interface "gpt2-past-key-values".
  gpt2-kv/expected.json     as for gpt2-plain, plus the logits of a 5-token continuation read
                            after a cached 30-token prefix.

The script checks before writing that the traced modules equal the eager ones on other lengths
than the traced ones (including past length 0), that the KV model's cached continuation equals the
full-sequence logits, and that the plain and KV models agree.
"""

import json
import re
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20250101
OUT = Path(__file__).resolve().parents[1] / "resources" / "fixtures"

N_POSITIONS = 512
N_LAYER = 2
N_HEAD = 2
N_EMBD = 32

# Merges in rank order (rank 0 is applied first). Each makes one new token.
MERGES = [
    ("Ġ", "T"), ("Ġ", "F"), ("Ġ", "i"), ("Ġ", "c"), ("Ġ", "t"), ("Ċ", "Ċ"), ("h", "e"),
    ("ĠT", "r"), ("ĠTr", "u"), ("ĠTru", "e"),
    ("ĠF", "a"), ("ĠFa", "l"), ("ĠFal", "s"), ("ĠFals", "e"),
    ("Ġi", "s"),
    ("Ġc", "l"), ("Ġcl", "a"), ("Ġcla", "i"), ("Ġclai", "m"),
    ("Ġt", "he"),
]

TOKENIZER_EXAMPLES = [
    " True", "True", " False", "False", " is", " claim", " the", "\n\n", "\n",
    "Claim: the sky is blue.\n\nIs the claim True? True",
    "Claim: 2+2=5\n\n Is the claim True or False? False",
    "it's 42_x  ok", "héllo wörld", " True False True", "the\n\nthe", "\n\n Is",
]


# --------------------------------------------------------------------------- tokenizer

def bytes_to_unicode():
    """GPT-2's map from bytes to printable unicode characters."""
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
          + list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_TO_CHAR = bytes_to_unicode()

# GPT-2's pre-tokenizer regex, written for Python's `re` (which lacks \p{L} and \p{N}):
# \p{L} -> [^\W\d_] (letters), \p{N} -> \d, [^\s\p{L}\p{N}] -> (?:[^\s\w]|_).
# Exact for the ASCII and Latin-letter examples above.
PRETOKENIZE = re.compile(
    r"'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+")


def build_vocab():
    vocab = {BYTE_TO_CHAR[b]: b for b in range(256)}
    for a, b in MERGES:
        assert a in vocab and b in vocab, (a, b)
        assert a + b not in vocab, a + b
        vocab[a + b] = len(vocab)
    return vocab


def bpe(word, ranks):
    """Merges the lowest-ranked adjacent pair, all occurrences left to right, until none is left."""
    parts = list(word)
    while len(parts) > 1:
        pairs = [(ranks.get((parts[i], parts[i + 1]), None), i) for i in range(len(parts) - 1)]
        best = min((r for r, _ in pairs if r is not None), default=None)
        if best is None:
            break
        first, second = MERGES[best]
        merged = []
        i = 0
        while i < len(parts):
            if i < len(parts) - 1 and parts[i] == first and parts[i + 1] == second:
                merged.append(first + second)
                i += 2
            else:
                merged.append(parts[i])
                i += 1
        parts = merged
    return parts


def reference_encode(text, vocab):
    ranks = {pair: r for r, pair in enumerate(MERGES)}
    ids = []
    for piece in PRETOKENIZE.findall(text):
        word = "".join(BYTE_TO_CHAR[b] for b in piece.encode("utf-8"))
        ids.extend(vocab[t] for t in bpe(word, ranks))
    return ids


def tokenizer_json(vocab):
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "vocab": vocab,
            "merges": [a + " " + b for a, b in MERGES],
        },
    }


# --------------------------------------------------------------------------- model

class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(N_EMBD, 3 * N_EMBD)
        self.c_proj = nn.Linear(N_EMBD, N_EMBD)

    def forward(self, x, bias, past_k, past_v):
        b, t, _ = x.shape
        q, k, v = self.c_attn(x).split(N_EMBD, dim=2)
        hd = N_EMBD // N_HEAD
        q = q.view(b, t, N_HEAD, hd).transpose(1, 2)
        k = k.view(b, t, N_HEAD, hd).transpose(1, 2)
        v = v.view(b, t, N_HEAD, hd).transpose(1, 2)
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / hd ** 0.5) + bias
        y = torch.matmul(torch.softmax(scores, dim=-1), v)
        y = y.transpose(1, 2).reshape(b, t, N_EMBD)
        return self.c_proj(y), k, v


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(N_EMBD)
        self.attn = Attention()
        self.ln_2 = nn.LayerNorm(N_EMBD)
        self.c_fc = nn.Linear(N_EMBD, 4 * N_EMBD)
        self.c_proj = nn.Linear(4 * N_EMBD, N_EMBD)

    def forward(self, x, bias, past_k, past_v):
        a, k, v = self.attn(self.ln_1(x), bias, past_k, past_v)
        x = x + a
        x = x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))
        return x, k, v


class TinyGpt(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, N_EMBD)
        self.wpe = nn.Embedding(N_POSITIONS, N_EMBD)
        self.h = nn.ModuleList([Block() for _ in range(N_LAYER)])
        self.ln_f = nn.LayerNorm(N_EMBD)
        self.register_buffer("positions", torch.arange(N_POSITIONS).unsqueeze(0), persistent=False)
        with torch.no_grad():  # non-trivial LayerNorm parameters
            for ln in [self.ln_f] + [m for blk in self.h for m in (blk.ln_1, blk.ln_2)]:
                ln.weight.add_(0.1 * torch.randn_like(ln.weight))
                ln.bias.add_(0.1 * torch.randn_like(ln.bias))

    def run(self, input_ids, position_ids, attention_mask, pasts):
        """pasts: list of (k, v) per layer, or None; attention_mask covers past + new positions."""
        t = input_ids.size(1)
        s = attention_mask.size(1)
        query_index = self.positions[0, s - t:s]  # query i sits at absolute index s - t + i
        causal = self.positions[0, :s].unsqueeze(0) <= query_index.unsqueeze(1)  # [t, s]
        keep = causal.unsqueeze(0).unsqueeze(0) & (attention_mask > 0).unsqueeze(1).unsqueeze(2)
        bias = (~keep).to(torch.float32) * -1e9
        x = self.wte(input_ids) + self.wpe(position_ids)
        presents = []
        for i, blk in enumerate(self.h):
            pk, pv = (None, None) if pasts is None else pasts[i]
            x, k, v = blk(x, bias, pk, pv)
            presents.append((k, v))
        x = self.ln_f(x)
        logits = F.linear(x, self.wte.weight)
        return logits, tuple(presents), x


class PlainInterface(nn.Module):
    def __init__(self, gpt):
        super().__init__()
        self.gpt = gpt

    def forward(self, input_ids, attention_mask):
        position_ids = self.gpt.positions[:, :input_ids.size(1)]
        logits, _, _ = self.gpt.run(input_ids, position_ids, attention_mask, None)
        return logits


class PastKeyValuesInterface(nn.Module):
    def __init__(self, gpt):
        super().__init__()
        self.gpt = gpt

    def forward(self, input_ids, position_ids, attention_mask, past_key_values):
        return self.gpt.run(input_ids, position_ids, attention_mask, list(past_key_values))


# --------------------------------------------------------------------------- helpers

def empty_past(p=0):
    hd = N_EMBD // N_HEAD
    return tuple((torch.zeros(1, N_HEAD, p, hd), torch.zeros(1, N_HEAD, p, hd))
                 for _ in range(N_LAYER))


def kv_call(model, tokens, past, past_len, mask_prefix=None):
    ids = torch.tensor([tokens], dtype=torch.int64)
    pos = torch.arange(past_len, past_len + len(tokens)).unsqueeze(0)
    mask = torch.ones(1, past_len + len(tokens), dtype=torch.int64)
    if mask_prefix is not None:
        mask = torch.cat([mask_prefix, mask], dim=1)
    return model(ids, pos, mask, past)


def plain_call(model, tokens):
    ids = torch.tensor([tokens], dtype=torch.int64)
    return model(ids, torch.ones_like(ids))


def rows(t):
    return [[float("%.8g" % x) for x in row] for row in t.tolist()]


def close(a, b, tol=1e-5):
    return torch.allclose(a, b, atol=tol, rtol=0)


def write_json(path, obj):
    """Writes JSON with one line per innermost list or object of scalars (readable diffs)."""
    def dump(o, indent):
        pad = " " * indent
        if isinstance(o, dict) and any(isinstance(v, (dict, list)) for v in o.values()):
            items = [pad + " " + json.dumps(k, ensure_ascii=False) + ": " + dump(v, indent + 1)
                     for k, v in o.items()]
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(o, list) and any(isinstance(v, (dict, list)) for v in o):
            items = [pad + " " + dump(v, indent + 1) for v in o]
            return "[\n" + ",\n".join(items) + "\n" + pad + "]"
        return json.dumps(o, ensure_ascii=False)
    with open(path, "w", encoding="utf-8") as f:
        f.write(dump(obj, 0) + "\n")


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)

    # ---- tokenizer
    vocab = build_vocab()
    write_json(OUT / "tokenizer.json", tokenizer_json(vocab))
    examples = [{"text": s, "ids": reference_encode(s, vocab)} for s in TOKENIZER_EXAMPLES]
    assert len(reference_encode(" True", vocab)) == 1 and len(reference_encode("True", vocab)) == 4
    write_json(OUT / "tokenizer-expected.json", {
        "comment": "ids computed by make_fixtures.py's reference byte-level BPE",
        "examples": examples})
    # each model directory is complete, as a user's is: the same tokenizer next to the model
    for model_dir in ("gpt2-plain", "gpt2-kv"):
        (OUT / model_dir).mkdir(parents=True, exist_ok=True)
        write_json(OUT / model_dir / "tokenizer.json", tokenizer_json(vocab))
    vocab_size = len(vocab)

    # ---- model
    gpt = TinyGpt(vocab_size).eval()
    plain = PlainInterface(gpt).eval()
    kv = PastKeyValuesInterface(gpt).eval()
    g = torch.Generator().manual_seed(SEED + 1)
    sequences = [torch.randint(0, vocab_size, (n,), generator=g).tolist() for n in (1, 7, 40)]
    prefix = torch.randint(0, vocab_size, (30,), generator=g).tolist()
    continuation = torch.randint(0, vocab_size, (5,), generator=g).tolist()

    with torch.no_grad():
        ex_ids = torch.randint(0, vocab_size, (1, 5), generator=g)
        plain_traced = torch.jit.trace(plain, (ex_ids, torch.ones_like(ex_ids)))
        kv_example = (torch.randint(0, vocab_size, (1, 4), generator=g),
                      torch.arange(3, 7).unsqueeze(0), torch.ones(1, 7, dtype=torch.int64),
                      tuple((torch.randn(1, N_HEAD, 3, N_EMBD // N_HEAD, generator=g),
                             torch.randn(1, N_HEAD, 3, N_EMBD // N_HEAD, generator=g))
                            for _ in range(N_LAYER)))
        kv_traced = torch.jit.trace(kv, kv_example)

        for name, module, cfg_interface in (("gpt2-plain", plain_traced, "plain"),
                                            ("gpt2-kv", kv_traced, "gpt2-past-key-values")):
            d = OUT / name
            d.mkdir(exist_ok=True)
            torch.jit.save(module, str(d / (name + ".pt")))
            write_json(d / "icm4j-torchscript.json", {
                "vocab_size": vocab_size, "max_length": N_POSITIONS, "n_layer": N_LAYER,
                "n_head": N_HEAD, "n_embd": N_EMBD, "interface": cfg_interface,
                "inputs": (["input_ids", "attention_mask"] if cfg_interface == "plain" else
                           ["input_ids", "position_ids", "attention_mask", "past_key_values"])})
        plain_loaded = torch.jit.load(str(OUT / "gpt2-plain" / "gpt2-plain.pt"))
        kv_loaded = torch.jit.load(str(OUT / "gpt2-kv" / "gpt2-kv.pt"))

        # ---- expected outputs, with checks traced == eager, kv == plain
        plain_expected, kv_expected = [], []
        for tokens in sequences:
            want = plain_call(plain, tokens)[0]
            got_plain = plain_call(plain_loaded, tokens)[0]
            logits, presents, hidden = kv_call(kv_loaded, tokens, empty_past(), 0)
            got_kv = logits[0]
            # DJL's convention for an empty past: a dummy past of length 1, masked out.
            dummy = kv_call(kv_loaded, tokens, empty_past(1), 0,
                            mask_prefix=torch.zeros(1, 1, dtype=torch.int64))[0][0]
            eager_kv = kv_call(kv, tokens, empty_past(), 0)[0][0]
            assert close(want, got_plain) and close(want, got_kv) and close(want, dummy)
            assert close(eager_kv, got_kv)
            assert presents[0][0].shape == (1, N_HEAD, len(tokens), N_EMBD // N_HEAD)
            assert hidden.shape == (1, len(tokens), N_EMBD)
            last = list(range(max(0, len(tokens) - 2), len(tokens)))
            entry = {"tokens": tokens, "positions": last, "logits": rows(want[last])}
            plain_expected.append(entry)
            kv_expected.append({"tokens": tokens, "positions": last,
                                "logits": rows(eager_kv[last])})

        _, past, _ = kv_call(kv, prefix, empty_past(), 0)
        cont_logits, cont_presents, _ = kv_call(kv, continuation, past, len(prefix))
        _, traced_past, _ = kv_call(kv_loaded, prefix, empty_past(), 0)
        traced_cont = kv_call(kv_loaded, continuation, traced_past, len(prefix))[0]
        full = plain_call(plain, prefix + continuation)[0][len(prefix):]
        assert close(cont_logits[0], full), (cont_logits[0] - full).abs().max()
        assert close(traced_cont[0], full), (traced_cont[0] - full).abs().max()
        assert cont_presents[1][1].shape == (1, N_HEAD, 35, N_EMBD // N_HEAD)

    write_json(OUT / "gpt2-plain" / "expected.json", {"sequences": plain_expected})
    write_json(OUT / "gpt2-kv" / "expected.json", {
        "sequences": kv_expected,
        "continuation": {"prefix": prefix, "tokens": continuation,
                         "logits": rows(cont_logits[0])}})

    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print("vocab_size", vocab_size, "fixtures bytes", total)
    for p in sorted(OUT.rglob("*")):
        if p.is_file():
            print(" ", p.relative_to(OUT), p.stat().st_size)


if __name__ == "__main__":
    main()
