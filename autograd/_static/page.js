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

  // format(x, '.Pg') as Python prints it (and '-0' as '0', as autograd's number()).
  function fmt(x, p) {
    p = p || 4;
    if (x === null || x === undefined) return "?";
    if (!isFinite(x)) return isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
    if (x === 0) return "0";
    var exp = parseInt(x.toExponential(p - 1).split("e")[1], 10);
    var s;
    if (exp < -4 || exp >= p) {
      var parts = x.toExponential(p - 1).split("e");
      var e = parseInt(parts[1], 10);
      s = strip(parts[0]) + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
    } else {
      s = strip(x.toFixed(Math.max(0, p - 1 - exp)));
    }
    return s === "-0" ? "0" : s;
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
