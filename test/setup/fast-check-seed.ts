import fc from 'fast-check';

/**
 * Property tests run from one fixed seed so that `npm test` (and CI) gives the
 * same verdict on the same code: a random seed once failed CI on a bug the
 * previous hundred runs had not drawn. To explore beyond the fixed inputs,
 * run `VIGIL_PROPERTY_SEED=random npm test` (or a number to replay one run);
 * a failure prints the seed and path that reproduce it.
 */
const DEFAULT_SEED = 20_261_128;

const wanted = process.env.VIGIL_PROPERTY_SEED;
const seed = wanted === 'random' ? Date.now() ^ (Math.random() * 0x7fffffff) : wanted ? Number(wanted) : DEFAULT_SEED;
if (!Number.isInteger(seed)) throw new Error(`VIGIL_PROPERTY_SEED must be an integer or "random", got ${JSON.stringify(wanted)}`);
if (wanted === 'random') console.log(`fast-check seed ${seed} (replay with VIGIL_PROPERTY_SEED=${seed})`);

fc.configureGlobal({ seed });
