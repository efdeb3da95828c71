/** Masking of per-cluster values, for comparing the lab's answers with real captures. */

const sameLength = (ch: string) => (m: string) => ch.repeat(m.length);

/**
 * Masks what differs per cluster (UUIDs, hex ids, dates, PIDs, ports, sizes,
 * inode counts: every run of 4+ digits) keeping each value's length, so table
 * widths are still compared. The lab draws PIDs and ports with the captures'
 * digit counts, so no row needs whitespace loosening.
 */
export function mask(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, sameLength('U'))
    .replace(/\b[0-9a-f]{56}\b/g, sameLength('H'))
    .replace(/\b[0-9a-f]{32}\b/g, sameLength('K'))
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/g, sameLength('D'))
    // PIDs have 4 or 5 digits from run to run; gluster's status table pads them to 5.
    .replace(/^(.* [YN] {7})\d{4,5} ?$/gm, '$1PID  ')
    .replace(/<pid>\d{4,5}<\/pid>/g, '<pid>PID</pid>')
    .replace(/^(Pid +: )\d{4,5} *$/gm, '$1PID')
    .replace(/\d{4,}/g, sameLength('9'));
}

