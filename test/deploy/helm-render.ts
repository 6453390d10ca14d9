import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYamlText } from 'yaml';

/**
 * A renderer for the subset of Helm's Go templates our chart uses, so the chart can be
 * rendered and validated where no `helm` binary exists (this machine has none, Debian ships
 * none, and npm has no package carrying it). It follows Go's text/template rules for what it
 * supports — `{{-`/`-}}` trimming, `if`/`else if`/`else`/`with`/`end`, `define`/`include`,
 * `$var :=`, pipelines, parentheses — and the Sprig/Helm functions listed in FUNCTIONS, with
 * `lookup` answering an empty map as `helm template` does. Anything else (`range`, an unknown
 * function, printing a map) throws instead of guessing, so the chart cannot silently drift
 * beyond what this renderer proves.
 */

type Value = unknown;
interface Scope {
  readonly dot: Value;
  readonly vars: Map<string, Value>;
}
type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'out'; readonly expr: string }
  | { readonly kind: 'if' | 'with'; readonly expr: string; readonly body: Node[]; readonly otherwise: Node[] };

interface Action {
  readonly body: string;
  readonly trimLeft: boolean;
  readonly trimRight: boolean;
}

/** Splits a template into text and actions, applying the trim markers. */
function lex(src: string): Array<string | Action> {
  const out: Array<string | Action> = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push(src.slice(i));
      break;
    }
    out.push(src.slice(i, open));
    const close = src.indexOf('}}', open + 2);
    if (close < 0) throw new Error(`unclosed action at offset ${open}`);
    let body = src.slice(open + 2, close);
    const trimLeft = /^- /.test(body) || body === '-';
    const trimRight = / -$/.test(body);
    if (trimLeft) body = body.slice(1);
    if (trimRight) body = body.slice(0, -1);
    out.push({ body: body.trim(), trimLeft, trimRight });
    i = close + 2;
  }
  for (let k = 0; k < out.length; k++) {
    const a = out[k];
    if (typeof a === 'string') continue;
    if (a.trimLeft && typeof out[k - 1] === 'string') out[k - 1] = (out[k - 1] as string).replace(/\s+$/, '');
    if (a.trimRight && typeof out[k + 1] === 'string') out[k + 1] = (out[k + 1] as string).replace(/^\s+/, '');
  }
  return out;
}

/** Builds the node tree; `define` blocks go to `defines`. */
function parse(items: Array<string | Action>, defines: Map<string, Node[]>): Node[] {
  let pos = 0;
  const list = (ends: readonly string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (pos < items.length) {
      const item = items[pos++];
      if (typeof item === 'string') {
        if (item) nodes.push({ kind: 'text', text: item });
        continue;
      }
      const body = item.body;
      if (body.startsWith('/*')) {
        if (!body.endsWith('*/')) throw new Error(`bad comment {{${body}}}`);
        continue;
      }
      const word = /^[a-z]+/.exec(body)?.[0] ?? '';
      if (word === 'end' || (word === 'else' && ends.includes('else'))) return { nodes, end: body };
      if (word === 'if' || word === 'with') {
        nodes.push(conditional(word, body.slice(word.length).trim()));
      } else if (word === 'define') {
        const name = JSON.parse(body.slice('define'.length).trim()) as string;
        const inner = list(['end']);
        defines.set(name, inner.nodes);
      } else if (['range', 'template', 'block', 'break', 'continue', 'else', 'end'].includes(word)) {
        throw new Error(`{{${body}}} is outside the supported template subset`);
      } else {
        nodes.push({ kind: 'out', expr: body });
      }
    }
    if (ends.length) throw new Error(`missing {{end}} (expected one of ${ends.join(', ')})`);
    return { nodes, end: '' };
  };
  const conditional = (kind: 'if' | 'with', expr: string): Node => {
    const then = list(['else', 'end']);
    let otherwise: Node[] = [];
    if (then.end.startsWith('else')) {
      const rest = then.end.slice('else'.length).trim();
      if (rest.startsWith('if ')) otherwise = [conditional('if', rest.slice(3).trim())];
      else if (rest === '') otherwise = list(['end']).nodes;
      else throw new Error(`unsupported {{${then.end}}}`);
    }
    return { kind, expr, body: then.nodes, otherwise };
  };
  return list([]).nodes;
}

const TOKEN =
  /\s+|\(|\)|\||:=|"(?:[^"\\]|\\.)*"|`[^`]*`|-?\d+(?:\.\d+)?|\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.|[A-Za-z_][A-Za-z0-9_]*/y;

function tokenize(expr: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(expr);
    if (!m || m.index !== at) throw new Error(`cannot read "${expr.slice(at)}" in {{${expr}}}`);
    if (!/^\s+$/.test(m[0])) tokens.push(m[0]);
  }
  return tokens;
}

/** Go template truth: false, 0, nil, and empty strings, lists and maps are false. */
export function truthy(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function field(base: Value, path: string[], expr: string): Value {
  let v = base;
  for (const name of path) {
    if (v === undefined || v === null || typeof v !== 'object') throw new Error(`nil pointer evaluating .${name} in {{${expr}}}`);
    v = (v as Record<string, Value>)[name];
  }
  return v;
}

/** Helm's `indent`: every line, the last one included, gets the pad. */
const indent = (n: number, s: string): string => ' '.repeat(n) + String(s).replaceAll('\n', '\n' + ' '.repeat(n));

export class ChartRenderer {
  private readonly defines = new Map<string, Node[]>();
  private readonly files = new Map<string, Node[]>();

  constructor(templates: ReadonlyMap<string, string>) {
    for (const [name, text] of templates) this.files.set(name, parse(lex(text), this.defines));
  }

  /** Reads a chart directory: Chart.yaml, values.yaml and templates/. */
  static fromDir(dir: string): { renderer: ChartRenderer; chart: Record<string, unknown>; values: Record<string, unknown> } {
    const templates = new Map<string, string>();
    for (const f of readdirSync(join(dir, 'templates')).sort()) templates.set(f, readFileSync(join(dir, 'templates', f), 'utf8'));
    return {
      renderer: new ChartRenderer(templates),
      chart: parseYaml(readFileSync(join(dir, 'Chart.yaml'), 'utf8')),
      values: parseYaml(readFileSync(join(dir, 'values.yaml'), 'utf8')),
    };
  }

  /** Renders every manifest template (not `_*.tpl` helpers, not NOTES.txt) as `helm template` would. */
  render(root: Record<string, unknown>): Map<string, string> {
    const out = new Map<string, string>();
    for (const [name, nodes] of this.files) {
      if (name.startsWith('_') || name === 'NOTES.txt') continue;
      out.set(name, this.run(nodes, { dot: root, vars: new Map([['$', root]]) }));
    }
    return out;
  }

  renderFile(name: string, root: Record<string, unknown>): string {
    const nodes = this.files.get(name);
    if (!nodes) throw new Error(`no template ${name}`);
    return this.run(nodes, { dot: root, vars: new Map([['$', root]]) });
  }

  private run(nodes: readonly Node[], scope: Scope): string {
    let s = '';
    for (const n of nodes) {
      if (n.kind === 'text') s += n.text;
      else if (n.kind === 'out') s += this.output(n.expr, scope);
      else {
        const v = this.pipeline(tokenize(n.expr), scope, n.expr);
        if (!truthy(v)) s += this.run(n.otherwise, scope);
        else s += this.run(n.body, n.kind === 'with' ? { dot: v, vars: scope.vars } : scope);
      }
    }
    return s;
  }

  private output(expr: string, scope: Scope): string {
    const tokens = tokenize(expr);
    if (tokens[1] === ':=') {
      if (!tokens[0].startsWith('$')) throw new Error(`bad declaration {{${expr}}}`);
      scope.vars.set(tokens[0], this.pipeline(tokens.slice(2), scope, expr));
      return '';
    }
    const v = this.pipeline(tokens, scope, expr);
    if (v === undefined || v === null) return '';
    if (typeof v === 'object') throw new Error(`{{${expr}}} prints a map or list; use toYaml`);
    return String(v);
  }

  private pipeline(tokens: string[], scope: Scope, expr: string): Value {
    const commands: string[][] = [[]];
    let depth = 0;
    for (const t of tokens) {
      if (t === '(') depth++;
      if (t === ')') depth--;
      if (t === '|' && depth === 0) commands.push([]);
      else commands.at(-1)!.push(t);
    }
    let piped: { value: Value } | undefined;
    for (const c of commands) piped = { value: this.command(c, scope, expr, piped) };
    return piped?.value;
  }

  private command(tokens: string[], scope: Scope, expr: string, piped?: { value: Value }): Value {
    const args: Value[] = [];
    let fn: string | undefined;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t === '(') {
        let depth = 1;
        let j = i + 1;
        for (; j < tokens.length && depth > 0; j++) depth += tokens[j] === '(' ? 1 : tokens[j] === ')' ? -1 : 0;
        args.push(this.pipeline(tokens.slice(i + 1, j - 1), scope, expr));
        i = j - 1;
      } else if (i === 0 && /^[A-Za-z_]/.test(t) && !['true', 'false', 'nil'].includes(t)) {
        fn = t;
      } else {
        args.push(this.operand(t, scope, expr));
      }
    }
    if (piped) {
      if (!fn) throw new Error(`cannot pipe into a non-function in {{${expr}}}`);
      args.push(piped.value);
    }
    if (!fn) {
      if (args.length !== 1) throw new Error(`{{${expr}}}: a value cannot take arguments`);
      return args[0];
    }
    return this.call(fn, args, expr);
  }

  private operand(t: string, scope: Scope, expr: string): Value {
    if (t.startsWith('"')) return JSON.parse(t);
    if (t.startsWith('`')) return t.slice(1, -1);
    if (/^-?\d/.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === 'nil') return null;
    if (t === '.') return scope.dot;
    if (t.startsWith('.')) return field(scope.dot, t.slice(1).split('.'), expr);
    if (t.startsWith('$')) {
      const [name, ...path] = t.split('.');
      if (!scope.vars.has(name)) throw new Error(`undefined variable ${name} in {{${expr}}}`);
      return field(scope.vars.get(name), path, expr);
    }
    throw new Error(`unexpected "${t}" in {{${expr}}}`);
  }

  private call(fn: string, args: Value[], expr: string): Value {
    const need = (n: number): void => {
      if (args.length !== n) throw new Error(`${fn} takes ${n} arguments, got ${args.length} in {{${expr}}}`);
    };
    switch (fn) {
      case 'include': {
        need(2);
        const nodes = this.defines.get(String(args[0]));
        if (!nodes) throw new Error(`no template "${String(args[0])}" to include`);
        return this.run(nodes, { dot: args[1], vars: new Map([['$', args[1]]]) });
      }
      case 'toYaml':
        need(1);
        // Helm trims the marshaller's final newline.
        return args[0] === undefined || args[0] === null ? 'null' : toYamlText(args[0]).replace(/\n$/, '');
      case 'nindent':
        need(2);
        return '\n' + indent(Number(args[0]), String(args[1] ?? ''));
      case 'indent':
        need(2);
        return indent(Number(args[0]), String(args[1] ?? ''));
      case 'quote':
        return args
          .filter((a) => a !== undefined && a !== null)
          .map((a) => JSON.stringify(String(a)))
          .join(' ');
      case 'default':
        need(2);
        return truthy(args[1]) ? args[1] : args[0];
      case 'not':
        need(1);
        return !truthy(args[0]);
      case 'required':
        need(2);
        if (!truthy(args[1])) throw new Error(String(args[0]));
        return args[1];
      case 'b64enc':
        need(1);
        return Buffer.from(String(args[0])).toString('base64');
      case 'randAlphaNum': {
        need(1);
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
        return [...randomBytes(Number(args[0]))].map((b) => alphabet[b % alphabet.length]).join('');
      }
      case 'lookup':
        need(4);
        return {};
      case 'index': {
        let v = args[0];
        for (const k of args.slice(1)) v = v === undefined || v === null ? undefined : (v as Record<string, Value>)[String(k)];
        return v;
      }
      case 'printf': {
        const rest = args.slice(1);
        return String(args[0]).replace(/%[sdv]/g, () => String(rest.shift()));
      }
      case 'trunc':
        need(2);
        return String(args[1]).slice(0, Number(args[0]));
      case 'trimSuffix': {
        need(2);
        const [suffix, s] = [String(args[0]), String(args[1])];
        return suffix && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
      }
      default:
        throw new Error(`function "${fn}" is outside the supported template subset`);
    }
  }
}

/** The objects Helm gives templates, for a chart and values (with overrides merged in). */
export function helmRoot(
  chart: Record<string, unknown>,
  values: Record<string, unknown>,
  release = { name: 'rankway', namespace: 'default' },
): Record<string, unknown> {
  return {
    Values: values,
    Release: { Name: release.name, Namespace: release.namespace, Service: 'Helm', IsInstall: true, IsUpgrade: false },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
}

/** Deep-merges `override` into a copy of `base`, as `--set`/`-f` do for maps. */
export function mergeValues(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? mergeValues(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
