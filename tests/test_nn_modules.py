"""ember.nn.Module mechanics: registration, iteration and names, state_dict,
train/eval, conversion, hooks, containers, Parameter/Buffer, printing.

Names, keys, printed trees and error messages are compared with PyTorch's
(tests/data/torch_nn.json, written by tests/record_torch_nn.py)."""
import copy
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
from nn_helpers import cases, ids, replay

TARGET_DTYPE_ERRORS = ("nll_target_float", "ce_target_int32")  # tests/test_nn_losses.py (a known difference)

RECORDED = (cases("repr") + cases("value", exclude=("calculate_gain", "fan_in_out"))
            + cases("error", exclude=TARGET_DTYPE_ERRORS))


@pytest.mark.parametrize("case", RECORDED, ids=ids(RECORDED))
def test_matches_pytorch(case):
    replay(case)


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.register_buffer("count", ember.zeros(()))

    def forward(self, x, scale=1.0):
        return self.fc(x) * scale


# ---- Parameter and Buffer ----
def test_parameter_aliases_data_and_is_a_leaf():
    data = ember.arange(6.).reshape(2, 3)
    p = nn.Parameter(data)
    assert isinstance(p, nn.Parameter) and isinstance(p, ember.Tensor)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p.data_ptr() == data.data_ptr() and not data.requires_grad
    with ember.no_grad():
        p.mul_(2)
    assert data[1, 2].item() == 10.0
    assert not nn.Parameter(data, requires_grad=False).requires_grad
    with ember.no_grad():
        assert nn.Parameter(data).requires_grad  # no_grad does not change the default
    assert tuple(nn.Parameter().shape) == (0,)


def test_parameter_of_a_non_leaf_is_a_new_leaf():
    x = ember.ones(2, requires_grad=True)
    p = nn.Parameter(x * 2)
    assert p.is_leaf and p.grad_fn is None and p.requires_grad


def test_ops_on_parameters_return_plain_tensors():
    p = nn.Parameter(ember.ones(2))
    assert type(p * 2) is ember.Tensor and type(p.detach()) is ember.Tensor


def test_parameter_deepcopy_is_a_new_parameter():
    p = nn.Parameter(ember.ones(2), requires_grad=False)
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and not q.requires_grad and q.data_ptr() != p.data_ptr()
    assert copy.deepcopy([p, p])[0] is not p


def test_buffer_marks_a_tensor_as_buffer():
    m = nn.Module()
    m.a = nn.Buffer(ember.ones(2))
    m.b = nn.Buffer(ember.zeros(1), persistent=False)
    m.c = ember.ones(1)  # a plain tensor is a plain attribute
    assert [n for n, _ in m.named_buffers()] == ["a", "b"]
    assert list(m.state_dict()) == ["a"]
    assert isinstance(m.a, nn.Buffer) and not isinstance(m.c, nn.Buffer)
    m.a = ember.zeros(3)  # re-assigning a buffer name keeps it a buffer
    assert m._buffers["a"] is m.a


# ---- registration ----
def test_setattr_registers_and_delattr_unregisters():
    m = Tiny()
    assert [n for n, _ in m.named_parameters()] == ["fc.weight", "fc.bias"]
    m.extra = nn.Parameter(ember.ones(1))
    assert "extra" in m._parameters and "extra" not in m.__dict__
    m.extra = None  # None keeps the slot, as PyTorch
    assert m._parameters["extra"] is None and m.extra is None
    del m.extra
    assert "extra" not in m._parameters
    m.fc = nn.Identity()
    assert list(m.state_dict()) == ["count"]
    m.fc = None
    assert m.fc is None and list(m.children()) == []
    del m.count
    assert list(m.buffers()) == []
    with pytest.raises(AttributeError, match="'Tiny' object has no attribute 'count'"):
        m.count


def test_assigning_a_parameter_over_a_submodule_replaces_it():
    m = nn.Sequential(nn.ReLU())
    m.__setattr__("0", nn.Parameter(ember.ones(1)))
    assert "0" not in m._modules and [n for n, _ in m.named_parameters()] == ["0"]
    with pytest.raises(TypeError, match="cannot assign .* as parameter '0'"):
        m.__setattr__("0", nn.ReLU())  # a module over a parameter is an error (PyTorch)


def test_assigning_before_init_is_an_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ember.ones(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Bad()


def test_register_parameter_none_and_get_helpers():
    m = nn.Sequential(Tiny())
    m[0].register_parameter("maybe", None)
    assert [n for n, _ in m.named_parameters()] == ["0.fc.weight", "0.fc.bias"]
    assert m.get_submodule("0.fc") is m[0].fc
    assert m.get_parameter("0.fc.bias") is m[0].fc.bias
    assert m.get_buffer("0.count") is m[0].count
    m.register_module("head", nn.ReLU())
    assert [n for n, _ in m.named_children()] == ["0", "head"]
    m.set_submodule("0.fc", nn.Linear(3, 4))
    assert m[0].fc.out_features == 4


def test_parameters_recurse_and_modules():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 1)))
    assert len(list(m.parameters())) == 4 and list(m.parameters(recurse=False)) == []
    assert [type(c).__name__ for c in m.children()] == ["Linear", "Sequential"]
    assert [type(c).__name__ for c in m.modules()] == ["Sequential", "Linear", "Sequential", "Linear"]
    assert [n for n, _ in m.named_modules(prefix="net")] == ["net", "net.0", "net.1", "net.1.0"]


def test_dir_lists_members_but_not_digit_names():
    names = dir(nn.Sequential(nn.Linear(1, 1)))
    assert "forward" in names and "0" not in names
    assert {"weight", "bias", "in_features"} <= set(dir(nn.Linear(1, 1)))


# ---- modes, gradients, conversion ----
def test_train_eval_propagate():
    m = nn.Sequential(nn.Dropout(), nn.Sequential(nn.BatchNorm1d(2)))
    assert m.training and m[1][0].training
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())


def test_zero_grad_and_requires_grad_():
    m = Tiny()
    m(ember.ones(4, 3)).sum().backward()
    assert m.fc.weight.grad is not None
    m.zero_grad(set_to_none=False)
    assert m.fc.weight.grad is not None and float(m.fc.weight.grad.abs().sum()) == 0.0
    m.zero_grad()
    assert m.fc.weight.grad is None and m.fc.bias.grad is None
    assert m.requires_grad_(False) is m
    assert not any(p.requires_grad for p in m.parameters())


def test_gradients_accumulate_across_calls():
    m = nn.Linear(2, 1)
    x = ember.tensor([[1.0, 2.0]])
    m(x).sum().backward()
    m(x).sum().backward()
    np.testing.assert_allclose(np.asarray(m.weight.grad), [[2.0, 4.0]])
    np.testing.assert_allclose(np.asarray(m.bias.grad), [2.0])


def test_to_double_keeps_parameter_identity_and_converts_grads_and_buffers():
    m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    w = m[0].weight
    m(ember.randn(4, 3)).sum().backward()
    assert m.double() is m
    assert m[0].weight is w and w.dtype == ember.float64 and isinstance(w, nn.Parameter) and w.requires_grad
    assert w.grad.dtype == ember.float64
    assert m[1].running_mean.dtype == ember.float64
    assert m[1].num_batches_tracked.dtype == ember.int64  # integer buffers keep their dtype
    assert m(ember.randn(4, 3, dtype=ember.float64)).dtype == ember.float64
    m.to(ember.float32)
    assert w.dtype == ember.float32 and m[1].running_var.dtype == ember.float32
    m.to(ember.zeros(1, dtype=ember.float64))
    assert w.dtype == ember.float64
    m.float()
    assert w.dtype == ember.float32


def test_to_cpu_and_other_devices():
    m = nn.Linear(2, 2)
    assert m.to("cpu") is m and m.cpu() is m and m.to(ember.device("cpu"), ember.float32) is m
    with pytest.raises(RuntimeError):
        m.to("cuda")
    with pytest.raises(RuntimeError):
        m.cuda()


def test_apply_visits_children_first():
    seen = []
    m = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_apply_for_custom_initialization():
    m = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))

    def init(mod):
        if isinstance(mod, nn.Linear):
            nn.init.constant_(mod.weight, 0.5)
            nn.init.zeros_(mod.bias)
    m.apply(init)
    assert float(m(ember.ones(1, 3))) == pytest.approx(2.25)


# ---- state_dict ----
def test_state_dict_is_detached_and_shares_storage():
    m = Tiny()
    sd = m.state_dict()
    assert list(sd) == ["count", "fc.weight", "fc.bias"]
    assert isinstance(sd, OrderedDict)
    assert not sd["fc.weight"].requires_grad and type(sd["fc.weight"]) is ember.Tensor
    assert sd["fc.weight"].data_ptr() == m.fc.weight.data_ptr()
    kept = m.state_dict(keep_vars=True)
    assert kept["fc.weight"] is m.fc.weight


def test_state_dict_round_trip():
    ember.manual_seed(0)
    a, b = Tiny(), Tiny()
    x = ember.randn(5, 3)
    assert not np.allclose(np.asarray(a(x).detach()), np.asarray(b(x).detach()))
    w = b.fc.weight
    assert repr(b.load_state_dict(a.state_dict())) == "<All keys matched successfully>"
    assert b.fc.weight is w  # copied in place
    np.testing.assert_array_equal(np.asarray(a(x).detach()), np.asarray(b(x).detach()))
    snapshot = {k: v.clone() for k, v in a.state_dict().items()}
    with ember.no_grad():
        a.fc.weight.add_(1)
    a.load_state_dict(snapshot)
    np.testing.assert_array_equal(np.asarray(a(x).detach()), np.asarray(b(x).detach()))


def test_load_state_dict_assign_replaces_tensors():
    m = nn.Linear(2, 2)
    sd = {"weight": ember.ones(2, 2), "bias": ember.zeros(2)}
    m.load_state_dict(sd, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert m.weight.data_ptr() == sd["weight"].data_ptr()


def test_load_state_dict_batchnorm_without_num_batches_tracked():
    # old checkpoints (no metadata) lacked num_batches_tracked: accepted, as PyTorch
    bn = nn.BatchNorm1d(2)
    sd = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    assert repr(nn.BatchNorm1d(2).load_state_dict(sd)) == "<All keys matched successfully>"


def test_state_dict_hooks():
    m = nn.Linear(1, 1)
    calls = []
    h = m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: calls.append(prefix))
    m.register_load_state_dict_post_hook(lambda mod, keys: calls.append(tuple(keys.missing_keys)))
    m.state_dict(prefix="p.")
    m.load_state_dict({"weight": ember.ones(1, 1)}, strict=False)
    h.remove()
    m.state_dict()
    assert calls == ["p.", ("bias",)]


# ---- forward and hooks ----
def test_call_runs_forward_with_kwargs():
    m = Tiny()
    x = ember.ones(1, 3)
    np.testing.assert_allclose(np.asarray(m(x, scale=2.0).detach()), 2 * np.asarray(m(x).detach()), rtol=1e-6)


def test_forward_pre_hook_and_forward_hook():
    m = nn.Linear(2, 2)
    seen = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: seen.append(float(args[0].abs().sum())) or out + 100)
    out = m(ember.ones(3, 2))
    assert seen == [0.0]
    np.testing.assert_allclose(np.asarray(out.detach()), np.broadcast_to(np.asarray(m.bias.detach()) + 100, (3, 2)),
                               rtol=1e-6)
    h1.remove()
    h2.remove()
    h2.remove()  # removing twice is harmless
    np.testing.assert_allclose(np.asarray(m(ember.zeros(1, 2)).detach())[0], np.asarray(m.bias.detach()))


def test_pre_hook_returning_a_single_value_is_wrapped():
    m = nn.Identity()
    m.register_forward_pre_hook(lambda mod, args: args[0] + 1)
    assert float(m(ember.tensor(1.0))) == 2.0


def test_hooks_with_kwargs_and_order():
    m = Tiny()
    order = []
    m.register_forward_hook(lambda mod, args, out: order.append("a"))
    m.register_forward_hook(lambda mod, args, out: order.append("b"), prepend=True)
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"scale": 0.0}), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: order.append(kwargs["scale"]), with_kwargs=True)
    out = m(ember.ones(2, 3), scale=5.0)
    assert float(out.abs().sum()) == 0.0
    assert order == ["b", "a", 0.0]


def test_hook_handle_as_context_manager():
    m = nn.Identity()
    with m.register_forward_hook(lambda mod, args, out: out * 10):
        assert float(m(ember.tensor(1.0))) == 10.0
    assert float(m(ember.tensor(1.0))) == 1.0


def test_always_call_hook_runs_when_forward_raises():
    m = nn.Linear(2, 2)
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append("always"), always_call=True)
    m.register_forward_hook(lambda mod, args, out: seen.append("normal"))
    with pytest.raises(RuntimeError):
        m(ember.ones(1, 3))
    assert seen == ["always"]


def test_global_forward_hook():
    from ember.nn.modules.module import register_module_forward_hook
    seen = []
    h = register_module_forward_hook(lambda mod, args, out: seen.append(type(mod).__name__))
    try:
        nn.Sequential(nn.ReLU())(ember.ones(1))
    finally:
        h.remove()
    nn.ReLU()(ember.ones(1))
    assert seen == ["ReLU", "Sequential"]


def test_backward_hooks_are_not_supported_yet():
    with pytest.raises(NotImplementedError):
        nn.Linear(1, 1).register_full_backward_hook(lambda *a: None)


# ---- containers ----
def test_sequential_indexing_and_editing():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and s[0] is a and s[-1] is c and list(s) == [a, b, c]
    sub = s[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    with pytest.raises(IndexError):
        s[3]
    s.append(nn.Sigmoid())
    assert len(s) == 4 and isinstance(s[3], nn.Sigmoid)
    s.insert(0, nn.Identity())
    assert isinstance(s[0], nn.Identity) and s[1] is a
    assert isinstance(s.pop(0), nn.Identity) and s[0] is a
    s[1] = nn.Tanh()
    assert isinstance(s[1], nn.Tanh)
    del s[1]
    assert [n for n, _ in s.named_children()] == ["0", "1", "2"] and s[1] is c
    s.extend([nn.ReLU()])
    assert len(s) == 4
    assert len(s + nn.Sequential(nn.ReLU())) == 5
    assert len(nn.Sequential(nn.ReLU()) * 3) == 3


def test_sequential_forward_and_ordered_dict():
    s = nn.Sequential(OrderedDict([("scale", nn.Linear(1, 1, bias=False)), ("act", nn.ReLU())]))
    nn.init.constant_(s.scale.weight, 2.0)
    assert float(s(ember.tensor([[3.0]]))) == 6.0 and float(s(ember.tensor([[-3.0]]))) == 0.0
    assert [n for n, _ in s.named_parameters()] == ["scale.weight"]


def test_module_list():
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    assert len(ml) == 3 and isinstance(ml[1:], nn.ModuleList) and len(ml[1:]) == 2
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml.insert(1, nn.Identity())
    assert [type(x).__name__ for x in ml] == ["Linear", "Identity", "Linear", "Linear", "ReLU", "Tanh"]
    del ml[0]
    assert [n for n, _ in ml.named_children()] == [str(i) for i in range(5)]
    ml += [nn.ReLU()]
    assert len(ml) == 6 and len(ml + nn.ModuleList([nn.ReLU()])) == 7
    assert len(list(ml.parameters())) == 4
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable, but got int"):
        ml.extend(3)


def test_module_dict():
    md = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    md["c"] = nn.Tanh()
    md.update([("d", nn.Identity())])
    assert list(md.keys()) == ["a", "b", "c", "d"] and "c" in md and len(md) == 4
    assert isinstance(md.pop("b"), nn.ReLU) and list(md) == ["a", "c", "d"]
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    md.clear()
    assert len(md) == 0


def test_parameter_list_and_dict():
    pl = nn.ParameterList([ember.ones(2), nn.Parameter(ember.zeros(3))])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    assert [n for n, _ in pl.named_parameters()] == ["0", "1"]
    pd = nn.ParameterDict({"b": ember.ones(1), "a": ember.ones(2)})
    assert list(pd.keys()) == ["a", "b"] and isinstance(pd["a"], nn.Parameter)
    assert len(list(nn.Sequential(nn.Linear(1, 1)).parameters())) == 2


def test_shared_parameter_counted_once_but_both_keys_saved():
    lin = nn.Linear(2, 2)
    s = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(s.parameters())) == 2
    assert list(s.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_warnings_are_not_raised_by_plain_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2), nn.Softmax(dim=1))
        m(ember.randn(2, 4)).sum().backward()


def test_deepcopy_module_with_buffers():
    m = nn.BatchNorm1d(3)
    m2 = copy.deepcopy(m)
    assert m2.running_mean.data_ptr() != m.running_mean.data_ptr()


def test_deepcopy_module_without_buffers():
    m = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    m2 = copy.deepcopy(m)
    assert m2[0].weight is not m[0].weight and isinstance(m2[0].weight, nn.Parameter)
    np.testing.assert_array_equal(np.asarray(m2[0].weight.detach()), np.asarray(m[0].weight.detach()))
