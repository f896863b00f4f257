"""The shipped models written in PyTorch, holding dlc's parameters: the
peers of the benchmarks (bench/forward.py, bench/train.py, bench/gpu/). They
mirror the model files: nn.Linear holds dlc's W [in, out] transposed,
convolutions are OIHW in both, images arrive as raw bytes and are scaled
inside the model as the .mlir files do.
"""
import numpy as np


def build_model(name, params):
    import torch
    from torch import nn

    def linear(w, b):  # dlc: y = x @ W + b with W [in, out]
        layer = nn.Linear(w.shape[0], w.shape[1])
        layer.weight.data = torch.from_numpy(np.ascontiguousarray(w.T))
        layer.bias.data = torch.from_numpy(b.copy())
        return layer

    def conv(w, b, padding):  # OIHW in both
        layer = nn.Conv2d(w.shape[1], w.shape[0], (w.shape[2], w.shape[3]), padding=padding)
        layer.weight.data = torch.from_numpy(w.copy())
        layer.bias.data = torch.from_numpy(b.copy())
        return layer

    class Mlp(nn.Module):  # models/mlp.mlir: 1000-100-10, ReLU
        def __init__(self):
            super().__init__()
            self.fc1 = linear(params["w1"], params["b1"])
            self.fc2 = linear(params["w2"], params["b2"])

        def forward(self, x):
            return self.fc2(torch.relu(self.fc1(x)))

    class FashionMlp(nn.Module):  # models/fashion_mlp.mlir: 784-256-10
        def __init__(self):
            super().__init__()
            self.fc1 = linear(params["w1"], params["b1"])
            self.fc2 = linear(params["w2"], params["b2"])

        def forward(self, images):  # [N, 28, 28] uint8
            x = images.to(torch.float32) * 0.003921568627
            x = x.reshape(images.shape[0], 784)
            return self.fc2(torch.relu(self.fc1(x)))

    class FashionCnn(nn.Module):  # models/fashion_cnn.mlir
        def __init__(self):
            super().__init__()
            self.conv1 = conv(params["conv1_w"], params["conv1_b"], 2)
            self.conv2 = conv(params["conv2_w"], params["conv2_b"], 2)
            self.pool = nn.MaxPool2d(2)
            self.fc1 = linear(params["fc1_w"], params["fc1_b"])
            self.dropout = nn.Dropout(0.5)  # identity in eval mode, as in dlc's forward
            self.fc2 = linear(params["fc2_w"], params["fc2_b"])

        def forward(self, images):  # [N, 28, 28] uint8
            x = images.to(torch.float32) * 0.003921568627
            x = x.reshape(images.shape[0], 1, 28, 28)
            x = self.pool(torch.relu(self.conv1(x)))
            x = self.pool(torch.relu(self.conv2(x)))
            x = x.reshape(images.shape[0], 3136)
            x = self.dropout(torch.relu(self.fc1(x)))
            return self.fc2(x)

    return {"mlp": Mlp, "fashion_mlp": FashionMlp, "fashion_cnn": FashionCnn}[name]()
