// Break it: an adversarial example (FGSM, Goodfellow et al. 2015; PGD, Madry et al. 2018)
// within epsilon of the current image, and the prediction before and after.

import { el, fixed } from "./dom.js";

export function attackParams(eps, method) {
  const params = { method: method.value, eps: eps.value };
  if (method.value === "pgd") params.steps = "10";
  return params;
}

function percent(row) {
  return row ? `${row.class} ${fixed(100 * row.probability, 1)}%` : "";
}

export function showAttack(parts, result) {
  parts.panel.hidden = false;
  parts.perturbation.src = result.perturbation;
  parts.adversarial.src = result.adversarial;
  const before = result.before[0].class;
  const after = result.after[0].class;
  parts.verdict.textContent = result.flipped
    ? `Flipped: ${before} \u2192 ${after} at \u03b5 = ${result.eps}`
    : `Held: still ${before} at \u03b5 = ${result.eps}`;
  parts.verdict.className = result.flipped ? "verdict flipped" : "verdict held";
  const rows = Math.max(result.before.length, result.after.length);
  parts.table.replaceChildren(
    ...Array.from({ length: rows }, (_, i) =>
      el("tr", {}, [
        el("td", { text: percent(result.before[i]) }),
        el("td", { text: percent(result.after[i]) }),
      ]),
    ),
  );
}
