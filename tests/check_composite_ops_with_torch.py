#!/usr/bin/env python3
"""Runs one script of the composite ops (einsum, cumprod, searchsorted, the nn additions, ...)
under PyTorch and under ember and diffs what they print (grad_fn names aside).

    /root/tvenv/bin/python tests/check_composite_ops_with_torch.py .venv/bin/python

Exit status 0 when the outputs are the same. Not part of the pytest suite."""
import re
import subprocess
import sys

SCRIPT = r'''
import numpy as np
nn = torch.nn
F = torch.nn.functional
g = np.random.default_rng(0)
def t(*s, **k): return torch.tensor(g.standard_normal(s).astype(np.float32), **k)
a, b = t(2, 3, requires_grad=True), t(3, 4, requires_grad=True)
y = torch.einsum("ij,jk->ik", a, b); print(y); y.sum().backward(); print(a.grad, b.grad)
print(torch.einsum("ii", t(3, 3)), torch.einsum("bi,bj->bij", t(2, 2), t(2, 3)))
print(torch.einsum("...ij->...ji", t(2, 1, 2)))
print(torch.einsum("i,i", [t(3), t(3)]))
x, yy = torch.meshgrid(torch.arange(3), torch.arange(2), indexing="xy"); print(x, yy)
print(torch.lerp(t(4), t(4), 0.3), torch.lerp(t(4), t(4), t(4)))
print(torch.addcmul(t(3), t(3), t(3), value=0.1), torch.addcdiv(t(3), t(3), t(3).abs() + 1, value=-2))
c = t(3, 5, requires_grad=True); cp = torch.cumprod(c, 1); print(cp); cp.sum().backward(); print(c.grad)
z = torch.tensor([2., 0., 3., 0.5], requires_grad=True); torch.cumprod(z, 0).sum().backward(); print(z.grad)
print(torch.logit(torch.tensor([0.1, 0.5, 0.99])), torch.logit(torch.tensor([0., 1.]), eps=1e-3))
print(torch.bincount(torch.tensor([1, 1, 4])), torch.bincount(torch.tensor([1, 1, 4]), torch.tensor([0.5, 0.25, 2.0])))
m = t(3, 4); print(torch.take_along_dim(m, m.argsort(1), 1))
print(torch.zeros(3, 2).index_add_(0, torch.tensor([0, 2, 0]), t(3, 2), alpha=3))
print(torch.zeros(3, 2).index_fill_(1, torch.tensor([1]), -1))
print(torch.zeros(3, 2).index_copy_(0, torch.tensor([2, 0]), t(2, 2)))
print(torch.vstack([t(2), t(2)]), torch.hstack([t(2), t(3)]), torch.dstack([t(2), t(2)]).shape)
print(torch.column_stack([t(2), t(2, 2)]))
print(torch.atleast_3d(t(2)).shape, torch.isin(torch.arange(6), torch.tensor([1, 4, 9])))
print(torch.argwhere(torch.tensor([[0, 1], [2, 0]])))
s = torch.tensor([1., 3., 5., 7.]); v = torch.tensor([[0., 3., 6.], [7., 8., 1.]])
print(torch.searchsorted(s, v), torch.searchsorted(s, v, right=True), torch.bucketize(v, s), torch.searchsorted(s, 4.0))
print(F.cosine_similarity(t(3, 4), t(3, 4)), F.pairwise_distance(t(3, 4), t(3, 4)))
print(nn.CosineSimilarity(dim=0)(t(3), t(3)))
h = t(6); print(F.hardswish(h), F.hardsigmoid(h), F.logsigmoid(h), nn.LogSigmoid()(h))
torch.manual_seed(0); p = nn.PReLU(2); print(p, p(t(2, 2, 2)))
print(F.pixel_shuffle(torch.arange(16.).reshape(1, 4, 2, 2), 2))
im = torch.arange(12.).reshape(1, 1, 3, 4)
print(nn.ZeroPad2d(1)(im), nn.ReflectionPad2d((1, 0, 2, 1))(im), nn.ReplicationPad2d(1)(im))
'''

HEADER = {"torch": "import torch\n", "ember": "import ember as torch\n"}


def run(python, lib):
    code = "import warnings\nwarnings.simplefilter('ignore')\n" + HEADER[lib] + SCRIPT
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout
    out = re.sub(r"grad_fn=<\w+>", "grad_fn=<...>", out)
    return out.replace("ember.", "torch.")


def main():
    ember_python = sys.argv[1] if len(sys.argv) > 1 else ".venv/bin/python"
    want, got = run(sys.executable, "torch"), run(ember_python, "ember")
    if want == got:
        print(f"same output ({len(want.splitlines())} lines)")
        return 0
    import difflib
    sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "torch", "ember"))
    return 1


if __name__ == "__main__":
    sys.exit(main())
