// The programs some tests run (a real Prometheus, promtool, openssl) and the one rule for their absence:
// such a test is reported skipped, naming the Debian package that brings the program, so `npm test`
// passes on a machine with only Node and npm; with GRPCCLIENT_REQUIRE_TOOLS=1 (.ci/run) it fails instead.
import test, { type ImplementationFn } from 'ava';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Tool {
  /** The command, looked up on PATH as a shell would. */
  command: string;
  /** The Debian package that installs it. */
  debianPackage: string;
}

export const PROMETHEUS: Tool = { command: 'prometheus', debianPackage: 'prometheus' };
export const PROMTOOL: Tool = { command: 'promtool', debianPackage: 'prometheus' };
export const OPENSSL: Tool = { command: 'openssl', debianPackage: 'openssl' };

export const REQUIRE_TOOLS_ENV = 'GRPCCLIENT_REQUIRE_TOOLS';

/** The absolute path of `tool` on PATH, or undefined when no PATH folder has it executable. */
export function toolPath(tool: Tool): string | undefined {
  for (const folder of (process.env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(folder, tool.command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/**
 * Registers an ava test that needs `tools`. When one is missing the test is registered as skipped, its
 * title saying what to install; with GRPCCLIENT_REQUIRE_TOOLS=1 it is registered as a failing test.
 */
export function testNeeding(tools: readonly Tool[], title: string, implementation: ImplementationFn<[]>, options: { serial?: boolean } = {}): void {
  const register = options.serial ? test.serial : test;
  const missing = tools.filter((tool) => toolPath(tool) === undefined);
  if (missing.length === 0) return register(title, implementation);
  const install = [...new Set(missing.map((tool) => tool.debianPackage))].join(' ');
  const needs = `needs ${missing.map((tool) => tool.command).join(', ')}: apt-get install ${install}`;
  if (process.env[REQUIRE_TOOLS_ENV] === '1') {
    return register(title, (t) => t.fail(`${needs} (${REQUIRE_TOOLS_ENV}=1 forbids skipping)`));
  }
  test.skip(`${title} [skipped, ${needs}]`, implementation);
}
