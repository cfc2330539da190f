// chaingrad's page library: the page's data, numbers printed as Python's '.4g',
// and DOM helpers that only ever set text (never HTML) from data.
"use strict";
var cg = (function () {
  var data = JSON.parse(document.getElementById("cg-data").textContent);

  function strip(s) {
    if (s.indexOf(".") < 0) return s;
    s = s.replace(/0+$/, "");
    return s.charAt(s.length - 1) === "." ? s.slice(0, -1) : s;
  }

  // The p significant digits of |x| and its exponent, rounded as Python rounds: to
  // nearest, a tie (exactly half, as JS's toExponential rounds up) to the even digit.
  function digits(x, p) {
    var parts = Math.abs(x).toExponential(p - 1).split("e");
    var m = parts[0].replace(".", ""), e = parseInt(parts[1], 10);
    var exact = Math.abs(x).toExponential(99).split("e"), all = exact[0].replace(".", "");
    if (/^50*$/.test(all.slice(p)) && parseInt(all.charAt(p - 1), 10) % 2 === 0) {
      m = all.slice(0, p); e = parseInt(exact[1], 10);
    }
    return {m: m, e: e};
  }

  // format(x, '.Pg') as Python prints it (and '-0' as '0', as autograd's number()).
  function fmt(x, p) {
    p = p || 4;
    if (x === null || x === undefined) return "?";
    if (!isFinite(x)) return isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
    if (x === 0) return "0";
    var d = digits(x, p), m = d.m, e = d.e, s;
    if (e < -4 || e >= p) {
      s = strip(m.charAt(0) + "." + m.slice(1)) + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
    } else if (e >= 0) {
      s = strip(m.slice(0, e + 1) + "." + m.slice(e + 1));
    } else {
      s = strip("0." + new Array(-e).join("0") + m);
    }
    return (x < 0 ? "-" : "") + s;
  }

  // el("td", {class: "x", "data-v": 1}, "text", child, ...): strings become text nodes.
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) {
          node.setAttribute(k, String(attrs[k]));
        }
      });
    }
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }

  function add(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(node, c); }); return; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }

  // A number as text, its full value in data-value (tests read it) and in a tooltip.
  function num(x, cls) {
    return el("span", {class: "num" + (cls ? " " + cls : ""), "data-value": String(x),
                       title: String(x)}, fmt(x));
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function $(id) { return document.getElementById(id); }

  // Arrow keys, Home/End and space for a stepper, unless a control that uses them has focus.
  function keys(handlers) {
    document.addEventListener("keydown", function (ev) {
      var t = ev.target, tag = t && t.tagName;
      if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
      if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
      var f = handlers[ev.key];
      if (ev.key === " " && (tag === "BUTTON" || (t.getAttribute && t.getAttribute("role") === "button"))) return;
      if (f) { ev.preventDefault(); f(ev); }
    });
  }

  return {data: data, fmt: fmt, el: el, num: num, clear: clear, $: $, keys: keys};
})();
