import { join } from 'node:path';

/**
 * Third-party sample files the tests read, kept inside the repository (with their
 * PROVENANCE.md) so that a fresh clone tests itself: nothing here may point outside it.
 */
export const COMMERCEML_FIXTURES = join(import.meta.dirname, 'fixtures', 'commerceml');
