// The status line: busy while any request is out or waiting, the server's words on an error.

export class Status {
  constructor(line) {
    this.line = line;
    this.pending = 0;
    this.error = null;
  }

  begin(words) {
    this.pending += 1;
    this.error = null;
    this.show(words);
  }

  end(words) {
    this.pending = Math.max(0, this.pending - 1);
    this.show(words);
  }

  fail(error) {
    this.pending = Math.max(0, this.pending - 1);
    this.error = error.message || String(error);
    this.show();
  }

  // Plain words, dropping an earlier error (the user started afresh).
  say(words) {
    this.error = null;
    this.show(words);
  }

  show(words) {
    const state = this.error ? "error" : this.pending > 0 ? "busy" : "ready";
    this.line.dataset.state = state;
    if (this.error) this.line.textContent = `Error \u2014 ${this.error}`;
    else if (words) this.line.textContent = words;
  }
}
