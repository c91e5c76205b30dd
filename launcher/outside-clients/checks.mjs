// What the outside checks share: one line per check, and the count of those that failed.
let failed = 0;

/** Runs one check; prints 'ok' with what it returned, or 'FAIL' with why. */
export async function check(name, body) {
  try {
    const detail = await body();
    console.log(`ok    ${name}${detail ? `: ${detail}` : ''}`);
  } catch (error) {
    failed++;
    console.log(`FAIL  ${name}: ${error.message}`);
  }
}

export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** Prints the summary and exits with the number of failed checks. */
export function finish(what) {
  console.log(failed === 0 ? `${what}: all checks passed.` : `${what}: ${failed} checks failed.`);
  process.exit(failed);
}
