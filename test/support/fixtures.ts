/**
 * Where the captured CLI output lives: test/fixtures, a copy of the steering repo's
 * shared/fixtures (the source of truth). Refresh it with `bash .ci/refresh-fixtures`
 * when shared/ changes; never edit the copy by hand.
 */
import { fileURLToPath } from 'node:url';

export const FIXTURES = process.env.FERRY_FIXTURES ?? fileURLToPath(new URL('../fixtures/', import.meta.url));
