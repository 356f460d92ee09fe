"""ember.optim: PyTorch's optimizers and learning-rate schedulers.

Each optimizer's step() makes one call per param group into a fused C++
kernel (csrc/ember/optim/) whose arithmetic is PyTorch's single-tensor update."""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adadelta", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "lr_scheduler"]
