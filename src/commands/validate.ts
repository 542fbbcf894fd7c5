// `command: validate`: config, engines, formatting, validation and secrets, as check-run annotations that
// gate the merge. Needs no credentials: init runs with -backend=false.
import { ConfigError, type LoadedConfig } from '../config/types.js';
import { engineEnvironment, resolveEngineChoice } from '../engines/index.js';
import { annotationFromFinding, blockingSummary, failingFindings, type Finding } from '../report/findings.js';
import type { StackReport } from '../report/types.js';
import type { Settings } from '../settings.js';
import type { Stack } from '../stacks/discover.js';
import { filterStacks } from '../stacks/affected.js';
import { localModuleGraph } from '../stacks/modules.js';
import { checkStacks, listWorkspaceFiles } from './checks.js';
import { scanForSecrets } from './secret-scan.js';
import {
  changedFiles,
  checkName,
  configFindings,
  loadConfigOrThrow,
  logFullReport,
  newReport,
  type CommandResult,
  runStacks,
} from './shared.js';
import type { RunContext } from './context.js';
import { publishReport } from './publish.js';

/** Loads the config; its mistakes become findings instead of stopping the run. */
export async function loadConfigFindings(
  settings: Settings,
): Promise<{ config: LoadedConfig | undefined; findings: Finding[]; ok: boolean }> {
  try {
    const config = await loadConfigOrThrow(settings);
    return { config, findings: [], ok: true };
  } catch (error) {
    if (error instanceof ConfigError)
      return { config: undefined, findings: configFindings(error), ok: false };
    throw error;
  }
}

/** Files to scan for secrets: the change's on pull requests, every file otherwise. */
export async function filesToScan(ctx: RunContext): Promise<string[]> {
  return (await changedFiles(ctx)) ?? listWorkspaceFiles(ctx.settings.workspace);
}

function stackStatus(stack: Stack, findings: Finding[]): StackReport['status'] {
  return failingFindings(findings).some((finding) => finding.stack === stack.name) ? 'errored' : 'no-changes';
}

export async function runValidate(ctx: RunContext): Promise<CommandResult> {
  const { settings } = ctx;
  const { config, findings, ok } = await loadConfigFindings(settings);
  let stacks: Stack[] = [];
  const fallbackEngine = await resolveEngineChoice(settings.engine);
  if (ok) {
    stacks = await runStacks(ctx, config);
    if (settings.stackPatterns.length > 0) stacks = filterStacks(stacks, settings.stackPatterns);
    findings.push(
      ...(await checkStacks({
        workspace: settings.workspace,
        config,
        stacks,
        fallbackEngine,
        engineContext: {
          workspace: settings.workspace,
          env: engineEnvironment(ctx.env, Math.min(settings.parallelism, stacks.length)),
          tempDir: settings.tempDir,
        },
        parallelism: settings.parallelism,
        validate: true,
        moduleFolders: [
          ...(
            await localModuleGraph(
              settings.workspace,
              stacks.map((stack) => stack.path),
            )
          ).values(),
        ].flatMap((folders) => [...folders]),
      })),
    );
  }
  findings.push(...(await scanForSecrets(ctx, await filesToScan(ctx), config?.secrets?.allow ?? [])));

  const report = newReport(
    settings,
    'validate',
    stacks.map((stack) => ({
      name: stack.name,
      path: stack.path,
      engine: stack.engine ?? fallbackEngine,
      status: stackStatus(stack, findings),
      diagnostics: [],
    })),
    findings,
  );
  logFullReport(report);

  const blocking = failingFindings(findings);
  const annotations = findings.flatMap((finding) => annotationFromFinding(finding) ?? []);
  const publication = await publishReport(
    ctx,
    report,
    {
      name: checkName('validate', settings.commentHeader),
      conclusion: blocking.length > 0 ? 'failure' : 'success',
      title: blocking.length > 0 ? `${blocking.length} blocking finding(s)` : 'All checks passed',
      annotations,
    },
    { comment: false },
  );
  const stackList = report.stacks.map((stack) => ({
    name: stack.name,
    path: stack.path,
    engine: stack.engine,
    status: stack.status === 'errored' ? 'invalid' : 'valid',
  }));
  return {
    report,
    publication,
    outputs: {
      stacks: JSON.stringify(stackList),
      'has-changes': 'false',
      summary: JSON.stringify({
        findings: findings.length,
        blocking: blocking.length,
        byKind: Object.fromEntries(
          [...new Set(findings.map((finding) => finding.kind))].map((kind) => [
            kind,
            findings.filter((finding) => finding.kind === kind).length,
          ]),
        ),
      }),
      'comment-id': '',
      'comment-url': '',
      'check-run-id': publication.checkRunId !== undefined ? String(publication.checkRunId) : '',
    },
    failure: blocking.length > 0 ? blockingSummary(blocking) : undefined,
  };
}
