// Shuffle sharding, as Kubernetes' fairqueuing/shufflesharding: a flow's hash deals it a hand of
// distinct queues out of a deck, so two heavy flows rarely share all of their queues and one
// flow can fill at most its hand.
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = (1n << 64n) - 1n;

/** FNV-1a, 64 bits, of the strings joined as Kubernetes hashes a flow (schema name, distinguisher). */
export function hashFlow(...parts: string[]): bigint {
  let h = FNV_OFFSET;
  for (const byte of Buffer.from(parts.join('\n'))) {
    h ^= BigInt(byte);
    h = (h * FNV_PRIME) & MASK;
  }
  return h;
}

/** The `handSize` distinct cards (0 .. deckSize-1) that `hash` deals. */
export function dealHand(hash: bigint, deckSize: number, handSize: number): number[] {
  if (handSize > deckSize) throw new Error(`hand size ${handSize} is larger than the deck (${deckSize})`);
  const remainders: number[] = [];
  let h = hash;
  for (let i = 0; i < handSize; i++) {
    const size = BigInt(deckSize - i);
    remainders.push(Number(h % size));
    h /= size;
  }
  // Each remainder indexes the cards left after the earlier picks: skip over those.
  const hand: number[] = [];
  for (const r of remainders) {
    let card = r;
    for (const taken of [...hand].sort((a, b) => a - b)) if (card >= taken) card++;
    hand.push(card);
  }
  return hand;
}
