"""check_derivation: the first wrong step of a hand derivation, and the mistake that made it.

Oracles: the learner's numbers are written out by hand from the documents'
formulas (with the mistake made on purpose), never read off the engine's
own diagnosis; the right numbers are the engine's gradients, themselves
checked against the documents elsewhere (tests/derivations).
"""

from __future__ import annotations

import ast
import math
import subprocess
import sys
import textwrap

import pytest

import autograd
from autograd import (
    OPS,
    DerivationError,
    DerivationReport,
    Value,
    apply,
    assert_derivation,
    check_derivation,
    dot,
    gradients,
)
from autograd.ops import CODE_NAMES, Mistake, Primitive
from nn import MLP, cross_entropy, mse

MISTAKES = ("missed_path", "no_chain", "wrong_local", "sign", "factor", "unknown")


def _grads_of(nodes):
    return [n.grad for n in nodes]


def _all_nodes(root):
    return autograd.topo_order(root)


# -- every entry's mistakes, run on a small graph ---------------------------------------

POINTS = [(0.7, 1.3), (-0.7, 1.3), (1.3, 0.7), (-0.4, -0.9), (2.0, 0.5), (0.3, -1.6)]
TABLE = [(name, k) for name, prim in OPS.items() for k in range(len(prim.mistakes))]


def _node_for(prim: Primitive, point):
    """A node of ``prim`` over leaves, and the leaf each mistake's input names."""
    if prim.name == "dot":
        w1, w2, q1, q2, b = (Value(v, label=n) for v, n in
                             zip((point[0], 0.4, point[1], -0.8, 0.25), "w1 w2 q1 q2 b".split()))
        return dot([w1, w2], [q1, q2], b), {0: w1, 1: q1, 2: b}
    if prim.name == "sum":
        a, b = Value(point[0], label="a"), Value(point[1], label="b")
        return apply(prim, a, b), {0: a}
    arity = len(prim.derivatives)
    leaves = [Value(v, label=n) for v, n in zip(point[:arity], ("a", "b"))]
    return apply(prim, *leaves), dict(enumerate(leaves))


def _mistake_case(name: str, k: int):
    """The first point where mistake k differs from the truth and from the op's other
    mistakes on the same input: (root, node, leaf, wrong local, true local)."""
    prim = OPS[name]
    mistake = prim.mistakes[k]
    for point in POINTS:
        try:
            node, leaves = _node_for(prim, point)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue  # outside the op's domain (log of a negative ...)
        leaf = leaves[mistake.input]
        j = next(i for i, p in enumerate(node.parents) if p is leaf)
        values = _evaluate(node, j)
        if values.get(k) is None:
            continue
        others = [v for i, v in values.items() if i != k and v is not None]
        true = node.local_grads[j]
        if abs(values[k] - true) > 1e-3 and all(abs(values[k] - v) > 1e-3 for v in others):
            root = node * 1.7
            root.label = "C"
            node.label = "out"
            return root, node, leaf, values[k], true
    raise AssertionError(f"no point separates mistake {k} of {name!r} from the truth")


def _evaluate(node, j):
    """Every mistake of the node's op on its parent j, evaluated by this test itself
    (the template with the numbers put in): {index in the table: value}."""
    from autograd.see.derivation import _mistakes

    found = {m: v for m, v in _mistakes(node, j)}
    return {i: found.get(m) for i, m in enumerate(OPS[node.op].mistakes)}


@pytest.mark.parametrize(("name", "k"), TABLE, ids=[f"{n}-{k}" for n, k in TABLE])
def test_every_table_mistake_is_diagnosed_as_itself(name, k):
    root, node, leaf, wrong, true = _mistake_case(name, k)
    mistake = OPS[name].mistakes[k]
    given = wrong * 1.7  # δ(out) = 1.7: the learner chains the wrong local derivative
    report = check_derivation(root, {leaf: given})
    assert not report.ok
    assert report.first_wrong is leaf
    assert report.mistake == "wrong_local", str(report)
    assert report.says == mistake.says
    assert report.given == given and report.expected == pytest.approx(true * 1.7, rel=1e-12)
    assert mistake.says in report.diagnosis and name in report.diagnosis


@pytest.mark.parametrize(("name", "k"), TABLE, ids=[f"{n}-{k}" for n, k in TABLE])
def test_every_table_mistake_given_on_the_edge(name, k):
    root, node, leaf, wrong, true = _mistake_case(name, k)
    report = check_derivation(root, {(node, leaf): wrong, node: 1.7})
    assert (report.mistake, report.says, report.edge) == (
        "wrong_local", OPS[name].mistakes[k].says, (node, leaf))
    assert report.expected == pytest.approx(true) and report.given == wrong


ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Compare, ast.Call, ast.Name,
           ast.Constant, ast.Load, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub,
           ast.UAdd, ast.Gt, ast.Lt, ast.GtE, ast.LtE, ast.Eq, ast.BoolOp, ast.And, ast.Or)


@pytest.mark.parametrize("name", [n for n, p in OPS.items() if p.mistakes])
def test_mistake_templates_are_code_templates(name):
    """Arithmetic, **, calls of CODE_NAMES or an op's forward, conditionals: what the
    live page translates to JavaScript. Each template gives a float at some point."""
    for m in OPS[name].mistakes:
        assert isinstance(m, Mistake) and m.says and ":" in m.says
        tree = ast.parse(m.code.format("x0", "x1", out="out"), mode="eval")
        for sub in ast.walk(tree):
            assert isinstance(sub, ALLOWED), (name, m.code, type(sub).__name__)
            if isinstance(sub, ast.Call):
                assert isinstance(sub.func, ast.Name)
                assert sub.func.id in CODE_NAMES or sub.func.id in OPS, (name, sub.func.id)
            if isinstance(sub, ast.Name) and sub.id not in ("x0", "x1", "out"):
                assert sub.id in CODE_NAMES or sub.id in OPS, (name, sub.id)


def test_the_catalogue_covers_the_issue_ops():
    for name in ("tanh", "sigmoid", "exp", "log", "*", "/", "**", "relu", "sqrt", "sin",
                 "cos", "-", "dot"):
        assert OPS[name].mistakes, name


def test_a_bad_mistake_entry_is_refused_where_it_is_written():
    with pytest.raises(ValueError, match="input 1"):
        Primitive(name="sq", forward=lambda x: x * x, derivatives=(lambda o, x: 2 * x,),
                  symbols=("2{0}",), formulas=("2x",), text="sq({0})",
                  mistakes=(Mistake(1, "{0}", "x: (x²)' = 2x"),))
    with pytest.raises(TypeError, match="tuple of Mistake"):
        Primitive(name="sq", forward=lambda x: x * x, derivatives=(lambda o, x: 2 * x,),
                  symbols=("2{0}",), formulas=("2x",), text="sq({0})", mistakes=("{0}",))
    with pytest.raises(ValueError, match="input"):
        Mistake(-1, "{0}", "x")
    with pytest.raises(TypeError, match="code"):
        Mistake(0, "", "x")


def test_a_registered_op_brings_its_own_mistakes():
    cube = Primitive(name="cube_d", forward=lambda x: x ** 3,
                     derivatives=(lambda out, x: 3 * x * x,), symbols=("3·{0}²",),
                     formulas=("(x³)' = 3x²",), text="cube({0})",
                     mistakes=(Mistake(0, "3.0 * {0}", "3x: (x³)' = 3x², lowered by one"),))
    autograd.register(cube)
    try:
        x = Value(2.0, label="x")
        y = apply(cube, x)
        r = check_derivation(y, {"x": 6.0})
        assert (r.mistake, r.says) == ("wrong_local", cube.mistakes[0].says)
    finally:
        del OPS["cube_d"]


# -- document 003's chains ----------------------------------------------------------------


def _chain_003(acts=("tanh", "sigmoid", "tanh", "tanh")):
    """003 §II: p0 = x0, q_i = σ_i(p_i), p_{i+1} = w_{i,i+1} q_i, C = (q3 − y)²/2."""
    w = [Value(0.9, label="w01"), Value(-1.1, label="w12"), Value(0.7, label="w23")]
    p = [Value(0.8, label="p0")]
    q = []
    for i in range(4):
        q.append(getattr(p[i], acts[i])())
        q[i].label = f"q{i}"
        if i < 3:
            p.append(w[i] * q[i])
            p[i + 1].label = f"p{i + 1}"
    y = 0.3
    C = (q[3] - y) ** 2 / 2
    C.label = "C"
    return C, w, p, q, y


def _dtanh(q):
    return 1 - q * q


def test_003_the_whole_hand_derivation_is_right():
    C, w, p, q, y = _chain_003()
    d0 = (q[3].data - y) * _dtanh(q[3].data)  # δ0 = (q3 − y) σ3'(p3)
    d1 = d0 * w[2].data * _dtanh(q[2].data)
    d2 = d1 * w[1].data * q[1].data * (1 - q[1].data)
    hand = {"p3": d0, "p2": d1, "p1": d2, "w23": d0 * q[2].data, "w12": d1 * q[1].data,
            "w01": d2 * q[0].data, "q3": q[3].data - y}
    report = check_derivation(C, hand)
    assert report.ok and report.mistake is None and report.checked == 7
    assert "7 hand numbers" in str(report) and bool(report)
    assert assert_derivation(C, hand) is None


def test_003_tanh_prime_from_the_input_is_found_at_its_origin():
    """δ0 with 1 − p3² (the learner's classic), then carried on correctly: the first
    wrong node is p3, not p2, p1 or the weights the mistake spread to."""
    C, w, p, q, y = _chain_003()
    d0 = (q[3].data - y) * (1 - p[3].data ** 2)  # wrong: tanh' reads q3, not p3
    d1 = d0 * w[2].data * _dtanh(q[2].data)
    report = check_derivation(C, {"w01": 0.5, "p2": d1, "w23": d0 * q[2].data, "p3": d0})
    assert report.first_wrong is p[3] and report.mistake == "wrong_local"
    assert report.says == OPS["tanh"].mistakes[0].says
    text = str(report)
    right = (q[3].data - y) * _dtanh(q[3].data)
    for word in ("p3", "tanh", "q3", f"{d0:.6g}", f"{right:.6g}", number3(1 - p[3].data ** 2)):
        assert word in text, (word, text)


def number3(x):
    return f"{x:.4g}"


def test_003_weight_with_its_own_value_instead_of_the_input():
    C, w, p, q, y = _chain_003()
    d0 = (q[3].data - y) * _dtanh(q[3].data)
    report = check_derivation(C, {"p3": d0, "w23": d0 * w[2].data})  # δ × w, not δ × q
    assert report.first_wrong is w[2] and report.mistake == "wrong_local"
    assert "δ(p3) × q2" in report.diagnosis  # the δ × q split of a weight
    assert number3(d0) in report.diagnosis and number3(q[2].data) in report.diagnosis


def test_003_no_chain_sign_and_factor():
    C, w, p, q, y = _chain_003()
    # the local derivative tanh'(p3) alone, without × dC/dq3
    r = check_derivation(C, {"p3": _dtanh(q[3].data)})
    assert (r.first_wrong, r.mistake) == (p[3], "no_chain")
    # y − q3 for dC/dq3: a sign
    r = check_derivation(C, {"q3": y - q[3].data})
    assert (r.first_wrong, r.mistake) == (q[3], "sign")
    # the ½ of (q3 − y)²/2 forgotten: 2(q3 − y)
    r = check_derivation(C, {"q3": 2 * (q[3].data - y)})
    assert (r.first_wrong, r.mistake) == (q[3], "factor")
    assert "½" in r.diagnosis


def test_003_sigmoid_as_its_own_derivative_in_an_unwritten_step():
    """The learner gives only the weights; σ1'(p1) taken as σ(p1) in a step not written."""
    C, w, p, q, y = _chain_003()
    d0 = (q[3].data - y) * _dtanh(q[3].data)
    d1 = d0 * w[2].data * _dtanh(q[2].data)
    d2 = d1 * w[1].data * q[1].data  # σ'(p1) written as σ(p1) = q1
    report = check_derivation(C, {"w23": d0 * q[2].data, "w12": d1 * q[1].data,
                                  "w01": d2 * q[0].data})
    assert report.first_wrong is w[0] and report.mistake == "wrong_local"
    assert report.says == OPS["sigmoid"].mistakes[0].says
    assert "did not write down" in report.diagnosis and "p1" in report.diagnosis


# -- a tanh neuron (micrograd's) ----------------------------------------------------------


def _neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    s = x1w1 + x2w2
    s.label = "s"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, locals()


def test_tanh_neuron_right_and_each_classic_mistake():
    o, v = _neuron()
    dn = 1 - o.data ** 2  # 0.5
    right = {"n": dn, "b": dn, "x1w1": dn, "w1": dn * 2.0, "x1": dn * -3.0, "w2": 0.0,
             "x2": dn * 1.0}
    assert check_derivation(o, right).ok
    r = check_derivation(o, {**right, "n": 1 - v["n"].data ** 2})  # 1 − n², not 1 − o²
    assert (r.first_wrong, r.mistake, r.says) == (v["n"], "wrong_local",
                                                  OPS["tanh"].mistakes[0].says)
    assert "o" in r.diagnosis and "tanh" in r.diagnosis
    r = check_derivation(o, {"n": dn, "w1": dn * -3.0})  # its own value, not x1
    assert (r.first_wrong, r.mistake) == (v["w1"], "wrong_local")
    assert "δ(x1w1) × x1 = 0.5 × 2 = 1" in r.diagnosis


# -- a sigmoid with cross-entropy (nn.losses) ---------------------------------------------


def test_softmax_cross_entropy_forgetting_the_minus_one_is_a_missed_path():
    """001: dL/dz_t = softmax_t − 1. The learner writes softmax_t: the path through
    −z_t is missed."""
    zs = [Value(v, label=f"z{i}") for i, v in enumerate((1.0, 2.0, 0.5))]
    L = cross_entropy(zs, 1)
    e = [math.exp(z.data) for z in zs]
    s = [x / sum(e) for x in e]
    right = {"z0": s[0], "z1": s[1] - 1, "z2": s[2]}
    assert check_derivation(L, right).ok
    r = check_derivation(L, {**right, "z1": s[1]})
    assert (r.first_wrong, r.mistake) == (zs[1], "missed_path")
    assert "+=" in r.diagnosis


def test_sigmoid_then_cross_entropy_by_hand():
    """q = σ(z), L = −[y log q + (1 − y) log(1 − q)]: dL/dz = q − y."""
    z = Value(0.4, label="z")
    q = z.sigmoid()
    q.label = "q"
    y = 1.0
    L = -(y * q.log() + (1 - y) * (1 - q).log())
    L.label = "L"
    qd = q.data
    assert check_derivation(L, {"z": qd - y, "q": -y / qd}).ok
    # σ'(z) taken as σ(z): dL/dz = dL/dq · σ(z)
    r = check_derivation(L, {"q": -y / qd, "z": -y / qd * qd})
    assert (r.first_wrong, r.mistake) == (z, "wrong_local")
    assert r.says == OPS["sigmoid"].mistakes[0].says
    # log' as 1/log q: dL/dq = −y / log q
    r = check_derivation(L, {"q": -y / math.log(qd)})
    assert (r.first_wrong, r.mistake, r.says) == (q, "wrong_local", OPS["log"].mistakes[0].says)


def test_nn_binary_cross_entropy_unwritten_softplus_mistake():
    """nn's stable BCE for z < 0 is log(1 + eᶻ) − y·z; a learner who drops the inner eᶻ
    of the chain rule gets 1/(1 + eᶻ) − y for dL/dz (softplus' mistaken)."""
    from nn import binary_cross_entropy

    z = Value(-0.6, label="z")
    L = binary_cross_entropy(z, 1.0)
    y = 1.0
    assert check_derivation(L, {z: 1 / (1 + math.exp(0.6)) - y}).ok  # σ(z) − y
    r = check_derivation(L, {z: 1 / (1 + math.exp(-0.6)) - y})
    assert r.mistake in ("wrong_local", "unknown") and r.first_wrong is z


# -- a small MLP ----------------------------------------------------------------------------


def test_small_mlp_tanh_prime_mistake_in_a_hidden_neuron():
    model = MLP(2, [3, 1], activation="tanh", seed=3)
    x = [Value(0.5, label="x0"), Value(-1.2, label="x1")]
    out = model(x)
    C = mse(out, 0.25)
    neuron = model.layers[0].neurons[1]
    w = neuron.w[0]
    (true_w,) = [gradients(C, [w])[0]]
    # the hidden neuron's p and q: w's consumer is its dot node, the tanh reads it
    p = next(n for n in _all_nodes(C) if n.op == "dot" and any(a is w for a in n.parents))
    qn = next(n for n in _all_nodes(C) if n.op == "tanh" and n.parents[0] is p)
    wrong = true_w * (1 - p.data ** 2) / (1 - qn.data ** 2)
    before = _grads_of(model.parameters() + x)
    r = check_derivation(C, {w: wrong})
    assert (r.first_wrong, r.mistake) == (w, "wrong_local")
    assert r.says == OPS["tanh"].mistakes[0].says
    assert check_derivation(C, {w: true_w}).ok
    assert _grads_of(model.parameters() + x) == before


def test_small_mlp_input_used_by_every_neuron_missed_path():
    model = MLP(2, [3, 1], activation="tanh", seed=5)
    x = [Value(0.5, label="x0"), Value(-1.2, label="x1")]
    C = mse(model(x), 0.25)
    uses = [n for n in _all_nodes(C) if any(a is x[0] for a in n.parents)]
    assert len(uses) == 3
    share = gradients(C, [uses[0]])[0] * uses[0].local_grads[
        next(j for j, a in enumerate(uses[0].parents) if a is x[0])]
    r = check_derivation(C, {"x0": share})
    assert (r.first_wrong, r.mistake) == (x[0], "missed_path")


# -- a node used several times ----------------------------------------------------------


def test_x_times_x_with_equals_for_plus_equals():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    r = check_derivation(y, {"x": 3.0})  # micrograd's `self.grad = other.data * out.grad`
    assert (r.first_wrong, r.mistake) == (x, "missed_path")
    assert "used 2 times" in r.diagnosis


def test_a_node_used_three_times_each_share_missed():
    a = Value(1.5, label="a")
    b = a * 2.0
    c = a.exp()
    d = b * c + a
    d.label = "d"
    shares = {"b": 2.0 * c.data, "c": b.data * c.data, "+": 1.0}
    assert check_derivation(d, {a: sum(shares.values())}).ok
    for k in range(3):
        partial = sum(v for i, v in enumerate(shares.values()) if i != k)
        r = check_derivation(d, {a: partial})
        assert (r.first_wrong, r.mistake) == (a, "missed_path"), k


def test_exp_of_the_input_instead_of_the_output():
    a = Value(1.5, label="a")
    e = a.exp()
    e.label = "e"
    C = e * 3.0
    r = check_derivation(C, {"a": 1.5 * 3.0})
    assert (r.mistake, r.says) == ("wrong_local", OPS["exp"].mistakes[0].says)


def test_subtraction_sign_of_the_second_operand():
    a, b = Value(2.0, label="a"), Value(0.5, label="b")
    d = a - b
    C = d * d
    C.label = "C"
    r = check_derivation(C, {"b": 2 * d.data})  # +2d instead of −2d
    assert (r.first_wrong, r.mistake, r.says) == (b, "wrong_local", OPS["-"].mistakes[0].says)


def test_a_mean_over_a_batch_forgotten_is_factor_m():
    xs = [Value(v, label=f"x{i}") for i, v in enumerate((0.5, 1.0, 1.5, 2.0))]
    C = autograd.sum([x * x for x in xs]) * (1 / 4)
    r = check_derivation(C, {"x1": 2 * xs[1].data})  # the 1/m of the mean forgotten
    assert (r.mistake, r.first_wrong) == ("factor", xs[1])
    assert "m = 4" in r.diagnosis


def test_a_number_typed_with_few_digits_is_still_diagnosed():
    o, v = _neuron()
    r = check_derivation(o, {"n": round(1 - v["n"].data ** 2, 2)})  # 1 − n² = 0.22, typed
    assert r.mistake == "wrong_local"
    x = Value(1.0, label="x")
    t = x.tanh()
    r = check_derivation(t, {"x": 0.41997})  # tanh'(1) = 0.4199743..., rounded by hand
    assert r.mistake == "unknown" and "rounded" in r.diagnosis
    assert check_derivation(t, {"x": 0.41997}, rel=1e-4).ok


def test_unknown_still_names_node_expected_and_given():
    o, v = _neuron()
    r = check_derivation(o, {"n": 0.123})
    assert r.mistake == "unknown" and r.expected == pytest.approx(0.5) and r.given == 0.123
    assert "n" in str(r) and "0.123" in str(r) and "0.5" in str(r)


def test_the_root_seed():
    o, _ = _neuron()
    assert check_derivation(o, {o: 1.0}).ok
    r = check_derivation(o, {o: 2.0})
    assert r.first_wrong is o and r.mistake == "factor"


# -- the assertion ------------------------------------------------------------------------


def test_assert_derivation_raises_an_assertion_error_with_the_report():
    o, v = _neuron()
    with pytest.raises(DerivationError) as info:
        assert_derivation(o, {"n": 1 - v["n"].data ** 2})
    assert isinstance(info.value, AssertionError)
    assert isinstance(info.value.report, DerivationReport)
    message = str(info.value)
    assert "wrong at n" in message and "tanh" in message and "wrong_local" in message
    assert "0.5" in message


def test_pytest_shows_the_message_without_our_internals(tmp_path):
    test = tmp_path / "test_learner.py"
    test.write_text(textwrap.dedent("""
        from autograd import Value, assert_derivation

        def test_mine():
            x = Value(3.0, label='x'); y = x * x
            assert_derivation(y, {'x': 3.0})
    """))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(test)], capture_output=True, text=True, cwd=tmp_path,
                         env={**__import__("os").environ}, timeout=120)
    assert run.returncode == 1, run.stdout
    assert "DerivationError" in run.stdout and "missed_path" in run.stdout
    assert "derivation.py" not in run.stdout, run.stdout


# -- bad input, and .grad untouched -------------------------------------------------------


def _graph():
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    c = a * b
    c.label = "c"
    d = (c + a).tanh()
    d.label = "d"
    return d, [a, b, c, d]


@pytest.mark.parametrize(("hand", "error", "words"), [
    ({"zz": 1.0}, ValueError, ["'zz'", "'a'"]),
    ({"a": "0.5"}, TypeError, ["a", "str"]),
    ({"a": float("nan")}, ValueError, ["a", "nan"]),
    ({"a": float("inf")}, ValueError, ["a", "inf"]),
    ({"a": True}, TypeError, ["a", "bool"]),
    ({"a": None}, TypeError, ["a", "NoneType"]),
    ({3: 1.0}, TypeError, ["int"]),
    ({("d", "b"): 1.0}, ValueError, ["no edge", "b"]),
    ({("d", "a", "c"): 1.0}, ValueError, ["pair"]),
])
def test_bad_hand_is_refused_by_name_and_changes_no_grad(hand, error, words):
    d, nodes = _graph()
    for k, n in enumerate(nodes):
        n.grad = 0.25 * k
    before = _grads_of(nodes)
    with pytest.raises(error) as info:
        check_derivation(d, hand)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    assert _grads_of(nodes) == before


def test_a_value_of_another_graph_and_an_ambiguous_label():
    d, nodes = _graph()
    stranger = Value(1.0, label="a")
    with pytest.raises(ValueError, match="not in the graph"):
        check_derivation(d, {stranger: 1.0})
    twin = Value(5.0, label="a")
    e = d * twin
    with pytest.raises(ValueError, match="ambiguous"):
        check_derivation(e, {"a": 1.0})
    assert check_derivation(e, {twin: d.data}).ok  # the Value itself is never ambiguous
    with pytest.raises(ValueError, match="twice"):
        check_derivation(d, {"c": 1.0, nodes[2]: 1.0})
    with pytest.raises(TypeError, match="dict"):
        check_derivation(d, [("a", 1.0)])
    with pytest.raises(TypeError, match="root"):
        check_derivation(2.0, {})
    with pytest.raises(ValueError, match="rel"):
        check_derivation(d, {}, rel=-1)


def test_no_grad_changes_on_right_wrong_and_failing_checks():
    d, nodes = _graph()
    d.backward()
    before = _grads_of(nodes)
    right = {n: g for n, g in zip(nodes, gradients(d, nodes))}
    assert check_derivation(d, right).ok
    assert not check_derivation(d, {nodes[0]: 123.0}).ok
    with pytest.raises(DerivationError):
        assert_derivation(d, {nodes[0]: 123.0})
    assert _grads_of(nodes) == before


def test_report_fields_on_success():
    d, nodes = _graph()
    r = check_derivation(d, {})
    assert r.ok and r.first_wrong is None and r.mistake is None and r.checked == 0
    assert set(MISTAKES) == set(autograd.see.derivation.MISTAKES)
