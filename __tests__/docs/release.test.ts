// Release hygiene: every dependency in package.json is used, the bundle's third-party licences are listed in
// dist/licenses.txt and all permissive, and the documents a release needs are in place.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

function filesUnder(dir: string, pattern: RegExp): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir))) {
    const relative = path.join(dir, entry);
    if (statSync(path.join(ROOT, relative)).isDirectory()) found.push(...filesUnder(relative, pattern));
    else if (pattern.test(entry)) found.push(relative);
  }
  return found;
}

const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const sources = filesUnder('src', /\.[jt]s$/).map(read);
const tooling = [
  ...filesUnder('__tests__', /\.ts$/),
  ...filesUnder('scripts', /\.(ts|sh|mjs)$/),
  ...readdirSync(ROOT).filter(
    (file) => /\.(js|mjs|ts|json)$/.test(file) && !/^package(-lock)?\.json$/.test(file),
  ),
].map(read);
const scripts = Object.values(pkg.scripts).join('\n');

const imports = (text: string, name: string): boolean =>
  new RegExp(`from '${name}(/[^']*)?'|import\\('${name}(/[^']*)?'\\)`).test(text);

/** Dev tools used by their command, not imported. */
const COMMANDS: Record<string, RegExp> = {
  '@vercel/ncc': /\bncc build\b/,
  typescript: /\btsc\b/,
  prettier: /\bprettier\b/,
  eslint: /\beslint\b/,
  vitest: /\bvitest\b/,
  '@stryker-mutator/core': /\bstryker\b/,
  'patch-package': /\bpatch-package\b/,
};

describe('package.json', () => {
  it.each(Object.keys(pkg.dependencies))('runtime dependency %s is imported by src/', (name) => {
    expect(sources.some((text) => imports(text, name))).toBe(true);
  });

  it.each(Object.keys(pkg.devDependencies))(
    'dev dependency %s is used by the tests or the tooling',
    (name) => {
      if (name.startsWith('@types/')) {
        // Types for a package that is itself a dependency, or for Node (tsconfig "types").
        const typed = name.slice('@types/'.length);
        expect(typed === 'node' || typed in pkg.dependencies).toBe(true);
        return;
      }
      const command = COMMANDS[name];
      const usedByCommand = command !== undefined && [scripts, ...tooling].some((text) => command.test(text));
      const importedOrNamed = tooling.some(
        (text) => imports(text, name) || text.includes(`'${name}'`) || text.includes(`'${name}/`),
      );
      expect(usedByCommand || importedOrNamed).toBe(true);
    },
  );
});

/** dist/licenses.txt as ncc writes it: blocks of package name, licence id, licence text. */
function bundledLicences(): Map<string, string> {
  const lines = read('dist/licenses.txt').split('\n');
  const licences = new Map<string, string>();
  for (let i = 0; i + 1 < lines.length; i++) {
    const name = lines[i] ?? '';
    if ((i === 0 || lines[i - 1] === '') && /^(@[\w.-]+\/)?[\w.-]+$/.test(name)) {
      const id = lines[i + 1] ?? '';
      if (/^[\w.+-]+( (OR|AND) [\w.+-]+)*$/.test(id)) licences.set(name, id);
    }
  }
  return licences;
}

const PERMISSIVE = ['MIT', 'ISC', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', '0BSD', 'BlueOak-1.0.0'];

describe('dist/licenses.txt', () => {
  const licences = bundledLicences();

  it('lists every runtime dependency the bundle carries', () => {
    expect(licences.size).toBeGreaterThanOrEqual(Object.keys(pkg.dependencies).length);
    for (const name of Object.keys(pkg.dependencies)) expect([...licences.keys()]).toContain(name);
  });

  it.each([...bundledLicences()])('%s is under a permissive licence (%s)', (_, id) => {
    expect(id.split(/ (?:OR|AND) /).every((part) => PERMISSIVE.includes(part))).toBe(true);
  });

  it('is checked by CI: check-dist fails when it is missing or stale', () => {
    // One licence file per chunk (the lazily loaded toolkits), merged into dist/licenses.txt.
    expect(read('scripts/build.sh')).toContain("--license '[name].licenses.txt'");
    expect(read('scripts/build.sh')).toContain('scripts/merge-licenses.mjs');
    expect(read('scripts/check-dist.sh')).toContain('dist/licenses.txt');
  });
});

describe('dist/index.js', () => {
  // What every run compiles before its first engine: the toolkits' HTTP stack (undici), Octokit and the cache
  // and artifact clients are chunks, loaded only by the runs that use them.
  const entry = read('dist/index.js');
  const chunks = readdirSync(path.join(ROOT, 'dist')).filter((file) => /^\d+\.index\.js$/.test(file));

  it.each([
    'undici',
    '@octokit/plugin-throttling',
    'BlobServiceClient',
    'getCacheVersion',
    'ArtifactServiceClientJSON',
  ])('does not carry %s, which a chunk beside it does', (marker) => {
    expect(entry).not.toContain(marker);
    expect(chunks.some((file) => read(`dist/${file}`).includes(marker))).toBe(true);
  });
});

describe('src/config/schema-validator.js', () => {
  it('is what schema/stackgate.schema.json compiles to (run npm run build when this fails)', () => {
    // --check exits non-zero, with a message, when the committed validator differs from a fresh compile.
    expect(() =>
      execFileSync(process.execPath, ['scripts/schema-validator.mjs', '--check'], {
        cwd: ROOT,
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });

  it('needs no ajv at run time (ajv is a build tool only)', () => {
    expect(read('src/config/schema-validator.js')).not.toMatch(/\brequire\(|from 'ajv/);
    // A message of ajv's schema compiler, in the bundle when ajv was.
    expect(read('dist/index.js')).not.toContain('schema with key or id');
  });
});

describe('release documents', () => {
  it('CHANGELOG.md has an Unreleased section on top', () => {
    expect(read('CHANGELOG.md')).toMatch(/^# Changelog\n[\s\S]*?\n## \[Unreleased\]\n/);
  });

  it('the README documents the tag policy it asks users to rely on', () => {
    const readme = read('README.md');
    expect(readme).toMatch(/^## Versions and releases$/m);
    expect(readme).toContain('stackgate/stackgate@v0');
  });
});
