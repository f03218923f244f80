// The published shape: the built package (dist/) loads from ESM and from CommonJS projects, with types.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A throwaway project with grpcclient and its hoisted @grpc dependencies linked into node_modules, as npm would install them. */
function consumerProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'grpcclient-consumer-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'grpcclient'), 'dir');
  symlinkSync(join(root, 'node_modules', '@grpc'), join(dir, 'node_modules', '@grpc'), 'dir');
  return dir;
}

test.before(() => {
  if (!existsSync(join(root, 'dist/src/index.js'))) throw new Error('dist/ is missing: npm test builds it before ava runs (npm run build)');
});

test('an ES module project imports grpcclient', (t) => {
  const dir = consumerProject();
  writeFileSync(join(dir, 'main.mjs'), "import { init, loadConfig, ConfigError } from 'grpcclient';\nconsole.log([typeof init, typeof loadConfig, typeof ConfigError].join(','));\n");
  t.is(execFileSync(process.execPath, ['main.mjs'], { cwd: dir, encoding: 'utf8' }).trim(), 'function,function,function');
});

test('a CommonJS project requires grpcclient', (t) => {
  const dir = consumerProject();
  writeFileSync(join(dir, 'main.cjs'), "const { init, ConnectionManager } = require('grpcclient');\nconsole.log([typeof init, typeof ConnectionManager].join(','));\n");
  t.is(execFileSync(process.execPath, ['main.cjs'], { cwd: dir, encoding: 'utf8' }).trim(), 'function,function');
});

test('a TypeScript project gets typed clients from the declarations without casts', (t) => {
  const dir = consumerProject();
  // The user's own protos and the types proto-loader-gen-types wrote for them (here: the repo's).
  cpSync(join(root, 'protos'), join(dir, 'protos'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(dir, 'main.ts'),
    [
      "import { init, loadProtos } from 'grpcclient';",
      "import type { ProtoGrpcType } from './protos/gen/book.ts';",
      "const proto = loadProtos<ProtoGrpcType>('book.proto', { includeDirs: ['protos'] });",
      "const { clients } = await init({ config: 'c.yaml', clients: { 'book-service': proto.book.v1.BookService } });",
      "const book = await clients['book-service'].getBook({ id: 'b1' });",
      'console.log(book.title.toUpperCase());',
      '// @ts-expect-error: the typed client has no such method',
      "clients['book-service'].getBookz({ id: 'b1' });",
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', target: 'es2023', noEmit: true, skipLibCheck: true, allowImportingTsExtensions: true, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] }, files: ['main.ts'] }));
  t.notThrows(() => execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir, encoding: 'utf8', stdio: 'pipe' }));
});
