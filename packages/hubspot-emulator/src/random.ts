import { randomBytes } from 'node:crypto';

// A small seeded PRNG (sfc32 seeded by cyrb128). Math.random cannot be seeded, and node:crypto is not
// reproducible; tests need the same ids, tokens, shuffles and fault draws for the same seed.

export interface Random {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  bytes(count: number): Buffer;
  /** RFC 4122 version-4 shaped UUID (HubSpot's correlationIds look like these). */
  uuid(): string;
  shuffle<T>(items: T[]): T[];
}

function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

/** One independent stream per purpose, so an extra request does not change the next shuffle. */
export function createRandom(seed: string, stream: string): Random {
  let [a, b, c, d] = cyrb128(`${seed}\u0000${stream}`);
  const nextUint32 = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) nextUint32();

  const random: Random = {
    next: () => nextUint32() / 4294967296,
    int: (maxExclusive) => Math.floor(random.next() * maxExclusive),
    bytes(count) {
      const out = Buffer.alloc(count);
      for (let i = 0; i < count; i += 4) {
        const value = nextUint32();
        for (let j = 0; j < 4 && i + j < count; j++) out[i + j] = (value >>> (j * 8)) & 0xff;
      }
      return out;
    },
    uuid() {
      const b16 = random.bytes(16);
      b16[6] = ((b16[6] ?? 0) & 0x0f) | 0x40;
      b16[8] = ((b16[8] ?? 0) & 0x3f) | 0x80;
      const hex = b16.toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        const tmp = items[i] as (typeof items)[number];
        items[i] = items[j] as (typeof items)[number];
        items[j] = tmp;
      }
      return items;
    },
  };
  return random;
}

/** Without a seed every run differs, but still goes through the same generator. */
export function resolveSeed(seed: number | string | undefined): string {
  return seed === undefined ? randomBytes(16).toString('hex') : String(seed);
}
