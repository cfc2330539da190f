# %% [markdown]
# # 08 · Training: moons and spirals
#
# Everything so far computed one gradient. Training is that, repeated:
# run a batch forward, compute the cost, run backward, step every
# parameter against its gradient, and again. `nn.fit` does exactly this
# loop, with a progress bar showing the running loss and accuracy. We
# train two classifiers on toy data sets made in code, plot how they
# learned and what they learned, and check the gradients they trained on
# against central differences once.

# %%
import matplotlib.pyplot as plt
import numpy as np

from autograd import GradcheckError, draw, gradcheck, no_grad, numerical_grad
from autograd import sum as vsum
from nn import MLP, Adam, accuracy, cross_entropy, fit, hinge, moons, spiral

# %% [markdown]
# ## 1. Two moons
#
# Two interleaved half circles, labels $\pm1$. No straight line separates
# them, so a linear model cannot do it; an MLP with two hidden relu
# layers of 16 neurons can. The loss is the hinge loss
# $\max(0,\,1 - y\,s)$ of an SVM (as in micrograd's demo): zero once a
# point is on the right side with a margin, so only the doubtful points
# push on the weights.

# %%
X, y = moons(100, noise=0.1, seed=0)
model = MLP(2, [16, 16, 1], activation="relu", seed=0)
print(model, "with", len(model.parameters()), "parameters")

# %%
history = fit(model, X, y, loss="hinge", optimizer=Adam(model.parameters(), lr=0.03),
              epochs=30, batch_size=20, seed=0)

# %%
def plot_history(history, title):
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(history["loss"], color="C0", label="loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss", color="C0")
    ax2 = ax.twinx()
    ax2.plot(history["accuracy"], color="C1", label="accuracy")
    ax2.set_ylabel("accuracy", color="C1")
    ax2.set_ylim(0, 1.05)
    ax.set_title(title)
    fig.tight_layout()
    plt.show()

plot_history(history, "moons: loss and accuracy per epoch")

# %% [markdown]
# The decision boundary: evaluate the trained network on a grid of
# points and colour each by the class it would predict.
# `model.forward_floats` runs the network on plain floats without
# building a graph, which is much faster when no gradient is needed.

# %%
def plot_boundary(model, X, y, title, classes=None):
    X = np.array(X)
    xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 80)
    ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 80)
    grid = [[a, b] for b in ys for a in xs]
    out = [model.forward_floats(point) for point in grid]
    if classes is None:
        z = np.array([o > 0 for o in out], dtype=float)
    else:
        z = np.array([int(np.argmax(o)) for o in out], dtype=float)
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.contourf(xs, ys, z.reshape(len(ys), len(xs)), alpha=0.3, cmap="coolwarm")
    ax.scatter(X[:, 0], X[:, 1], c=y, s=18, cmap="coolwarm", edgecolors="black", linewidths=0.4)
    ax.set_title(title)
    ax.set_aspect("equal")
    fig.tight_layout()
    plt.show()

plot_boundary(model, X, y, "moons: the learned boundary")

# %%
acc = accuracy(model, X, y, loss="hinge")
print(f"training accuracy: {acc:.2f}")
assert acc >= 0.95
assert history["loss"][-1] < history["loss"][0] / 5

# %% [markdown]
# ## 2. Checking the gradients it trained on
#
# A wrong derivative rule would not crash anything: the network would just
# train badly, or mysteriously well. So we compare the engine's
# gradient of the batch cost with respect to **every** parameter against
# central differences $\big(C(\theta+h) - C(\theta-h)\big)/2h$, each
# nudge a full forward pass over the batch (two per parameter, which is
# why nobody trains this way).

# %%
batch_X, batch_y = X[:10], y[:10]
params = model.parameters()

def batch_cost():
    return vsum([hinge(model(x), t) for x, t in zip(batch_X, batch_y)]) * (1 / len(batch_X))

model.zero_grad()
batch_cost().backward()
analytic = np.array([p.grad for p in params])

def cost_at(*values):
    saved = [p.data for p in params]
    for p, v in zip(params, values):
        p.data = float(v)
    with no_grad():
        c = batch_cost().data
    for p, v in zip(params, saved):
        p.data = v
    return c

numeric = np.array(numerical_grad(cost_at, [p.data for p in params]))
err = np.abs(analytic - numeric).max()
print(f"{len(params)} parameters, largest difference {err:.2e}")

# %%
assert np.allclose(analytic, numeric, atol=1e-6)

# %% [markdown]
# `autograd.gradcheck(f, args)` does the same for a function of plain
# numbers, and when the two disagree it raises an error with a table.
# One honest disagreement is worth seeing: at a kink, such as relu at
# exactly 0, there is no derivative. The engine uses 0 there (as
# PyTorch does); central differences straddle the kink and see ½.

# %%
assert gradcheck(lambda w, b: (w * 0.7 + b).tanh() * w, [0.4, -0.2])
try:
    gradcheck(lambda v: v.relu(), [0.0])
except GradcheckError as err:
    print(err)
    kink_caught = True

# %%
assert kink_caught

# %% [markdown]
# ## 3. A spiral with three arms
#
# Three classes now, so the network ends in three outputs (logits) and
# the loss is cross-entropy (notebook 06): the gradient with respect to
# the logits is $\hat y - y$. tanh hidden layers give the smoother
# boundaries a spiral needs.

# %%
Xs, ys = spiral(90, seed=0)
spiral_model = MLP(2, [16, 16, 3], activation="tanh", seed=0)
spiral_history = fit(spiral_model, Xs, ys, loss="cross_entropy",
                     optimizer=Adam(spiral_model.parameters(), lr=0.03),
                     epochs=40, batch_size=30, seed=0)

# %%
plot_history(spiral_history, "spiral: loss and accuracy per epoch")

# %%
plot_boundary(spiral_model, Xs, ys, "spiral: the learned regions", classes=3)

# %%
spiral_acc = accuracy(spiral_model, Xs, ys, loss="cross_entropy")
print(f"training accuracy: {spiral_acc:.2f}")
assert spiral_acc >= 0.9

# %% [markdown]
# The graph of one example's loss through the trained spiral network,
# collapsed into one box per neuron: each box shows the neuron's output
# and its $\delta$. The three output neurons' $\delta$'s are
# $\hat y - y$ for this example.

# %%
one = cross_entropy(spiral_model.trace(Xs[0]).output, ys[0])
one.label = "loss"
spiral_model.zero_grad()
one.backward()
draw(one, collapse=True)

# %%
t0 = spiral_model.trace(Xs[0])
logits = np.array([v.data for v in t0.output])
y_hat = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
cross_entropy(t0.output, ys[0]).backward()
assert np.allclose(t0.deltas()[-1], y_hat - np.eye(3)[ys[0]])

# %% [markdown]
# **In PyTorch this is** the usual loop, `opt.zero_grad();
# loss.backward(); opt.step()`, with `torch.optim.Adam` and
# `F.cross_entropy`; `tqdm` around the epochs gives the same bar. From
# the command line, `chaingrad train --dataset moons` runs this training
# and writes the plots to files.
#
# **What to remember.** Training is the gradient of notebooks 01–07 in a
# loop. Check gradients once against central differences when anything
# about the model is new; never train with them.
# Back to the map: [00 · start here](00_start_here.ipynb).
