"""The main example trains to at least 95% test accuracy and its checkpoint reloads."""
import os
import sys

import pytest

import ember

pytest.importorskip("sklearn", reason="scikit-learn is in the [examples] extra")
pytest.importorskip("tqdm", reason="tqdm is in the [examples] extra")
pytest.importorskip("matplotlib", reason="matplotlib is in the [examples] extra")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples"))
import train_digits  # noqa: E402


def test_train_digits_reaches_95_percent(tmp_path):
    accuracy = train_digits.main(["--epochs", "30", "--out", str(tmp_path)])
    assert accuracy >= 0.95
    assert (tmp_path / "digits_mlp.ember").exists()
    assert (tmp_path / "digits_mlp_curves.png").stat().st_size > 10_000


def test_train_digits_cnn_reaches_97_percent(tmp_path):
    import train_digits_cnn
    accuracy = train_digits_cnn.main(["--out", str(tmp_path)])
    assert accuracy >= 0.97
    assert (tmp_path / "digits_cnn.ember").exists()
    assert (tmp_path / "digits_cnn_curves.png").stat().st_size > 10_000


@pytest.mark.skipif(ember.cuda.is_available(), reason="this machine has a GPU: test_cuda_ops.py trains on it")
def test_device_cuda_without_a_gpu_says_so(tmp_path):
    with pytest.raises(SystemExit, match="no CUDA GPU is available"):
        train_digits.main(["--device", "cuda", "--epochs", "1", "--out", str(tmp_path)])
