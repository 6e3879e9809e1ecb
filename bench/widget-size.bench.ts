// What the HubSpot row adds to a host's browser bundle: packages/widget/src/index.ts bundled and
// minified the way a host's build would, with React left out (the host already ships it), then
// gzipped. The stylesheet is measured too, as information.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { below, type BenchRow } from './report.js';

const widgetDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../packages/widget');
const TARGET_KB = 12;

/** The slice of vite's API used here; vite's own types are not visible from bench/. */
interface ViteBuildOutput {
  output: Array<{ type: 'chunk'; fileName: string; code: string } | { type: 'asset'; fileName: string; source: string | Uint8Array }>;
}
interface Vite {
  build(config: Record<string, unknown>): Promise<ViteBuildOutput | ViteBuildOutput[] | unknown>;
}

// vite is a devDependency of the widget, not of the workspace root, so resolve it from there.
const widgetRequire = createRequire(path.join(widgetDir, 'package.json'));

async function bundleWidget(): Promise<string> {
  const vite = (await import(pathToFileURL(widgetRequire.resolve('vite')).href)) as Vite;
  const result = await vite.build({
    configFile: false,
    root: widgetDir,
    logLevel: 'silent',
    // The widget's tsconfig says react-jsx; say it here too rather than rely on tsconfig discovery.
    oxc: { jsx: { runtime: 'automatic' } },
    build: {
      // Not `build.lib`: vite leaves whitespace in ES library builds (for pure annotations), which
      // no host ships. An app-style build with the entry's exports kept is minified as hosts do.
      write: false,
      minify: true,
      sourcemap: false,
      target: 'es2022',
      modulePreload: false,
      rolldownOptions: {
        input: path.join(widgetDir, 'src/index.ts'),
        external: [/^react(\/.*)?$/, /^react-dom(\/.*)?$/],
        preserveEntrySignatures: 'strict',
        output: { format: 'es', entryFileNames: 'index.js' },
      },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as ViteBuildOutput[];
  const chunks = outputs.flatMap((output) => output.output).filter((item) => item.type === 'chunk');
  if (chunks.length === 0) throw new Error('vite produced no JavaScript chunk for the widget');
  return chunks.map((chunk) => chunk.code).join('\n');
}

/** Minified with lightningcss (vite's own CSS minifier) when it resolves; raw source otherwise. */
async function minifyCss(source: string): Promise<{ css: string; minified: boolean }> {
  try {
    const viteRequire = createRequire(widgetRequire.resolve('vite'));
    const lightning = (await import(pathToFileURL(viteRequire.resolve('lightningcss')).href)) as {
      transform(options: { filename: string; code: Uint8Array; minify: boolean }): { code: Uint8Array };
    };
    const { code } = lightning.transform({ filename: 'styles.css', code: new TextEncoder().encode(source), minify: true });
    return { css: new TextDecoder().decode(code), minified: true };
  } catch {
    return { css: source, minified: false };
  }
}

const gzipKb = (text: string) => gzipSync(text, { level: 9 }).length / 1024;

export async function widgetSizeBench(): Promise<BenchRow[]> {
  const js = await bundleWidget();
  const jsGzip = gzipKb(js);
  const { css, minified } = await minifyCss(fs.readFileSync(path.join(widgetDir, 'src/styles.css'), 'utf8'));
  const importsReact = /from\s*["']react(\/jsx-runtime)?["']/.test(js);
  return [
    {
      bench: 'widget-size',
      metric: 'js gzipped',
      value: Number(jsGzip.toFixed(2)),
      unit: 'kB',
      ...below(jsGzip, TARGET_KB),
      note: `${(js.length / 1024).toFixed(1)} kB minified; react, react-dom and the JSX runtime external${importsReact ? '' : ' (but no React import found: check the externals)'}`,
    },
    {
      bench: 'widget-size',
      metric: 'css gzipped',
      value: Number(gzipKb(css).toFixed(2)),
      unit: 'kB',
      note: `styles.css, ${minified ? 'minified with lightningcss' : 'unminified source'}; informational`,
    },
  ];
}
