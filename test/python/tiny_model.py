"""The smallest message-passing model, as a model file for the commands (model() and example())
and as a class for the Python tests."""

import torch
from torch import nn
from torch_geometric.nn import MessagePassing


class Tiny(MessagePassing):
    def __init__(self):
        super().__init__(aggr="add")
        torch.manual_seed(0)
        self.lin = nn.Linear(3, 2)

    def forward(self, x, edge_index):
        return self.propagate(edge_index, x=x)

    def message(self, x_j):
        return torch.relu(self.lin(x_j))


def model():
    return Tiny().eval()


def example():
    torch.manual_seed(1)
    return (torch.randn(5, 3), torch.tensor([[0, 1, 2, 3, 4, 0], [1, 2, 3, 4, 0, 2]]))
