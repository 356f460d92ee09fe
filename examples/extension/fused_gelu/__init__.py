"""An ember extension: GELU (tanh approximation) as one fused C++ op."""
import ember  # noqa: F401  (loads ember's core before the extension)

from ._fused_gelu import fused_gelu

__all__ = ["fused_gelu", "composed_gelu"]


def composed_gelu(x):
    """The same function composed from ember's built-in ops (for tests and benchmarks)."""
    return 0.5 * x * (1.0 + ember.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
