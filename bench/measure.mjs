// Timing helpers shared by the scenarios that report a median latency.

/** Milliseconds `fn` took. */
export async function time(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** The median of a list of numbers. */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * p50 (ms) of `samples` calls of `library(i)` and of `raw(i)`, alternating one of each so that the
 * machine's load falls on both sides alike, after `warmup` unmeasured pairs (statements prepared,
 * index pages cached). `between(i)`, when given, runs after each measured call, untimed (e.g. to put
 * claimed runs back). Returns { library, raw } in ms.
 */
export async function alternatingP50({ samples, warmup = 5, library, raw, between = async () => {} }) {
  for (let i = 0; i < warmup; i++) {
    await between(await library(-1 - i));
    await between(await raw(-1 - i));
  }
  const lib = [];
  const rawTimes = [];
  for (let i = 0; i < samples; i++) {
    let out;
    lib.push(
      await time(async () => {
        out = await library(i);
      }),
    );
    await between(out);
    rawTimes.push(
      await time(async () => {
        out = await raw(i);
      }),
    );
    await between(out);
  }
  return { library: median(lib), raw: median(rawTimes) };
}
