// The lab page: wires the pad, the panels and the API together.
// One analysis is in flight at a time; drawing while it runs queues one more with the
// newest drawing, so the last answer shown is always the latest drawing's.

import { getModel, postImage } from "./api.js";
import { attackParams, showAttack } from "./attack.js";
import { chosenMethod, methodsFor, showAttribution } from "./attribution.js";
import { showAbout } from "./about.js";
import { showTop } from "./bars.js";
import { el, fixed } from "./dom.js";
import { Pad } from "./draw.js";
import { showLayers } from "./layers.js";
import { Status } from "./status.js";
import { showUnit } from "./unit.js";

const WAIT_MS = 150; // from the first change of the picture to its analysis
const $ = (id) => document.getElementById(id);

const status = new Status($("status"));
const pad = new Pad($("pad"), () => imageChanged("pad"));
const state = { source: null, analysed: null, result: null, picked: null };
const queue = { timer: null, running: false, again: false };
let attacks = 0; // counts attacks and picture changes: only the latest attack's answer shows

const unitParts = {
  panel: $("unit"), frame: $("field-frame"), box: $("field-box"), image: $("field-image"),
  title: $("unit-title"), arithmetic: $("arithmetic"),
};
const attackParts = {
  panel: $("attack-result"), perturbation: $("perturbation"), adversarial: $("adversarial"),
  verdict: $("attack-verdict"), table: $("attack-table"),
};

// The image to analyse: the pad's drawing, or the file uploaded or dropped.
function currentImage() {
  return state.source === "pad" ? pad.dataURL() : state.source;
}

function imageChanged(source) {
  state.source = source;
  attacks += 1; // an attack still out was on the old picture: its answer is not shown
  $("attack-result").hidden = true;
  schedule();
}

// Analyses WAIT_MS after the first change: while a stroke goes on, the prediction follows
// it a few times a second; the picture is read when the request leaves, so it is the newest.
function schedule(delay = WAIT_MS) {
  if (queue.timer !== null) return;
  if (!queue.running) status.begin("analysing\u2026");
  queue.timer = setTimeout(() => {
    queue.timer = null;
    analyse();
  }, delay);
}

async function analyse() {
  if (queue.running) {
    queue.again = true;
    return;
  }
  queue.running = true;
  let failure = null;
  let words = "";
  try {
    do {
      queue.again = false;
      words = await analyseOnce();
    } while (queue.again);
  } catch (error) {
    failure = error;
  }
  queue.running = false;
  if (queue.timer !== null) return; // a newer drawing waits for its turn
  if (failure) status.fail(failure);
  else status.end(words);
}

async function analyseOnce() {
  if (state.source === null) return "cleared";
  const image = currentImage();
  const started = performance.now();
  const params = { attribution: methodsFor(chosenMethod($("why-choice"))), layers: "1" };
  const result = await postImage("/api/analyse", params, image);
  const elapsed = Math.round(performance.now() - started);
  if (state.source === null) return "cleared";
  state.analysed = image;
  state.result = result;
  showResult(result);
  if (state.picked) await unit(state.picked);
  const top = result.top[0];
  return `${top.class} (${fixed(100 * top.probability, 1)}%), analysed in ${elapsed} ms`;
}

function showResult(result) {
  $("model-input").src = result.input.png;
  $("input-notes").replaceChildren(...result.input.notes.map((note) => el("li", { text: note })));
  showTop($("top"), result.top);
  showAttribution($("why-image"), $("why-caption"), result.attribution, chosenMethod($("why-choice")));
  showLayers($("layers"), result.layers, state.picked, pick);
}

async function unit(picked) {
  const params = { layer: picked.layer, channel: picked.channel, y: picked.y, x: picked.x };
  const answer = await postImage("/api/unit", params, state.analysed);
  showUnit(unitParts, answer, state.result.input);
}

async function pick(picked) {
  state.picked = picked;
  status.begin(`reading ${picked.layer}, channel ${picked.channel}\u2026`);
  try {
    await unit(picked);
    status.end(`${picked.layer}, channel ${picked.channel}, y ${picked.y}, x ${picked.x}`);
  } catch (error) {
    status.fail(error);
  }
}

async function attack() {
  if (state.source === null) {
    status.begin();
    status.fail(new Error("draw a digit or upload an image first"));
    return;
  }
  const mine = ++attacks;
  const image = currentImage();
  status.begin("attacking\u2026");
  try {
    const result = await postImage("/api/attack", attackParams($("eps"), $("method")), image);
    if (mine === attacks) showAttack(attackParts, result);
    status.end(result.flipped ? "the attack flipped the prediction" : "the prediction held");
  } catch (error) {
    status.fail(error);
  }
}

function clear() {
  pad.clear();
  state.source = state.analysed = state.result = state.picked = null;
  attacks += 1;
  if (queue.timer !== null) {
    clearTimeout(queue.timer);
    queue.timer = null;
    if (!queue.running) status.end();
  }
  for (const id of ["top", "input-notes", "layers"]) $(id).replaceChildren();
  for (const id of ["model-input", "why-image"]) $(id).removeAttribute("src");
  $("unit").hidden = $("attack-result").hidden = true;
  status.say("Draw a digit, or upload or drop an image.");
}

async function useFile(file) {
  if (!file) return;
  imageChanged(file);
  try {
    pad.showImage(await createImageBitmap(file));
  } catch {
    pad.clear(); // the browser cannot show it; the server will say what is wrong with it
  }
}

function wire() {
  $("clear").addEventListener("click", clear);
  $("file").addEventListener("change", (event) => useFile(event.target.files[0]));
  const canvas = $("pad");
  canvas.addEventListener("dragover", (event) => {
    event.preventDefault();
    canvas.classList.add("dropping");
  });
  canvas.addEventListener("dragleave", () => canvas.classList.remove("dropping"));
  canvas.addEventListener("drop", (event) => {
    event.preventDefault();
    canvas.classList.remove("dropping");
    useFile(event.dataTransfer.files[0]);
  });
  $("why-choice").addEventListener("change", () => {
    const chosen = chosenMethod($("why-choice"));
    const shown = showAttribution($("why-image"), $("why-caption"), state.result?.attribution, chosen);
    if (!shown && state.source !== null) schedule(0);
  });
  $("eps").addEventListener("input", () => {
    $("eps-value").textContent = Number($("eps").value).toFixed(2);
  });
  $("eps").addEventListener("change", attack);
  $("method").addEventListener("change", attack);
  $("attack").addEventListener("click", attack);
}

async function start() {
  wire();
  status.begin("loading the model\u2026");
  try {
    const model = await getModel();
    pad.setColours(model.input.background ?? "light");
    showAbout(
      {
        name: $("model-name"), body: $("summary").tBodies[0], foot: $("summary").tFoot,
        curves: $("curves"), loss: $("loss-curve"), accuracy: $("acc-curve"),
      },
      model,
    );
    status.end("Draw a digit, or upload or drop an image.");
  } catch (error) {
    status.fail(error);
  }
}

start();
