import { describe, expect, it } from "vitest";
import { runScenario, scenarioNames } from "../run.mjs";

/** The short version of every reliability scenario, each in its own process, as part of `npm test`. */
describe("reliability scenarios (short)", () => {
  for (const name of scenarioNames() as string[]) {
    it(name, { timeout: 120_000 }, async () => {
      const result = await runScenario(name, { short: true, echo: false });
      expect(result.failures, result.output.join("\n")).toEqual([]);
    });
  }
});
