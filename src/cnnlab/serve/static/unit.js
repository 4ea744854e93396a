// One unit: its receptive field as a box on the model's input, and for a convolution the
// arithmetic that produced it: sum over the patch of patch x kernel, plus the bias.

import { el, fixed } from "./dom.js";

const CHANNELS_SHOWN = 3; // input channels written out as tables; the sums cover them all

function showField(frame, box, field, input) {
  const scale = frame.clientWidth / input.width;
  const top = Math.max(0, field.top);
  const left = Math.max(0, field.left);
  const bottom = Math.min(input.height, field.top + field.height);
  const right = Math.min(input.width, field.left + field.width);
  box.style.top = `${top * scale}px`;
  box.style.left = `${left * scale}px`;
  box.style.height = `${(bottom - top) * scale}px`;
  box.style.width = `${(right - left) * scale}px`;
}

// A kh x kw table of numbers, each cell tinted by its sign and size.
function table(rows, caption) {
  const largest = Math.max(1e-12, ...rows.flat().map(Math.abs));
  const body = rows.map((row) =>
    el(
      "tr",
      {},
      row.map((value) => {
        const cell = el("td", { text: fixed(value, 2) });
        const alpha = (0.6 * Math.abs(value)) / largest;
        const hue = value < 0 ? "37, 99, 235" : "220, 38, 38";
        cell.style.background = `rgba(${hue}, ${alpha})`;
        return cell;
      }),
    ),
  );
  return el("table", { class: "numbers" }, [el("caption", { text: caption }), ...body]);
}

function products(patch, kernel) {
  return patch.map((row, i) => row.map((value, j) => value * kernel[i][j]));
}

function formula(arithmetic) {
  const { patch, kernel, bias, products_sum: productsSum, sum } = arithmetic;
  const channels = patch.length;
  const shown = Math.min(channels, CHANNELS_SHOWN);
  const rows = [];
  for (let c = 0; c < shown; c++) {
    const which = channels > 1 ? ` (input channel ${c})` : "";
    rows.push(
      el("div", { class: "formula-row" }, [
        table(patch[c], `input patch${which}`),
        el("span", { class: "op", text: "\u00d7" }),
        table(kernel[c], "kernel"),
        el("span", { class: "op", text: "=" }),
        table(products(patch[c], kernel[c]), "products"),
      ]),
    );
  }
  const more =
    channels > shown ? ` (${channels - shown} more input channels not written out)` : "";
  rows.push(
    el("p", { class: "sum" }, [
      el("span", { text: `\u03a3 products = ${fixed(productsSum, 4)}${more}` }),
      el("br"),
      el("span", { text: `${fixed(productsSum, 4)} + bias ${fixed(bias, 4)} = ` }),
      el("strong", { id: "unit-sum", text: fixed(sum, 4) }),
    ]),
  );
  return rows;
}

export function showUnit(parts, unit, input) {
  parts.panel.hidden = false;
  parts.image.src = input.png;
  showField(parts.frame, parts.box, unit.receptive_field, input);
  const f = unit.receptive_field;
  parts.title.textContent =
    `${unit.layer}, channel ${unit.channel}, y ${unit.y}, x ${unit.x}: ${fixed(unit.value, 4)}` +
    ` \u2014 sees input rows ${f.top}\u2013${f.top + f.height - 1},` +
    ` columns ${f.left}\u2013${f.left + f.width - 1}`;
  parts.arithmetic.replaceChildren(
    ...(unit.arithmetic
      ? formula(unit.arithmetic)
      : [el("p", { class: "muted", text: "Not a convolution: no arithmetic to show." })]),
  );
}
