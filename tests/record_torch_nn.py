#!/usr/bin/env python3
"""Record what torch.nn does into tests/data/torch_nn.json, for the ember.nn tests.

Run with a Python that has torch (2.13.0+cpu was used):

    /root/tvenv/bin/python tests/record_torch_nn.py [--out tests/data/torch_nn.json]

Every case is a small program written against `torch`, `nn` (torch.nn) and `F`
(torch.nn.functional) only, in the subset of the API that ember has, so that
the tests can run the same text with those names bound to ember, ember.nn and
ember.nn.functional. PRELUDE (below) is run first in both; it defines a few
Module subclasses.

Format: {"meta": {...}, "prelude": str, "cases": [case, ...]},
case = {"id", "kind", "seed" (int or null: torch.manual_seed(seed) first),
        "setup" (statements, may be ""), "expr" (an expression, or for kind
        "tensors" a list of expressions), "expected"}.
kind:
  "repr"    expected = repr(eval(expr)) (PyTorch's text)
  "value"   expected = eval(expr), a JSON value (strings, numbers, lists)
  "error"   eval(expr) raises: expected = {"type": name, "message": str(e)}
  "tensors" expected = [tensor record for each expression]; "exact": true when
            ember must reproduce the values bit for bit (random streams), else
            they are compared with a float32 tolerance.
tensor record = {"shape", "dtype", "values": [float.hex] (when <= 64 elements),
                 "first": [float.hex of the first 8], "sum": float,
                 "sha256": of the little-endian bytes (float32/float64/int64)}.
Texts are PyTorch's own: 'torch.Size', a 'torch.float64' dtype etc. read
'ember.' in ember (the tests translate them).
"""
import argparse
import hashlib
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

PRELUDE = '''
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.act = nn.ReLU()
        self.block = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
        self.bn = nn.BatchNorm1d(3)
        self.register_buffer("steps", torch.zeros(1))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)
        self.head = nn.Linear(3, 2, bias=False)

    def forward(self, x):
        return self.head(self.bn(self.block(self.act(self.fc1(x)))))


class Shared(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2)
        self.b = self.a
        self.seq = nn.Sequential(self.a, nn.ReLU())
        self.w = nn.Parameter(torch.ones(2))
        self.w2 = self.w


class Described(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(2, 2)

    def extra_repr(self):
        return "first line\\nsecond line"


class OneLine(nn.Module):
    def extra_repr(self):
        return "k=3"
'''

# Inputs for the loss cross-checks: deterministic values built with ops both libraries have.
LOSS_SETUP = {
    "logits": "x = (torch.arange(20.).reshape(5, 4) * 0.61).sin() * 3; x.requires_grad_()",
    "probs": "p = ((torch.arange(12.).reshape(3, 4) * 0.7).cos() * 0.45 + 0.5); p.requires_grad_()",
}

CASES = []


def case(id, kind, expr, setup="", seed=None, exact=False):
    CASES.append({"id": id, "kind": kind, "seed": seed, "setup": setup, "expr": expr, "exact": exact})


# ---- seeded initialization: PyTorch's exact values ----
case("linear_1_1", "tensors", ["m.weight", "m.bias"], "m = nn.Linear(1, 1)", seed=0, exact=True)
case("linear_784_128", "tensors", ["m.weight", "m.bias"], "m = nn.Linear(784, 128)", seed=0, exact=True)
case("mlp_784_128_10", "tensors", ["m[0].weight", "m[0].bias", "m[2].weight", "m[2].bias", "torch.rand(3)"],
     "m = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))", seed=42, exact=True)
case("linear_no_bias", "tensors", ["m.weight", "torch.rand(2)"], "m = nn.Linear(5, 3, bias=False)", seed=7,
     exact=True)
case("linear_float64", "tensors", ["m.weight", "m.bias"], "m = nn.Linear(6, 4, dtype=torch.float64)", seed=3,
     exact=True)
case("linear_reset_parameters", "tensors", ["m.weight", "m.bias"],
     "m = nn.Linear(3, 2); torch.manual_seed(5); m.reset_parameters()", seed=1, exact=True)
case("embedding_10_3", "tensors", ["m.weight"], "m = nn.Embedding(10, 3)", seed=0, exact=True)
case("embedding_3_4_scalar_path", "tensors", ["m.weight"], "m = nn.Embedding(3, 4)", seed=0, exact=True)
case("embedding_padding", "tensors", ["m.weight", "torch.randn(3)"], "m = nn.Embedding(100, 16, padding_idx=0)",
     seed=1, exact=True)
case("embedding_padding_negative", "tensors", ["m.weight"], "m = nn.Embedding(5, 4, padding_idx=-1)", seed=2,
     exact=True)
case("init_uniform", "tensors", ["nn.init.uniform_(torch.empty(50, 40), -0.37, 1.9)"], seed=0, exact=True)
case("init_normal", "tensors", ["nn.init.normal_(torch.empty(7, 9), 0.25, 3.1)"], seed=0, exact=True)
case("init_xavier_uniform", "tensors",
     ["nn.init.xavier_uniform_(torch.empty(30, 20), gain=nn.init.calculate_gain('tanh'))"], seed=2, exact=True)
case("init_xavier_normal", "tensors", ["nn.init.xavier_normal_(torch.empty(30, 20))"], seed=2, exact=True)
case("init_xavier_uniform_3d", "tensors", ["nn.init.xavier_uniform_(torch.empty(4, 3, 5))"], seed=9, exact=True)
case("init_kaiming_uniform", "tensors", ["nn.init.kaiming_uniform_(torch.empty(64, 32))"], seed=4, exact=True)
case("init_kaiming_uniform_relu_fan_out", "tensors",
     ["nn.init.kaiming_uniform_(torch.empty(16, 8), mode='fan_out', nonlinearity='relu')"], seed=4, exact=True)
case("init_kaiming_normal", "tensors",
     ["nn.init.kaiming_normal_(torch.empty(64, 32), mode='fan_out', nonlinearity='relu')"], seed=5, exact=True)
case("init_kaiming_normal_small", "tensors", ["nn.init.kaiming_normal_(torch.empty(3, 4))"], seed=5, exact=True)
case("init_float64_normal", "tensors", ["nn.init.normal_(torch.empty(20, dtype=torch.float64))"], seed=6,
     exact=True)
case("init_constant_eye", "tensors",
     ["nn.init.constant_(torch.empty(2, 3), 0.5)", "nn.init.eye_(torch.empty(3, 5))", "nn.init.ones_(torch.empty(2))",
      "nn.init.zeros_(torch.empty(2))"], exact=True)
case("init_orthogonal", "tensors", ["nn.init.orthogonal_(torch.empty(6, 4))", "torch.rand(2)"], seed=8)
case("init_orthogonal_wide", "tensors", ["nn.init.orthogonal_(torch.empty(3, 7), gain=2.0)"], seed=8)
case("calculate_gain", "value",
     "[nn.init.calculate_gain(n) for n in ('linear', 'sigmoid', 'tanh', 'relu', 'selu')]"
     " + [nn.init.calculate_gain('leaky_relu'), nn.init.calculate_gain('leaky_relu', 0.2),"
     " nn.init.calculate_gain('leaky_relu', 5 ** 0.5)]")
case("fan_in_out", "value", "[nn.init._calculate_fan_in_and_fan_out(torch.empty(s)) for s in ((3, 4), (5, 2, 3, 3))]")

# ---- dropout masks ----
case("dropout_f", "tensors", ["F.dropout(torch.ones(100), 0.3)", "torch.rand(2)"], seed=0, exact=True)
case("dropout_module", "tensors", ["d(torch.arange(20.).reshape(4, 5) - 7)"], "d = nn.Dropout(0.5)", seed=1,
     exact=True)
case("dropout_float64", "tensors", ["F.dropout(torch.ones(40, dtype=torch.float64), 0.2)"], seed=2, exact=True)
case("dropout_p_09", "tensors", ["F.dropout(torch.ones(64) * 3, 0.9)"], seed=3, exact=True)
case("dropout_p1_draws_nothing", "tensors", ["F.dropout(torch.ones(5), 1.0)", "torch.rand(2)"], seed=4, exact=True)
case("dropout_eval_draws_nothing", "tensors", ["d(torch.ones(4))", "torch.rand(2)"], "d = nn.Dropout(0.5).eval()",
     seed=4, exact=True)
case("dropout_inplace", "tensors", ["x", "y"], "x = torch.ones(30); y = F.dropout(x, 0.4, inplace=True)", seed=5,
     exact=True)

# ---- module reprs ----
REPRS = {
    "linear": "nn.Linear(3, 4)",
    "linear_nobias": "nn.Linear(3, 4, bias=False)",
    "identity": "nn.Identity(5, foo=1)",
    "flatten": "nn.Flatten()",
    "flatten_args": "nn.Flatten(0, 2)",
    "unflatten": "nn.Unflatten(1, (2, 5))",
    "embedding": "nn.Embedding(10, 3)",
    "embedding_opts": "nn.Embedding(10, 3, padding_idx=2, max_norm=1.5, norm_type=1.0, scale_grad_by_freq=True)",
    "layernorm": "nn.LayerNorm(8)",
    "layernorm_opts": "nn.LayerNorm([3, 4], eps=1e-6, elementwise_affine=False)",
    "layernorm_nobias": "nn.LayerNorm(4, bias=False)",
    "batchnorm": "nn.BatchNorm1d(16)",
    "batchnorm_opts": "nn.BatchNorm1d(4, eps=1e-3, momentum=None, affine=False, track_running_stats=False)",
    "batchnorm2d": "nn.BatchNorm2d(3)",
    "dropout": "nn.Dropout()",
    "dropout_opts": "nn.Dropout(0.25, inplace=True)",
    "relu": "nn.ReLU()",
    "relu_inplace": "nn.ReLU(inplace=True)",
    "leaky_relu": "nn.LeakyReLU()",
    "leaky_relu_opts": "nn.LeakyReLU(0.2, inplace=True)",
    "elu": "nn.ELU()",
    "elu_opts": "nn.ELU(alpha=0.5, inplace=True)",
    "gelu": "nn.GELU()",
    "gelu_tanh": "nn.GELU(approximate='tanh')",
    "silu": "nn.SiLU()",
    "silu_inplace": "nn.SiLU(inplace=True)",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "softmax": "nn.Softmax(dim=1)",
    "softmax_none": "nn.Softmax()",
    "log_softmax": "nn.LogSoftmax(dim=-1)",
    "softplus": "nn.Softplus()",
    "softplus_opts": "nn.Softplus(beta=2, threshold=10)",
    "mse": "nn.MSELoss()",
    "l1": "nn.L1Loss(reduction='sum')",
    "smooth_l1": "nn.SmoothL1Loss(beta=0.5)",
    "huber": "nn.HuberLoss(delta=2.0)",
    "cross_entropy": "nn.CrossEntropyLoss(weight=torch.ones(3), label_smoothing=0.1)",
    "nll": "nn.NLLLoss()",
    "bce": "nn.BCELoss()",
    "bce_logits": "nn.BCEWithLogitsLoss(pos_weight=torch.ones(2))",
    "kl_div": "nn.KLDivLoss(reduction='batchmean', log_target=True)",
    "sequential": "nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 3), nn.Tanh()))",
    "sequential_empty": "nn.Sequential()",
    "sequential_named": "nn.Sequential(collections.OrderedDict([('fc', nn.Linear(2, 2)), ('act', nn.ReLU())]))",
    "sequential_slice": "nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid())[1:3]",
    "modulelist_repeats": "nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU(), nn.ReLU(), nn.Tanh()])",
    "modulelist_nested": "nn.ModuleList([nn.Sequential(nn.Linear(2, 2), nn.ReLU()) for _ in range(2)])",
    "modulelist_empty": "nn.ModuleList()",
    "moduledict": "nn.ModuleDict({'enc': nn.Linear(4, 2), 'act': nn.GELU()})",
    "net": "Net()",
    "shared": "Shared()",
    "described": "Described()",
    "one_line": "OneLine()",
    "one_line_in_sequential": "nn.Sequential(OneLine(), Described())",
    "parameter": "nn.Parameter(torch.tensor([1., 2.]))",
    "parameter_no_grad": "nn.Parameter(torch.tensor([[1.5, -2.], [0., 4.]]), requires_grad=False)",
    "parameter_float64": "nn.Parameter(torch.tensor([1., 2.], dtype=torch.float64))",
    "parameter_list": "nn.ParameterList([nn.Parameter(torch.ones(2, 3)), torch.zeros(4)])",
}
for name, expr in REPRS.items():
    case("repr_" + name, "repr", expr)

# ---- module mechanics: names, keys, messages ----
case("net_param_names", "value", "[n for n, _ in Net().named_parameters()]")
case("net_buffer_names", "value", "[n for n, _ in Net().named_buffers()]")
case("net_module_names", "value", "[n for n, _ in Net().named_modules()]")
case("net_children_names", "value", "[n for n, _ in Net().named_children()]")
case("net_state_dict_keys", "value", "list(Net().state_dict().keys())")
case("net_state_dict_keys_prefix", "value", "list(Net().state_dict(prefix='model.').keys())")
case("shared_param_names", "value", "[n for n, _ in Shared().named_parameters()]")
case("shared_param_names_dup", "value", "[n for n, _ in Shared().named_parameters(remove_duplicate=False)]")
case("shared_module_names", "value", "[n for n, _ in Shared().named_modules()]")
case("shared_module_names_dup", "value", "[n for n, _ in Shared().named_modules(remove_duplicate=False)]")
case("shared_state_dict_keys", "value", "list(Shared().state_dict().keys())")
case("shared_num_parameters", "value", "len(list(Shared().parameters()))")
case("named_parameters_prefix_norecurse", "value", "[n for n, _ in Net().named_parameters(prefix='p', recurse=False)]")
case("sequential_slice_keys", "value", "list(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))[1:].state_dict().keys())")
case("sequential_del_keys", "value", "[n for n, _ in s.named_children()]",
     "s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)); del s[0]")
case("state_dict_metadata", "value", "{k: dict(v) for k, v in Net().state_dict()._metadata.items()}")
case("dir_has_members", "value",
     "[k in dir(Net()) for k in ('fc1', 'steps', 'bn', 'forward', 'training', 'scratch')]")
case("load_all_keys_matched", "repr", "m.load_state_dict(Net().state_dict())", "m = Net()")
case("load_non_strict", "repr", "m.load_state_dict(sd, strict=False)",
     "m = Net(); sd = Net().state_dict(); del sd['fc1.bias']; del sd['bn.running_var']; sd['extra.w'] = torch.ones(1); "
     "sd['bn.foo'] = torch.ones(1)")
case("load_non_strict_fields", "value", "[r.missing_keys, r.unexpected_keys]",
     "m = Net(); sd = Net().state_dict(); del sd['head.weight']; sd['junk'] = torch.ones(1); "
     "r = m.load_state_dict(sd, strict=False)")
case("load_strict_missing_unexpected", "error", "m.load_state_dict(sd)",
     "m = Net(); sd = Net().state_dict(); del sd['fc1.bias']; del sd['bn.num_batches_tracked']; "
     "sd['extra.w'] = torch.ones(1); sd['bn.foo'] = torch.ones(1)")
case("load_strict_missing_only", "error", "m.load_state_dict(sd)",
     "m = nn.Linear(2, 2); sd = m.state_dict(); del sd['bias']")
case("load_size_mismatch", "error", "nn.Linear(2, 3).load_state_dict(nn.Linear(3, 2).state_dict())")
case("load_size_mismatch_non_strict", "error",
     "nn.Linear(2, 3).load_state_dict(nn.Linear(3, 2).state_dict(), strict=False)")
case("load_not_a_tensor", "error", "nn.Linear(2, 2).load_state_dict({'weight': [1.0], 'bias': torch.ones(2)})")
case("load_not_a_mapping", "error", "nn.Linear(2, 2).load_state_dict([1, 2])")
case("getattr_missing", "error", "Net().nothing")
case("assign_tensor_to_parameter", "error", "setattr(nn.Linear(2, 2), 'weight', torch.ones(2, 2))")
case("assign_int_to_module", "error", "setattr(s, '0', 3)", "s = nn.Sequential(nn.Linear(2, 2))")
case("register_parameter_not_parameter", "error", "nn.Linear(2, 2).register_parameter('w', torch.ones(1))")
case("register_parameter_dot", "error", "nn.Linear(2, 2).register_parameter('a.b', None)")
case("register_parameter_exists", "error", "nn.Linear(2, 2).register_parameter('training', None)")
case("register_buffer_not_tensor", "error", "nn.Linear(2, 2).register_buffer('b', 3)")
case("register_buffer_empty_name", "error", "nn.Linear(2, 2).register_buffer('', None)")
case("register_buffer_exists", "error", "nn.Linear(2, 2).register_buffer('weight', torch.ones(1))")
case("add_module_not_module", "error", "nn.Linear(2, 2).add_module('x', 3)")
case("add_module_dot", "error", "nn.Linear(2, 2).add_module('a.b', nn.ReLU())")
case("module_no_forward", "error", "nn.Module()(torch.ones(1))")
case("init_unexpected_kwarg", "error", "nn.Module(foo=1)")
case("train_not_bool", "error", "nn.Linear(2, 2).train(1)")
case("to_int_dtype", "error", "nn.Linear(2, 2).to(torch.int64)")
case("sequential_index_error", "error", "nn.Sequential(nn.ReLU())[3]")
case("modulelist_index_error", "error", "nn.ModuleList([nn.ReLU()])[-2]")
case("sequential_add_error", "error", "nn.Sequential() + nn.ReLU()")
case("get_submodule_missing", "error", "Net().get_submodule('block.5')")
case("get_parameter_not_param", "error", "Net().get_parameter('bn.running_mean')")
case("dropout_p_error", "error", "nn.Dropout(1.5)")
case("batchnorm_dim_error", "error", "nn.BatchNorm1d(3)(torch.ones(2, 3, 4, 5))")
case("batchnorm_one_value_error", "error", "nn.BatchNorm1d(3)(torch.ones(1, 3))")
case("linear_shape_error", "error", "nn.Linear(3, 2)(torch.ones(2, 4))")
case("embedding_index_error", "error", "nn.Embedding(3, 2)(torch.tensor([3]))")
case("embedding_dtype_error", "error", "nn.Embedding(3, 2)(torch.tensor([1.0]))")
case("embedding_padding_error", "error", "nn.Embedding(3, 2, padding_idx=3)")
case("layer_norm_shape_error", "error", "F.layer_norm(torch.ones(3, 4), (3,))")
case("unflatten_type_error", "error", "nn.Unflatten(1, [2, 2.5])")
case("reduction_error", "error", "nn.MSELoss(reduction='avg')(torch.ones(2), torch.ones(2))")
case("huber_delta_error", "error", "F.huber_loss(torch.ones(2), torch.ones(2), delta=0.0)")
case("smooth_l1_beta_error", "error", "F.smooth_l1_loss(torch.ones(2), torch.ones(2), beta=-1.0)")
case("bce_size_error", "error", "F.binary_cross_entropy(torch.full((3,), 0.5), torch.ones(4))")
case("bce_range_error", "error", "F.binary_cross_entropy(torch.tensor([1.5]), torch.ones(1))")
case("bce_logits_size_error", "error", "F.binary_cross_entropy_with_logits(torch.ones(3, 1), torch.ones(3))")
case("ce_target_out_of_bounds", "error", "F.cross_entropy(torch.ones(3, 4), torch.tensor([0, 4, 1]))")
case("ce_batch_mismatch", "error", "F.cross_entropy(torch.ones(3, 4), torch.tensor([0, 1]))")
case("ce_prob_target_long", "error", "F.cross_entropy(torch.ones(3, 4), torch.ones(3, 4, dtype=torch.int64))")
case("ce_prob_ignore_index", "error", "F.cross_entropy(torch.ones(3, 4), torch.ones(3, 4), ignore_index=1)")
case("ce_label_smoothing_error", "error", "F.cross_entropy(torch.ones(3, 4), torch.tensor([0, 1, 2]), "
     "label_smoothing=1.5)")
case("nll_target_float", "error", "F.nll_loss(torch.ones(3, 4), torch.tensor([0.0, 1.0, 2.0]))")
case("ce_target_int32", "error", "F.cross_entropy(torch.ones(3, 4), torch.tensor([0, 1, 2], dtype=torch.int32))")
case("ce_weight_size_error", "error", "F.cross_entropy(torch.ones(3, 4), torch.tensor([0, 1, 2]), "
     "weight=torch.ones(3))")
case("gelu_approximate_error", "error", "F.gelu(torch.ones(2), approximate='fast')")
case("one_hot_error_negative", "error", "F.one_hot(torch.tensor([1, -1]))")
case("one_hot_error_too_big", "error", "F.one_hot(torch.tensor([1, 3]), 3)")
case("one_hot_error_dtype", "error", "F.one_hot(torch.tensor([1.0]))")
case("pad_odd_error", "error", "F.pad(torch.ones(2, 3), (1,))")
case("pad_long_error", "error", "F.pad(torch.ones(2, 3), (1, 1, 1, 1, 1, 1))")
case("pad_reflect_error", "error", "F.pad(torch.ones(2, 3), (3, 1), mode='reflect')")
case("clip_nonfinite_error", "error", "nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)",
     "p = torch.ones(2, requires_grad=True); p.grad = torch.tensor([float('inf'), 1.0])")
case("leaf_inplace_error", "error", "F.relu(torch.ones(2, requires_grad=True), inplace=True)")

# ---- values computed by PyTorch (cross-checks of the NumPy references in the tests) ----
L, P = LOSS_SETUP["logits"], LOSS_SETUP["probs"]
T = "t = torch.tensor([1, 0, 3, 3, 2])"
TI = "t = torch.tensor([1, -100, 3, 2, -100])"
W = "w = torch.tensor([0.5, 2.0, 1.0, 3.0])"


def loss_case(id, setup, expr, grads=("x.grad",)):
    case(id, "tensors", ["loss"] + list(grads), setup + f"; loss = {expr}; loss.sum().backward()")


for red in ("mean", "sum", "none"):
    loss_case(f"ce_{red}", f"{L}; {T}", f"F.cross_entropy(x, t, reduction='{red}')")
    loss_case(f"ce_weight_ignore_{red}", f"{L}; {TI}; {W}", f"F.cross_entropy(x, t, weight=w, reduction='{red}')")
    loss_case(f"ce_smooth_{red}", f"{L}; {T}", f"F.cross_entropy(x, t, label_smoothing=0.2, reduction='{red}')")
    loss_case(f"ce_smooth_weight_ignore_{red}", f"{L}; {TI}; {W}",
              f"F.cross_entropy(x, t, weight=w, label_smoothing=0.3, reduction='{red}')")
    loss_case(f"ce_probs_{red}", f"{L}; q = (x.detach() * 0.3).softmax(1).flip(0)",
              f"F.cross_entropy(x, q, reduction='{red}')")
    loss_case(f"ce_probs_weight_smooth_{red}", f"{L}; {W}; q = (x.detach() * 0.3).softmax(1).flip(0)",
              f"F.cross_entropy(x, q, weight=w, label_smoothing=0.1, reduction='{red}')")
    loss_case(f"nll_weight_ignore_{red}", f"{L}; {TI}; {W}",
              f"F.nll_loss(x.log_softmax(1), t, weight=w, reduction='{red}')")
    loss_case(f"bce_{red}", f"{P}; y = (torch.arange(12.).reshape(3, 4) % 3 == 0).float()",
              f"F.binary_cross_entropy(p, y, reduction='{red}')", grads=("p.grad",))
    loss_case(f"bce_logits_pos_weight_{red}", f"{L}; y = (torch.arange(20.).reshape(5, 4) % 3 == 0).float(); "
              "pw = torch.tensor([1.0, 2.0, 0.5, 3.0]); w = torch.tensor([[0.5], [1.0], [2.0], [1.0], [0.25]])",
              f"F.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw, reduction='{red}')")
    loss_case(f"kl_div_{red}", f"{L}; q = (x.detach() * 0.5).softmax(1); q[0, 0] = 0",
              f"F.kl_div(x.log_softmax(1), q, reduction='{red}')")
loss_case("kl_div_batchmean_log_target", f"{L}; q = (x.detach() * 0.5).log_softmax(1)",
          "F.kl_div(x.log_softmax(1), q, reduction='batchmean', log_target=True)")
loss_case("ce_3d_weight_ignore", "x = (torch.arange(24.).reshape(2, 3, 4) * 0.37).cos() * 2; x.requires_grad_(); "
          "t = torch.tensor([[0, 2, -100, 1], [1, 1, 0, 2]]); w = torch.tensor([1.0, 0.5, 2.0])",
          "F.cross_entropy(x, t, weight=w, label_smoothing=0.15)")
loss_case("ce_unbatched", "x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)",
          "F.cross_entropy(x, torch.tensor(2), label_smoothing=0.1)")
loss_case("bce_at_zero_and_one", "p = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5], requires_grad=True); "
          "y = torch.tensor([0.0, 1.0, 1.0, 0.0, 0.25])", "F.binary_cross_entropy(p, y, reduction='none')",
          grads=("p.grad",))
loss_case("bce_logits_extremes", "x = torch.tensor([-200.0, -30.0, 0.0, 30.0, 200.0], requires_grad=True); "
          "y = torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0])", "F.binary_cross_entropy_with_logits(x, y, reduction='none')")
loss_case("smooth_l1_beta", f"{L}; y = x.detach().flip(1)", "F.smooth_l1_loss(x, y, beta=0.7)")
loss_case("huber_delta", f"{L}; y = x.detach().flip(1)", "F.huber_loss(x, y, delta=1.3, reduction='sum')")
loss_case("softplus_beta_threshold", "x = torch.tensor([-30.0, -1.0, 0.0, 2.0, 4.9, 5.1, 40.0], requires_grad=True)",
          "F.softplus(x, beta=2.0, threshold=10.0)")
loss_case("logsigmoid_via_bce_logits_at_zero", "x = torch.zeros(3, requires_grad=True); y = torch.ones(3)",
          "F.binary_cross_entropy_with_logits(x, y, reduction='none')")
loss_case("gelu_both", "x = torch.linspace(-4, 4, 9, requires_grad=True)",
          "torch.stack([F.gelu(x), F.gelu(x, approximate='tanh')])")
loss_case("elu_leaky_at_zero", "x = torch.tensor([-2.0, 0.0, 1.5], requires_grad=True)",
          "torch.stack([F.elu(x, 0.7), F.leaky_relu(x, 0.2), F.relu(x), F.silu(x)])")
loss_case("hardtanh_bounds", "x = torch.tensor([-2.0, -1.0, 0.0, 0.5, 1.0, 6.0, 7.0], requires_grad=True)",
          "torch.stack([F.hardtanh(x), F.relu6(x), F.hardtanh(x, -0.5, 0.5)])")
case("clip_grad_norm_values", "tensors", ["total", "a.grad", "b.grad"],
     "a = torch.ones(3, requires_grad=True); b = torch.ones(2, 2, requires_grad=True); "
     "a.grad = torch.tensor([3.0, -4.0, 12.0]); b.grad = torch.tensor([[1.0, 2.0], [-2.0, 4.0]]); "
     "total = nn.utils.clip_grad_norm_([a, b], 5.0)")
case("clip_grad_norm_inf", "tensors", ["total", "a.grad"],
     "a = torch.ones(3, requires_grad=True); a.grad = torch.tensor([3.0, -4.0, 12.0]); "
     "total = nn.utils.clip_grad_norm_(a, 2.0, norm_type=float('inf'))")
case("batchnorm_train_eval", "tensors", ["y1", "m.running_mean", "m.running_var", "m.num_batches_tracked", "y2"],
     "m = nn.BatchNorm1d(3); x = (torch.arange(24.).reshape(4, 3, 2) * 0.7).sin(); y1 = m(x); y1 = m(x * 2); "
     "m.eval(); y2 = m(x)")
case("batchnorm_cumulative", "tensors", ["m.running_mean", "m.running_var", "m.num_batches_tracked"],
     "m = nn.BatchNorm1d(2, momentum=None); x = (torch.arange(10.).reshape(5, 2) * 0.9).cos(); m(x); m(x * 3 + 1); "
     "m(x - 2)")
case("layer_norm_values", "tensors", ["y"],
     "m = nn.LayerNorm(4); x = (torch.arange(12.).reshape(3, 4) * 1.3).sin(); y = m(x)")
case("pad_modes", "tensors", ["F.pad(x, (1, 2))", "F.pad(x, (1, 0, -1, 2), value=7.0)", "F.pad(x3, (2, 1), mode='reflect')",
                              "F.pad(x3, (2, 3), mode='replicate')", "F.pad(x3, (1, 2), mode='circular')"],
     "x = torch.arange(6.).reshape(2, 3); x3 = torch.arange(8.).reshape(1, 2, 4)", exact=True)
case("one_hot_values", "tensors", ["F.one_hot(torch.tensor([0, 2, 1]))", "F.one_hot(torch.tensor([[1], [0]]), 4)"],
     exact=True)


def record_tensor(t):
    t = t.detach()
    if t.dtype in (torch.float32, torch.float64):
        a = t.contiguous().numpy()
        vals = [float(v).hex() for v in a.reshape(-1)]
        dtype = str(t.dtype).replace("torch.", "")
    else:
        a = t.contiguous().numpy().astype(np.int64)
        vals = [int(v) for v in a.reshape(-1)]
        dtype = "int64"
    rec = {"shape": list(t.shape), "dtype": dtype, "first": vals[:8], "sum": float(a.astype(np.float64).sum()),
           "sha256": hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()}
    if len(vals) <= 64:
        rec["values"] = vals
    return rec


def run(c):
    import collections
    ns = {"torch": torch, "nn": nn, "F": F, "collections": collections}
    exec(PRELUDE, ns)  # noqa: S102
    if c["seed"] is not None:
        torch.manual_seed(c["seed"])
    if c["setup"]:
        exec(c["setup"], ns)  # noqa: S102
    if c["kind"] == "error":
        try:
            eval(c["expr"], ns)  # noqa: S307
        except Exception as e:  # noqa: BLE001
            return {"type": type(e).__name__, "message": str(e)}
        raise AssertionError(f"{c['id']}: expected an error")
    if c["kind"] == "tensors":
        return [record_tensor(eval(e, ns)) for e in c["expr"]]  # noqa: S307
    value = eval(c["expr"], ns)  # noqa: S307
    return repr(value) if c["kind"] == "repr" else json.loads(json.dumps(value))


def record(cases, filename, script, prelude=""):
    """Runs each case under torch and writes {"meta", "prelude", "cases"} to tests/data/<filename>
    (or --out). Shared by the record_torch_*.py scripts that use this case format."""
    import warnings
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", filename))
    args = ap.parse_args()
    torch.set_num_threads(1)
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c in cases:
            c["expected"] = run(c)
    meta = {"torch": torch.__version__, "script": script}
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "prelude": prelude, "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {args.out}")


def main():
    record(CASES, "torch_nn.json", "tests/record_torch_nn.py", PRELUDE)


if __name__ == "__main__":
    main()
