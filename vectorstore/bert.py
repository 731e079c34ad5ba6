"""A BERT encoder forward pass for inference in plain PyTorch, loaded straight from a
sentence-transformers model directory (config.json + model.safetensors).

Why not transformers' BertModel: importing transformers takes about 4 s here, paid by every ingest
and every service start, against 1.5 s for torch alone; and owning the forward pass lets the three
attention projections run as one matrix product (wider products suit AMX tiles). It computes what
BertModel computes (checked against sentence-transformers in the tests: cosine 1.0000 in float32).
Only the architecture MiniLM uses is supported: absolute positions, GELU, post-layer-norm; any
other config is refused with the field that differs.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F

_REQUIRED = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}


class Bert(torch.nn.Module):
    """Last hidden states of a BERT encoder; dropout-free, inference only."""

    def __init__(self, model_dir: Path, dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        from safetensors.torch import load_file

        config = json.loads((model_dir / "config.json").read_text())
        for field, expected in _REQUIRED.items():
            if config.get(field, expected) != expected:
                raise ValueError(f"{model_dir / 'config.json'}: {field} is {config[field]!r}; only {expected!r} is supported")
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        w = load_file(str(model_dir / "model.safetensors"))
        w = {k.removeprefix("bert."): v for k, v in w.items()}

        def p(name: str, as_type: torch.dtype = torch.float32) -> torch.nn.Parameter:
            return torch.nn.Parameter(w[name].to(as_type), requires_grad=False)

        def cat(*names: str) -> torch.nn.Parameter:
            return torch.nn.Parameter(torch.cat([w[n] for n in names]).to(dtype), requires_grad=False)

        self.dtype = dtype
        self.word = p("embeddings.word_embeddings.weight")
        self.position = p("embeddings.position_embeddings.weight")
        self.token_type = p("embeddings.token_type_embeddings.weight")
        self.ln = (p("embeddings.LayerNorm.weight"), p("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            a = f"encoder.layer.{i}."
            s = a + "attention.self."
            self.layers.append(
                {
                    "qkv": (cat(s + "query.weight", s + "key.weight", s + "value.weight"),
                            cat(s + "query.bias", s + "key.bias", s + "value.bias")),
                    "out": (p(a + "attention.output.dense.weight", dtype), p(a + "attention.output.dense.bias", dtype)),
                    "ln1": (p(a + "attention.output.LayerNorm.weight"), p(a + "attention.output.LayerNorm.bias")),
                    "up": (p(a + "intermediate.dense.weight", dtype), p(a + "intermediate.dense.bias", dtype)),
                    "down": (p(a + "output.dense.weight", dtype), p(a + "output.dense.bias", dtype)),
                    "ln2": (p(a + "output.LayerNorm.weight"), p(a + "output.LayerNorm.bias")),
                }
            )

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(batch, tokens) word-piece ids and attention mask -> (batch, tokens, hidden). Token
        type 0 throughout (single texts)."""
        batch, length = ids.shape
        hidden = self.word.shape[1]
        x = self.word[ids] + self.position[:length] + self.token_type[0]
        x = F.layer_norm(x, (hidden,), *self.ln, self.eps)
        keep = mask.bool()[:, None, None, :]  # padding is never attended to
        low = self.dtype
        for layer in self.layers:
            # Products (and attention) in the weights' type; the residual stream and the layer
            # norms stay in float32, so bfloat16 rounds each layer's update, not the running sum.
            qkv = F.linear(x.to(low), *layer["qkv"]).view(batch, length, 3, self.heads, hidden // self.heads)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            attended = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            attended = attended.transpose(1, 2).reshape(batch, length, hidden)
            update = F.linear(attended, *layer["out"]).float()
            x = F.layer_norm(update + x, (hidden,), *layer["ln1"], self.eps)
            up = F.gelu(F.linear(x.to(low), *layer["up"]))
            update = F.linear(up, *layer["down"]).float()
            x = F.layer_norm(update + x, (hidden,), *layer["ln2"], self.eps)
        return x
