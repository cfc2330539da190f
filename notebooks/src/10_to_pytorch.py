# %% [markdown]
# # 10 · Moving on to PyTorch: the same model, the same numbers
#
# Every gradient so far was a sum over chains of scalar local derivatives.
# PyTorch computes the same sums, only over tensors, in C++, on GPUs. A
# teacher's first question is then: *is this really what PyTorch computes?*
# This notebook answers it with asserts, not with words:
#
# 1. one neuron by hand, in chaingrad and in PyTorch: the same δ, the same gradients;
# 2. an MLP exported with `model.to_torch()`: the same outputs and gradients, to 1e-12;
# 3. twenty training steps of SGD with momentum and of Adam: the same parameters, to 1e-10;
# 4. any graph of your own replayed in PyTorch, node by node (`replay_in_torch`);
# 5. a real data set, handwritten digits: trained in chaingrad, exported, trained on
#    in PyTorch (on a GPU when there is one), imported back with the same predictions;
# 6. what PyTorch adds once you outgrow scalars.
#
# It needs PyTorch and scikit-learn: `python -m pip install 'chaingrad[torch,digits]'` (with
# the Python that runs this notebook: `import sys; print(sys.executable)` names it).

# %%
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from autograd import Value, draw, replay_in_torch
from autograd import sum as vsum
from nn import MLP, SGD, Adam, accuracy, cross_entropy, digits, fit, mse

torch.manual_seed(0)
torch.set_num_threads(1)  # for matrices this small, more threads only wait for each other
f64 = torch.float64
print("torch", torch.__version__, "| GPU:", torch.cuda.is_available())

# %% [markdown]
# ## 1. One neuron, three ways
#
# A neuron with two inputs, $p = w_1 x_1 + w_2 x_2 + b$, $q = \tanh(p)$, and the
# cost $C = \tfrac12 (q - y)^2$. By hand (document 003), the backward chain
# gives $\delta = \partial C/\partial p = (q - y)\,(1 - q^2)$, and each weight's
# gradient is δ times its forward chain: $\partial C/\partial w_k = \delta\,x_k$,
# $\partial C/\partial b = \delta$.

# %%
x1, x2, y = 0.5, -1.5, 0.25
w1, w2, b = 0.8, 0.3, -0.1

p = w1 * x1 + w2 * x2 + b
q = (2.718281828459045 ** (2 * p) - 1) / (2.718281828459045 ** (2 * p) + 1)  # tanh by hand
delta = (q - y) * (1 - q * q)
by_hand = [delta * x1, delta * x2, delta]
print(f"p = {p:.6f}, q = {q:.6f}, delta = {delta:.6f}")
print("dC/dw1, dC/dw2, dC/db by hand:", [round(g, 6) for g in by_hand])

# %% [markdown]
# The same neuron in chaingrad: one `dot` node for $p$, one `tanh` node for
# $q$, and the cost. The drawing shows each node's data and grad, and on
# every edge its local derivative.

# %%
W1, W2, B = Value(w1, label="w1"), Value(w2, label="w2"), Value(b, label="b")
q_node = (W1 * x1 + W2 * x2 + B).tanh()
q_node.label = "q"
C = 0.5 * (q_node - y) ** 2
C.label = "C"
C.backward()
draw(C)

# %% [markdown]
# And in PyTorch: tensors that require grad, the same expression, `backward()`.

# %%
tw = torch.tensor([w1, w2], dtype=f64, requires_grad=True)
tb = torch.tensor(b, dtype=f64, requires_grad=True)
tq = torch.tanh(tw @ torch.tensor([x1, x2], dtype=f64) + tb)
tC = 0.5 * (tq - y) ** 2
tC.backward()
print("torch:    ", [round(g, 6) for g in [*tw.grad.tolist(), tb.grad.item()]])
print("chaingrad:", [round(g, 6) for g in (W1.grad, W2.grad, B.grad)])

# %%
for ours, theirs, hand in zip((W1.grad, W2.grad, B.grad), [*tw.grad.tolist(), tb.grad.item()],
                              by_hand):
    assert abs(ours - theirs) <= 1e-15 and abs(ours - hand) <= 1e-12
assert abs(C.data - tC.item()) <= 1e-16

# %% [markdown]
# ## 2. The same MLP in both
#
# `model.to_torch()` builds a `torch.nn.Sequential` in float64: a `Linear` per
# layer, then that layer's activation. Neuron $j$ of layer $i$ becomes **row $j$**
# of the Linear's weight, and its bias `bias[j]`: PyTorch computes
# $x W^\top + b$, so row $j$ of $W$ is the weight vector of output $j$.

# %%
model = MLP(3, [5, 4, 2], activation="tanh", output_activation="sigmoid", seed=0)
net = model.to_torch()
print(model)
print(net)

# %%
neuron = model.layers[0].neurons[2]
print("neuron 2 of layer 0:", [round(w.data, 4) for w in neuron.w], round(neuron.b.data, 4))
print("row 2 of net[0]:    ", [round(v, 4) for v in net[0].weight[2].tolist()],
      round(net[0].bias[2].item(), 4))

# %% [markdown]
# A batch of four samples through both. In chaingrad the batch is a loop over
# samples, each a graph of scalars, their costs summed; in PyTorch it is one
# matrix of shape (4, 3) going through two matrix products.

# %%
X = [[0.5, -1.0, 2.0], [1.5, 0.2, -0.3], [-0.7, 0.9, 0.1], [0.0, -2.0, 1.2]]
T = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]

xs = [[Value(v) for v in x] for x in X]  # inputs as Values: their gradients too
outs = [model(x) for x in xs]
cost = vsum([mse(o, t) for o, t in zip(outs, T)])
cost.backward()

xt = torch.tensor(X, dtype=f64, requires_grad=True)
tout = net(xt)
tcost = 0.5 * ((tout - torch.tensor(T, dtype=f64)) ** 2).sum()
tcost.backward()
print(f"cost: chaingrad {cost.data!r}, torch {tcost.item()!r}")


# %%
def largest_relative_gap(ours, theirs):
    """max |ours - theirs| over the largest |theirs|: one number for a whole tensor."""
    theirs = theirs.detach().flatten().tolist()
    return max(abs(a - b) for a, b in zip(ours, theirs)) / max(abs(t) for t in theirs)


def chaingrad_groups(model, what):
    """Weights then biases of each layer, in torch's order: row j is neuron j."""
    for layer in model.layers:
        yield [getattr(w, what) for n in layer.neurons for w in n.w]
        yield [getattr(n.b, what) for n in layer.neurons]


gaps = {"outputs": largest_relative_gap([v.data for o in outs for v in o], tout),
        "input grads": largest_relative_gap([v.grad for x in xs for v in x], xt.grad)}
for k, (ours, theirs) in enumerate(zip(chaingrad_groups(model, "grad"), net.parameters())):
    gaps[f"grad of {list(dict(net.named_parameters()))[k]}"] = largest_relative_gap(
        ours, theirs.grad)
for name, gap in gaps.items():
    print(f"{name:<16} {gap:.1e}")
assert max(gaps.values()) <= 1e-12

# %% [markdown]
# The differences are the last bits of a float: the two engines add the same
# products in different orders. Everything else is the same chain rule.
#
# ## 3. Twenty training steps, in lockstep
#
# `nn.SGD` and `nn.Adam` follow PyTorch's update rules (momentum buffer
# $b \leftarrow \mu b + g$; Adam with bias correction). So the same model, the
# same batches and the same hyperparameters give the same parameters, step
# after step.

# %%
def lockstep(make_ours, make_theirs, steps=20):
    model = MLP(3, [5, 4, 2], activation="tanh", output_activation="sigmoid", seed=0)
    net = model.to_torch()
    opt, topt = make_ours(model.parameters()), make_theirs(net.parameters())
    xt, tt = torch.tensor(X, dtype=f64), torch.tensor(T, dtype=f64)
    losses = []
    for _ in range(steps):
        cost = vsum([mse(model(x), t) for x, t in zip(X, T)]) * (1 / len(X))
        opt.zero_grad()
        cost.backward()
        opt.step()
        tcost = (0.5 * ((net(xt) - tt) ** 2).sum(dim=1)).mean()
        topt.zero_grad()
        tcost.backward()
        topt.step()
        losses.append((cost.data, tcost.item()))
    gap = max(largest_relative_gap(ours, theirs) for ours, theirs in
              zip(chaingrad_groups(model, "data"), net.parameters()))
    return losses, gap


sgd_losses, sgd_gap = lockstep(lambda ps: SGD(ps, lr=0.5, momentum=0.9),
                               lambda ps: torch.optim.SGD(ps, lr=0.5, momentum=0.9))
adam_losses, adam_gap = lockstep(lambda ps: Adam(ps, lr=0.05),
                                 lambda ps: torch.optim.Adam(ps, lr=0.05))
print("step   SGD chaingrad       SGD torch   Adam chaingrad      Adam torch")
for k in (0, 1, 2, 9, 19):
    print(f"{k + 1:>4}", *(f"{v:15.10f}" for v in (*sgd_losses[k], *adam_losses[k])))
print(f"largest parameter gap after 20 steps: SGD {sgd_gap:.1e}, Adam {adam_gap:.1e}")

# %%
assert sgd_gap <= 1e-10 and adam_gap <= 1e-10
assert sgd_losses[-1][0] < sgd_losses[0][0] and adam_losses[-1][0] < adam_losses[0][0]

# %% [markdown]
# ## 4. Any graph, replayed in PyTorch
#
# For an expression of your own, `replay_in_torch(root)` rebuilds the graph
# node by node in torch float64 (a leaf becomes a tensor that requires grad,
# every op the torch function of the same name), runs both reverse passes and
# sets the numbers side by side. It changes no `.grad`.

# %%
a, b = Value(0.7, label="a"), Value(-1.3, label="b")
e = ((a * b).exp() + a ** 3 / (b * b + 1)).log().sigmoid()
report = replay_in_torch(e)
report

# %%
report.check(1e-12)  # raises AssertionError naming the worst node, if any differs more
assert report.max_value_diff <= 1e-15 and report.max_grad_diff <= 1e-15

# %% [markdown]
# ## 5. Handwritten digits: chaingrad, PyTorch, and back
#
# scikit-learn ships 1,797 handwritten digits of 8x8 pixels (`nn.digits`
# loads them from the installed package; nothing is downloaded). Each image
# is 64 inputs in [0, 1], each label a class 0..9; the split into 1,438
# training and 359 test images is fixed and keeps every digit's share.

# %%
X_train, y_train = digits("train")
X_test, y_test = digits("test")
fig, axes = plt.subplots(1, 8, figsize=(8, 1.4))
for ax, image, label in zip(axes, X_train, y_train):
    ax.imshow([image[r * 8:(r + 1) * 8] for r in range(8)], cmap="gray_r")
    ax.set_title(str(label))
    ax.axis("off")
plt.show()
print(len(X_train), "training images,", len(X_test), "test images")

# %% [markdown]
# A 64-32-10 MLP with softmax cross-entropy, trained briefly in chaingrad:
# two epochs over 600 images. Every step builds a graph of about 70,000
# scalar nodes per batch of 32 and walks it backward, in pure Python.

# %%
digit_model = MLP(64, [32, 10], seed=0)
start = time.perf_counter()
fit(digit_model, X_train[:600], y_train[:600], loss="cross_entropy",
    optimizer=Adam(digit_model.parameters(), lr=0.01), epochs=2, batch_size=32, seed=0)
chaingrad_seconds = time.perf_counter() - start
chaingrad_acc = accuracy(digit_model, X_test, y_test)
print(f"chaingrad: test accuracy {chaingrad_acc:.3f} after {chaingrad_seconds:.1f} s")

# %% [markdown]
# Export it, and go on training in PyTorch: on the GPU when there is one, with
# a `DataLoader` that shuffles and batches the full training set, twenty
# epochs. The loss is the same softmax cross-entropy, `F.cross_entropy`.

# %%
device = "cuda" if torch.cuda.is_available() else "cpu"
net = digit_model.to_torch().to(device)
train_set = torch.utils.data.TensorDataset(torch.tensor(X_train, dtype=f64),
                                           torch.tensor(y_train))
loader = torch.utils.data.DataLoader(train_set, batch_size=32, shuffle=True,
                                     generator=torch.Generator().manual_seed(0))
opt = torch.optim.Adam(net.parameters(), lr=0.01)
start = time.perf_counter()
for _ in range(20):  # epochs
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        loss = F.cross_entropy(net(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
torch_seconds = time.perf_counter() - start
with torch.no_grad():
    torch_logits = net(torch.tensor(X_test, dtype=f64, device=device)).cpu()
torch_acc = (torch_logits.argmax(dim=1) == torch.tensor(y_test)).double().mean().item()
print(f"PyTorch on {device}: test accuracy {torch_acc:.3f} after 20 epochs in "
      f"{torch_seconds:.1f} s")

# %% [markdown]
# Back to chaingrad with `MLP.from_torch`: the same weights, so the same
# predictions on every test image, and the same outputs to the last bits.

# %%
back = MLP.from_torch(net.cpu())
back_logits = [back.forward_floats(x) for x in X_test]
back_pred = [max(range(10), key=out.__getitem__) for out in back_logits]
print(back)
print(f"chaingrad again: test accuracy {accuracy(back, X_test, y_test):.3f}")

# %%
assert back_pred == torch_logits.argmax(dim=1).tolist()
assert largest_relative_gap([v for out in back_logits for v in out], torch_logits) <= 1e-12
assert accuracy(back, X_test, y_test) == torch_acc >= 0.9

# %% [markdown]
# One last check on the imported model: the gradient of its mean loss over the
# test set, in chaingrad, against PyTorch's. (On a single image the model is
# sure of, the gradient is $1 - p$ with $p$ within $10^{-6}$ of 1: a tiny number
# that carries the last-bit rounding of $p$, in either engine.)

# %%
test_loss = vsum([cross_entropy(back(x), k) for x, k in zip(X_test, y_test)]) * (1 / len(X_test))
test_loss.backward()
net.zero_grad()
F.cross_entropy(net(torch.tensor(X_test, dtype=f64)), torch.tensor(y_test)).backward()
gap = max(largest_relative_gap(ours, theirs.grad) for ours, theirs in
          zip(chaingrad_groups(back, "grad"), net.parameters()))
print(f"test loss: chaingrad {test_loss.data:.12f}; largest gradient gap {gap:.1e}")
assert gap <= 1e-12

# %% [markdown]
# ## 6. What PyTorch adds once you outgrow scalars
#
# Nothing in the maths changes: a gradient is still a sum over chains of local
# derivatives, δ still flows backward layer by layer, SGD and Adam still take
# the same steps. What changes is the machinery around it:
#
# - **Tensors and batches.** One node is a whole matrix product, `x @ W.T + b`
#   for a batch of 32 images, instead of 70,000 scalar nodes. The local
#   derivative of a node is then a matrix rule (notebook 03), applied in
#   compiled code. The speed difference above is mostly this.
# - **`Dataset` and `DataLoader`.** Shuffling, batching, and loading the next
#   batch in worker processes while the current one trains.
# - **GPUs.** `model.to("cuda")` and `x.to("cuda")`: the same program, thousands
#   of multiplications at once. Train in float32 or bfloat16 there (float64 is
#   for checking, as here), with `torch.autocast` for mixed precision.
# - **Many machines.** `torch.nn.parallel.DistributedDataParallel` (started with
#   `torchrun`) runs one copy of the model per GPU, each on its own share of the
#   batch, and averages their gradients before every step: the mean over a
#   minibatch of notebook 05, split across machines. Fully sharded data
#   parallelism (`FSDP`) splits the parameters too, for models larger than one GPU.
# - **A library.** Layers (`Conv2d`, attention), losses, schedulers,
#   `torch.compile`, and checkpoints (`torch.save(model.state_dict(), ...)`).
#
# The names, side by side:
#
# | chaingrad | PyTorch |
# | --- | --- |
# | `Value(x)` with `.data`, `.grad` | `torch.tensor(x, requires_grad=True)`, `.grad` |
# | `loss.backward()`, `no_grad()` | `loss.backward()`, `torch.no_grad()` |
# | `MLP(64, [32, 10])` | `nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))` |
# | `mse` (½ Σ) | `0.5 * F.mse_loss(out, y, reduction="sum")` |
# | `cross_entropy(logits, k)` | `F.cross_entropy(logits, k)` |
# | `SGD(params, lr, momentum)`, `Adam(params, lr)` | `torch.optim.SGD`, `torch.optim.Adam` |
# | `fit(model, X, y)` | a loop over a `DataLoader`, as in section 5 |
# | `model.to_torch()`, `MLP.from_torch(net)` | the bridge between the two |
