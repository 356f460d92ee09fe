"""A first look at ember: tensors, broadcasting, reductions, matmul and
PyTorch's random streams (same seed, same numbers as PyTorch)."""
import ember as torch

torch.manual_seed(0)
x = torch.randn(3, 4)
w = torch.rand(4, 2)
print("x =", x)
print("x @ w =", x @ w)
print("column means:", x.mean(dim=0))
print("max per row:", x.max(dim=1).values)
print("where(x > 0, x, 0):", torch.where(x > 0, x, 0.0))
