from .module import Module
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .linear import Identity, Linear
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .flatten import Flatten, Unflatten
from .sparse import Embedding
from .normalization import LayerNorm, GroupNorm
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .dropout import Dropout, Dropout2d
from .activation import (ReLU, ReLU6, LeakyReLU, ELU, GELU, SiLU, Mish, Sigmoid, Tanh, Hardtanh, Softsign, Tanhshrink,
                         LogSigmoid, Softmax, Softmin, LogSoftmax, Softplus, GLU, Hardsigmoid, Hardswish, PReLU)
from .distance import CosineSimilarity, PairwiseDistance
from .pixelshuffle import PixelShuffle, PixelUnshuffle
from .padding import ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d
from .pooling import MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d
from .upsampling import Upsample
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell
from .attention import MultiheadAttention
from .transformer import TransformerEncoderLayer, TransformerEncoder
from .loss import (L1Loss, MSELoss, SmoothL1Loss, HuberLoss, NLLLoss, CrossEntropyLoss, BCELoss, BCEWithLogitsLoss,
                   KLDivLoss)

__all__ = [
    "Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Identity", "Linear",
    "Conv1d", "Conv2d", "ConvTranspose2d",
    "Flatten", "Unflatten", "Embedding", "LayerNorm", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "Dropout", "ReLU",
    "ReLU6", "LeakyReLU", "ELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Hardtanh", "Softsign", "Tanhshrink",
    "LogSigmoid", "Softmax", "Softmin", "LogSoftmax", "Softplus", "L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss",
    "NLLLoss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss",
]
__all__ += ["GroupNorm", "Dropout2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d",
            "AdaptiveMaxPool2d", "Upsample", "GLU"]
__all__ += ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
__all__ += ["MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder"]
__all__ += ["Hardsigmoid", "Hardswish", "PReLU", "CosineSimilarity", "PairwiseDistance", "PixelShuffle",
            "PixelUnshuffle", "ZeroPad2d", "ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d"]
