// Reads a Kubernetes list response (`{"kind":"PodList","metadata":{…},"items":[…]}`) as its bytes
// arrive: each element of the top-level `items` is parsed on its own and handed over at once, so
// a page of 500 pods never exists whole, as text or as objects, beside the informer's cache. What
// is left (kind, apiVersion, metadata with resourceVersion and continue) is parsed at the end,
// with `items` empty. A byte scanner, not a JSON parser: JSON.parse still parses every item.

const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;

export class ListReader {
  /** Open objects and arrays around the current byte. */
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Inside the top-level `items` array. */
  private inItems = false;
  /** The last string of the top-level object (the key of a value that follows it). */
  private topString: Buffer[] | undefined;
  private lastTopString = '';
  /** Bytes of the item being read (it began in an earlier chunk), or undefined between items. */
  private item: Buffer[] | undefined;
  /** Everything but the items. */
  private readonly envelope: Buffer[] = [];
  items = 0;

  constructor(private readonly onItem: (item: unknown) => void) {}

  /** Scans one chunk, handing over every item it completes. */
  write(chunk: Buffer): void {
    let envelopeFrom = this.inItems ? -1 : 0;
    let itemFrom = this.item === undefined ? -1 : 0;
    let topStringFrom = this.topString === undefined ? -1 : 0;
    const length = chunk.length;
    for (let i = 0; i < length; i++) {
      if (this.inString) {
        // Most bytes are inside strings: skip to the closing quote in a tight loop.
        let escaped = this.escaped;
        for (; i < length; i++) {
          const inside = chunk[i];
          if (escaped) escaped = false;
          else if (inside === backslash) escaped = true;
          else if (inside === quote) break;
        }
        this.escaped = escaped;
        if (i === length) break;
        this.inString = false;
        if (topStringFrom >= 0) {
          this.endTopString(chunk.subarray(topStringFrom, i + 1));
          topStringFrom = -1;
        }
        continue;
      }
      const byte = chunk[i] ?? 0;
      switch (byte) {
        case quote:
          this.inString = true;
          if (this.depth === 1) {
            this.topString = [];
            topStringFrom = i;
          }
          break;
        case openBrace:
        case openBracket:
          if (this.depth === 1 && byte === openBracket && this.lastTopString === 'items') {
            // The envelope keeps "items":[ and, later, its ]; the items go to onItem.
            this.inItems = true;
            this.envelope.push(chunk.subarray(envelopeFrom, i + 1));
            envelopeFrom = -1;
          } else if (this.inItems && this.depth === 2) {
            this.item = [];
            itemFrom = i;
          }
          this.depth++;
          break;
        case closeBrace:
        case closeBracket:
          this.depth--;
          if (this.inItems && this.depth === 2 && this.item !== undefined) {
            this.endItem(chunk.subarray(itemFrom, i + 1));
            itemFrom = -1;
          } else if (this.inItems && this.depth === 1) {
            this.inItems = false;
            envelopeFrom = i;
          }
          break;
        default:
          break;
      }
    }
    if (itemFrom >= 0) this.item?.push(chunk.subarray(itemFrom));
    if (envelopeFrom >= 0) this.envelope.push(chunk.subarray(envelopeFrom));
    if (topStringFrom >= 0) this.topString?.push(chunk.subarray(topStringFrom));
  }

  /** The list without its items; throws when the response ended inside a value. */
  end(): unknown {
    if (this.depth !== 0 || this.inString)
      throw new SyntaxError('the list response ended before its last value was complete');
    const text = Buffer.concat(this.envelope).toString('utf8');
    return text.trim() === '' ? null : JSON.parse(text);
  }

  private endItem(last: Buffer): void {
    const parts = this.item ?? [];
    parts.push(last);
    this.item = undefined;
    const text = (parts.length === 1 ? last : Buffer.concat(parts)).toString('utf8');
    this.items++;
    this.onItem(JSON.parse(text));
  }

  private endTopString(last: Buffer): void {
    const parts = this.topString ?? [];
    parts.push(last);
    this.topString = undefined;
    const raw = Buffer.concat(parts).toString('utf8');
    // Keys are plain ASCII in practice; an escaped one is still decoded right.
    this.lastTopString = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }
}
