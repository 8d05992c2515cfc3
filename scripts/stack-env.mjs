// Reads .local/stack.env, which scripts/stack.sh writes once the local stack is up (URLs, and the secrets Keycloak
// generated on import: MAP_APP_SECRET, ARCGIS_ONLINE_SECRET, ...). Variables already set in the environment win, so
// the scripts that start the stack and export the file, and a developer running a script by hand, get the same values.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const STACK_ENV_FILE = process.env.STACK_ENV
  ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "..", ".local", "stack.env");

/** The stack's settings: the file's KEY=VALUE lines under process.env; {} entries when the file is absent. */
export function stackEnv(file = STACK_ENV_FILE) {
  const values = {};
  if (fs.existsSync(file)) {
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
      const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (match) values[match[1]] = match[2];
    }
  }
  return { ...values, ...Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== "")) };
}

/** One setting that must be there; the message says how to get it. */
export function required(env, name) {
  if (!env[name]) {
    throw new Error(`${name} is not set: start the stack (./run-local.sh) so that it writes ${STACK_ENV_FILE}, or export ${name}`);
  }
  return env[name];
}
