"""Fused GELU against the same function composed from ember's built-in ops:
forward and forward+backward on 4M float32 values (milliseconds, median of 7)."""
import statistics
import time

import ember
from fused_gelu import composed_gelu, fused_gelu


def timeit(fn, repeat=7):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def main():
    ember.manual_seed(0)
    x = ember.randn(4 * 1024 * 1024)
    xg = x.clone().requires_grad_(True)

    def fwd_bwd(f):
        def run():
            xg.grad = None
            f(xg).sum().backward()
        return run

    rows = [("forward", timeit(lambda: fused_gelu(x)), timeit(lambda: composed_gelu(x))),
            ("forward+backward", timeit(fwd_bwd(fused_gelu)), timeit(fwd_bwd(composed_gelu)))]
    print(f"{'4M float32':<18}{'fused ms':>10}{'composed ms':>13}{'speed-up':>10}")
    for name, fused, composed in rows:
        print(f"{name:<18}{fused:>10.2f}{composed:>13.2f}{composed / fused:>9.1f}x")


if __name__ == "__main__":
    main()
