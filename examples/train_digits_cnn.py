"""A small CNN on scikit-learn's handwritten digits (8x8 images), trained with
the same loop as train_digits.py: DataLoader, AdamW with a one-cycle schedule,
progress bar, evaluation, checkpoint round trip and loss/accuracy plots.
Run: python examples/train_digits_cnn.py [--epochs N] [--out DIR]
"""
import os
import sys

import ember.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_digits  # noqa: E402


def make_cnn():
    return nn.Sequential(
        nn.Unflatten(1, (1, 8, 8)),                               # (N, 64) -> (N, 1, 8, 8)
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2),                                          # 8x8 -> 4x4
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(32 * 4 * 4, 10),
    )


def main(argv=None):
    return train_digits.main(argv, model_factory=make_cnn, tag="cnn", default_epochs=20)


if __name__ == "__main__":
    main()
