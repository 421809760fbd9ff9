// Two builds measured side by side in one process, rounds alternated (A B, B A, …) so
// the machine's drift hits both alike: prints each round, each side's min and median,
// and how often the new side was lower. What the package microbenchmarks share
// (packages/*/bench/*-bench.mjs); a measurement, never a test.
//
//   await abRounds({ sides: { base, new: next }, run, rounds: 9, unit: 'ns per job', note: 'webhook' });
//
// `run(side)` returns one figure for the side (sync or async), lower is better.
export async function abRounds({ sides, run, rounds, unit, note }) {
  for (const side of Object.values(sides)) await run(side); // warm-up
  const figures = { base: [], new: [] };
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 === 0 ? ['base', 'new'] : ['new', 'base'])
      figures[name].push(await run(sides[name]));
    console.log(
      `round ${r + 1}: base ${figures.base[r].toFixed(0)}, new ${figures.new[r].toFixed(0)} ${unit}, new ÷ base ${(figures.new[r] / figures.base[r]).toFixed(3)}`,
    );
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const name of ['base', 'new'])
    console.log(
      `${name}: min ${Math.min(...figures[name]).toFixed(0)} median ${median(figures[name]).toFixed(0)} ${unit}`,
    );
  const ratios = figures.new.map((n, i) => n / figures.base[i]);
  console.log(
    `new ÷ base: median ${median(ratios).toFixed(3)}, new lower in ${ratios.filter((x) => x < 1).length} of ${rounds} rounds (${note})`,
  );
  return figures;
}
