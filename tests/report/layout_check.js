// Appended to a copy of a report page: checks, in the browser's own layout,
// that no two x-axis labels (class "x-label") of a chart overlap, that each
// stays inside its chart, and that no chart is wider than the window. The
// verdict goes into document.title for `chromium --dump-dom`.
(function () {
  const problems = [];
  const corners = (el) => {
    const b = el.getBBox();
    const m = el.getCTM();
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height], [b.x + b.width, b.y + b.height]]
        .map(([x, y]) => new DOMPoint(x, y).matrixTransform(m));
  };
  // `b`'s box in `a`'s own frame (exact when both share their rotation).
  const inFrameOf = (a, b) => {
    const inv = a.getCTM().inverse();
    const pts = corners(b).map((p) => p.matrixTransform(inv));
    const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
    return {x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys), y1: Math.max(...ys)};
  };
  let charts = 0, labels = 0;
  for (const svg of document.querySelectorAll('svg')) {
    charts++;
    const box = svg.getBoundingClientRect();
    if (box.right > window.innerWidth) {
      problems.push(`chart "${svg.querySelector('text').textContent}" is ${box.width}px wide`);
    }
    const xs = [...svg.querySelectorAll('text.x-label')];
    labels += xs.length;
    for (const el of xs) {
      const r = el.getBoundingClientRect();
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.bottom > box.bottom + 0.5) {
        problems.push(`label "${el.textContent}" leaves its chart`);
      }
    }
    for (let i = 0; i < xs.length; i++) {
      const a = xs[i].getBBox();
      for (let j = i + 1; j < xs.length; j++) {
        const b = inFrameOf(xs[i], xs[j]);
        if (b.x0 < a.x + a.width && a.x < b.x1 && b.y0 < a.y + a.height && a.y < b.y1) {
          problems.push(`labels "${xs[i].textContent}" and "${xs[j].textContent}" overlap`);
        }
      }
    }
  }
  document.title = problems.length === 0 && labels > 0
      ? `LAYOUT-OK charts=${charts} labels=${labels}`
      : `LAYOUT-BAD charts=${charts} labels=${labels}: ${problems.join('; ')}`;
})();
