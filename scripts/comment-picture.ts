// The README's picture of a real comment: plans the stacks of examples/demo with the real engine, renders the
// sticky comment with the same function the action posts it with (renderComment), turns that markdown into
// HTML with GitHub-like styles, and writes the HTML next to the PNG that scripts/comment-picture.sh shoots with
// a headless Chromium.
//
//   node comment-picture.js ENGINE OUT.html
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { marked } from 'marked';
import { loadConfig } from '../src/config/load.js';
import { engineEnvironment, engineFor, resolveEngineChoice } from '../src/engines/index.js';
import { renderComment } from '../src/report/markdown.js';
import type { RunReport, StackReport } from '../src/report/types.js';
import { discoverStacks } from '../src/stacks/discover.js';

const STYLE = `
  body { margin: 0; background: #ffffff; font: 14px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", "Noto Color Emoji", sans-serif; color: #1f2328; }
  .comment { width: 820px; margin: 16px; border: 1px solid #d1d9e0; border-radius: 6px; }
  .head { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px; border-radius: 6px 6px 0 0; color: #59636e; }
  .head b { color: #1f2328; }
  .body { padding: 8px 16px 16px; }
  table { border-collapse: collapse; margin: 8px 0; }
  th, td { border: 1px solid #d1d9e0; padding: 4px 10px; }
  th { background: #f6f8fa; }
  code { background: #eff1f3; padding: 1px 4px; border-radius: 4px; font: 12px "DejaVu Sans Mono", monospace; }
  pre { background: #f6f8fa; padding: 10px 12px; border-radius: 6px; overflow: hidden; }
  pre code { background: none; padding: 0; }
  details { margin: 6px 0; }
  summary { cursor: pointer; }
  .diff-add { color: #116329; } .diff-del { color: #82071e; } .diff-chg { color: #953800; }
`;

/** Colours diff lines as GitHub's `diff` highlighting does. */
function colourDiffs(html: string): string {
  return html.replace(/<pre><code class="language-diff">([\s\S]*?)<\/code><\/pre>/g, (_, body: string) => {
    const lines = body.split('\n').map((line) => {
      if (line.startsWith('+')) return `<span class="diff-add">${line}</span>`;
      if (line.startsWith('-')) return `<span class="diff-del">${line}</span>`;
      if (line.startsWith('!') || line.startsWith('~')) return `<span class="diff-chg">${line}</span>`;
      return line;
    });
    return `<pre><code class="language-diff">${lines.join('\n')}</code></pre>`;
  });
}

async function main(): Promise<void> {
  const [engineName = 'auto', out = 'comment.html'] = process.argv.slice(2);
  const workspace = path.resolve('examples/demo');
  const config = await loadConfig(workspace, '.stackgate.yml');
  const stacks = await discoverStacks(workspace, config);
  const fallback = await resolveEngineChoice(engineName as 'auto');
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'stackgate-picture-'));
  const reports: StackReport[] = [];
  try {
    await chmod(tempDir, 0o700);
    for (const stack of stacks) {
      const engine = engineFor(stack, fallback);
      process.stderr.write(`planning ${stack.name} with ${engine.name}…\n`);
      const result = await engine.plan(
        stack,
        { workspace, env: engineEnvironment(process.env), tempDir },
        {
          repository: workspace,
        },
      );
      reports.push({ name: stack.name, path: stack.path, engine: engine.name, ...result });
    }
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
  const report: RunReport = {
    command: 'plan',
    header: '',
    repository: 'octo/infra',
    sha: '4f2c9e1d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e',
    pullNumber: 42,
    stacks: reports,
  };
  const { body } = renderComment(report);
  await writeFile(out.replace(/\.html$/, '.md'), body);
  // The app stack's details open, as a reviewer would click it; everything else exactly as posted.
  const html = colourDiffs(await marked.parse(body, { gfm: true })).replace(
    /<details>(<summary>[^<]*<b>app<\/b>)/,
    '<details open>$1',
  );
  await writeFile(
    out,
    `<!doctype html><meta charset="utf-8"><style>${STYLE}</style>
<div class="comment"><div class="head"><b>github-actions</b> <span>bot</span> commented</div>
<div class="body">${html}</div></div>`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`comment-picture: ${(error as Error).message}\n`);
  process.exit(1);
});
