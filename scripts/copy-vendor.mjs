// Copies the browser libraries installed by `npm ci` (pinned in package-lock.json) into
// woodshed/static/vendor, which is served by the app and ignored by git. Run by `make assets`.
import { copyFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "woodshed", "static", "vendor");
const files = [
  // Chart.js: the UMD build defines window.Chart; static/js/stats.js draws with it.
  ["node_modules/chart.js/dist/chart.umd.min.js", "chart.umd.min.js"],
  ["node_modules/chart.js/LICENSE.md", "chart.js-LICENSE.md"],
  ["node_modules/pitchy/LICENSE", "pitchy-LICENSE"],
  // wavesurfer.js (BSD-3): ES modules; static/js/recording.js draws the server's peaks.
  ["node_modules/wavesurfer.js/dist/wavesurfer.esm.js", "wavesurfer.esm.js"],
  ["node_modules/wavesurfer.js/dist/plugins/regions.esm.js", "wavesurfer-regions.esm.js"],
  ["node_modules/wavesurfer.js/LICENSE", "wavesurfer.js-LICENSE"],
];

mkdirSync(target, { recursive: true });
for (const [from, to] of files) {
  const source = join(root, from);
  if (!existsSync(source)) {
    console.error(`missing ${from}: run npm ci first`);
    process.exit(1);
  }
  copyFileSync(source, join(target, to));
  console.log(`copied ${from} -> woodshed/static/vendor/${to}`);
}

// pitchy (the tuner's McLeod pitch method) is an ES module, but its fft.js dependency is
// CommonJS: esbuild bundles both into one ES module that static/js/tuner.js imports.
const { buildSync } = await import("esbuild");
buildSync({
  entryPoints: [join(root, "node_modules/pitchy/index.js")],
  bundle: true,
  format: "esm",
  minify: true,
  legalComments: "inline",
  outfile: join(target, "pitchy.js"),
});
console.log("bundled pitchy + fft.js -> woodshed/static/vendor/pitchy.js");
