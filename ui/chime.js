// The chime: a few oscillator tones made with Web Audio (no sound files). A kiosk wall has
// nobody to click, so the audio context is made and resumed at start; where a browser
// blocks sound until a person interacts, the chime fails silently and the first click or
// key unlocks it. What happened is recorded on <body> for a reader (or a test):
// data-chime (the context's state: running, suspended, unsupported), data-chime-asked
// (chimes asked for) and data-chimed (chimes actually played).

let ctx = null;
let asked = 0;
let played = 0;

const AudioCtx = window.AudioContext || window.webkitAudioContext;

function record() {
  const b = document.body;
  b.dataset.chime = ctx ? ctx.state : AudioCtx ? "none" : "unsupported";
  b.dataset.chimeAsked = String(asked);
  b.dataset.chimed = String(played);
}

/** Makes the audio context and asks it to run; safe to call again. */
export function prepare() {
  if (ctx || !AudioCtx) return record();
  try {
    ctx = new AudioCtx();
  } catch (_) {
    ctx = null;
    return record();
  }
  ctx.onstatechange = record;
  if (ctx.state !== "running") ctx.resume().catch(() => {});
  record();
  // A browser that wants a gesture first: the first one unlocks the chime for good.
  const unlock = () => {
    if (ctx.state !== "running") ctx.resume().catch(() => {});
    if (ctx.state === "running") {
      removeEventListener("pointerdown", unlock, true);
      removeEventListener("keydown", unlock, true);
    }
  };
  addEventListener("pointerdown", unlock, true);
  addEventListener("keydown", unlock, true);
}

// Tones per level (Hz): red three falling notes twice, orange two; at most ~2 s.
const TUNES = {
  red: [[988, 0], [784, 0.22], [659, 0.44], [988, 0.95], [784, 1.17], [659, 1.39]],
  orange: [[784, 0], [659, 0.3], [784, 0.9], [659, 1.2]],
};

/** Rings once for `level`; true when the sound could be played. */
export function ring(level) {
  asked += 1;
  prepare();
  if (!ctx || ctx.state !== "running") {
    if (ctx) ctx.resume().catch(() => {});
    record();
    return false;
  }
  const t0 = ctx.currentTime + 0.05;
  for (const [hz, at] of TUNES[level] || TUNES.orange) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "triangle";
    osc.frequency.value = hz;
    // A soft attack and a bell-like decay: no clicks.
    gain.gain.setValueAtTime(0.0001, t0 + at);
    gain.gain.exponentialRampToValueAtTime(0.35, t0 + at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.5);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t0 + at);
    osc.stop(t0 + at + 0.55);
  }
  played += 1;
  record();
  return true;
}
