// Record a take with MediaRecorder (no echo cancellation, noise suppression or gain
// control: they damage music), with an input-level meter; chunks go to IndexedDB as they
// arrive, so a crash loses seconds, not the take. Uploads resume (./tus-upload.js).
import { upload } from "./tus-upload.js";

const DB_NAME = "woodshed-takes";

function openStore() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore("chunks", { autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function keep(db, take, blob) {
  return new Promise((resolve) => {
    const tx = db.transaction("chunks", "readwrite");
    tx.objectStore("chunks").add({ take, blob });
    tx.oncomplete = resolve;
    tx.onerror = resolve; // a full disk must not stop the recording itself
  });
}

function forget(db, take) {
  const tx = db.transaction("chunks", "readwrite");
  const store = tx.objectStore("chunks");
  store.openCursor().onsuccess = (event) => {
    const cursor = event.target.result;
    if (!cursor) return;
    if (cursor.value.take === take) cursor.delete();
    cursor.continue();
  };
}

function detailUrl(template, id) {
  return template.replace("00000000-0000-0000-0000-000000000000", id);
}

function setUpRecorder(panel) {
  const startButton = panel.querySelector("[data-record-start]");
  const stopButton = panel.querySelector("[data-record-stop]");
  const status = panel.querySelector("[data-record-status]");
  const level = panel.querySelector("[data-level]");
  const clock = panel.querySelector("[data-record-time]");
  let recorder = null;
  let chunks = [];
  let stream = null;
  let startedAt = 0;
  let tick = null;

  startButton.addEventListener("click", async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (error) {
      status.textContent = `The microphone could not be opened: ${error.message}`;
      return;
    }
    const db = await openStore().catch(() => null);
    const take = `take-${Date.now()}`;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", (event) => {
      if (!event.data.size) return;
      chunks.push(event.data);
      if (db) keep(db, take, event.data);
    });
    recorder.addEventListener("stop", async () => {
      clearInterval(tick);
      stream.getTracks().forEach((t) => t.stop());
      context.close();
      const blob = new Blob(chunks, { type: recorder.mimeType });
      status.textContent = "Uploading…";
      try {
        const id = await upload(panel.dataset.uploadUrl, blob, {
          filename: `take.${recorder.mimeType.includes("mp4") ? "m4a" : "webm"}`,
          title: `Take of ${new Date().toLocaleString()}`,
        }, (share) => { status.textContent = `Uploading… ${Math.round(share * 100)} %`; });
        if (db) forget(db, take);
        window.location.assign(detailUrl(panel.dataset.detailUrl, id));
      } catch (error) {
        status.textContent = `${error.message} The take is kept in this browser.`;
        startButton.disabled = false;
      }
    });
    recorder.start(2000);
    startedAt = performance.now();
    tick = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let peak = 0;
      for (const s of samples) peak = Math.max(peak, Math.abs(s));
      level.style.width = `${Math.min(100, Math.round(peak * 100))}%`;
      level.classList.toggle("clipping", peak > 0.98);
      const seconds = Math.floor((performance.now() - startedAt) / 1000);
      clock.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    }, 100);
    startButton.disabled = true;
    stopButton.disabled = false;
    status.textContent = "Recording…";
  });

  stopButton.addEventListener("click", () => {
    stopButton.disabled = true;
    if (recorder && recorder.state !== "inactive") recorder.stop();
  });
}

function setUpUploadForm(form) {
  const progress = form.querySelector("[data-upload-progress]");
  const status = form.querySelector("[data-upload-status]");
  form.addEventListener("submit", async (event) => {
    const file = form.querySelector('input[type="file"]').files[0];
    if (!file || !window.fetch) return; // the plain form posts it
    event.preventDefault();
    progress.hidden = false;
    try {
      const id = await upload(form.dataset.uploadUrl, file, {
        filename: file.name,
        title: form.querySelector('[name="title"]').value,
      }, (share) => { progress.value = Math.round(share * 100); });
      window.location.assign(detailUrl(form.dataset.detailUrl, id));
    } catch (error) {
      status.textContent = error.message;
    }
  });
}

document.querySelectorAll("[data-recorder]").forEach(setUpRecorder);
document.querySelectorAll("[data-tus-form]").forEach(setUpUploadForm);
