"""Seed 001: the MSE of y = x * w for w in [0, 4] (NumPy only), plotted to a PNG."""
import os
import sys

import numpy as np

x_data = [1.0, 2.0, 3.0]
y_data = [2.0, 4.0, 6.0]


def forward(x):
    return x * w


def loss(x, y):
    y_pred = forward(x)
    return (y_pred - y) * (y_pred - y)


w_list = []
mse_list = []

for w in np.arange(0.0, 4.1, 0.1):
    print("w=", w)
    l_sum = 0
    for x_val, y_val in zip(x_data, y_data):
        # error
        l = loss(x_val, y_val)
        l_sum += l
    print("MSE=", l_sum / 3)
    w_list.append(w)
    mse_list.append(l_sum / 3)

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "loss_curve.png")
import matplotlib  # noqa: E402

matplotlib.use("Agg")  # no screen needed: the plot goes to a file
import matplotlib.pyplot as plt  # noqa: E402

plt.plot(w_list, mse_list)
plt.ylabel("Loss")
plt.xlabel("w")
plt.savefig(out)
print("saved", out)
