/**
 * Where the captured CLI output lives: the steering repo's shared/fixtures when
 * it sits beside this checkout (the source of truth), otherwise the copy in
 * test/fixtures (for a clone on its own, as CI has). Refresh the copy with
 * `cp -r ../shared/fixtures/. test/fixtures/` when shared/ changes; never edit it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const shared = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const copy = fileURLToPath(new URL('../fixtures/', import.meta.url));

export const FIXTURES = process.env.FERRY_FIXTURES ?? (existsSync(`${shared}INDEX.md`) ? shared : copy);
