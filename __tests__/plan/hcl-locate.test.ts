import { describe, expect, it } from 'vitest';
import { locateResourceBlocks } from '../../src/plan/hcl-locate.js';

const file = (path: string, ...lines: string[]): { path: string; text: string } => ({
  path,
  text: lines.join('\n'),
});

describe('locateResourceBlocks', () => {
  it('finds a plain header, 1-based', () => {
    const files = [file('main.tf', 'terraform {}', '', 'resource "aws_db_instance" "main" {', '}')];
    expect(locateResourceBlocks(files, 'aws_db_instance', 'main')).toEqual({ file: 'main.tf', line: 3 });
  });

  it.each([
    ['extra spaces', 'resource  "aws_db_instance"   "main"  {'],
    ['tabs and indentation', '\t resource\t"aws_db_instance"\t"main"{'],
    ['bare labels', 'resource aws_db_instance main {'],
    ['a one-line block', 'resource "aws_db_instance" "main" { engine = "postgres" }'],
    ['a comment before it on the line', '/* note */ resource "aws_db_instance" "main" {'],
    ['CRLF line ends', 'resource "aws_db_instance" "main" {\r'],
  ])('accepts %s', (_, header) => {
    const files = [file('db.tf', '# header', header, '}')];
    expect(locateResourceBlocks(files, 'aws_db_instance', 'main')).toEqual({ file: 'db.tf', line: 2 });
  });

  it('needs both labels to match exactly', () => {
    const files = [
      file(
        'main.tf',
        'resource "aws_db_instance" "main_replica" {}',
        'resource "aws_db_instance_x" "main" {}',
        'resource "aws_db_instance" {}',
        'resource "aws_db_instance" "main" {}',
      ),
    ];
    expect(locateResourceBlocks(files, 'aws_db_instance', 'main')?.line).toBe(4);
  });

  it('skips headers in line and block comments', () => {
    const files = [
      file(
        'main.tf',
        '# resource "aws_db_instance" "main" {',
        '// resource "aws_db_instance" "main" {',
        '/*',
        'resource "aws_db_instance" "main" {',
        '}',
        '*/',
        'resource "aws_db_instance" "main" {',
        '}',
      ),
    ];
    expect(locateResourceBlocks(files, 'aws_db_instance', 'main')?.line).toBe(7);
  });

  it('skips headers inside strings, templates and heredocs', () => {
    const files = [
      file(
        'main.tf',
        'locals {',
        '  a = "resource \\"aws_db_instance\\" \\"main\\" {"',
        '}',
        'output "x" { value = "${ {b = "}"}.b } resource \\"aws_db_instance\\" \\"main\\" {" }',
        'variable "doc" {',
        '  default = <<-EOT',
        'resource "aws_db_instance" "main" {',
        '  EOT',
        '}',
        'x = <<EOF',
        '}',
        'resource "aws_db_instance" "main" {',
        'EOF',
        'resource "aws_db_instance" "main" {',
        '}',
      ),
    ];
    expect(locateResourceBlocks(files, 'aws_db_instance', 'main')?.line).toBe(14);
  });

  it('tracks braces and comments inside templates, so the depth stays right', () => {
    const braceInTemplate = file('a.tf', 'locals { a = "${ "{" }" }', 'resource "aws_db_instance" "main" {}');
    const commentInTemplate = file(
      'b.tf',
      'locals { a = "${ 1 /* " */ }" }',
      'resource "aws_db_instance" "main" {}',
    );
    expect(locateResourceBlocks([braceInTemplate], 'aws_db_instance', 'main')?.line).toBe(2);
    expect(locateResourceBlocks([commentInTemplate], 'aws_db_instance', 'main')?.line).toBe(2);
    const lineCommentInTemplate = file(
      'c.tf',
      'locals { a = "${ 1 # { "',
      '}" }',
      'resource "aws_db_instance" "main" {}',
    );
    expect(locateResourceBlocks([lineCommentInTemplate], 'aws_db_instance', 'main')?.line).toBe(3);
  });

  it('decodes escapes and literal `$${` in labels', () => {
    const files = [file('main.tf', 'resource "a\\"b" "$${x}" {}')];
    expect(locateResourceBlocks(files, 'a"b', '${x}')?.line).toBe(1);
  });

  it('ends an unterminated string at its line', () => {
    const files = [file('main.tf', 'x = "open', 'resource "a" "b" {}')];
    expect(locateResourceBlocks(files, 'a', 'b')?.line).toBe(2);
  });

  it('keeps counting lines through multi-line comments, heredocs and templates', () => {
    const files = [
      file(
        'main.tf',
        '/* one',
        'two */',
        'locals {',
        '  t = "${join(",", [',
        '    "a",',
        '  ])}"',
        '  h = <<EOT',
        '  body',
        'EOT',
        '}',
        'resource "null_resource" "x" {}',
      ),
    ];
    expect(locateResourceBlocks(files, 'null_resource', 'x')?.line).toBe(11);
  });

  it('only looks at the top level, at the start of a line', () => {
    const files = [
      file(
        'main.tf',
        'module "m" {',
        '  resource "aws_db_instance" "main" {}',
        '}',
        'locals { x = 1 } resource "aws_db_instance" "main" {}',
        'resource "aws_db_instance" "main" {}',
      ),
    ];
    expect(locateResourceBlocks(files, 'aws_db_instance', 'main')?.line).toBe(5);
  });

  it('does not take a label with a template for a name', () => {
    const files = [file('main.tf', 'resource "aws_${x}" "main" {}', 'resource "aws_" "main" {}')];
    expect(locateResourceBlocks(files, 'aws_', 'main')?.line).toBe(2);
  });

  it('searches several files in the order given and reports the file', () => {
    const files = [
      file('variables.tf', 'variable "x" {}'),
      file('database.tf', '', '', 'resource "aws_db_instance" "main" {}'),
      file('later.tf', 'resource "aws_db_instance" "main" {}'),
    ];
    expect(locateResourceBlocks(files, 'aws_db_instance', 'main')).toEqual({ file: 'database.tf', line: 3 });
  });

  it('reads .tf and .tofu files only', () => {
    const json = file('main.tf.json', 'resource "aws_s3_bucket" "b" {}');
    const tofu = file('main.tofu', '', 'resource "aws_s3_bucket" "b" {}');
    expect(locateResourceBlocks([json], 'aws_s3_bucket', 'b')).toBeUndefined();
    expect(locateResourceBlocks([json, tofu], 'aws_s3_bucket', 'b')).toEqual({ file: 'main.tofu', line: 2 });
  });

  it('finds data blocks, preferring a resource of the same labels unless asked for data', () => {
    const files = [file('main.tf', 'data "aws_ami" "ubuntu" {}', 'resource "aws_ami" "ubuntu" {}')];
    expect(locateResourceBlocks(files, 'aws_ami', 'ubuntu')?.line).toBe(2);
    expect(locateResourceBlocks(files, 'aws_ami', 'ubuntu', undefined, 'data')?.line).toBe(1);
    const onlyData = [file('main.tf', 'data "aws_ami" "ubuntu" {}')];
    expect(locateResourceBlocks(onlyData, 'aws_ami', 'ubuntu')?.line).toBe(1);
    expect(locateResourceBlocks(onlyData, 'aws_ami', 'ubuntu', undefined, 'managed')).toBeUndefined();
  });

  it('returns undefined when absent, and survives broken files', () => {
    const broken = file('broken.tf', '}}}', 'x = "unterminated', 'resource "a" "b" {', '/* never closed');
    expect(locateResourceBlocks([broken], 'a', 'b')?.line).toBe(3);
    expect(locateResourceBlocks([broken], 'a', 'c')).toBeUndefined();
    expect(
      locateResourceBlocks([file('heredoc.tf', 'x = <<EOF', 'resource "a" "b" {}')], 'a', 'b'),
    ).toBeUndefined();
  });
});
