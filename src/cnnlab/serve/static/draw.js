// The drawing pad: pointer events (mouse, touch, pen), a round brush about as thick,
// relative to the pad, as an MNIST stroke is relative to its 28x28 image.

const BRUSH = 0.075; // brush width as a fraction of the pad's side

export class Pad {
  constructor(canvas, onChange) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.onChange = onChange;
    this.last = null;
    this.setColours("dark");
    canvas.addEventListener("pointerdown", (event) => this.down(event));
    canvas.addEventListener("pointermove", (event) => this.move(event));
    canvas.addEventListener("pointerup", (event) => this.up(event));
    canvas.addEventListener("pointercancel", (event) => this.up(event));
  }

  // Paper and ink as the training images have them: light ink on dark, or dark on light.
  setColours(background) {
    const dark = background === "dark";
    this.paper = dark ? "#000" : "#fff";
    this.ink = dark ? "#fff" : "#000";
    this.clear();
  }

  clear() {
    this.context.fillStyle = this.paper;
    this.context.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  // Shows an uploaded picture on the pad, fitted inside it, so that drawing continues on it.
  showImage(bitmap) {
    this.clear();
    const { width, height } = this.canvas;
    const scale = Math.min(width / bitmap.width, height / bitmap.height);
    const w = bitmap.width * scale;
    const h = bitmap.height * scale;
    this.context.drawImage(bitmap, (width - w) / 2, (height - h) / 2, w, h);
  }

  dataURL() {
    return this.canvas.toDataURL("image/png");
  }

  point(event) {
    const box = this.canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) * this.canvas.width) / box.width,
      y: ((event.clientY - box.top) * this.canvas.height) / box.height,
    };
  }

  down(event) {
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.last = this.point(event);
    this.stroke([this.last]);
  }

  move(event) {
    if (this.last === null) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    this.stroke(events.map((e) => this.point(e)));
  }

  up(event) {
    if (this.last === null) return;
    this.last = null;
    if (this.canvas.hasPointerCapture(event.pointerId)) {
      this.canvas.releasePointerCapture(event.pointerId);
    }
    this.onChange();
  }

  stroke(points) {
    const c = this.context;
    c.strokeStyle = this.ink;
    c.lineWidth = BRUSH * this.canvas.width;
    c.lineCap = "round";
    c.lineJoin = "round";
    c.beginPath();
    c.moveTo(this.last.x, this.last.y);
    for (const p of points) c.lineTo(p.x, p.y);
    c.stroke();
    this.last = points[points.length - 1];
    this.onChange();
  }
}
