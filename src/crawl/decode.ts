// Bytes → text, or the verdict that they are not text. Pure: no I/O.
//
// Order of evidence: a BOM; NUL bytes (UTF-16/32 without a BOM, else binary); valid UTF-8
// (7-bit ISO-2022 hides in there too); then legacy encodings: the document's own declaration,
// chardet's guesses, windows-1252. Every decoding must read as text to be accepted.
import chardet from 'chardet';
import iconv from 'iconv-lite';

export type DecodeResult = { kind: 'text'; text: string; encoding: string } | { kind: 'binary'; reason: string };

// UTF-32LE before UTF-16LE: its BOM starts with the UTF-16LE one.
const BOMS: readonly { bytes: readonly number[]; encoding: string }[] = [
  { bytes: [0xff, 0xfe, 0x00, 0x00], encoding: 'utf-32le' },
  { bytes: [0x00, 0x00, 0xfe, 0xff], encoding: 'utf-32be' },
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be' },
];

// A PDF can be pure ASCII up to its compressed streams, but its syntax is no document text.
const PDF_SIGNATURE = [...'%PDF-'].map((char) => char.charCodeAt(0));
const ESC = 0x1b;

/** chardet is linear in input size; its statistics settle long before this. */
const DETECTION_SAMPLE_BYTES = 128 * 1024;
/** Single-byte Western text is the most common legacy case, and every byte decodes. */
const FALLBACK_ENCODING = 'windows-1252';

/**
 * Where a superset decodes more real files correctly, use it and keep the detected label:
 * vendor extensions (NEC/IBM kanji in Shift_JIS, UHC hangul in EUC-KR, HKSCS in Big5), and
 * the Windows code pages that fill the C1 range and gaps of ISO-8859 (as browsers do).
 */
const SUPERSET_CODECS: Readonly<Record<string, string>> = {
  shift_jis: 'cp932',
  'euc-kr': 'cp949',
  big5: 'big5hkscs',
  'iso-8859-1': 'windows-1252',
  'iso-8859-8': 'windows-1255',
  'iso-8859-9': 'windows-1254',
  'tis-620': 'windows-874',
};

export function decodeText(bytes: Uint8Array): DecodeResult {
  const bom = BOMS.find((candidate) => startsWith(bytes, candidate.bytes));
  if (bom) return verdict(decodeAs(bytes.subarray(bom.bytes.length), bom.encoding), bom.encoding);

  if (bytes.includes(0)) return decodeWideUnicode(bytes) ?? binary('binary file (NUL bytes)');
  if (startsWith(bytes, PDF_SIGNATURE)) return binary('binary file (PDF document)');

  const utf8 = decodeUtf8(bytes);
  if (utf8 === undefined) return decodeLegacy(bytes);
  return bytes.includes(ESC) ? decodeSevenBit(bytes, utf8) : verdict(utf8, 'utf-8');
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, index) => bytes[index] === byte);
}

function verdict(text: string, encoding: string): DecodeResult {
  return isPlausibleText(text) ? textResult(text, encoding) : binary('binary file (control characters)');
}

function textResult(text: string, encoding: string): DecodeResult {
  return { kind: 'text', text: text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text, encoding };
}

function binary(reason: string): DecodeResult {
  return { kind: 'binary', reason };
}

function decodeAs(bytes: Uint8Array, encoding: string): string {
  switch (encoding) {
    case 'utf-8':
    case 'utf-16le':
    case 'utf-16be':
    case 'iso-2022-jp': // iconv-lite has no ISO-2022 codecs; the WHATWG decoder has this one
      return new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes);
    default:
      return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), SUPERSET_CODECS[encoding] ?? encoding);
  }
}

function sample(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, DETECTION_SAMPLE_BYTES);
}

// ── UTF-16 / UTF-32 without a BOM ────────────────────────────────────────────────────────────

/** The NUL bytes must sit where those encodings put them, and the result must read as text. */
function decodeWideUnicode(bytes: Uint8Array): DecodeResult | undefined {
  for (const encoding of wideCandidates(bytes)) {
    const text = decodeWide(bytes, encoding);
    if (text !== undefined && isPlausibleText(text)) return textResult(text, encoding);
  }
  return undefined;
}

/** How many more NULs one byte parity must hold than the other before we try UTF-16. */
const UTF16_NUL_SKEW = 4;

function wideCandidates(bytes: Uint8Array): string[] {
  const nulsAt = [0, 0, 0, 0];
  for (let index = 0; index < bytes.length; index++) if (bytes[index] === 0) nulsAt[index % 4]++;
  const candidates: string[] = [];
  // Every UTF-32 unit is below 0x110000, so its most significant byte is always zero.
  if (bytes.length % 4 === 0) {
    const units = bytes.length / 4;
    if (nulsAt[3] === units) candidates.push('utf-32le');
    if (nulsAt[0] === units) candidates.push('utf-32be');
  }
  // In UTF-16 the zeros are the high bytes of ASCII characters; random binary has them on both sides.
  if (bytes.length % 2 === 0) {
    const odd = nulsAt[1] + nulsAt[3];
    const even = nulsAt[0] + nulsAt[2];
    if (odd > even * UTF16_NUL_SKEW) candidates.push('utf-16le');
    if (even > odd * UTF16_NUL_SKEW) candidates.push('utf-16be');
  }
  return candidates;
}

function decodeWide(bytes: Uint8Array, encoding: string): string | undefined {
  if (encoding.startsWith('utf-32')) return decodeAs(bytes, encoding);
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined; // an unpaired surrogate: not UTF-16
  }
}

// ── UTF-8 and 7-bit encodings ─────────────────────────────────────────────────────────────────

const NON_ASCII = /[^\u0000-\u007f]/g;

/**
 * Valid UTF-8 (pure ASCII included), or undefined. A sequence cut off at the very end is
 * tolerated when the rest holds multi-byte characters: that is a truncated UTF-8 file or a
 * sniffed prefix. Without that evidence, a last high byte is more likely a legacy 'é'.
 */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  const cut = truncatedUtf8TailLength(bytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(0, bytes.length - cut));
  } catch {
    return undefined;
  }
  if (cut === 0) return text;
  return text.search(NON_ASCII) >= 0 ? `${text}\uFFFD` : undefined;
}

/** Bytes at the end that start a multi-byte sequence without all the continuation bytes it announces. */
function truncatedUtf8TailLength(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead
    const announced = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return announced > back ? back : 0;
  }
  return 0;
}

/** The ISO-2022 encodings are 7-bit, so they pass as UTF-8; chardet knows their escape sequences. */
function decodeSevenBit(bytes: Uint8Array, asUtf8: string): DecodeResult {
  const detected = chardet.detect(sample(bytes));
  switch (detected) {
    case 'ISO-2022-JP':
      return verdict(decodeAs(bytes, 'iso-2022-jp'), 'iso-2022-jp');
    case 'ISO-2022-KR':
    case 'ISO-2022-CN':
      return binary(`unsupported encoding (${detected.toLowerCase()})`);
    default:
      return verdict(asUtf8, 'utf-8');
  }
}

// ── Legacy encodings ──────────────────────────────────────────────────────────────────────────

/**
 * The first candidate that decodes the non-ASCII bytes cleanly wins; if none does, the first
 * that at least reads as text.
 */
function decodeLegacy(bytes: Uint8Array): DecodeResult {
  let bestEffort: DecodeResult | undefined;
  for (const encoding of legacyCandidates(bytes)) {
    const text = decodeAs(bytes, encoding);
    if (!isPlausibleText(text)) continue;
    if (decodesCleanly(text)) return textResult(text, encoding);
    bestEffort ??= textResult(text, encoding);
  }
  return bestEffort ?? binary('binary file (undecodable bytes)');
}

/** The declared charset, then chardet's guesses (most confident first), then windows-1252. */
function legacyCandidates(bytes: Uint8Array): string[] {
  const detected = chardet.analyse(sample(bytes)).map((match) => match.name.toLowerCase());
  const candidates = [declaredCharset(bytes), ...detected, FALLBACK_ENCODING];
  return [...new Set(candidates)].filter((name): name is string => name !== undefined && isLegacyDecodable(name));
}

function isLegacyDecodable(encoding: string): boolean {
  if (encoding.startsWith('utf-')) return false; // Unicode was ruled out before we got here
  return encoding === 'iso-2022-jp' || iconv.encodingExists(SUPERSET_CODECS[encoding] ?? encoding);
}

/** An XML declaration or an HTML meta charset near the start: the author's own statement. */
const DECLARED_CHARSET = /<\?xml[^>]*\sencoding\s*=\s*["']([\w.:-]+)|<meta[^>]*\scharset\s*=\s*["']?([\w.:-]+)/i;
const DECLARATION_WINDOW_BYTES = 1024;

function declaredCharset(bytes: Uint8Array): string | undefined {
  const length = Math.min(bytes.byteLength, DECLARATION_WINDOW_BYTES);
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('latin1');
  const match = DECLARED_CHARSET.exec(head);
  return (match?.[1] ?? match?.[2])?.toLowerCase();
}

/**
 * A wrong single-byte guess shows as bytes its code page leaves undefined (U+FFFD) or maps to C1
 * controls. Only non-ASCII characters count: the ASCII part decodes the same under every candidate.
 */
const UNDECODED = /[\uFFFD\u0080-\u009F]/g;
const MAX_UNDECODED_RATIO = 0.02;

function decodesCleanly(text: string): boolean {
  return count(text, UNDECODED) <= count(text, NON_ASCII) * MAX_UNDECODED_RATIO;
}

// ── Does it read as text? ─────────────────────────────────────────────────────────────────────

/**
 * Characters no text holds in bulk: control characters other than whitespace and ESC (ANSI
 * colours in logs), the replacement character left by failed decoding, unassigned and private-use
 * code points (what random bytes look like when read as UTF-16).
 */
const BAD_CHARS = /[^\P{Cc}\t\n\v\f\r\u001b]|[\p{Cn}\p{Co}\uFFFD]/gu;
const MAX_BAD_CHAR_RATIO = 0.05;

/** Runs of characters that are never bad: removed first with a cheap class, so the costly Unicode check sees only the rest. */
const PRINTABLE_ASCII_RUNS = /[\x20-\x7e\t\n\r]+/g;
/** Any other character: a text without one (most source and prose in English) has no bad ones. */
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e\t\n\r]/;

function isPlausibleText(text: string): boolean {
  if (!NOT_PRINTABLE_ASCII.test(text)) return true;
  return count(text.replace(PRINTABLE_ASCII_RUNS, ''), BAD_CHARS) <= text.length * MAX_BAD_CHAR_RATIO;
}

function count(text: string, pattern: RegExp): number {
  let matches = 0;
  for (const _ of text.matchAll(pattern)) matches++;
  return matches;
}
