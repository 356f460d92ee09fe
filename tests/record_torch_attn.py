#!/usr/bin/env python3
"""Record what torch does for attention into tests/data/torch_attn.json, for
tests/test_nn_attention.py: F.scaled_dot_product_attention,
nn.MultiheadAttention, nn.TransformerEncoderLayer / TransformerEncoder.

    /root/tvenv/bin/python tests/record_torch_attn.py [--out tests/data/torch_attn.json]

Same case format and runner as tests/record_torch_nn.py (which documents it).
Parameter draws after manual_seed are recorded "exact" (ember must give
torch's bits); outputs and gradients are compared to float32 rounding, since
torch's CPU kernels (and BLAS) round differently. Cases run with grad enabled
and parameters requiring grad, so torch takes its composite path, not its
fused inference fast path.
"""

import torch

import record_torch_nn as base

CASES = []


def case(id, kind, expr, setup="", seed=None, exact=False):
    CASES.append({"id": id, "kind": kind, "seed": seed, "setup": setup, "expr": expr, "exact": exact})


# ---- F.scaled_dot_product_attention ----
QKV = ("q = torch.randn(2, 3, 4, 8, requires_grad=True); k = torch.randn(2, 3, 5, 8, requires_grad=True); "
       "v = torch.randn(2, 3, 5, 6, requires_grad=True)")


def sdpa_case(id, call, setup="", seed=0, grads=("q.grad", "k.grad", "v.grad")):
    case(id, "tensors", ["out"] + list(grads),
         QKV + ("; " + setup if setup else "") + f"; out = {call}; (out * torch.arange(out.numel()).reshape(out.shape)"
         ".sin()).sum().backward()", seed=seed)


sdpa_case("sdpa_plain", "F.scaled_dot_product_attention(q, k, v)")
sdpa_case("sdpa_bool_mask", "F.scaled_dot_product_attention(q, k, v, attn_mask=mask)",
          "mask = torch.rand(4, 5) > 0.4; mask[:, 0] = True")
sdpa_case("sdpa_bool_mask_full_row", "F.scaled_dot_product_attention(q, k, v, attn_mask=mask)",
          "mask = torch.ones(3, 1, 5, dtype=torch.bool); mask[1, 0, :] = False; mask = mask.expand(3, 4, 5).clone(); "
          "mask[0, 2] = False")
sdpa_case("sdpa_float_mask", "F.scaled_dot_product_attention(q, k, v, attn_mask=mask)",
          "mask = torch.randn(2, 1, 4, 5)")
sdpa_case("sdpa_float_mask_neg_inf", "F.scaled_dot_product_attention(q, k, v, attn_mask=mask)",
          "mask = torch.zeros(4, 5); mask[1] = float('-inf'); mask[2, 3:] = float('-inf')")
sdpa_case("sdpa_causal", "F.scaled_dot_product_attention(q, k, v, is_causal=True)")
sdpa_case("sdpa_scale", "F.scaled_dot_product_attention(q, k, v, scale=0.7)")
sdpa_case("sdpa_dropout", "F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)", seed=5)
sdpa_case("sdpa_dropout_causal", "F.scaled_dot_product_attention(q, k, v, dropout_p=0.25, is_causal=True, "
          "scale=0.3)", seed=6)
case("sdpa_3d_and_5d", "tensors",
     ["F.scaled_dot_product_attention(a, b, c)", "F.scaled_dot_product_attention(d, e, f, is_causal=True)"],
     "a = torch.randn(3, 4, 8); b = torch.randn(3, 6, 8); c = torch.randn(3, 6, 2); "
     "d = torch.randn(2, 2, 2, 5, 4, dtype=torch.float64); e = torch.randn(2, 2, 2, 5, 4, dtype=torch.float64); "
     "f = torch.randn(2, 2, 2, 5, 3, dtype=torch.float64)", seed=1)
case("sdpa_gqa", "tensors", ["F.scaled_dot_product_attention(a, b, c, enable_gqa=True)", "a.grad", "b.grad"],
     "a = torch.randn(2, 6, 4, 8, requires_grad=True); b = torch.randn(2, 2, 5, 8, requires_grad=True); "
     "c = torch.randn(2, 2, 5, 3); F.scaled_dot_product_attention(a, b, c, enable_gqa=True).pow(2).sum().backward()",
     seed=2)
case("sdpa_err_dtype", "error", "F.scaled_dot_product_attention(a, a.double(), a)", "a = torch.randn(2, 3, 4)")
case("sdpa_err_mask_dtype", "error", "F.scaled_dot_product_attention(a, a, a, attn_mask=torch.ones(3, 3).long())",
     "a = torch.randn(2, 3, 4)")
case("sdpa_err_causal_and_mask", "error",
     "F.scaled_dot_product_attention(a, a, a, attn_mask=torch.ones(3, 3, dtype=torch.bool), is_causal=True)",
     "a = torch.randn(2, 3, 4)")
case("sdpa_err_scale_positional", "error", "F.scaled_dot_product_attention(a, a, a, None, 0.0, False, 0.5)",
     "a = torch.randn(2, 3, 4)")
case("sdpa_err_dropout", "error", "F.scaled_dot_product_attention(a, a, a, dropout_p=1.5)",
     "a = torch.randn(2, 3, 4)")

# ---- nn.MultiheadAttention: parameters ----
MHA_INITS = {
    "default": "nn.MultiheadAttention(8, 2)",
    "no_bias": "nn.MultiheadAttention(6, 3, bias=False)",
    "kdim_vdim": "nn.MultiheadAttention(8, 4, kdim=6, vdim=5)",
    "bias_kv": "nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True)",
    "bias_kv_sep": "nn.MultiheadAttention(4, 1, add_bias_kv=True, kdim=3, vdim=2, bias=False)",
    "f64": "nn.MultiheadAttention(4, 2, dtype=torch.float64)",
}
for name, ctor in MHA_INITS.items():  # every parameter, bit for bit
    n = len(list(eval(ctor, {"nn": torch.nn, "torch": torch}).parameters()))
    case(f"mha_init_{name}", "tensors", [f"list(m.parameters())[{i}]" for i in range(n)], f"m = {ctor}", seed=11,
         exact=True)
    case(f"mha_state_dict_{name}", "value", "[(k, list(v.shape)) for k, v in m.state_dict().items()]",
         f"m = {ctor}", seed=11)
case("mha_err_divisible", "error", "nn.MultiheadAttention(6, 4)")
case("mha_err_zero_heads", "error", "nn.MultiheadAttention(6, 0)")

# ---- nn.MultiheadAttention: forward and backward ----
GRADS = ["m.in_proj_weight.grad", "m.out_proj.weight.grad", "x.grad"]


def mha_case(id, ctor, call, setup="", seed=21, grads=GRADS, train=False):
    mode = "" if train else "m.eval(); "
    case(id, "tensors", ["o", "w"] + list(grads),
         f"m = {ctor}; {mode}{setup}; o, w = {call}; w = w if w is not None else torch.zeros(()); "
         "((o * torch.arange(o.numel()).reshape(o.shape).cos()).sum() + (w * w).sum()).backward()", seed=seed)


X_SEQ = "x = torch.randn(5, 3, 8, requires_grad=True)"
mha_case("mha_self", "nn.MultiheadAttention(8, 2)", "m(x, x, x)", X_SEQ)
mha_case("mha_self_no_weights", "nn.MultiheadAttention(8, 2)", "m(x, x, x, need_weights=False)", X_SEQ)
mha_case("mha_per_head_weights", "nn.MultiheadAttention(8, 2)", "m(x, x, x, average_attn_weights=False)", X_SEQ)
mha_case("mha_bool_masks", "nn.MultiheadAttention(8, 4)",
         "m(x, x, x, attn_mask=am, key_padding_mask=kpm)",
         X_SEQ + "; am = torch.ones(5, 5, dtype=torch.bool).triu(1); kpm = torch.zeros(3, 5, dtype=torch.bool); "
         "kpm[1, 3:] = True; kpm[2, 4] = True")
mha_case("mha_bool_masks_no_weights", "nn.MultiheadAttention(8, 4)",
         "m(x, x, x, attn_mask=am, key_padding_mask=kpm, need_weights=False)",
         X_SEQ + "; am = torch.ones(5, 5, dtype=torch.bool).triu(1); kpm = torch.zeros(3, 5, dtype=torch.bool); "
         "kpm[1, 3:] = True")
mha_case("mha_float_mask_3d", "nn.MultiheadAttention(8, 2)", "m(x, x, x, attn_mask=am)",
         X_SEQ + "; am = torch.randn(6, 5, 5)")
mha_case("mha_float_masks_no_weights", "nn.MultiheadAttention(8, 2)",
         "m(x, x, x, attn_mask=am, key_padding_mask=kpm, need_weights=False)",
         X_SEQ + "; am = torch.randn(5, 5); kpm = torch.randn(3, 5)")
mha_case("mha_causal_no_weights", "nn.MultiheadAttention(8, 2)",
         "m(x, x, x, attn_mask=am, is_causal=True, need_weights=False)",
         X_SEQ + "; am = torch.ones(5, 5, dtype=torch.bool).triu(1)")
mha_case("mha_causal_weights", "nn.MultiheadAttention(8, 2)", "m(x, x, x, attn_mask=am, is_causal=True)",
         X_SEQ + "; am = torch.ones(5, 5, dtype=torch.bool).triu(1)")
mha_case("mha_batch_first_cross", "nn.MultiheadAttention(8, 2, batch_first=True)", "m(x, mem, mem)",
         "x = torch.randn(3, 4, 8, requires_grad=True); mem = torch.randn(3, 6, 8)")
mha_case("mha_kdim_vdim", "nn.MultiheadAttention(8, 4, kdim=6, vdim=5, batch_first=True)", "m(x, k, v)",
         "x = torch.randn(2, 4, 8, requires_grad=True); k = torch.randn(2, 3, 6); v = torch.randn(2, 3, 5)",
         grads=["m.q_proj_weight.grad", "m.k_proj_weight.grad", "m.v_proj_weight.grad", "x.grad"])
mha_case("mha_unbatched", "nn.MultiheadAttention(8, 2)", "m(x, x, x, key_padding_mask=kpm)",
         "x = torch.randn(5, 8, requires_grad=True); kpm = torch.tensor([False, False, True, False, True])")
mha_case("mha_unbatched_no_weights", "nn.MultiheadAttention(8, 2, batch_first=True)",
         "m(x, x, x, attn_mask=am, need_weights=False)",
         "x = torch.randn(5, 8, requires_grad=True); am = torch.randn(2, 5, 5)")
mha_case("mha_no_bias", "nn.MultiheadAttention(8, 2, bias=False)", "m(x, x, x)", X_SEQ)
mha_case("mha_bias_kv_zero_attn", "nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True)",
         "m(x, x, x, attn_mask=am, key_padding_mask=kpm)",
         X_SEQ + "; am = torch.ones(5, 5, dtype=torch.bool).triu(1); kpm = torch.zeros(3, 5, dtype=torch.bool); "
         "kpm[0, 4] = True", grads=GRADS + ["m.bias_k.grad", "m.bias_v.grad"])
mha_case("mha_bias_kv_no_weights", "nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True)",
         "m(x, x, x, need_weights=False)", X_SEQ, grads=GRADS + ["m.bias_k.grad", "m.bias_v.grad"])
mha_case("mha_dropout_train", "nn.MultiheadAttention(8, 2, dropout=0.3)", "m(x, x, x)", X_SEQ, train=True)
mha_case("mha_dropout_train_no_weights", "nn.MultiheadAttention(8, 2, dropout=0.3)",
         "m(x, x, x, need_weights=False)", X_SEQ, train=True)
mha_case("mha_dropout_eval", "nn.MultiheadAttention(8, 2, dropout=0.3)", "m(x, x, x)", X_SEQ)
case("mha_f64", "tensors", ["m(x, x, x)[0]", "m(x, x, x)[1]"],
     "m = nn.MultiheadAttention(4, 2, dtype=torch.float64); x = torch.randn(3, 2, 4, dtype=torch.float64)", seed=3)
case("mha_err_causal_without_mask", "error", "m(x, x, x, is_causal=True)",
     "m = nn.MultiheadAttention(8, 2); x = torch.randn(5, 3, 8)", seed=0)
case("mha_err_mask_shape", "error", "m(x, x, x, attn_mask=torch.zeros(4, 5))",
     "m = nn.MultiheadAttention(8, 2); x = torch.randn(5, 3, 8)", seed=0)
case("mha_err_mask_dtype", "error", "m(x, x, x, attn_mask=torch.zeros(5, 5).long())",
     "m = nn.MultiheadAttention(8, 2); x = torch.randn(5, 3, 8)", seed=0)
case("mha_err_query_dim", "error", "m(x[0, 0], x, x)",
     "m = nn.MultiheadAttention(8, 2); x = torch.randn(5, 3, 8)", seed=0)
case("mha_err_kpm_shape", "error", "m(x, x, x, key_padding_mask=torch.zeros(3, 4, dtype=torch.bool))",
     "m = nn.MultiheadAttention(8, 2); x = torch.randn(5, 3, 8)", seed=0)
case("mha_err_3d_mask_shape", "error", "m(x, x, x, attn_mask=torch.zeros(3, 5, 5))",
     "m = nn.MultiheadAttention(8, 2); x = torch.randn(5, 3, 8)", seed=0)
case("mha_err_key_value_shape", "error", "m(x, x, x[:4])",
     "m = nn.MultiheadAttention(8, 2); x = torch.randn(5, 3, 8)", seed=0)
case("mha_err_unbatched_mask_shape", "error", "m(x, x, x, attn_mask=torch.zeros(3, 5, 5))",
     "m = nn.MultiheadAttention(8, 2); x = torch.randn(5, 8)", seed=0)
case("mha_err_kpm_dtype", "error", "m(x, x, x, key_padding_mask=torch.zeros(3, 5).long())",
     "m = nn.MultiheadAttention(8, 2); x = torch.randn(5, 3, 8)", seed=0)
case("mha_err_embed_dim", "error", "m(x, x, x)",
     "m = nn.MultiheadAttention(8, 2); x = torch.randn(5, 3, 6)", seed=0)

# ---- TransformerEncoderLayer / TransformerEncoder ----
LAYER = "nn.TransformerEncoderLayer(8, 2, dim_feedforward=16"
ENC_INITS = {
    "layer": LAYER + ")",
    "layer_gelu_norm_first": LAYER + ", activation='gelu', norm_first=True, batch_first=True)",
    "layer_no_bias": LAYER + ", bias=False, layer_norm_eps=1e-3)",
    "encoder": "nn.TransformerEncoder(" + LAYER + "), 3, norm=nn.LayerNorm(8))",
}
for name, ctor in ENC_INITS.items():
    m = eval(ctor, {"nn": torch.nn, "torch": torch})
    case(f"enc_init_{name}", "tensors", [f"list(m.parameters())[{i}]" for i in range(len(list(m.parameters())))],
         f"m = {ctor}", seed=31, exact=True)
    case(f"enc_state_dict_{name}", "value", "[(k, list(v.shape)) for k, v in m.state_dict().items()]",
         f"m = {ctor}", seed=31)

ENC_GRADS = ["x.grad", "list(m.parameters())[0].grad", "list(m.parameters())[-1].grad"]


def enc_case(id, ctor, call, setup="x = torch.randn(5, 3, 8, requires_grad=True)", seed=41, train=False):
    mode = "" if train else "m.eval(); "
    case(id, "tensors", ["y"] + ENC_GRADS,
         f"m = {ctor}; {mode}{setup}; y = {call}; (y * torch.arange(y.numel()).reshape(y.shape).sin()).sum()"
         ".backward()", seed=seed)


enc_case("enc_layer_eval", ENC_INITS["layer"], "m(x)")
enc_case("enc_layer_train", ENC_INITS["layer"], "m(x)", train=True)
enc_case("enc_layer_masks", ENC_INITS["layer"], "m(x, src_mask=sm, src_key_padding_mask=kpm)",
         "x = torch.randn(5, 3, 8, requires_grad=True); sm = torch.ones(5, 5, dtype=torch.bool).triu(1); "
         "kpm = torch.zeros(3, 5, dtype=torch.bool); kpm[2, 3:] = True")
enc_case("enc_layer_causal", ENC_INITS["layer"], "m(x, src_mask=sm, is_causal=True)",
         "x = torch.randn(5, 3, 8, requires_grad=True); sm = torch.ones(5, 5, dtype=torch.bool).triu(1)")
enc_case("enc_layer_gelu_norm_first_train", ENC_INITS["layer_gelu_norm_first"], "m(x)",
         "x = torch.randn(3, 5, 8, requires_grad=True)", train=True)
enc_case("enc_layer_callable", LAYER + ", activation=torch.tanh, dropout=0.0)", "m(x)")
enc_case("enc_layer_no_bias_unbatched", ENC_INITS["layer_no_bias"], "m(x)",
         "x = torch.randn(5, 8, requires_grad=True)")
enc_case("enc_encoder_eval", ENC_INITS["encoder"], "m(x, mask=sm)",
         "x = torch.randn(5, 3, 8, requires_grad=True); sm = torch.full((5, 5), float('-inf')).triu(1)")
enc_case("enc_encoder_train", ENC_INITS["encoder"], "m(x, src_key_padding_mask=kpm)",
         "x = torch.randn(5, 3, 8, requires_grad=True); kpm = torch.zeros(3, 5, dtype=torch.bool); kpm[1, 4] = True",
         train=True)
NESTED = ("m = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True), 2, "
          "norm=nn.LayerNorm(8)); m.eval(); torch.nn.init.normal_(m.norm.bias); x = torch.randn(3, 4, 8); "
          "kpm = torch.zeros(3, 4, dtype=torch.bool); kpm[1, 2:] = True; kpm[2, 3] = True; ")
# torch's nested-tensor inference path: padded positions come out as zeros before the final norm
case("enc_nested_inference", "tensors", ["y", "z"],
     NESTED + "\nwith torch.no_grad():\n    y = m(x, src_key_padding_mask=kpm)\n    z = m(x)", seed=51)
case("enc_nested_not_left_aligned", "tensors", ["y"],
     NESTED + "kpm[0, 1] = True\nwith torch.no_grad():\n    y = m(x, src_key_padding_mask=kpm)", seed=51)
case("enc_nested_with_grad", "tensors", ["y"], NESTED + "y = m(x, src_key_padding_mask=kpm)", seed=51)
case("enc_nested_float_kpm", "tensors", ["y"],
     NESTED + "\nwith torch.no_grad():\n    y = m(x, src_key_padding_mask=torch.zeros(3, 4).masked_fill(kpm, "
     "float('-inf')))", seed=51)
case("enc_layer_activation_flag", "value", "[nn.TransformerEncoderLayer(4, 2, activation=a).activation_relu_or_gelu "
     "for a in ('relu', 'gelu', F.relu, F.gelu, nn.ReLU(), nn.GELU(), torch.tanh)]")
case("enc_use_nested_tensor", "value", "[nn.TransformerEncoder(l, 1).use_nested_tensor for l in ("
     "nn.TransformerEncoderLayer(4, 2, batch_first=True), nn.TransformerEncoderLayer(4, 2), "
     "nn.TransformerEncoderLayer(4, 1, batch_first=True), nn.TransformerEncoderLayer(4, 2, batch_first=True, "
     "norm_first=True))]")
case("enc_err_activation", "error", LAYER + ", activation='tanh')")


def main():
    base.record(CASES, "torch_attn.json", "tests/record_torch_attn.py")


if __name__ == "__main__":
    main()
