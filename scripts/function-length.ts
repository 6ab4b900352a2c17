// The function-length check as a reader counts (issue 25): every line from a function's first line
// (its signature) to its closing brace, blank lines left out, nested functions included. Biome's
// noExcessiveLinesPerFunction counts less (not the signature's type, not what a returned object
// holds). Run by `npm run lint`; prints each function over the limit and fails.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const LIMIT = 80;
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );

const over: string[] = [];
for (const file of files('src')) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines = text.split('\n');
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body && ts.isBlock(node.body as ts.Node)) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const counted = lines.slice(start, end + 1).filter((line) => line.trim() !== '').length;
      if (counted > LIMIT) {
        const name = (node as ts.FunctionDeclaration).name?.getText(source) ?? '(anonymous)';
        over.push(`${file}:${start + 1} ${name}: ${counted} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
for (const line of over) console.error(line);
if (over.length) {
  console.error(`${over.length} function(s) longer than ${LIMIT} lines as a reader counts them`);
  process.exit(1);
}
