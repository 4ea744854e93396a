// Small helpers to build elements and to write numbers for people.

export function el(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// A number with `digits` decimals, the minus sign typographic.
export function fixed(value, digits = 3) {
  return value.toFixed(digits).replace("-", "\u2212");
}

// 61706 -> "61,706"; 4.2e9 -> "4.2 G".
export function count(value) {
  if (value >= 1e9) return `${(value / 1e9).toFixed(1)} G`;
  if (value >= 1e7) return `${(value / 1e6).toFixed(1)} M`;
  return value.toLocaleString("en");
}

export function shape(dims) {
  return dims.join("\u00d7");
}
