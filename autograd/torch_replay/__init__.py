"""The torch wing: the same graph run again in PyTorch, node by node, as a second opinion.

``replay_in_torch(root)`` builds every node of the graph again as a float64
tensor op (each op's torch counterpart is in its table entry) and compares
data and gradients. ``import_torch`` is the one place torch is imported, with
an install hint when it is missing; ``nn``'s bridge uses it too.
"""

from .replay import TORCH_OPS, ReplayRow, TorchReplay, import_torch, replay_in_torch

__all__ = ["TORCH_OPS", "ReplayRow", "TorchReplay", "import_torch", "replay_in_torch"]
