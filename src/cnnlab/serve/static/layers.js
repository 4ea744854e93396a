// The overview of every layer's activations (after CNN Explainer, Wang et al. 2021): one tiled
// grid of feature maps per layer, side by side, scrolling sideways for deep models. A click on
// a grid is mapped, through the geometry the server sent, to (channel, y, x).

import { el, fixed, shape } from "./dom.js";

const HEIGHT = 180; // a small grid is enlarged by whole pixels up to this height (CSS pixels)
const TALLEST = 270; // a large grid (a deep model's early layers) is shrunk to this height

// Where in the layer a click at (px, py), in the grid image's own pixels, falls; null on a gap.
export function cellAt(grid, px, py) {
  const stepX = grid.cell_width + grid.gap;
  const stepY = grid.cell_height + grid.gap;
  const col = Math.floor(px / stepX);
  const row = Math.floor(py / stepY);
  const x = Math.floor(px - col * stepX);
  const y = Math.floor(py - row * stepY);
  const channel = row * grid.cols + col;
  const inside = x < grid.cell_width && y < grid.cell_height && col < grid.cols;
  if (!inside || row >= grid.rows || channel >= grid.channels_shown) return null;
  return { channel, y, x, row, col };
}

function gridSize(grid) {
  return {
    width: grid.cols * (grid.cell_width + grid.gap) - grid.gap,
    height: grid.rows * (grid.cell_height + grid.gap) - grid.gap,
  };
}

function placeMarker(marker, grid, cell, scale) {
  marker.style.left = `${(cell.col * (grid.cell_width + grid.gap) + cell.x) * scale}px`;
  marker.style.top = `${(cell.row * (grid.cell_height + grid.gap) + cell.y) * scale}px`;
  marker.style.width = marker.style.height = `${Math.max(scale, 3)}px`;
  marker.hidden = false;
}

function layerCard(layer, picked, onPick) {
  const grid = layer.grid;
  const size = gridSize(grid);
  const scale =
    size.height > TALLEST
      ? TALLEST / size.height
      : Math.max(1, Math.min(6, Math.floor(HEIGHT / size.height)));
  const image = el("img", { src: grid.png, alt: `${layer.name} activations`, class: "grid" });
  image.style.width = `${size.width * scale}px`;
  image.style.height = `${size.height * scale}px`;
  const marker = el("div", { class: "marker", hidden: "" });
  if (picked && picked.layer === layer.name) placeMarker(marker, grid, picked, scale);
  image.addEventListener("click", (event) => {
    const cell = cellAt(grid, event.offsetX / scale, event.offsetY / scale);
    if (cell === null) return;
    placeMarker(marker, grid, cell, scale);
    onPick({ layer: layer.name, ...cell });
  });
  const shown = layer.shape[0] > grid.channels_shown ? ` (first ${grid.channels_shown})` : "";
  return el("figure", { class: "layer", "data-layer": layer.name }, [
    el("figcaption", {}, [
      el("strong", { text: layer.name }),
      el("span", { text: ` ${layer.type}` }),
      el("br"),
      el("span", { class: "muted", text: `${shape(layer.shape)}${shown}` }),
      el("br"),
      el("span", {
        class: "muted",
        text: `values ${fixed(layer.min, 2)} to ${fixed(layer.max, 2)}`,
      }),
    ]),
    el("div", { class: "grid-frame" }, [image, marker]),
  ]);
}

// Draws every layer; `picked` ({layer, channel, y, x, row, col} or null) keeps its marker.
export function showLayers(container, layers, picked, onPick) {
  const scroll = container.scrollLeft;
  container.replaceChildren(...layers.map((layer) => layerCard(layer, picked, onPick)));
  container.scrollLeft = scroll;
}
