"""A linear layer (its weight and bias are parameters) followed by tanh."""
import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, features_in, features_out):
        super().__init__()
        self.proj = nn.Linear(features_in, features_out)

    def forward(self, x):
        return torch.tanh(self.proj(x))


batch = 24
features_in = 40
features_out = 56


def get_inputs():
    return [torch.randn(batch, features_in)]


def get_init_inputs():
    return [features_in, features_out]
