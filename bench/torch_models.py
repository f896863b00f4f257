"""The shipped models written in PyTorch, holding dlc's parameters: the
peers of the benchmarks (bench/forward.py, bench/train.py, bench/gpu/). They
mirror the model files: nn.Linear holds dlc's W [in, out] transposed,
convolutions are OIHW in both, images arrive as raw bytes and are scaled
inside the model as the .mlir files do. They are written as a PyTorch user
would write them: nn layers, and attention through
F.scaled_dot_product_attention (PyTorch's fused kernel).

OPTIMIZERS says how each model file trains (its optimizer, weight decay and
gradient clipping; the schedules' per-step cost is left out on both sides'
behalf: a scalar).
"""
import numpy as np


def build_model(name, params):
    import torch
    import torch.nn.functional as F
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

    def norm(g, b, eps):
        layer = nn.LayerNorm(g.shape[0], eps=eps)
        layer.weight.data = torch.from_numpy(g.copy())
        layer.bias.data = torch.from_numpy(b.copy())
        return layer

    class FashionCnnBn(nn.Module):  # models/fashion_cnn_bn.mlir
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 5, padding=2, bias=False)
            self.conv1.weight.data = torch.from_numpy(params["conv1_w"].copy())
            self.conv2 = nn.Conv2d(32, 64, 5, padding=2, bias=False)
            self.conv2.weight.data = torch.from_numpy(params["conv2_w"].copy())
            self.bn1, self.bn2 = nn.BatchNorm2d(32), nn.BatchNorm2d(64)
            for i, bn in ((1, self.bn1), (2, self.bn2)):
                bn.weight.data = torch.from_numpy(params[f"bn{i}_scale"].copy())
                bn.bias.data = torch.from_numpy(params[f"bn{i}_offset"].copy())
                if f"bn{i}_mean" in params:  # the running statistics, when given
                    bn.running_mean.copy_(torch.from_numpy(params[f"bn{i}_mean"]))
                    bn.running_var.copy_(torch.from_numpy(params[f"bn{i}_var"]))
            self.pool = nn.MaxPool2d(2)
            self.fc1 = linear(params["fc1_w"], params["fc1_b"])
            self.dropout = nn.Dropout(0.5)
            self.fc2 = linear(params["fc2_w"], params["fc2_b"])

        def forward(self, images):
            x = images.to(torch.float32) * 0.003921568627
            x = x.reshape(images.shape[0], 1, 28, 28)
            x = self.pool(torch.relu(self.bn1(self.conv1(x))))
            x = self.pool(torch.relu(self.bn2(self.conv2(x))))
            x = x.reshape(images.shape[0], 3136)
            return self.fc2(self.dropout(torch.relu(self.fc1(x))))

    class Lenet5(nn.Module):  # models/lenet5.mlir
        def __init__(self):
            super().__init__()
            self.c1 = conv(params["c1_w"], params["c1_b"], 2)
            self.c3 = conv(params["c3_w"], params["c3_b"], 0)
            self.pool = nn.AvgPool2d(2)
            self.c5 = linear(params["c5_w"], params["c5_b"])
            self.f6 = linear(params["f6_w"], params["f6_b"])
            self.out = linear(params["out_w"], params["out_b"])

        def forward(self, images):
            x = images.to(torch.float32) * 0.003921568627
            x = x.reshape(images.shape[0], 1, 28, 28)
            x = self.pool(torch.tanh(self.c1(x)))
            x = self.pool(torch.tanh(self.c3(x)))
            x = torch.tanh(self.c5(x.reshape(images.shape[0], 400)))
            return self.out(torch.tanh(self.f6(x)))

    class Block(nn.Module):  # a pre-norm transformer block, b{i}_* parameters
        def __init__(self, i, heads, eps, causal):
            super().__init__()
            w = {k[len(f"b{i}_"):]: v for k, v in params.items() if k.startswith(f"b{i}_")}
            self.heads, self.causal = heads, causal
            self.ln1 = norm(w["ln1_g"], w["ln1_b"], eps)
            self.qkv = linear(w["qkv_w"], w["qkv_b"])
            self.proj = linear(w["proj_w"], w["proj_b"])
            self.ln2 = norm(w["ln2_g"], w["ln2_b"], eps)
            self.fc1 = linear(w["fc1_w"], w["fc1_b"])
            self.fc2 = linear(w["fc2_w"], w["fc2_b"])

        def forward(self, x):  # [B, T, D]
            B, T, D = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(D, dim=2)
            q, k, v = (t.reshape(B, T, self.heads, D // self.heads).transpose(1, 2)
                       for t in (q, k, v))
            o = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
            x = x + self.proj(o.transpose(1, 2).reshape(B, T, D))
            return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))

    class VitTiny(nn.Module):  # models/vit_tiny.mlir
        def __init__(self):
            super().__init__()
            self.patch = linear(params["patch_w"], params["patch_b"])
            self.pos = nn.Parameter(torch.from_numpy(params["pos"].copy()))
            self.blocks = nn.Sequential(*(Block(i, 4, 1e-6, False) for i in range(3)))
            self.ln = norm(params["ln_g"], params["ln_b"], 1e-6)
            self.head = linear(params["head_w"], params["head_b"])

        def forward(self, images):  # [N, 28, 28] uint8 -> 16 patches of 7x7
            B = images.shape[0]
            x = images.to(torch.float32) * 0.003921568627
            x = x.reshape(B, 4, 7, 4, 7).permute(0, 1, 3, 2, 4).reshape(B, 16, 49)
            x = self.blocks(self.patch(x) + self.pos)
            return self.head(self.ln(x).mean(1))

    class CharGpt(nn.Module):  # models/char_gpt.mlir
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(256, params["tok"].shape[1])
            self.tok.weight.data = torch.from_numpy(params["tok"].copy())
            self.pos = nn.Parameter(torch.from_numpy(params["pos"].copy()))
            self.blocks = nn.Sequential(*(Block(i, 4, 1e-5, True) for i in range(3)))
            self.ln = norm(params["ln_g"], params["ln_b"], 1e-5)

        def forward(self, tokens):  # [B, T] -> logits [B * T, 256], head tied
            x = self.ln(self.blocks(self.tok(tokens) + self.pos))
            return F.linear(x, self.tok.weight).reshape(-1, 256)

    return {"mlp": Mlp, "fashion_mlp": FashionMlp, "fashion_cnn": FashionCnn,
            "fashion_cnn_bn": FashionCnnBn, "lenet5": Lenet5, "vit_tiny": VitTiny,
            "char_gpt": CharGpt}[name]()


# Each model file's dl.optimizer: lr, weight decay (AdamW when set) and the
# global gradient-norm clip.
OPTIMIZERS = {
    "mlp": {"lr": 1e-4},
    "fashion_mlp": {"lr": 1e-3},
    "fashion_cnn": {"lr": 1e-3},
    "fashion_cnn_bn": {"lr": 1e-3},
    "lenet5": {"lr": 1e-3},
    "vit_tiny": {"lr": 1e-3, "weight_decay": 0.1},
    "char_gpt": {"lr": 1e-3, "weight_decay": 0.1, "clip_norm": 1.0},
}


def loss_function(name):
    """The model file's loss: mlp's dl.mse_loss (reduction batch_mean),
    softmax cross-entropy for the others."""
    import torch.nn.functional as F
    if name == "mlp":
        return lambda out, target: ((out - target) ** 2).sum() / out.shape[0]
    return F.cross_entropy


def build_optimizer(name, parameters):
    """The model's optimizer as PyTorch's users would write it."""
    import torch
    o = OPTIMIZERS[name]
    if "weight_decay" in o:
        return torch.optim.AdamW(parameters, lr=o["lr"], weight_decay=o["weight_decay"])
    return torch.optim.Adam(parameters, lr=o["lr"])
