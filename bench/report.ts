/** The benchmark output format shared by every benchmark: one `name: value unit` line. */
export type Report = (name: string, value: number | string, unit: string) => void;

export const printReport: Report = (name, value, unit) => {
  console.log(`${name}: ${value} ${unit}`);
};

/** Deterministic pseudo-random numbers (mulberry32), so runs compare like for like. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
