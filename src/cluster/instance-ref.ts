/**
 * The one rule for what may name an instance in a ferry command: anything nova
 * accepts as a server name (printable Unicode, up to 255 characters: capture
 * nova-show-unicode's `web-ü-云`), or a UUID. Only what cannot be a name, or could
 * not reach nova as one argv element, is refused.
 */

/**
 * nova's `_is_printable` (nova/api/validation/parameter_types.py): no Unicode category
 * C (control, format, private use, surrogate, unassigned) and no Z but the space separators.
 */
const NOT_PRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/u;

/** Why `ref` cannot be an instance name or UUID; null when it can. */
export function instanceRefProblem(ref: string): string | null {
  if (ref.trim() === '') return 'an instance name needs at least one character that is not a space';
  if ([...ref].length > 255) return 'nova names are at most 255 characters';
  if (NOT_PRINTABLE.test(ref)) return 'an instance name has no control or other non-printable characters';
  // novaclient's argparse would read it as an option.
  if (ref.startsWith('-')) return "an instance name here cannot start with '-'";
  return null;
}
