// Resumable uploads (tus 1.0) to /api/v1/recordings/uploads: the server reserves the quota
// at the start; each chunk is sent at the server's offset, so a dropped connection resumes
// where it stopped (HEAD asks for the offset, then the rest follows).
import { csrfHeaders } from "./app.js";

const CHUNK = 4 * 1024 * 1024;
const TUS = { "Tus-Resumable": "1.0.0" };

function b64(text) {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

async function problem(response) {
  try {
    const body = await response.json();
    return body.detail || body.title || `The server answered ${response.status}.`;
  } catch {
    return `The server answered ${response.status}.`;
  }
}

export async function upload(startUrl, blob, meta, onProgress) {
  const metadata = Object.entries(meta)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k} ${b64(String(v))}`)
    .join(",");
  const start = await fetch(startUrl, {
    method: "POST",
    headers: { ...TUS, ...csrfHeaders(), "Upload-Length": String(blob.size), "Upload-Metadata": metadata },
    credentials: "same-origin",
  });
  if (start.status !== 201) throw new Error(await problem(start));
  const location = start.headers.get("Location");
  let offset = 0;
  let failures = 0;
  while (true) {
    const chunk = blob.slice(offset, offset + CHUNK);
    let response;
    try {
      response = await fetch(location, {
        method: "PATCH",
        headers: {
          ...TUS,
          ...csrfHeaders(),
          "Content-Type": "application/offset+octet-stream",
          "Upload-Offset": String(offset),
        },
        body: chunk,
        credentials: "same-origin",
      });
    } catch {
      response = null;
    }
    if (response && response.status === 204) {
      offset = Number(response.headers.get("Upload-Offset"));
      failures = 0;
      onProgress?.(offset / blob.size);
      const recordingId = response.headers.get("Recording-Id");
      if (recordingId) return recordingId;
      continue;
    }
    if (response && response.status < 500 && response.status !== 409) throw new Error(await problem(response));
    // The connection dropped or the offset moved: ask where the upload stands, then go on.
    failures += 1;
    if (failures > 8) throw new Error("The connection keeps dropping; try again later.");
    await new Promise((resolve) => setTimeout(resolve, Math.min(30000, 500 * 2 ** failures)));
    const head = await fetch(location, { method: "HEAD", headers: { ...TUS }, credentials: "same-origin" }).catch(() => null);
    if (head && head.ok) offset = Number(head.headers.get("Upload-Offset"));
  }
}
