// GSM 03.38 default alphabet (one septet each) and its extension table (an escape
// septet plus one: two each). Any other character forces the whole message to UCS-2.
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '^{}\\[~]|€\f';

const basic = new Set(GSM7_BASIC);
const extension = new Set(GSM7_EXTENSION);

/** How an SMS is encoded and how many parts it is sent as. */
export interface SmsSegmentCount {
  readonly encoding: 'GSM-7' | 'UCS-2';
  /** Septets for GSM-7 (extension characters count two), UTF-16 code units for UCS-2. */
  readonly units: number;
  readonly segments: number;
}

/**
 * Counts the segments an SMS is sent as. One GSM-7 segment holds 160 septets, or 153
 * per part once concatenated (the rest is the UDH); UCS-2 holds 70, or 67 per part.
 * Parts are filled the way handsets and carriers do: an extension character's two
 * septets, and a surrogate pair's two code units, are never split across parts, so
 * the count is exact rather than `ceil(units / 153)`.
 *
 * @example
 * smsSegments('Hello'); // { encoding: 'GSM-7', units: 5, segments: 1 }
 * smsSegments('€'.repeat(80)); // { encoding: 'GSM-7', units: 160, segments: 1 }
 */
export function smsSegments(text: string): SmsSegmentCount {
  const widths: number[] = [];
  let gsm = true;
  for (const ch of text) {
    if (basic.has(ch)) widths.push(1);
    else if (extension.has(ch)) widths.push(2);
    else {
      gsm = false;
      break;
    }
  }
  if (!gsm) {
    widths.length = 0;
    for (const ch of text) widths.push(ch.length); // 2 for astral characters (surrogate pairs)
  }
  const units = widths.reduce((a, b) => a + b, 0);
  const single = gsm ? 160 : 70;
  const multi = gsm ? 153 : 67;
  if (units === 0) return { encoding: gsm ? 'GSM-7' : 'UCS-2', units, segments: 0 };
  if (units <= single) return { encoding: gsm ? 'GSM-7' : 'UCS-2', units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > multi) {
      segments++;
      used = 0;
    }
    used += width;
  }
  return { encoding: gsm ? 'GSM-7' : 'UCS-2', units, segments };
}
