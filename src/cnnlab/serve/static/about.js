// About the model: the summary table and, for a trained run, its learning curves.

import { drawCurves } from "./curves.js";
import { count, el, shape } from "./dom.js";

function numberCell(value) {
  return el("td", { class: "num", text: count(value) });
}

export function showAbout(parts, model) {
  const where = model.source === model.name ? model.name : `${model.name} \u2014 ${model.source}`;
  parts.name.textContent =
    `${where}; input ${model.input.channels}\u00d7${model.input.height}\u00d7` +
    `${model.input.width}, ${model.classes.length} classes`;
  const summary = model.summary;
  parts.body.replaceChildren(
    ...summary.rows.map((row) =>
      el("tr", {}, [
        el("td", { text: row.layer }),
        el("td", { text: row.type }),
        el("td", { text: shape(row.output_shape) }),
        numberCell(row.params),
        numberCell(row.macs),
      ]),
    ),
  );
  parts.foot.replaceChildren(
    el("tr", {}, [
      el("th", { text: "total", colspan: "3" }),
      numberCell(summary.total_params),
      numberCell(summary.total_macs),
    ]),
  );
  const curves = model.curves;
  if (!curves || !curves.epoch || curves.epoch.length === 0) return;
  const loss = drawCurves(parts.loss, "loss", curves.epoch, [
    ["train", curves.train_loss],
    ["validation", curves.val_loss],
  ]);
  const accuracy = drawCurves(parts.accuracy, "accuracy", curves.epoch, [
    ["train", curves.train_acc],
    ["validation", curves.val_acc],
  ]);
  parts.loss.hidden = !loss;
  parts.accuracy.hidden = !accuracy;
  parts.curves.hidden = !(loss || accuracy);
}
