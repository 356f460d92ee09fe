"""The main example: train a classifier on scikit-learn's handwritten digits
(8x8 images, shipped inside scikit-learn, no download) with ember.

A DataLoader over a seeded split, an MLP trained with AdamW and a one-cycle
learning-rate schedule, a tqdm progress bar, evaluation on the held-out split
every epoch, a checkpoint saved and loaded back, and a PNG of the loss and
accuracy curves. Run: python examples/train_digits.py [--epochs N] [--out DIR]
"""
import argparse
import os
import time

import numpy as np
from sklearn.datasets import load_digits
from tqdm import tqdm

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.utils.data import DataLoader, TensorDataset, random_split


def make_model():
    return nn.Sequential(
        nn.Linear(64, 256), nn.ReLU(), nn.Dropout(0.1),
        nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def evaluate(model, loader, device="cpu"):
    model.eval()
    correct, total, loss_sum = 0, 0, 0.0
    with ember.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(dim=1) == y).sum().item()
            total += y.numel()
    return loss_sum / total, correct / total


def save_plot(history, path, title):
    import matplotlib
    matplotlib.use("Agg")  # writes a file; no screen needed
    import matplotlib.pyplot as plt

    epochs = range(1, len(history["train_loss"]) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, history["train_loss"], label="train")
    ax1.plot(epochs, history["test_loss"], label="test")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("cross-entropy")
    ax1.legend()
    ax2.plot(epochs, history["test_acc"], color="tab:green")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("test accuracy")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None, model_factory=make_model, tag="mlp", default_epochs=30):
    """Trains model_factory() and returns the final test accuracy (train_digits_cnn.py reuses this with a CNN)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=default_epochs)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "out"))
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    args = parser.parse_args(argv)
    device = ember.device(args.device)
    if device.type == "cuda" and not ember.cuda.is_available():
        raise SystemExit(f"--device {args.device}: no CUDA GPU is available to ember (ember.cuda.is_available() "
                         "is False)")
    os.makedirs(args.out, exist_ok=True)
    start = time.time()

    ember.manual_seed(args.seed)
    digits = load_digits()
    x = ember.tensor((digits.data / 16.0).astype(np.float32))
    y = ember.tensor(digits.target.astype(np.int64))
    dataset = TensorDataset(x, y)
    train_set, test_set = random_split(dataset, [0.8, 0.2], generator=ember.Generator().manual_seed(args.seed))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              generator=ember.Generator().manual_seed(args.seed))
    test_loader = DataLoader(test_set, batch_size=256)

    model = model_factory().to(device)  # the data stay on the CPU; each batch moves to the device
    optimizer = ember.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = ember.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                                    steps_per_epoch=len(train_loader))
    history = {"train_loss": [], "test_loss": [], "test_acc": []}

    for epoch in range(1, args.epochs + 1):
        model.train()
        running, seen = 0.0, 0
        bar = tqdm(train_loader, desc=f"epoch {epoch:2d}/{args.epochs}", leave=False, mininterval=0.5)
        for xb, yb in bar:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            scheduler.step()
            running += loss.item() * yb.numel()
            seen += yb.numel()
            bar.set_postfix(loss=f"{running / seen:.4f}", lr=f"{scheduler.get_last_lr()[0]:.2e}")
        test_loss, test_acc = evaluate(model, test_loader, device)
        history["train_loss"].append(running / seen)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        tqdm.write(f"epoch {epoch:2d}: train loss {running / seen:.4f}  test loss {test_loss:.4f}  "
                   f"test accuracy {test_acc:.2%}")

    # Checkpoint: save, load into a fresh model and optimizer, check it is the same model.
    ckpt = os.path.join(args.out, f"digits_{tag}.ember")
    ember.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": args.epochs,
                "history": history}, ckpt)
    restored = model_factory().to(device)
    state = ember.load(ckpt)
    restored.load_state_dict(state["model"])
    ember.optim.AdamW(restored.parameters(), lr=args.lr).load_state_dict(state["optimizer"])
    _, restored_acc = evaluate(restored, test_loader, device)
    assert restored_acc == history["test_acc"][-1], "the reloaded checkpoint gives another model"

    plot = os.path.join(args.out, f"digits_{tag}_curves.png")
    save_plot(history, plot, f"ember: {tag.upper()} on scikit-learn digits")
    final = history["test_acc"][-1]
    print(f"test accuracy {final:.2%} after {args.epochs} epochs in {time.time() - start:.1f} s")
    print(f"checkpoint: {ckpt} (reloaded: {restored_acc:.2%})")
    print(f"curves: {plot}")
    return final


if __name__ == "__main__":
    main()
