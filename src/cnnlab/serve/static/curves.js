// A line chart on a <canvas>, drawn by hand: axes, a few ticks, one line per series, a legend.

const COLOURS = ["#2563eb", "#ea580c"];
const MARGIN = { left: 44, right: 12, top: 22, bottom: 28 };
const DOTS = 20; // runs of at most this many epochs get a dot per epoch

function sharp(canvas) {
  const ratio = window.devicePixelRatio || 1;
  canvas.dataset.width ??= canvas.getAttribute("width");
  canvas.dataset.height ??= canvas.getAttribute("height");
  const width = Number(canvas.dataset.width);
  const height = Number(canvas.dataset.height);
  canvas.style.width = `${width}px`;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const context = canvas.getContext("2d");
  context.scale(ratio, ratio);
  return { context, width, height };
}

function range(values) {
  const finite = values.filter(Number.isFinite);
  let low = Math.min(...finite);
  let high = Math.max(...finite);
  if (low === high) [low, high] = [low - 0.5, high + 0.5];
  return { low, high };
}

function ticks(low, high, count = 4) {
  return Array.from({ length: count + 1 }, (_, i) => low + ((high - low) * i) / count);
}

// Whole epochs to label: every one of a short run, about five of a long one.
function epochTicks(epochs) {
  const step = Math.max(1, Math.ceil((epochs.length - 1) / 5));
  return epochs.filter((_, i) => i % step === 0 || i === epochs.length - 1);
}

// Draws the series that have numbers; false when none has.
export function drawCurves(canvas, title, epochs, series) {
  const present = series.filter(([, values]) => values && values.some(Number.isFinite));
  if (present.length === 0) return false;
  const { context: c, width, height } = sharp(canvas);
  const y = range(present.flatMap(([, values]) => values));
  const room = 0.06 * (y.high - y.low); // keeps the extreme points off the frame
  y.low -= room;
  y.high += room;
  const x = range(epochs);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const px = (v) => MARGIN.left + ((v - x.low) / (x.high - x.low)) * plotW;
  const py = (v) => MARGIN.top + (1 - (v - y.low) / (y.high - y.low)) * plotH;

  c.font = "11px system-ui, sans-serif";
  c.fillStyle = "#555";
  c.strokeStyle = "#ddd";
  c.lineWidth = 1;
  for (const v of ticks(y.low, y.high)) {
    c.beginPath();
    c.moveTo(MARGIN.left, py(v));
    c.lineTo(width - MARGIN.right, py(v));
    c.stroke();
    c.textAlign = "right";
    c.fillText(v.toFixed(2), MARGIN.left - 4, py(v) + 4);
  }
  c.textAlign = "center";
  for (const v of epochTicks(epochs)) {
    c.fillText(String(v), px(v), height - MARGIN.bottom + 14);
  }
  c.fillText("epoch", MARGIN.left + plotW / 2, height - 2);
  c.textAlign = "left";
  c.font = "bold 12px system-ui, sans-serif";
  c.fillText(title, MARGIN.left, 14);

  present.forEach(([name, values], i) => {
    c.strokeStyle = c.fillStyle = COLOURS[i % COLOURS.length];
    c.lineWidth = 2;
    c.beginPath();
    values.forEach((v, j) => {
      if (Number.isFinite(v)) c.lineTo(px(epochs[j]), py(v));
    });
    c.stroke();
    if (epochs.length <= DOTS) {
      values.forEach((v, j) => {
        if (!Number.isFinite(v)) return;
        c.beginPath();
        c.arc(px(epochs[j]), py(v), 2.5, 0, 2 * Math.PI);
        c.fill();
      });
    }
    c.font = "11px system-ui, sans-serif";
    c.fillText(name, width - MARGIN.right - 130 + i * 62, 14);
  });
  return true;
}
