// The top-5 classes as probability bars.

import { el, fixed } from "./dom.js";

export function showTop(list, top) {
  list.replaceChildren(
    ...top.map((row) => {
      const percent = 100 * row.probability;
      const bar = el("span", { class: "bar" });
      bar.style.width = `${percent}%`;
      return el("li", {}, [
        el("span", { class: "label", text: row.class }),
        el("span", { class: "track" }, [bar]),
        el("span", { class: "percent", text: `${fixed(percent, 1)}%` }),
      ]);
    }),
  );
}
