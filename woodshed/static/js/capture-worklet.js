// Hands the microphone's samples to the page in blocks, each with the context frame it
// started at, so onsets are timed on the same clock as the metronome's clicks.
class Capture extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0]?.[0];
    if (channel) this.port.postMessage({ frame: currentFrame, samples: channel.slice() });
    return true;
  }
}
registerProcessor("woodshed-capture", Capture);
