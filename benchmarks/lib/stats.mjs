/**
 * The representative of repeated samples: the median, taking the lower of the two middle samples for
 * an even count so that the result is always a sample that was really measured. `rateOf` reads the
 * number to rank by.
 */
export function medianSample(samples, rateOf = (sample) => sample) {
  const sorted = [...samples].sort((a, b) => rateOf(a) - rateOf(b));
  return sorted[(sorted.length - 1) >> 1];
}
