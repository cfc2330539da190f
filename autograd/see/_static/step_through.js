// The step-through: plays the forward pass, then the reverse pass, over Graphviz's SVG.
// Data (cg.data): nodes in forward order, edges (parent p -> consumer c, slot j, local v,
// symbol s), fsteps (op nodes, forward order), bsteps (backward_steps: node, grad,
// contributions [edge, local, consumer grad, amount]), neurons when collapsed.
(function () {
  "use strict";
  var D = cg.data, $ = cg.$, el = cg.el, fmt = cg.fmt, num = cg.num;
  var N = D.nodes.length, F = D.fsteps.length, B = D.bsteps.length, TOTAL = F + B;
  var E = D.edges, nodes = D.nodes;
  var fpos = [], bpos = [], stepOf = [], ins = [], outs = [], unitOf = [], amountOf = [];
  var k, i;
  for (k = 0; k < N; k++) { fpos.push(0); bpos.push(TOTAL + 1); ins.push([]); outs.push([]); unitOf.push(-1); }
  D.fsteps.forEach(function (n, s) { fpos[n] = s + 1; });
  D.bsteps.forEach(function (s, j) {
    bpos[s.n] = F + j + 1; stepOf[s.n] = s;
    s.cs.forEach(function (c) { amountOf[c[0]] = c[3]; });
  });
  E.forEach(function (e, j) { ins[e.c].push(j); outs[e.p].push(j); });
  D.neurons.forEach(function (u, j) { u.members.forEach(function (m) { unitOf[m] = j; }); });

  var valueEl = [], opEl = [], opEdgeEl = [];
  for (k = 0; k < N; k++) { valueEl.push($("v" + k)); opEl.push($("o" + k)); opEdgeEl.push($("oe" + k)); }
  var edgeEl = E.map(function (e) { return e.svg ? $(e.svg) : null; });
  var unitEl = D.neurons.map(function (u) { return $("u" + u.dot); });
  function textOf(g, cls) { return g ? g.querySelector("text." + cls) : null; }
  var dataText = valueEl.map(function (g) { return textOf(g, "t-data"); });
  var gradText = valueEl.map(function (g) { return textOf(g, "t-grad"); });
  var localText = edgeEl.map(function (g, j) { return E[j].svg && E[j].svg.charAt(0) === "e" ? textOf(g, "t-local") : null; });
  var contribText = edgeEl.map(function (g, j) { return E[j].svg && E[j].svg.charAt(0) === "e" ? textOf(g, "t-contrib") : null; });

  var quiz = null;
  var pos = 0, symbols = false, selected = null, carried = [], explained = {}, view = null;
  var graph = $("cg-graph"), player = null;

  function name(n) { return nodes[n].n; }
  function active(p) { return p === 0 ? -1 : (p <= F ? D.fsteps[p - 1] : D.bsteps[p - F - 1].n); }
  function setText(t, s) { if (t && t.textContent !== s) t.textContent = s; }
  function cls(node, c, on) { if (node && node.classList.contains(c) !== on) node.classList.toggle(c, on); }

  // The share of n's gradient that has arrived by position p: its consumers finish in
  // the order its contributions are listed, so it is a prefix sum, added as the engine adds.
  function arrived(n, p) {
    var s = stepOf[n], sum = 0, count = 0;
    if (!s) return {sum: 0, count: 0, all: 0};
    for (var j = 0; j < s.cs.length; j++) {
      if (bpos[E[s.cs[j][0]].c] > p) break;
      sum += s.cs[j][3]; count++;
    }
    return {sum: sum, count: count, all: s.cs.length};
  }

  // In a quiz, the node asked about shows no gradient (nor its parts) until answered.
  function asked(n) { return quiz !== null && pos > F && pos === bpos[n] && quiz.open(); }

  // Whether n's gradient may be shown now: the reverse pass has reached it (and it is not
  // the quiz's open question).
  function shown(n) { return pos >= bpos[n] && !asked(n); }

  function gradLine(n, p, word) {
    if (asked(n)) return word + " ?";
    if (p >= bpos[n]) return word + " " + fmt(nodes[n].g);
    var a = arrived(n, p);
    return word + " " + (a.count ? fmt(a.sum) + "+…" : "?");
  }

  function carry(elements, how) {
    carried.forEach(function (x) { x.classList.remove("cg-carry", "cg-carry-fwd"); });
    carried = elements.filter(Boolean);
    carried.forEach(function (x) { x.classList.add(how); });
  }

  function render() {
    var act = active(pos), n, j;
    for (n = 0; n < N; n++) {
      var known = pos >= fpos[n];
      setText(dataText[n], "data " + (known ? fmt(nodes[n].d) : "?"));
      setText(gradText[n], gradLine(n, pos, "grad"));
      cls(gradText[n], "partial", pos < bpos[n] && arrived(n, pos).count > 0);
      cls(valueEl[n], "cg-asked", asked(n));
      [valueEl[n], opEl[n], opEdgeEl[n]].forEach(function (g) {
        cls(g, "cg-unknown", !known); cls(g, "cg-active", n === act && g !== opEdgeEl[n]);
      });
      cls(valueEl[n], "cg-done", pos >= bpos[n]);
    }
    for (j = 0; j < E.length; j++) {
      if (!localText[j]) continue;
      var e = E[j], ready = pos >= fpos[e.c];
      setText(localText[j], ready ? (symbols ? e.s : fmt(e.v)) : "?");
      setText(contribText[j], "→ " + (pos >= bpos[e.c] && !asked(e.p) ? fmt(amountOf[j]) : "?"));
      cls(edgeEl[j], "cg-unknown", !ready);
    }
    D.neurons.forEach(function (u, j) {
      var g = unitEl[j], known = pos >= fpos[u.out];
      setText(textOf(g, "t-out"), "out " + (known ? fmt(nodes[u.out].d) : "?"));
      setText(textOf(g, "t-delta"), gradLine(u.pre, pos, "δ"));
      cls(textOf(g, "t-delta"), "partial", pos < bpos[u.pre] && arrived(u.pre, pos).count > 0);
      cls(g, "cg-unknown", !known); cls(g, "cg-active", act >= 0 && unitOf[act] === j);
      cls(g, "cg-done", pos >= bpos[u.pre]);
    });
    D.links.forEach(function (l) { cls($(l.svg), "cg-unknown", pos < fpos[E[l.edges[0]].c]); });
    if (act < 0) carry([], "cg-carry");
    else if (pos <= F) carry(ins[act].map(function (x) { return edgeEl[x]; }).concat([opEdgeEl[act]]), "cg-carry-fwd");
    else carry(D.bsteps[pos - F - 1].cs.map(function (c) { return edgeEl[c[0]]; }), "cg-carry");
    marker(act);
    stepPanel(act);
    if (selected) detail();
    nudgeTable();
  }

  function boxOf(n) { return n < 0 ? null : (valueEl[n] || (unitOf[n] >= 0 ? unitEl[unitOf[n]] : null)); }

  // A ▼ over the step's box (a mark that is not a colour), and the box kept in view.
  var mark = null;
  function marker(act) {
    var box = boxOf(act);
    if (!mark) {
      mark = document.createElementNS("http://www.w3.org/2000/svg", "text");
      mark.setAttribute("id", "cg-marker");
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = "▼";
      var root = graph.querySelector("g.graph") || graph.querySelector("svg");
      root.appendChild(mark);
    }
    if (!box) { mark.setAttribute("visibility", "hidden"); return; }
    var b = box.getBBox();
    mark.setAttribute("x", String(b.x + b.width / 2 - 6));
    mark.setAttribute("y", String(b.y - 3));
    mark.setAttribute("visibility", "visible");
    if (view) view.show(box);
  }

  function statusText() {
    if (pos === 0) return "start (0 of " + TOTAL + ")";
    if (pos <= F) return "forward " + pos + " of " + F;
    return "reverse " + (pos - F) + " of " + B;
  }

  // -- the step's arithmetic --------------------------------------------------------
  function stepPanel(act) {
    var box = cg.clear($("cg-step"));
    ["data-grad", "data-asking", "data-node", "data-phase"].forEach(function (a) { box.removeAttribute(a); });
    box.setAttribute("data-pos", String(pos));
    if (act < 0) {
      var leaves = [];
      for (var n = 0; n < N && leaves.length < 8; n++) if (fpos[n] === 0) leaves.push(name(n) + " = " + fmt(nodes[n].d));
      box.appendChild(el("h2", null, "Start"));
      box.appendChild(el("p", null, "The leaves (inputs and parameters) hold their values: ",
        el("code", null, leaves.join(", ") + (N - F > 8 ? ", …" : "")), "."));
      box.appendChild(el("p", null, "Press Next ▶ or → to run the forward pass one node at a time (" +
        F + " steps), then the reverse pass (" + B + " steps, one per node)."));
      return;
    }
    var inside = unitOf[act] >= 0 ? " (inside neuron " + D.neurons[unitOf[act]].name + ")" : "";
    box.setAttribute("data-node", String(act));
    if (pos <= F) {
      box.setAttribute("data-phase", "forward");
      box.appendChild(el("h2", null, "Forward step " + pos + " of " + F));
      box.appendChild(el("p", null, "Compute ", el("b", null, name(act)), inside, " from its inputs:"));
      box.appendChild(el("div", {class: "calc"},
        el("code", null, name(act) + " = " + nodes[act].rhs), el("br"),
        el("code", null, "= " + numbersIn(act)), el("br"),
        el("code", null, "= "), el("b", {class: "result"}, num(nodes[act].d))));
      return;
    }
    var s = D.bsteps[pos - F - 1];
    box.setAttribute("data-phase", "reverse");
    box.appendChild(el("h2", null, "Reverse step " + (pos - F) + " of " + B));
    if (quiz && !quizPanel(box, s, act)) return;
    box.setAttribute("data-grad", String(s.g));
    if (!s.cs.length) {
      box.appendChild(el("p", null, el("b", null, name(act)), " is the output: its gradient is the seed, d",
        name(act), "/d", name(act), " = ", num(s.g, "result"), "."));
      return;
    }
    box.appendChild(el("p", null, el("b", null, name(act)), inside, " now holds its whole gradient: the sum, over the " +
      s.cs.length + " edge" + (s.cs.length > 1 ? "s" : "") + " to its consumers, of local derivative × consumer's grad."));
    box.appendChild(el("p", null, el("code", null, name(act) + ".grad = " + s.cs.map(function (c) {
      return wrap(E[c[0]].s) + " · " + name(E[c[0]].c) + ".grad";
    }).join(" + "))));
    var rows = [], running = 0;
    s.cs.forEach(function (c) {
      running += c[3];
      rows.push(el("tr", {class: "contrib", "data-edge": c[0], "data-local": String(c[1]),
                          "data-consumer-grad": String(c[2]), "data-amount": String(c[3]),
                          "data-running": String(running)},
        el("td", null, name(E[c[0]].c)), el("td", null, E[c[0]].s === fmt(c[1]) ? "" : E[c[0]].s + " = ", num(c[1])),
        el("td", null, "× ", num(c[2])), el("td", null, "= ", num(c[3])), el("td", null, num(running))));
    });
    box.appendChild(el("table", {class: "arith"},
      el("thead", null, el("tr", null, el("th", null, "consumer"), el("th", null, "local derivative"),
        el("th", null, "× its grad"), el("th", null, "= contribution"), el("th", null, "sum so far"))),
      el("tbody", null, rows)));
    box.appendChild(el("p", {class: "calc"}, el("code", null, name(act) + ".grad = "), el("b", {class: "result"}, num(s.g))));
  }

  // The op's text with its arguments' numbers (holes \u0000k\u0000 in the data, filled here).
  function numbersIn(k) {
    return nodes[k].rt.replace(/\u0000(\d+)\u0000/g, function (m, i) { return fmt(nodes[Number(i)].d); });
  }

  function wrap(sym) { return /^[\w.'₀-₉]+(\([\w.'₀-₉ ]*\))?$/.test(sym) ? sym : "(" + sym + ")"; }

  // -- a node's gradient as a sum over paths (explain) ----------------------------------
  var LIST = 50, ENUMERATE = 20000;
  function paths(n) {
    var reach = new Uint8Array(N), count = new Float64Array(N), R = D.root;
    reach[n] = 1; count[n] = 1;
    for (var m = n + 1; m < N; m++) {
      var c = 0;
      for (var j = 0; j < ins[m].length; j++) { var p = E[ins[m][j]].p; if (reach[p]) c += count[p]; }
      if (c > 0) { reach[m] = 1; count[m] = c; }
    }
    var out = {n: count[R], listed: [], sum: 0, all: count[R] <= ENUMERATE};
    if (!reach[R]) return out;
    var stack = [[R, []]];
    while (stack.length) {  // depth first from the root, first input first, as explain()
      var top = stack.pop(), node = top[0], es = top[1];
      if (node === n) {
        var prod = 1;
        es.forEach(function (x) { prod *= E[x].v; });
        out.sum += prod;
        if (out.listed.length < LIST) out.listed.push({edges: es, product: prod});
        if (!out.all && out.listed.length >= LIST) break;
        continue;
      }
      for (var q = ins[node].length - 1; q >= 0; q--) {
        var x = ins[node][q];
        if (reach[E[x].p]) stack.push([E[x].p, es.concat([x])]);
      }
    }
    return out;
  }

  function explainNode(n) {
    var box = el("div", {class: "explain", "data-node": n, "data-grad": String(nodes[n].g)});
    var R = D.root, ps = paths(n);
    var head = "d" + name(R) + "/d" + name(n);
    box.appendChild(el("h3", null, "Its gradient as a sum over paths"));
    if (ps.n === 0) { box.appendChild(el("p", null, name(R) + " does not depend on " + name(n) + ".")); return box; }
    box.appendChild(el("p", null, head + " = the sum, over the " + ps.n + " path" + (ps.n > 1 ? "s" : "") +
      " from " + name(n) + " up to " + name(R) + ", of the product of the local derivatives on it (output first):"));
    var list = el("ol", {class: "paths"});
    ps.listed.forEach(function (path) {
      var route = [name(R)].concat(path.edges.map(function (x) { return name(E[x].p); })).join(" ← ");
      list.appendChild(el("li", {class: "path", "data-product": String(path.product)},
        el("div", {class: "muted"}, route),
        el("code", null, path.edges.map(function (x) { return E[x].s; }).join(" · ") || "1"), el("br"),
        el("code", null, "= " + (path.edges.map(function (x) { return fmt(E[x].v); }).join(" × ") || "1") + " = "),
        num(path.product)));
    });
    box.appendChild(list);
    var total = ps.all ? ps.sum : nodes[n].g;
    var sumLine = el("p", {class: "total", "data-total": String(total), "data-paths": String(ps.n),
                          "data-listed-all": String(ps.all && ps.listed.length === ps.n)});
    if (ps.listed.length < ps.n) sumLine.appendChild(el("span", null, "… and " + (ps.n - ps.listed.length) + " more. "));
    sumLine.appendChild(el("span", null, ps.all ? "Sum over all " + ps.n + " paths: " :
      "Too many paths to add one by one; the reverse pass adds them grouped: "));
    sumLine.appendChild(el("b", null, num(total)));
    sumLine.appendChild(el("span", null, "  (grad from the reverse pass: "));
    sumLine.appendChild(num(nodes[n].g, "grad"));
    sumLine.appendChild(el("span", null, ")"));
    box.appendChild(sumLine);
    if (outs[n].length && n !== R) box.appendChild(split(n));
    return box;
  }

  // δ × q per edge out of n: backward chain (δ of the consumer, or of its bias add) × forward chain.
  function split(n) {
    var order = outs[n].slice().sort(function (a, b) { return E[b].c - E[a].c || E[a].j - E[b].j; });
    var rows = order.map(function (x) {  // consumers output first, as explain() lists them
      var e = E[x], d = nodes[e.dn].g;
      return el("li", {class: "split", "data-delta": String(d), "data-forward": String(e.v), "data-product": String(d * e.v)},
        "δ(" + name(e.dn) + ") × " + e.s + " = ", num(d), " × ", num(e.v), " = ", num(d * e.v));
    });
    return el("div", null, el("h3", null, "As backward chain × forward chain (δ × q)"), el("ul", {class: "splits"}, rows));
  }


  // -- live: a leaf gets a new value, the page computes the graph again ------------------------
  // Forward in forward order with each op's JS (CG_OPS, generated from the op table), only the
  // nodes downstream of the leaf; then the reverse pass as backward_steps walks it: a node's grad
  // is 0 (the root's the seed 1) plus its contributions, local derivative × consumer's grad, in
  // the order they arrive. Nothing is kept unless all of it is finite.
  var byName = {}, original = nodes.map(function (v) { return v.d; }), problem = null, editing = null;
  nodes.forEach(function (v, k) { byName[v.n] = k; });
  function argsOf(k, vals) { return nodes[k].a.map(function (x) { return typeof x === "number" ? vals[x] : x[0]; }); }
  function operandText(k, a) {
    return nodes[k].a.map(function (x, i) {
      return typeof x === "number" ? "node '" + name(x) + "' = " + fmt(a[i], 6) : fmt(a[i], 6);
    }).join(", ");
  }
  function opFacts(k) { return D.ops[nodes[k].k] || {name: nodes[k].op, domain: "", rules: ""}; }
  // The engine's reason: NaN is a domain error; an infinity is a division by zero, a pole
  // (an input at 0 or ±1: log 0, atanh 1) or else an overflow (exp 1000, 1e200 ** 2).
  function reason(k, a, out) {
    if (out !== out) return "input outside the domain";
    if (nodes[k].op === "/" && a[1] === 0) return "division by zero";
    var pole = a.some(function (x) { return x === 0 || Math.abs(x) === 1; });
    return pole ? "input outside the domain" : "the result overflows a float";
  }
  function forwardError(k, a, out) {
    var o = opFacts(k);
    return o.name + ": " + reason(k, a, out) + ", with operands " + operandText(k, a) +
      (o.domain ? "; " + o.name + " needs " + o.domain : "") + " (node " + name(k) + ")";
  }
  function derivativeError(k, a, out) {
    var o = opFacts(k);
    return o.name + ": the value " + fmt(out, 6) + " is defined but a local derivative is not (it is infinite here), " +
      "with operands " + operandText(k, a) + "; the rule: " + o.rules + " (node " + name(k) + ")";
  }

  function forwardPass(leaf, value) {
    var vals = nodes.map(function (v) { return v.d; }), locs = E.map(function (e) { return e.v; });
    var dirty = new Uint8Array(N), k, j;
    vals[leaf] = value; dirty[leaf] = 1;
    for (k = leaf + 1; k < N; k++) {
      var v = nodes[k], moved = false;
      if (!v.a) continue;
      for (j = 0; j < v.a.length; j++) if (typeof v.a[j] === "number" && dirty[v.a[j]]) { moved = true; break; }
      if (!moved) continue;
      dirty[k] = 1;
      var op = v.k ? CG_OPS[v.k] : undefined;
      if (!op) return {error: name(leaf) + " cannot be edited live here: node " + name(k) + " is made by the op " +
        JSON.stringify(v.op) + ", which the page cannot compute (" + (D.live[v.k || v.op] || "no JavaScript for it") + ")"};
      var a = argsOf(k, vals), out = op.f(a);
      if (!isFinite(out)) return {error: forwardError(k, a, out)};
      vals[k] = out;
      var ds = op.d(out, a);
      for (j = 0; j < ins[k].length; j++) {
        var x = ins[k][j], local = ds[E[x].i];
        if (!isFinite(local)) return {error: derivativeError(k, a, out)};
        locs[x] = local;
      }
    }
    return {vals: vals, locs: locs};
  }

  function reversePass(r) {
    var grads = new Float64Array(N), amounts = new Float64Array(E.length);
    for (var t = 0; t < B; t++) {
      var s = D.bsteps[t], g = s.n === D.root ? 1 : 0;
      for (var j = 0; j < s.cs.length; j++) {
        var x = s.cs[j][0], amount = r.locs[x] * grads[E[x].c];
        amounts[x] = amount; g += amount;
      }
      if (!isFinite(g)) return {error: "the gradient of " + name(s.n) + " (op " + JSON.stringify(nodes[s.n].op || "leaf") +
        ") is " + g + "; a page cannot show a pass that overflows"};
      grads[s.n] = g;
    }
    r.grads = grads; r.amounts = amounts;
    return r;
  }

  function commit(r) {
    var k, t, j;
    for (k = 0; k < N; k++) { nodes[k].d = r.vals[k]; nodes[k].g = r.grads[k]; }
    for (j = 0; j < E.length; j++) { E[j].v = r.locs[j]; amountOf[j] = r.amounts[j]; }
    for (t = 0; t < B; t++) {
      var s = D.bsteps[t];
      s.g = r.grads[s.n];
      s.cs.forEach(function (c) { c[1] = r.locs[c[0]]; c[2] = r.grads[E[c[0]].c]; c[3] = r.amounts[c[0]]; });
    }
    explained = {};
    D.why = {};  // said of the values the page was built with
    if (quiz) quiz.reset();
  }

  function showProblem(text) {
    problem = text;
    var box = $("cg-problem");
    box.hidden = !text;
    setText(box, text || "");
  }

  // A node by its name (its label when unique, else v<k>), or by a label that several share
  // only when one node has it.
  function leafOf(label) {
    var key = String(label), k = byName[key];
    if (k !== undefined) return k;
    var same = [];
    nodes.forEach(function (v, j) { if (v.l === key) same.push(j); });
    if (same.length === 1) return same[0];
    if (same.length > 1) throw new Error("chaingrad: " + same.length + " nodes are labelled " + JSON.stringify(key) +
      " (named " + same.map(name).join(", ") + "): give one of these names");
    throw new Error("chaingrad: no node is named " + JSON.stringify(key));
  }

  function setLeaf(k, value) {
    if (nodes[k].a) throw new Error("chaingrad.set: " + name(k) + " is made by an op (" + nodes[k].op + "), not a leaf; set a leaf");
    if (typeof value !== "number" || !isFinite(value)) {
      var bad = name(k) + ": " + String(value) + " is not a finite number; the value stays " + fmt(nodes[k].d, 6);
      showProblem(bad);
      return {ok: false, error: bad};
    }
    var r = forwardPass(k, value);
    if (!r.error) r = reversePass(r);
    if (r.error) {
      var text = r.error + ". " + name(k) + " stays " + fmt(nodes[k].d, 6) + ".";
      showProblem(text);
      return {ok: false, error: text};
    }
    showProblem(null);
    commit(r);
    render();
    return {ok: true, error: null};
  }

  // C after x moves by h (the forward pass only), beside the gradient: the lecture's check.
  function nudge(k, h) {
    var before = nodes[D.root].d, r = forwardPass(k, nodes[k].d + h);
    if (r.error) return {h: h, error: r.error};
    var after = r.vals[D.root];
    return {h: h, before: before, after: after, slope: (after - before) / h, grad: nodes[k].g};
  }

  var NUDGES = [0.1, 0.01, 0.001];
  function editor(k) {
    var box = cg.clear($("cg-edit")), v = nodes[k].d;
    box.hidden = false;
    var field = el("input", {id: "cg-value", type: "number", step: "any", value: String(v), "aria-label": "new value of " + name(k)});
    var span = Math.max(1, Math.abs(v));
    var drag = el("input", {id: "cg-drag", type: "range", min: String(v - 2 * span), max: String(v + 2 * span),
      step: String(span / 200), value: String(v), "aria-label": "drag the value of " + name(k)});
    var reset = el("button", {id: "cg-reset", type: "button"}, "reset to " + fmt(original[k]));
    field.addEventListener("change", function () { if (field.value !== "") setLeaf(k, Number(field.value)); });
    drag.addEventListener("input", function () { if (setLeaf(k, Number(drag.value)).ok) field.value = String(nodes[k].d); });
    reset.addEventListener("click", function () { setLeaf(k, original[k]); field.value = String(nodes[k].d); editor(k); });
    box.appendChild(el("h3", null, "Change " + name(k)));
    box.appendChild(el("p", null, el("label", null, "value ", field), " ", drag, " ", reset));
    box.appendChild(el("p", {class: "muted"}, "Type a number (Enter) or drag: the page computes every node again, forward and reverse."));
    box.appendChild(el("h3", null, "Nudge by h: does ΔC/h approach the gradient?"));
    box.appendChild(el("div", {id: "cg-nudge"}));
    editing = k;
    nudgeTable();
  }

  function nudgeTable() {
    var box = $("cg-nudge"), field = $("cg-value");
    if (!box || editing === null) return;
    if (field && document.activeElement !== field && Number(field.value) !== nodes[editing].d) field.value = String(nodes[editing].d);
    var k = editing, R = D.root, rows = NUDGES.map(function (h) {
      var r = nudge(k, h);
      if (r.error) return el("tr", {class: "nudge"}, el("td", null, String(h)), el("td", {colspan: "4"}, r.error));
      return el("tr", {class: "nudge", "data-h": String(h), "data-after": String(r.after), "data-slope": String(r.slope)},
        el("td", null, String(h)), el("td", null, num(r.after)), el("td", null, num(r.after - r.before)),
        el("td", null, num(r.slope)), el("td", null, shown(k) ? num(Math.abs(r.slope - r.grad)) : "?"));
    });
    cg.clear(box);
    box.appendChild(el("p", null, name(R) + " = ", num(nodes[R].d), " now; d" + name(R) + "/d" + name(k) + " = ",
      shown(k) ? num(nodes[k].g, "grad") : "? (shown once the reverse pass reaches " + name(k) + (quiz ? " and you answer" : "") + ")",
      shown(k) ? " (the reverse pass)" : ""));
    box.appendChild(el("table", {class: "arith"}, el("thead", null, el("tr", null, el("th", null, "h"),
      el("th", null, name(R) + " after"), el("th", null, "Δ" + name(R)), el("th", null, "Δ" + name(R) + "/h"),
      el("th", null, "|Δ/h − grad|"))), el("tbody", null, rows)));
  }

  function labelOf(k) { return k < 0 ? null : name(k); }
  function phase() { return pos === 0 ? "start" : (pos <= F ? "forward" : "reverse"); }
  window.chaingrad = {
    set: function (label, value) { return setLeaf(leafOf(label), value); },
    data: function (label) { return nodes[leafOf(label)].d; },
    grad: function (label) { return nodes[leafOf(label)].g; },
    step: function (k) { player.go(k); return pos; },
    steps: function () { return TOTAL; },
    current: function () { return {phase: phase(), label: labelOf(active(pos))}; },
    nudge: function (label, h) { return nudge(leafOf(label), Number(h)); },
    labels: function () { return nodes.map(function (v) { return v.n; }); },
    error: function () { return problem; },
    view: function () { return view.state(); },
    answer: function (value) { return quiz ? quiz.answer(value) : {correct: false, mistake: null, message: "this page has no quiz: build it with step_through(root, quiz=True)"}; }
  };


  // -- the quiz: at each reverse step, the learner's number first, then the diagnosis --------
  // The candidates and their order are the derivation checker's (autograd.check_derivation):
  // a table mistake in a local derivative (wrong_local), a consumer's share missed
  // (missed_path, `=` for `+=`), the negative (sign), ×2 or ×½ (factor), a local derivative
  // not multiplied by its consumer's grad (no_chain); else unknown.
  var REL = 1e-6, ABS = 1e-12, CAP = 0.05, MAX_SUBSETS = 12;
  var FACTORS = [[2, "2 (a ½ forgotten, as the ½ of a squared error)"], [0.5, "½ (a 2 forgotten, as the 2 of a square's 2x)"]];
  function close(a, b, tol) {
    if (tol === undefined) return Math.abs(a - b) <= Math.max(REL * Math.max(Math.abs(a), Math.abs(b)), ABS);
    return Math.abs(a - b) <= tol;
  }
  function typedTolerance(given, typed) {  // half a unit in the last digit typed, at most 5%
    var m = /\.(\d+)(?:e([+-]?\d+))?$/i.exec(typed || ""), e = /e([+-]?\d+)$/i.exec(typed || "");
    var exp = (e ? Number(e[1]) : 0) - (m ? m[1].length : 0);
    return Math.max(Math.min(0.5 * Math.pow(10, exp), CAP * Math.abs(given)), REL * Math.abs(given), ABS);
  }
  function fsum(xs) { var s = 0; xs.forEach(function (x) { s += x; }); return s; }
  function subsets(n) {
    var out = [], size, k;
    if (n > MAX_SUBSETS) {
      for (k = 0; k < n; k++) out.push([k]);
      for (k = 0; k < n; k++) out.push(range(n).filter(function (i) { return i !== k; }));
      return out;
    }
    for (var mask = 1; mask < (1 << n) - 1; mask++) {
      var set = [];
      for (k = 0; k < n; k++) if (mask & (1 << k)) set.push(k);
      out.push(set);
    }
    out.sort(function (a, b) { return a.length - b.length; });
    return out;
  }
  function range(n) { var r = []; for (var i = 0; i < n; i++) r.push(i); return r; }

  // The consumer's typical wrong local derivatives for its argument i, evaluated.
  function wrongLocals(c, i) {
    var v = nodes[c], fns = CG_MISTAKES[v.k] || [], facts = (D.mistakes || {})[v.k] || [];
    var a = argsOf(c, nodes.map(function (x) { return x.d; })), which = i, own = i, partner = null, out = [];
    if (nary(v.k)) {
      var n = Math.floor(a.length / 2);
      which = 0;
      if (v.k.lastIndexOf("dot/", 0) === 0) {
        if (i < n) partner = n + i; else if (i < 2 * n) { which = 1; partner = i - n; } else which = 2;
      }
      a = [a[own], partner === null ? 0 : a[partner]];
    }
    facts.forEach(function (m, t) {
      if (m.input !== which) return;
      var wrong = fns[t](v.d, a);
      if (isFinite(wrong)) out.push({value: wrong, says: m.says, show: showMistake(m.show, c, own, partner)});
    });
    return out;
  }
  function nary(key) { return Boolean(D.ops[key] && D.ops[key].nary); }
  function showMistake(text, c, own, partner) {
    var v = nodes[c], names = v.a.map(function (x) { return typeof x === "number" ? name(x) : fmt(x[0]); });
    if (nary(v.k)) names = [names[own], partner === null ? "0" : names[partner]];
    return text.replace(/\u0000(\d|o)\u0000/g, function (m, i) { return i === "o" ? name(c) : names[Number(i)]; });
  }

  function candidates(s) {
    var n = s.n, cs = s.cs, shares = cs.map(function (c) { return c[3]; }), out = [];
    var rest = function (k) { return fsum(shares.filter(function (x, i) { return i !== k; })); };
    cs.forEach(function (c, k) {
      var e = E[c[0]], cn = name(e.c);
      wrongLocals(e.c, e.i).forEach(function (w) {
        if (close(w.value, c[1])) return;
        out.push({kind: "wrong_local", value: rest(k) + w.value * c[2], says: w.says, text:
          "For d" + cn + "/d" + name(n) + ", the " + nodes[e.c].op + " node " + cn + "'s local derivative, you used " +
          w.show + " = " + fmt(w.value) + " (" + w.says + "); the right one is " + e.s + " = " + fmt(c[1]) +
          ". The share through " + cn + " is " + fmt(c[1]) + " × δ(" + cn + ") " + fmt(c[2]) + " = " + fmt(c[3]) + "."});
      });
    });
    if (cs.length > 1) {
      var terms = cs.map(function (c) { var e = E[c[0]]; return name(e.c) + ": " + e.s + " × δ(" + name(e.c) + ") = " +
        fmt(c[1]) + " × " + fmt(c[2]) + " = " + fmt(c[3]); }).join("; ");
      subsets(cs.length).forEach(function (set) {
        out.push({kind: "missed_path", value: fsum(set.map(function (i) { return shares[i]; })), text:
          name(n) + " is used " + cs.length + " times; its gradient is the sum of the shares of all its uses (" + terms +
          "). You kept the share of " + set.map(function (i) { return name(E[cs[i][0]].c); }).join(", ") +
          " only: `=` where backward has `+=`."});
      });
    }
    out.push({kind: "sign", value: -s.g, text: "That is the negative of the right number: a minus lost on the way."});
    FACTORS.forEach(function (f) {
      out.push({kind: "factor", value: f[0] * s.g, text: "That is " + f[1] + " times the right number: off by a constant factor."});
    });
    cs.forEach(function (c, k) {
      var e = E[c[0]];
      if (close(c[2], 1)) return;  // × 1 changes nothing
      out.push({kind: "no_chain", value: rest(k) + c[1], text: "You gave the local derivative d" + name(e.c) + "/d" + name(n) +
        " = " + e.s + " = " + fmt(c[1]) + " alone; the chain rule multiplies it by δ(" + name(e.c) + ") = " + fmt(c[2]) +
        ": " + fmt(c[1]) + " × " + fmt(c[2]) + " = " + fmt(c[3]) + "."});
    });
    if (cs.length > 1) out.push({kind: "no_chain", value: fsum(cs.map(function (c) { return c[1]; })),
      text: "You summed the local derivatives of its uses alone; the chain rule multiplies each by its consumer's δ."});
    return out;
  }

  var KINDS = ["wrong_local", "missed_path", "sign", "factor", "no_chain"];
  function diagnose(s, given, typed) {
    if (close(given, s.g)) return null;
    var cands = candidates(s), tols = [undefined, typedTolerance(given, typed)];
    for (var t = 0; t < tols.length; t++) {
      if (t === 1 && close(given, s.g, tols[1])) return null;  // the right number, rounded as typed
      for (var q = 0; q < KINDS.length; q++) {
        for (var j = 0; j < cands.length; j++) {
          if (cands[j].kind === KINDS[q] && close(given, cands[j].value, tols[t])) return cands[j];
        }
      }
    }
    var terms = s.cs.map(function (c) { var e = E[c[0]]; return e.s + " × δ(" + name(e.c) + ") [" + fmt(c[1]) + " × " + fmt(c[2]) + "]"; });
    return {kind: "unknown", text: s.cs.length ? "It is " + terms.join(" + ") + "; none of the known mistakes (a wrong local " +
      "derivative, a missed path, no chain, a sign, a constant factor) gives your number." : "The seed d root/d root is 1."};
  }

  function Quiz() {
    var answers = {};  // reverse step -> {given, correct, mistake, message}, the first answer counts
    function step() { return pos > F ? pos - F : 0; }
    return {
      open: function () { var k = step(); return k > 0 && !answers[k]; },
      answered: function (k) { return answers[k]; },
      score: function () {
        var right = 0, asked = 0;
        Object.keys(answers).forEach(function (k) { asked++; if (answers[k].correct) right++; });
        return {right: right, asked: asked, steps: B};
      },
      reset: function () { answers = {}; },
      reveal: function () {
        var k = step();
        if (k && !answers[k]) answers[k] = {correct: false, mistake: null, message: "Shown without an answer."};
        render();
      },
      answer: function (value, typed) {
        var k = step();
        if (!k) return {correct: false, mistake: null, message: "No question now: the quiz asks at each reverse step."};
        var given = Number(value), s = D.bsteps[k - 1];
        if (typeof value === "string" && value.trim() === "" || !isFinite(given)) {
          return {correct: false, mistake: null, message: "Type a number: the gradient of " + name(s.n) + "."};
        }
        var found = diagnose(s, given, typed === undefined ? String(value) : typed);
        var head = "d" + name(D.root) + "/d" + name(s.n) + ": you gave " + fmt(given, 6) + ", the engine " + fmt(s.g, 6) + ". ";
        var result = found === null ?
          {correct: true, mistake: null, message: "Right: " + head} :
          {correct: false, mistake: found.kind, message: head + found.text};
        if (!answers[k]) answers[k] = result;
        render();
        return result;
      }
    };
  }
  if (D.quiz) quiz = Quiz();

  function quizPanel(box, s, act) {
    var k = pos - F, done = quiz.answered(k);
    if (!done) {
      box.appendChild(el("p", null, "What is the gradient of ", el("b", null, name(act)), "? The sum, over its consumers, of local derivative × consumer's grad."));
      if (s.cs.length) box.appendChild(el("p", null, el("code", null, name(act) + ".grad = " + s.cs.map(function (c) {
        return wrap(E[c[0]].s) + " · " + name(E[c[0]].c) + ".grad"; }).join(" + "))));
      box.setAttribute("data-asking", "true");
      var field = el("input", {id: "cg-answer", type: "text", inputmode: "decimal", "aria-label": "your d" + name(D.root) + "/d" + name(act)});
      var check = el("button", {id: "cg-check", type: "button"}, "Check");
      var reveal = el("button", {id: "cg-reveal", type: "button"}, "Show me");
      function submit() { quiz.answer(field.value, field.value); }
      check.addEventListener("click", submit);
      field.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); submit(); } });
      reveal.addEventListener("click", function () { quiz.reveal(); });
      box.appendChild(el("p", {class: "quiz"}, el("label", null, "Your d" + name(D.root) + "/d" + name(act) + " = ", field), " ", check, " ", reveal));
      setTimeout(function () { if (document.activeElement === document.body) field.focus(); }, 0);
      return false;
    }
    box.appendChild(el("p", {class: "verdict " + (done.correct ? "right" : "wrong"), "data-mistake": done.mistake || ""},
      done.correct ? "✔ " : (done.mistake ? "✘ " + done.mistake.replace("_", " ") + ": " : "✘ "), done.message));
    if (k === B) {
      var sc = quiz.score();
      box.appendChild(el("p", {class: "score", "data-right": sc.right, "data-asked": sc.asked}, "Score: " + sc.right + " of " + sc.steps +
        " right the first time" + (sc.asked < sc.steps ? " (" + (sc.steps - sc.asked) + " skipped)" : "") + "."));
    }
    return true;
  }

  // -- the detail panel: a node, or an opened neuron ------------------------------------
  function detail() {
    var box = cg.clear($("cg-detail"));
    document.querySelectorAll(".cg-selected").forEach(function (x) { x.classList.remove("cg-selected"); });
    if (!selected) return;
    if (selected.unit !== undefined) { neuronView(box, selected.unit); return; }
    var n = selected.node, v = nodes[n];
    cls(boxOf(n), "cg-selected", true);
    box.appendChild(el("h2", null, name(n) + (v.l && v.l !== name(n) ? " (label " + v.l + ")" : "")));
    box.appendChild(el("p", null, v.op ? el("code", null, name(n) + " = " + v.rhs) : "a leaf (an input or a parameter)"));
    var reached = pos >= bpos[n] && !asked(n);
    box.appendChild(el("p", {class: "values"}, "data ", pos >= fpos[n] ? num(v.d) : "?", ", grad ",
      reached ? num(v.g, "grad") : "?",
      reached ? "" : el("span", {class: "muted"}, " (the reverse pass reaches it at reverse step " + (bpos[n] - F) + ")")));
    if (reached && D.why && D.why[n]) box.appendChild(el("p", {class: "why-zero"}, D.why[n]));
    if (ins[n].length) {
      box.appendChild(el("h3", null, "Local derivatives of its inputs"));
      box.appendChild(el("ul", null, ins[n].map(function (x) {
        return el("li", null, "d" + name(n) + "/d" + name(E[x].p) + " = " + E[x].s + " = ", num(E[x].v));
      })));
    }
    if (!explained[n]) explained[n] = explainNode(n);  // paths do not change with the step
    if (reached) { box.appendChild(explained[n]); return; }
    if (quiz) return;  // the quiz asks for it first
    var peek = el("details", {class: "peek"}, el("summary", null, "Its gradient as a sum over paths (ahead of the pass)"));
    peek.appendChild(explained[n]);
    box.appendChild(peek);
  }

  function memberButton(n) {
    return el("button", {class: "member", "data-node": n, type: "button"}, name(n));
  }

  function neuronView(box, j) {
    var u = D.neurons[j], act = active(pos);
    cls(unitEl[j], "cg-selected", true);
    box.appendChild(el("h2", null, "Neuron " + u.name));
    box.appendChild(el("p", null, "Layer " + u.layer + ": ", el("code", null, "p = w·q + b, out = " + u.act),
      ". Click a name for its gradient as a sum over paths."));
    var rows = u.w.map(function (w, t) {
      var q = u.q[t];
      return el("tr", {class: (w === act || q === act) ? "now" : null},
        el("td", null, memberButton(w)), el("td", null, num(nodes[w].d)),
        el("td", null, q === undefined ? "" : memberButton(q)), el("td", null, q === undefined ? "" : num(nodes[q].d)),
        el("td", null, shown(w) ? num(nodes[w].g) : "?"));
    });
    if (u.b !== null) rows.push(el("tr", {class: u.b === act ? "now" : null}, el("td", null, memberButton(u.b)),
      el("td", null, num(nodes[u.b].d)), el("td", null, "(bias)"), el("td"), el("td", null, shown(u.b) ? num(nodes[u.b].g) : "?")));
    box.appendChild(el("table", {class: "neuron"}, el("thead", null, el("tr", null, el("th", null, "weight"),
      el("th", null, "value"), el("th", null, "input q"), el("th", null, "value"), el("th", null, "grad"))), el("tbody", null, rows)));
    var parts = [u.dot, u.pre, u.out].filter(function (x, t, all) { return all.indexOf(x) === t; });
    box.appendChild(el("ul", null, parts.map(function (x) {
      return el("li", {class: x === act ? "now" : null}, memberButton(x), " = ",
        pos >= fpos[x] ? num(nodes[x].d) : "?", ", grad ", shown(x) ? num(nodes[x].g) : "?",
        x === u.pre ? " (δ, the backward chain)" : "");
    })));
  }


  // -- the view: pan (drag, Shift+arrows), zoom (wheel, buttons, + - keys), fit (0 key) ---------
  // The drawing is scaled as a whole; a text line that would be drawn under 10 px is left out
  // instead (edge labels first, then the boxes' lines), and Fit never goes below the scale
  // that keeps the boxes' text at 10 px: a bigger graph is panned, its current node kept in view.
  var view = (function () {
    var svg = $("cg-svg"), canvas = el("div", {id: "cg-canvas"}), MIN_PX = 10;
    svg.parentNode.insertBefore(canvas, svg);
    canvas.appendChild(svg);
    var W = svg.width.baseVal.value, H = svg.height.baseVal.value;
    var unit = W / (svg.viewBox.baseVal.width || W);  // px per user unit at scale 1
    function smallest(selector) {
      var m = Infinity;
      svg.querySelectorAll(selector).forEach(function (t) { var f = parseFloat(t.getAttribute("font-size")); if (f < m) m = f; });
      return m === Infinity ? 14 : m;
    }
    var edgeFont = smallest("g.edge text"), boxFont = smallest("g.node text"), s = 1, drag = null;
    // The pane scrolls (so focus, find-in-page and scrollIntoView reach every box); the canvas
    // is the drawing's size at scale s, centred in the pane when smaller.
    function pane() { return {w: graph.clientWidth, h: graph.clientHeight}; }
    function offsets() {
      var p = pane();
      return {x: Math.max(0, (p.w - W * s) / 2), y: Math.max(0, Math.min(16, (p.h - H * s) / 2))};
    }
    function apply() {
      var o = offsets();
      canvas.style.width = W * s + "px"; canvas.style.height = H * s + "px";
      canvas.style.marginLeft = o.x + "px"; canvas.style.marginTop = o.y + "px";
      svg.style.transform = "scale(" + s + ")";
      cls(svg, "cg-elide-edges", s * unit * edgeFont < MIN_PX - 1e-9);
      cls(svg, "cg-elide-boxes", s * unit * boxFont < MIN_PX - 1e-9);
      graph.setAttribute("data-scale", String(s));
    }
    function zoomAt(factor, cx, cy) {  // cx, cy: the pane's point that stays put
      var o = offsets(), px = (graph.scrollLeft + cx - o.x) / s, py = (graph.scrollTop + cy - o.y) / s;
      s = Math.max(0.05, Math.min(4, s * factor));
      apply();
      o = offsets();
      graph.scrollLeft = px * s + o.x - cx; graph.scrollTop = py * s + o.y - cy;
    }
    function readable() { return MIN_PX / (unit * boxFont); }
    function fit() {
      var p = pane(), f = Math.min((p.w - 24) / W, (p.h - 24) / H, 1);
      s = Math.max(f, Math.min(readable(), 1));
      apply();
      graph.scrollLeft = 0; graph.scrollTop = 0;
      show(boxOf(active(pos)));
    }
    function show(box) {  // the current box kept in the pane: centred when it is near an edge
      if (!box) return;
      var r = box.getBoundingClientRect(), c = graph.getBoundingClientRect(), m = 24;
      if (r.left < c.left + m || r.right > c.right - m) graph.scrollLeft -= (c.left + c.right - r.left - r.right) / 2;
      if (r.top < c.top + m || r.bottom > c.bottom - m) graph.scrollTop -= (c.top + c.bottom - r.top - r.bottom) / 2;
    }
    function centre() { var p = pane(); return [p.w / 2, p.h / 2]; }
    graph.addEventListener("wheel", function (ev) {
      if (ev.shiftKey) return;  // Shift+wheel scrolls sideways, as everywhere
      ev.preventDefault();
      var c = graph.getBoundingClientRect();
      zoomAt(Math.exp(-ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.0015)), ev.clientX - c.left, ev.clientY - c.top);
    }, {passive: false});
    graph.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0 || ev.pointerType === "touch" || (ev.target.closest && ev.target.closest("[data-node], [data-neuron]"))) return;
      drag = {x: ev.clientX + graph.scrollLeft, y: ev.clientY + graph.scrollTop, id: ev.pointerId};
      graph.setPointerCapture(ev.pointerId); graph.classList.add("cg-dragging");
    });
    graph.addEventListener("pointermove", function (ev) {
      if (!drag || ev.pointerId !== drag.id) return;
      graph.scrollLeft = drag.x - ev.clientX; graph.scrollTop = drag.y - ev.clientY;
    });
    function end(ev) { if (drag && ev.pointerId === drag.id) { drag = null; graph.classList.remove("cg-dragging"); } }
    graph.addEventListener("pointerup", end);
    graph.addEventListener("pointercancel", end);
    $("cg-zoom-in").addEventListener("click", function () { var c = centre(); zoomAt(1.25, c[0], c[1]); });
    $("cg-zoom-out").addEventListener("click", function () { var c = centre(); zoomAt(0.8, c[0], c[1]); });
    $("cg-fit").addEventListener("click", fit);
    $("cg-actual").addEventListener("click", function () { var c = centre(); zoomAt(1 / s, c[0], c[1]); show(boxOf(active(pos))); });
    document.addEventListener("keydown", function (ev) {  // before the player's keys: Shift+arrows pan
      var t = ev.target, tag = t && t.tagName;
      if (ev.altKey || ev.ctrlKey || ev.metaKey || tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
      var c = centre(), moves = {ArrowLeft: [-80, 0], ArrowRight: [80, 0], ArrowUp: [0, -80], ArrowDown: [0, 80]};
      if (ev.shiftKey && moves[ev.key]) { graph.scrollLeft += moves[ev.key][0]; graph.scrollTop += moves[ev.key][1]; }
      else if (ev.key === "+" || ev.key === "=") zoomAt(1.25, c[0], c[1]);
      else if (ev.key === "-") zoomAt(0.8, c[0], c[1]);
      else if (ev.key === "0") fit();
      else return;
      ev.preventDefault(); ev.stopImmediatePropagation();
    });
    var last = pane();
    window.addEventListener("resize", function () { var p = pane(); if (p.w !== last.w || p.h !== last.h) { last = p; fit(); } });
    return {fit: fit, show: show, state: function () { return {scale: s, x: graph.scrollLeft, y: graph.scrollTop}; }};
  })();

  // -- input -------------------------------------------------------------------------
  $("cg-symbols").addEventListener("click", function () {
    symbols = !symbols; this.setAttribute("aria-pressed", String(symbols)); render();
  });
  function choose(target) {
    var g = target.closest ? target.closest("[data-node], [data-neuron]") : null;
    if (!g) return false;
    if (g.hasAttribute("data-neuron")) selected = {unit: Number(g.getAttribute("data-neuron"))};
    else selected = {node: Number(g.getAttribute("data-node"))};
    if (selected.node !== undefined && !nodes[selected.node].a) editor(selected.node);
    else { editing = null; cg.clear($("cg-edit")).hidden = true; }
    detail();
    return true;
  }
  graph.addEventListener("click", function (ev) { choose(ev.target); });
  $("cg-detail").addEventListener("click", function (ev) { if (ev.target.classList.contains("member")) choose(ev.target); });
  graph.addEventListener("keydown", function (ev) {
    if ((ev.key === "Enter" || ev.key === " ") && choose(ev.target)) ev.preventDefault();
  });

  // Hover an edge: its local derivative as symbol and number (and what it carried back).
  var tip = $("cg-tip");
  function edgeLines(x) {
    var e = E[x], lines = ["d" + name(e.c) + "/d" + name(e.p) + " = " + e.s + " = " + fmt(e.v)];
    if (pos >= bpos[e.c] && !asked(e.p)) lines.push("carried back: " + fmt(e.v) + " × " + fmt(nodes[e.c].g) + " = " + fmt(amountOf[x]));
    return lines;
  }
  graph.addEventListener("mousemove", function (ev) {
    var g = ev.target.closest ? ev.target.closest("g.cg-edge, g.cg-link") : null;
    if (!g) { tip.hidden = true; return; }
    var lines = [];
    if (g.classList.contains("cg-edge")) lines = edgeLines(Number(g.getAttribute("data-edge")));
    else D.links.forEach(function (l) {
      if (l.svg === g.id) l.edges.slice(0, 6).forEach(function (x) { lines = lines.concat(edgeLines(x)); });
      if (l.svg === g.id && l.edges.length > 6) lines.push("… " + (l.edges.length - 6) + " more edges");
    });
    cg.clear(tip);
    lines.forEach(function (s) { tip.appendChild(el("div", null, s)); });
    tip.hidden = false;
    tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 4) + "px";
    tip.style.top = Math.min(ev.clientY + 14, window.innerHeight - tip.offsetHeight - 4) + "px";
  });
  graph.addEventListener("mouseleave", function () { tip.hidden = true; });

  if (D.highlight !== null) selected = {node: D.highlight};
  if (selected && !nodes[selected.node].a) editor(selected.node);
  player = ChaingradPlayer($("cg-player"), {
    steps: TOTAL, status: statusText, render: function (k) { pos = k; render(); }
  });
  view.fit();
})();
