// Alpine version ordering, following apk-tools' src/version.c (Gentoo-style versions:
// {digit}{.digit}...{letter}{_suffix{digits}}...{-r#}). Pre-release suffixes _alpha, _beta,
// _pre, _rc sort below the bare version, post-release _cvs, _svn, _git, _hg, _p above it; a
// component after a '.' with leading zeros compares as a decimal fraction (1.01 < 1.1).
// Versions that apk itself rejects compare as tokens up to the invalid point, then the invalid
// one sorts lower, as current apk-tools does (apk-tools 2.x on Alpine 3.x differs there only).

import type { VersionComparator } from './types.ts';

// apk-tools version.c "enum PARTS"; the numeric order matters for the final comparison.
const enum Token {
  Invalid = -1,
  DigitOrZero = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNo = 4,
  RevisionNo = 5,
  End = 6,
}

const preSuffixes = ['alpha', 'beta', 'pre', 'rc'];
const postSuffixes = ['cvs', 'svn', 'git', 'hg', 'p'];

class Cursor {
  type: Token = Token.Digit;
  position = 0;
  constructor(readonly text: string) {}

  get rest(): number {
    return this.text.length - this.position;
  }

  /** Reads the value of the current token and advances to the next one. */
  read(): bigint {
    if (this.rest <= 0) {
      this.type = Token.End;
      return 0n;
    }
    const text = this.text;
    let i = this.position;
    let value = 0n;
    let next: Token | undefined;
    switch (this.type) {
      case Token.DigitOrZero:
        if (text[i] === '0') {
          // Leading zeros: fewer zeros sort higher (".05" > ".005").
          let zeros = 0;
          while (text[i] === '0') {
            i++;
            zeros++;
          }
          value = BigInt(-zeros);
          next = Token.Digit;
          break;
        }
        value = this.readDigits(i);
        i = this.position;
        break;
      case Token.Digit:
      case Token.SuffixNo:
      case Token.RevisionNo:
        value = this.readDigits(i);
        i = this.position;
        break;
      case Token.Letter:
        value = BigInt(text.charCodeAt(i));
        i++;
        break;
      case Token.Suffix: {
        const rest = text.slice(i);
        const pre = preSuffixes.findIndex((s) => rest.startsWith(s));
        if (pre >= 0) {
          value = BigInt(pre - preSuffixes.length);
          i += preSuffixes[pre]?.length ?? 0;
          break;
        }
        const post = postSuffixes.findIndex((s) => rest.startsWith(s));
        if (post >= 0) {
          value = BigInt(post);
          i += postSuffixes[post]?.length ?? 0;
          break;
        }
        this.type = Token.Invalid;
        return -1n;
      }
      case Token.Invalid:
      case Token.End:
        this.type = Token.Invalid;
        return -1n;
    }
    this.position = i;
    if (this.rest === 0) this.type = Token.End;
    else if (next !== undefined) this.type = next;
    else this.advance();
    return value;
  }

  private readDigits(start: number): bigint {
    let i = start;
    while (i < this.text.length && /[0-9]/.test(this.text[i] ?? '')) i++;
    this.position = i;
    return i > start ? BigInt(this.text.slice(start, i)) : 0n;
  }

  /** Classifies the separator at the cursor (apk-tools next_token). */
  private advance(): void {
    const char = this.text[this.position] ?? '';
    let next: Token = Token.Invalid;
    if ((this.type === Token.Digit || this.type === Token.DigitOrZero) && /[a-z]/.test(char)) {
      next = Token.Letter;
    } else if (this.type === Token.Letter && /[0-9]/.test(char)) {
      next = Token.Digit;
    } else if (this.type === Token.Suffix && /[0-9]/.test(char)) {
      next = Token.SuffixNo;
    } else {
      if (char === '.') next = Token.DigitOrZero;
      else if (char === '_') next = Token.Suffix;
      else if (char === '-' && this.text[this.position + 1] === 'r') {
        // "-r" must be followed by digits or nothing ("1-r" = "1-r0"); "1-ruff" is invalid.
        const after = this.text[this.position + 2];
        next = after === undefined || /[0-9]/.test(after) ? Token.RevisionNo : Token.Invalid;
        this.position++;
      }
      this.position++;
    }
    // Tokens only move forward (digits → letter → suffix → revision), with three exceptions.
    if (
      next < this.type &&
      !(
        (next === Token.DigitOrZero && this.type === Token.Digit) ||
        (next === Token.Suffix && this.type === Token.SuffixNo) ||
        (next === Token.Digit && this.type === Token.Letter)
      )
    ) {
      next = Token.Invalid;
    }
    this.type = next;
  }
}

export function compareApkVersions(a: string, b: string): number {
  const x = new Cursor(a.trim());
  const y = new Cursor(b.trim());
  // Two versions apk rejects are not ordered by it (osv-scanner's fixture: "1-r0-1 = 1-r-2").
  if (!isValidApkVersion(a.trim()) && !isValidApkVersion(b.trim())) return 0;
  let xv = 0n;
  let yv = 0n;
  while (x.type === y.type && x.type !== Token.End && x.type !== Token.Invalid && xv === yv) {
    xv = x.read();
    yv = y.read();
  }
  if (xv !== yv) return xv < yv ? -1 : 1;
  if (x.type === y.type) return 0;
  // Current apk-tools sorts a version that turns invalid below any valid continuation.
  if (x.type === Token.Invalid) return -1;
  if (y.type === Token.Invalid) return 1;
  // Equal so far: the longer version is greater, unless what follows is a pre-release suffix.
  if (x.type === Token.Suffix && isPreRelease(x)) return -1;
  if (y.type === Token.Suffix && isPreRelease(y)) return 1;
  return x.type > y.type ? -1 : x.type < y.type ? 1 : 0;
}

/** apk-tools apk_version_validate: tokens run to the end without turning invalid. */
export function isValidApkVersion(version: string): boolean {
  const cursor = new Cursor(version);
  while (cursor.type !== Token.End && cursor.type !== Token.Invalid) cursor.read();
  return cursor.type === Token.End;
}

/** A pre-release suffix follows (an unknown suffix counts as one, as in apk-tools). */
function isPreRelease(cursor: Cursor): boolean {
  const rest = cursor.text.slice(cursor.position);
  if (preSuffixes.some((s) => rest.startsWith(s))) return true;
  return !postSuffixes.some((s) => rest.startsWith(s));
}

export const apkComparator: VersionComparator = {
  id: 'apk',
  ecosystems: ['Alpine', 'Wolfi', 'Chainguard', 'MinimOS'],
  compare: compareApkVersions,
};
