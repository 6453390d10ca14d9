// Reads the fenced blocks of a Markdown file and sorts them into what the README harness
// runs (configs, shell, transcripts, JS, Python) and what it only reads (outputs).
// The conventions are documented at the top of test/docs/readme.test.ts.

/** What a fenced block is, from its language and the marker line before it. */
export type BlockKind = 'config' | 'file' | 'sh' | 'console' | 'js' | 'python' | 'output' | 'not-runnable';

export interface Block {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The heading path, e.g. "AWS Bedrock > The native Bedrock rerank API". */
  readonly section: string;
  readonly lang: string;
  readonly kind: BlockKind;
  readonly text: string;
  /** For `not-runnable`: the reason; for `file`: the file name. */
  readonly note?: string;
}

const SHELL = new Set(['sh', 'bash', 'shell', 'zsh']);
const CONSOLE = new Set(['console', 'shell-session']);
const JS = new Set(['js', 'javascript', 'mjs', 'ts', 'typescript']);
const OUTPUT = new Set(['', 'json', 'jsonc', 'text', 'txt', 'output', 'http', 'log', 'diff']);

const NOT_RUNNABLE = /^<!--\s*not-runnable:\s*(.+?)\s*-->\s*$/;
const OUTPUT_MARK = /^<!--\s*output\s*-->\s*$/;
const FILE_MARK = /^<!--\s*file:\s*(\S+)\s*-->\s*$/;

function kindOf(lang: string, block: string): BlockKind {
  if (lang === 'yaml' || lang === 'yml') return 'config';
  if (SHELL.has(lang)) return 'sh';
  if (CONSOLE.has(lang)) return 'console';
  if (JS.has(lang)) return 'js';
  if (lang === 'python' || lang === 'py') return 'python';
  if (OUTPUT.has(lang)) return 'output';
  throw new Error(`${block}: fence language "${lang}" is unknown to the README harness (see test/docs/readme.test.ts)`);
}

/** Every fenced block of `markdown`, in order, with its section and kind. */
export function extractBlocks(file: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  const headings: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = heading[1].length;
      headings.length = level - 1;
      headings[level - 1] = heading[2].trim();
      i++;
      continue;
    }
    const fence = /^(```+)\s*([\w-]*)\s*$/.exec(line);
    if (!fence) {
      i++;
      continue;
    }
    const start = i;
    const body: string[] = [];
    i++;
    while (i < lines.length && lines[i].trimEnd() !== fence[1]) body.push(lines[i++]);
    if (i >= lines.length) throw new Error(`${file}:${start + 1}: unclosed code fence`);
    i++;
    const where = `${file}:${start + 1}`;
    const lang = fence[2].toLowerCase();
    const previous = start > 0 ? lines[start - 1].trim() : '';
    let kind = kindOf(lang, where);
    let note: string | undefined;
    const nr = NOT_RUNNABLE.exec(previous);
    const fm = FILE_MARK.exec(previous);
    if (nr) {
      kind = 'not-runnable';
      note = nr[1];
    } else if (OUTPUT_MARK.test(previous)) kind = 'output';
    else if (fm) {
      kind = 'file';
      note = fm[1];
    }
    blocks.push({
      file,
      line: start + 1,
      section: headings.filter(Boolean).join(' > '),
      lang,
      kind,
      text: body.join('\n'),
      note,
    });
  }
  return blocks;
}
