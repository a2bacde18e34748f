/* allytrace workbench: charts, footnote pop-overs, citation copy, passage selection.
 *
 * No inline scripts and no eval: the page's Content-Security-Policy forbids both, so the
 * charts use Vega's expression interpreter (ast: true). Everything here reads text from the
 * DOM and writes it back with textContent, never innerHTML.
 */
(function () {
  "use strict";

  // -- charts -----------------------------------------------------------------------------
  function fallback(fig) {
    var view = fig.querySelector(".chart-view");
    if (!view || view.querySelector("img")) return;
    var img = document.createElement("img");
    img.className = "chart-fallback";
    img.alt = fig.getAttribute("aria-label") || "chart";
    img.src = fig.dataset.svg;
    view.textContent = "";
    view.appendChild(img);
    fig.dataset.rendered = "svg";
  }

  function renderCharts(root) {
    var figs = (root || document).querySelectorAll("figure.chart:not([data-rendered])");
    figs.forEach(function (fig) {
      var view = fig.querySelector(".chart-view");
      if (!fig.dataset.spec || !view) return;
      fig.dataset.rendered = "pending";
      if (typeof window.vegaEmbed !== "function") { fallback(fig); return; }
      var spec;
      try { spec = JSON.parse(fig.dataset.spec); } catch (e) { fallback(fig); return; }
      window.vegaEmbed(view, spec, {
        renderer: "svg",
        ast: true,
        expr: window.vegaEmbed.expressionInterpreter,
        actions: { export: true, source: false, compiled: false, editor: false },
        downloadFileName: fig.id || "chart",
      }).then(function () {
        fig.dataset.rendered = "vega";
      }).catch(function (err) {
        if (window.console) console.warn("chart fell back to SVG:", err);
        fallback(fig);
      });
    });
  }

  // -- footnote pop-overs: place them beside their mark ---------------------------------------
  function placePopover(ev) {
    var pop = ev.target;
    if (ev.newState !== "open") return;
    var btn = document.querySelector('[popovertarget="' + pop.id + '"]');
    if (!btn) return;
    var r = btn.getBoundingClientRect();
    var width = Math.min(420, window.innerWidth - 24);
    var left = Math.max(12, Math.min(r.left - 24, window.innerWidth - width - 12));
    pop.style.width = width + "px";
    pop.style.left = left + "px";
    pop.style.top = (r.bottom + 8) + "px";
  }

  // -- copy a citation --------------------------------------------------------------------
  function copyFrom(btn) {
    var src = document.querySelector(btn.dataset.copy);
    if (!src) return;
    var text = src.textContent;
    var done = function () {
      var old = btn.textContent;
      btn.textContent = "Copied";
      btn.classList.add("copied");
      setTimeout(function () { btn.textContent = old; btn.classList.remove("copied"); }, 1600);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(src); });
    } else {
      selectText(src);
    }
  }

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  // -- selecting a passage -------------------------------------------------------------------
  // Every run of text in a paragraph carries data-o, its offset in the paragraph's text as
  // stored; footnote marks carry none, so they never count.
  function paragraphText(p) {
    var runs = p.querySelectorAll("[data-o]");
    var text = "";
    runs.forEach(function (r) {
      var o = parseInt(r.dataset.o, 10);
      while (text.length < o) text += " ";
      text = text.slice(0, o) + r.textContent;
    });
    return text;
  }

  function boundary(p, node, offset) {
    // The paragraph offset of a selection boundary (node, offset).
    if (node.nodeType === Node.TEXT_NODE) {
      var run = node.parentElement && node.parentElement.closest("[data-o]");
      if (run && p.contains(run)) {
        var before = 0;
        for (var c = run.firstChild; c && c !== node; c = c.nextSibling) before += (c.textContent || "").length;
        return parseInt(run.dataset.o, 10) + before + offset;
      }
      node = node.parentElement; offset = 0;
    }
    var point = document.createRange();
    point.setStart(node, offset);
    point.collapse(true);
    var runs = p.querySelectorAll("[data-o]");
    for (var i = 0; i < runs.length; i++) {
      // The first run that starts at or after the boundary begins where the selection does.
      if (point.comparePoint(runs[i], 0) >= 0) return parseInt(runs[i].dataset.o, 10);
    }
    if (!runs.length) return 0;
    var last = runs[runs.length - 1];
    return parseInt(last.dataset.o, 10) + last.textContent.length;
  }

  function currentPassage() {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return null;
    var range = sel.getRangeAt(0);
    var a = range.startContainer, b = range.endContainer;
    var pa = (a.nodeType === 1 ? a : a.parentElement).closest("p[data-para]");
    var pb = (b.nodeType === 1 ? b : b.parentElement).closest("p[data-para]");
    if (!pa || !pb) return null;
    if (pa !== pb) return { error: "Select within one paragraph: evidence points at one paragraph." };
    var text = paragraphText(pa);
    var start = boundary(pa, range.startContainer, range.startOffset);
    var end = boundary(pa, range.endContainer, range.endOffset);
    if (end < start) { var t = start; start = end; end = t; }
    while (start < end && /\s/.test(text.charAt(start))) start++;
    while (end > start && /\s/.test(text.charAt(end - 1))) end--;
    if (end <= start) return null;
    return { paragraph: parseInt(pa.dataset.para, 10), start: start, end: end, quote: text.slice(start, end) };
  }

  function setupEvidence() {
    var body = document.getElementById("doc-body");
    var bar = document.getElementById("selection-bar");
    var dialog = document.getElementById("evidence-dialog");
    if (!body || !bar || !dialog) return;
    var info = bar.querySelector(".selection-info");
    var passage = null;

    function update() {
      var p = currentPassage();
      if (!p) { bar.hidden = true; return; }
      if (p.error) {
        passage = null; info.textContent = p.error;
        bar.querySelector("button").disabled = true; bar.hidden = false; return;
      }
      passage = p;
      info.textContent = "¶" + p.paragraph + " · " + p.quote.length + " characters selected";
      bar.querySelector("button").disabled = false;
      bar.hidden = false;
    }
    document.addEventListener("selectionchange", function () { window.requestAnimationFrame(update); });

    document.getElementById("open-evidence").addEventListener("click", function () {
      if (!passage) return;
      document.getElementById("ev-paragraph").value = passage.paragraph;
      document.getElementById("ev-start").value = passage.start;
      document.getElementById("ev-end").value = passage.end;
      document.getElementById("ev-quote").value = passage.quote;
      document.getElementById("evidence-quote").textContent = "“" + passage.quote + "”";
      document.getElementById("evidence-where").textContent =
        "Paragraph " + passage.paragraph + ", characters " + passage.start + "–" + passage.end +
        ". The server checks the words against the document before saving.";
      document.getElementById("evidence-result").textContent = "";
      document.getElementById("save-evidence").disabled = false;
      dialog.showModal();
    });
    document.getElementById("close-evidence").addEventListener("click", function () { dialog.close(); });
    document.body.addEventListener("htmx:afterSwap", function (ev) {
      if (ev.detail.target && ev.detail.target.id === "evidence-result" &&
          ev.detail.target.querySelector("[data-evidence-saved]")) {
        document.getElementById("save-evidence").disabled = true;
      }
    });
  }

  // -- wiring ------------------------------------------------------------------------------
  function init() {
    renderCharts(document);
    document.querySelectorAll("[popover]").forEach(function (p) { p.addEventListener("toggle", placePopover); });
    document.addEventListener("click", function (ev) {
      var btn = ev.target.closest && ev.target.closest("[data-copy]");
      if (btn) { ev.preventDefault(); copyFrom(btn); }
      var x = ev.target.closest && ev.target.closest("[data-dismiss]");
      if (x) { var f = x.closest(".flash"); if (f) f.remove(); }
    });
    setupEvidence();
    if (window.htmx) {
      window.htmx.onLoad(function (el) { renderCharts(el); });
      // Errors from HTMX requests arrive as HTML fragments meant for #flash: show them.
      document.body.addEventListener("htmx:beforeSwap", function (ev) {
        var status = ev.detail.xhr.status;
        if (status >= 400) { ev.detail.shouldSwap = true; ev.detail.isError = false; }
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
