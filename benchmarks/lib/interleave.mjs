/**
 * Interleaved measurement. On a shared machine the load drifts over seconds (other processes start
 * and stop, CPUs change frequency), so measuring target A for three seconds and then target B would
 * fold that drift into the A/B ratio. Instead every target keeps its processes up ("session"), and
 * each repeat measures every target once in turn: round 1 A, B, C, round 2 A, B, C, ... The median of
 * a target's rounds is its number; the ratio compares numbers taken side by side. The order turns
 * round by round (A, B, C, then C, B, A), so no target always runs first or straight after another.
 */
import { Child } from "./child.mjs";
import { firstLine } from "./format.mjs";

/**
 * Starts one session per target with `open(target, start)`, where `start(label, spec)` starts a child
 * owned by the session. A target whose session cannot start is recorded with its error.
 */
export async function openSessions(targets, open, config, what) {
  const sessions = [];
  for (const target of targets) {
    const session = { target, children: [], error: undefined, value: undefined };
    const start = async (label, spec) => {
      const child = await Child.start(label, spec);
      session.children.push(child);
      return child;
    };
    try {
      session.value = await open(target, start);
    } catch (error) {
      await failSession(session, error, config, what);
    }
    sessions.push(session);
  }
  return sessions;
}

export async function closeSessions(sessions) {
  await Promise.all(sessions.flatMap((session) => session.children.map((child) => child.stop())));
}

async function failSession(session, error, config, what) {
  session.error = error;
  config.fail(`${what} ${session.target.name}`, error);
  await Promise.all(session.children.map((child) => child.stop()));
}

/**
 * For each case: an optional warm-up pass, then `config.repeats` rounds over the sessions still alive;
 * `measure(session, oneCase, durationMs)` returns one sample. Returns, per case and session, `{ session, oneCase, samples }` or `{ session, oneCase, error }`.
 * A session that fails is stopped and reported as failed for the remaining cases.
 */
export async function measureInterleaved(sessions, cases, measure, config, { what, warmup }) {
  const results = [];
  for (const oneCase of cases) {
    const samples = new Map(sessions.map((session) => [session, []]));
    const rounds = config.repeats + (warmup ? 1 : 0);
    for (let round = 0; round < rounds; round++) {
      const isWarmup = warmup && round === 0;
      for (const session of round % 2 === 0 ? sessions : [...sessions].reverse()) {
        if (session.error) continue;
        config.log(`${what} ${session.target.name} ${oneCase.label}${isWarmup ? " (warm-up)" : ""}`);
        try {
          const sample = await measure(session, oneCase, isWarmup ? config.warmupMs : config.durationMs);
          if (!isWarmup) samples.get(session).push(sample);
        } catch (error) {
          await failSession(session, error, config, `${what} ${oneCase.label}`);
        }
      }
    }
    for (const session of sessions) {
      if (session.error) results.push({ session, oneCase, error: firstLine(session.error) });
      else results.push({ session, oneCase, samples: samples.get(session) });
    }
  }
  return results;
}
