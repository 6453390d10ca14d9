import { StringDecoder } from 'node:string_decoder';

/**
 * Cuts a server-sent-events byte stream into the `data` of each event. Multi-line data
 * is joined with `\n`; comments and other fields are ignored. Handles CRLF and events
 * split across chunks.
 */
export class SseDecoder {
  private readonly text = new StringDecoder('utf8');
  private pending = '';
  private data: string[] = [];

  push(chunk: Buffer): string[] {
    this.pending += this.text.write(chunk);
    const out: string[] = [];
    let start = 0;
    for (;;) {
      const nl = this.pending.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && this.pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(this.pending.slice(start, end), out);
      start = nl + 1;
    }
    this.pending = this.pending.slice(start);
    return out;
  }

  end(): string[] {
    const out: string[] = [];
    this.pending += this.text.end();
    if (this.pending.length > 0) this.line(this.pending, out);
    this.pending = '';
    this.line('', out);
    return out;
  }

  private line(line: string, out: string[]): void {
    if (line.length === 0) {
      if (this.data.length > 0) out.push(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith('data:')) this.data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
  }
}
