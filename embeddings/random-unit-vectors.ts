/**
 * Seeded synthetic unit vectors for the vector-index tests and bench: reproducible without shipping data.
 *
 * Two shapes: uniformly random directions (the worst case for HNSW: no cluster structure, every point nearly
 * orthogonal to every other), and points at a chosen cosine from a given vector, to build clusters and
 * paraphrase-like queries the way real sentence embeddings behave (near neighbours far above the background).
 */
import { seededRandom } from './seeded-random';

export { seededRandom };

/** A standard normal draw (Box–Muller); a vector of these, normalised, is uniform on the sphere (Muller 1959). */
function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function normalise(vector: Float32Array): Float32Array {
  let sumOfSquares = 0;
  for (let i = 0; i < vector.length; i++) sumOfSquares += vector[i]! * vector[i]!;
  const norm = Math.sqrt(sumOfSquares);
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / norm;
  return vector;
}

/** One uniformly random unit vector. */
export function randomUnitVector(dimensions: number, random: () => number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (let i = 0; i < dimensions; i++) vector[i] = gaussian(random);
  return normalise(vector);
}

/** `count` uniformly random unit vectors, each in its own buffer. */
export function randomUnitVectors(count: number, dimensions: number, seed: number): Float32Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => randomUnitVector(dimensions, random));
}

/**
 * A unit vector whose cosine with the unit vector `from` is `cosine` (up to float32 rounding): `from` scaled by the
 * cosine plus a random direction orthogonal to it scaled by the sine.
 */
export function unitVectorAtCosine(from: Float32Array, cosine: number, random: () => number): Float32Array {
  const noise = randomUnitVector(from.length, random);
  let along = 0;
  for (let i = 0; i < from.length; i++) along += noise[i]! * from[i]!;
  for (let i = 0; i < from.length; i++) noise[i] = noise[i]! - along * from[i]!;
  normalise(noise);
  const sine = Math.sqrt(1 - cosine * cosine);
  const out = new Float32Array(from.length);
  for (let i = 0; i < from.length; i++) out[i] = cosine * from[i]! + sine * noise[i]!;
  return normalise(out);
}

/**
 * `count` unit vectors in clusters of about `clusterSize` around random centres, each at `cosineToCentre` from its
 * centre (two members of one cluster then sit near cosine² apart: 0.8 → ~0.64, a same-topic neighbourhood).
 */
export function clusteredUnitVectors(
  count: number,
  dimensions: number,
  seed: number,
  options: { clusterSize?: number; cosineToCentre?: number } = {},
): Float32Array[] {
  const { clusterSize = 50, cosineToCentre = 0.8 } = options;
  const random = seededRandom(seed);
  const centres = Array.from({ length: Math.max(1, Math.ceil(count / clusterSize)) }, () =>
    randomUnitVector(dimensions, random),
  );
  return Array.from({ length: count }, () =>
    unitVectorAtCosine(centres[Math.floor(random() * centres.length)]!, cosineToCentre, random),
  );
}
